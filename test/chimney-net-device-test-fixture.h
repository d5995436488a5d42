/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_NET_DEVICE_TEST_FIXTURE_H
#define CHIMNEY_NET_DEVICE_TEST_FIXTURE_H

// The offload target (ChimneyNetDevice) on a real ns-3 link, over point-to-point and over CSMA.
// Node 0 has the chimney device, an Internet stack and EngineL4Adapter (the software TCP that
// establishes connections and resumes them after an upload); a small host-side test client
// offloads, sends, receives, disconnects and terminates through the chimney interface and
// records every completion and indication. Node 1 is plain ns-3 (TcpSocketBase). Wire checks
// read both inner devices' PhyTxBegin, parsed from the frame bytes by ParseWireFrame.
// Shared by chimney-net-device-test.cc (the interface, step by step) and
// chimney-net-device-defect-test.cc (scale and seeded defects).

#include "chimney-device-fixture.h"
#include "engine-ns3-adapter.h"
#include "ns3-peer-app.h"
#include "recording-client.h"
#include "test-links.h"

#include "ns3/applications-module.h"
#include "ns3/chimney-event-counts.h"
#include "ns3/chimney-helper.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-ns3-compat.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/tcp-segment-packet.h"
#include "ns3/wire-segment.h"

#include <gtest/gtest.h>
#include <malloc.h>
#include <set>

// Named, not anonymous: both test files' suites derive from the same fixture type.
namespace chimney_device_test
{

using namespace ns3;

constexpr uint16_t kPort = 7000;
constexpr uint16_t kLocalPort = 40000;
constexpr uint32_t kIss = 1000000;
constexpr OffloadHandle kHandle = 1;

// ---------------------------------------------------------------------------------------------
// Observers
// ---------------------------------------------------------------------------------------------

/// Concatenation of the data of a list of NBLs.
inline std::vector<uint8_t>
Concat(const std::vector<Ptr<NetBufferList>>& nbls)
{
    std::vector<uint8_t> out;
    for (const auto& n : nbls)
    {
        for (const auto& b : n->buffers)
        {
            out.insert(out.end(), b.data.begin(), b.data.end());
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// Two nodes over a Link; the chimney device on node 0, the test client as its host.
template <typename Link>
class ChimneyDeviceTest : public ChimneyDeviceFixture
{
  protected:
    /// \param withAdapter false: node 0 keeps ns-3's own TCP (pass-through tests)
    void Build(bool withAdapter = true)
    {
        BuildLink<Link>();
        links.Get(0)->TraceConnectWithoutContext(
            "MacTx",
            MakeBoundCallback(&ChimneyDeviceTest::OnMacTx, &handedToLink));
        nodes.Get(0)->GetObject<Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "LocalDeliver",
            MakeBoundCallback(&ChimneyDeviceTest::OnHostDeliver, &hostDelivered));
        target->SetOffloadClient(&client);
        target->TraceConnectWithoutContext(
            "ResourceAllocated",
            MakeBoundCallback(&ChimneyDeviceTest::OnResource, &allocations));
        target->TraceConnectWithoutContext(
            "ResourceFreed",
            MakeBoundCallback(&ChimneyDeviceTest::OnResource, &frees));
        StartNodes(withAdapter);
    }

    /// Frames handed to the link device (before its queue), IPv4/TCP only.
    static void OnMacTx(std::vector<Time>* log, Ptr<const Packet> p)
    {
        WireSegment w;
        if (ParseWireFrame(p, Link::kWire, w))
        {
            log->push_back(Simulator::Now());
        }
    }

    /// TCP segments node 0's IPv4 delivers to its host stack (the ordinary receive path).
    static void OnHostDeliver(std::vector<TcpSegment>* log,
                              const Ipv4Header& ip,
                              Ptr<const Packet> p,
                              uint32_t)
    {
        TcpSegment s;
        if (ip.GetProtocol() == 6 && FromPacket(p, ip.GetSource(), ip.GetDestination(), s))
        {
            log->push_back(s);
        }
    }

    static void OnResource(std::vector<std::pair<Time, OffloadHandle>>* log,
                           OffloadHandle h,
                           const ChimneyFourTuple&,
                           uint64_t)
    {
        log->push_back({Simulator::Now(), h});
    }

    /// ns-3 listens on kPort; accepted sockets are attached to peer.
    void PeerListen()
    {
        listener = ListenTcp(nodes.Get(1), kPort, MakeCallback(&PeerApp::Accept, &peer));
    }

    /// The software engine on node 0 connects to the peer (port localPort).
    EngineL4Adapter::Connection& Connect(uint16_t localPort = kLocalPort)
    {
        return adapter->Connect(Local(), localPort, Remote(), kPort, config, kIss);
    }

    /// The offload block list for one connection with the given delegated state.
    Ptr<OffloadBlockList> Blocks(OffloadHandle handle,
                                 uint16_t localPort,
                                 const TcpDelegatedState& state,
                                 uint16_t remotePort = kPort)
    {
        return OneConnectionBlocks(handle, localPort, remotePort, state, handle);
    }

    /// Moves the software connection to the target (export, forget, InitiateOffload).
    Ptr<OffloadBlockList> Offload(EngineL4Adapter::Connection& c,
                                  OffloadHandle handle = kHandle,
                                  uint16_t localPort = kLocalPort)
    {
        TcpDelegatedState state = adapter->Detach(c);
        auto list = Blocks(handle, localPort, state);
        EXPECT_EQ(client.Call([&]() { return target->InitiateOffload(list); }),
                  ChimneyStatus::PENDING);
        return list;
    }

    ChimneyStatus Send(const std::vector<uint8_t>& data, uint64_t id, OffloadHandle h = kHandle)
    {
        auto nbl = NetBufferList::CreateSend(data, id);
        sent.push_back(nbl);
        return client.Call([&]() { return target->TcpOffloadSend(h, nbl); });
    }

    ChimneyStatus PostReceive(uint32_t capacity, uint64_t id, OffloadHandle h = kHandle)
    {
        auto nbl = NetBufferList::CreateReceive(capacity, id);
        return client.Call([&]() { return target->TcpOffloadReceive(h, nbl); });
    }

    ChimneyStatus Disconnect(const std::vector<uint8_t>& data,
                             uint32_t flags,
                             uint64_t id,
                             OffloadHandle h = kHandle)
    {
        auto nbl = NetBufferList::CreateSend(data, id);
        disconnectNbl = nbl;
        return client.Call([&]() { return target->TcpOffloadDisconnect(h, nbl, flags); });
    }

    Ptr<OffloadBlockList> Terminate(OffloadHandle h = kHandle, uint16_t localPort = kLocalPort)
    {
        auto list = Blocks(h, localPort, TcpDelegatedState{});
        EXPECT_EQ(client.Call([&]() { return target->TerminateOffload(list); }),
                  ChimneyStatus::PENDING);
        return list;
    }

    /// Terminates the connection and returns the TCP state the target handed back (1 s later).
    TcpState TerminatedState()
    {
        auto list = Terminate();
        Run(Seconds(1));
        return list->neighbors[0].paths[0].connections[0].delegated.state;
    }

    /// Keeps one receive buffer posted at all times (re-posted on each completion).
    void KeepReceiving(uint32_t capacity = 4096)
    {
        client.onReceiveComplete = [this, capacity](OffloadHandle h, Ptr<NetBufferList> n) {
            if (n->status == ChimneyStatus::SUCCESS && keepReceiving)
            {
                Simulator::ScheduleNow([this, h, capacity]() {
                    if (keepReceiving)
                    {
                        PostReceive(capacity, 900, h);
                    }
                });
            }
        };
        PostReceive(capacity, 900);
    }

    void Run(Time stop = Seconds(60))
    {
        Simulator::Stop(stop);
        Simulator::Run();
    }

    size_t Count(bool fromTarget, uint8_t flag) const
    {
        size_t n = 0;
        for (const auto& e : wire)
        {
            n += (e.fromTarget == fromTarget && (e.tcp.flags & flag)) ? 1 : 0;
        }
        return n;
    }

    /// Peer listens, node 0 connects in software, the connection is offloaded at 0.5 s and the
    /// simulation runs to 0.6 s (offload complete).
    void Establish()
    {
        PeerListen();
        auto& c = Connect();
        Simulator::Schedule(Seconds(0.5), [this, &c]() { Offload(c); });
        Run(Seconds(0.6));
        ASSERT_EQ(client.Of("Offload").size(), 1U);
        ASSERT_EQ(client.Of("Offload")[0].status, ChimneyStatus::SUCCESS);
    }

    /// Expects a request to be refused with status and a HostMisuse finding naming rule.
    void ExpectRefused(ChimneyStatus expected,
                       const std::string& rule,
                       const std::function<ChimneyStatus()>& call)
    {
        const size_t before = findings.size();
        const size_t upcalls = client.log.size();
        EXPECT_EQ(client.Call(call), expected) << rule;
        ASSERT_EQ(findings.size(), before + 1) << rule;
        EXPECT_EQ(findings.back(), rule);
        EXPECT_EQ(client.log.size(), upcalls) << rule << ": a refusal has no completion";
    }

    /// Sequence number one past the highest byte the target sent (SndMax on the wire).
    uint32_t TargetSndMax(Time before) const
    {
        uint32_t max = kIss + 1;
        for (const auto& e : wire)
        {
            if (e.fromTarget && e.time <= before && !e.tcp.Has(TcpSegment::RST))
            {
                uint32_t end = e.tcp.seq + e.tcp.SeqLen();
                if (SeqGt(end, max))
                {
                    max = end;
                }
            }
        }
        return max;
    }

    /// The last ACK number the target sent (its RCV.NXT as the wire shows it).
    uint32_t TargetLastAck() const
    {
        uint32_t ack = 0;
        for (const auto& e : wire)
        {
            if (e.fromTarget && e.tcp.Has(TcpSegment::ACK))
            {
                ack = e.tcp.ack;
            }
        }
        return ack;
    }

    /// Node 1 sends a hand-made segment of the connection straight through its IPv4 (not
    /// through its TCP socket), e.g. a SYN of a restarted peer.
    void InjectFromPeer(uint8_t flags, uint32_t seq)
    {
        TcpSegment s;
        s.srcPort = kPort;
        s.dstPort = kLocalPort;
        s.flags = flags;
        s.seq = seq;
        s.window = 65535;
        s.mss = 536;
        nodes.Get(1)->GetObject<Ipv4L3Protocol>()->Send(ToPacket(s, Remote(), Local()),
                                                        Remote(),
                                                        Local(),
                                                        6,
                                                        nullptr);
    }

    /// Segments the target sent after t.
    size_t TargetSegmentsAfter(Time t) const
    {
        size_t n = 0;
        for (const auto& e : wire)
        {
            n += (e.fromTarget && e.time > t) ? 1 : 0;
        }
        return n;
    }

    /// SYNs node 0's host stack received.
    size_t HostSyns() const
    {
        size_t n = 0;
        for (const auto& s : hostDelivered)
        {
            n += s.Has(TcpSegment::SYN) ? 1 : 0;
        }
        return n;
    }

    /// Time of the first peer ACK covering seq (Time::Max() if none).
    Time FirstPeerAckCovering(uint32_t seq) const
    {
        for (const auto& e : wire)
        {
            if (!e.fromTarget && e.tcp.Has(TcpSegment::ACK) && SeqGeq(e.tcp.ack, seq))
            {
                return e.time;
            }
        }
        return Time::Max();
    }

    /// A synthetic ESTABLISHED connection (no handshake), for the scale and defect tests.
    static TcpDelegatedState Synthetic(uint32_t i)
    {
        TcpDelegatedState d;
        d.state = TcpState::Established;
        d.iss = 1000 + i;
        d.sndUna = d.sndNxt = d.sndMax = d.iss + 1;
        d.sendDataSeq = d.iss + 1;
        d.irs = 5000 + i;
        d.rcvNxt = d.irs + 1;
        d.rcvWnd = 65535;
        d.sndWnd = d.maxSndWnd = 65535;
        d.cwnd = 5360;
        d.ssthresh = 0xffffffff;
        d.sndMss = 536;
        d.rtoNs = 1000000000;
        return d;
    }

    static void AcceptMany(std::vector<std::unique_ptr<PeerApp>>* peers,
                           Ptr<Socket> s,
                           const Address&)
    {
        peers->push_back(std::make_unique<PeerApp>());
        peers->back()->Attach(s);
    }

    PeerApp peer;
    RecordingClient client;
    std::vector<Time> handedToLink;
    std::vector<TcpSegment> hostDelivered;
    std::vector<std::pair<Time, OffloadHandle>> allocations;
    std::vector<std::pair<Time, OffloadHandle>> frees;
    std::vector<Ptr<NetBufferList>> sent;
    Ptr<NetBufferList> disconnectNbl;
    bool keepReceiving = true;
};

using Links = testing::Types<P2pLink, CsmaLink>;

} // namespace chimney_device_test

#endif // CHIMNEY_NET_DEVICE_TEST_FIXTURE_H
