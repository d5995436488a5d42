/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-pair-builder.h"

#include "ns3/abort.h"
#include "ns3/chimney-socket-factory.h"
#include "ns3/csma-helper.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/system-path.h"
#include "ns3/tcp-socket-factory.h"

namespace ns3
{

ChimneyPairBuilder::ChimneyPairBuilder() = default;

ChimneyHelper&
ChimneyPairBuilder::Chimney()
{
    return m_chimney;
}

ChimneyStackHelper&
ChimneyPairBuilder::Stacks()
{
    return m_stacks;
}

void
ChimneyPairBuilder::SetLinkAttribute(const std::string& name, const std::string& value)
{
    NS_ABORT_MSG_IF(name != "DataRate" && name != "Delay",
                    "ChimneyPairBuilder: unknown link attribute '" << name
                                                                   << "' (DataRate or Delay)");
    (name == "DataRate" ? m_dataRate : m_delay) = value;
}

bool
ChimneyPairBuilder::Build(const std::string& link, bool chimneyPeer, std::string* error)
{
    if (link != "p2p" && link != "csma")
    {
        if (error)
        {
            *error = "unknown link '" + link + "': use p2p or csma";
        }
        return false;
    }
    NS_ABORT_MSG_IF(m_nodes.GetN() != 0, "ChimneyPairBuilder::Build: already built");
    m_nodes.Create(2);
    if (link == "p2p")
    {
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue(m_dataRate));
        p2p.SetChannelAttribute("Delay", StringValue(m_delay.empty() ? "5ms" : m_delay));
        m_links = p2p.Install(m_nodes);
    }
    else
    {
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", StringValue(m_dataRate));
        // ns-3's CSMA channel stays busy for the propagation delay of every frame: a LAN delay.
        csma.SetChannelAttribute("Delay", StringValue(m_delay.empty() ? "50us" : m_delay));
        m_links = csma.Install(m_nodes);
    }
    m_chimneyDevices =
        m_chimney.Install(chimneyPeer ? m_links : NetDeviceContainer(m_links.Get(0)));
    InternetStackHelper internet;
    internet.Install(m_nodes);
    Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
    NetDeviceContainer ipDevices(m_chimneyDevices.Get(0));
    ipDevices.Add(chimneyPeer ? m_chimneyDevices.Get(1) : m_links.Get(1));
    m_interfaces = address.Assign(ipDevices);
    m_stacks.Install(m_chimneyDevices);
    return true;
}

Ptr<Node>
ChimneyPairBuilder::GetNode(uint32_t i) const
{
    return m_nodes.Get(i);
}

Ipv4Address
ChimneyPairBuilder::GetAddress(uint32_t i) const
{
    return m_interfaces.GetAddress(i);
}

Ptr<ChimneyHostStack>
ChimneyPairBuilder::GetStack(uint32_t i) const
{
    return ChimneyStackHelper::GetStack(m_nodes.Get(i));
}

TypeId
ChimneyPairBuilder::GetSocketFactory(uint32_t i) const
{
    return GetStack(i) ? ChimneySocketFactory::GetTypeId() : TcpSocketFactory::GetTypeId();
}

NetDeviceContainer
ChimneyPairBuilder::GetChimneyDevices() const
{
    return m_chimneyDevices;
}

NetDeviceContainer
ChimneyPairBuilder::GetLinkDevices() const
{
    return m_links;
}

Ptr<Socket>
ChimneyPairBuilder::Listen(uint32_t host, uint16_t port, Ptr<ChimneyStreamEndpoint> endpoint) const
{
    Ptr<Socket> listener = Socket::CreateSocket(GetNode(host), GetSocketFactory(host));
    NS_ABORT_MSG_IF(listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port)) != 0 ||
                        listener->Listen() != 0,
                    "ChimneyPairBuilder::Listen: port " << port << " of host " << host
                                                        << " is not available");
    listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                MakeCallback(&ChimneyStreamEndpoint::Accept, endpoint));
    return listener;
}

Ptr<Socket>
ChimneyPairBuilder::Connect(uint32_t host,
                            uint16_t port,
                            Ptr<ChimneyStreamEndpoint> endpoint,
                            Time at) const
{
    Ptr<Socket> socket = Socket::CreateSocket(GetNode(host), GetSocketFactory(host));
    endpoint->Attach(socket);
    const Address remote = InetSocketAddress(GetAddress(1 - host), port);
    Simulator::Schedule(at - Simulator::Now(), [socket, remote]() { socket->Connect(remote); });
    return socket;
}

void
ChimneyPairBuilder::EnablePcap(const std::string& dir, const std::string& name) const
{
    SystemPath::MakeDirectories(dir);
    m_chimney.EnablePcap(dir + "/" + name, m_chimneyDevices);
}

void
ChimneyPairBuilder::EnableAscii(const std::string& dir, const std::string& name) const
{
    SystemPath::MakeDirectories(dir);
    m_chimney.EnableAscii(dir + "/" + name, m_chimneyDevices);
}

} // namespace ns3
