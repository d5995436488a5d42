/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Intermediate driver layers (ChimneyIntermediateDriver) between recording upper protocols and
// the offload target (ChimneyNetDevice) on a real ns-3 link, over point-to-point and over CSMA.
// Node 0 has the chimney device, an Internet stack and EngineL4Adapter (the software TCP that
// establishes the connections that are then offloaded); node 1 is plain ns-3 (TcpSocketBase).
// The device's own Request / Completion / Indication traces show what reached the target, so
// A11 (same NBL, same flags, routed to the issuer) is checked across each layer.
//
// The two-node set-up (links, wire capture, addresses) is ChimneyDeviceFixture, shared with
// chimney-net-device-test.cc.

#include "chimney-device-fixture.h"
#include "engine-ns3-adapter.h"
#include "ns3-peer-app.h"
#include "recording-client.h"
#include "test-links.h"

#include "ns3/chimney-helper.h"
#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-net-device.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/wire-segment.h"

#include <gtest/gtest.h>
#include <list>
#include <map>
#include <set>

using namespace ns3;

namespace
{

constexpr uint16_t kPort = 7000;
constexpr uint16_t kLocalPort = 40000;
constexpr uint32_t kIss = 1000000;

// ---------------------------------------------------------------------------------------------
// Observers
// ---------------------------------------------------------------------------------------------

/// A request or completion at the device's interface (its Request / Completion traces).
struct DeviceRecord
{
    Time time;
    ChimneyOp operation;
    OffloadHandle handle;
    uint64_t id;
    uint32_t flags; //!< requests only
    ChimneyStatus status;
};

/// A request or completion at a layer's upper edge (the driver's traces).
struct LayerRecord
{
    Time time;
    std::string upper;
    ChimneyOp operation;
    OffloadHandle handle;
    uint64_t id;
    uint32_t flags; //!< requests only
    ChimneyStatus status;
};

/// One intermediate driver and what its traces reported.
struct Layer
{
    Ptr<ChimneyIntermediateDriver> driver;
    std::vector<LayerRecord> requests;
    std::vector<LayerRecord> completions;
    std::vector<std::pair<Time, OffloadHandle>> indications;
};

/// Concatenation of byte vectors.
std::vector<uint8_t>
Cat(std::initializer_list<std::vector<uint8_t>> parts)
{
    std::vector<uint8_t> out;
    for (const auto& p : parts)
    {
        out.insert(out.end(), p.begin(), p.end());
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Fixture
// ---------------------------------------------------------------------------------------------

/// Two nodes over a Link; the chimney device on node 0; layers are added by each test.
template <typename Link>
class ChimneyIntermediateDriverTest : public ChimneyDeviceFixture
{
  protected:
    void Build()
    {
        BuildLink<Link>();
        target->TraceConnectWithoutContext(
            "Request",
            MakeBoundCallback(&ChimneyIntermediateDriverTest::OnDeviceRequest, &deviceRequests));
        target->TraceConnectWithoutContext(
            "Completion",
            MakeBoundCallback(&ChimneyIntermediateDriverTest::OnDeviceCompletion,
                              &deviceCompletions));
        target->TraceConnectWithoutContext(
            "Indication",
            MakeBoundCallback(&ChimneyIntermediateDriverTest::OnDeviceIndication,
                              &deviceIndications));
        StartNodes();
        listener = ListenTcp(nodes.Get(1),
                             kPort,
                             MakeCallback(&ChimneyIntermediateDriverTest::Accept, this));
    }

    /// A driver above lower (the device or another driver's binding), its traces recorded.
    Layer& AddLayer(ChimneyOffloadProvider* lower, Time latency = Time(0))
    {
        layers.emplace_back();
        Layer& l = layers.back();
        l.driver = CreateObject<ChimneyIntermediateDriver>();
        l.driver->SetAttribute("LayerLatency", TimeValue(latency));
        l.driver->SetLowerLayer(lower);
        l.driver->TraceConnectWithoutContext(
            "Request",
            MakeBoundCallback(&ChimneyIntermediateDriverTest::OnLayerRequest, &l.requests));
        l.driver->TraceConnectWithoutContext(
            "Completion",
            MakeBoundCallback(&ChimneyIntermediateDriverTest::OnLayerCompletion, &l.completions));
        l.driver->TraceConnectWithoutContext(
            "Indication",
            MakeBoundCallback(&ChimneyIntermediateDriverTest::OnLayerIndication, &l.indications));
        return l;
    }

    ChimneyOffloadProvider* Device()
    {
        return PeekPointer(target);
    }

    static void OnDeviceRequest(std::vector<DeviceRecord>* log,
                                ChimneyOp op,
                                OffloadHandle h,
                                uint64_t id,
                                uint32_t flags,
                                ChimneyStatus s)
    {
        log->push_back({Simulator::Now(), op, h, id, flags, s});
    }

    static void OnDeviceCompletion(std::vector<DeviceRecord>* log,
                                   ChimneyOp op,
                                   OffloadHandle h,
                                   uint64_t id,
                                   ChimneyStatus s,
                                   uint64_t)
    {
        log->push_back({Simulator::Now(), op, h, id, 0, s});
    }

    static void OnDeviceIndication(std::vector<std::pair<Time, OffloadHandle>>* log,
                                   OffloadHandle h,
                                   ChimneyEvent,
                                   ChimneyUploadReason)
    {
        log->push_back({Simulator::Now(), h});
    }

    static void OnLayerRequest(std::vector<LayerRecord>* log,
                               std::string upper,
                               ChimneyOp op,
                               OffloadHandle h,
                               uint64_t id,
                               uint32_t flags,
                               ChimneyStatus s)
    {
        log->push_back({Simulator::Now(), upper, op, h, id, flags, s});
    }

    static void OnLayerCompletion(std::vector<LayerRecord>* log,
                                  std::string upper,
                                  ChimneyOp op,
                                  OffloadHandle h,
                                  uint64_t id,
                                  ChimneyStatus s)
    {
        log->push_back({Simulator::Now(), upper, op, h, id, 0, s});
    }

    static void OnLayerIndication(std::vector<std::pair<Time, OffloadHandle>>* log,
                                  std::string,
                                  OffloadHandle h,
                                  ChimneyEvent,
                                  ChimneyUploadReason)
    {
        log->push_back({Simulator::Now(), h});
    }

    void Accept(Ptr<Socket> s, const Address&)
    {
        peers.push_back(std::make_unique<PeerApp>());
        if (onPeer)
        {
            onPeer(*peers.back());
        }
        peers.back()->Attach(s);
    }

    /// The software engine on node 0 connects to the peer.
    EngineL4Adapter::Connection& Connect(uint16_t localPort)
    {
        return adapter->Connect(Local(), localPort, Remote(), kPort, config, kIss);
    }

    /// The offload block list for one connection.
    Ptr<OffloadBlockList> Blocks(OffloadHandle handle,
                                 uint16_t localPort,
                                 const TcpDelegatedState& state,
                                 uint64_t id)
    {
        return OneConnectionBlocks(handle, localPort, kPort, state, id);
    }

    /// Moves the software connection to the target through upper's binding.
    Ptr<OffloadBlockList> Offload(RecordingClient& upper,
                                  EngineL4Adapter::Connection& c,
                                  OffloadHandle handle,
                                  uint16_t localPort,
                                  uint64_t id)
    {
        TcpDelegatedState state = adapter->Detach(c);
        auto list = Blocks(handle, localPort, state, id);
        EXPECT_EQ(upper.Call([&]() { return upper.provider->InitiateOffload(list); }),
                  ChimneyStatus::PENDING);
        return list;
    }

    /// Node 0 connects from kLocalPort in software; at 0.5 s the connection is offloaded
    /// through upper's binding (handle h, block list id 1); the offload has succeeded at 0.6 s.
    void EstablishOffloaded(RecordingClient& upper, OffloadHandle h)
    {
        auto& c = Connect(kLocalPort);
        Simulator::Schedule(Seconds(0.5), [&]() { Offload(upper, c, h, kLocalPort, 1); });
        Run(Seconds(0.6));
        ASSERT_EQ(upper.Of("Offload").size(), 1U);
        ASSERT_EQ(upper.Of("Offload")[0].status, ChimneyStatus::SUCCESS);
    }

    /// One NBL per part, made by make(part), recorded as posted by upper and chained in order;
    /// returns the head.
    template <typename Part, typename Make>
    static Ptr<NetBufferList> PostedChain(RecordingClient& upper,
                                          const std::vector<Part>& parts,
                                          Make make)
    {
        Ptr<NetBufferList> head;
        NetBufferList* tail = nullptr;
        for (const auto& part : parts)
        {
            Ptr<NetBufferList> nbl = make(part);
            upper.posted.push_back(nbl);
            if (tail == nullptr)
            {
                head = nbl;
            }
            else
            {
                tail->next = nbl;
            }
            tail = PeekPointer(nbl);
        }
        return head;
    }

    /// Posts a send of one NBL per (data, id); more than one are posted as one chain.
    ChimneyStatus Send(RecordingClient& upper,
                       OffloadHandle h,
                       const std::vector<std::pair<std::vector<uint8_t>, uint64_t>>& parts)
    {
        auto head = PostedChain(upper, parts, [](const auto& part) {
            return NetBufferList::CreateSend(part.first, part.second);
        });
        return upper.Call([&]() { return upper.provider->TcpOffloadSend(h, head); });
    }

    /// Posts a receive of one NBL per (capacity, id), chained when more than one.
    ChimneyStatus PostReceive(RecordingClient& upper,
                              OffloadHandle h,
                              const std::vector<std::pair<uint32_t, uint64_t>>& parts)
    {
        auto head = PostedChain(upper, parts, [](const auto& part) {
            return NetBufferList::CreateReceive(part.first, part.second);
        });
        return upper.Call([&]() { return upper.provider->TcpOffloadReceive(h, head); });
    }

    /// Keeps one receive buffer posted (re-posted while the last one brought data).
    void KeepReceiving(RecordingClient& upper, OffloadHandle h, uint64_t id)
    {
        upper.onReceiveComplete = [this, &upper, h, id](OffloadHandle, Ptr<NetBufferList> n) {
            if (n->status == ChimneyStatus::SUCCESS && n->bytesTransferred > 0)
            {
                Simulator::ScheduleNow([this, &upper, h, id]() {
                    EXPECT_EQ(PostReceive(upper, h, {{4096, id}}), ChimneyStatus::PENDING);
                });
            }
        };
    }

    Ptr<NetBufferList> MakeDisconnectNbl(RecordingClient& upper,
                                         const std::vector<uint8_t>& data,
                                         uint64_t id)
    {
        auto nbl = NetBufferList::CreateSend(data, id);
        upper.posted.push_back(nbl);
        return nbl;
    }

    ChimneyStatus Disconnect(RecordingClient& upper,
                             OffloadHandle h,
                             const std::vector<uint8_t>& data,
                             uint32_t flags,
                             uint64_t id)
    {
        auto nbl = MakeDisconnectNbl(upper, data, id);
        return upper.Call([&]() { return upper.provider->TcpOffloadDisconnect(h, nbl, flags); });
    }

    Ptr<OffloadBlockList> Terminate(RecordingClient& upper,
                                    OffloadHandle h,
                                    uint16_t localPort,
                                    uint64_t id)
    {
        auto list = Blocks(h, localPort, TcpDelegatedState{}, id);
        EXPECT_EQ(upper.Call([&]() { return upper.provider->TerminateOffload(list); }),
                  ChimneyStatus::PENDING);
        return list;
    }

    void Run(Time stop)
    {
        Simulator::Stop(stop - Simulator::Now());
        Simulator::Run();
    }

    /// The device's request records for an NBL or block list id.
    std::vector<DeviceRecord> DeviceRequestsFor(uint64_t id) const
    {
        std::vector<DeviceRecord> out;
        for (const auto& r : deviceRequests)
        {
            if (r.id == id)
            {
                out.push_back(r);
            }
        }
        return out;
    }

    /// The device's completion record of an operation for an id (time max if none).
    Time DeviceCompletionTime(ChimneyOp op, uint64_t id) const
    {
        for (const auto& r : deviceCompletions)
        {
            if (r.operation == op && r.id == id)
            {
                return r.time;
            }
        }
        return Time::Max();
    }

    /// Checks the A11 bookkeeping of one upper at the end of a test: every NBL it posted came
    /// back exactly once, to it only, with its own handle, and no context left on any NBL.
    void ExpectOwnNblsBackOnce(const RecordingClient& upper, OffloadHandle handle)
    {
        for (const auto& [nbl, count] : upper.CompletionCounts())
        {
            bool posted = false;
            for (const auto& p : upper.posted)
            {
                posted |= PeekPointer(p) == nbl;
            }
            EXPECT_TRUE(posted) << "A11: NBL " << nbl->id
                                << " went to an upper that never posted it";
            EXPECT_EQ(count, 1) << "A2: NBL " << nbl->id << " completed " << count << " times";
            EXPECT_EQ(nbl->ContextDepth(), 0U) << "NBL " << nbl->id << ": a layer context left";
        }
        for (const auto& u : upper.log)
        {
            EXPECT_EQ(u.handle, handle) << u.what << ": the upper's own handle";
            EXPECT_EQ(u.depth, 0U) << u.what << ": context popped before it reached the upper";
        }
        EXPECT_EQ(upper.upcallsInsideCalls, 0U) << "A1";
    }

    std::function<void(PeerApp&)> onPeer; //!< set up each accepted peer
    std::list<Layer> layers;
    std::vector<DeviceRecord> deviceRequests;
    std::vector<DeviceRecord> deviceCompletions;
    std::vector<std::pair<Time, OffloadHandle>> deviceIndications;
};

using Links = testing::Types<P2pLink, CsmaLink>;

TYPED_TEST_SUITE(ChimneyIntermediateDriverTest, Links, LinkNames);

// ---------------------------------------------------------------------------------------------
// (a) Two upper protocols above one layer, both using handle 1
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyIntermediateDriverTest, TwoUppersSameHandleEachGetOnlyTheirOwn_A11)
{
    this->Build();
    Layer& layer = this->AddLayer(this->Device());
    RecordingClient a;
    RecordingClient b;
    a.provider = layer.driver->AddUpperProtocol(&a, "A");
    b.provider = layer.driver->AddUpperProtocol(&b, "B");
    EXPECT_EQ(layer.driver->GetNUpperProtocols(), 2U);
    constexpr OffloadHandle h = 1; // both uppers use handle 1
    const uint16_t portA = kLocalPort;
    const uint16_t portB = kLocalPort + 1;
    // A's peer sends, and closes once it has our FIN (a Disconnect indication for A only, then
    // TIME_WAIT on the target); B's peer sends and stays open.
    auto fromPeerA = Pattern(20000, 11);
    auto fromPeerB = Pattern(15000, 12);
    auto& ca = this->Connect(portA);
    auto& cb = this->Connect(portB);
    Ptr<OffloadBlockList> la;
    Ptr<OffloadBlockList> lb;
    Simulator::Schedule(Seconds(0.5), [&]() {
        la = this->Offload(a, ca, h, portA, 1001);
        lb = this->Offload(b, cb, h, portB, 2001);
    });
    this->Run(Seconds(0.6));

    ASSERT_EQ(a.Of("Offload").size(), 1U);
    ASSERT_EQ(b.Of("Offload").size(), 1U);
    EXPECT_EQ(a.Of("Offload")[0].blocks, la) << "A11: A's own list back";
    EXPECT_EQ(b.Of("Offload")[0].blocks, lb) << "A11: B's own list back";
    EXPECT_EQ(la->status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(lb->status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(la->neighbors[0].paths[0].connections[0].handle, h) << "handle restored";
    EXPECT_EQ(lb->neighbors[0].paths[0].connections[0].handle, h) << "handle restored";
    const OffloadHandle lowerA = layer.driver->GetLowerHandle(a.provider, h);
    const OffloadHandle lowerB = layer.driver->GetLowerHandle(b.provider, h);
    EXPECT_NE(lowerA, INVALID_OFFLOAD_HANDLE);
    EXPECT_NE(lowerB, INVALID_OFFLOAD_HANDLE);
    EXPECT_NE(lowerA, lowerB) << "the target sees two handles";
    EXPECT_EQ(layer.driver->GetMappedHandleCount(), 2U);
    EXPECT_EQ(layer.driver->GetPendingBlockListCount(), 0U);
    EXPECT_EQ(this->target->GetOffloadedConnectionCount(), 2U);
    PeerApp* peerA = this->PeerFor(portA);
    PeerApp* peerB = this->PeerFor(portB);
    ASSERT_NE(peerA, nullptr);
    ASSERT_NE(peerB, nullptr);

    // Requests: chains, singles, receives, disconnects with different flags.
    auto a1 = Pattern(10000, 1);
    auto a2 = Pattern(5000, 2);
    auto a3 = Pattern(3000, 3);
    auto a4 = Pattern(1000, 4);
    auto b1 = Pattern(8000, 5);
    this->KeepReceiving(a, h, 160);
    this->KeepReceiving(b, h, 260);
    EXPECT_EQ(this->PostReceive(a, h, {{3000, 150}, {3000, 151}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->PostReceive(b, h, {{3000, 250}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(a, h, {{a1, 101}, {a2, 102}}), ChimneyStatus::PENDING) << "a chain";
    EXPECT_EQ(this->Send(b, h, {{b1, 201}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(a, h, {{a3, 103}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Disconnect(a, h, a4, TCP_DISCONNECT_GRACEFUL_CLOSE, 104),
              ChimneyStatus::PENDING);
    peerA->onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    peerA->SendAll(fromPeerA, false);
    peerB->SendAll(fromPeerB, false);
    // B aborts once its data is through (its send completes first: A5 does not abort it).
    Simulator::Schedule(Seconds(3), [&]() {
        EXPECT_EQ(this->Disconnect(b, h, {}, TCP_DISCONNECT_ABORTIVE_CLOSE, 202),
                  ChimneyStatus::PENDING);
    });
    this->Run(Seconds(6));

    // Data went to and came from the right connections.
    EXPECT_EQ(peerA->received, Cat({a1, a2, a3, a4}));
    EXPECT_TRUE(peerA->normalClose) << "A's FIN";
    EXPECT_EQ(peerB->received, b1);
    // B's RST (ns-3 reports a received RST as a normal close, so check the wire and state).
    EXPECT_EQ(peerB->state, TcpSocket::CLOSED);
    size_t rsts = 0;
    for (const auto& e : this->wire)
    {
        if (e.tcp.Has(TcpSegment::RST))
        {
            ++rsts;
            EXPECT_TRUE(e.fromTarget && e.tcp.srcPort == portB) << "the only RST: B's abort";
        }
    }
    EXPECT_EQ(rsts, 1U);
    EXPECT_EQ(a.received, fromPeerA);
    EXPECT_EQ(b.received, fromPeerB);

    // Completions: each upper only its own, in order, with success.
    auto sendsA = a.Of("Send");
    ASSERT_EQ(sendsA.size(), 3U);
    EXPECT_EQ(sendsA[0].nbl->id, 101U);
    EXPECT_EQ(sendsA[1].nbl->id, 102U);
    EXPECT_EQ(sendsA[2].nbl->id, 103U);
    for (const auto& s : sendsA)
    {
        EXPECT_EQ(s.status, ChimneyStatus::SUCCESS);
    }
    ASSERT_EQ(a.Of("Disconnect").size(), 1U);
    EXPECT_EQ(a.Of("Disconnect")[0].nbl->id, 104U);
    EXPECT_EQ(a.Of("Disconnect")[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(a.Of("Disconnect")[0].bytes, a4.size());
    ASSERT_EQ(b.Of("Send").size(), 1U);
    EXPECT_EQ(b.Of("Send")[0].nbl->id, 201U);
    EXPECT_EQ(b.Of("Send")[0].status, ChimneyStatus::SUCCESS);
    ASSERT_EQ(b.Of("Disconnect").size(), 1U);
    EXPECT_EQ(b.Of("Disconnect")[0].nbl->id, 202U);
    EXPECT_EQ(b.Of("Disconnect")[0].status, ChimneyStatus::SUCCESS);

    // Indications: routed by handle to the owner, with the owner's handle.
    EXPECT_EQ(a.CountEvents(ChimneyEvent::DISCONNECT), 1U);
    EXPECT_EQ(a.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::UPLOAD_REQUESTED), 1U)
        << "TIME_WAIT on A's connection";
    EXPECT_EQ(b.Of("Event").size(), 0U) << "nothing happened to B's connection";
    for (const auto& [t, handle] : this->deviceIndications)
    {
        EXPECT_EQ(handle, lowerA) << "the device indicated on lower handles";
    }

    // The target saw the same NBLs (ids), the lower handles and the flags unchanged.
    const std::map<uint64_t, std::pair<OffloadHandle, uint32_t>> expected{
        {101, {lowerA, 0}},
        {103, {lowerA, 0}},
        {104, {lowerA, TCP_DISCONNECT_GRACEFUL_CLOSE}},
        {150, {lowerA, 0}},
        {201, {lowerB, 0}},
        {202, {lowerB, TCP_DISCONNECT_ABORTIVE_CLOSE}},
        {250, {lowerB, 0}}};
    for (const auto& [id, hf] : expected)
    {
        auto seen = this->DeviceRequestsFor(id);
        ASSERT_EQ(seen.size(), 1U) << "NBL " << id << " reached the target once";
        EXPECT_EQ(seen[0].handle, hf.first) << "NBL " << id;
        EXPECT_EQ(seen[0].flags, hf.second) << "NBL " << id << ": flags unchanged";
        EXPECT_EQ(seen[0].status, ChimneyStatus::PENDING);
    }
    // The layer's own Request trace: upper names, upper handles, the same flags.
    size_t layerDisconnects = 0;
    for (const auto& r : layer.requests)
    {
        if (r.operation == ChimneyOp::DISCONNECT)
        {
            ++layerDisconnects;
            EXPECT_EQ(r.upper, r.id == 104 ? "A" : "B");
            EXPECT_EQ(r.flags,
                      r.id == 104 ? TCP_DISCONNECT_GRACEFUL_CLOSE : TCP_DISCONNECT_ABORTIVE_CLOSE);
        }
        if (r.operation != ChimneyOp::INITIATE_OFFLOAD &&
            r.operation != ChimneyOp::TERMINATE_OFFLOAD)
        {
            EXPECT_EQ(r.handle, h);
            EXPECT_EQ(r.upper, r.id < 200 ? "A" : "B") << r.operation << " " << r.id;
        }
    }
    EXPECT_EQ(layerDisconnects, 2U);

    // Both terminate their handle 1; each gets its own list back; the mappings are gone.
    a.onReceiveComplete = nullptr;
    b.onReceiveComplete = nullptr;
    auto ta = this->Terminate(a, h, portA, 1002);
    auto tb = this->Terminate(b, h, portB, 2002);
    this->Run(Seconds(7));
    ASSERT_EQ(a.Of("Terminate").size(), 1U);
    ASSERT_EQ(b.Of("Terminate").size(), 1U);
    EXPECT_EQ(a.Of("Terminate")[0].blocks, ta);
    EXPECT_EQ(b.Of("Terminate")[0].blocks, tb);
    EXPECT_EQ(ta->neighbors[0].paths[0].connections[0].handle, h);
    EXPECT_EQ(tb->neighbors[0].paths[0].connections[0].handle, h);
    EXPECT_EQ(ta->neighbors[0].paths[0].connections[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(tb->neighbors[0].paths[0].connections[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(layer.driver->GetMappedHandleCount(), 0U);
    EXPECT_EQ(layer.driver->GetPendingBlockListCount(), 0U);
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    EXPECT_EQ(a.log.back().what, "Terminate") << "A10";
    EXPECT_EQ(b.log.back().what, "Terminate") << "A10";
    this->ExpectOwnNblsBackOnce(a, h);
    this->ExpectOwnNblsBackOnce(b, h);
    EXPECT_TRUE(this->findings.empty());
}

// ---------------------------------------------------------------------------------------------
// (b) Two stacked layers: the whole lifecycle end to end
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyIntermediateDriverTest, TwoStackedLayersFullLifecycle_E1_A11)
{
    this->Build();
    Layer& low = this->AddLayer(this->Device());
    Layer& high = this->AddLayer(low.driver->AddUpperProtocol(nullptr, "high"));
    RecordingClient host;
    host.provider = high.driver->AddUpperProtocol(&host, "host");
    constexpr OffloadHandle h = 42; // the host's handle; each layer maps it to its own
    this->onPeer = [](PeerApp& p) { p.onNormalClose = [](PeerApp& q) { q.socket->Close(); }; };
    auto& c = this->Connect(kLocalPort);
    Ptr<OffloadBlockList> offload;
    Simulator::Schedule(Seconds(0.5),
                        [&]() { offload = this->Offload(host, c, h, kLocalPort, 1); });
    this->Run(Seconds(0.6));
    ASSERT_EQ(host.Of("Offload").size(), 1U);
    ASSERT_EQ(offload->status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(offload->neighbors[0].paths[0].connections[0].handle, h);
    const OffloadHandle midHandle = high.driver->GetLowerHandle(host.provider, h);
    ASSERT_NE(midHandle, INVALID_OFFLOAD_HANDLE);
    EXPECT_EQ(low.driver->GetMappedHandleCount(), 1U);
    EXPECT_EQ(high.driver->GetMappedHandleCount(), 1U);
    PeerApp* peer = this->PeerFor(kLocalPort);
    ASSERT_NE(peer, nullptr);
    const auto deviceOffload = this->DeviceRequestsFor(1);
    ASSERT_EQ(deviceOffload.size(), 1U);
    EXPECT_EQ(deviceOffload[0].operation, ChimneyOp::INITIATE_OFFLOAD);

    // Sends (a chain among them), then graceful disconnect with data; receive half kept open.
    std::vector<std::vector<uint8_t>> parts;
    for (uint8_t i = 0; i < 5; ++i)
    {
        parts.push_back(Pattern(3000 + 7000 * i, i));
    }
    auto disconnectData = Pattern(2500, 9);
    this->KeepReceiving(host, h, 31);
    EXPECT_EQ(this->PostReceive(host, h, {{4096, 30}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(host, h, {{parts[0], 10}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(host, h, {{parts[1], 11}, {parts[2], 12}, {parts[3], 13}}),
              ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(host, h, {{parts[4], 14}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Disconnect(host, h, disconnectData, TCP_DISCONNECT_GRACEFUL_CLOSE, 20),
              ChimneyStatus::PENDING);
    // The target enters TIME_WAIT after both FINs and asks for the upload: the host terminates.
    Ptr<OffloadBlockList> terminate;
    host.onEvent = [&](OffloadHandle handle, ChimneyEvent e, ChimneyUploadReason r) {
        if (e == ChimneyEvent::RETRIEVE && r == ChimneyUploadReason::UPLOAD_REQUESTED)
        {
            Simulator::ScheduleNow([&, handle]() {
                host.onReceiveComplete = nullptr;
                terminate = this->Terminate(host, handle, kLocalPort, 2);
            });
        }
    };
    this->Run(Seconds(20));

    // End to end: every byte, in order, then FIN (E1, W2).
    const auto all = Cat({parts[0], parts[1], parts[2], parts[3], parts[4], disconnectData});
    EXPECT_EQ(peer->received, all);
    EXPECT_TRUE(peer->normalClose) << "the peer got our FIN";
    EXPECT_EQ(this->FinSeqs(true), std::set<uint32_t>{kIss + 1 + uint32_t(all.size())})
        << "W2: the FIN right after the last posted byte";

    // Through both layers: the host saw its own handle, its NBLs, in order, all successful.
    auto sends = host.Of("Send");
    ASSERT_EQ(sends.size(), 5U);
    for (size_t i = 0; i < sends.size(); ++i)
    {
        EXPECT_EQ(sends[i].nbl->id, 10U + i) << "A4";
        EXPECT_EQ(sends[i].status, ChimneyStatus::SUCCESS);
        EXPECT_EQ(sends[i].bytes, parts[i].size());
    }
    ASSERT_EQ(host.Of("Disconnect").size(), 1U);
    EXPECT_EQ(host.Of("Disconnect")[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(host.Of("Disconnect")[0].bytes, disconnectData.size()) << "A3";
    EXPECT_EQ(host.CountEvents(ChimneyEvent::DISCONNECT), 1U) << "the peer's FIN";
    EXPECT_EQ(host.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::UPLOAD_REQUESTED), 1U);
    ASSERT_TRUE(terminate);
    ASSERT_EQ(host.Of("Terminate").size(), 1U);
    EXPECT_EQ(host.Of("Terminate")[0].blocks, terminate);
    const TcpOffloadBlock& tcp = terminate->neighbors[0].paths[0].connections[0];
    EXPECT_EQ(tcp.handle, h) << "the host's handle restored through both layers";
    EXPECT_EQ(tcp.status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(tcp.sendDataHead, nullptr) << "everything was acknowledged";
    EXPECT_EQ(tcp.delegated.state, TcpState::TimeWait);
    EXPECT_EQ(host.log.back().what, "Terminate") << "A10";
    this->ExpectOwnNblsBackOnce(host, h);

    // The target saw each request once, on the low layer's handle, with unchanged flags.
    const OffloadHandle deviceHandle = this->DeviceRequestsFor(10)[0].handle;
    EXPECT_NE(deviceHandle, INVALID_OFFLOAD_HANDLE);
    for (uint64_t id : {10, 11, 14, 20, 30})
    {
        auto seen = this->DeviceRequestsFor(id);
        ASSERT_EQ(seen.size(), 1U) << id;
        EXPECT_EQ(seen[0].handle, deviceHandle);
        EXPECT_EQ(seen[0].flags, id == 20 ? TCP_DISCONNECT_GRACEFUL_CLOSE : 0U);
        EXPECT_EQ(seen[0].status, ChimneyStatus::PENDING);
    }
    EXPECT_TRUE(this->DeviceRequestsFor(12).empty()) << "a chain is one request (head id)";
    // Both layers traced the request from the host / from the high layer, and the completions.
    for (Layer* l : {&low, &high})
    {
        size_t disc = 0;
        for (const auto& r : l->requests)
        {
            EXPECT_EQ(r.upper, l == &low ? "high" : "host");
            EXPECT_EQ(r.status, ChimneyStatus::PENDING);
            disc += r.operation == ChimneyOp::DISCONNECT ? 1 : 0;
            if (r.operation == ChimneyOp::DISCONNECT)
            {
                EXPECT_EQ(r.flags, TCP_DISCONNECT_GRACEFUL_CLOSE);
            }
        }
        EXPECT_EQ(disc, 1U);
        size_t sendCompletions = 0;
        for (const auto& r : l->completions)
        {
            sendCompletions += r.operation == ChimneyOp::SEND ? 1 : 0;
        }
        EXPECT_EQ(sendCompletions, 5U);
        EXPECT_EQ(l->driver->GetMappedHandleCount(), 0U);
        EXPECT_EQ(l->driver->GetPendingBlockListCount(), 0U);
    }
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    EXPECT_TRUE(this->findings.empty());
}

// ---------------------------------------------------------------------------------------------
// (b') Terminate mid-transfer through two layers: the returned send chain
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyIntermediateDriverTest, TerminateReturnsSendChainWithoutLayerContexts_A9_E1)
{
    this->Build();
    Layer& low = this->AddLayer(this->Device());
    Layer& high = this->AddLayer(low.driver->AddUpperProtocol(nullptr, "high"));
    RecordingClient host;
    host.provider = high.driver->AddUpperProtocol(&host, "host");
    constexpr OffloadHandle h = 3;
    this->onPeer = [](PeerApp& p) { p.onNormalClose = [](PeerApp& q) { q.socket->Close(); }; };
    ASSERT_NO_FATAL_FAILURE(this->EstablishOffloaded(host, h));
    PeerApp* peer = this->PeerFor(kLocalPort);
    ASSERT_NE(peer, nullptr);
    std::vector<uint8_t> all;
    const uint64_t count = 30;
    for (uint64_t i = 1; i <= count; ++i)
    {
        auto d = Pattern(20000, static_cast<uint8_t>(i));
        all.insert(all.end(), d.begin(), d.end());
        EXPECT_EQ(this->Send(host, h, {{d, i}}), ChimneyStatus::PENDING);
    }
    Ptr<OffloadBlockList> list;
    Simulator::Schedule(MilliSeconds(300),
                        [&]() { list = this->Terminate(host, h, kLocalPort, 2); });
    this->Run(Seconds(1.5));

    ASSERT_TRUE(list);
    ASSERT_EQ(host.Of("Terminate").size(), 1U);
    const TcpOffloadBlock& tcp = list->neighbors[0].paths[0].connections[0];
    EXPECT_EQ(tcp.handle, h);
    ASSERT_EQ(tcp.status, ChimneyStatus::SUCCESS);
    auto completed = host.Of("Send");
    std::vector<Ptr<NetBufferList>> chain;
    for (Ptr<NetBufferList> n = tcp.sendDataHead; n; n = n->next)
    {
        chain.push_back(n);
        EXPECT_EQ(n->ContextDepth(), 0U) << "both layers freed their context on NBL " << n->id;
    }
    ASSERT_FALSE(chain.empty()) << "terminated mid-transfer: send data remains";
    EXPECT_GT(completed.size(), 0U);
    ASSERT_EQ(completed.size() + chain.size(), count);
    for (size_t i = 0; i < chain.size(); ++i)
    {
        EXPECT_EQ(chain[i], host.posted[completed.size() + i]) << "A9: original NBLs, in order";
    }
    EXPECT_EQ(host.Of("Terminate")[0].depth, 0U);
    size_t returned = 0;
    for (Layer* l : {&low, &high})
    {
        for (const auto& r : l->completions)
        {
            returned += r.operation == ChimneyOp::SEND_RETURNED ? 1 : 0;
        }
        EXPECT_EQ(l->driver->GetMappedHandleCount(), 0U);
        EXPECT_EQ(l->driver->GetPendingBlockListCount(), 0U);
    }
    EXPECT_EQ(returned, 2 * chain.size()) << "traced by both layers";
    this->ExpectOwnNblsBackOnce(host, h);

    // The host finishes in software from the returned state: E1.
    auto& resumed = this->adapter->Adopt(this->Local(),
                                         kLocalPort,
                                         this->Remote(),
                                         kPort,
                                         this->config,
                                         tcp.delegated);
    this->adapter->ShutdownSend(resumed);
    this->Run(Seconds(30));
    EXPECT_EQ(peer->received, all);
    EXPECT_TRUE(peer->normalClose);
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
}

// ---------------------------------------------------------------------------------------------
// (c) Refusals pass the lower layer's status back and change nothing
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyIntermediateDriverTest, RefusalReturnsLowerStatusAndChangesNothing_H1_H3_H7)
{
    this->Build();
    Layer& layer = this->AddLayer(this->Device());
    RecordingClient a;
    RecordingClient b;
    a.provider = layer.driver->AddUpperProtocol(&a, "A");
    b.provider = layer.driver->AddUpperProtocol(&b, "B");
    constexpr OffloadHandle h = 1;
    ASSERT_NO_FATAL_FAILURE(this->EstablishOffloaded(a, h));
    const OffloadHandle lowerA = layer.driver->GetLowerHandle(a.provider, h);
    ASSERT_NE(lowerA, INVALID_OFFLOAD_HANDLE);

    /// Expects a refusal: the device's status and finding, back unchanged through the layer.
    auto expectRefused = [&](ChimneyStatus expected, const std::string& rule, auto call) {
        const size_t findings = this->findings.size();
        const size_t requests = this->deviceRequests.size();
        const ChimneyStatus got = call();
        EXPECT_EQ(got, expected) << rule;
        ASSERT_EQ(this->findings.size(), findings + 1) << rule;
        EXPECT_EQ(this->findings.back(), rule);
        ASSERT_EQ(this->deviceRequests.size(), requests + 1) << rule;
        EXPECT_EQ(this->deviceRequests.back().status, got) << rule << ": the lower's status";
        EXPECT_EQ(layer.requests.back().status, got) << rule << ": traced by the layer";
        EXPECT_EQ(layer.driver->GetMappedHandleCount(), 1U) << rule << ": no mapping change";
        EXPECT_EQ(layer.driver->GetLowerHandle(a.provider, h), lowerA) << rule;
        EXPECT_EQ(layer.driver->GetPendingBlockListCount(), 0U) << rule;
    };

    // H3: bad flags, passed down unchanged; the NBL comes back without context.
    for (uint32_t flags : {0U, 3U, 4U})
    {
        auto nbl = NetBufferList::CreateSend({}, 300 + flags);
        expectRefused(ChimneyStatus::INVALID_PARAMETER, "H3", [&]() {
            return a.Call([&]() { return a.provider->TcpOffloadDisconnect(h, nbl, flags); });
        });
        EXPECT_EQ(nbl->ContextDepth(), 0U);
        EXPECT_EQ(this->deviceRequests.back().flags, flags) << "flags unchanged";
        EXPECT_EQ(this->deviceRequests.back().handle, lowerA);
        EXPECT_EQ(layer.requests.back().flags, flags);
    }
    // H1: B does not own handle 1 (A does): it goes down as the invalid handle.
    auto chain = NetBufferList::CreateSend({1, 2, 3}, 310);
    chain->next = NetBufferList::CreateSend({4}, 311);
    expectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return b.Call([&]() { return b.provider->TcpOffloadSend(h, chain); });
    });
    EXPECT_EQ(this->deviceRequests.back().handle, INVALID_OFFLOAD_HANDLE);
    EXPECT_EQ(chain->ContextDepth(), 0U);
    EXPECT_EQ(chain->next->ContextDepth(), 0U);
    auto receive = NetBufferList::CreateReceive(100, 312);
    expectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return b.Call([&]() { return b.provider->TcpOffloadReceive(h, receive); });
    });
    EXPECT_EQ(receive->ContextDepth(), 0U);
    auto foreign = this->Blocks(h, kLocalPort, TcpDelegatedState{}, 313);
    expectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return b.Call([&]() { return b.provider->TerminateOffload(foreign); });
    });
    EXPECT_EQ(foreign->neighbors[0].paths[0].connections[0].handle, h) << "handle restored";
    // H1: the invalid handle itself, in an offload.
    TcpDelegatedState established;
    established.state = TcpState::Established;
    auto zero = this->Blocks(INVALID_OFFLOAD_HANDLE, kLocalPort + 7, established, 314);
    expectRefused(ChimneyStatus::INVALID_PARAMETER, "H1", [&]() {
        return b.Call([&]() { return b.provider->InitiateOffload(zero); });
    });
    // H7: A offloads its handle 1 again (goes down as its existing lower handle).
    auto again = this->Blocks(h, kLocalPort + 5, established, 315);
    expectRefused(ChimneyStatus::INVALID_STATE, "H7", [&]() {
        return a.Call([&]() { return a.provider->InitiateOffload(again); });
    });
    EXPECT_EQ(this->deviceRequests.back().handle, lowerA) << "the target saw the duplicate";
    EXPECT_EQ(again->neighbors[0].paths[0].connections[0].handle, h) << "handle restored";
    // H7: B offloads in a forbidden state: the new mapping is undone.
    TcpDelegatedState closed;
    closed.state = TcpState::Closed;
    auto forbidden = this->Blocks(5, kLocalPort + 6, closed, 316);
    expectRefused(ChimneyStatus::INVALID_STATE, "H7", [&]() {
        return b.Call([&]() { return b.provider->InitiateOffload(forbidden); });
    });
    EXPECT_EQ(layer.driver->GetLowerHandle(b.provider, 5), INVALID_OFFLOAD_HANDLE);
    EXPECT_EQ(forbidden->neighbors[0].paths[0].connections[0].handle, 5U);

    // Nothing changed: A's connection still carries data; refused requests never complete.
    PeerApp* peer = this->PeerFor(kLocalPort);
    ASSERT_NE(peer, nullptr);
    auto data = Pattern(5000, 1);
    EXPECT_EQ(this->Send(a, h, {{data, 320}}), ChimneyStatus::PENDING);
    this->Run(Seconds(3));
    EXPECT_EQ(peer->received, data);
    ASSERT_EQ(a.log.size(), 2U) << "the offload and the one accepted send only";
    EXPECT_EQ(a.log[1].what, "Send");
    EXPECT_EQ(a.log[1].nbl->id, 320U);
    EXPECT_EQ(a.log[1].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(a.log[1].depth, 0U);
    EXPECT_TRUE(b.log.empty()) << "a refusal has no completion";
    EXPECT_EQ(a.upcallsInsideCalls + b.upcallsInsideCalls, 0U) << "A1";
    for (const auto& r : layer.completions)
    {
        EXPECT_TRUE(r.upper == "A" && (r.id == 1 || r.id == 320)) << r.operation << " " << r.id;
    }
}

// ---------------------------------------------------------------------------------------------
// (d) LayerLatency
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyIntermediateDriverTest, LayerLatencyDelaysRequestsAndCompletions)
{
    const Time latency = MilliSeconds(3);
    this->Build();
    Layer& layer = this->AddLayer(this->Device(), latency);
    RecordingClient host;
    host.provider = layer.driver->AddUpperProtocol(&host, "host");
    constexpr OffloadHandle h = 7;
    this->onPeer = [](PeerApp& p) { p.onNormalClose = [](PeerApp& q) { q.socket->Close(); }; };
    ASSERT_NO_FATAL_FAILURE(this->EstablishOffloaded(host, h));
    ASSERT_EQ(this->DeviceRequestsFor(1).size(), 1U);
    EXPECT_EQ(this->DeviceRequestsFor(1)[0].time, Seconds(0.5) + latency) << "request delayed";
    EXPECT_EQ(host.Of("Offload")[0].time,
              this->DeviceCompletionTime(ChimneyOp::INITIATE_OFFLOAD, 1) + latency)
        << "completion delayed";
    PeerApp* peer = this->PeerFor(kLocalPort);
    ASSERT_NE(peer, nullptr);

    // A refusal the layer learns of later comes back as a completion with the lower's status.
    const Time t0 = Simulator::Now();
    auto bad = this->MakeDisconnectNbl(host, {}, 40);
    EXPECT_EQ(host.Call([&]() { return host.provider->TcpOffloadDisconnect(h, bad, 3); }),
              ChimneyStatus::PENDING)
        << "delayed: the lower's answer is not known yet";
    auto data = Pattern(20000, 1);
    auto last = Pattern(1500, 2);
    EXPECT_EQ(this->Send(host, h, {{data, 41}}), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Disconnect(host, h, last, TCP_DISCONNECT_GRACEFUL_CLOSE, 42),
              ChimneyStatus::PENDING);
    host.onEvent = [&](OffloadHandle handle, ChimneyEvent e, ChimneyUploadReason r) {
        if (e == ChimneyEvent::RETRIEVE && r == ChimneyUploadReason::UPLOAD_REQUESTED)
        {
            Simulator::ScheduleNow([&, handle]() { this->Terminate(host, handle, kLocalPort, 2); });
        }
    };
    this->Run(Seconds(20));

    EXPECT_EQ(peer->received, Cat({data, last}));
    EXPECT_TRUE(peer->normalClose) << "all data, then FIN";
    // Each request reached the target one latency after the call.
    for (uint64_t id : {40, 41, 42})
    {
        auto seen = this->DeviceRequestsFor(id);
        ASSERT_EQ(seen.size(), 1U) << id;
        EXPECT_EQ(seen[0].time, t0 + latency) << id;
        EXPECT_EQ(seen[0].flags, id == 40 ? 3U : id == 42 ? TCP_DISCONNECT_GRACEFUL_CLOSE : 0U);
    }
    EXPECT_EQ(this->findings, std::vector<std::string>{"H3"});
    auto disconnects = host.Of("Disconnect");
    ASSERT_EQ(disconnects.size(), 2U);
    EXPECT_EQ(disconnects[0].nbl, bad);
    EXPECT_EQ(disconnects[0].status, ChimneyStatus::INVALID_PARAMETER) << "the lower's refusal";
    EXPECT_EQ(disconnects[0].time, t0 + latency + latency) << "down, then back up";
    EXPECT_EQ(disconnects[1].nbl->id, 42U);
    EXPECT_EQ(disconnects[1].status, ChimneyStatus::SUCCESS);
    // Each completion and indication reached the host one latency after the target's.
    auto sends = host.Of("Send");
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(sends[0].time, this->DeviceCompletionTime(ChimneyOp::SEND, 41) + latency);
    EXPECT_EQ(disconnects[1].time, this->DeviceCompletionTime(ChimneyOp::DISCONNECT, 42) + latency);
    auto events = host.Of("Event");
    ASSERT_EQ(events.size(), this->deviceIndications.size());
    ASSERT_EQ(events.size(), 2U) << "the peer's FIN, then Retrieve on TIME_WAIT";
    for (size_t i = 0; i < events.size(); ++i)
    {
        EXPECT_EQ(events[i].time, this->deviceIndications[i].first + latency);
        EXPECT_EQ(events[i].handle, h);
    }
    ASSERT_EQ(host.Of("Terminate").size(), 1U);
    EXPECT_EQ(host.Of("Terminate")[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(host.Of("Terminate")[0].time,
              this->DeviceCompletionTime(ChimneyOp::TERMINATE_OFFLOAD, 2) + latency);
    EXPECT_EQ(host.log.back().what, "Terminate") << "A10";
    EXPECT_EQ(layer.driver->GetMappedHandleCount(), 0U);
    EXPECT_EQ(layer.driver->GetPendingBlockListCount(), 0U);
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    this->ExpectOwnNblsBackOnce(host, h);
}

} // namespace
