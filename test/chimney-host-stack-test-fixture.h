/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_HOST_STACK_TEST_FIXTURE_H
#define CHIMNEY_HOST_STACK_TEST_FIXTURE_H

// HostStackTest: two nodes over a Link, the chimney host stack on one, shared by
// chimney-host-stack-test.cc (applications, offload, policies, hardware failure) and
// chimney-host-stack-close-test.cc (remote close, black hole, FIN_WAIT_2 timer, graceful close
// with data, the ConnectionState trace).

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

// Named, not anonymous: both test files' typed suites use the same fixture type.
namespace chimney_host_stack_test
{

using namespace ns3;

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

} // namespace chimney_host_stack_test

#endif // CHIMNEY_HOST_STACK_TEST_FIXTURE_H
