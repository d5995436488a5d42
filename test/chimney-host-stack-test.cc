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

#include <gtest/gtest.h>

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
    uint32_t node;
    OffloadHandle handle;
    std::string from;
    std::string to;
    std::string detail;
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
        ChimneyHelper chimney;
        chimney.SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
        targets = chimney.Install(chimneyPeer ? links : NetDeviceContainer(links.Get(0)));
        InternetStackHelper internet;
        internet.Install(nodes);
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
            if (getenv("CHIMNEY_DEBUG"))
            {
                stack[i]->TraceConnectWithoutContext("Call",
                                                     MakeCallback(+[](std::string op,
                                                                      OffloadHandle h,
                                                                      uint64_t id,
                                                                      uint32_t f,
                                                                      ChimneyStatus st) {
                                                         std::cerr << Simulator::Now().As(Time::MS)
                                                                   << " call " << op << " h=" << h
                                                                   << " id=" << id << " f=" << f
                                                                   << " -> " << ToString(st)
                                                                   << "\n";
                                                     }));
                stack[i]->TraceConnectWithoutContext("Upcall",
                                                     MakeCallback(+[](std::string op,
                                                                      OffloadHandle h,
                                                                      uint64_t id,
                                                                      ChimneyStatus st,
                                                                      uint64_t b) {
                                                         std::cerr << Simulator::Now().As(Time::MS)
                                                                   << " upcall " << op << " h=" << h
                                                                   << " id=" << id << " "
                                                                   << ToString(st) << " bytes=" << b
                                                                   << "\n";
                                                     }));
            }
            stack[i]->TraceConnectWithoutContext(
                "PhaseChange",
                MakeBoundCallback(&HostStackTest::OnPhase, &phases, i));
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
            for (const auto& e : wire)
            {
                std::cerr << e.time.As(Time::MS) << " n" << e.from << " " << e.tcp.ToString()
                          << "\n";
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

    static void OnPhase(std::vector<PhaseEntry>* log,
                        uint32_t node,
                        OffloadHandle h,
                        std::string from,
                        std::string to,
                        std::string detail)
    {
        log->push_back({node, h, from, to, detail});
    }

    Ipv4Address Addr(uint32_t i) const
    {
        return ifaces.GetAddress(i);
    }

    TypeId Factory(uint32_t node) const
    {
        return stack[node] ? ChimneySocketFactory::GetTypeId() : TcpSocketFactory::GetTypeId();
    }

    /// Node `node` listens on kPort; accepted sockets go to app.
    void ListenOn(uint32_t node, PeerApp& app)
    {
        listener = Socket::CreateSocket(nodes.Get(node), Factory(node));
        ASSERT_EQ(listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), kPort)), 0);
        ASSERT_EQ(listener->Listen(), 0);
        listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    MakeCallback(&PeerApp::Accept, &app));
    }

    /// Node `node` connects to the other node's kPort; the socket goes to app.
    void ConnectFrom(uint32_t node, PeerApp& app)
    {
        Ptr<Socket> s = Socket::CreateSocket(nodes.Get(node), Factory(node));
        app.Attach(s);
        ASSERT_EQ(s->Connect(InetSocketAddress(Addr(1 - node), kPort)), 0);
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

    NodeContainer nodes;
    NetDeviceContainer links;
    NetDeviceContainer targets;
    Ipv4InterfaceContainer ifaces;
    ChimneyStackHelper stackHelper;
    Ptr<ChimneyNetDevice> device[2];
    Ptr<ChimneyHostStack> stack[2];
    Ptr<Socket> listener;
    std::vector<WireEntry> wire;
    std::vector<PhaseEntry> phases;
};

using Links = testing::Types<P2pLink, CsmaLink>;
TYPED_TEST_SUITE(HostStackTest, Links, LinkNames);

// BulkSend and PacketSink, unchanged, over an offloaded connection: the chimney host sends.
TYPED_TEST(HostStackTest, BulkSendToNativePacketSinkRunsOverOffloadedConnection)
{
    this->Build();
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), kPort));
    ApplicationContainer sink = sinkHelper.Install(this->nodes.Get(1));
    BulkSendHelper bulk("ns3::ChimneySocketFactory", InetSocketAddress(this->Addr(1), kPort));
    const uint64_t bytes = 300000;
    bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
    ApplicationContainer source = bulk.Install(this->nodes.Get(0));
    sink.Start(Seconds(0));
    source.Start(Seconds(0.1));
    sink.Stop(Seconds(20)); // PacketSink closes its sockets when it stops
    this->Run(Seconds(30));

    EXPECT_EQ(DynamicCast<PacketSink>(sink.Get(0))->GetTotalRx(), bytes);
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
    PacketSinkHelper sinkHelper("ns3::ChimneySocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), kPort));
    ApplicationContainer sink = sinkHelper.Install(this->nodes.Get(0));
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(this->Addr(0), kPort));
    const uint64_t bytes = 300000;
    bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
    ApplicationContainer source = bulk.Install(this->nodes.Get(1));
    sink.Start(Seconds(0));
    source.Start(Seconds(0.1));
    sink.Stop(Seconds(20)); // PacketSink closes its sockets when it stops
    this->Run(Seconds(40));

    EXPECT_EQ(DynamicCast<PacketSink>(sink.Get(0))->GetTotalRx(), bytes);
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
    Simulator::Schedule(Seconds(0.1), [&]() {
        this->ConnectFrom(0, client);
        client.socket->SetConnectCallback(
            MakeCallback(+[](PeerApp* app, const std::vector<uint8_t>* d, Ptr<Socket>) {
                app->SendAll(*d, true);
            }).Bind(&client, &up),
            MakeNullCallback<void, Ptr<Socket>>());
    });
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
    Simulator::Schedule(Seconds(0.1), [&]() {
        this->ConnectFrom(0, client);
        client.socket->SetConnectCallback(
            MakeCallback(+[](PeerApp* app, const std::vector<uint8_t>* d, Ptr<Socket>) {
                app->SendAll(*d, true);
            }).Bind(&client, &up),
            MakeNullCallback<void, Ptr<Socket>>());
    });
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
    Simulator::Schedule(Seconds(0.1), [&]() {
        this->ConnectFrom(0, client);
        client.socket->SetConnectCallback(
            MakeCallback(+[](PeerApp* app, const std::vector<uint8_t>* d, Ptr<Socket>) {
                app->SendAll(*d, false);
            }).Bind(&client, &up),
            MakeNullCallback<void, Ptr<Socket>>());
    });
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

} // namespace
