/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHostStack + ChimneySocket on real ns-3 links (point-to-point and CSMA): ns-3
// applications and plain sockets on a chimney host, against ns-3's TcpSocketBase and against
// another chimney host. Wire checks read both link devices' PhyTxBegin, parsed from the bytes.

#include "ns3-peer-app.h"
#include "test-links.h"

#include "ns3/applications-module.h"
#include "ns3/chimney-helper.h"
#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-socket-factory.h"
#include "ns3/chimney-socket.h"
#include "ns3/chimney-stack-helper.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/tcp-seq.h"
#include "ns3/wire-segment.h"

#include <algorithm>
#include <functional>
#include <gtest/gtest.h>
#include <optional>
#include <sstream>

using namespace ns3;

namespace
{

constexpr uint16_t kPort = 9000;

/// One frame seen on the wire.
struct WireEntry
{
    Time time;
    uint32_t from; //!< node index that transmitted it
    TcpSegment tcp;
};

/// One PhaseChange of a host stack.
struct PhaseEntry
{
    Time time;
    uint32_t node;
    OffloadHandle handle;
    std::string from;
    std::string to;
    std::string detail;
    uint64_t acked{0};    //!< the connection's bytesAcked at that moment
    uint64_t received{0}; //!< the connection's bytesReceived at that moment
};

/// One Call, Upcall or Event of a host stack, in the order they happened.
struct StackEntry
{
    enum Kind : uint8_t
    {
        CALL,   //!< a request the stack made of the layer below
        UPCALL, //!< a completion the stack received
        EVENT,  //!< an indication the stack received
    };

    Time time;
    uint32_t node;
    Kind kind;
    ChimneyOp op{}; //!< operation (CALL, UPCALL); unused for EVENT
    OffloadHandle handle;
    uint64_t id{0};
    uint32_t flags{0};
    ChimneyStatus status{ChimneyStatus::SUCCESS}; //!< returned (CALL) or completion status
    uint64_t bytes{0};
    ChimneyEvent event{ChimneyEvent::DISCONNECT};
    ChimneyUploadReason reason{ChimneyUploadReason::NONE};

    std::string ToString() const
    {
        std::ostringstream os;
        os << time.As(Time::MS) << " n" << node << " ";
        switch (kind)
        {
        case CALL:
            os << "call " << op << " h=" << handle << " id=" << id << " f=" << flags << " -> "
               << ns3::ToString(status);
            break;
        case UPCALL:
            os << "upcall " << op << " h=" << handle << " id=" << id << " " << ns3::ToString(status)
               << " bytes=" << bytes;
            break;
        case EVENT:
            os << "event " << event << " h=" << handle << " reason=" << reason;
            break;
        }
        return os.str();
    }
};

template <typename Link>
class HostStackTest : public testing::Test
{
  protected:
    /// \param chimneyPeer node 1 is a chimney host too (else plain ns-3 TCP)
    void Build(bool chimneyPeer = false)
    {
        nodes.Create(2);
        links = Link::Install(nodes);
        chimneyHelper.SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
        targets = chimneyHelper.Install(chimneyPeer ? links : NetDeviceContainer(links.Get(0)));
        InternetStackHelper internet;
        internet.Install(nodes);
        internet.AssignStreams(nodes, 2000); // independent of earlier tests (see test-links.h)
        Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
        NetDeviceContainer ipDevices(targets.Get(0));
        ipDevices.Add(chimneyPeer ? targets.Get(1) : links.Get(1));
        ifaces = address.Assign(ipDevices);
        stackHelper.SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
        stackHelper.Install(targets);
        stackHelper.AssignStreams(targets, 1);
        for (uint32_t i = 0; i < targets.GetN(); ++i)
        {
            device[i] = DynamicCast<ChimneyNetDevice>(targets.Get(i));
            stack[i] = ChimneyStackHelper::GetStack(nodes.Get(i));
            stack[i]->TraceConnectWithoutContext(
                "Call",
                MakeBoundCallback(&HostStackTest::OnCall, this, i));
            stack[i]->TraceConnectWithoutContext(
                "Upcall",
                MakeBoundCallback(&HostStackTest::OnUpcall, this, i));
            stack[i]->TraceConnectWithoutContext(
                "Event",
                MakeBoundCallback(&HostStackTest::OnEvent, this, i));
            stack[i]->TraceConnectWithoutContext(
                "PhaseChange",
                MakeBoundCallback(&HostStackTest::OnPhase, this, i));
        }
        for (uint32_t i = 0; i < 2; ++i)
        {
            links.Get(i)->TraceConnectWithoutContext(
                "PhyTxBegin",
                MakeBoundCallback(&HostStackTest::Capture, &wire, i));
            nodes.Get(i)->Initialize();
        }
    }

    void TearDown() override
    {
        if (getenv("CHIMNEY_DEBUG"))
        {
            size_t k = 0;
            for (const auto& e : wire)
            {
                for (; k < stackLog.size() && stackLog[k].time <= e.time; ++k)
                {
                    std::cerr << stackLog[k].ToString() << "\n";
                }
                std::cerr << e.time.As(Time::MS) << " n" << e.from << " " << e.tcp.ToString()
                          << "\n";
            }
            for (; k < stackLog.size(); ++k)
            {
                std::cerr << stackLog[k].ToString() << "\n";
            }
            for (const auto& p : phases)
            {
                std::cerr << p.time.As(Time::MS) << " n" << p.node << " phase h=" << p.handle << " "
                          << p.from << " -> " << p.to << " (" << p.detail << ") acked=" << p.acked
                          << " received=" << p.received << "\n";
            }
        }
    }

    static void Capture(std::vector<WireEntry>* log, uint32_t from, Ptr<const Packet> p)
    {
        WireSegment w;
        if (ParseWireFrame(p, Link::kWire, w))
        {
            log->push_back({Simulator::Now(), from, w.tcp});
        }
    }

    static void OnPhase(HostStackTest* self,
                        uint32_t node,
                        OffloadHandle h,
                        std::string from,
                        std::string to,
                        std::string detail)
    {
        PhaseEntry e{Simulator::Now(), node, h, from, to, detail};
        if (const auto* c = self->stack[node]->Find(h))
        {
            e.acked = c->bytesAcked;
            e.received = c->bytesReceived;
        }
        self->phases.push_back(e);
    }

    void Record(const StackEntry& e)
    {
        stackLog.push_back(e);
        if (onStackEntry)
        {
            onStackEntry(e);
        }
    }

    static void OnCall(HostStackTest* self,
                       uint32_t node,
                       ChimneyOp op,
                       OffloadHandle h,
                       uint64_t id,
                       uint32_t flags,
                       ChimneyStatus returned)
    {
        StackEntry e{Simulator::Now(), node, StackEntry::CALL, op, h};
        e.id = id;
        e.flags = flags;
        e.status = returned;
        self->Record(e);
    }

    static void OnUpcall(HostStackTest* self,
                         uint32_t node,
                         ChimneyOp op,
                         OffloadHandle h,
                         uint64_t id,
                         ChimneyStatus status,
                         uint64_t bytes)
    {
        StackEntry e{Simulator::Now(), node, StackEntry::UPCALL, op, h};
        e.id = id;
        e.status = status;
        e.bytes = bytes;
        self->Record(e);
    }

    static void OnEvent(HostStackTest* self,
                        uint32_t node,
                        OffloadHandle h,
                        ChimneyEvent event,
                        ChimneyUploadReason reason)
    {
        StackEntry e{Simulator::Now(), node, StackEntry::EVENT, ChimneyOp{}, h};
        e.event = event;
        e.reason = reason;
        self->Record(e);
    }

    Ipv4Address Addr(uint32_t i) const
    {
        return ifaces.GetAddress(i);
    }

    TypeId Factory(uint32_t node) const
    {
        return stack[node] ? ChimneySocketFactory::GetTypeId() : TcpSocketFactory::GetTypeId();
    }

    /// Node `node` listens on `port`; accepted sockets go to app.
    void ListenOn(uint32_t node, PeerApp& app, uint16_t port = kPort)
    {
        Ptr<Socket> listener = Socket::CreateSocket(nodes.Get(node), Factory(node));
        listeners.push_back(listener);
        ASSERT_EQ(listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), port)), 0);
        ASSERT_EQ(listener->Listen(), 0);
        listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    MakeCallback(&PeerApp::Accept, &app));
    }

    /// Node `node` connects to the other node's `port`; the socket goes to app.
    void ConnectFrom(uint32_t node, PeerApp& app, uint16_t port = kPort)
    {
        Ptr<Socket> s = Socket::CreateSocket(nodes.Get(node), Factory(node));
        app.Attach(s);
        ASSERT_EQ(s->Connect(InetSocketAddress(Addr(1 - node), port)), 0);
    }

    /// Node `node` connects to the other node's `port` and, once connected, sends `data`
    /// (then closes when `closeAfter`).
    void ConnectAndSend(uint32_t node,
                        PeerApp& app,
                        const std::vector<uint8_t>& data,
                        bool closeAfter,
                        uint16_t port = kPort)
    {
        ConnectFrom(node, app, port);
        app.socket->SetConnectCallback(
            MakeCallback(+[](PeerApp* p, const std::vector<uint8_t>* v, bool close, Ptr<Socket>) {
                p->SendAll(*v, close);
            }).Bind(&app, &data, closeAfter),
            MakeNullCallback<void, Ptr<Socket>>());
    }

    /// \returns the chimney connection behind a PeerApp's ChimneySocket
    static OffloadHandle HandleOf(const PeerApp& app)
    {
        Ptr<ChimneySocket> s = DynamicCast<ChimneySocket>(app.socket);
        return s ? s->GetHandle() : INVALID_OFFLOAD_HANDLE;
    }

    /// Phase changes of one connection of node `node`, as "FROM>TO" strings.
    std::vector<std::string> PhasesOf(uint32_t node, OffloadHandle h) const
    {
        std::vector<std::string> out;
        for (const auto& p : phases)
        {
            if (p.node == node && p.handle == h)
            {
                out.push_back(p.from + ">" + p.to);
            }
        }
        return out;
    }

    /// The PhaseChange entry of connection `h` of node `node` into `to` (null if none).
    const PhaseEntry* PhaseInto(uint32_t node, OffloadHandle h, const std::string& to) const
    {
        for (const auto& p : phases)
        {
            if (p.node == node && p.handle == h && p.to == to)
            {
                return &p;
            }
        }
        return nullptr;
    }

    /// Indices into stackLog of node `node`'s entries of one kind for connection `h`
    /// (no op: any operation).
    std::vector<size_t> Entries(uint32_t node,
                                StackEntry::Kind kind,
                                OffloadHandle h,
                                std::optional<ChimneyOp> op = std::nullopt) const
    {
        std::vector<size_t> out;
        for (size_t k = 0; k < stackLog.size(); ++k)
        {
            const StackEntry& e = stackLog[k];
            if (e.node == node && e.kind == kind && e.handle == h && (!op || e.op == *op))
            {
                out.push_back(k);
            }
        }
        return out;
    }

    /// Indices into stackLog of node `node`'s indications of one kind for connection `h`.
    std::vector<size_t> Events(uint32_t node, OffloadHandle h, ChimneyEvent event) const
    {
        std::vector<size_t> out;
        for (size_t k : Entries(node, StackEntry::EVENT, h))
        {
            if (stackLog[k].event == event)
            {
                out.push_back(k);
            }
        }
        return out;
    }

    /// The initial sequence number of node `from` (its SYN on the wire); false if none.
    bool Iss(uint32_t from, uint32_t& iss) const
    {
        for (const auto& e : wire)
        {
            if (e.from == from && e.tcp.Has(TcpSegment::SYN))
            {
                iss = e.tcp.seq;
                return true;
            }
        }
        return false;
    }

    size_t CountPhase(uint32_t node, const std::string& to) const
    {
        size_t n = 0;
        for (const auto& p : phases)
        {
            n += (p.node == node && p.to == to) ? 1 : 0;
        }
        return n;
    }

    std::string EndDetail(uint32_t node) const
    {
        for (const auto& p : phases)
        {
            if (p.node == node && p.to == "ENDED")
            {
                return p.detail;
            }
        }
        return "";
    }

    size_t Count(uint32_t from, uint8_t flag) const
    {
        size_t n = 0;
        for (const auto& e : wire)
        {
            n += (e.from == from && (e.tcp.flags & flag)) ? 1 : 0;
        }
        return n;
    }

    /// The FIN's sequence number from a node (0 if none), and that no payload reaches it (W1).
    uint32_t FinSeq(uint32_t from) const
    {
        uint32_t fin = 0;
        for (const auto& e : wire)
        {
            if (e.from == from && e.tcp.Has(TcpSegment::FIN))
            {
                fin = e.tcp.seq + static_cast<uint32_t>(e.tcp.payload.size());
            }
        }
        return fin;
    }

    void Run(Time stop)
    {
        Simulator::Stop(stop);
        Simulator::Run();
    }

    /// A PacketSink on kPort of node i over sockets of factory, running from 0 to 20 s
    /// (PacketSink closes its sockets when it stops).
    Ptr<PacketSink> InstallSink(uint32_t i, const std::string& factory)
    {
        PacketSinkHelper sinkHelper(factory, InetSocketAddress(Ipv4Address::GetAny(), kPort));
        ApplicationContainer sink = sinkHelper.Install(nodes.Get(i));
        sink.Start(Seconds(0));
        sink.Stop(Seconds(20));
        return DynamicCast<PacketSink>(sink.Get(0));
    }

    /// BulkSend of bytes from node i to kPort of the other node over sockets of factory,
    /// starting at 0.1 s.
    void InstallBulkSend(uint32_t i, const std::string& factory, uint64_t bytes)
    {
        BulkSendHelper bulk(factory, InetSocketAddress(Addr(1 - i), kPort));
        bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
        bulk.Install(nodes.Get(i)).Start(Seconds(0.1));
    }

    NodeContainer nodes;
    ChimneyHelper chimneyHelper; //!< device attributes may be set before Build()
    NetDeviceContainer links;
    NetDeviceContainer targets;
    Ipv4InterfaceContainer ifaces;
    ChimneyStackHelper stackHelper; //!< stack attributes may be set before Build()
    Ptr<ChimneyNetDevice> device[2];
    Ptr<ChimneyHostStack> stack[2];
    std::vector<Ptr<Socket>> listeners;
    std::vector<WireEntry> wire;
    std::vector<PhaseEntry> phases;
    std::vector<StackEntry> stackLog;
    std::function<void(const StackEntry&)> onStackEntry; //!< called for every new entry
};

using Links = testing::Types<P2pLink, CsmaLink>;
TYPED_TEST_SUITE(HostStackTest, Links, LinkNames);

// BulkSend and PacketSink, unchanged, over an offloaded connection: the chimney host sends.
TYPED_TEST(HostStackTest, BulkSendToNativePacketSinkRunsOverOffloadedConnection)
{
    this->Build();
    Ptr<PacketSink> sink = this->InstallSink(1, "ns3::TcpSocketFactory");
    const uint64_t bytes = 300000;
    this->InstallBulkSend(0, "ns3::ChimneySocketFactory", bytes);
    this->Run(Seconds(30));

    EXPECT_EQ(sink->GetTotalRx(), bytes);
    EXPECT_EQ(this->CountPhase(0, "OFFLOADED"), 1U) << "offloaded once, at Established";
    EXPECT_EQ(this->CountPhase(0, "ENDED"), 1U);
    EXPECT_EQ(this->Count(0, TcpSegment::RST) + this->Count(1, TcpSegment::RST), 0U);
    EXPECT_NE(this->FinSeq(0), 0U) << "BulkSend's Close() is a graceful disconnect";
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U) << "R4";
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// PacketSink on the chimney host receives from ns-3's BulkSend.
TYPED_TEST(HostStackTest, ChimneyPacketSinkReceivesFromNativeBulkSend)
{
    this->Build();
    Ptr<PacketSink> sink = this->InstallSink(0, "ns3::ChimneySocketFactory");
    const uint64_t bytes = 300000;
    this->InstallBulkSend(1, "ns3::TcpSocketFactory", bytes);
    this->Run(Seconds(40));

    EXPECT_EQ(sink->GetTotalRx(), bytes);
    EXPECT_EQ(this->CountPhase(0, "OFFLOADED"), 1U);
    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
}

// E1 both ways with pattern data: every byte once, in order, then end of stream.
TYPED_TEST(HostStackTest, PatternBothWaysArrivesExactly_E1)
{
    this->Build();
    PeerApp server; // ns-3
    PeerApp client; // chimney
    this->ListenOn(1, server);
    const auto up = Pattern(200000, 1);
    const auto down = Pattern(150000, 2);
    server.onNormalClose = [&](PeerApp& p) { p.SendAll(down, true); };
    client.socket = nullptr;
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, true); });
    this->Run(Seconds(40));

    EXPECT_EQ(server.received, up);
    EXPECT_EQ(client.received, down);
    EXPECT_TRUE(server.normalClose);
    EXPECT_TRUE(client.normalClose);
    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
}

// Terminate mid-transfer: the connection finishes in software, nothing lost or duplicated.
TYPED_TEST(HostStackTest, TerminateMidTransferFinishesInSoftware_E1)
{
    this->Build();
    PeerApp server;
    PeerApp client;
    this->ListenOn(1, server);
    const auto up = Pattern(400000, 3);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, true); });
    ChimneyStatus terminated = ChimneyStatus::FAILURE;
    Simulator::Schedule(Seconds(0.4), [&]() {
        auto s = DynamicCast<ChimneySocket>(client.socket);
        terminated = this->stack[0]->Terminate(s->GetHandle());
    });
    server.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    this->Run(Seconds(40));

    EXPECT_EQ(terminated, ChimneyStatus::PENDING);
    EXPECT_EQ(server.received, up);
    EXPECT_TRUE(server.normalClose);
    EXPECT_EQ(this->CountPhase(0, "TERMINATING"), 1U);
    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    EXPECT_EQ(this->Count(0, TcpSegment::RST), 0U);
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
}

// Abort with sends outstanding: RST, the peer has a prefix of the stream (E2).
TYPED_TEST(HostStackTest, AbortWithSendsOutstandingGivesPrefixThenReset_E2)
{
    this->Build();
    PeerApp server;
    PeerApp client;
    this->ListenOn(1, server);
    const auto up = Pattern(400000, 4);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, false); });
    Simulator::Schedule(Seconds(0.4), [&]() {
        EXPECT_EQ(DynamicCast<ChimneySocket>(client.socket)->Abort(), 0);
    });
    this->Run(Seconds(20));

    ASSERT_LT(server.received.size(), up.size());
    EXPECT_TRUE(std::equal(server.received.begin(), server.received.end(), up.begin()))
        << "E2: a prefix";
    // ns-3's TcpSocketBase closes on the RST (it reports it as a normal close in ESTABLISHED).
    EXPECT_EQ(server.state, TcpSocket::CLOSED);
    EXPECT_GE(this->Count(0, TcpSegment::RST), 1U); // then the host answers stray segments
    EXPECT_EQ(this->Count(0, TcpSegment::FIN), 0U);
    EXPECT_EQ(this->EndDetail(0), "ABORTED");
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
}

// Chimney to chimney, both close at the same instant: two FINs, both end CLOSED.
TYPED_TEST(HostStackTest, ChimneyToChimneySimultaneousClose)
{
    this->Build(true);
    PeerApp server;
    PeerApp client;
    this->ListenOn(1, server);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectFrom(0, client); });
    const auto up = Pattern(50000, 5);
    const auto down = Pattern(40000, 6);
    Simulator::Schedule(Seconds(1), [&]() {
        client.SendAll(up, false);
        server.SendAll(down, false);
    });
    Simulator::Schedule(Seconds(3), [&]() {
        client.socket->Close();
        server.socket->Close();
    });
    this->Run(Seconds(20));

    EXPECT_EQ(server.received, up);
    EXPECT_EQ(client.received, down);
    EXPECT_EQ(this->CountPhase(0, "OFFLOADED"), 1U);
    EXPECT_EQ(this->CountPhase(1, "OFFLOADED"), 1U);
    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    EXPECT_EQ(this->EndDetail(1), "CLOSED");
    EXPECT_EQ(this->FinSeq(0), this->FinSeq(0));
    EXPECT_NE(this->FinSeq(0), 0U);
    EXPECT_NE(this->FinSeq(1), 0U);
    EXPECT_EQ(this->Count(0, TcpSegment::RST) + this->Count(1, TcpSegment::RST), 0U);
    EXPECT_EQ(this->device[0]->GetResourcesHeld() + this->device[1]->GetResourcesHeld(), 0U);
}

// R5: the device has room for one offloaded connection. The first connection offloads; the
// second one's InitiateOffload completes OFFLOAD_TCP_ENTRIES and it runs in software all along.
// Both transfers arrive exactly and close (E1).
TYPED_TEST(HostStackTest, OffloadBeyondCapacityFailsCleanlyAndStaysInSoftware_R5)
{
    this->chimneyHelper.SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(1));
    this->Build();
    PeerApp serverA; // ns-3, one port per connection
    PeerApp serverB;
    PeerApp clientA; // chimney
    PeerApp clientB;
    this->ListenOn(1, serverA, kPort);
    this->ListenOn(1, serverB, kPort + 1);
    serverA.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    serverB.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    const auto upA = Pattern(300000, 11);
    const auto upB = Pattern(250000, 12);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, clientA, upA, false); });
    Simulator::Schedule(Seconds(0.2),
                        [&]() { this->ConnectAndSend(0, clientB, upB, false, kPort + 1); });
    // When the second connection's data reaches the peer, both connections are open (the first
    // closes at 3 s only) and exactly one of them is offloaded.
    uint64_t heldMid = 0;
    uint32_t offloadedMid = 0;
    auto phaseA = ChimneyHostStack::Phase::ENDED;
    auto phaseB = ChimneyHostStack::Phase::ENDED;
    Time firstDataB = Seconds(-1);
    serverB.onData = [&](PeerApp& p) {
        if (firstDataB.IsNegative() && !p.received.empty())
        {
            firstDataB = Simulator::Now();
            heldMid = this->device[0]->GetResourcesHeld();
            offloadedMid = this->stack[0]->GetOffloadedConnectionCount();
            phaseA = this->stack[0]->GetPhase(this->HandleOf(clientA));
            phaseB = this->stack[0]->GetPhase(this->HandleOf(clientB));
        }
    };
    Simulator::Schedule(Seconds(3), [&]() {
        clientA.socket->Close();
        clientB.socket->Close();
    });
    this->Run(Seconds(30));

    const OffloadHandle hA = this->HandleOf(clientA);
    const OffloadHandle hB = this->HandleOf(clientB);
    EXPECT_EQ(heldMid, 1U) << "R5: one connection's worth of resources, never more";
    EXPECT_EQ(offloadedMid, 1U);
    EXPECT_EQ(phaseA, ChimneyHostStack::Phase::OFFLOADED);
    EXPECT_EQ(phaseB, ChimneyHostStack::Phase::SOFTWARE);
    EXPECT_GT(firstDataB, Seconds(0)) << "the second connection transferred";
    EXPECT_LT(firstDataB, Seconds(3));

    const auto offA = this->Entries(0, StackEntry::UPCALL, hA, ChimneyOp::INITIATE_OFFLOAD);
    const auto offB = this->Entries(0, StackEntry::UPCALL, hB, ChimneyOp::INITIATE_OFFLOAD);
    ASSERT_EQ(offA.size(), 1U);
    ASSERT_EQ(offB.size(), 1U);
    EXPECT_EQ(this->stackLog[offA[0]].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->stackLog[offB[0]].status, ChimneyStatus::OFFLOAD_TCP_ENTRIES);
    EXPECT_EQ(this->PhasesOf(0, hB),
              (std::vector<std::string>{">SOFTWARE",
                                        "SOFTWARE>OFFLOADING",
                                        "OFFLOADING>SOFTWARE",
                                        "SOFTWARE>ENDED"}))
        << "the failed offload leaves the connection in software";
    EXPECT_TRUE(this->Entries(0, StackEntry::CALL, hB, ChimneyOp::SEND).empty())
        << "nothing of the second connection went to the device";
    EXPECT_EQ(this->CountPhase(0, "OFFLOADED"), 1U);

    EXPECT_EQ(serverA.received, upA) << "E1";
    EXPECT_EQ(serverB.received, upB) << "E1";
    EXPECT_TRUE(serverA.normalClose);
    EXPECT_TRUE(serverB.normalClose);
    EXPECT_TRUE(clientA.normalClose);
    EXPECT_TRUE(clientB.normalClose);
    ASSERT_NE(this->PhaseInto(0, hA, "ENDED"), nullptr);
    ASSERT_NE(this->PhaseInto(0, hB, "ENDED"), nullptr);
    EXPECT_EQ(this->PhaseInto(0, hA, "ENDED")->detail, "CLOSED");
    EXPECT_EQ(this->PhaseInto(0, hB, "ENDED")->detail, "CLOSED");
    EXPECT_EQ(this->Count(0, TcpSegment::RST) + this->Count(1, TcpSegment::RST), 0U);
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U) << "R4";
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// OffloadPolicy Never: the connection runs in software from SYN to TIME_WAIT; the device is
// never asked anything, and the pattern arrives exactly both ways (E1).
TYPED_TEST(HostStackTest, OffloadPolicyNeverStaysInSoftware_E1)
{
    this->stackHelper.SetStackAttribute("OffloadPolicy", EnumValue(ChimneyHostStack::NEVER));
    this->Build();
    PeerApp server; // ns-3
    PeerApp client; // chimney
    this->ListenOn(1, server);
    const auto up = Pattern(200000, 13);
    const auto down = Pattern(120000, 14);
    server.onNormalClose = [&](PeerApp& p) { p.SendAll(down, true); };
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, true); });
    this->Run(Seconds(30));

    const OffloadHandle h = this->HandleOf(client);
    EXPECT_EQ(server.received, up) << "E1";
    EXPECT_EQ(client.received, down) << "E1";
    EXPECT_TRUE(server.normalClose);
    EXPECT_TRUE(client.normalClose);
    EXPECT_EQ(this->PhasesOf(0, h), (std::vector<std::string>{">SOFTWARE", "SOFTWARE>ENDED"}));
    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    size_t calls = 0;
    for (const auto& e : this->stackLog)
    {
        calls += e.node == 0 ? 1 : 0;
    }
    EXPECT_EQ(calls, 0U) << "no request, completion or indication: never offloaded";
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// OffloadPolicy AfterBytes (50000): the connection starts in software and is offloaded
// mid-transfer, once at least 50000 bytes were acknowledged + received; the stream is exact (E1).
TYPED_TEST(HostStackTest, OffloadPolicyAfterBytesOffloadsMidTransfer_E1)
{
    const uint64_t threshold = 50000;
    this->stackHelper.SetStackAttribute("OffloadPolicy", EnumValue(ChimneyHostStack::AFTER_BYTES));
    this->stackHelper.SetStackAttribute("OffloadAfterBytes", UintegerValue(threshold));
    this->Build();
    PeerApp server; // ns-3
    PeerApp client; // chimney
    this->ListenOn(1, server);
    server.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    const auto up = Pattern(400000, 15);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, true); });
    this->Run(Seconds(30));

    const OffloadHandle h = this->HandleOf(client);
    EXPECT_EQ(server.received, up) << "E1";
    EXPECT_TRUE(server.normalClose);
    EXPECT_EQ(this->CountPhase(0, "OFFLOADED"), 1U) << "offloaded exactly once";
    const PhaseEntry* offloading = this->PhaseInto(0, h, "OFFLOADING");
    const PhaseEntry* offloaded = this->PhaseInto(0, h, "OFFLOADED");
    ASSERT_NE(offloading, nullptr);
    ASSERT_NE(offloaded, nullptr);
    EXPECT_GE(offloading->acked + offloading->received, threshold)
        << "not before OffloadAfterBytes bytes";
    EXPECT_LT(offloading->acked + offloading->received, threshold + 16 * 536)
        << "promptly once the threshold is crossed";
    EXPECT_LT(offloading->acked, up.size()) << "mid-transfer";

    // The wire agrees: the peer had acknowledged at least the threshold before the offload,
    // and the rest of the stream was sent by the target after it.
    uint32_t iss = 0;
    ASSERT_TRUE(this->Iss(0, iss));
    uint32_t peerAck = iss + 1;
    size_t payloadAfter = 0;
    for (const auto& e : this->wire)
    {
        if (e.from == 1 && e.time < offloading->time && e.tcp.Has(TcpSegment::ACK))
        {
            peerAck = SeqMax(peerAck, e.tcp.ack);
        }
        if (e.from == 0 && e.time > offloaded->time)
        {
            payloadAfter += e.tcp.payload.size();
        }
    }
    EXPECT_GE(peerAck - (iss + 1), threshold);
    EXPECT_GT(payloadAfter, 0U) << "data flowed while offloaded";

    const auto off = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::INITIATE_OFFLOAD);
    ASSERT_EQ(off.size(), 1U);
    EXPECT_EQ(this->stackLog[off[0]].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    EXPECT_EQ(this->Count(0, TcpSegment::RST) + this->Count(1, TcpSegment::RST), 0U);
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// SPEC 3.6 hardware failure, E3: mid-transfer the device fails; it indicates
// Retrieve(HardwareFailure) and Abort, completes outstanding requests REQUEST_ABORTED and the
// host's terminate FAILURE. The connection ends FAILED, the application gets ErrorClose, and
// the peer has a prefix of the stream: no byte invented.
TYPED_TEST(HostStackTest, HardwareFailureEndsConnectionFailed_E3)
{
    this->Build();
    PeerApp server; // ns-3
    PeerApp client; // chimney
    this->ListenOn(1, server);
    const auto up = Pattern(800000, 16);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, true); });
    Time failedAt;
    auto phaseAtFailure = ChimneyHostStack::Phase::ENDED;
    size_t receivedAtFailure = 0;
    Simulator::Schedule(Seconds(0.3), [&]() {
        failedAt = Simulator::Now();
        phaseAtFailure = this->stack[0]->GetPhase(this->HandleOf(client));
        receivedAtFailure = server.received.size();
        this->device[0]->InjectHardwareFailure();
    });
    this->Run(Seconds(20));

    const OffloadHandle h = this->HandleOf(client);
    EXPECT_EQ(phaseAtFailure, ChimneyHostStack::Phase::OFFLOADED);
    EXPECT_GT(receivedAtFailure, 0U) << "mid-transfer";

    const auto retrieves = this->Events(0, h, ChimneyEvent::RETRIEVE);
    const auto aborts = this->Events(0, h, ChimneyEvent::ABORT);
    ASSERT_EQ(retrieves.size(), 1U);
    EXPECT_EQ(this->stackLog[retrieves[0]].reason, ChimneyUploadReason::HARDWARE_FAILURE);
    ASSERT_EQ(aborts.size(), 1U);
    const auto terminateCalls = this->Entries(0, StackEntry::CALL, h, ChimneyOp::TERMINATE);
    const auto terminates = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::TERMINATE);
    ASSERT_EQ(terminateCalls.size(), 1U);
    EXPECT_EQ(this->stackLog[terminateCalls[0]].status, ChimneyStatus::PENDING);
    EXPECT_GT(terminateCalls[0], std::max(retrieves[0], aborts[0]));
    ASSERT_EQ(terminates.size(), 1U);
    EXPECT_EQ(this->stackLog[terminates[0]].status, ChimneyStatus::FAILURE);
    // Every send and receive outstanding at the failure completes REQUEST_ABORTED, before the
    // terminate completes.
    size_t abortedRequests = 0;
    for (const ChimneyOp op : {ChimneyOp::SEND, ChimneyOp::RECEIVE})
    {
        for (size_t k : this->Entries(0, StackEntry::UPCALL, h, op))
        {
            if (this->stackLog[k].time < failedAt)
            {
                continue;
            }
            EXPECT_EQ(this->stackLog[k].status, ChimneyStatus::REQUEST_ABORTED)
                << this->stackLog[k].ToString();
            EXPECT_LT(k, terminates[0]) << this->stackLog[k].ToString();
            ++abortedRequests;
        }
    }
    EXPECT_GT(abortedRequests, 0U);

    EXPECT_EQ(this->EndDetail(0), "FAILED");
    EXPECT_EQ(this->stack[0]->GetOutcome(h), ChimneyHostStack::Outcome::FAILED);
    EXPECT_TRUE(client.errorClose) << "the application is told the connection failed";
    EXPECT_FALSE(client.normalClose);
    ASSERT_LT(server.received.size(), up.size());
    EXPECT_TRUE(std::equal(server.received.begin(), server.received.end(), up.begin()))
        << "E3: a prefix, no byte invented";
    for (const auto& e : this->wire)
    {
        if (e.from == 0 && e.time > failedAt + Seconds(0.5))
        {
            EXPECT_TRUE(e.tcp.payload.empty()) << "data after the failure: " << e.tcp.ToString();
        }
    }
    EXPECT_EQ(this->Count(0, TcpSegment::FIN), 0U);
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U) << "R2";
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// SPEC 3.5, A7, A8: while offloaded, the ns-3 peer sends data then FIN (ShutdownSend): one
// Disconnect indication, after every byte of the peer's; the receive half closes, the send half
// stays open. Then the peer Close()s with data it never read: ns-3 sends RST, the target
// indicates Abort, the host terminates and the connection ends RESET with ErrorClose.
TYPED_TEST(HostStackTest, RemoteFinThenRstWhileOffloaded_A7_A8)
{
    this->Build();
    PeerApp server; // ns-3, never reads
    PeerApp client; // chimney
    server.readData = false;
    this->ListenOn(1, server);
    const auto up = Pattern(50000, 17);
    const auto down = Pattern(60000, 18);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectFrom(0, client); });
    auto phaseAtStart = ChimneyHostStack::Phase::ENDED;
    Simulator::Schedule(Seconds(0.5), [&]() {
        phaseAtStart = this->stack[0]->GetPhase(this->HandleOf(client));
        client.SendAll(up, false);
        server.SendAll(down, false);
        server.socket->ShutdownSend(); // FIN after the data
    });
    std::vector<size_t> receivedAtDisconnect;
    this->onStackEntry = [&](const StackEntry& e) {
        if (e.node == 0 && e.kind == StackEntry::EVENT && e.event == ChimneyEvent::DISCONNECT)
        {
            receivedAtDisconnect.push_back(client.received.size());
        }
    };
    Time closedAt;
    Simulator::Schedule(Seconds(3), [&]() {
        closedAt = Simulator::Now();
        server.socket->Close(); // unread data: RST
    });
    this->Run(Seconds(20));

    const OffloadHandle h = this->HandleOf(client);
    EXPECT_EQ(phaseAtStart, ChimneyHostStack::Phase::OFFLOADED);
    // A7: one Disconnect indication, after every byte before the FIN was delivered, in order.
    const auto disconnects = this->Events(0, h, ChimneyEvent::DISCONNECT);
    ASSERT_EQ(disconnects.size(), 1U);
    ASSERT_EQ(receivedAtDisconnect.size(), 1U);
    EXPECT_EQ(receivedAtDisconnect[0], down.size());
    EXPECT_EQ(client.received, down);
    EXPECT_TRUE(client.normalClose) << "end of stream for the application";
    EXPECT_LT(this->stackLog[disconnects[0]].time, closedAt);
    EXPECT_TRUE(this->Entries(0, StackEntry::CALL, h, ChimneyOp::RECEIVE).empty() ||
                this->Entries(0, StackEntry::CALL, h, ChimneyOp::RECEIVE).back() < disconnects[0])
        << "SPEC 3.3: no receive posted after the remote FIN";
    // The send half stayed open: the peer acknowledged all of our data (it just did not read).
    uint32_t iss = 0;
    ASSERT_TRUE(this->Iss(0, iss));
    uint32_t peerAck = iss;
    for (const auto& e : this->wire)
    {
        if (e.from == 1 && e.tcp.Has(TcpSegment::ACK) && !e.tcp.Has(TcpSegment::RST))
        {
            peerAck = SeqMax(peerAck, e.tcp.ack);
        }
    }
    EXPECT_EQ(peerAck, iss + 1 + up.size());

    // A8: the peer's RST gives one Abort indication, then the host terminates.
    Time rstAt = Seconds(-1);
    for (const auto& e : this->wire)
    {
        if (e.from == 1 && e.tcp.Has(TcpSegment::RST))
        {
            rstAt = e.time;
            break;
        }
    }
    ASSERT_GE(rstAt, closedAt) << "ns-3 resets on Close() with unread data";
    const auto aborts = this->Events(0, h, ChimneyEvent::ABORT);
    ASSERT_EQ(aborts.size(), 1U);
    EXPECT_GT(aborts[0], disconnects[0]);
    EXPECT_GT(this->stackLog[aborts[0]].time, rstAt);
    EXPECT_TRUE(this->Events(0, h, ChimneyEvent::RETRIEVE).empty());
    const auto terminates = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::TERMINATE);
    ASSERT_EQ(terminates.size(), 1U);
    EXPECT_GT(terminates[0], aborts[0]);
    EXPECT_EQ(this->stackLog[terminates[0]].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->EndDetail(0), "RESET");
    EXPECT_TRUE(client.errorClose);
    EXPECT_EQ(this->Count(0, TcpSegment::RST), 0U) << "W4: the host never asked for a RST";
    EXPECT_EQ(this->Count(0, TcpSegment::FIN), 0U) << "the host never closed its send half";
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U) << "R2";
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// SPEC 3.5: while offloaded, the path to the peer becomes a black hole. The target retransmits
// MaxRetransmits times, then asks Retrieve(TimeoutExpiration); the host terminates (SUCCESS),
// the connection ends TIMED_OUT with ErrorClose and the device frees everything.
TYPED_TEST(HostStackTest, BlackHoleGivesRetrieveTimeoutExpiration_W8_R2)
{
    this->stackHelper.SetStackAttribute("MaxRetransmits", UintegerValue(3));
    this->Build();
    PeerApp server; // ns-3
    PeerApp client; // chimney
    this->ListenOn(1, server);
    const auto up = Pattern(1000000, 19);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, true); });
    Time holeAt;
    auto phaseAtHole = ChimneyHostStack::Phase::ENDED;
    size_t receivedAtHole = 0;
    Simulator::Schedule(Seconds(0.3), [&]() {
        holeAt = Simulator::Now();
        phaseAtHole = this->stack[0]->GetPhase(this->HandleOf(client));
        receivedAtHole = server.received.size();
        Ptr<RateErrorModel> drop = CreateObject<RateErrorModel>();
        drop->SetUnit(RateErrorModel::ERROR_UNIT_PACKET);
        drop->SetRate(1.0);
        this->links.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(drop));
    });
    this->Run(Seconds(200));

    const OffloadHandle h = this->HandleOf(client);
    EXPECT_EQ(phaseAtHole, ChimneyHostStack::Phase::OFFLOADED);
    EXPECT_GT(receivedAtHole, 0U) << "data flowed before the black hole";
    const auto retrieves = this->Events(0, h, ChimneyEvent::RETRIEVE);
    ASSERT_EQ(retrieves.size(), 1U);
    EXPECT_EQ(this->stackLog[retrieves[0]].reason, ChimneyUploadReason::TIMEOUT_EXPIRATION);
    EXPECT_GT(this->stackLog[retrieves[0]].time, holeAt);
    EXPECT_TRUE(this->Events(0, h, ChimneyEvent::ABORT).empty());
    const auto terminateCalls = this->Entries(0, StackEntry::CALL, h, ChimneyOp::TERMINATE);
    const auto terminates = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::TERMINATE);
    ASSERT_EQ(terminateCalls.size(), 1U);
    EXPECT_GT(terminateCalls[0], retrieves[0]);
    ASSERT_EQ(terminates.size(), 1U);
    EXPECT_EQ(this->stackLog[terminates[0]].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->PhasesOf(0, h).back(), "TERMINATING>ENDED")
        << "a timed-out connection is not resumed in software";
    EXPECT_EQ(this->EndDetail(0), "TIMED_OUT");
    EXPECT_TRUE(client.errorClose);
    EXPECT_FALSE(client.normalClose);
    EXPECT_TRUE(std::equal(server.received.begin(), server.received.end(), up.begin()));
    EXPECT_LT(server.received.size(), up.size());

    // On the wire: the oldest unacknowledged segment was retransmitted on timeout MaxRetransmits
    // times, and nothing was sent after the terminate.
    uint32_t iss = 0;
    ASSERT_TRUE(this->Iss(0, iss));
    uint32_t oldest = iss + 1;
    for (const auto& e : this->wire)
    {
        if (e.from == 1 && e.time < holeAt && e.tcp.Has(TcpSegment::ACK))
        {
            oldest = SeqMax(oldest, e.tcp.ack);
        }
    }
    Time lastSegment;
    for (const auto& e : this->wire)
    {
        lastSegment = e.from == 0 ? e.time : lastSegment;
    }
    size_t retransmissions = 0;
    for (const auto& e : this->wire)
    {
        if (e.from == 0 && e.time > holeAt + Seconds(0.2) && e.tcp.seq == oldest &&
            !e.tcp.payload.empty())
        {
            ++retransmissions;
        }
    }
    EXPECT_EQ(retransmissions, 3U) << "MaxRetransmits";
    EXPECT_LE(lastSegment, this->stackLog[terminates[0]].time) << "W8: nothing after terminate";
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U) << "R2";
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// SPEC 3.5 FIN_WAIT_2 timer (campaign seeds 17 and 229, peer.crash): the host's FIN is
// acknowledged, then the peer falls silent (crashed: nothing from it reaches the host, its FIN
// never comes). Only the FIN_WAIT_2 timer handed to the target ends the connection:
// Retrieve(TimeoutExpiration), terminate, TIMED_OUT, every posted receive completed (R4), no
// resource held. Without the timer the connection waits in FIN_WAIT_2 forever.
TYPED_TEST(HostStackTest, SilentPeerInFinWait2GivesRetrieveTimeoutExpiration_R4)
{
    const Time finWait2 = Seconds(5);
    this->stackHelper.SetStackAttribute("FinWait2Timeout", TimeValue(finWait2));
    this->Build();
    PeerApp server; // ns-3: stays in CLOSE_WAIT, never closes its half
    PeerApp client; // chimney
    this->ListenOn(1, server);
    const auto up = Pattern(20000, 23);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectAndSend(0, client, up, true); });
    const Time crashAt = Seconds(2);
    auto phaseAtCrash = ChimneyHostStack::Phase::ENDED;
    bool peerHadFinAtCrash = false;
    Simulator::Schedule(crashAt, [&]() {
        phaseAtCrash = this->stack[0]->GetPhase(this->HandleOf(client));
        peerHadFinAtCrash = server.normalClose;
        Ptr<RateErrorModel> drop = CreateObject<RateErrorModel>();
        drop->SetUnit(RateErrorModel::ERROR_UNIT_PACKET);
        drop->SetRate(1.0);
        this->links.Get(0)->SetAttribute("ReceiveErrorModel", PointerValue(drop));
    });
    this->Run(Seconds(30));

    const OffloadHandle h = this->HandleOf(client);
    EXPECT_EQ(phaseAtCrash, ChimneyHostStack::Phase::OFFLOADED);
    EXPECT_TRUE(peerHadFinAtCrash) << "the host's FIN reached the peer before the crash";
    EXPECT_EQ(server.received, up);
    Time lastFromPeer;
    for (const auto& e : this->wire)
    {
        lastFromPeer = e.from == 1 && e.time < crashAt ? e.time : lastFromPeer;
    }
    const auto retrieves = this->Events(0, h, ChimneyEvent::RETRIEVE);
    ASSERT_EQ(retrieves.size(), 1U);
    EXPECT_EQ(this->stackLog[retrieves[0]].reason, ChimneyUploadReason::TIMEOUT_EXPIRATION);
    EXPECT_GE(this->stackLog[retrieves[0]].time, lastFromPeer + finWait2)
        << "the FIN_WAIT_2 timer runs from the last segment received";
    EXPECT_LT(this->stackLog[retrieves[0]].time, crashAt + finWait2);
    const auto terminates = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::TERMINATE);
    ASSERT_EQ(terminates.size(), 1U);
    EXPECT_EQ(this->stackLog[terminates[0]].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->EndDetail(0), "TIMED_OUT");
    const auto posted = this->Entries(0, StackEntry::CALL, h, ChimneyOp::RECEIVE);
    const auto completed = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::RECEIVE);
    EXPECT_GT(posted.size(), 0U);
    EXPECT_EQ(completed.size(), posted.size()) << "R4: every posted receive completed";
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U) << "R2";
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// SPEC 3.4 graceful disconnect with final data, W1, W2, A3, A4: three sends while offloaded,
// then Disconnect(finalData). On the wire the FIN's sequence number is ISS + 1 + every byte
// (sends and final data) and no payload reaches it; the peer gets exactly sends + final data;
// every send completes, in posting order, before the disconnect, which completes SUCCESS with
// the final data's size only after the peer acknowledged the FIN.
TYPED_TEST(HostStackTest, GracefulDisconnectWithFinalData_W1_W2_A3_A4)
{
    this->Build();
    PeerApp server; // ns-3
    PeerApp client; // chimney
    this->ListenOn(1, server);
    server.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    const auto all = Pattern(65000, 20);
    const size_t sendSize = 20000;
    const size_t sends = 3;
    const std::vector<uint8_t> finalData(all.begin() + sends * sendSize, all.end());
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectFrom(0, client); });
    auto phaseAtSend = ChimneyHostStack::Phase::ENDED;
    int disconnected = -1;
    std::vector<int> sent;
    Simulator::Schedule(Seconds(0.5), [&]() {
        phaseAtSend = this->stack[0]->GetPhase(this->HandleOf(client));
        for (size_t i = 0; i < sends; ++i)
        {
            sent.push_back(client.socket->Send(
                Create<Packet>(all.data() + i * sendSize, static_cast<uint32_t>(sendSize))));
        }
        disconnected = DynamicCast<ChimneySocket>(client.socket)->Disconnect(finalData);
    });
    this->Run(Seconds(20));

    const OffloadHandle h = this->HandleOf(client);
    EXPECT_EQ(phaseAtSend, ChimneyHostStack::Phase::OFFLOADED);
    EXPECT_EQ(sent, std::vector<int>(sends, static_cast<int>(sendSize)));
    EXPECT_EQ(disconnected, 0);
    EXPECT_EQ(server.received, all) << "E1: sends + final data, exactly";
    EXPECT_TRUE(server.normalClose);

    // W2, W1, W3 from the wire.
    uint32_t iss = 0;
    ASSERT_TRUE(this->Iss(0, iss));
    const uint32_t fin = this->FinSeq(0);
    EXPECT_EQ(fin, iss + 1 + static_cast<uint32_t>(all.size())) << "W2";
    for (const auto& e : this->wire)
    {
        if (e.from != 0)
        {
            continue;
        }
        if (!e.tcp.payload.empty())
        {
            EXPECT_TRUE(SeqLeq(e.tcp.seq + static_cast<uint32_t>(e.tcp.payload.size()), fin))
                << "W1: " << e.tcp.ToString();
        }
        if (e.tcp.Has(TcpSegment::FIN))
        {
            EXPECT_EQ(e.tcp.seq + static_cast<uint32_t>(e.tcp.payload.size()), fin) << "W3";
        }
    }
    Time finAckedAt = Seconds(-1);
    for (const auto& e : this->wire)
    {
        if (e.from == 1 && e.tcp.Has(TcpSegment::ACK) && SeqGeq(e.tcp.ack, fin + 1))
        {
            finAckedAt = e.time;
            break;
        }
    }
    ASSERT_GE(finAckedAt, Seconds(0)) << "the peer acknowledged the FIN";

    // A3, A4 from the host's upcalls.
    const auto sendCalls = this->Entries(0, StackEntry::CALL, h, ChimneyOp::SEND);
    const auto sendDone = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::SEND);
    const auto discCalls = this->Entries(0, StackEntry::CALL, h, ChimneyOp::DISCONNECT);
    const auto discDone = this->Entries(0, StackEntry::UPCALL, h, ChimneyOp::DISCONNECT);
    ASSERT_EQ(sendCalls.size(), sends);
    ASSERT_EQ(sendDone.size(), sends);
    ASSERT_EQ(discCalls.size(), 1U);
    ASSERT_EQ(discDone.size(), 1U);
    EXPECT_EQ(this->stackLog[discCalls[0]].flags, TCP_DISCONNECT_GRACEFUL_CLOSE);
    EXPECT_GT(discCalls[0], sendCalls.back());
    uint64_t sendBytes = 0;
    for (size_t i = 0; i < sends; ++i)
    {
        const StackEntry& done = this->stackLog[sendDone[i]];
        EXPECT_EQ(done.id, this->stackLog[sendCalls[i]].id) << "A4: posting order";
        EXPECT_EQ(done.status, ChimneyStatus::SUCCESS);
        EXPECT_LT(sendDone[i], discDone[0]) << "A4: every send before the disconnect";
        sendBytes += done.bytes;
    }
    EXPECT_EQ(sendBytes, sends * sendSize);
    const StackEntry& disc = this->stackLog[discDone[0]];
    EXPECT_EQ(disc.id, this->stackLog[discCalls[0]].id);
    EXPECT_EQ(disc.status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(disc.bytes, finalData.size()) << "A3: the disconnect data, acknowledged";
    EXPECT_GT(disc.time, finAckedAt) << "A3: only after the FIN is acknowledged";

    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    EXPECT_TRUE(client.normalClose);
    EXPECT_EQ(this->Count(0, TcpSegment::RST) + this->Count(1, TcpSegment::RST), 0U);
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

// The host connection's ConnectionState trace: one entry per change, from creation to ENDED,
// each state moving forward only (graceful close of an offloaded connection, the peer closing
// after it, TIME_WAIT after the upload).
TYPED_TEST(HostStackTest, ConnectionStateTracesTheLifecycle)
{
    this->Build();
    PeerApp server; // ns-3
    PeerApp client; // chimney
    this->ListenOn(1, server);
    server.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    std::vector<std::pair<std::string, std::string>> changes; // node 0: (before, after)
    this->stack[0]->TraceConnectWithoutContext(
        "ConnectionState",
        MakeCallback(+[](decltype(changes)* log, OffloadHandle, std::string b, std::string a) {
            log->emplace_back(b, a);
        }).Bind(&changes));
    const auto data = Pattern(5000, 3);
    Simulator::Schedule(Seconds(0.1), [&]() { this->ConnectFrom(0, client); });
    Simulator::Schedule(Seconds(0.5),
                        [&]() { DynamicCast<ChimneySocket>(client.socket)->Disconnect(data); });
    this->Run(Seconds(20));

    EXPECT_EQ(server.received, data);
    ASSERT_FALSE(changes.empty());
    EXPECT_EQ(changes.front().first, "");
    EXPECT_EQ(changes.front().second.rfind("SOFTWARE/Connecting graceful=None", 0), 0U)
        << changes.front().second;
    EXPECT_NE(changes.back().second.find("ENDED/Established"), std::string::npos);
    EXPECT_NE(changes.back().second.find("outcome=CLOSED"), std::string::npos);
    // The values one field took, in order, without repeats.
    auto field = [&changes](const std::string& name) {
        std::vector<std::string> values;
        for (const auto& change : changes)
        {
            const size_t at = change.second.find(" " + name + "=") + name.size() + 2;
            const std::string value = change.second.substr(at, change.second.find(' ', at) - at);
            if (values.empty() || values.back() != value)
            {
                values.push_back(value);
            }
        }
        return values;
    };
    EXPECT_EQ(field("graceful"),
              (std::vector<std::string>{"None", "Requested", "DisconnectIssued", "FinAcked"}));
    EXPECT_EQ(field("receive"),
              (std::vector<std::string>{"Open", "RemoteFin", "RemoteFinDelivered"}));
    EXPECT_EQ(field("abortive"), std::vector<std::string>{"None"});
    EXPECT_EQ(field("fault"), std::vector<std::string>{"None"});
    // Every phase change is a ConnectionState change too.
    const auto phases = this->PhasesOf(0, this->HandleOf(client));
    EXPECT_EQ(phases,
              (std::vector<std::string>{">SOFTWARE",
                                        "SOFTWARE>OFFLOADING",
                                        "OFFLOADING>OFFLOADED",
                                        "OFFLOADED>TERMINATING",
                                        "TERMINATING>SOFTWARE",
                                        "SOFTWARE>ENDED"}));
    size_t phaseChanges = 0;
    for (const auto& change : changes)
    {
        phaseChanges += change.first.substr(0, change.first.find('/')) !=
                                change.second.substr(0, change.second.find('/'))
                            ? 1
                            : 0;
    }
    EXPECT_EQ(phaseChanges, phases.size());
}

// ns-3's OnOffApplication, unchanged, on ChimneySocketFactory against a native PacketSink:
// MaxBytes arrive exactly (E1) over an offloaded connection.
TYPED_TEST(HostStackTest, OnOffToNativePacketSinkRunsOverChimneySocket_E1)
{
    this->Build();
    Ptr<PacketSink> sink = this->InstallSink(1, "ns3::TcpSocketFactory");
    OnOffHelper onoff("ns3::ChimneySocketFactory", InetSocketAddress(this->Addr(1), kPort));
    const uint64_t bytes = 150000;
    onoff.SetConstantRate(DataRate("4Mbps"), 1000);
    onoff.SetAttribute("MaxBytes", UintegerValue(bytes));
    ApplicationContainer source = onoff.Install(this->nodes.Get(0));
    source.Start(Seconds(0.1));
    source.Stop(Seconds(10)); // OnOff closes its socket once MaxBytes are sent (or at Stop)
    this->Run(Seconds(30));

    EXPECT_EQ(sink->GetTotalRx(), bytes);
    EXPECT_EQ(this->CountPhase(0, "OFFLOADED"), 1U);
    uint32_t iss = 0;
    ASSERT_TRUE(this->Iss(0, iss));
    EXPECT_EQ(this->FinSeq(0), iss + 1 + static_cast<uint32_t>(bytes)) << "W2";
    EXPECT_EQ(this->EndDetail(0), "CLOSED");
    EXPECT_EQ(this->Count(0, TcpSegment::RST) + this->Count(1, TcpSegment::RST), 0U);
    EXPECT_EQ(this->device[0]->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->stack[0]->GetOpenConnectionCount(), 0U);
}

} // namespace
