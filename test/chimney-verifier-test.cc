/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The ChimneyVerifier (SPEC.md section 4):
//  * (the correct model's zero findings on every lifecycle scenario, and every seeded defect
//    caught, are in chimney-verifier-defect-test.cc)
//  * every check shown to fire: synthetic violations fed through the verifier's observation
//    entry points (requests, completions, indications, ledger, wire segments), and host misuse
//    made by calling the real device interface wrongly;
//  * the JSON report parsed and validated against its documented schema.

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

using namespace ns3;

namespace
{

std::string
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
uint16_t
LocalPort(OffloadHandle h)
{
    return static_cast<uint16_t>(kLocalPort + h % 20000);
}

uint16_t
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

/// A clean synthetic lifecycle gives nothing (the helpers themselves are consistent).
TEST_F(VerifierSyntheticTest, CleanSyntheticLifecycleHasNoFindings)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(false, kRcv, kData + 101, ACK);
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 100);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::SUCCESS, 0);
    Terminate();
    verifier->Finish();
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W1PayloadBeyondFin)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(true, kData + 100, kRcv, ACK, {0x55}); // a fabricated byte at the FIN's sequence
    EXPECT_EQ(Count("W1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W2FinSkipsPostedBytes)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(50)); // FIN after 50 of the 100 bytes
    EXPECT_EQ(Count("W2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W2FinWithoutGracefulDisconnect)
{
    Offload();
    Wire(true, kData, kRcv, ACK | FIN);
    EXPECT_EQ(Count("W2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W3TwoFinSequenceNumbers)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(true, kData + 101, kRcv, ACK | FIN);
    EXPECT_EQ(Count("W3"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W4RstWithoutAbortiveDisconnect)
{
    Offload();
    Wire(true, kData, 0, RST);
    EXPECT_EQ(Count("W4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W5DataAfterRst)
{
    Offload();
    Send(100, 1);
    Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData, 0, RST);
    Wire(true, kData, kRcv, ACK, Data(10));
    EXPECT_EQ(Count("W5"), 1u) << Describe(*verifier);
    EXPECT_EQ(Count("W4"), 0u);
}

TEST_F(VerifierSyntheticTest, W6AckAfterAbortiveDisconnect)
{
    Offload();
    Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData, 0, RST);
    Wire(false, kRcv, kData, ACK, Data(10));
    Wire(true, kData, kRcv + 10, ACK);
    EXPECT_EQ(Count("W6"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W7RemoteDataAfterFinNeverAcknowledged)
{
    Offload();
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN); // the target's FIN (window 65535)
    Wire(false, kRcv, kData + 1, ACK, Data(100));
    // Half a second passes without an ACK for the remote's data.
    Simulator::Schedule(Seconds(1), [this]() { verifier->Finish(); });
    Simulator::Run();
    EXPECT_EQ(Count("W7"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W7NotReportedWhenAcknowledgedInTime)
{
    Offload();
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN);
    Wire(false, kRcv, kData + 1, ACK, Data(100));
    Simulator::Schedule(MilliSeconds(200), [this]() { Wire(true, kData + 1, kRcv + 100, ACK); });
    Simulator::Schedule(Seconds(1), [this]() { verifier->Finish(); });
    Simulator::Run();
    EXPECT_EQ(Count("W7"), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W8TransmitAfterTerminate)
{
    Offload();
    Terminate();
    Wire(true, kData, kRcv, ACK);
    EXPECT_EQ(Count("W8"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W9SynAndSequenceBeyondPostedAndAckBeyondReceived)
{
    Offload();
    Wire(true, kData, kRcv, SYN | ACK);
    EXPECT_EQ(Count("W9"), 1u);
    // Other W9 breaches on other connections (reported once per connection).
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Send(10, 1);
    Wire(true, kData, kRcv, ACK, Data(20)); // 20 bytes, 10 posted
    Wire(true, kData, kRcv + 50, ACK);      // acknowledges 50 bytes never sent
    EXPECT_EQ(Count("W9"), 3u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, W10RstSequenceNotAcceptable)
{
    Offload();
    Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData + 5000, 0, RST); // far beyond anything sent
    EXPECT_EQ(Count("W10"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A1ValidRequestRefusedOrNotPending)
{
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Offload();
    Ptr<NetBufferList> nbl = NetBufferList::CreateSend(Data(10), 1);
    Call(ChimneyOp::SEND,
         kH,
         nbl,
         nullptr,
         0,
         ChimneyStatus::INVALID_STATE); // no HostMisuse report
    EXPECT_EQ(Count("A1"), 1u) << Describe(*verifier);
    Ptr<NetBufferList> nbl2 = NetBufferList::CreateReceive(100, 2);
    Call(ChimneyOp::RECEIVE, kH, nbl2, nullptr, 0, ChimneyStatus::SUCCESS); // not PENDING
    EXPECT_EQ(Count("A1"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A1CompletionInsideTheCall)
{
    Simulator::Schedule(MilliSeconds(1), [this]() {
        Offload();
        Ptr<NetBufferList> nbl = Send(10, 1);
        Complete(ChimneyOp::SEND, nbl, ChimneyStatus::REQUEST_ABORTED, 0); // same event as the call
    });
    Simulator::Run();
    EXPECT_EQ(Count("A1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A2CompletionOfUnknownOrTwice)
{
    Offload();
    Ptr<NetBufferList> s = Send(10, 1);
    Wire(false, kRcv, kData + 10, ACK);
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 10);
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 10); // twice
    EXPECT_EQ(Count("A2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A3SuccessBeforeAcknowledged)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Wire(true, kData, kRcv, ACK | FIN, Data(100));
    Wire(false, kRcv, kData + 100, ACK); // data acknowledged, FIN not
    Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 100);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("A3"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A4SendsOutOfOrder)
{
    Offload();
    Ptr<NetBufferList> a = Send(10, 1);
    Ptr<NetBufferList> b = Send(10, 2);
    Wire(true, kData, kRcv, ACK, Data(10));
    Complete(ChimneyOp::SEND, b, ChimneyStatus::REQUEST_ABORTED, 0);
    EXPECT_EQ(Count("A4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A4DisconnectBeforeSends)
{
    Offload();
    Send(10, 1);
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::TIMEOUT_EXPIRATION);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::REQUEST_ABORTED, 0);
    EXPECT_EQ(Count("A4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A5AbortiveBeforeOutstandingSends)
{
    Offload();
    Send(100, 1);
    Ptr<NetBufferList> a = Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Wire(true, kData, 0, RST);
    Complete(ChimneyOp::DISCONNECT, a, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("A5"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A6DisconnectFailsWithOtherStatus)
{
    Offload();
    Ptr<NetBufferList> g = Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    Complete(ChimneyOp::DISCONNECT, g, ChimneyStatus::RESOURCES, 0);
    EXPECT_EQ(Count("A6"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A7DisconnectIndicatedBeforeRemoteFinOrData)
{
    Offload();
    Indicate(ChimneyEvent::DISCONNECT);
    EXPECT_EQ(Count("A7"), 1u) << Describe(*verifier);
    // Another connection: FIN arrives after 100 bytes, none delivered yet.
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Wire(false, kRcv, kData, ACK | FIN, Data(100));
    Indicate(ChimneyEvent::DISCONNECT);
    EXPECT_EQ(Count("A7"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A7DeliveredThenIndicatedIsClean)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(200, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    std::vector<uint8_t> bytes = Data(100);
    Wire(false, kRcv, kData, ACK | FIN, bytes);
    std::copy(bytes.begin(), bytes.end(), r->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r, ChimneyStatus::SUCCESS, 100);
    Indicate(ChimneyEvent::DISCONNECT);
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1DeliveredBytesDifferFromTheRemoteStream)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(200, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    std::vector<uint8_t> bytes = Data(100);
    Wire(false, kRcv, kData, ACK, bytes);
    bytes[42] ^= 0x01; // the target corrupts one byte on the way to the host
    std::copy(bytes.begin(), bytes.end(), r->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r, ChimneyStatus::SUCCESS, 100);
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1ReceiveReassemblyOutOfOrderAndOverlapping)
{
    // The remote's stream arrives out of order, with a retransmission overlapping both halves;
    // delivered intact in two receives it is clean, and a corrupted byte in the second is E1.
    Offload();
    Ptr<NetBufferList> r1 = NetBufferList::CreateReceive(120, 1);
    Ptr<NetBufferList> r2 = NetBufferList::CreateReceive(200, 2);
    Call(ChimneyOp::RECEIVE, kH, r1, nullptr, 0);
    Call(ChimneyOp::RECEIVE, kH, r2, nullptr, 0);
    const std::vector<uint8_t> stream = Data(300, 11);
    auto part = [&stream](size_t from, size_t to) {
        return std::vector<uint8_t>(stream.begin() + from, stream.begin() + to);
    };
    Wire(false, kRcv + 200, kData, ACK, part(200, 300));
    Wire(false, kRcv + 50, kData, ACK, part(50, 150));
    Wire(false, kRcv, kData, ACK, part(0, 100));
    Wire(false, kRcv + 100, kData, ACK, part(100, 250));
    std::copy(stream.begin(), stream.begin() + 120, r1->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r1, ChimneyStatus::SUCCESS, 120);
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
    std::vector<uint8_t> rest = part(120, 300);
    rest[150] ^= 0x20;
    std::copy(rest.begin(), rest.end(), r2->buffers[0].data.begin());
    Complete(ChimneyOp::RECEIVE, r2, ChimneyStatus::SUCCESS, 180);
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A8AbortWithoutAcceptableRst)
{
    Offload();
    Wire(false, kRcv + 1000, 0, RST); // in no way RCV.NXT
    Indicate(ChimneyEvent::ABORT);
    EXPECT_EQ(Count("A8"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A8OutstandingNotAborted)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(100, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    Wire(false, kRcv, 0, RST); // acceptable
    Indicate(ChimneyEvent::ABORT);
    Complete(ChimneyOp::RECEIVE, r, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("A8"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A9TerminateStatusAndOutstandingRequests)
{
    Offload();
    Ptr<NetBufferList> r = NetBufferList::CreateReceive(100, 1);
    Call(ChimneyOp::RECEIVE, kH, r, nullptr, 0);
    Terminate(ChimneyStatus::RESOURCES);
    EXPECT_EQ(Count("A9"), 1u) << Describe(*verifier); // once per connection: both breaches
    EXPECT_GE(verifier->GetFindings().size(), 1u);
}

TEST_F(VerifierSyntheticTest, A9ReturnedSendChainMissingAnNbl)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Wire(true, kData, kRcv, ACK, Data(100));
    // The NBL handed back is not in the returned chain.
    TerminateReturningSend(s, 100, nullptr);
    EXPECT_EQ(Count("A9"), 1u) << Describe(*verifier);
    EXPECT_EQ(Count("E1"), 0u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1ReturnedSendDataLost)
{
    Offload();
    Ptr<NetBufferList> s = Send(100, 1);
    Wire(true, kData, kRcv, ACK, Data(100));
    TerminateReturningSend(s, 60, s); // 40 bytes lost
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A10IndicationAfterTerminate)
{
    Offload();
    Terminate();
    Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::UPLOAD_REQUESTED);
    EXPECT_EQ(Count("A10"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, A11CompletionRoutedToAnotherUpper)
{
    Ptr<ChimneyIntermediateDriver> layer = CreateObject<ChimneyIntermediateDriver>();
    verifier->AttachIntermediateDriver(layer);
    verifier->ObserveLayerRequest(layer, "tcpip", ChimneyOp::SEND, 1, 7, 0, ChimneyStatus::PENDING);
    verifier->ObserveLayerCompletion(layer, "iscsi", ChimneyOp::SEND, 1, 7, ChimneyStatus::SUCCESS);
    EXPECT_EQ(Count("A11"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R1FreedBeforeTerminate)
{
    Offload();
    Ledger(false);
    EXPECT_EQ(Count("R1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R2NotFreedAtTerminate)
{
    Offload();
    Terminate(ChimneyStatus::SUCCESS, false);
    EXPECT_EQ(Count("R2"), 1u) << Describe(*verifier);
    verifier->Finish();
    EXPECT_EQ(Count("R4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R3DoubleFreeAndTransmitOnFreedState)
{
    verifier->SetAttribute("OncePerConnection", BooleanValue(false));
    Offload();
    Ledger(false);                // R1
    Wire(true, kData, kRcv, ACK); // on freed state
    Ledger(false);                // double free
    EXPECT_EQ(Count("R3"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R4NeverTerminatedAndHeldByNobody)
{
    Offload();
    Ledger(true, 77); // a ledger entry nobody offloaded
    verifier->Finish();
    EXPECT_EQ(Count("R4"), 2u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, R5BeyondCapacity)
{
    Offload(1);
    Offload(2); // capacity 1
    EXPECT_EQ(Count("R5"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E1WireBytesDifferFromPosted)
{
    Offload();
    Send(100, 1);
    std::vector<uint8_t> bytes = Data(100);
    bytes[10] ^= 0xff;
    Wire(true, kData, kRcv, ACK, bytes);
    EXPECT_EQ(Count("E1"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E2AbortiveSuccessWithoutRst)
{
    Offload();
    Ptr<NetBufferList> a = Disconnect(TCP_DISCONNECT_ABORTIVE_CLOSE, 0, 2);
    Complete(ChimneyOp::DISCONNECT, a, ChimneyStatus::SUCCESS, 0);
    EXPECT_EQ(Count("E2"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, E3FailedTargetTransmitsOrTerminateNotFailure)
{
    Offload();
    Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::HARDWARE_FAILURE);
    Wire(true, kData, kRcv, ACK);
    EXPECT_EQ(Count("E3"), 1u) << Describe(*verifier);
}

// --- H: the real device called wrongly; its HostMisuse reports are relayed, and the verifier
//     checks the request stream itself (a misuse the target accepted is reported too) ---

class VerifierHostMisuseTest : public VerifierSyntheticTest
{
  protected:
    /// Offload handle kH on the real device, then run f at 10 ms.
    void RunWithOffload(std::function<void()> f)
    {
        Ptr<OffloadBlockList> list = Blocks(kH, State(), 100);
        EXPECT_EQ(device->InitiateOffload(list), ChimneyStatus::PENDING);
        Simulator::Schedule(MilliSeconds(10), f);
        Simulator::Stop(MilliSeconds(20));
        Simulator::Run();
    }

    /// Exactly one finding, with this ID, and the device refused the call.
    void ExpectOnly(const std::string& id)
    {
        EXPECT_EQ(Count(id), 1u) << Describe(*verifier);
        EXPECT_EQ(verifier->GetFindingCount(), 1u) << Describe(*verifier);
    }
};

TEST_F(VerifierHostMisuseTest, H1UnknownHandle)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->TcpOffloadSend(42, NetBufferList::CreateSend(Data(10), 1)),
                  ChimneyStatus::INVALID_STATE);
    });
    ExpectOnly("H1");
}

TEST_F(VerifierHostMisuseTest, H2DisconnectWithTwoBuffers)
{
    RunWithOffload([this]() {
        Ptr<NetBufferList> nbl = NetBufferList::CreateSend({}, 1);
        nbl->buffers.emplace_back();
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, nbl, TCP_DISCONNECT_GRACEFUL_CLOSE),
                  ChimneyStatus::INVALID_PARAMETER);
    });
    ExpectOnly("H2");
}

TEST_F(VerifierHostMisuseTest, H3BadFlags)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, NetBufferList::CreateSend({}, 1), 0x3),
                  ChimneyStatus::INVALID_PARAMETER);
    });
    ExpectOnly("H3");
}

TEST_F(VerifierHostMisuseTest, H4SecondGraceful)
{
    RunWithOffload([this]() {
        device->TcpOffloadDisconnect(kH,
                                     NetBufferList::CreateSend({}, 1),
                                     TCP_DISCONNECT_GRACEFUL_CLOSE);
        EXPECT_EQ(device->TcpOffloadDisconnect(kH,
                                               NetBufferList::CreateSend({}, 2),
                                               TCP_DISCONNECT_GRACEFUL_CLOSE),
                  ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierHostMisuseTest, H5SendAfterGraceful)
{
    RunWithOffload([this]() {
        device->TcpOffloadDisconnect(kH,
                                     NetBufferList::CreateSend({}, 1),
                                     TCP_DISCONNECT_GRACEFUL_CLOSE);
        EXPECT_EQ(device->TcpOffloadSend(kH, NetBufferList::CreateSend(Data(10), 2)),
                  ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H5"), 1u) << Describe(*verifier);
}

TEST_F(VerifierHostMisuseTest, H6SecondTerminate)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->TerminateOffload(Blocks(kH, TcpDelegatedState(), 200)),
                  ChimneyStatus::PENDING);
        EXPECT_EQ(device->TerminateOffload(Blocks(kH, TcpDelegatedState(), 201)),
                  ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H6"), 1u) << Describe(*verifier);
}

TEST_F(VerifierHostMisuseTest, H7ForbiddenStateAndAlreadyOffloaded)
{
    RunWithOffload([this]() {
        EXPECT_EQ(device->InitiateOffload(Blocks(2, State(TcpState::SynSent), 101)),
                  ChimneyStatus::INVALID_STATE);
        EXPECT_EQ(device->InitiateOffload(Blocks(kH, State(), 102)), ChimneyStatus::INVALID_STATE);
    });
    EXPECT_EQ(Count("H7"), 2u) << Describe(*verifier);
}

// Expected misuse (ChimneyVerifier::ExpectMisuse, the fault injector's host.misuse): a call
// announced as breaking a rule on purpose is exercised, not reported, when the target refuses
// it as announced; accepting it, or refusing it under another rule, is a finding.

TEST_F(VerifierHostMisuseTest, ExpectedMisuseRefusedIsExercisedNotReported)
{
    RunWithOffload([this]() {
        verifier->ExpectMisuse(device, "H3");
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, NetBufferList::CreateSend({}, 1), 0x3),
                  ChimneyStatus::INVALID_PARAMETER);
        // Only the next call was announced: this one is a finding again.
        EXPECT_EQ(device->TcpOffloadDisconnect(kH, NetBufferList::CreateSend({}, 2), 0x3),
                  ChimneyStatus::INVALID_PARAMETER);
    });
    ExpectOnly("H3");
    EXPECT_EQ(verifier->GetExpectedMisuseCount(), 1u);
    EXPECT_EQ(verifier->GetExercised().Get("H3"), 2u);
}

TEST_F(VerifierHostMisuseTest, ExpectedMisuseAcceptedIsAFinding)
{
    RunWithOffload([this]() {
        verifier->ExpectMisuse(device, "H4"); // but the call is a valid first disconnect
        EXPECT_EQ(device->TcpOffloadDisconnect(kH,
                                               NetBufferList::CreateSend({}, 1),
                                               TCP_DISCONNECT_GRACEFUL_CLOSE),
                  ChimneyStatus::PENDING);
    });
    EXPECT_EQ(Count("H4"), 1u) << Describe(*verifier);
    EXPECT_EQ(verifier->GetExpectedMisuseCount(), 0u);
}

TEST_F(VerifierHostMisuseTest, ExpectedMisuseRefusedUnderAnotherRuleIsAFinding)
{
    RunWithOffload([this]() {
        verifier->ExpectMisuse(device, "H5");
        EXPECT_EQ(device->TcpOffloadSend(42, NetBufferList::CreateSend(Data(10), 1)),
                  ChimneyStatus::INVALID_STATE); // the target says H1
    });
    ExpectOnly("H5");
    EXPECT_EQ(verifier->GetExpectedMisuseCount(), 0u);
}

TEST_F(VerifierSyntheticTest, HostMisuseAcceptedByTheTargetIsReported)
{
    // The verifier decides misuse from the request stream itself: a target that accepted a
    // second graceful disconnect (returned PENDING) is reported with H4 anyway.
    Offload();
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 1);
    Disconnect(TCP_DISCONNECT_GRACEFUL_CLOSE, 0, 2);
    EXPECT_EQ(Count("H4"), 1u) << Describe(*verifier);
}

TEST_F(VerifierSyntheticTest, FindingTraceCarriesTheTupleAndEvidence)
{
    std::vector<ChimneyFinding> seen;
    verifier->TraceConnectWithoutContext(
        "Finding",
        MakeCallback(+[](std::vector<ChimneyFinding>* out, const ChimneyFinding& f) {
            out->push_back(f);
        }).Bind(&seen));
    Offload();
    Wire(true, kData, 0, RST);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].id, "W4");
    EXPECT_EQ(seen[0].nodeId, 0u);
    EXPECT_EQ(seen[0].handle, kH);
    EXPECT_EQ(seen[0].localAddress, local);
    EXPECT_EQ(seen[0].localPort, kLocalPort + kH);
    EXPECT_EQ(seen[0].remoteAddress, remote);
    EXPECT_EQ(seen[0].remotePort, kRemotePort);
    EXPECT_NE(seen[0].evidence.find("Flags [R]"), std::string::npos) << seen[0].evidence;
    EXPECT_FALSE(seen[0].description.empty());
}

/// 100,000 offloaded connections, each with a send, its bytes on the wire, the peer's ACK, a
/// completion and a terminate: the verifier keeps up and forgets what it no longer needs.
class VerifierScaleTest : public VerifierSyntheticTest
{
  protected:
    VerifierScaleTest()
    {
        capacity = 200000;
    }
};

TEST_F(VerifierScaleTest, HundredThousandConnections)
{
    constexpr OffloadHandle kConnections = 100000;
    const std::vector<uint8_t> bytes = Data(100);
    for (OffloadHandle h = 1; h <= kConnections; ++h)
    {
        Offload(h);
        Ptr<NetBufferList> s = Send(100, 1, h);
        Wire(true, kData, kRcv, ACK, bytes, 65535, h);
        Wire(false, kRcv, kData + 100, ACK, {}, 65535, h);
        Complete(ChimneyOp::SEND, s, ChimneyStatus::SUCCESS, 100, h);
    }
    EXPECT_EQ(verifier->GetTrackedConnectionCount(), kConnections);
    for (OffloadHandle h = 1; h <= kConnections; ++h)
    {
        Terminate(ChimneyStatus::SUCCESS, true, h);
    }
    verifier->Finish();
    EXPECT_EQ(verifier->GetTrackedConnectionCount(), 0u);
    EXPECT_EQ(verifier->GetFindingCount(), 0u) << Describe(*verifier);
}

TEST(VerifierRecord, ConnectionRecordIsCompact)
{
    // 100,000 connections comfortably: the record itself stays well under a kilobyte.
    RecordProperty("ConnectionRecordBytes",
                   static_cast<int>(ChimneyVerifier::GetConnectionRecordSize()));
    EXPECT_LT(ChimneyVerifier::GetConnectionRecordSize(), 1024u);
}

// ---------------------------------------------------------------------------------------------
// JSON report: parsed and validated against the documented schema
// ---------------------------------------------------------------------------------------------

/// A minimal JSON value and parser (Debian has no C++ JSON library preinstalled).
struct Json
{
    enum class Type
    {
        Null,
        Bool,
        Number,
        String,
        Array,
        Object
    } type = Type::Null;

    bool b = false;
    double number = 0;
    std::string str;
    std::vector<Json> items;
    std::vector<std::pair<std::string, Json>> members;

    const Json* Get(const std::string& key) const
    {
        for (const auto& m : members)
        {
            if (m.first == key)
            {
                return &m.second;
            }
        }
        return nullptr;
    }
};

class JsonParser
{
  public:
    explicit JsonParser(const std::string& text)
        : m_s(text)
    {
    }

    bool Parse(Json& out)
    {
        if (!Value(out))
        {
            return false;
        }
        Ws();
        return m_i == m_s.size();
    }

  private:
    void Ws()
    {
        while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i])))
        {
            ++m_i;
        }
    }

    bool Lit(const char* word)
    {
        const size_t n = std::strlen(word);
        if (m_s.compare(m_i, n, word) != 0)
        {
            return false;
        }
        m_i += n;
        return true;
    }

    bool String(std::string& out)
    {
        if (m_i >= m_s.size() || m_s[m_i] != '"')
        {
            return false;
        }
        ++m_i;
        while (m_i < m_s.size() && m_s[m_i] != '"')
        {
            char c = m_s[m_i++];
            if (static_cast<unsigned char>(c) < 0x20)
            {
                return false; // control characters must be escaped
            }
            if (c == '\\')
            {
                if (m_i >= m_s.size())
                {
                    return false;
                }
                const char e = m_s[m_i++];
                switch (e)
                {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 'b':
                case 'f':
                    out += ' ';
                    break;
                case 'u':
                    if (m_i + 4 > m_s.size())
                    {
                        return false;
                    }
                    m_i += 4;
                    out += '?';
                    break;
                default:
                    return false;
                }
                continue;
            }
            out += c;
        }
        if (m_i >= m_s.size())
        {
            return false;
        }
        ++m_i;
        return true;
    }

    bool Value(Json& v)
    {
        Ws();
        if (m_i >= m_s.size())
        {
            return false;
        }
        const char c = m_s[m_i];
        if (c == '{')
        {
            v.type = Json::Type::Object;
            ++m_i;
            Ws();
            if (m_i < m_s.size() && m_s[m_i] == '}')
            {
                ++m_i;
                return true;
            }
            while (true)
            {
                Ws();
                std::string key;
                if (!String(key))
                {
                    return false;
                }
                Ws();
                if (m_i >= m_s.size() || m_s[m_i++] != ':')
                {
                    return false;
                }
                Json member;
                if (!Value(member))
                {
                    return false;
                }
                v.members.emplace_back(key, member);
                Ws();
                if (m_i < m_s.size() && m_s[m_i] == ',')
                {
                    ++m_i;
                    continue;
                }
                return m_i < m_s.size() && m_s[m_i++] == '}';
            }
        }
        if (c == '[')
        {
            v.type = Json::Type::Array;
            ++m_i;
            Ws();
            if (m_i < m_s.size() && m_s[m_i] == ']')
            {
                ++m_i;
                return true;
            }
            while (true)
            {
                Json item;
                if (!Value(item))
                {
                    return false;
                }
                v.items.push_back(item);
                Ws();
                if (m_i < m_s.size() && m_s[m_i] == ',')
                {
                    ++m_i;
                    continue;
                }
                return m_i < m_s.size() && m_s[m_i++] == ']';
            }
        }
        if (c == '"')
        {
            v.type = Json::Type::String;
            return String(v.str);
        }
        if (Lit("true"))
        {
            v.type = Json::Type::Bool;
            v.b = true;
            return true;
        }
        if (Lit("false"))
        {
            v.type = Json::Type::Bool;
            return true;
        }
        if (Lit("null"))
        {
            return true;
        }
        const char* begin = m_s.c_str() + m_i;
        char* end = nullptr;
        v.number = std::strtod(begin, &end);
        if (end == begin)
        {
            return false;
        }
        v.type = Json::Type::Number;
        m_i += static_cast<size_t>(end - begin);
        return true;
    }

    const std::string& m_s;
    size_t m_i = 0;
};

/// Validate a report against the schema documented in chimney-finding.h; "" when valid.
std::string
ValidateReport(const std::string& text)
{
    Json root;
    if (!JsonParser(text).Parse(root) || root.type != Json::Type::Object)
    {
        return "not a JSON object";
    }
    const Json* schema = root.Get("schema");
    if (!schema || schema->type != Json::Type::String || schema->str != "chimney-verifier-report/1")
    {
        return "schema";
    }
    const Json* summary = root.Get("summary");
    const Json* counts = root.Get("counts");
    const Json* findings = root.Get("findings");
    const Json* invariants = root.Get("invariants");
    if (!summary || summary->type != Json::Type::Object || !counts ||
        counts->type != Json::Type::Object || !findings || findings->type != Json::Type::Array ||
        !invariants || invariants->type != Json::Type::Object)
    {
        return "top-level members";
    }
    for (const char* key : {"findings",
                            "stored",
                            "suppressed",
                            "simTimeSeconds",
                            "devices",
                            "connections",
                            "segments",
                            "requests",
                            "completions",
                            "indications"})
    {
        const Json* n = summary->Get(key);
        if (!n || n->type != Json::Type::Number || n->number < 0)
        {
            return std::string("summary.") + key;
        }
    }
    const Json* clean = summary->Get("clean");
    if (!clean || clean->type != Json::Type::Bool)
    {
        return "summary.clean";
    }
    double total = 0;
    for (const auto& invariant : ChimneyInvariantCatalog())
    {
        const Json* n = counts->Get(invariant.id);
        if (!n || n->type != Json::Type::Number)
        {
            return std::string("counts.") + invariant.id;
        }
        total += n->number;
        const Json* t = invariants->Get(invariant.id);
        if (!t || t->type != Json::Type::String || t->str.empty())
        {
            return std::string("invariants.") + invariant.id;
        }
    }
    if (counts->members.size() != ChimneyInvariantCatalog().size())
    {
        return "counts has IDs outside the catalog";
    }
    if (total != summary->Get("findings")->number || clean->b != (total == 0))
    {
        return "counts do not add up to summary.findings";
    }
    if (static_cast<double>(findings->items.size()) != summary->Get("stored")->number)
    {
        return "findings length != summary.stored";
    }
    for (const Json& f : findings->items)
    {
        if (f.type != Json::Type::Object)
        {
            return "finding is not an object";
        }
        for (const char* key : {"id", "device", "local", "remote", "description", "evidence"})
        {
            const Json* s = f.Get(key);
            if (!s || s->type != Json::Type::String)
            {
                return std::string("finding.") + key;
            }
        }
        for (const char* key : {"timeSeconds", "timeNs", "node", "handle"})
        {
            const Json* n = f.Get(key);
            if (!n || n->type != Json::Type::Number)
            {
                return std::string("finding.") + key;
            }
        }
        if (!IsChimneyInvariantId(f.Get("id")->str))
        {
            return "finding.id not in the catalog";
        }
    }
    return "";
}

TEST_F(VerifierSyntheticTest, JsonReportMatchesTheDocumentedSchema)
{
    Offload();
    Wire(true, kData, 0, RST); // W4, evidence with brackets
    Ledger(false);             // R1
    Call(ChimneyOp::SEND,
         9,
         NetBufferList::CreateSend(Data(1), 1),
         nullptr,
         0,
         ChimneyStatus::PENDING);                                          // H1 accepted
    verifier->ObserveHostMisuse(device, "H3", kH, "flags \"0x3\"\n\tbad"); // escaping
    verifier->Finish();
    std::ostringstream out;
    verifier->WriteJson(out);
    EXPECT_EQ(ValidateReport(out.str()), "") << out.str();
    EXPECT_GE(verifier->GetFindingCount(), 4u);
    // Every finding is in the report, with its ID counted.
    for (const ChimneyFinding& f : verifier->GetFindings())
    {
        EXPECT_NE(out.str().find("\"id\": \"" + f.id + "\""), std::string::npos) << f.id;
    }
    std::ostringstream table;
    verifier->PrintSummary(table);
    EXPECT_NE(table.str().find("W4"), std::string::npos);
    EXPECT_NE(table.str().find("findings"), std::string::npos);
}

TEST(VerifierJson, ValidatorRejectsBrokenReports)
{
    EXPECT_NE(ValidateReport("{"), "");
    EXPECT_NE(ValidateReport("{\"schema\": \"chimney-verifier-report/1\"}"), "");
    ChimneyFindingLog log;
    std::ostringstream ok;
    log.WriteJson(ok,
                  Seconds(1),
                  {{"devices", 1},
                   {"connections", 0},
                   {"segments", 0},
                   {"requests", 0},
                   {"completions", 0},
                   {"indications", 0}});
    EXPECT_EQ(ValidateReport(ok.str()), "") << ok.str();
    std::string broken = ok.str();
    broken.replace(broken.find("\"W1\": 0"), 7, "\"W1\": 2");
    EXPECT_NE(ValidateReport(broken), ""); // counts no longer add up
}

// E1 receive direction, in the shadow: each byte delivered is compared once with the wire's
// byte at its position, whatever the order (the wire's segments out of order and overlapping,
// deliveries cut elsewhere, bytes delivered before the wire showed them).
TEST(VerifierShadow, DeliveredBytesComparedOnceWithTheWireInAnyOrder)
{
    std::vector<uint8_t> stream(100);
    for (size_t i = 0; i < stream.size(); ++i)
    {
        stream[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    auto deliver = [&stream](ShadowConnection& c, size_t from, size_t n, int corruptAt = -1) {
        Ptr<NetBufferList> nbl = NetBufferList::CreateReceive(static_cast<uint32_t>(n));
        std::copy(stream.begin() + from, stream.begin() + from + n, nbl->buffers[0].data.begin());
        if (corruptAt >= 0)
        {
            nbl->buffers[0].data[corruptAt] ^= 0x40;
        }
        c.AddDelivered(*nbl, n);
    };
    auto wire = [&stream](ShadowConnection& c, size_t from, size_t n) {
        c.AddRemoteData(static_cast<int64_t>(from), stream.data() + from, n);
    };
    {
        ShadowConnection c; // out of order and overlapping on the wire, delivered in 3 cuts
        wire(c, 40, 30);
        wire(c, 0, 25);
        wire(c, 20, 30);
        EXPECT_EQ(c.wire, 70);
        deliver(c, 0, 33);
        deliver(c, 33, 7);
        deliver(c, 40, 30);
        EXPECT_FALSE(c.deliveredDiffers);
        EXPECT_EQ(c.undelivered.Size(), 0u);
        EXPECT_TRUE(c.ooo.empty());
    }
    {
        ShadowConnection c; // delivered before the wire showed it, then the same bytes
        wire(c, 0, 10);
        deliver(c, 0, 30);
        EXPECT_EQ(c.ahead.Size(), 20u);
        wire(c, 10, 50);
        EXPECT_FALSE(c.deliveredDiffers);
        EXPECT_EQ(c.ahead.Size(), 0u);
        EXPECT_EQ(c.undelivered.Size(), 30u);
    }
    {
        ShadowConnection c; // one byte delivered differs
        wire(c, 0, 60);
        deliver(c, 0, 20);
        EXPECT_FALSE(c.deliveredDiffers);
        deliver(c, 20, 20, 19);
        EXPECT_TRUE(c.deliveredDiffers);
    }
    {
        ShadowConnection c; // delivered early, and the wire then shows other bytes
        deliver(c, 0, 10, 4);
        wire(c, 0, 10);
        EXPECT_TRUE(c.deliveredDiffers);
    }
}

} // namespace
