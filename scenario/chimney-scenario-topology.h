/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCENARIO_TOPOLOGY_H
#define CHIMNEY_SCENARIO_TOPOLOGY_H

#include "ns3/chimney-helper.h"
#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-probe-protocol.h"
#include "ns3/chimney-stack-helper.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The network of a scenario: N offloading hosts (chimney device + ChimneyHostStack) and
 *        the peers that serve their connections.
 *
 * Topologies:
 *  - "p2p": N point-to-point pairs, offloading host i <-> peer i (10.0.0.0/8, one /30 each);
 *  - "csma": segments of K offloading hosts plus one peer server each (one /24 per segment);
 *  - "dumbbell": every offloading host on its own point-to-point link to a left router, a
 *    left-right router link, every peer on its own link to the right router; static routes
 *    (a default route per host, peer and router), so it stays cheap for hundreds of hosts.
 *    The router link carries N times the access data rate, so the routers add hops, not
 *    congestion;
 *  - "star": many peers on one node: each peer node serves K offloading hosts, each host on its
 *    own point-to-point link to it (one /30 per host; the host connects to the peer's address
 *    on that link). N/K peer nodes instead of N, for studies that do not need a node per
 *    peer; native peers only (a chimney stack drives one device per node).
 *
 * A peer is plain ns-3 TCP (TcpSocketBase) or a chimney host too. Nodes are created in a fixed
 * order (hosts, then peers, then routers), addresses are computed from the indexes (no global
 * address generator), and IPv6 is not installed (memory at 10,000 hosts).
 */
class ChimneyScenarioTopology
{
  public:
    /// One offloading host.
    struct Host
    {
        Ptr<Node> node;               //!< the node
        Ptr<ChimneyNetDevice> device; //!< its chimney device (the offload target)
        Ptr<NetDevice> link;          //!< the link device under the chimney device
        Ptr<NetDevice> far;           //!< the device at the other end of its link
        Ptr<ChimneyHostStack> stack;  //!< its host stack
        Ipv4Address address;          //!< its address
        uint32_t peer = 0;            //!< index of the peer that serves its connections
        Ipv4Address peerAddress;      //!< the address its connections go to (on that peer)
        /// layered host (AddLayers): the driver between its stack and its device, else null
        Ptr<ChimneyIntermediateDriver> layer;
        Ptr<ChimneyProbeProtocol> probe; //!< the driver's second upper protocol, else null
    };

    /// One peer (the far side of connections).
    struct Peer
    {
        Ptr<Node> node;               //!< the node
        Ptr<ChimneyNetDevice> device; //!< its chimney device (null for plain ns-3 TCP)
        Ptr<ChimneyHostStack> stack;  //!< its chimney stack (null for plain ns-3 TCP)
        Ipv4Address address;          //!< the address connections go to
    };

    ChimneyScenarioTopology();

    /// \returns the device helper of the offloading hosts' chimney devices
    ChimneyHelper& Chimney();
    /// \returns the device helper of chimney peers' devices
    ChimneyHelper& PeerChimney();
    /// \returns the stack helper (offloading hosts and chimney peers)
    ChimneyStackHelper& Stacks();

    /**
     * \brief Check a topology description without building anything.
     * \param topology "p2p", "csma", "dumbbell" or "star"
     * \param hosts offloading hosts
     * \param segmentHosts offloading hosts per CSMA segment, or per peer node of a star
     * \param dataRate link data rate ("100Mbps")
     * \param error receives a one-line message when invalid
     * \returns true when valid
     */
    static bool Check(const std::string& topology,
                      uint32_t hosts,
                      uint32_t segmentHosts,
                      const std::string& dataRate,
                      std::string* error);

    /**
     * \brief Build the network (see Check() for the parameters).
     * \param topology "p2p", "csma", "dumbbell" or "star"
     * \param hosts offloading hosts
     * \param segmentHosts offloading hosts per CSMA segment, or per peer node of a star
     * \param chimneyPeers peers are chimney hosts (not with "star")
     * \param dataRate every access link's data rate
     * \param delay every link's one-way delay (CSMA: the channel's delay)
     * \param error receives a one-line message when the description is bad
     * \returns false (nothing built) on a bad description
     */
    bool Build(const std::string& topology,
               uint32_t hosts,
               uint32_t segmentHosts,
               bool chimneyPeers,
               const std::string& dataRate,
               Time delay,
               std::string* error);

    /**
     * \brief Layer a share of the offloading hosts (after Build()): a ChimneyIntermediateDriver
     *        between the host stack ("tcpip") and the device, and a ChimneyProbeProtocol
     *        ("probe") as its second upper protocol, so that completions pass a layer that must
     *        route them (A11). Host i is layered when floor((i + 1) f) > floor(i f): evenly
     *        spread, no random draw. The probes are idle until StartProbes().
     * \param fraction f, in [0, 1]
     * \returns the number of hosts layered
     */
    uint32_t AddLayers(double fraction);

    /// Each probe of an owned host (Owns()) offloads its idle connection (host:7000 -> its
    /// peer:7001) and posts two receive buffers; call at the start of the simulation.
    void StartProbes() const;

    /// Each probe of an owned host terminates its connection (before the run ends: every
    /// offload is terminated, R4).
    void StopProbes() const;

    /**
     * \brief Build and simulate only a share of the hosts in this process (a sharded run,
     *        RunChimneyScenario): an island is a peer and every host it serves (they share
     *        nothing with other islands), and shard k simulates the k-th of `count`
     *        contiguous blocks of islands (floor(p x count / islands) = k). Call before
     *        Build(): every node of the whole network is created (node IDs and addresses are
     *        those of a single run), but only the shard's islands get links, devices and
     *        stacks; the others' Host and Peer entries keep node, peer and addresses only, and
     *        AssignStreams() skips the streams their parts would take. Not with "dumbbell"
     *        (one island: the routers).
     * \param index this process's shard, < count
     * \param count shards of the run
     */
    void SetShard(uint32_t index, uint32_t count);

    /// \param host a host index \returns true when this process simulates it (always,
    /// unless SetShard() gave it to another shard)
    bool Owns(uint32_t host) const;

    /// \param peer a peer index \returns true when this process simulates its island
    bool OwnsPeer(uint32_t peer) const;

    /// Drop every reference to the network (after Simulator::Destroy()): what only the
    /// nodes still hold is freed now, e.g. pcap files closed (a sharded run's process ends
    /// without running destructors).
    void Clear();

    /**
     * \brief Each chimney peer (of this shard: OwnsPeer()) uploads the connections it still
     *        holds offloaded (ChimneyHostStack::TerminateAll): at the end of a run, a peer
     *        whose connection the offloading host already ended (its RST or last ACK lost, a
     *        host that let go) hears nothing more, and its offload would be held forever (R4).
     * \returns terminates requested
     */
    uint32_t StopPeers() const;

    /**
     * \brief Use fixed random streams: ARP and IPv4 of every node, CSMA backoff, the host
     *        stacks' initial sequence numbers.
     * \param stream first stream index
     * \returns streams used
     */
    int64_t AssignStreams(int64_t stream);

    /// \returns the offloading hosts, by index
    const std::vector<Host>& GetHosts() const;
    /// \returns the peers, by index
    const std::vector<Peer>& GetPeers() const;
    /// \returns the chimney devices of the offloading hosts, by host index
    NetDeviceContainer GetHostDevices() const;
    /// \returns the chimney devices of the peers, by peer index (empty with native peers)
    NetDeviceContainer GetPeerDevices() const;

    /**
     * \brief Write pcap files of chosen offloading hosts' links: DIR/hostI-NODE-DEVICE.pcap.
     * \param dir directory (created when missing)
     * \param hosts host indexes (out-of-range ones and hosts of other shards are ignored)
     */
    void EnablePcap(const std::string& dir, const std::vector<uint32_t>& hosts) const;

  private:
    /// Something that takes random streams, in the order of a single run.
    struct StreamSlot
    {
        bool built;    //!< this shard built it (else another shard's: skipped)
        uint32_t kind; //!< slots of a kind take as many streams (a host node, a peer node...)
        std::function<int64_t(int64_t)> assign; //!< assigns from a stream, returns the count
    };

    /// Assign streams to slots in order, skipping unbuilt ones; \returns streams used
    int64_t AssignInOrder(const std::vector<StreamSlot>& slots, int64_t stream) const;
    /// \param node index in m_all \returns true when this shard built it (routers: always)
    bool NodeBuilt(uint32_t node) const;
    /// Add an IPv4 interface with one address to a node's device; \returns the interface index
    static uint32_t AddInterface(Ptr<Node> node,
                                 Ptr<NetDevice> device,
                                 Ipv4Address address,
                                 Ipv4Mask mask);
    /// Set a node's default route through a gateway on an interface
    static void SetDefaultRoute(Ptr<Node> node, Ipv4Address gateway, uint32_t interface);
    /// Put a chimney device over a peer's link device when peers are chimney hosts
    Ptr<NetDevice> PeerIpDevice(Ptr<NetDevice> link, bool chimneyPeer);

    ChimneyHelper m_chimney;
    ChimneyHelper m_peerChimney;
    ChimneyStackHelper m_stacks;
    NodeContainer m_all;               //!< every node, in creation order
    NetDeviceContainer m_stackDevices; //!< chimney devices with a stack (hosts, peers)
    NetDeviceContainer m_hostDevices;  //!< chimney devices of the offloading hosts
    NetDeviceContainer m_peerDevices;  //!< chimney devices of the chimney peers
    std::vector<Host> m_hosts;
    std::vector<Peer> m_peers;
    bool m_oneIsland = false;    //!< "dumbbell": every host behind the same routers
    bool m_csma = false;         //!< "csma": hosts and peer of an island on one segment
    bool m_chimneyPeers = false; //!< peers are chimney hosts (a stack each)
    uint32_t m_shardIndex = 0;   //!< SetShard()
    uint32_t m_shardCount = 1;   //!< SetShard()
};

} // namespace ns3

#endif // CHIMNEY_SCENARIO_TOPOLOGY_H
