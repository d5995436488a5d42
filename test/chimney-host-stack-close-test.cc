/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHostStack on real ns-3 links, second part (the first: chimney-host-stack-test.cc):
// remote close, black hole, FIN_WAIT_2 timer, graceful close with final data, the
// ConnectionState trace. The fixture: chimney-host-stack-test-fixture.h.

#include "chimney-host-stack-test-fixture.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace chimney_host_stack_test;

namespace
{

TYPED_TEST_SUITE(HostStackTest, Links, LinkNames);

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
