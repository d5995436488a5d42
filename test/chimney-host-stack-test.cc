/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHostStack + ChimneySocket on real ns-3 links (point-to-point and CSMA): ns-3
// applications and plain sockets on a chimney host, against ns-3's TcpSocketBase and against
// another chimney host. Wire checks read both link devices' PhyTxBegin, parsed from the bytes.

#include "chimney-host-stack-test-fixture.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace chimney_host_stack_test;

namespace
{

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

} // namespace
