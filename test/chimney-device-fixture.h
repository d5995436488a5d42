/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_TEST_DEVICE_FIXTURE_H
#define CHIMNEY_TEST_DEVICE_FIXTURE_H

// The two-node set-up shared by the device and intermediate-driver tests: node 0's link device
// wrapped by the offload target (ChimneyNetDevice), node 1 plain ns-3, IPv4 on both, the wire
// captured from both inner devices.

#include "engine-ns3-adapter.h"
#include "ns3-peer-app.h"
#include "recording-client.h"

#include "ns3/chimney-helper.h"
#include "ns3/chimney-net-device.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <gtest/gtest.h>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace ns3
{

/// Two nodes over a link; the chimney device on node 0.
class ChimneyDeviceFixture : public testing::Test
{
  protected:
    /// Nodes, a Link (test-links.h), the chimney device (TimeWait 2 s; other device attributes may
    /// be set on chimneyHelper before), IPv4 10.1.1.0/24 on the chimney device and node 1's link
    /// device. Every TCP frame either link device transmits goes to wire, every HostMisuse report
    /// of the target to findings.
    template <typename Link>
    void BuildLink()
    {
        nodes.Create(2);
        links = Link::Install(nodes);
        chimneyHelper.SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
        NetDeviceContainer targets = chimneyHelper.Install(NetDeviceContainer(links.Get(0)));
        target = DynamicCast<ChimneyNetDevice>(targets.Get(0));
        InternetStackHelper internet;
        internet.Install(nodes);
        internet.AssignStreams(nodes, 2000); // independent of earlier tests (see test-links.h)
        Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
        NetDeviceContainer ipDevices(target);
        ipDevices.Add(links.Get(1));
        ifaces = address.Assign(ipDevices);
        for (uint32_t i = 0; i < 2; ++i)
        {
            links.Get(i)->TraceConnectWithoutContext(
                "PhyTxBegin",
                MakeBoundCallback(&CaptureWire<Link>, &wire, i == 0));
        }
        target->TraceConnectWithoutContext(
            "HostMisuse",
            MakeBoundCallback(&ChimneyDeviceFixture::OnMisuse, &findings));
    }

    /// Node 0's software TCP (EngineL4Adapter) unless withAdapter is false, the engine's
    /// TIME_WAIT equal to the device's, and both nodes initialised (requests may be made
    /// before Simulator::Run).
    void StartNodes(bool withAdapter = true)
    {
        if (withAdapter)
        {
            adapter = CreateObject<EngineL4Adapter>();
            adapter->Install(nodes.Get(0));
        }
        config.timeWaitNs = 2'000'000'000;
        for (uint32_t i = 0; i < 2; ++i)
        {
            nodes.Get(i)->Initialize();
        }
    }

    Ipv4Address Local() const
    {
        return ifaces.GetAddress(0);
    }

    Ipv4Address Remote() const
    {
        return ifaces.GetAddress(1);
    }

    /// The offload block list (id id) for one connection from Local():localPort to
    /// Remote():remotePort with the given delegated state.
    Ptr<OffloadBlockList> OneConnectionBlocks(OffloadHandle handle,
                                              uint16_t localPort,
                                              uint16_t remotePort,
                                              const TcpDelegatedState& state,
                                              uint64_t id) const
    {
        NeighborOffloadBlock neighbor;
        neighbor.neighbor = Remote();
        neighbor.linkAddress = links.Get(1)->GetAddress();
        PathOffloadBlock path;
        path.source = Local();
        path.destination = Remote();
        TcpOffloadBlock tcp;
        tcp.handle = handle;
        tcp.localPort = localPort;
        tcp.remotePort = remotePort;
        tcp.cached.initialRcvWnd = config.rcvBufSize;
        tcp.delegated = state;
        auto list = OffloadBlockList::ForOneConnection(neighbor, path, tcp);
        list->id = id;
        return list;
    }

    /// Sequence numbers of the FINs one side sent on the wire.
    std::set<uint32_t> FinSeqs(bool fromTarget) const
    {
        std::set<uint32_t> seqs;
        for (const auto& e : wire)
        {
            if (e.fromTarget == fromTarget && e.tcp.Has(TcpSegment::FIN))
            {
                seqs.insert(e.tcp.seq + static_cast<uint32_t>(e.tcp.payload.size()));
            }
        }
        return seqs;
    }

    /// The accepted peer socket whose remote port is port (nullptr if none).
    PeerApp* PeerFor(uint16_t port)
    {
        for (auto& p : peers)
        {
            Address a;
            p->socket->GetPeerName(a);
            if (InetSocketAddress::ConvertFrom(a).GetPort() == port)
            {
                return p.get();
            }
        }
        return nullptr;
    }

    static void OnMisuse(std::vector<std::string>* log, std::string id, OffloadHandle, std::string)
    {
        log->push_back(id);
    }

    NodeContainer nodes;
    NetDeviceContainer links;
    ChimneyHelper chimneyHelper; //!< device attributes may be set before BuildLink()
    Ptr<ChimneyNetDevice> target;
    Ipv4InterfaceContainer ifaces;
    Ptr<EngineL4Adapter> adapter;
    Ptr<Socket> listener;
    std::vector<std::unique_ptr<PeerApp>> peers; //!< accepted peer sockets, for PeerFor()
    TcpEngineConfig config;
    std::vector<WireEntry> wire;
    std::vector<std::string> findings; //!< HostMisuse rule ids, in order
};

} // namespace ns3

#endif // CHIMNEY_TEST_DEVICE_FIXTURE_H
