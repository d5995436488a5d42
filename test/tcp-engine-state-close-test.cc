/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The engine's transitions, second part (the first: tcp-engine-state-test.cc): sending,
// congestion control, timers, closing, ABORT and delegated-state export/import.

#include "tcp-engine-state-test-helpers.h"

#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <utility>

using namespace ns3;
using namespace tcp_engine_state_test;

// ESTABLISHED: sending, congestion control, timers
// ============================================================================================

TEST(TcpEngineState, SendSegmentizesByMssWithinInitialWindow)
{
    TcpEngine e = Established();
    auto data = Pattern(10000);
    EXPECT_EQ(e.Send(20 * kMs, data.data(), data.size()), 10000u);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 4u); // IW = 4 segments
    for (size_t i = 0; i < out.size(); ++i)
    {
        EXPECT_EQ(out[i].seq, kIss + 1 + 1000 * i);
        EXPECT_EQ(out[i].payload.size(), 1000u);
        EXPECT_EQ(out[i].flags & A, A);
    }
    EXPECT_EQ(e.SndNxt(), kIss + 4001);
    EXPECT_EQ(e.NextDeadline(), 20 * kMs + 200 * kMs);
    ExpectInvariants(e);
}

TEST(TcpEngineState, SendIsBoundedBySendBuffer)
{
    TcpEngineConfig c = PlainConfig();
    c.sndBufSize = 3000;
    TcpEngine e = Established(c);
    auto data = Pattern(5000);
    EXPECT_EQ(e.Send(20 * kMs, data.data(), data.size()), 3000u);
    EXPECT_EQ(e.SendBufferSpace(), 0u);
    EXPECT_EQ(e.Send(20 * kMs, data.data(), data.size()), 0u);
}

TEST(TcpEngineState, NewAckReleasesSendBufferAndReportsBytesAcked)
{
    TcpEngine e = Established();
    auto data = Pattern(3000);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 2001));
    EXPECT_EQ(Bytes(e.TakeEvents(), TcpEvent::Kind::BytesAcked), 2000u);
    EXPECT_EQ(e.BytesInSendBuffer(), 1000u);
    EXPECT_EQ(e.Cwnd(), 4000u + 1000u); // slow start: + min(acked, SMSS) for this ACK
    ExpectInvariants(e);
}

TEST(TcpEngineState, SlowStartThenCongestionAvoidance)
{
    TcpEngine e = Established();
    auto data = Pattern(4000);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 1001));
    EXPECT_EQ(e.Cwnd(), 5000u); // +1 SMSS
    TcpDelegatedState d = e.Export(30 * kMs);
    d.ssthresh = 5000; // now in congestion avoidance
    TcpEngine f = TcpEngine::Import(PlainConfig(), 1, 2, d, 30 * kMs);
    f.OnSegment(31 * kMs, Seg(A, kIrs + 1, kIss + 2001));
    EXPECT_EQ(f.Cwnd(), 5000u + 1000u * 1000u / 5000u); // RFC 5681 eq. 3
}

TEST(TcpEngineState, ThreeDupAcksTriggerFastRetransmitAndRecovery)
{
    TcpEngine e = Established();
    auto data = Pattern(4000);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    for (int i = 0; i < 2; ++i)
    {
        e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 1));
        EXPECT_TRUE(e.TakeSegments().empty());
    }
    e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 1));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, kIss + 1); // fast retransmit of SND.UNA
    EXPECT_EQ(out[0].payload.size(), 1000u);
    EXPECT_EQ(e.Ssthresh(), 2000u);     // max(FlightSize/2, 2*SMSS)
    EXPECT_EQ(e.Cwnd(), 2000u + 3000u); // ssthresh + 3*SMSS
    EXPECT_EQ(e.TotalRetransmits(), 1u);
    // partial ACK: next hole retransmitted at once
    e.OnSegment(40 * kMs, Seg(A, kIrs + 1, kIss + 2001));
    out = e.TakeSegments();
    ASSERT_GE(out.size(), 1u);
    EXPECT_EQ(out[0].seq, kIss + 2001);
    // full ACK: recovery ends, cwnd = min(ssthresh, FlightSize + SMSS)
    e.OnSegment(50 * kMs, Seg(A, kIrs + 1, kIss + 4001));
    EXPECT_EQ(e.Cwnd(), 1000u + 0u + 0u + 1000u);
    ExpectInvariants(e);
}

TEST(TcpEngineState, DupAcksWithChangedWindowAreNotDuplicates)
{
    TcpEngine e = Established();
    auto data = Pattern(4000);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    for (uint16_t w = 60000; w < 60003; ++w)
    {
        e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 1, w));
    }
    EXPECT_EQ(e.TotalRetransmits(), 0u);
}

TEST(TcpEngineState, RtoRetransmitsFirstSegmentWithBackoffAndLossWindow)
{
    TcpEngine e = Established();
    auto data = Pattern(4000);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.OnTimer(220 * kMs);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, kIss + 1);
    EXPECT_EQ(e.Cwnd(), 1000u);
    EXPECT_EQ(e.Ssthresh(), 2000u);
    EXPECT_EQ(e.Rto(), 400 * kMs);
    EXPECT_EQ(e.NextDeadline(), 620 * kMs);
    EXPECT_EQ(e.SndNxt(), kIss + 1001); // go-back-N
    EXPECT_EQ(e.SndMax(), kIss + 4001);
    e.OnTimer(620 * kMs);
    EXPECT_EQ(e.NextDeadline(), 620 * kMs + 800 * kMs);
    ExpectInvariants(e);
}

TEST(TcpEngineState, MaxRetransmitsEndInTimedOut)
{
    TcpEngineConfig c = PlainConfig();
    c.maxRetransmits = 3;
    TcpEngine e = Established(c);
    auto data = Pattern(100);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    int rtx = 0;
    while (e.State() == TcpState::Established)
    {
        ASSERT_GE(e.NextDeadline(), 0);
        e.OnTimer(e.NextDeadline());
        rtx += static_cast<int>(e.TakeSegments().size());
    }
    EXPECT_EQ(rtx, 3);
    EXPECT_EQ(e.State(), TcpState::Closed);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::TimedOut));
    EXPECT_EQ(e.NextDeadline(), -1);
}

TEST(TcpEngineState, FinRetransmissionsAreLimitedToo)
{
    TcpEngineConfig c = PlainConfig();
    c.maxRetransmits = 2;
    TcpEngine e = Established(c);
    e.ShutdownSend(20 * kMs);
    e.TakeSegments();
    int fins = 0;
    while (e.State() != TcpState::Closed)
    {
        ASSERT_GE(e.NextDeadline(), 0);
        e.OnTimer(e.NextDeadline());
        for (const TcpSegment& s : e.TakeSegments())
        {
            fins += s.Has(F) ? 1 : 0;
            EXPECT_EQ(s.seq, kIss + 1); // same FIN sequence number every time
        }
    }
    EXPECT_EQ(fins, 2);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::TimedOut));
}

TEST(TcpEngineState, KarnNoRttSampleFromRetransmittedSegment)
{
    TcpEngine e = Established();
    auto data = Pattern(100);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.OnTimer(220 * kMs);
    e.TakeSegments();
    EXPECT_EQ(e.Rto(), 400 * kMs);
    e.OnSegment(5 * kSec, Seg(A, kIrs + 1, kIss + 101)); // ambiguous: no sample
    EXPECT_EQ(e.Rto(), 400 * kMs);
    e.Send(6 * kSec, data.data(), data.size());
    e.TakeSegments();
    e.OnSegment(6 * kSec + 300 * kMs, Seg(A, kIrs + 1, kIss + 201));
    TcpDelegatedState d = e.Export(6 * kSec + 300 * kMs);
    EXPECT_EQ(d.srttNs, (7 * 10 * kMs + 300 * kMs) / 8); // RFC 6298 §2.3
}

TEST(TcpEngineState, ZeroWindowStartsPersistAndProbesWithOneByte)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    e.OnSegment(10 * kMs, SynAck(0));
    e.TakeSegments();
    auto data = Pattern(3000);
    e.Send(20 * kMs, data.data(), data.size());
    EXPECT_TRUE(e.TakeSegments().empty());
    EXPECT_EQ(e.NextDeadline(), 220 * kMs); // persist timer
    e.OnTimer(220 * kMs);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].payload.size(), 1u);
    EXPECT_EQ(out[0].seq, kIss + 1);
    EXPECT_EQ(e.NextDeadline(), 220 * kMs + 400 * kMs); // backed off
    // answered with the window still closed: probe again later, not a failure
    e.OnSegment(300 * kMs, Seg(A, kIrs + 1, kIss + 1, 0));
    e.OnTimer(e.NextDeadline());
    out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, kIss + 1);
    EXPECT_EQ(out[0].payload.size(), 1u);
    // the window opens: everything flows
    e.OnSegment(2 * kSec, Seg(A, kIrs + 1, kIss + 2, 65535));
    out = e.TakeSegments();
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out[0].seq, kIss + 2);
    EXPECT_EQ(e.State(), TcpState::Established);
    ExpectInvariants(e);
}

TEST(TcpEngineState, UnansweredZeroWindowProbesEndInTimedOut)
{
    TcpEngineConfig c = PlainConfig();
    c.maxRetransmits = 3;
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    e.OnSegment(10 * kMs, SynAck(0));
    auto data = Pattern(10);
    e.Send(20 * kMs, data.data(), data.size());
    for (int i = 0; i < 10 && e.State() != TcpState::Closed; ++i)
    {
        e.OnTimer(e.NextDeadline());
    }
    EXPECT_EQ(e.State(), TcpState::Closed);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::TimedOut));
}

TEST(TcpEngineState, ReadOpensWindowAndSendsWindowUpdate)
{
    TcpEngineConfig c = PlainConfig();
    c.rcvBufSize = 4000;
    c.delayedAckCount = 1;
    TcpEngine e = Established(c);
    for (uint32_t i = 0; i < 4; ++i)
    {
        e.OnSegment(20 * kMs, Seg(A, kIrs + 1 + 1000 * i, kIss + 1, 65535, 1000));
    }
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 4u);
    EXPECT_EQ(out.back().window, 0); // buffer full
    std::vector<uint8_t> buf(500);
    e.Read(30 * kMs, buf.data(), buf.size());
    EXPECT_TRUE(e.TakeSegments().empty()); // below min(RCV.BUFF/2, MSS): no update yet
    e.Read(30 * kMs, buf.data(), buf.size());
    out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].window, 1000);
    EXPECT_EQ(out[0].ack, kIrs + 4001);
}

TEST(TcpEngineState, DataBeyondZeroWindowIsNotAcceptedButItsAckIs)
{
    TcpEngineConfig c = PlainConfig();
    c.rcvBufSize = 1000;
    c.delayedAckCount = 1;
    TcpEngine e = Established(c);
    auto data = Pattern(10);
    e.Send(15 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 1000));
    e.TakeSegments();
    e.OnSegment(21 * kMs, Seg(A, kIrs + 1001, kIss + 11, 65535, 100));
    EXPECT_EQ(e.BytesReadable(), 1000u);
    EXPECT_EQ(e.SndUna(), kIss + 11);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 1001);
    EXPECT_EQ(out[0].window, 0);
}

TEST(TcpEngineState, WindowScalingAppliesAfterTheHandshake)
{
    TcpEngineConfig c = PlainConfig();
    c.windowScaling = true;
    c.rcvBufSize = 1 << 20;
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(0);
    EXPECT_EQ(e.TakeSegments().at(0).windowScale, std::optional<uint8_t>(5));
    TcpSegment sa = SynAck(1000);
    sa.windowScale = 3;
    e.OnSegment(10 * kMs, sa);
    EXPECT_EQ(e.SndWnd(), 1000u); // unscaled in the SYN,ACK
    auto ack = e.TakeSegments().at(0);
    EXPECT_EQ(ack.window, (1u << 20) >> 5);
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 1000));
    EXPECT_EQ(e.SndWnd(), 8000u);
}

TEST(TcpEngineState, NoWindowScalingWhenThePeerDoesNotOfferIt)
{
    TcpEngineConfig c = PlainConfig();
    c.windowScaling = true;
    c.rcvBufSize = 1 << 20;
    TcpEngine e = Established(c);
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 1000, 10));
    e.OnTimer(e.NextDeadline());
    EXPECT_EQ(e.TakeSegments().at(0).window, 65535);
    EXPECT_EQ(e.SndWnd(), 1000u);
}

TEST(TcpEngineState, TimestampsOnEverySegmentIncludingRst)
{
    TcpEngineConfig c = PlainConfig();
    c.timestamps = true;
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    TcpSegment sa = SynAck();
    sa.hasTimestamp = true;
    sa.tsVal = 500;
    sa.tsEcr = 0;
    e.OnSegment(10 * kMs, sa);
    EXPECT_TRUE(e.TimestampsEnabled());
    EXPECT_EQ(e.SndMss(), 1000u - 12u);
    auto ack = e.TakeSegments().at(0);
    EXPECT_TRUE(ack.hasTimestamp);
    EXPECT_EQ(ack.tsVal, 10u);
    EXPECT_EQ(ack.tsEcr, 500u);
    e.Abort(50 * kMs);
    auto rst = e.TakeSegments().at(0);
    EXPECT_EQ(rst.flags, R);
    EXPECT_TRUE(rst.hasTimestamp);
    EXPECT_EQ(rst.tsVal, 50u);
}

TEST(TcpEngineState, PawsDropsSegmentWithOldTimestampAndAcks)
{
    TcpEngineConfig c = PlainConfig();
    c.timestamps = true;
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(0);
    TcpSegment sa = SynAck();
    sa.hasTimestamp = true;
    sa.tsVal = 500;
    e.OnSegment(10 * kMs, sa);
    e.TakeSegments();
    TcpSegment old = Seg(A, kIrs + 1, kIss + 1, 65535, 10);
    old.hasTimestamp = true;
    old.tsVal = 400;
    e.OnSegment(20 * kMs, old);
    EXPECT_EQ(e.BytesReadable(), 0u);
    EXPECT_EQ(e.TakeSegments().size(), 1u);
    old.tsVal = 501;
    e.OnSegment(21 * kMs, old);
    EXPECT_EQ(e.BytesReadable(), 10u);
}

TEST(TcpEngineState, KeepaliveProbesThenTimedOut)
{
    TcpEngineConfig c = PlainConfig();
    c.keepaliveIdleNs = 10 * kSec;
    c.keepaliveIntervalNs = kSec;
    c.keepaliveProbes = 2;
    TcpEngine e = Established(c);
    EXPECT_EQ(e.NextDeadline(), 10 * kMs + 10 * kSec);
    e.OnTimer(e.NextDeadline());
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].seq, kIss); // SND.NXT - 1, no data
    e.OnTimer(e.NextDeadline());
    e.OnTimer(e.NextDeadline());
    EXPECT_EQ(e.State(), TcpState::Closed);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::TimedOut));
}

TEST(TcpEngineState, KeepaliveAnswerRestartsIdleTimer)
{
    TcpEngineConfig c = PlainConfig();
    c.keepaliveIdleNs = 10 * kSec;
    TcpEngine e = Established(c);
    e.OnTimer(e.NextDeadline());
    e.OnSegment(11 * kSec, Seg(A, kIrs + 1, kIss + 1));
    EXPECT_EQ(e.NextDeadline(), 21 * kSec);
}

// ============================================================================================
// Closing: FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK, TIME_WAIT
// ============================================================================================

TEST(TcpEngineState, ShutdownSendAfterSentDataSendsFinAlone)
{
    TcpEngine e = Established();
    auto data = Pattern(1500);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.ShutdownSend(20 * kMs);
    EXPECT_EQ(e.State(), TcpState::FinWait1);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, F | A);
    EXPECT_EQ(out[0].seq, kIss + 1501);
    EXPECT_TRUE(out[0].payload.empty());
    EXPECT_EQ(e.Send(21 * kMs, data.data(), data.size()), 0u); // send half closed
}

TEST(TcpEngineState, FinRidesOnLastDataSegmentWhenDataIsQueued)
{
    auto data = Pattern(1500);
    TcpEngine f = Established();
    f.OnSegment(12 * kMs, Seg(A, kIrs + 1, kIss + 1, 1000)); // window: 1000
    f.Send(20 * kMs, data.data(), data.size());
    f.ShutdownSend(20 * kMs);
    auto out = f.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_FALSE(out[0].Has(F)); // window-limited: FIN waits behind the data
    f.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 1001, 1000));
    out = f.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags & F, F);
    EXPECT_EQ(out[0].seq, kIss + 1001);
    EXPECT_EQ(out[0].payload.size(), 500u);
}

TEST(TcpEngineState, FinAckedInFinWait1MovesToFinWait2)
{
    TcpEngine e = FinWait1();
    e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 2));
    EXPECT_EQ(e.State(), TcpState::FinWait2);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::FinAcked));
    EXPECT_EQ(e.NextDeadline(), -1); // no FIN_WAIT_2 timer by default
    ExpectInvariants(e);
}

TEST(TcpEngineState, DataAfterOurFinIsAcknowledgedAndDelivered)
{
    for (int fw2 = 0; fw2 < 2; ++fw2)
    {
        TcpEngine e = fw2 ? FinWait2() : FinWait1();
        e.OnSegment(50 * kMs, Seg(A, kIrs + 1, kIss + 1 + fw2, 65535, 700));
        e.OnSegment(51 * kMs, Seg(A, kIrs + 701, kIss + 1 + fw2, 65535, 700));
        auto out = e.TakeSegments();
        ASSERT_EQ(out.size(), 1u);
        EXPECT_EQ(out[0].ack, kIrs + 1401);
        EXPECT_EQ(e.BytesReadable(), 1400u);
        EXPECT_EQ(Bytes(e.TakeEvents(), TcpEvent::Kind::DataReadable), 1400u);
    }
}

TEST(TcpEngineState, FinInFinWait1MovesToClosing)
{
    TcpEngine e = FinWait1();
    e.OnSegment(30 * kMs, Seg(F | A, kIrs + 1, kIss + 1));
    EXPECT_EQ(e.State(), TcpState::Closing);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 2);
    e.OnSegment(40 * kMs, Seg(A, kIrs + 2, kIss + 2));
    EXPECT_EQ(e.State(), TcpState::TimeWait);
    ExpectInvariants(e);
}

TEST(TcpEngineState, FinAckingOurFinInFinWait1MovesToTimeWait)
{
    TcpEngine e = FinWait1();
    e.OnSegment(30 * kMs, Seg(F | A, kIrs + 1, kIss + 2));
    EXPECT_EQ(e.State(), TcpState::TimeWait);
    EXPECT_EQ(e.TakeSegments().at(0).ack, kIrs + 2);
    EXPECT_EQ(e.NextDeadline(), 30 * kMs + PlainConfig().timeWaitNs);
}

TEST(TcpEngineState, FinInFinWait2MovesToTimeWait)
{
    TcpEngine e = FinWait2();
    e.OnSegment(40 * kMs, Seg(F | A, kIrs + 1, kIss + 2));
    EXPECT_EQ(e.State(), TcpState::TimeWait);
    auto ev = e.TakeEvents();
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::RemoteFin));
    EXPECT_EQ(e.TakeSegments().at(0).ack, kIrs + 2);
}

TEST(TcpEngineState, TimeWaitKeepsNoBufferStorageOnceEverythingIsRead)
{
    TcpEngine e = Established();
    auto data = Pattern(500);
    e.Send(20 * kMs, data.data(), data.size());
    ASSERT_EQ(e.TakeSegments().size(), 1u);
    e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 501, 65535, 1400)); // acks ours, brings 1400
    EXPECT_GT(e.StorageBytes(), 0u);
    e.ShutdownSend(31 * kMs);
    e.OnSegment(40 * kMs, Seg(F | A, kIrs + 1401, kIss + 502)); // acks our FIN, brings theirs
    ASSERT_EQ(e.State(), TcpState::TimeWait);
    EXPECT_EQ(e.BytesReadable(), 1400u); // readable data stays readable
    EXPECT_GE(e.StorageBytes(), 1400u);
    EXPECT_EQ(e.Read(41 * kMs, 2000).size(), 1400u);
    EXPECT_EQ(e.StorageBytes(), 0u);
    ExpectInvariants(e);
}

TEST(TcpEngineState, ClosedKeepsNoSendStorage)
{
    TcpEngine e = Established();
    auto data = Pattern(3000);
    e.Send(20 * kMs, data.data(), data.size());
    EXPECT_GE(e.StorageBytes(), 3000u);
    e.Abort(21 * kMs);
    ASSERT_EQ(e.State(), TcpState::Closed);
    EXPECT_EQ(e.StorageBytes(), 0u);
}

TEST(TcpEngineState, FinWait2TimeoutEndsInTimedOutWhenConfigured)
{
    TcpEngineConfig c = PlainConfig();
    c.finWait2TimeoutNs = 5 * kSec;
    TcpEngine e = Established(c);
    e.ShutdownSend(20 * kMs);
    e.OnSegment(30 * kMs, Seg(A, kIrs + 1, kIss + 2));
    EXPECT_EQ(e.NextDeadline(), 30 * kMs + 5 * kSec);
    e.OnSegment(1 * kSec, Seg(A, kIrs + 1, kIss + 2, 65535, 10)); // traffic restarts it
    EXPECT_EQ(e.NextDeadline(), 1 * kSec + 200 * kMs);            // (delayed ACK first)
    e.OnTimer(e.NextDeadline());
    EXPECT_EQ(e.NextDeadline(), 6 * kSec);
    e.OnTimer(6 * kSec);
    EXPECT_EQ(e.State(), TcpState::Closed);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::TimedOut));
}

TEST(TcpEngineState, SendAfterRemoteFinIsAllowedInCloseWait)
{
    TcpEngine e = CloseWait();
    auto data = Pattern(300);
    EXPECT_EQ(e.Send(30 * kMs, data.data(), data.size()), 300u);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].payload, data);
    EXPECT_EQ(out[0].ack, kIrs + 2);
}

TEST(TcpEngineState, DataInCloseWaitIsIgnored)
{
    TcpEngine e = CloseWait();
    e.OnSegment(30 * kMs, Seg(A, kIrs + 2, kIss + 1, 65535, 10));
    EXPECT_EQ(e.BytesReadable(), 0u);
    EXPECT_EQ(e.RcvNxt(), kIrs + 2);
}

TEST(TcpEngineState, RetransmittedFinInCloseWaitIsReAcked)
{
    TcpEngine e = CloseWait();
    e.OnSegment(30 * kMs, Seg(F | A, kIrs + 1, kIss + 1));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 2);
    EXPECT_EQ(e.State(), TcpState::CloseWait);
}

TEST(TcpEngineState, ShutdownInCloseWaitMovesToLastAckAndAckOfFinCloses)
{
    TcpEngine e = CloseWait();
    e.ShutdownSend(30 * kMs);
    EXPECT_EQ(e.State(), TcpState::LastAck);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, F | A);
    e.OnSegment(40 * kMs, Seg(A, kIrs + 2, kIss + 2));
    EXPECT_EQ(e.State(), TcpState::Closed);
    auto ev = e.TakeEvents();
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::FinAcked));
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::Closed));
    EXPECT_EQ(e.NextDeadline(), -1);
}

TEST(TcpEngineState, LastAckRetransmitsFin)
{
    TcpEngine e = CloseWait();
    e.ShutdownSend(30 * kMs);
    e.TakeSegments();
    e.OnTimer(230 * kMs);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, F | A);
    EXPECT_EQ(out[0].seq, kIss + 1);
}

TEST(TcpEngineState, SimultaneousCloseBothReachTimeWait)
{
    TcpEngine a = Established();
    TcpEngine b(PlainConfig(), 2, 1, kIrs);
    b.Listen();
    TcpSegment syn = Seg(S, kIss, 0);
    syn.mss = 1000;
    b.OnSegment(0, syn);
    b.TakeSegments();
    b.OnSegment(10 * kMs, Seg(A, kIss + 1, kIrs + 1));
    ASSERT_EQ(b.State(), TcpState::Established);
    a.ShutdownSend(20 * kMs);
    b.ShutdownSend(20 * kMs);
    Cross(a, b, 30 * kMs); // the FINs
    EXPECT_EQ(a.State(), TcpState::Closing);
    EXPECT_EQ(b.State(), TcpState::Closing);
    Cross(a, b, 40 * kMs); // the ACKs of the FINs
    EXPECT_EQ(a.State(), TcpState::TimeWait);
    EXPECT_EQ(b.State(), TcpState::TimeWait);
    ExpectInvariants(a);
    ExpectInvariants(b);
}

TEST(TcpEngineState, TimeWaitReAcksRetransmittedFinAndRestartsTimer)
{
    TcpEngine e = TimeWait();
    e.OnSegment(5 * kSec, Seg(F | A, kIrs + 1, kIss + 2));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, A);
    EXPECT_EQ(out[0].ack, kIrs + 2);
    EXPECT_EQ(e.State(), TcpState::TimeWait);
    EXPECT_EQ(e.NextDeadline(), 5 * kSec + PlainConfig().timeWaitNs);
}

TEST(TcpEngineState, TimeWaitExpiresToClosed)
{
    TcpEngine e = TimeWait();
    e.OnTimer(e.NextDeadline());
    EXPECT_EQ(e.State(), TcpState::Closed);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::Closed));
    EXPECT_EQ(e.NextDeadline(), -1);
}

TEST(TcpEngineState, SynInTimeWaitSendsChallengeAck)
{
    TcpEngine e = TimeWait();
    e.OnSegment(50 * kMs, Seg(S, kIrs + 100000, 0));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, A);
    EXPECT_EQ(e.State(), TcpState::TimeWait);
}

TEST(TcpEngineState, ExactRstInTimeWaitCloses)
{
    TcpEngine e = TimeWait();
    e.OnSegment(50 * kMs, Seg(R, kIrs + 2, 0));
    EXPECT_EQ(e.State(), TcpState::Closed);
}

// ============================================================================================
// ABORT
// ============================================================================================

TEST(TcpEngineState, AbortSendsRstWithSndNxtAndCloses)
{
    TcpEngine e = Established();
    auto data = Pattern(2500);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.Abort(30 * kMs);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, R);
    EXPECT_EQ(out[0].seq, kIss + 2501);
    EXPECT_EQ(e.State(), TcpState::Closed);
    EXPECT_EQ(e.NextDeadline(), -1);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::Closed));
    e.OnSegment(40 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 10)); // later segments: RST
    EXPECT_EQ(e.TakeSegments().at(0).flags, R);
}

/// LAST-ACK with our FIN still behind unsent data: the peer's 100-byte window holds the rest.
TcpEngine
LastAckWithDataUnsent()
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(F | A, kIrs + 1, kIss + 1, 100)); // CLOSE-WAIT, small window
    auto data = Pattern(1000);
    e.Send(21 * kMs, data.data(), data.size());
    e.ShutdownSend(21 * kMs);
    e.TakeSegments();
    e.TakeEvents();
    EXPECT_EQ(e.State(), TcpState::LastAck);
    return e;
}

TEST(TcpEngineState, AbortInLastAckWithOurFinUnsentSendsRst)
{
    // RFC 9293 sends nothing in LAST-ACK; the remote would hear nothing at all (Linux resets).
    TcpEngine e = LastAckWithDataUnsent();
    const uint32_t sndMax = e.SndMax();
    e.Abort(30 * kMs);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, R);
    EXPECT_EQ(out[0].seq, sndMax);
    EXPECT_EQ(e.State(), TcpState::Closed);
}

TEST(TcpEngineState, AbortInLastAckAfterOurFinSendsNothing)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(F | A, kIrs + 1, kIss + 1));
    e.ShutdownSend(21 * kMs); // FIN sent at once: nothing left to reset
    ASSERT_FALSE(e.TakeSegments().empty());
    ASSERT_EQ(e.State(), TcpState::LastAck);
    e.Abort(30 * kMs);
    EXPECT_TRUE(e.TakeSegments().empty());
    EXPECT_EQ(e.State(), TcpState::Closed);
}

TEST(TcpEngineState, AbortInSynSentSendsNothing)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    e.Abort(1);
    EXPECT_TRUE(e.TakeSegments().empty());
    EXPECT_EQ(e.State(), TcpState::Closed);
}

TEST(TcpEngineState, AbortKeepsReadableData)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 10));
    e.Abort(30 * kMs);
    EXPECT_EQ(e.Read(31 * kMs, 100).size(), 10u);
}

// ============================================================================================
// Delegated state: export / import
// ============================================================================================

namespace
{

/// An engine with a bit of everything: unacked data, go-back-N, out-of-order data, readable
/// data, delayed ACK pending, our FIN queued.
TcpEngine
Busy(int64_t& now)
{
    TcpEngineConfig c = PlainConfig();
    c.timestamps = true;
    c.windowScaling = true;
    c.keepaliveIdleNs = 30 * kSec;
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(0);
    TcpSegment sa = SynAck();
    sa.hasTimestamp = true;
    sa.tsVal = 7;
    sa.windowScale = 2;
    e.OnSegment(10 * kMs, sa);
    auto data = Pattern(9000);
    e.Send(20 * kMs, data.data(), data.size());
    e.OnTimer(220 * kMs); // RTO: go-back-N
    TcpSegment in = Seg(A, kIrs + 1, kIss + 1001, 16000, 300);
    in.hasTimestamp = true;
    in.tsVal = 300;
    e.OnSegment(300 * kMs, in); // new ACK + in-order data: delayed ACK pending
    TcpSegment ooo = Seg(A, kIrs + 1001, kIss + 1001, 16000, 200);
    ooo.hasTimestamp = true;
    ooo.tsVal = 301;
    e.OnSegment(301 * kMs, ooo); // out-of-order
    e.ShutdownSend(302 * kMs);
    now = 350 * kMs;
    return e;
}

} // namespace

TEST(TcpEngineDelegatedState, ExportImportRoundTripPreservesEveryField)
{
    int64_t now = 0;
    TcpEngine e = Busy(now);
    Drain(e);
    ExpectInvariants(e);
    TcpDelegatedState d = e.Export(now);
    EXPECT_EQ(d.state, TcpState::FinWait1);
    EXPECT_EQ(d.sndUna, kIss + 1001);
    EXPECT_TRUE(SeqLt(d.sndNxt, d.sndMax) || d.sndNxt == d.sndMax);
    EXPECT_EQ(d.sendData.size(), 8000u);
    EXPECT_EQ(d.sendDataSeq, kIss + 1001);
    EXPECT_EQ(d.receiveData.size(), 300u);
    ASSERT_EQ(d.outOfOrder.size(), 1u);
    EXPECT_EQ(d.outOfOrder[0].seq, kIrs + 1001);
    EXPECT_TRUE(d.finRequested);
    EXPECT_EQ(d.finSeq, kIss + 9001);
    EXPECT_TRUE(d.timestamps);
    EXPECT_EQ(d.tsRecent, 300u); // RFC 7323 §4.3: not from a segment beyond Last.ACK.sent
    EXPECT_EQ(d.sndWndShift, 2);
    EXPECT_GE(d.retransmitTimer.remainingNs, 0);
    EXPECT_EQ(d.retransmitTimer.count, 0u);
    EXPECT_GE(d.keepaliveTimer.remainingNs, 0);
    EXPECT_GE(d.totalRt, 1u);
    TcpEngine f = TcpEngine::Import(e.Config(), 1, 2, d, now);
    EXPECT_EQ(f.Export(now), d);
    ExpectInvariants(f);
    // A later export of the imported engine ages the same way as the original's.
    EXPECT_EQ(f.Export(now + 5 * kMs), e.Export(now + 5 * kMs));
    EXPECT_FALSE(d.ToString().empty());
}

TEST(TcpEngineDelegatedState, ImportedEngineContinuesExactlyAsTheOriginal)
{
    int64_t now = 0;
    TcpEngine e = Busy(now);
    Drain(e);
    TcpEngine f = TcpEngine::Import(e.Config(), 1, 2, e.Export(now), now);
    auto step = [](TcpEngine& x, int64_t t, const TcpSegment* s) {
        if (s != nullptr)
        {
            x.OnSegment(t, *s);
        }
        else
        {
            x.OnTimer(t);
        }
        std::string all;
        for (const TcpSegment& seg : x.TakeSegments())
        {
            all += seg.ToString() + "\n";
        }
        for (const TcpEvent& ev : x.TakeEvents())
        {
            all += ev.ToString() + "\n";
        }
        return all + std::to_string(x.NextDeadline());
    };
    TcpSegment fill = Seg(A, kIrs + 301, kIss + 3001, 16000, 700);
    fill.hasTimestamp = true;
    fill.tsVal = 400;
    EXPECT_EQ(step(e, 400 * kMs, nullptr), step(f, 400 * kMs, nullptr));
    EXPECT_EQ(step(e, 410 * kMs, &fill), step(f, 410 * kMs, &fill));
    const int64_t t = e.NextDeadline();
    EXPECT_EQ(step(e, t, nullptr), step(f, t, nullptr));
    EXPECT_EQ(e.Export(t), f.Export(t));
}

TEST(TcpEngineDelegatedState, TimeWaitMovesWithItsTimer)
{
    TcpEngine e = TimeWait();
    TcpDelegatedState d = e.Export(10 * kSec);
    EXPECT_EQ(d.timeWaitRemainingNs, 40 * kMs + PlainConfig().timeWaitNs - 10 * kSec);
    TcpEngine f = TcpEngine::Import(PlainConfig(), 1, 2, d, 10 * kSec);
    EXPECT_EQ(f.NextDeadline(), e.NextDeadline());
    f.OnSegment(11 * kSec, Seg(F | A, kIrs + 1, kIss + 2));
    EXPECT_EQ(f.TakeSegments().at(0).ack, kIrs + 2);
}

TEST(TcpEngineDelegatedState, StateNamesFollowRfc9293)
{
    EXPECT_STREQ(ToString(TcpState::Closed), "CLOSED");
    EXPECT_STREQ(ToString(TcpState::FinWait1), "FIN_WAIT_1");
    EXPECT_STREQ(ToString(TcpState::TimeWait), "TIME_WAIT");
    EXPECT_STREQ(ToString(TcpState::SynRcvd), "SYN_RCVD");
}

TEST(TcpEngineInvariants, DetectInconsistentImportedState)
{
    TcpEngine e = Established();
    TcpDelegatedState d = e.Export(20 * kMs);
    std::string why;
    EXPECT_TRUE(TcpEngine::Import(PlainConfig(), 1, 2, d, 20 * kMs).CheckInvariants(&why));
    TcpDelegatedState bad = d;
    bad.sndNxt = d.sndMax + 5;
    EXPECT_FALSE(TcpEngine::Import(PlainConfig(), 1, 2, bad, 20 * kMs).CheckInvariants(&why));
    bad = d;
    bad.sndMax = d.sndUna + 10; // sent bytes that were never posted
    bad.sndNxt = bad.sndMax;
    bad.retransmitTimer.remainingNs = 1;
    EXPECT_FALSE(TcpEngine::Import(PlainConfig(), 1, 2, bad, 20 * kMs).CheckInvariants(&why));
    EXPECT_NE(why.find("never posted"), std::string::npos);
    bad = d;
    bad.state = TcpState::TimeWait;
    EXPECT_FALSE(TcpEngine::Import(PlainConfig(), 1, 2, bad, 20 * kMs).CheckInvariants(&why));
}

TEST(TcpEngineDelegatedState, ImportWithUnsentDataTransmitsWithoutWaitingForASegment)
{
    TcpEngine e = Established();
    Drain(e);
    const int64_t now = 20 * kMs;
    TcpDelegatedState d = e.Export(now);
    ASSERT_EQ(d.sndUna, d.sndMax);
    // Resumed elsewhere with 3000 bytes queued, nothing in flight and no timer running.
    d.sendData = Pattern(3000);
    d.sendDataSeq = d.sndUna;
    d.sndNxt = d.sndUna;
    d.retransmitTimer.remainingNs = -1;
    d.persistRemainingNs = -1;
    TcpEngine f = TcpEngine::Import(PlainConfig(), 1, 2, d, now);
    std::vector<TcpSegment> out = f.TakeSegments();
    ASSERT_FALSE(out.empty()) << "Import left unsent data waiting for a segment to arrive";
    EXPECT_EQ(out.front().seq, d.sndUna);
    size_t sent = 0;
    for (const TcpSegment& s : out)
    {
        sent += s.payload.size();
    }
    EXPECT_EQ(sent, 3000u);
    EXPECT_EQ(f.SndNxt(), d.sndUna + 3000);
    EXPECT_EQ(f.NextDeadline(), now + f.Rto()) << "RFC 6298 §5.1: data in flight arms the RTO";
    ExpectInvariants(f);
}
