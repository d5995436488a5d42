/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_TEST_FIXTURE_H
#define CHIMNEY_VERIFIER_TEST_FIXTURE_H

// The verifier fed synthetic observations through its entry points (requests, completions,
// indications, ledger, wire segments): VerifierSyntheticTest, shared by chimney-verifier-test.cc
// (every check shown to fire) and chimney-verifier-report-test.cc (the JSON report, the shadow's
// receive direction).

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

// Named, not anonymous: both test files' suites use the same fixture type.
namespace chimney_verifier_test
{

using namespace ns3;

inline std::string
Describe(const ChimneyVerifier& v)
{
    std::ostringstream s;
    for (const ChimneyFinding& f : v.GetFindings())
    {
        s << "  " << f << "\n";
    }
    return s.str();
}

// ---------------------------------------------------------------------------------------------
// Synthetic violations
// ---------------------------------------------------------------------------------------------

constexpr OffloadHandle kH = 1;
constexpr uint32_t kIss = 1000;
constexpr uint32_t kIrs = 5000;
constexpr uint32_t kData = kIss + 1; // first sequence number of the send stream
constexpr uint32_t kRcv = kIrs + 1;  // first sequence number of the remote's stream
constexpr uint8_t ACK = TcpSegment::ACK;
constexpr uint8_t FIN = TcpSegment::FIN;
constexpr uint8_t RST = TcpSegment::RST;
constexpr uint8_t SYN = TcpSegment::SYN;
constexpr uint16_t kLocalPort = 40000;
constexpr uint16_t kRemotePort = 9;

/// Ports of connection h: distinct 4-tuples for up to a million handles.
inline uint16_t
LocalPort(OffloadHandle h)
{
    return static_cast<uint16_t>(kLocalPort + h % 20000);
}

inline uint16_t
RemotePort(OffloadHandle h)
{
    return static_cast<uint16_t>(kRemotePort + h / 20000);
}

/// Records completions and indications of the real device (H tests).
class NullClient : public ChimneyOffloadClient
{
  public:
    void InitiateOffloadComplete(Ptr<OffloadBlockList>) override
    {
        ++completions;
    }

    void TcpOffloadSendComplete(OffloadHandle, Ptr<NetBufferList>) override
    {
        ++completions;
    }

    void TcpOffloadReceiveComplete(OffloadHandle, Ptr<NetBufferList>) override
    {
        ++completions;
    }

    void TcpOffloadDisconnectComplete(OffloadHandle, Ptr<NetBufferList>) override
    {
        ++completions;
    }

    void TerminateOffloadComplete(Ptr<OffloadBlockList>) override
    {
        ++completions;
    }

    void TcpOffloadEvent(OffloadHandle, ChimneyEvent, ChimneyUploadReason) override
    {
        ++completions;
    }

    int completions = 0;
};

/// A chimney device on node 0 of a point-to-point pair, a verifier attached to it, and helpers
/// that feed the verifier's entry points as the device's traces would.
class VerifierSyntheticTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        nodes.Create(2);
        PointToPointHelper p2p;
        NetDeviceContainer links = p2p.Install(nodes);
        ChimneyHelper chimney;
        chimney.SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(capacity));
        device =
            DynamicCast<ChimneyNetDevice>(chimney.Install(NetDeviceContainer(links.Get(0))).Get(0));
        InternetStackHelper internet;
        internet.Install(nodes);
        Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
        NetDeviceContainer ipDevices(device);
        ipDevices.Add(links.Get(1));
        Ipv4InterfaceContainer ifs = address.Assign(ipDevices);
        local = ifs.GetAddress(0);
        remote = ifs.GetAddress(1);
        remoteLink = links.Get(1)->GetAddress();
        device->SetOffloadClient(&client);
        verifier = CreateObject<ChimneyVerifier>();
        verifier->AttachDevice(device);
    }

    void TearDown() override
    {
        Simulator::Destroy();
    }

    /// An ESTABLISHED connection's delegated state: ISS 1000, IRS 5000, nothing outstanding.
    static TcpDelegatedState State(TcpState state = TcpState::Established)
    {
        TcpDelegatedState d;
        d.state = state;
        d.iss = kIss;
        d.irs = kIrs;
        d.sndUna = d.sndNxt = d.sndMax = d.sendDataSeq = kIss + 1;
        d.rcvNxt = d.lastAckSent = kIrs + 1;
        d.rcvWnd = 65535;
        d.sndWnd = d.maxSndWnd = 65535;
        d.sndWl1 = kIrs + 1;
        d.sndWl2 = kIss + 1;
        d.cwnd = 10 * 536;
        d.ssthresh = 65535;
        d.sndMss = 536;
        d.rtoNs = 1000000000;
        return d;
    }

    Ptr<OffloadBlockList> Blocks(OffloadHandle h, const TcpDelegatedState& state, uint64_t id)
    {
        NeighborOffloadBlock neighbor;
        neighbor.neighbor = remote;
        neighbor.linkAddress = remoteLink;
        PathOffloadBlock path;
        path.source = local;
        path.destination = remote;
        TcpOffloadBlock tcp;
        tcp.handle = h;
        tcp.localPort = LocalPort(h);
        tcp.remotePort = RemotePort(h);
        tcp.delegated = state;
        Ptr<OffloadBlockList> list = OffloadBlockList::ForOneConnection(neighbor, path, tcp);
        list->id = id;
        return list;
    }

    // --- synthetic interface events ---

    void Offload(OffloadHandle h = kH, bool allocate = true)
    {
        Ptr<OffloadBlockList> list = Blocks(h, State(), 100 + h);
        Call(ChimneyOp::INITIATE_OFFLOAD, 0, nullptr, list, 0);
        if (allocate)
        {
            Ledger(true, h);
        }
        list->ForEachTcp([](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
            t.status = ChimneyStatus::SUCCESS;
        });
        list->status = ChimneyStatus::SUCCESS;
        verifier->ObserveCompletion(device,
                                    ChimneyOp::OFFLOAD_BLOCK,
                                    h,
                                    list->id,
                                    ChimneyStatus::SUCCESS,
                                    0);
        verifier->ObserveCompletion(device,
                                    ChimneyOp::INITIATE_OFFLOAD,
                                    0,
                                    list->id,
                                    ChimneyStatus::SUCCESS,
                                    0);
    }

    void Call(ChimneyOp op,
              OffloadHandle h,
              Ptr<NetBufferList> nbl,
              Ptr<OffloadBlockList> blocks,
              uint32_t flags,
              ChimneyStatus returned = ChimneyStatus::PENDING)
    {
        verifier->ObserveRequestObjects(device, op, h, nbl, blocks, flags);
        const uint64_t id = nbl ? nbl->id : (blocks ? blocks->id : 0);
        verifier->ObserveRequest(device, op, h, id, flags, returned);
    }

    Ptr<NetBufferList> Send(uint32_t bytes, uint64_t id, OffloadHandle h = kH)
    {
        Ptr<NetBufferList> nbl = NetBufferList::CreateSend(Data(bytes), id);
        Call(ChimneyOp::SEND, h, nbl, nullptr, 0);
        return nbl;
    }

    Ptr<NetBufferList> Disconnect(uint32_t flags, uint32_t bytes, uint64_t id)
    {
        Ptr<NetBufferList> nbl = NetBufferList::CreateSend(Data(bytes), id);
        Call(ChimneyOp::DISCONNECT, kH, nbl, nullptr, flags);
        return nbl;
    }

    void Complete(ChimneyOp op,
                  Ptr<NetBufferList> nbl,
                  ChimneyStatus status,
                  uint64_t bytes,
                  OffloadHandle h = kH)
    {
        nbl->status = status;
        nbl->bytesTransferred = bytes;
        verifier->ObserveCompletion(device, op, h, nbl->id, status, bytes);
    }

    /// A terminate of kH while send s (its 100 bytes sent, unacknowledged) is outstanding: s
    /// comes back UPLOAD_IN_PROGRESS, and the block returns the first returnedBytes of the send
    /// data with chain as its send chain.
    void TerminateReturningSend(Ptr<NetBufferList> s,
                                uint32_t returnedBytes,
                                Ptr<NetBufferList> chain)
    {
        Ptr<OffloadBlockList> list = Blocks(kH, TcpDelegatedState(), 300);
        Call(ChimneyOp::TERMINATE_OFFLOAD, 0, nullptr, list, 0);
        Complete(ChimneyOp::SEND_RETURNED, s, ChimneyStatus::UPLOAD_IN_PROGRESS, 0);
        TcpDelegatedState d = State();
        d.sndNxt = d.sndMax = kData + 100;
        d.sendData = Data(returnedBytes);
        list->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
            t.status = ChimneyStatus::SUCCESS;
            t.delegated = d;
            t.sendDataHead = chain;
        });
        verifier->ObserveCompletion(device,
                                    ChimneyOp::TERMINATE_BLOCK,
                                    kH,
                                    300,
                                    ChimneyStatus::SUCCESS,
                                    0);
    }

    /// The target indicates event (with reason) on connection kH.
    void Indicate(ChimneyEvent event, ChimneyUploadReason reason = ChimneyUploadReason::NONE)
    {
        verifier->ObserveIndication(device, kH, event, reason);
    }

    Ptr<OffloadBlockList> Terminate(ChimneyStatus status = ChimneyStatus::SUCCESS,
                                    bool free = true,
                                    OffloadHandle h = kH)
    {
        Ptr<OffloadBlockList> list = Blocks(h, TcpDelegatedState(), 200 + h);
        Call(ChimneyOp::TERMINATE_OFFLOAD, 0, nullptr, list, 0);
        TcpDelegatedState returned = State(TcpState::Closed);
        list->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
            t.status = status;
            t.delegated = returned;
        });
        list->status = ChimneyStatus::SUCCESS;
        verifier->ObserveCompletion(device, ChimneyOp::TERMINATE_BLOCK, h, list->id, status, 0);
        if (free)
        {
            Ledger(false, h);
        }
        verifier
            ->ObserveCompletion(device, ChimneyOp::TERMINATE_OFFLOAD, 0, list->id, list->status, 0);
        return list;
    }

    void Ledger(bool allocated, OffloadHandle h = kH)
    {
        verifier->ObserveResource(
            device,
            allocated,
            h,
            ChimneyFourTuple{local.Get(), remote.Get(), LocalPort(h), RemotePort(h)},
            512);
    }

    /// A segment on the wire: from the target (TARGET_TX) or from the remote (RX).
    void Wire(bool fromTarget,
              uint32_t seq,
              uint32_t ack,
              uint8_t flags,
              std::vector<uint8_t> payload = {},
              uint16_t window = 65535,
              OffloadHandle h = kH)
    {
        WireSegment w;
        w.tcp.seq = seq;
        w.tcp.ack = ack;
        w.tcp.flags = flags;
        w.tcp.window = window;
        w.tcp.payload = std::move(payload);
        const uint16_t lport = LocalPort(h);
        if (fromTarget)
        {
            w.srcAddress = local.Get();
            w.dstAddress = remote.Get();
            w.tcp.srcPort = lport;
            w.tcp.dstPort = RemotePort(h);
        }
        else
        {
            w.srcAddress = remote.Get();
            w.dstAddress = local.Get();
            w.tcp.srcPort = RemotePort(h);
            w.tcp.dstPort = lport;
        }
        verifier->ObserveSegment(device,
                                 w,
                                 fromTarget ? ChimneyVerifier::FrameDirection::TARGET_TX
                                            : ChimneyVerifier::FrameDirection::RX);
    }

    /// Bytes of the send stream: byte i is (i * 7) & 0xff, offset from the first byte sent.
    static std::vector<uint8_t> Data(uint32_t n, uint32_t from = 0)
    {
        std::vector<uint8_t> d(n);
        for (uint32_t i = 0; i < n; ++i)
        {
            d[i] = static_cast<uint8_t>(((from + i) * 7) & 0xff);
        }
        return d;
    }

    uint64_t Count(const std::string& id) const
    {
        return verifier->GetCount(id);
    }

    uint32_t capacity = 1; //!< MaxOffloadedConnections of the device
    NodeContainer nodes;
    Ptr<ChimneyNetDevice> device;
    Ipv4Address local;
    Ipv4Address remote;
    Address remoteLink;
    NullClient client;
    Ptr<ChimneyVerifier> verifier;
};

} // namespace chimney_verifier_test

#endif // CHIMNEY_VERIFIER_TEST_FIXTURE_H
