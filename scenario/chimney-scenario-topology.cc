/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-scenario-topology.h"

#include "ns3/abort.h"
#include "ns3/csma-helper.h"
#include "ns3/data-rate.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv4.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/string.h"
#include "ns3/system-path.h"

#include <cmath>
#include <map>
#include <sstream>

namespace ns3
{

namespace
{

/// Most offloading hosts a scenario may have (addresses: one /30 per host in 10.0.0.0/9).
constexpr uint32_t kMaxHosts = 1000000;
/// Most offloading hosts per CSMA segment (one /24 per segment, the peer included).
constexpr uint32_t kMaxSegmentHosts = 253;

/// 10.0.0.0 + offset
Ipv4Address
TenNet(uint32_t offset)
{
    return Ipv4Address((10U << 24) + offset);
}

bool
ParseDataRate(const std::string& text, DataRate* rate)
{
    std::istringstream is(text);
    DataRate r;
    is >> r;
    if (is.fail() || r.GetBitRate() == 0)
    {
        return false;
    }
    *rate = r;
    return true;
}

} // namespace

ChimneyScenarioTopology::ChimneyScenarioTopology() = default;

ChimneyHelper&
ChimneyScenarioTopology::Chimney()
{
    return m_chimney;
}

ChimneyHelper&
ChimneyScenarioTopology::PeerChimney()
{
    return m_peerChimney;
}

ChimneyStackHelper&
ChimneyScenarioTopology::Stacks()
{
    return m_stacks;
}

bool
ChimneyScenarioTopology::Check(const std::string& topology,
                               uint32_t hosts,
                               uint32_t segmentHosts,
                               const std::string& dataRate,
                               std::string* error)
{
    std::string why;
    DataRate rate;
    if (topology != "p2p" && topology != "csma" && topology != "dumbbell" && topology != "star")
    {
        why = "topology '" + topology + "' is unknown: use p2p, csma, dumbbell or star";
    }
    else if (hosts == 0 || hosts > kMaxHosts)
    {
        why = "hosts must be between 1 and " + std::to_string(kMaxHosts);
    }
    else if (segmentHosts == 0 || segmentHosts > kMaxSegmentHosts)
    {
        why = "segmentHosts must be between 1 and " + std::to_string(kMaxSegmentHosts);
    }
    else if (!ParseDataRate(dataRate, &rate))
    {
        why = "dataRate '" + dataRate + "' is not a data rate (e.g. 100Mbps)";
    }
    if (!why.empty() && error)
    {
        *error = why;
    }
    return why.empty();
}

uint32_t
ChimneyScenarioTopology::AddInterface(Ptr<Node> node,
                                      Ptr<NetDevice> device,
                                      Ipv4Address address,
                                      Ipv4Mask mask)
{
    Ptr<Ipv4> ipv4 = node->GetObject<Ipv4>();
    const uint32_t interface = ipv4->AddInterface(device);
    ipv4->AddAddress(interface, Ipv4InterfaceAddress(address, mask));
    ipv4->SetMetric(interface, 1);
    ipv4->SetUp(interface);
    return interface;
}

void
ChimneyScenarioTopology::SetDefaultRoute(Ptr<Node> node, Ipv4Address gateway, uint32_t interface)
{
    Ipv4StaticRoutingHelper routing;
    routing.GetStaticRouting(node->GetObject<Ipv4>())->SetDefaultRoute(gateway, interface);
}

Ptr<NetDevice>
ChimneyScenarioTopology::PeerIpDevice(Ptr<NetDevice> link, bool chimneyPeer)
{
    if (!chimneyPeer)
    {
        return link;
    }
    NetDeviceContainer device = m_peerChimney.Install(NetDeviceContainer(link));
    m_stackDevices.Add(device);
    m_peerDevices.Add(device);
    return device.Get(0);
}

bool
ChimneyScenarioTopology::Build(const std::string& topology,
                               uint32_t hosts,
                               uint32_t segmentHosts,
                               bool chimneyPeers,
                               const std::string& dataRate,
                               Time delay,
                               std::string* error)
{
    if (!Check(topology, hosts, segmentHosts, dataRate, error))
    {
        return false;
    }
    if (topology == "star" && chimneyPeers)
    {
        if (error)
        {
            *error =
                "topology star needs native peers (a chimney stack drives one device per node)";
        }
        return false;
    }
    NS_ABORT_MSG_IF(!m_hosts.empty(), "ChimneyScenarioTopology::Build: already built");
    NS_ABORT_MSG_IF(topology == "dumbbell" && m_shardCount > 1,
                    "ChimneyScenarioTopology::Build: dumbbell is one island, it cannot be sharded");
    m_csma = topology == "csma";
    m_chimneyPeers = chimneyPeers && topology != "star";
    DataRate rate;
    ParseDataRate(dataRate, &rate);
    const uint32_t segments = (hosts + segmentHosts - 1) / segmentHosts;
    const uint32_t peers = topology == "csma" || topology == "star" ? segments : hosts;

    // Nodes in a fixed order: hosts, peers, routers. Every node exists in every shard (node
    // IDs); only the shard's own islands get links, devices and stacks (Owns, OwnsPeer).
    m_hosts.resize(hosts);
    m_peers.resize(peers);
    for (auto& h : m_hosts)
    {
        h.node = CreateObject<Node>();
        m_all.Add(h.node);
    }
    for (auto& p : m_peers)
    {
        p.node = CreateObject<Node>();
        m_all.Add(p.node);
    }
    Ptr<Node> left;
    Ptr<Node> right;
    m_oneIsland = topology == "dumbbell";
    if (m_oneIsland)
    {
        left = CreateObject<Node>();
        right = CreateObject<Node>();
        m_all.Add(left);
        m_all.Add(right);
    }

    // Links, then chimney devices over the offloading hosts' (and chimney peers') link devices.
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", DataRateValue(rate));
    p2p.SetChannelAttribute("Delay", TimeValue(delay));
    std::vector<Ptr<NetDevice>> peerLinks(peers);
    std::vector<Ptr<NetDevice>> routerLinks; // dumbbell: router side of host i, then peer i
    if (topology == "p2p")
    {
        for (uint32_t i = 0; i < hosts; ++i)
        {
            m_hosts[i].peer = i;
            if (!Owns(i))
            {
                continue;
            }
            NetDeviceContainer d = p2p.Install(m_hosts[i].node, m_peers[i].node);
            m_hosts[i].link = d.Get(0);
            m_hosts[i].far = d.Get(1);
            peerLinks[i] = d.Get(1);
        }
    }
    else if (topology == "star")
    {
        for (uint32_t i = 0; i < hosts; ++i)
        {
            const uint32_t s = i / segmentHosts;
            m_hosts[i].peer = s;
            if (!Owns(i))
            {
                continue;
            }
            NetDeviceContainer d = p2p.Install(m_hosts[i].node, m_peers[s].node);
            m_hosts[i].link = d.Get(0);
            m_hosts[i].far = d.Get(1);
        }
    }
    else if (topology == "csma")
    {
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", DataRateValue(rate));
        csma.SetChannelAttribute("Delay", TimeValue(delay));
        for (uint32_t s = 0; s < segments; ++s)
        {
            NodeContainer members;
            const uint32_t first = s * segmentHosts;
            const uint32_t last = std::min(hosts, first + segmentHosts);
            for (uint32_t i = first; i < last; ++i)
            {
                m_hosts[i].peer = s;
            }
            if (!OwnsPeer(s))
            {
                continue;
            }
            for (uint32_t i = first; i < last; ++i)
            {
                members.Add(m_hosts[i].node);
            }
            members.Add(m_peers[s].node);
            NetDeviceContainer d = csma.Install(members);
            peerLinks[s] = d.Get(d.GetN() - 1);
            for (uint32_t i = first; i < last; ++i)
            {
                m_hosts[i].link = d.Get(i - first);
                m_hosts[i].far = peerLinks[s];
            }
        }
    }
    else
    {
        for (uint32_t i = 0; i < hosts; ++i)
        {
            NetDeviceContainer d = p2p.Install(m_hosts[i].node, left);
            m_hosts[i].link = d.Get(0);
            m_hosts[i].far = d.Get(1);
            m_hosts[i].peer = i;
            routerLinks.push_back(d.Get(1));
        }
        for (uint32_t i = 0; i < hosts; ++i)
        {
            NetDeviceContainer d = p2p.Install(m_peers[i].node, right);
            peerLinks[i] = d.Get(0);
            routerLinks.push_back(d.Get(1));
        }
    }
    for (uint32_t i = 0; i < hosts; ++i)
    {
        Host& h = m_hosts[i];
        if (!Owns(i))
        {
            continue;
        }
        h.device =
            DynamicCast<ChimneyNetDevice>(m_chimney.Install(NetDeviceContainer(h.link)).Get(0));
        m_hostDevices.Add(h.device);
        m_stackDevices.Add(h.device);
    }
    std::vector<Ptr<NetDevice>> peerIp(peers);
    for (uint32_t p = 0; p < peers && topology != "star"; ++p)
    {
        if (!OwnsPeer(p))
        {
            continue;
        }
        peerIp[p] = PeerIpDevice(peerLinks[p], chimneyPeers);
        m_peers[p].device = DynamicCast<ChimneyNetDevice>(peerIp[p]);
    }

    InternetStackHelper internet;
    internet.SetIpv6StackInstall(false);
    Ipv4StaticRoutingHelper staticRouting;
    internet.SetRoutingHelper(staticRouting);
    NodeContainer built;
    for (uint32_t i = 0; i < m_all.GetN(); ++i)
    {
        if (NodeBuilt(i))
        {
            built.Add(m_all.Get(i));
        }
    }
    internet.Install(built);

    // Addresses and routes.
    const Ipv4Mask slash30("255.255.255.252");
    const Ipv4Mask slash24("255.255.255.0");
    if (topology == "p2p")
    {
        for (uint32_t i = 0; i < hosts; ++i)
        {
            m_hosts[i].address = TenNet(4 * i + 1);
            m_peers[i].address = TenNet(4 * i + 2);
            if (Owns(i))
            {
                AddInterface(m_hosts[i].node, m_hosts[i].device, m_hosts[i].address, slash30);
                AddInterface(m_peers[i].node, peerIp[i], m_peers[i].address, slash30);
            }
        }
    }
    else if (topology == "star")
    {
        for (uint32_t i = 0; i < hosts; ++i)
        {
            // The peer answers on every link; its address is the one on its first host's link.
            Peer& peer = m_peers[m_hosts[i].peer];
            m_hosts[i].address = TenNet(4 * i + 1);
            if (Owns(i))
            {
                AddInterface(m_hosts[i].node, m_hosts[i].device, m_hosts[i].address, slash30);
                AddInterface(peer.node, m_hosts[i].far, TenNet(4 * i + 2), slash30);
            }
            if (i % segmentHosts == 0)
            {
                peer.address = TenNet(4 * i + 2);
            }
            m_hosts[i].peerAddress = TenNet(4 * i + 2);
        }
    }
    else if (topology == "csma")
    {
        for (uint32_t i = 0; i < hosts; ++i)
        {
            const uint32_t s = i / segmentHosts;
            m_hosts[i].address = TenNet(256 * s + (i - s * segmentHosts) + 1);
            if (Owns(i))
            {
                AddInterface(m_hosts[i].node, m_hosts[i].device, m_hosts[i].address, slash24);
            }
        }
        for (uint32_t s = 0; s < segments; ++s)
        {
            m_peers[s].address = TenNet(256 * s + 254);
            if (OwnsPeer(s))
            {
                AddInterface(m_peers[s].node, peerIp[s], m_peers[s].address, slash24);
            }
        }
    }
    else
    {
        const uint32_t rightBase = 1U << 22; // 10.64.0.0
        for (uint32_t i = 0; i < hosts; ++i)
        {
            m_hosts[i].address = TenNet(4 * i + 1);
            const uint32_t hostIf =
                AddInterface(m_hosts[i].node, m_hosts[i].device, m_hosts[i].address, slash30);
            AddInterface(left, routerLinks[i], TenNet(4 * i + 2), slash30);
            SetDefaultRoute(m_hosts[i].node, TenNet(4 * i + 2), hostIf);

            m_peers[i].address = TenNet(rightBase + 4 * i + 1);
            const uint32_t peerIf =
                AddInterface(m_peers[i].node, peerIp[i], m_peers[i].address, slash30);
            AddInterface(right, routerLinks[hosts + i], TenNet(rightBase + 4 * i + 2), slash30);
            SetDefaultRoute(m_peers[i].node, TenNet(rightBase + 4 * i + 2), peerIf);
        }
        PointToPointHelper core;
        core.SetDeviceAttribute("DataRate",
                                DataRateValue(DataRate(rate.GetBitRate() * uint64_t(hosts))));
        core.SetChannelAttribute("Delay", TimeValue(delay));
        NetDeviceContainer d = core.Install(left, right);
        const uint32_t coreNet = (1U << 24) - 4; // 10.255.255.252/30
        const uint32_t leftIf = AddInterface(left, d.Get(0), TenNet(coreNet + 1), slash30);
        const uint32_t rightIf = AddInterface(right, d.Get(1), TenNet(coreNet + 2), slash30);
        SetDefaultRoute(left, TenNet(coreNet + 2), leftIf);
        SetDefaultRoute(right, TenNet(coreNet + 1), rightIf);
    }

    for (auto& h : m_hosts)
    {
        if (h.peerAddress == Ipv4Address())
        {
            h.peerAddress = m_peers[h.peer].address;
        }
    }
    m_stacks.Install(m_stackDevices);
    for (uint32_t i = 0; i < hosts; ++i)
    {
        if (Owns(i))
        {
            m_hosts[i].stack = ChimneyStackHelper::GetStack(m_hosts[i].node);
        }
    }
    for (uint32_t p = 0; p < peers; ++p)
    {
        if (OwnsPeer(p))
        {
            m_peers[p].stack = ChimneyStackHelper::GetStack(m_peers[p].node);
        }
    }
    return true;
}

uint32_t
ChimneyScenarioTopology::AddLayers(double fraction)
{
    uint32_t layered = 0;
    for (uint32_t i = 0; i < m_hosts.size(); ++i)
    {
        Host& h = m_hosts[i];
        if (std::floor((i + 1) * fraction) <= std::floor(i * fraction))
        {
            continue;
        }
        ++layered; // another shard's too: every shard counts the run's layered hosts
        if (!Owns(i))
        {
            continue;
        }
        h.layer = CreateObject<ChimneyIntermediateDriver>();
        h.layer->SetLowerLayer(PeekPointer(h.device));
        h.stack->SetLowerLayer(h.layer->AddUpperProtocol(PeekPointer(h.stack), "tcpip"));
        h.probe = Create<ChimneyProbeProtocol>();
        h.probe->SetLower(h.layer->AddUpperProtocol(PeekPointer(h.probe), "probe"));
    }
    return layered;
}

void
ChimneyScenarioTopology::StartProbes() const
{
    for (uint32_t i = 0; i < m_hosts.size(); ++i)
    {
        const Host& h = m_hosts[i];
        if (h.probe && Owns(i))
        {
            // Ports the workload never uses (it connects from ephemeral ports); the peer hears
            // nothing of this idle connection.
            h.probe->Offload(h.address,
                             7000,
                             m_peers[h.peer].address,
                             7001,
                             h.far->GetAddress(),
                             2,
                             1000);
        }
    }
}

void
ChimneyScenarioTopology::StopProbes() const
{
    for (uint32_t i = 0; i < m_hosts.size(); ++i)
    {
        const Host& h = m_hosts[i];
        if (h.probe && Owns(i))
        {
            h.probe->Terminate();
        }
    }
}

uint32_t
ChimneyScenarioTopology::StopPeers() const
{
    uint32_t requested = 0;
    for (uint32_t i = 0; i < m_peers.size(); ++i)
    {
        const Peer& p = m_peers[i];
        if (p.stack && OwnsPeer(i))
        {
            requested += p.stack->TerminateAll();
        }
    }
    return requested;
}

int64_t
ChimneyScenarioTopology::AssignStreams(int64_t stream)
{
    // In the order of a whole network's run: every node's ARP and IPv4, every CSMA device's
    // backoff, every chimney stack.
    std::vector<StreamSlot> nodes;
    for (uint32_t i = 0; i < m_all.GetN(); ++i)
    {
        const uint32_t kind = i < m_hosts.size() ? 0 : i < m_hosts.size() + m_peers.size() ? 1 : 2;
        nodes.push_back({NodeBuilt(i), kind, [this, i](int64_t s) {
                             return InternetStackHelper().AssignStreams(m_all.Get(i), s);
                         }});
    }
    std::vector<StreamSlot> csma;   // per segment: its hosts' devices, then the peer's
    std::vector<StreamSlot> stacks; // the hosts', then the chimney peers'
    auto csmaSlot = [](const Ptr<NetDevice>& device, bool owned, uint32_t kind) {
        return StreamSlot{owned, kind, [device](int64_t s) {
                              return CsmaHelper().AssignStreams(NetDeviceContainer(device), s);
                          }};
    };
    auto stackSlot = [this](const Ptr<NetDevice>& device, bool owned, uint32_t kind) {
        return StreamSlot{owned, kind, [this, device](int64_t s) {
                              return m_stacks.AssignStreams(NetDeviceContainer(device), s);
                          }};
    };
    for (uint32_t i = 0; i < m_hosts.size() && m_csma; ++i)
    {
        const Host& h = m_hosts[i];
        csma.push_back(csmaSlot(h.link, Owns(i), 0));
        if (i + 1 == m_hosts.size() || m_hosts[i + 1].peer != h.peer)
        {
            csma.push_back(csmaSlot(h.far, Owns(i), 1)); // the segment's last: its peer's
        }
    }
    for (uint32_t i = 0; i < m_hosts.size(); ++i)
    {
        stacks.push_back(stackSlot(m_hosts[i].device, Owns(i), 0));
    }
    for (uint32_t p = 0; p < m_peers.size() && m_chimneyPeers; ++p)
    {
        stacks.push_back(stackSlot(m_peers[p].device, OwnsPeer(p), 1));
    }
    int64_t used = 0;
    used += AssignInOrder(nodes, stream + used);
    used += AssignInOrder(csma, stream + used);
    used += AssignInOrder(stacks, stream + used);
    return used;
}

int64_t
ChimneyScenarioTopology::AssignInOrder(const std::vector<StreamSlot>& slots, int64_t stream) const
{
    // Another shard's slot is skipped but keeps its streams: as many as a built slot of its
    // kind takes (every node, device or stack of a kind is built alike).
    std::map<uint32_t, int64_t> perKind;
    if (m_shardCount > 1)
    {
        for (const StreamSlot& slot : slots)
        {
            if (slot.built && perKind.count(slot.kind) == 0)
            {
                perKind[slot.kind] = slot.assign(stream);
            }
        }
    }
    int64_t used = 0;
    for (const StreamSlot& slot : slots)
    {
        if (slot.built)
        {
            const int64_t n = slot.assign(stream + used);
            NS_ABORT_MSG_IF(m_shardCount > 1 && n != perKind[slot.kind],
                            "ChimneyScenarioTopology::AssignStreams: a shard's slot of kind "
                                << slot.kind << " took " << n << " streams, another "
                                << perKind[slot.kind]);
            used += n;
        }
        else
        {
            NS_ABORT_MSG_IF(perKind.count(slot.kind) == 0,
                            "ChimneyScenarioTopology::AssignStreams: no slot of kind "
                                << slot.kind << " in this shard to count its streams on");
            used += perKind[slot.kind];
        }
    }
    return used;
}

const std::vector<ChimneyScenarioTopology::Host>&
ChimneyScenarioTopology::GetHosts() const
{
    return m_hosts;
}

const std::vector<ChimneyScenarioTopology::Peer>&
ChimneyScenarioTopology::GetPeers() const
{
    return m_peers;
}

void
ChimneyScenarioTopology::SetShard(uint32_t index, uint32_t count)
{
    NS_ABORT_MSG_IF(count == 0 || index >= count || !m_hosts.empty(),
                    "ChimneyScenarioTopology::SetShard: shard " << index << " of " << count
                                                                << " (before Build())");
    m_shardIndex = index;
    m_shardCount = count;
}

bool
ChimneyScenarioTopology::NodeBuilt(uint32_t node) const
{
    const uint32_t hosts = m_hosts.size();
    const uint32_t peers = m_peers.size();
    return node < hosts ? Owns(node) : node < hosts + peers ? OwnsPeer(node - hosts) : true;
}

bool
ChimneyScenarioTopology::Owns(uint32_t host) const
{
    return OwnsPeer(m_hosts[host].peer);
}

bool
ChimneyScenarioTopology::OwnsPeer(uint32_t peer) const
{
    // Contiguous blocks of islands: the network was built island after island (within each
    // step of Build()), so a shard writes, and copies from the process it was forked from, its
    // own pages only; interleaved islands would share every page.
    return m_shardCount == 1 ||
           static_cast<uint64_t>(peer) * m_shardCount / m_peers.size() == m_shardIndex;
}

void
ChimneyScenarioTopology::Clear()
{
    m_hosts.clear();
    m_peers.clear();
    m_all = NodeContainer();
    m_stackDevices = NetDeviceContainer();
    m_hostDevices = NetDeviceContainer();
    m_peerDevices = NetDeviceContainer();
}

NetDeviceContainer
ChimneyScenarioTopology::GetHostDevices() const
{
    return m_hostDevices;
}

NetDeviceContainer
ChimneyScenarioTopology::GetPeerDevices() const
{
    return m_peerDevices;
}

void
ChimneyScenarioTopology::EnablePcap(const std::string& dir,
                                    const std::vector<uint32_t>& hosts) const
{
    SystemPath::MakeDirectories(dir);
    for (uint32_t i : hosts)
    {
        if (i < m_hosts.size() && Owns(i))
        {
            m_chimney.EnablePcap(dir + "/host" + std::to_string(i),
                                 NetDeviceContainer(m_hosts[i].device));
        }
    }
}

} // namespace ns3
