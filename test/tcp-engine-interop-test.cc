/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The engine against ns-3's own TcpSocketBase over a real point-to-point link. The engine runs
// on node 0 through EngineL4Adapter; node 1 is a plain ns-3 node. Every check on the wire reads
// the test's own capture (both devices' PhyTxBegin), parsed from the frame bytes by
// ParseWireFrame: what was transmitted, not what either stack believes it did.

#include "engine-ns3-adapter.h"
#include "ns3-peer-app.h"

#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/wire-segment.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

constexpr uint16_t kPort = 7000;
constexpr uint16_t kEnginePort = 40000;
constexpr uint32_t kEngineIss = 1000000;

/// Drops the n-th frame (1-based) that a predicate selects; counts every match.
class DropNthMatching : public ErrorModel
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid =
            TypeId("ns3::test::DropNthMatching").SetParent<ErrorModel>().SetGroupName("Chimney");
        return tid;
    }

    std::function<bool(const WireSegment&)> match;
    uint32_t dropIndex = 1;
    uint32_t matches = 0;
    uint32_t dropped = 0;

  private:
    bool DoCorrupt(Ptr<Packet> p) override
    {
        WireSegment w;
        if (!match || !ParseWireFrame(p, WireLinkType::PPP, w) || !match(w))
        {
            return false;
        }
        if (++matches == dropIndex)
        {
            ++dropped;
            return true;
        }
        return false;
    }

    void DoReset() override
    {
    }
};

/// One frame seen on the wire.
struct WireEntry
{
    Time time;
    bool fromEngine; //!< transmitted by node 0 (the engine)
    TcpSegment tcp;
};

/// Two nodes over point-to-point: the engine on node 0, ns-3's TCP on node 1.
class EngineInterop : public testing::Test
{
  protected:
    void SetUp() override
    {
        nodes.Create(2);
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("5ms"));
        devices = p2p.Install(nodes);
        InternetStackHelper internet;
        internet.Install(nodes);
        Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
        ifaces = address.Assign(devices);
        adapter = CreateObject<EngineL4Adapter>();
        adapter->Install(nodes.Get(0));
        for (uint32_t i = 0; i < 2; ++i)
        {
            devices.Get(i)->TraceConnectWithoutContext(
                "PhyTxBegin",
                MakeBoundCallback(&EngineInterop::Capture, &wire, i == 0));
        }
        config.timeWaitNs = 2'000'000'000; // 2 s keeps the runs short
        // Connect() transmits at once: the nodes' traffic control must be set up already.
        for (uint32_t i = 0; i < 2; ++i)
        {
            nodes.Get(i)->Initialize();
        }
    }

    static void Capture(std::vector<WireEntry>* log, bool fromEngine, Ptr<const Packet> p)
    {
        WireSegment w;
        if (ParseWireFrame(p, WireLinkType::PPP, w))
        {
            log->push_back({Simulator::Now(), fromEngine, w.tcp});
        }
    }

    /// ns-3 listens on kPort; accepted sockets are attached to peer.
    void PeerListen()
    {
        listener = ListenTcp(nodes.Get(1), kPort, MakeCallback(&PeerApp::Accept, &peer));
    }

    /// At time at the engine sends data on c, then shuts its send half down (a FIN after it).
    void SendThenShutdownAt(Time at, EngineL4Adapter::Connection& c, std::vector<uint8_t> data)
    {
        Simulator::Schedule(at, [this, &c, data]() {
            adapter->Send(c, data);
            adapter->ShutdownSend(c);
        });
    }

    /// The engine connects to ns-3's listener.
    EngineL4Adapter::Connection& EngineConnect()
    {
        return adapter->Connect(ifaces.GetAddress(0),
                                kEnginePort,
                                ifaces.GetAddress(1),
                                kPort,
                                config,
                                kEngineIss);
    }

    /// ns-3 connects to the engine listening on kPort.
    void PeerConnect()
    {
        adapter->Listen(kPort, config, kEngineIss);
        Ptr<Socket> s = Socket::CreateSocket(nodes.Get(1), TcpSocketFactory::GetTypeId());
        s->Bind();
        peer.Attach(s);
        s->Connect(InetSocketAddress(ifaces.GetAddress(0), kPort));
    }

    void Run(Time stop = Seconds(400))
    {
        Simulator::Stop(stop);
        Simulator::Run();
    }

    /// Sequence numbers of every FIN a side transmitted.
    std::set<uint32_t> FinSeqs(bool fromEngine) const
    {
        std::set<uint32_t> seqs;
        for (const auto& e : wire)
        {
            if (e.fromEngine == fromEngine && (e.tcp.flags & TcpSegment::FIN))
            {
                seqs.insert(e.tcp.seq + e.tcp.payload.size());
            }
        }
        return seqs;
    }

    size_t Count(bool fromEngine, uint8_t flag) const
    {
        size_t n = 0;
        for (const auto& e : wire)
        {
            n += (e.fromEngine == fromEngine && (e.tcp.flags & flag)) ? 1 : 0;
        }
        return n;
    }

    /// W1: no payload byte at or beyond a side's FIN sequence number.
    void ExpectNoPayloadAtOrBeyondFin(bool fromEngine) const
    {
        auto fins = FinSeqs(fromEngine);
        if (fins.empty())
        {
            return;
        }
        uint32_t fin = *fins.begin();
        for (const auto& e : wire)
        {
            if (e.fromEngine == fromEngine && !e.tcp.payload.empty())
            {
                EXPECT_TRUE(SeqLeq(e.tcp.seq + uint32_t(e.tcp.payload.size()), fin))
                    << "payload beyond FIN: " << e.tcp.ToString();
            }
        }
    }

    static bool HasEvent(const EngineL4Adapter::Connection& c, TcpEvent::Kind kind)
    {
        for (const auto& e : c.events)
        {
            if (e.kind == kind)
            {
                return true;
            }
        }
        return false;
    }

    static bool PassedThrough(const EngineL4Adapter::Connection& c, TcpState state)
    {
        for (const auto& e : c.events)
        {
            if (e.kind == TcpEvent::Kind::StateChanged && e.newState == state)
            {
                return true;
            }
        }
        return false;
    }

    Ptr<DropNthMatching> DropOnReceive(uint32_t device,
                                       std::function<bool(const WireSegment&)> match,
                                       uint32_t nth = 1)
    {
        auto em = CreateObject<DropNthMatching>();
        em->match = std::move(match);
        em->dropIndex = nth;
        devices.Get(device)->SetAttribute("ReceiveErrorModel", PointerValue(em));
        return em;
    }

    NodeContainer nodes;
    NetDeviceContainer devices;
    Ipv4InterfaceContainer ifaces;
    Ptr<EngineL4Adapter> adapter;
    Ptr<Socket> listener;
    PeerApp peer;
    TcpEngineConfig config;
    std::vector<WireEntry> wire;
};

TEST_F(EngineInterop, OurActiveCloseDeliversEveryByteAndBothSidesClose)
{
    PeerListen();
    peer.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    auto data = Pattern(50000, 1);
    auto& c = EngineConnect();
    SendThenShutdownAt(Seconds(0.1), c, data);
    Run();

    EXPECT_EQ(peer.received, data);
    EXPECT_TRUE(peer.normalClose);
    EXPECT_TRUE(HasEvent(c, TcpEvent::Kind::RemoteFin));
    EXPECT_TRUE(PassedThrough(c, TcpState::FinWait1));
    EXPECT_TRUE(PassedThrough(c, TcpState::TimeWait));
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
    // W2/W3 on the wire: one FIN sequence == ISS + 1 + every byte sent.
    EXPECT_EQ(FinSeqs(true), std::set<uint32_t>{kEngineIss + 1 + 50000});
    ExpectNoPayloadAtOrBeyondFin(true);
    EXPECT_EQ(Count(true, TcpSegment::RST) + Count(false, TcpSegment::RST), 0U);
}

TEST_F(EngineInterop, PeerActiveCloseThenOurFinFromLastAck)
{
    auto data = Pattern(30000, 2);
    PeerConnect();
    // ns-3 sends as soon as it is connected, then closes.
    peer.socket->SetConnectCallback(
        MakeCallback(+[](PeerApp* p, Ptr<Socket>) { p->SendAll(p->pending, true); }).Bind(&peer),
        MakeNullCallback<void, Ptr<Socket>>());
    peer.pending = data;
    adapter->onAccept = [this](EngineL4Adapter::Connection& c) {
        c.onEvent = [this](EngineL4Adapter::Connection& conn, const TcpEvent& e) {
            if (e.kind == TcpEvent::Kind::RemoteFin)
            {
                Simulator::ScheduleNow([this, &conn]() { adapter->ShutdownSend(conn); });
            }
        };
    };
    Run();

    auto* c = adapter->First();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->received, data);
    EXPECT_TRUE(PassedThrough(*c, TcpState::SynRcvd));
    EXPECT_TRUE(PassedThrough(*c, TcpState::CloseWait));
    EXPECT_TRUE(PassedThrough(*c, TcpState::LastAck));
    EXPECT_EQ(c->engine->State(), TcpState::Closed);
    EXPECT_EQ(FinSeqs(true), std::set<uint32_t>{kEngineIss + 1});
    EXPECT_EQ(FinSeqs(false).size(), 1U);
    ExpectNoPayloadAtOrBeyondFin(false);
    // Our FIN follows the peer's on the wire.
    Time peerFin, ourFin;
    for (const auto& e : wire)
    {
        if (e.tcp.flags & TcpSegment::FIN)
        {
            (e.fromEngine ? ourFin : peerFin) = e.time;
        }
    }
    EXPECT_LT(peerFin, ourFin);
}

TEST_F(EngineInterop, SimultaneousCloseGoesThroughClosing)
{
    PeerListen();
    auto& c = EngineConnect();
    auto data = Pattern(2000, 3);
    Simulator::Schedule(Seconds(0.1), [&]() { adapter->Send(c, data); });
    // Both close at the same instant: the FINs cross on the 5 ms link.
    Simulator::Schedule(Seconds(1.0), [&]() {
        adapter->ShutdownSend(c);
        peer.socket->Close();
    });
    Run();

    EXPECT_EQ(peer.received, data);
    EXPECT_TRUE(PassedThrough(c, TcpState::Closing));
    EXPECT_TRUE(PassedThrough(c, TcpState::TimeWait));
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
    EXPECT_EQ(FinSeqs(true), std::set<uint32_t>{kEngineIss + 1 + 2000});
    EXPECT_EQ(FinSeqs(false).size(), 1U);
}

TEST_F(EngineInterop, HalfCloseKeepsReceivingAfterOurFin)
{
    PeerListen();
    auto toPeer = Pattern(1000, 4);
    auto fromPeer = Pattern(120000, 5);
    // When our FIN arrives ns-3 is in CLOSE_WAIT; it keeps sending, then closes.
    peer.onNormalClose = [&](PeerApp& p) { p.SendAll(fromPeer, true); };
    auto& c = EngineConnect();
    SendThenShutdownAt(Seconds(0.1), c, toPeer);
    Run();

    EXPECT_EQ(peer.received, toPeer);
    EXPECT_EQ(c.received, fromPeer);
    EXPECT_TRUE(PassedThrough(c, TcpState::FinWait2));
    EXPECT_TRUE(HasEvent(c, TcpEvent::Kind::RemoteFin));
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
    // The peer's data arrived after our FIN: the receive half stayed open (W7).
    Time ourFin;
    size_t peerBytesAfterOurFin = 0;
    for (const auto& e : wire)
    {
        if (e.fromEngine && (e.tcp.flags & TcpSegment::FIN) && ourFin.IsZero())
        {
            ourFin = e.time;
        }
        if (!e.fromEngine && !ourFin.IsZero())
        {
            peerBytesAfterOurFin += e.tcp.payload.size();
        }
    }
    EXPECT_GE(peerBytesAfterOurFin, fromPeer.size());
}

TEST_F(EngineInterop, OurAbortSendsAcceptableRstAndPeerReportsError)
{
    PeerListen();
    auto& c = EngineConnect();
    auto data = Pattern(5000, 6);
    uint32_t sndNxtAtAbort = 0;
    Simulator::Schedule(Seconds(0.1), [&]() { adapter->Send(c, data); });
    Simulator::Schedule(Seconds(1.0), [&]() {
        sndNxtAtAbort = c.engine->SndNxt();
        adapter->Abort(c);
    });
    Run();

    // ns-3 accepts the RST: it closes at once (it reports a received RST as a normal close)
    // and never reaches CLOSE_WAIT, which a FIN would have caused.
    EXPECT_TRUE(peer.normalClose || peer.errorClose);
    EXPECT_EQ(peer.state, TcpSocket::CLOSED);
    EXPECT_EQ(std::count(peer.states.begin(), peer.states.end(), TcpSocket::CLOSE_WAIT), 0);
    EXPECT_EQ(Count(false, TcpSegment::RST), 0U) << "ns-3 found our RST unacceptable";
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
    ASSERT_EQ(Count(true, TcpSegment::RST), 1U);
    Time rstTime;
    for (const auto& e : wire)
    {
        if (e.fromEngine && (e.tcp.flags & TcpSegment::RST))
        {
            EXPECT_EQ(e.tcp.seq, sndNxtAtAbort) << "W10: RST seq == SndNxt";
            rstTime = e.time;
        }
    }
    for (const auto& e : wire)
    {
        EXPECT_FALSE(e.fromEngine && e.time > rstTime) << "W5: sent after RST";
    }
    EXPECT_EQ(Count(true, TcpSegment::FIN), 0U);
}

TEST_F(EngineInterop, PeerRstIsAcceptedAndReported)
{
    PeerListen();
    // The peer leaves data unread and closes: ns-3 answers with RST.
    peer.readData = false;
    peer.onData = [](PeerApp& p) {
        Simulator::ScheduleNow([&p]() { p.socket->Close(); });
        p.onData = nullptr;
    };
    auto& c = EngineConnect();
    Simulator::Schedule(Seconds(0.1), [&]() { adapter->Send(c, Pattern(3000, 7)); });
    Run();

    EXPECT_GE(Count(false, TcpSegment::RST), 1U);
    EXPECT_TRUE(HasEvent(c, TcpEvent::Kind::Reset));
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
    EXPECT_EQ(Count(true, TcpSegment::RST), 0U);
}

TEST_F(EngineInterop, LostFinIsRetransmittedWithTheSameSequence)
{
    PeerListen();
    peer.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    auto em = DropOnReceive(1, [](const WireSegment& w) { return w.tcp.flags & TcpSegment::FIN; });
    auto data = Pattern(20000, 8);
    auto& c = EngineConnect();
    SendThenShutdownAt(Seconds(0.1), c, data);
    Run();

    EXPECT_EQ(em->dropped, 1U);
    EXPECT_GE(Count(true, TcpSegment::FIN), 2U) << "the lost FIN was retransmitted";
    EXPECT_EQ(FinSeqs(true), std::set<uint32_t>{kEngineIss + 1 + 20000}) << "W3";
    EXPECT_EQ(peer.received, data);
    EXPECT_TRUE(peer.normalClose);
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
}

TEST_F(EngineInterop, LostAckOfOurFinIsRecovered)
{
    PeerListen();
    // The peer holds its side open for a while, so only our FIN's retransmission can recover.
    peer.onNormalClose = [](PeerApp& p) {
        Simulator::Schedule(Seconds(10), [&p]() { p.socket->Close(); });
    };
    const uint32_t finAck = kEngineIss + 1 + 4000 + 1;
    auto em = DropOnReceive(0, [finAck](const WireSegment& w) {
        return (w.tcp.flags & TcpSegment::ACK) && w.tcp.ack == finAck;
    });
    auto data = Pattern(4000, 9);
    auto& c = EngineConnect();
    SendThenShutdownAt(Seconds(0.1), c, data);
    Run();

    EXPECT_EQ(em->dropped, 1U);
    EXPECT_GE(Count(true, TcpSegment::FIN), 2U)
        << "our FIN was retransmitted after its ACK was lost";
    EXPECT_EQ(FinSeqs(true), std::set<uint32_t>{kEngineIss + 1 + 4000});
    EXPECT_TRUE(PassedThrough(c, TcpState::FinWait2));
    EXPECT_EQ(peer.received, data);
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
}

TEST_F(EngineInterop, MovingTheEngineMidTransferIsInvisibleToThePeer)
{
    PeerListen();
    peer.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    auto data = Pattern(200000, 10);
    config.sndBufSize = 256 * 1024;
    auto& c = EngineConnect();
    Simulator::Schedule(Seconds(0.1), [&]() {
        ASSERT_EQ(adapter->Send(c, data), data.size());
        adapter->ShutdownSend(c);
    });
    // Export/Import the connection every 7 ms while data, ACKs and the close are in flight.
    for (int i = 1; i < 60; ++i)
    {
        Simulator::Schedule(Seconds(0.1) + MilliSeconds(7 * i), [&]() {
            if (c.engine->State() != TcpState::Closed)
            {
                adapter->Move(c);
            }
        });
    }
    Run();

    EXPECT_GT(c.moves, 10U);
    EXPECT_EQ(peer.received, data);
    EXPECT_TRUE(peer.normalClose);
    EXPECT_EQ(FinSeqs(true), std::set<uint32_t>{kEngineIss + 1 + 200000});
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
    EXPECT_EQ(Count(true, TcpSegment::RST) + Count(false, TcpSegment::RST), 0U);
}

TEST_F(EngineInterop, ZeroWindowFromUsIsProbedAndTransferResumes)
{
    PeerListen();
    auto toPeer = Pattern(200000, 11);
    auto fromPeer = Pattern(200000, 12);
    config.sndBufSize = 256 * 1024;
    config.rcvBufSize = 240 * 536; // whole ns-3 segments fill it: the window reaches exactly 0
    auto& c = EngineConnect();
    // Our application reads nothing until 3.1 s: ns-3's bulk send closes our receive window,
    // and we send our own 200 KB into the peer while our window is zero.
    //
    // ns-3 3.37 bug avoided here (found with gdb; it segfaults in TcpRateLinux::SkbSent with a
    // null TcpTxItem from TcpTxBuffer::CopyFromSequence, called from SendPendingData <-
    // ReceivedAck). Without SACK (we do not offer SACK-permitted), TcpSocketBase::ProcessAck
    // counts a segment as a duplicate ACK when ackNumber == oldHeadSequence && ackNumber <
    // m_highTxMark; it ignores that the segment carries data (and whether the window changed),
    // which RFC 5681 §2 excludes from the definition. So while ns-3 has data in flight, every
    // data segment we send with our (correct, RFC 9293) piggybacked ACK = RCV.NXT counts as a
    // dupack: ns-3 fast-retransmits spuriously from the first three of them, keeps adding
    // fake "Reno SACK" marks for each further one, and, once our offered window also starts
    // shrinking as our receive buffer fills, SendPendingData asks SendDataPacket for a segment
    // that the tx buffer cannot produce and dereferences the null item. Our side does nothing
    // illegal there (no right-edge shrink, ACK = RCV.NXT, ack <= ns-3's SND.NXT) and no
    // RFC-conformant change of ours avoids it short of negotiating SACK, so the test sends
    // our data only while ns-3 has nothing unacknowledged in flight: after our window has
    // closed and everything ns-3 sent has been acknowledged (then ackNumber == m_highTxMark,
    // which ns-3 does not count as a dupack), and before we read and reopen the window.
    c.autoRead = false;
    Simulator::Schedule(Seconds(0.1), [&]() {
        // ns-3's first zero-window probe comes after PersistTimeout (6 s by default).
        peer.socket->SetAttribute("PersistTimeout", TimeValue(Seconds(1)));
        peer.SendAll(fromPeer, false);
    });
    bool closedBeforeWeSent = false;
    Simulator::Schedule(Seconds(1.0), [&]() {
        closedBeforeWeSent = c.engine->BytesReadable() == config.rcvBufSize;
        ASSERT_EQ(adapter->Send(c, toPeer), toPeer.size());
    });
    bool windowWasZero = false;
    Simulator::Schedule(Seconds(3.1), [&]() {
        windowWasZero = c.engine->BytesReadable() == config.rcvBufSize;
        c.autoRead = true;
        adapter->ReadAll(c);
    });
    // Both close once everything is across.
    Simulator::Schedule(Seconds(20), [&]() {
        adapter->ShutdownSend(c);
        peer.socket->Close();
    });
    Run();

    EXPECT_TRUE(closedBeforeWeSent) << "our window was still open when we started sending";
    EXPECT_TRUE(windowWasZero) << "our window never closed: the test tests nothing";
    size_t probes = 0;
    for (const auto& e : wire)
    {
        bool closed = e.time > Seconds(1.0) && e.time < Seconds(3.1);
        probes += (!e.fromEngine && closed && !e.tcp.payload.empty()) ? 1 : 0;
    }
    EXPECT_GE(probes, 1U) << "ns-3 never probed our zero window";
    EXPECT_EQ(peer.received, toPeer);
    EXPECT_EQ(c.received, fromPeer);
    EXPECT_EQ(c.engine->State(), TcpState::Closed);
    EXPECT_EQ(Count(true, TcpSegment::RST) + Count(false, TcpSegment::RST), 0U);
    // Our advertised right edge never moved left (RFC 9293 3.8.6.2.2).
    uint8_t shift = 0;
    uint32_t edge = 0;
    bool haveEdge = false;
    for (const auto& e : wire)
    {
        if (e.fromEngine && (e.tcp.flags & TcpSegment::SYN))
        {
            shift = e.tcp.windowScale.value_or(0);
        }
        else if (e.fromEngine && (e.tcp.flags & TcpSegment::ACK))
        {
            uint32_t right = e.tcp.ack + (uint32_t(e.tcp.window) << shift);
            EXPECT_TRUE(!haveEdge || SeqGeq(right, edge)) << "shrunk: " << e.tcp.ToString();
            edge = haveEdge && SeqGt(edge, right) ? edge : right;
            haveEdge = true;
        }
    }
}

} // namespace
