/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyNetDevice through the interface, step by step (the fixture and what it sets up:
// chimney-net-device-test-fixture.h).

#include "chimney-net-device-test-fixture.h"

#include <gtest/gtest.h>
#include <set>

using namespace ns3;
using namespace chimney_device_test;

namespace
{

TYPED_TEST_SUITE(ChimneyDeviceTest, Links, LinkNames);

// ---------------------------------------------------------------------------------------------
// Step 1: pass-through
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyDeviceTest, NonOffloadedTrafficPassesThroughBothWays)
{
    this->Build(false); // ns-3's own TCP on both nodes
    const uint64_t bytes = 200000;
    ApplicationContainer apps;
    for (uint32_t i = 0; i < 2; ++i)
    {
        const uint32_t dst = 1 - i;
        PacketSinkHelper sink("ns3::TcpSocketFactory",
                              InetSocketAddress(Ipv4Address::GetAny(), kPort));
        apps.Add(sink.Install(this->nodes.Get(dst)));
        BulkSendHelper bulk("ns3::TcpSocketFactory",
                            InetSocketAddress(this->ifaces.GetAddress(dst), kPort));
        bulk.SetAttribute("MaxBytes", UintegerValue(bytes));
        apps.Add(bulk.Install(this->nodes.Get(i)));
    }
    apps.Start(Seconds(0.1));
    this->Run(Seconds(30));

    EXPECT_EQ(DynamicCast<PacketSink>(apps.Get(0))->GetTotalRx(), bytes) << "node 0 -> node 1";
    EXPECT_EQ(DynamicCast<PacketSink>(apps.Get(2))->GetTotalRx(), bytes) << "node 1 -> node 0";
    EXPECT_EQ(this->target->GetOffloadedConnectionCount(), 0U);
    EXPECT_EQ(this->target->GetMtu(), this->links.Get(0)->GetMtu());
    EXPECT_EQ(this->target->GetAddress(), this->links.Get(0)->GetAddress());
    EXPECT_EQ(this->target->IsPointToPoint(), this->links.Get(0)->IsPointToPoint());
    EXPECT_EQ(this->target->NeedsArp(), this->links.Get(0)->NeedsArp());
}

// ---------------------------------------------------------------------------------------------
// Step 2: offload, send, receive, graceful disconnect, terminate
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyDeviceTest, OffloadThenSendDeliversDataAndSendsCompleteInOrderAfterAck_A4)
{
    this->Build();
    this->Establish();
    EXPECT_EQ(this->target->GetOffloadedConnectionCount(), 1U);
    const std::vector<size_t> sizes{20000, 1, 0, 30000, 7000};
    std::vector<uint8_t> all;
    for (size_t i = 0; i < sizes.size(); ++i)
    {
        auto d = Pattern(sizes[i], static_cast<uint8_t>(i));
        all.insert(all.end(), d.begin(), d.end());
        EXPECT_EQ(this->Send(d, i + 1), ChimneyStatus::PENDING);
    }
    this->Run(Seconds(10));

    EXPECT_EQ(this->peer.received, all);
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), sizes.size());
    uint32_t end = kIss + 1;
    for (size_t i = 0; i < sends.size(); ++i)
    {
        EXPECT_EQ(sends[i].nbl->id, i + 1) << "A4: posting order";
        EXPECT_EQ(sends[i].status, ChimneyStatus::SUCCESS);
        EXPECT_EQ(sends[i].bytes, sizes[i]);
        end += static_cast<uint32_t>(sizes[i]);
        EXPECT_LT(this->FirstPeerAckCovering(end), sends[i].time)
            << "SUCCESS only after the peer acknowledged all of NBL " << i + 1;
    }
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
    EXPECT_EQ(this->Count(true, TcpSegment::RST) + this->Count(false, TcpSegment::RST), 0U);
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U);
}

TYPED_TEST(ChimneyDeviceTest, InterruptModerationGathersCompletionsAndKeepsTheirOrder_A4)
{
    this->chimneyHelper.SetDeviceAttribute("InterruptModeration", TimeValue(MilliSeconds(10)));
    this->Build();
    this->Establish();
    std::vector<uint8_t> all;
    const size_t n = 8;
    for (size_t i = 0; i < n; ++i)
    {
        auto d = Pattern(3000, static_cast<uint8_t>(i));
        all.insert(all.end(), d.begin(), d.end());
        EXPECT_EQ(this->Send(d, i + 1), ChimneyStatus::PENDING);
    }
    const uint64_t interfaceBefore = ChimneyEventCounts::Get().interface;
    this->Run(Seconds(10));

    EXPECT_EQ(this->peer.received, all);
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), n);
    std::set<Time> instants;
    uint32_t end = kIss + 1;
    for (size_t i = 0; i < n; ++i)
    {
        EXPECT_EQ(sends[i].nbl->id, i + 1) << "A4: posting order";
        EXPECT_EQ(sends[i].status, ChimneyStatus::SUCCESS);
        end += 3000;
        EXPECT_GE(sends[i].time, this->FirstPeerAckCovering(end) + MicroSeconds(1))
            << "never before its ACK and its CompletionLatency";
        instants.insert(sends[i].time);
    }
    EXPECT_LT(instants.size(), n) << "completions gathered into fewer upcall instants";
    EXPECT_LT(ChimneyEventCounts::Get().interface - interfaceBefore, n)
        << "one scheduler event per gathered instant";
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

TYPED_TEST(ChimneyDeviceTest, ReceivesCompletedTogetherGoUpAsOneChainInPostingOrder_A4)
{
    // The peer's FIN completes the receives still posted at one instant: one call, one chain,
    // as NdisTcpOffloadReceiveComplete takes them.
    this->Build();
    this->Establish();
    for (uint64_t id = 1; id <= 4; ++id)
    {
        EXPECT_EQ(this->PostReceive(1000, id), ChimneyStatus::PENDING);
    }
    Simulator::Schedule(MilliSeconds(100), [this]() { this->peer.SendAll(Pattern(100, 3), true); });
    this->Run(Seconds(1));

    auto receives = this->client.Of("Receive");
    ASSERT_EQ(receives.size(), 4U);
    for (size_t i = 0; i < receives.size(); ++i)
    {
        EXPECT_EQ(receives[i].nbl->id, i + 1) << "posting order";
        EXPECT_EQ(receives[i].bytes, i == 0 ? 100U : 0U);
    }
    size_t nbls = 0;
    for (size_t length : this->client.receiveChains)
    {
        nbls += length;
    }
    EXPECT_EQ(nbls, 4U) << "each NBL exactly once";
    EXPECT_LT(this->client.receiveChains.size(), 4U) << "the end-of-stream ones in one chain";
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

TYPED_TEST(ChimneyDeviceTest, GracefulDisconnectSendsDataThenFinAndCompletesAfterFinAcked_W2_A3)
{
    this->Build();
    this->Establish();
    auto a = Pattern(10000, 1);
    auto b = Pattern(5000, 2);
    auto d = Pattern(3000, 3);
    EXPECT_EQ(this->Send(a, 1), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(b, 2), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Disconnect(d, TCP_DISCONNECT_GRACEFUL_CLOSE, 3), ChimneyStatus::PENDING);
    this->Run(Seconds(10));

    std::vector<uint8_t> all = a;
    all.insert(all.end(), b.begin(), b.end());
    all.insert(all.end(), d.begin(), d.end());
    EXPECT_EQ(this->peer.received, all) << "E1";
    const uint32_t finSeq = kIss + 1 + 18000;
    EXPECT_EQ(this->FinSeqs(true), std::set<uint32_t>{finSeq}) << "W2, W3";
    for (const auto& e : this->wire)
    {
        if (e.fromTarget && !e.tcp.payload.empty())
        {
            EXPECT_TRUE(SeqLeq(e.tcp.seq + uint32_t(e.tcp.payload.size()), finSeq)) << "W1";
        }
    }
    // The FIN went out before all data was acknowledged (no waiting for ACKs).
    Time firstFin = Time::Max();
    for (const auto& e : this->wire)
    {
        if (e.fromTarget && e.tcp.Has(TcpSegment::FIN))
        {
            firstFin = std::min(firstFin, e.time);
        }
    }
    EXPECT_LT(firstFin, this->FirstPeerAckCovering(finSeq));

    auto log = this->client.log;
    const size_t disc =
        this->client.IndexOf([](const Upcall& u) { return u.what == "Disconnect"; });
    ASSERT_LT(disc, log.size());
    EXPECT_EQ(log[disc].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(log[disc].bytes, 3000U) << "A3: bytes sent and acknowledged";
    EXPECT_LT(this->FirstPeerAckCovering(finSeq + 1), log[disc].time)
        << "A3: SUCCESS only after the FIN is acknowledged";
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), 2U);
    for (const auto& s : sends)
    {
        EXPECT_EQ(s.status, ChimneyStatus::SUCCESS);
        EXPECT_LE(s.time, log[disc].time) << "A4: sends complete before the disconnect";
    }
    EXPECT_LT(this->client.IndexOf([](const Upcall& u) { return u.what == "Send"; }), disc);
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U) << "R1: held after FIN";
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

/// ConnectionState sink: "before -> after" into the vector.
void
RecordState(std::vector<std::string>* out, OffloadHandle, std::string before, std::string after)
{
    out->push_back(before + " -> " + after);
}

// The offloaded connection's lifecycle as explicit states (ChimneyOffloadConnection): each
// change reported once, in order, through the ConnectionState trace source.
TYPED_TEST(ChimneyDeviceTest, ConnectionStateTracesAGracefulLifecycle)
{
    this->Build();
    std::vector<std::string> states;
    this->target->TraceConnectWithoutContext("ConnectionState",
                                             MakeBoundCallback(&RecordState, &states));
    this->Establish();
    EXPECT_EQ(this->Send(Pattern(5000, 1), 1), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Disconnect(Pattern(700, 2), TCP_DISCONNECT_GRACEFUL_CLOSE, 2),
              ChimneyStatus::PENDING);
    this->Run(Seconds(5));
    this->Terminate();
    this->Run(Seconds(6));
    EXPECT_EQ(states,
              (std::vector<std::string>{"Live/Open -> Live/GracefulPending",
                                        "Live/GracefulPending -> Live/FinIssued",
                                        "Live/FinIssued -> Live/FinAcked",
                                        "Live/FinAcked -> Uploading/FinAcked"}));
}

TYPED_TEST(ChimneyDeviceTest, ConnectionStateTracesAnAbortiveLifecycle)
{
    this->Build();
    std::vector<std::string> states;
    this->target->TraceConnectWithoutContext("ConnectionState",
                                             MakeBoundCallback(&RecordState, &states));
    this->Establish();
    EXPECT_EQ(this->Send(Pattern(5000, 1), 1), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_ABORTIVE_CLOSE, 2), ChimneyStatus::PENDING);
    this->Run(Seconds(5));
    this->Terminate();
    this->Run(Seconds(6));
    EXPECT_EQ(states,
              (std::vector<std::string>{
                  "Live/Open -> Live/Reset",
                  "Live/Reset -> Aborted(AbortiveDisconnect)/Reset",
                  "Aborted(AbortiveDisconnect)/Reset -> Uploading(AbortiveDisconnect)/Reset"}));
}

TYPED_TEST(ChimneyDeviceTest, ReceiveHalfStaysOpenAfterOurFin_W7_A7)
{
    this->Build();
    auto toPeer = Pattern(1000, 4);
    auto fromPeer = Pattern(120000, 5);
    // Our FIN puts ns-3 in CLOSE_WAIT: it keeps sending, then closes.
    this->peer.onNormalClose = [&](PeerApp& p) { p.SendAll(fromPeer, true); };
    this->Establish();
    this->KeepReceiving(3000);
    EXPECT_EQ(this->Disconnect(toPeer, TCP_DISCONNECT_GRACEFUL_CLOSE, 1), ChimneyStatus::PENDING);
    this->Run(Seconds(20));

    EXPECT_EQ(this->peer.received, toPeer);
    EXPECT_EQ(this->client.received, fromPeer) << "W7: data after our FIN was delivered";
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::DISCONNECT), 1U) << "A7: exactly once";
    const size_t ind = this->client.IndexOf(
        [](const Upcall& u) { return u.what == "Event" && u.event == ChimneyEvent::DISCONNECT; });
    for (size_t i = ind; i < this->client.log.size(); ++i)
    {
        const Upcall& u = this->client.log[i];
        EXPECT_FALSE(u.what == "Receive" && u.bytes > 0) << "A7: data after the indication";
    }
    // The peer's data after our FIN was acknowledged on the wire, its FIN too.
    auto ourFin = this->FinSeqs(true);
    ASSERT_EQ(ourFin.size(), 1U);
    auto peerFin = this->FinSeqs(false);
    ASSERT_EQ(peerFin.size(), 1U);
    bool finAcked = false;
    for (const auto& e : this->wire)
    {
        finAcked |= e.fromTarget && e.tcp.Has(TcpSegment::ACK) && e.tcp.ack == *peerFin.begin() + 1;
    }
    EXPECT_TRUE(finAcked);
    EXPECT_EQ(this->client.Of("Disconnect").size(), 1U);
    EXPECT_EQ(this->client.Of("Disconnect")[0].status, ChimneyStatus::SUCCESS);
    // Entering TIME_WAIT the target asks for the upload; nothing is freed on its own.
    EXPECT_EQ(
        this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::UPLOAD_REQUESTED),
        1U);
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U) << "R1: held after remote close";
    EXPECT_EQ(this->Count(true, TcpSegment::RST), 0U) << "W4";

    // A receive posted after the Disconnect indication completes INVALID_STATE.
    this->keepReceiving = false;
    EXPECT_EQ(this->PostReceive(100, 77), ChimneyStatus::PENDING);
    this->Run(Seconds(21));
    auto receives = this->client.Of("Receive");
    ASSERT_FALSE(receives.empty());
    EXPECT_EQ(receives.back().nbl->id, 77U);
    EXPECT_EQ(receives.back().status, ChimneyStatus::INVALID_STATE);

    // Terminate: resources freed exactly when the terminate completes (R2).
    auto list = this->Terminate();
    this->Run(Seconds(22));
    ASSERT_EQ(this->client.Of("Terminate").size(), 1U);
    ASSERT_EQ(this->frees.size(), 1U);
    EXPECT_EQ(this->frees[0].first, this->client.Of("Terminate")[0].time);
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

TYPED_TEST(ChimneyDeviceTest, TerminateMidTransferReturnsSendChainAndSoftwareFinishes_A9_E1)
{
    this->Build();
    this->peer.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    this->Establish();
    std::vector<uint8_t> all;
    const uint64_t count = 30;
    for (uint64_t i = 1; i <= count; ++i)
    {
        auto d = Pattern(20000, static_cast<uint8_t>(i));
        all.insert(all.end(), d.begin(), d.end());
        EXPECT_EQ(this->Send(d, i), ChimneyStatus::PENDING);
    }
    Ptr<OffloadBlockList> list;
    Simulator::Schedule(MilliSeconds(300), [&]() { list = this->Terminate(); });
    EngineL4Adapter::Connection* resumed = nullptr;
    this->client.onTerminateComplete = [&](Ptr<OffloadBlockList> blocks) {
        TcpOffloadBlock& tcp = blocks->neighbors[0].paths[0].connections[0];
        ASSERT_EQ(tcp.status, ChimneyStatus::SUCCESS);
        resumed = &this->adapter->Adopt(this->Local(),
                                        kLocalPort,
                                        this->Remote(),
                                        kPort,
                                        this->config,
                                        tcp.delegated);
        this->adapter->ShutdownSend(*resumed);
    };
    this->Run(Seconds(30));

    ASSERT_TRUE(list);
    ASSERT_NE(resumed, nullptr);
    const TcpOffloadBlock& tcp = list->neighbors[0].paths[0].connections[0];
    const TcpDelegatedState& d = tcp.delegated;
    EXPECT_TRUE(SeqLeq(d.sndUna, d.sndNxt) && SeqLeq(d.sndNxt, d.sndMax)) << "A9";
    // The chain: the original NBLs not completed, in posting order, ending with the last one.
    auto completed = this->client.Of("Send");
    std::vector<Ptr<NetBufferList>> chain;
    for (Ptr<NetBufferList> n = tcp.sendDataHead; n; n = n->next)
    {
        chain.push_back(n);
    }
    ASSERT_FALSE(chain.empty()) << "terminated mid-transfer: send data remains";
    EXPECT_EQ(completed.size() + chain.size(), count) << "each send completed or returned";
    EXPECT_GT(completed.size(), 0U);
    for (size_t i = 0; i < chain.size(); ++i)
    {
        EXPECT_EQ(chain[i], this->sent[completed.size() + i]) << "A9: original NBLs, in order";
    }
    for (const auto& c : completed)
    {
        EXPECT_EQ(c.status, ChimneyStatus::SUCCESS);
    }
    // sendData: every byte from SndUna of the outstanding NBLs.
    std::vector<uint8_t> outstanding = Concat(chain);
    outstanding.erase(outstanding.begin(),
                      outstanding.begin() + static_cast<ptrdiff_t>(chain[0]->bytesTransferred));
    EXPECT_EQ(d.sendData, outstanding);
    EXPECT_EQ(d.sendDataSeq, d.sndUna);
    // E1: the peer received every byte exactly once, then end of stream.
    EXPECT_EQ(this->peer.received, all);
    EXPECT_TRUE(this->peer.normalClose);
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->target->GetOffloadedConnectionCount(), 0U);
    EXPECT_EQ(this->Count(true, TcpSegment::RST) + this->Count(false, TcpSegment::RST), 0U);
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

// ---------------------------------------------------------------------------------------------
// Step 3: abortive, remote RST, ledger, capacity, host misuse
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyDeviceTest, AbortiveDisconnectSendsRstAndAbortsOutstandingSends_W5_W6_W10_A5)
{
    this->Build();
    this->Establish();
    // The peer reads nothing, so our sends stop at its window (128 KiB, ~110 ms at 10 Mb/s) and
    // our queue is empty well before the abort: the peer's data, started just before, gets prompt
    // ACKs and is in flight across the RST (behind a full queue the RST would leave after all of
    // it, as on ns-3 3.48's CSMA).
    this->peer.readData = false;
    Simulator::Schedule(MilliSeconds(190),
                        [&]() { this->peer.SendAll(Pattern(300000, 9), false); });
    EXPECT_EQ(this->Send(Pattern(200000, 1), 1), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(Pattern(1000, 2), 2), ChimneyStatus::PENDING);
    Simulator::Schedule(MilliSeconds(200), [&]() {
        EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_ABORTIVE_CLOSE, 3), ChimneyStatus::PENDING);
    });
    this->Run(Seconds(5));

    ASSERT_EQ(this->Count(true, TcpSegment::RST), 1U);
    Time rstTime;
    uint32_t rstSeq = 0;
    uint32_t rcvNxtAtRst = 0;
    for (const auto& e : this->wire)
    {
        if (e.fromTarget && e.tcp.Has(TcpSegment::RST))
        {
            rstTime = e.time;
            rstSeq = e.tcp.seq;
        }
        else if (e.fromTarget && rstTime.IsZero() && e.tcp.Has(TcpSegment::ACK))
        {
            rcvNxtAtRst = e.tcp.ack;
        }
    }
    EXPECT_EQ(rstSeq, this->TargetSndMax(rstTime)) << "W10: RST seq == SND.NXT";
    size_t peerBytesAfterRst = 0;
    for (const auto& e : this->wire)
    {
        EXPECT_FALSE(e.fromTarget && e.time > rstTime) << "W5/W6: sent after RST";
        if (!e.fromTarget && e.time > rstTime)
        {
            peerBytesAfterRst += e.tcp.payload.size();
        }
    }
    EXPECT_GT(peerBytesAfterRst, 0U) << "the peer's data arrived after the abort";
    EXPECT_GT(rcvNxtAtRst, 0U);
    EXPECT_EQ(this->Count(true, TcpSegment::FIN), 0U);

    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), 2U);
    auto disc = this->client.Of("Disconnect");
    ASSERT_EQ(disc.size(), 1U);
    EXPECT_EQ(disc[0].status, ChimneyStatus::SUCCESS);
    for (const auto& s : sends)
    {
        EXPECT_EQ(s.status, ChimneyStatus::REQUEST_ABORTED);
    }
    const size_t di = this->client.IndexOf([](const Upcall& u) { return u.what == "Disconnect"; });
    const size_t si = this->client.IndexOf([](const Upcall& u) { return u.what == "Send"; });
    EXPECT_LT(si, di) << "A5: sends complete before the disconnect";
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U) << "R1: held after RST";

    // A disconnect after an abortive one is host misuse (H4); the terminate returns no chain.
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H4", [&]() {
        return this->target->TcpOffloadDisconnect(kHandle,
                                                  NetBufferList::CreateSend({}),
                                                  TCP_DISCONNECT_GRACEFUL_CLOSE);
    });
    auto list = this->Terminate();
    this->Run(Seconds(6));
    const TcpOffloadBlock& tcp = list->neighbors[0].paths[0].connections[0];
    EXPECT_EQ(tcp.status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(tcp.sendDataHead, nullptr);
    ASSERT_EQ(this->frees.size(), 1U);
    EXPECT_EQ(this->frees[0].first, this->client.Of("Terminate")[0].time) << "R2";
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

TYPED_TEST(ChimneyDeviceTest, RemoteRstIndicatesAbortAndAbortsOutstandingRequests_A8)
{
    this->Build();
    // The peer leaves data unread and closes: ns-3 answers with RST.
    this->peer.readData = false;
    this->peer.onData = [](PeerApp& p) {
        Simulator::ScheduleNow([&p]() { p.socket->Close(); });
        p.onData = nullptr;
    };
    this->Establish();
    EXPECT_EQ(this->PostReceive(1000, 10), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(Pattern(3000, 1), 1), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Send(Pattern(200000, 2), 2), ChimneyStatus::PENDING);
    this->Run(Seconds(5));

    EXPECT_GE(this->Count(false, TcpSegment::RST), 1U);
    EXPECT_EQ(this->Count(true, TcpSegment::RST), 0U) << "W4";
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::ABORT), 1U);
    const size_t abortAt = this->client.IndexOf(
        [](const Upcall& u) { return u.what == "Event" && u.event == ChimneyEvent::ABORT; });
    auto receives = this->client.Of("Receive");
    ASSERT_EQ(receives.size(), 1U);
    EXPECT_EQ(receives[0].status, ChimneyStatus::REQUEST_ABORTED);
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), 2U);
    EXPECT_EQ(sends[1].status, ChimneyStatus::REQUEST_ABORTED);
    for (size_t i = 0; i < this->client.log.size(); ++i)
    {
        if (this->client.log[i].status == ChimneyStatus::REQUEST_ABORTED)
        {
            EXPECT_GT(i, abortAt) << "A8: the Abort indication comes first";
        }
    }
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U) << "R1: held after remote RST";

    // A6: a disconnect on the aborted connection fails with REQUEST_ABORTED.
    EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_GRACEFUL_CLOSE, 20), ChimneyStatus::PENDING);
    this->Run(Seconds(6));
    ASSERT_EQ(this->client.Of("Disconnect").size(), 1U);
    EXPECT_EQ(this->client.Of("Disconnect")[0].status, ChimneyStatus::REQUEST_ABORTED);

    auto list = this->Terminate();
    this->Run(Seconds(7));
    const TcpOffloadBlock& tcp = list->neighbors[0].paths[0].connections[0];
    EXPECT_EQ(tcp.status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(tcp.delegated.state, TcpState::Closed);
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

TYPED_TEST(ChimneyDeviceTest, ResourcesHeldFromOffloadUntilTerminateCompletes_R1_R2)
{
    this->Build();
    this->peer.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    this->Establish();
    ASSERT_EQ(this->allocations.size(), 1U);
    EXPECT_LE(this->allocations[0].first, this->client.Of("Offload")[0].time);
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U);
    EXPECT_EQ(this->target->GetResourceBytesHeld(), ChimneyNetDevice::GetConnectionStateSize());
    EXPECT_EQ(this->Disconnect(Pattern(500, 1), TCP_DISCONNECT_GRACEFUL_CLOSE, 1),
              ChimneyStatus::PENDING);
    // Both FINs exchanged, TIME_WAIT (2 s) over: the connection is CLOSED on the target.
    this->Run(Seconds(10));
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::DISCONNECT), 1U);
    EXPECT_TRUE(this->frees.empty()) << "R1: nothing freed before the terminate";
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U);
    auto list = this->Terminate();
    this->Run(Seconds(11));
    ASSERT_EQ(this->frees.size(), 1U);
    EXPECT_EQ(this->frees[0].second, kHandle);
    EXPECT_EQ(this->frees[0].first, this->client.Of("Terminate")[0].time) << "R2";
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->target->GetResourceBytesHeld(), 0U);
    // A10: nothing for the connection after its terminate completed.
    EXPECT_EQ(this->client.log.back().what, "Terminate");
    // H1: the handle is gone.
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return this->target->TcpOffloadSend(kHandle, NetBufferList::CreateSend({1}));
    });
}

TYPED_TEST(ChimneyDeviceTest, OffloadBeyondCapacityFailsAndConnectionStaysInSoftware_R5)
{
    this->chimneyHelper.SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(2));
    this->Build();
    this->listener =
        ListenTcp(this->nodes.Get(1),
                  kPort,
                  MakeBoundCallback(&ChimneyDeviceTest<TypeParam>::AcceptMany, &this->peers));
    std::vector<EngineL4Adapter::Connection*> conns;
    for (uint16_t i = 0; i < 3; ++i)
    {
        conns.push_back(&this->Connect(kLocalPort + i));
    }
    std::vector<Ptr<OffloadBlockList>> lists;
    TcpDelegatedState thirdState;
    Simulator::Schedule(Seconds(0.5), [&]() {
        for (uint16_t i = 0; i < 3; ++i)
        {
            if (i == 2)
            {
                thirdState = conns[i]->engine->Export(Simulator::Now().GetNanoSeconds());
                auto list = this->Blocks(kHandle + i, kLocalPort + i, thirdState);
                EXPECT_EQ(this->target->InitiateOffload(list), ChimneyStatus::PENDING);
                lists.push_back(list);
            }
            else
            {
                lists.push_back(this->Offload(*conns[i], kHandle + i, kLocalPort + i));
            }
        }
    });
    this->Run(Seconds(0.6));
    ASSERT_EQ(lists.size(), 3U);
    EXPECT_EQ(lists[0]->neighbors[0].paths[0].connections[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(lists[1]->neighbors[0].paths[0].connections[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(lists[2]->neighbors[0].paths[0].connections[0].status,
              ChimneyStatus::OFFLOAD_TCP_ENTRIES);
    EXPECT_EQ(lists[2]->status, ChimneyStatus::OFFLOAD_TCP_ENTRIES);
    EXPECT_EQ(lists[2]->neighbors[0].paths[0].connections[0].delegated, thirdState)
        << "R5: the connection is untouched";
    EXPECT_EQ(this->target->GetResourcesHeld(), 2U);
    EXPECT_EQ(this->target->GetOffloadedConnectionCount(), 2U);
    // The third connection keeps working in software, through the chimney device.
    auto data = Pattern(50000, 3);
    EXPECT_EQ(this->adapter->Send(*conns[2], data), data.size());
    auto offloadedData = Pattern(20000, 4);
    EXPECT_EQ(this->Send(offloadedData, 1, kHandle), ChimneyStatus::PENDING);
    this->Run(Seconds(10));
    PeerApp* third = this->PeerFor(kLocalPort + 2);
    ASSERT_NE(third, nullptr);
    EXPECT_EQ(third->received, data);
    PeerApp* first = this->PeerFor(kLocalPort);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->received, offloadedData);
}

TYPED_TEST(ChimneyDeviceTest, EveryRequestReturnsPendingAndCompletesOutsideTheCall_A1)
{
    this->chimneyHelper.SetDeviceAttribute("CompletionLatency", TimeValue(MicroSeconds(5)));
    this->Build();
    this->Establish();
    const Time t0 = Simulator::Now();
    EXPECT_EQ(this->PostReceive(0, 1), ChimneyStatus::PENDING) << "zero-length receive";
    EXPECT_EQ(this->Send({}, 2), ChimneyStatus::PENDING) << "zero-length send";
    EXPECT_EQ(this->Send({1, 2, 3}, 3), ChimneyStatus::PENDING);
    EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_GRACEFUL_CLOSE, 4), ChimneyStatus::PENDING);
    EXPECT_TRUE(this->client.log.size() == 1U) << "only the offload completion so far";
    this->Run(Seconds(3));
    const size_t upcallsBefore = this->client.log.size();
    auto t = this->Terminate();
    EXPECT_EQ(this->client.log.size(), upcallsBefore) << "no terminate completion in the call";
    this->Run(Seconds(4));
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U);
    for (const std::string what : {"Receive", "Send", "Disconnect", "Terminate"})
    {
        auto ups = this->client.Of(what);
        ASSERT_FALSE(ups.empty()) << what;
        for (const auto& u : ups)
        {
            EXPECT_GE(u.time, t0 + MicroSeconds(6)) << what << ": request + completion latency";
        }
    }
    auto rcv = this->client.Of("Receive");
    ASSERT_GE(rcv.size(), 1U);
    EXPECT_EQ(rcv[0].nbl->id, 1U);
    EXPECT_EQ(rcv[0].bytes, 0U) << "a zero-length receive completes too";
    auto snd = this->client.Of("Send");
    ASSERT_EQ(snd.size(), 2U);
    EXPECT_EQ(snd[0].nbl->id, 2U);
    EXPECT_EQ(snd[0].status, ChimneyStatus::SUCCESS);
}

TYPED_TEST(ChimneyDeviceTest, HostMisuseIsRefusedWithFindingAndNoChange_H1_to_H7)
{
    this->Build();
    this->Establish();
    auto& t = *this->target;
    // H1: unknown handle; handle 0.
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return t.TcpOffloadSend(99, NetBufferList::CreateSend({1}));
    });
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return t.TcpOffloadReceive(99, NetBufferList::CreateReceive(10));
    });
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return t.TcpOffloadDisconnect(99,
                                      NetBufferList::CreateSend({}),
                                      TCP_DISCONNECT_GRACEFUL_CLOSE);
    });
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H1", [&]() {
        return t.TerminateOffload(this->Blocks(99, 1, TcpDelegatedState{}));
    });
    // H2: not exactly one NET_BUFFER; abortive with data.
    auto two = NetBufferList::CreateSend({1});
    two->buffers.push_back(NetBuffer{{2}});
    this->ExpectRefused(ChimneyStatus::INVALID_PARAMETER, "H2", [&]() {
        return t.TcpOffloadDisconnect(kHandle, two, TCP_DISCONNECT_GRACEFUL_CLOSE);
    });
    auto none = NetBufferList::CreateSend({});
    none->buffers.clear();
    this->ExpectRefused(ChimneyStatus::INVALID_PARAMETER, "H2", [&]() {
        return t.TcpOffloadDisconnect(kHandle, none, TCP_DISCONNECT_GRACEFUL_CLOSE);
    });
    this->ExpectRefused(ChimneyStatus::INVALID_PARAMETER, "H2", [&]() {
        return t.TcpOffloadDisconnect(kHandle,
                                      NetBufferList::CreateSend({1}),
                                      TCP_DISCONNECT_ABORTIVE_CLOSE);
    });
    // H3: flags.
    for (uint32_t flags : {0u, 3u, 4u})
    {
        this->ExpectRefused(ChimneyStatus::INVALID_PARAMETER, "H3", [&]() {
            return t.TcpOffloadDisconnect(kHandle, NetBufferList::CreateSend({}), flags);
        });
    }
    // H7: offload of an offloaded handle / 4-tuple, or in a forbidden state.
    TcpDelegatedState est;
    est.state = TcpState::Established;
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H7", [&]() {
        return t.InitiateOffload(this->Blocks(kHandle, kLocalPort + 5, est));
    });
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H7", [&]() {
        return t.InitiateOffload(this->Blocks(50, kLocalPort, est));
    });
    for (TcpState s : {TcpState::Closed,
                       TcpState::Listen,
                       TcpState::SynSent,
                       TcpState::SynRcvd,
                       TcpState::TimeWait})
    {
        TcpDelegatedState bad;
        bad.state = s;
        this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H7", [&]() {
            return t.InitiateOffload(this->Blocks(51, kLocalPort + 6, bad));
        });
    }
    // Nothing changed: the connection still carries data.
    EXPECT_EQ(t.GetResourcesHeld(), 1U);
    auto data = Pattern(5000, 1);
    EXPECT_EQ(this->Send(data, 1), ChimneyStatus::PENDING);
    // H5 / H4: send after graceful; second graceful; any disconnect after abortive.
    EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_GRACEFUL_CLOSE, 2), ChimneyStatus::PENDING);
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H5", [&]() {
        return t.TcpOffloadSend(kHandle, NetBufferList::CreateSend({1}));
    });
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H4", [&]() {
        return t.TcpOffloadDisconnect(kHandle,
                                      NetBufferList::CreateSend({}),
                                      TCP_DISCONNECT_GRACEFUL_CLOSE);
    });
    EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_ABORTIVE_CLOSE, 3), ChimneyStatus::PENDING);
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H4", [&]() {
        return t.TcpOffloadDisconnect(kHandle,
                                      NetBufferList::CreateSend({}),
                                      TCP_DISCONNECT_ABORTIVE_CLOSE);
    });
    // H6: a second terminate while one is pending.
    auto first = this->Terminate();
    this->ExpectRefused(ChimneyStatus::INVALID_STATE, "H6", [&]() {
        return t.TerminateOffload(this->Blocks(kHandle, kLocalPort, TcpDelegatedState{}));
    });
    this->Run(Seconds(2));
    EXPECT_EQ(this->client.Of("Terminate").size(), 1U);
    EXPECT_EQ(t.GetResourcesHeld(), 0U);
    // Refused requests never complete: only the accepted ones did.
    std::set<uint64_t> discIds;
    for (const auto& u : this->client.Of("Disconnect"))
    {
        discIds.insert(u.nbl->id);
    }
    EXPECT_EQ(discIds, (std::set<uint64_t>{2, 3}));
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

// ---------------------------------------------------------------------------------------------
// SPEC 3.5 / 3.6: SYN on an offloaded connection, delayed ACK at terminate, LowActivity
// (Establish() ends at 0.6 s; the times below are relative to it.)
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyDeviceTest, InOrderSynRequestsUploadInClosedState_Spec3_5_W4)
{
    this->Build();
    this->Establish();
    const size_t hostSyns = this->HostSyns(); // the SYN,ACK of the handshake in software
    EXPECT_EQ(this->PostReceive(1000, 10), ChimneyStatus::PENDING);
    uint32_t rcvNxt = 0;
    Time synAt;
    Simulator::Schedule(MilliSeconds(100), [&]() {
        synAt = Simulator::Now();
        rcvNxt = this->TargetLastAck();
        this->InjectFromPeer(TcpSegment::SYN, rcvNxt); // the peer restarted
    });
    // Requests after the SYN fail: the connection is closed on the target.
    Simulator::Schedule(MilliSeconds(200), [&]() {
        EXPECT_EQ(this->Send(Pattern(3000, 1), 1), ChimneyStatus::PENDING);
    });
    // A second in-order SYN finds the connection Closed: it goes to the host.
    Simulator::Schedule(MilliSeconds(300),
                        [&]() { this->InjectFromPeer(TcpSegment::SYN, rcvNxt); });
    this->Run(MilliSeconds(400));

    ASSERT_NE(rcvNxt, 0U);
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::INVALID_STATE),
              1U)
        << "Retrieve(InvalidState) once";
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::ABORT), 0U);
    EXPECT_EQ(this->TargetSegmentsAfter(synAt), 0U)
        << "no challenge ACK, nothing more transmitted for the connection";
    EXPECT_EQ(this->HostSyns(), hostSyns + 1) << "only the SYN after the close reaches the host";
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].status, ChimneyStatus::REQUEST_ABORTED);
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U) << "R1: held until the terminate";

    auto list = this->Terminate();
    this->Run(MilliSeconds(100));
    ASSERT_EQ(this->client.Of("Terminate").size(), 1U);
    const TcpOffloadBlock& tcp = list->neighbors[0].paths[0].connections[0];
    EXPECT_EQ(tcp.status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(tcp.delegated.state, TcpState::Closed) << "uploaded in Closed state";
    EXPECT_EQ(tcp.sendDataHead, nullptr);
    auto receives = this->client.Of("Receive");
    ASSERT_EQ(receives.size(), 1U);
    EXPECT_EQ(receives[0].status, ChimneyStatus::REQUEST_ABORTED);
    EXPECT_LT(this->client.IndexOf([](const Upcall& u) { return u.what == "Receive"; }),
              this->client.IndexOf([](const Upcall& u) { return u.what == "Terminate"; }));
    EXPECT_EQ(this->Count(true, TcpSegment::RST), 0U) << "W4";
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    EXPECT_EQ(this->client.upcallsInsideCalls, 0U) << "A1";
}

TYPED_TEST(ChimneyDeviceTest, SynNotInOrderGetsOneChallengeAckAndConnectionGoesOn_Spec3_5)
{
    this->Build();
    this->Establish();
    const size_t hostSyns = this->HostSyns();
    uint32_t rcvNxt = 0;
    Time synAt;
    Time sendAt;
    Simulator::Schedule(MilliSeconds(100), [&]() {
        synAt = Simulator::Now();
        rcvNxt = this->TargetLastAck();
        this->InjectFromPeer(TcpSegment::SYN, rcvNxt + 1000); // in the window, not in order
    });
    auto data = Pattern(20000, 2);
    Simulator::Schedule(MilliSeconds(200), [&]() {
        sendAt = Simulator::Now();
        EXPECT_EQ(this->Send(data, 1), ChimneyStatus::PENDING);
    });
    this->Run(Seconds(5));

    ASSERT_NE(rcvNxt, 0U);
    size_t challengeAcks = 0;
    for (const auto& e : this->wire)
    {
        if (e.fromTarget && e.time > synAt && e.time < sendAt)
        {
            EXPECT_EQ(e.tcp.flags, TcpSegment::ACK);
            EXPECT_EQ(e.tcp.ack, rcvNxt);
            ++challengeAcks;
        }
    }
    EXPECT_EQ(challengeAcks, 1U) << "RFC 5961 challenge ACK from the engine";
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::INVALID_STATE),
              0U);
    EXPECT_EQ(this->HostSyns(), hostSyns);
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->peer.received, data);
}

TYPED_TEST(ChimneyDeviceTest, SynInTimeWaitGoesToTheHost_Spec3_5)
{
    this->Build();
    this->peer.onNormalClose = [](PeerApp& p) { p.socket->Close(); };
    this->Establish();
    EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_GRACEFUL_CLOSE, 1), ChimneyStatus::PENDING);
    this->Run(Seconds(1)); // both FINs exchanged: TIME_WAIT (2 s) on the target
    ASSERT_EQ(
        this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::UPLOAD_REQUESTED),
        1U);
    // An in-order SYN: in TIME_WAIT even that one is the host's.
    const uint32_t rcvNxt = this->TargetLastAck();
    const size_t hostSegments = this->hostDelivered.size();
    const Time synAt = Simulator::Now() + MilliSeconds(100);
    Simulator::Schedule(MilliSeconds(100),
                        [&]() { this->InjectFromPeer(TcpSegment::SYN, rcvNxt); });
    this->Run(MilliSeconds(500)); // TIME_WAIT still running

    ASSERT_EQ(this->hostDelivered.size(), hostSegments + 1) << "the SYN took the host's path";
    EXPECT_TRUE(this->hostDelivered.back().Has(TcpSegment::SYN));
    EXPECT_EQ(this->hostDelivered.back().seq, rcvNxt);
    EXPECT_EQ(this->TargetSegmentsAfter(synAt), 0U) << "the engine did not see it";
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::INVALID_STATE),
              0U);
    EXPECT_EQ(this->Count(true, TcpSegment::RST), 0U) << "W4";
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U) << "R1";
}

TYPED_TEST(ChimneyDeviceTest, TerminateSendsPendingDelayedAckBeforeCompleting_Spec3_6_A9)
{
    this->Build();
    this->Establish();
    auto data = Pattern(100, 3);
    // One small segment from the peer: its ACK is delayed (200 ms); the terminate comes first.
    Simulator::Schedule(MilliSeconds(100), [&]() { this->peer.SendAll(data, false); });
    Ptr<OffloadBlockList> list;
    Time terminateAt;
    Simulator::Schedule(MilliSeconds(150), [&]() {
        terminateAt = Simulator::Now();
        list = this->Terminate();
    });
    this->Run(Seconds(1)); // well past the delayed-ACK timeout

    ASSERT_TRUE(list);
    ASSERT_EQ(this->client.Of("Terminate").size(), 1U);
    const Time completed = this->client.Of("Terminate")[0].time;
    uint32_t peerEnd = 0;
    for (const auto& e : this->wire)
    {
        if (!e.fromTarget && !e.tcp.payload.empty())
        {
            peerEnd = e.tcp.seq + static_cast<uint32_t>(e.tcp.payload.size());
        }
    }
    ASSERT_NE(peerEnd, 0U);
    size_t acks = 0;
    for (const auto& e : this->wire)
    {
        if (e.fromTarget && e.tcp.Has(TcpSegment::ACK) && SeqGeq(e.tcp.ack, peerEnd))
        {
            ++acks;
            EXPECT_GE(e.time, terminateAt) << "the ACK was still delayed when terminated";
            EXPECT_LE(e.time, completed) << "the ACK is sent before the terminate completes";
        }
    }
    EXPECT_EQ(acks, 1U) << "one ACK, and nothing after the terminate (W8)";
    const TcpOffloadBlock& tcp = list->neighbors[0].paths[0].connections[0];
    EXPECT_EQ(tcp.status, ChimneyStatus::SUCCESS);
    EXPECT_FALSE(tcp.delegated.ackPending);
    EXPECT_EQ(tcp.delegated.delayedAckRemainingNs, -1);
    EXPECT_EQ(tcp.delegated.rcvNxt, peerEnd);
    EXPECT_EQ(tcp.delegated.receiveData, data) << "unread data handed back";
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
}

TYPED_TEST(ChimneyDeviceTest, LowActivityRetrieveOnceAndIgnoringItKeepsWorking_Spec3_5)
{
    this->chimneyHelper.SetDeviceAttribute("LowActivityTimeout", TimeValue(Seconds(1)));
    this->Build();
    this->Establish(); // offloaded at 0.5 s, idle since
    this->Run(Seconds(3));
    auto retrieves = [this]() {
        std::vector<Upcall> out;
        for (const auto& u : this->client.Of("Event"))
        {
            if (u.event == ChimneyEvent::RETRIEVE)
            {
                out.push_back(u);
            }
        }
        return out;
    };
    auto r = retrieves();
    ASSERT_EQ(r.size(), 1U);
    EXPECT_EQ(r[0].reason, ChimneyUploadReason::LOW_ACTIVITY);
    EXPECT_GE(r[0].time, Seconds(1.5));
    EXPECT_LT(r[0].time, Seconds(1.51));

    // The host ignores it: the connection works as before, and is idle again later.
    auto data = Pattern(30000, 4);
    EXPECT_EQ(this->Send(data, 1), ChimneyStatus::PENDING);
    this->Run(Seconds(10));
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->peer.received, data);
    EXPECT_EQ(retrieves().size(), 1U) << "asked once";
    EXPECT_EQ(this->Count(true, TcpSegment::RST), 0U);
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U);
}

TYPED_TEST(ChimneyDeviceTest, NoLowActivityRetrieveInFinWait2_Spec3_5)
{
    this->chimneyHelper.SetDeviceAttribute("LowActivityTimeout", TimeValue(MilliSeconds(500)));
    this->Build();
    this->Establish();
    // Our FIN; the peer stays in CLOSE_WAIT: FIN_WAIT_2 on the target, idle.
    EXPECT_EQ(this->Disconnect({}, TCP_DISCONNECT_GRACEFUL_CLOSE, 1), ChimneyStatus::PENDING);
    this->Run(Seconds(5));
    ASSERT_EQ(this->client.Of("Disconnect").size(), 1U);
    EXPECT_EQ(this->client.Of("Disconnect")[0].status, ChimneyStatus::SUCCESS);
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::LOW_ACTIVITY),
              0U);
    EXPECT_EQ(this->TerminatedState(), TcpState::FinWait2);
}

TYPED_TEST(ChimneyDeviceTest, NoLowActivityRetrieveInCloseWait_Spec3_5)
{
    this->chimneyHelper.SetDeviceAttribute("LowActivityTimeout", TimeValue(MilliSeconds(500)));
    this->Build();
    this->Establish();
    // The peer's FIN; we keep our send half open: CLOSE_WAIT on the target, idle.
    Simulator::Schedule(MilliSeconds(100), [&]() { this->peer.socket->Close(); });
    this->Run(Seconds(5));
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::DISCONNECT), 1U);
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::LOW_ACTIVITY),
              0U);
    EXPECT_EQ(this->TerminatedState(), TcpState::CloseWait);
}

// ---------------------------------------------------------------------------------------------
// Step 4: hardware failure, scale
// ---------------------------------------------------------------------------------------------

TYPED_TEST(ChimneyDeviceTest, HardwareFailureStopsTransmittingAndTerminateFails_E3)
{
    this->chimneyHelper.SetDeviceAttribute("HardwareFailureTime", TimeValue(Seconds(0.8)));
    this->Build();
    this->Establish();
    this->KeepReceiving();
    EXPECT_EQ(this->Send(Pattern(400000, 1), 1), ChimneyStatus::PENDING);
    this->Run(Seconds(3));

    EXPECT_TRUE(this->target->HasFailed());
    EXPECT_EQ(
        this->client.CountEvents(ChimneyEvent::RETRIEVE, ChimneyUploadReason::HARDWARE_FAILURE),
        1U);
    EXPECT_EQ(this->client.CountEvents(ChimneyEvent::ABORT), 1U);
    EXPECT_GT(this->handedToLink.size(), 0U);
    for (const Time& t : this->handedToLink)
    {
        EXPECT_LE(t, Seconds(0.8)) << "a failed NIC hands nothing more to the link";
    }
    EXPECT_LT(this->peer.received.size(), 400000U);
    EXPECT_EQ(this->target->GetResourcesHeld(), 1U) << "R1: held after hardware failure";

    auto list = this->Terminate();
    this->Run(Seconds(4));
    const TcpOffloadBlock& tcp = list->neighbors[0].paths[0].connections[0];
    EXPECT_EQ(tcp.status, ChimneyStatus::FAILURE);
    EXPECT_EQ(tcp.sendDataHead, nullptr);
    auto sends = this->client.Of("Send");
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_EQ(sends[0].status, ChimneyStatus::REQUEST_ABORTED);
    EXPECT_LT(this->client.IndexOf([](const Upcall& u) { return u.what == "Send"; }),
              this->client.IndexOf([](const Upcall& u) { return u.what == "Terminate"; }));
    for (const auto& r : this->client.Of("Receive"))
    {
        EXPECT_TRUE(r.status == ChimneyStatus::SUCCESS ||
                    r.status == ChimneyStatus::REQUEST_ABORTED);
    }
    EXPECT_EQ(this->client.Of("Receive").back().status, ChimneyStatus::REQUEST_ABORTED);
    EXPECT_EQ(this->target->GetResourcesHeld(), 0U);
    // E3: no byte invented: the peer got a prefix of what was sent.
    auto sentData = Pattern(400000, 1);
    EXPECT_TRUE(
        std::equal(this->peer.received.begin(), this->peer.received.end(), sentData.begin()));
}

} // namespace
