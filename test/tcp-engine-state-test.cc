/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// One small, exact test per transition of the engine (table: tcp-engine-transitions.cc), in
// two files: this one the codec, CLOSED, LISTEN, SYN-SENT, SYN-RECEIVED and receiving in
// ESTABLISHED; tcp-engine-state-close-test.cc sending, congestion control, timers, closing,
// ABORT and delegated-state export/import. Shared helpers: tcp-engine-state-test-helpers.h.

#include "tcp-engine-state-test-helpers.h"

#include <cstring>
#include <gtest/gtest.h>
#include <random>
#include <utility>

using namespace ns3;
using namespace tcp_engine_state_test;

// ============================================================================================
// Sequence numbers and the segment codec
// ============================================================================================

TEST(TcpSeq, ComparisonsWrapAround)
{
    EXPECT_TRUE(SeqLt(0xfffffff0u, 0x10u));
    EXPECT_TRUE(SeqGt(0x10u, 0xfffffff0u));
    EXPECT_TRUE(SeqLeq(5u, 5u));
    EXPECT_TRUE(SeqGeq(5u, 5u));
    EXPECT_FALSE(SeqLt(5u, 5u));
    EXPECT_EQ(SeqMax(0xffffffffu, 1u), 1u);
    EXPECT_EQ(SeqMin(0xffffffffu, 1u), 0xffffffffu);
}

TEST(TcpSegmentCodec, SeqLenCountsSynAndFin)
{
    TcpSegment s = Seg(S | F, 1, 0, 0, 10);
    EXPECT_EQ(s.SeqLen(), 12u);
}

TEST(TcpSegmentCodec, SerializeParseRoundTripWithAllOptions)
{
    TcpSegment s = Seg(S | A | TcpSegment::PSH, 0x01020304, 0xa0b0c0d0, 4321, 17);
    s.urgentPointer = 7;
    s.mss = 1460;
    s.windowScale = 7;
    s.sackPermitted = true;
    s.hasTimestamp = true;
    s.tsVal = 0xdeadbeef;
    s.tsEcr = 42;
    std::vector<uint8_t> w = s.Serialize();
    ASSERT_EQ(w.size(), 20u + 24u + 17u);
    EXPECT_EQ(w[12] >> 4, 11);   // data offset: 44 bytes
    EXPECT_EQ(w[16] | w[17], 0); // checksum left to IP
    TcpSegment p;
    ASSERT_TRUE(TcpSegment::Parse(w.data(), w.size(), p));
    EXPECT_EQ(p.srcPort, s.srcPort);
    EXPECT_EQ(p.dstPort, s.dstPort);
    EXPECT_EQ(p.seq, s.seq);
    EXPECT_EQ(p.ack, s.ack);
    EXPECT_EQ(p.flags, s.flags);
    EXPECT_EQ(p.window, s.window);
    EXPECT_EQ(p.urgentPointer, 7);
    EXPECT_EQ(p.mss, s.mss);
    EXPECT_EQ(p.windowScale, s.windowScale);
    EXPECT_TRUE(p.sackPermitted);
    EXPECT_TRUE(p.hasTimestamp);
    EXPECT_EQ(p.tsVal, s.tsVal);
    EXPECT_EQ(p.tsEcr, s.tsEcr);
    EXPECT_EQ(p.payload, s.payload);
}

TEST(TcpSegmentCodec, ParseRejectsBadDataOffset)
{
    std::vector<uint8_t> w = Seg(A, 1, 2).Serialize();
    TcpSegment p;
    w[12] = 4 << 4; // below 5 words
    EXPECT_FALSE(TcpSegment::Parse(w.data(), w.size(), p));
    w[12] = 6 << 4; // beyond the buffer
    EXPECT_FALSE(TcpSegment::Parse(w.data(), w.size(), p));
    EXPECT_FALSE(TcpSegment::Parse(w.data(), 19, p)); // shorter than a header
    EXPECT_FALSE(TcpSegment::Parse(nullptr, 0, p));
}

TEST(TcpSegmentCodec, ParseRejectsTruncatedAndInconsistentOptions)
{
    TcpSegment p;
    std::vector<uint8_t> w = Seg(A, 1, 2).Serialize();
    w[12] = 6 << 4;
    w.resize(24);
    w[20] = 2; // MSS kind, length byte runs past the header
    w[21] = 8;
    EXPECT_FALSE(TcpSegment::Parse(w.data(), w.size(), p));
    w[21] = 3; // MSS with the wrong length
    EXPECT_FALSE(TcpSegment::Parse(w.data(), w.size(), p));
    w[21] = 0; // zero length
    EXPECT_FALSE(TcpSegment::Parse(w.data(), w.size(), p));
    w[20] = 1; // NOP NOP NOP kind-without-length
    w[21] = 1;
    w[22] = 1;
    w[23] = 8;
    EXPECT_FALSE(TcpSegment::Parse(w.data(), w.size(), p));
    w[23] = 0; // ... END: fine
    EXPECT_TRUE(TcpSegment::Parse(w.data(), w.size(), p));
    w[20] = 99; // unknown option skipped by its length
    w[21] = 4;
    EXPECT_TRUE(TcpSegment::Parse(w.data(), w.size(), p));
}

TEST(TcpSegmentCodec, ParseSurvivesRandomBytes)
{
    std::mt19937 rng(1);
    TcpSegment p;
    int accepted = 0;
    for (int i = 0; i < 20000; ++i)
    {
        std::vector<uint8_t> buf(rng() % 80);
        for (uint8_t& b : buf)
        {
            b = static_cast<uint8_t>(rng());
        }
        if (buf.size() > 12 && (i & 1))
        {
            buf[12] = static_cast<uint8_t>((5 + rng() % 3) << 4); // plausible data offsets
        }
        if (TcpSegment::Parse(buf.data(), buf.size(), p))
        {
            ++accepted;
            std::vector<uint8_t> again = p.Serialize(); // whatever parsed must re-encode
            TcpSegment q;
            ASSERT_TRUE(TcpSegment::Parse(again.data(), again.size(), q));
            EXPECT_EQ(q.payload, p.payload);
        }
    }
    EXPECT_GT(accepted, 0);
}

TEST(TcpSegmentCodec, ToStringIsTcpdumpLike)
{
    TcpSegment s = Seg(S | A, 100, 200, 512, 3);
    s.mss = 536;
    EXPECT_EQ(s.ToString(),
              "2 > 1: Flags [S.], seq 100:103, ack 200, win 512, options [mss 536], length 3");
    EXPECT_EQ(TcpSegment::FlagsToString(R), "R");
    EXPECT_EQ(TcpSegment::FlagsToString(F | A), "F.");
}

// ============================================================================================
// CLOSED and LISTEN (RFC 9293 §3.10.7.1, §3.10.7.2)
// ============================================================================================

TEST(TcpEngineState, ClosedRepliesRstWithSeqEqualSegAckToAck)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.OnSegment(0, Seg(A, 77, 1234, 100, 5));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, R);
    EXPECT_EQ(out[0].seq, 1234u);
    EXPECT_EQ(e.State(), TcpState::Closed);
}

TEST(TcpEngineState, ClosedRepliesRstAckToNonAckSegment)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.OnSegment(0, Seg(S | F, 77, 0, 100, 5));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, R | A);
    EXPECT_EQ(out[0].seq, 0u);
    EXPECT_EQ(out[0].ack, 77u + 5 + 2);
}

TEST(TcpEngineState, ClosedIgnoresRst)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.OnSegment(0, Seg(R, 77, 0));
    EXPECT_TRUE(e.TakeSegments().empty());
}

TEST(TcpEngineState, ListenSynMovesToSynRcvdAndSendsSynAckWithoutSack)
{
    TcpEngineConfig c = PlainConfig();
    c.timestamps = true;
    c.windowScaling = true;
    c.rcvBufSize = 131072;
    TcpEngine e(c, 1, 2, kIss);
    e.Listen();
    EXPECT_EQ(e.State(), TcpState::Listen);
    TcpSegment syn = Seg(S, kIrs, 0, 65535);
    syn.mss = 536;
    syn.windowScale = 7;
    syn.sackPermitted = true;
    syn.hasTimestamp = true;
    syn.tsVal = 99;
    e.OnSegment(5 * kMs, syn);
    EXPECT_EQ(e.State(), TcpState::SynRcvd);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, S | A);
    EXPECT_EQ(out[0].seq, kIss);
    EXPECT_EQ(out[0].ack, kIrs + 1);
    EXPECT_EQ(out[0].mss, std::optional<uint16_t>(1000));
    EXPECT_EQ(out[0].windowScale, std::optional<uint8_t>(2)); // 131072 >> 2 fits 16 bits
    EXPECT_FALSE(out[0].sackPermitted);                       // SACK declined
    EXPECT_TRUE(out[0].hasTimestamp);
    EXPECT_EQ(out[0].tsEcr, 99u);
    EXPECT_EQ(out[0].window, 65535);   // SYN windows are not scaled
    EXPECT_EQ(e.SndMss(), 536u - 12u); // RFC 9293 §3.7.1: options subtracted
    ExpectInvariants(e);
}

TEST(TcpEngineState, ListenAckElicitsRst)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Listen();
    e.OnSegment(0, Seg(A, 10, 555));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, R);
    EXPECT_EQ(out[0].seq, 555u);
    EXPECT_EQ(e.State(), TcpState::Listen);
}

TEST(TcpEngineState, ListenIgnoresRstAndPlainData)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Listen();
    e.OnSegment(0, Seg(R, 10, 0));
    e.OnSegment(0, Seg(0, 10, 0, 100, 10));
    EXPECT_TRUE(e.TakeSegments().empty());
    EXPECT_EQ(e.State(), TcpState::Listen);
}

TEST(TcpEngineState, ShutdownInListenCloses)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Listen();
    e.ShutdownSend(0);
    EXPECT_EQ(e.State(), TcpState::Closed);
}

// ============================================================================================
// SYN-SENT (RFC 9293 §3.10.7.3)
// ============================================================================================

TEST(TcpEngineState, ConnectSendsSynWithOptionsAndNoSackPermitted)
{
    TcpEngineConfig c = PlainConfig();
    c.timestamps = true;
    c.windowScaling = true;
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(3 * kMs);
    EXPECT_EQ(e.State(), TcpState::SynSent);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, S);
    EXPECT_EQ(out[0].seq, kIss);
    EXPECT_EQ(out[0].mss, std::optional<uint16_t>(1000));
    EXPECT_TRUE(out[0].windowScale.has_value());
    EXPECT_FALSE(out[0].sackPermitted);
    EXPECT_TRUE(out[0].hasTimestamp);
    EXPECT_EQ(out[0].tsVal, 3u);
    EXPECT_EQ(out[0].tsEcr, 0u);
    EXPECT_EQ(e.NextDeadline(), 3 * kMs + kSec);
}

TEST(TcpEngineState, SynSentSynAckMovesToEstablishedAndAcks)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    e.OnSegment(10 * kMs, SynAck(30000));
    EXPECT_EQ(e.State(), TcpState::Established);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, A);
    EXPECT_EQ(out[0].seq, kIss + 1);
    EXPECT_EQ(out[0].ack, kIrs + 1);
    EXPECT_EQ(e.SndWnd(), 30000u);
    EXPECT_EQ(e.Cwnd(), 4000u);
    EXPECT_EQ(e.Rto(), 200 * kMs); // RTT 10 ms sampled from the SYN, clamped to rtoMin
    EXPECT_EQ(e.NextDeadline(), -1);
    auto ev = e.TakeEvents();
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::Established));
    ExpectInvariants(e);
}

TEST(TcpEngineState, SynSentBadAckElicitsRst)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    TcpSegment bad = SynAck();
    bad.ack = kIss + 7;
    e.OnSegment(1, bad);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, R);
    EXPECT_EQ(out[0].seq, kIss + 7);
    EXPECT_EQ(e.State(), TcpState::SynSent);
}

TEST(TcpEngineState, SynSentRstWithAcceptableAckClosesWithReset)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Connect(0);
    e.TakeEvents();
    e.OnSegment(1, Seg(R | A, 0, kIss + 1));
    EXPECT_EQ(e.State(), TcpState::Closed);
    auto ev = e.TakeEvents();
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::Reset));
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::Closed));
    EXPECT_EQ(e.NextDeadline(), -1);
}

TEST(TcpEngineState, SynSentRstWithoutAckIsIgnored)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Connect(0);
    e.OnSegment(1, Seg(R, 0, 0));
    EXPECT_EQ(e.State(), TcpState::SynSent);
}

TEST(TcpEngineState, SynRetransmittedWithBackoffThenTimedOut)
{
    TcpEngineConfig c = PlainConfig();
    c.maxSynRetransmits = 2;
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    e.OnTimer(kSec);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, S);
    EXPECT_EQ(e.NextDeadline(), 3 * kSec); // backed off to 2 s
    e.OnTimer(3 * kSec);
    EXPECT_EQ(e.TakeSegments().size(), 1u);
    EXPECT_EQ(e.NextDeadline(), 7 * kSec);
    e.OnTimer(7 * kSec);
    EXPECT_TRUE(e.TakeSegments().empty());
    EXPECT_EQ(e.State(), TcpState::Closed);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::TimedOut));
}

TEST(TcpEngineState, SimultaneousOpenReachesEstablishedOnBothSides)
{
    TcpEngine a(PlainConfig(), 1, 2, kIss);
    TcpEngine b(PlainConfig(), 2, 1, kIrs);
    a.Connect(0);
    b.Connect(0);
    Cross(a, b, 1 * kMs); // the SYNs
    EXPECT_EQ(a.State(), TcpState::SynRcvd);
    EXPECT_EQ(b.State(), TcpState::SynRcvd);
    const auto synAcks = Cross(a, b, 2 * kMs);
    EXPECT_EQ(synAcks.first.flags, S | A);
    EXPECT_EQ(a.State(), TcpState::Established);
    EXPECT_EQ(b.State(), TcpState::Established);
    EXPECT_TRUE(Has(a.TakeEvents(), TcpEvent::Kind::Established));
    EXPECT_EQ(a.RcvNxt(), kIrs + 1);
    EXPECT_EQ(b.RcvNxt(), kIss + 1);
    ExpectInvariants(a);
    ExpectInvariants(b);
}

TEST(TcpEngineState, ShutdownSendInSynSentDefersFinUntilEstablished)
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    auto data = Pattern(10);
    EXPECT_EQ(e.Send(0, data.data(), data.size()), 10u);
    e.ShutdownSend(0);
    EXPECT_EQ(e.State(), TcpState::SynSent);
    e.OnSegment(10 * kMs, SynAck());
    EXPECT_EQ(e.State(), TcpState::FinWait1);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags & (F | A), F | A); // data and FIN together
    EXPECT_EQ(out[0].payload, data);
    EXPECT_EQ(out[0].seq, kIss + 1);
}

// ============================================================================================
// SYN-RECEIVED
// ============================================================================================

namespace
{

TcpEngine
SynRcvd()
{
    TcpEngine e(PlainConfig(), 1, 2, kIss);
    e.Listen();
    TcpSegment syn = Seg(S, kIrs, 0);
    syn.mss = 1000;
    e.OnSegment(0, syn);
    Drain(e);
    return e;
}

} // namespace

TEST(TcpEngineState, SynRcvdAckOfSynMovesToEstablished)
{
    TcpEngine e = SynRcvd();
    e.OnSegment(5 * kMs, Seg(A, kIrs + 1, kIss + 1, 20000));
    EXPECT_EQ(e.State(), TcpState::Established);
    EXPECT_EQ(e.SndWnd(), 20000u);
    EXPECT_TRUE(Has(e.TakeEvents(), TcpEvent::Kind::Established));
    EXPECT_TRUE(e.TakeSegments().empty());
    ExpectInvariants(e);
}

TEST(TcpEngineState, SynRcvdAckWithDataDeliversIt)
{
    TcpEngine e = SynRcvd();
    e.OnSegment(5 * kMs, Seg(A, kIrs + 1, kIss + 1, 20000, 100));
    EXPECT_EQ(e.State(), TcpState::Established);
    EXPECT_EQ(e.BytesReadable(), 100u);
}

TEST(TcpEngineState, SynRcvdRetransmittedSynResendsSynAck)
{
    TcpEngine e = SynRcvd();
    e.OnSegment(5 * kMs, Seg(S, kIrs, 0));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, S | A);
    EXPECT_EQ(out[0].seq, kIss);
    EXPECT_EQ(e.State(), TcpState::SynRcvd);
}

TEST(TcpEngineState, SynRcvdRstReturnsToListenForPassiveOpen)
{
    TcpEngine e = SynRcvd();
    e.OnSegment(5 * kMs, Seg(R, kIrs + 1, 0));
    EXPECT_EQ(e.State(), TcpState::Listen);
    EXPECT_EQ(e.NextDeadline(), -1);
    EXPECT_FALSE(Has(e.TakeEvents(), TcpEvent::Kind::Reset));
}

TEST(TcpEngineState, SynRcvdBadAckElicitsRst)
{
    TcpEngine e = SynRcvd();
    e.OnSegment(5 * kMs, Seg(A, kIrs + 1, kIss + 50));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, R);
    EXPECT_EQ(out[0].seq, kIss + 50);
    EXPECT_EQ(e.State(), TcpState::SynRcvd);
}

TEST(TcpEngineState, SynRcvdSynAckTimeoutRetransmits)
{
    TcpEngine e = SynRcvd();
    e.OnTimer(kSec);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, S | A);
}

// ============================================================================================
// ESTABLISHED: receiving
// ============================================================================================

TEST(TcpEngineState, InOrderDataIsDeliveredAndAckDelayed)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 500));
    EXPECT_TRUE(e.TakeSegments().empty()); // delayed
    EXPECT_EQ(e.NextDeadline(), 220 * kMs);
    EXPECT_EQ(Bytes(e.TakeEvents(), TcpEvent::Kind::DataReadable), 500u);
    e.OnTimer(220 * kMs);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 501);
    EXPECT_EQ(e.Read(0, 1000), Pattern(500, static_cast<uint8_t>(kIrs + 1)));
}

TEST(TcpEngineState, SecondSegmentIsAcknowledgedImmediately)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 1000));
    e.OnSegment(21 * kMs, Seg(A, kIrs + 1001, kIss + 1, 65535, 1000));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 2001);
    EXPECT_EQ(e.NextDeadline(), -1);
}

TEST(TcpEngineState, FlushPendingAckSendsTheDelayedAckNowAndStopsItsTimer)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 500));
    ASSERT_TRUE(e.TakeSegments().empty());
    ASSERT_EQ(e.NextDeadline(), 220 * kMs);
    ASSERT_TRUE(e.Export(30 * kMs).ackPending);
    e.FlushPendingAck(30 * kMs);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, A);
    EXPECT_EQ(out[0].seq, kIss + 1);
    EXPECT_EQ(out[0].ack, kIrs + 501);
    EXPECT_EQ(e.NextDeadline(), -1) << "the delayed-ACK timer is stopped";
    TcpDelegatedState d = e.Export(30 * kMs);
    EXPECT_FALSE(d.ackPending);
    EXPECT_EQ(d.delayedAckRemainingNs, -1);
    EXPECT_EQ(d.delayedAckSegments, 0u);
    ExpectInvariants(e);
    // Nothing owed any more: a second flush and the old deadline send nothing.
    e.FlushPendingAck(40 * kMs);
    e.OnTimer(220 * kMs);
    EXPECT_TRUE(e.TakeSegments().empty());
    // A closed connection owes no ACK.
    TcpEngine c = Established();
    c.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 500));
    c.Abort(30 * kMs);
    c.TakeSegments();
    c.FlushPendingAck(40 * kMs);
    EXPECT_TRUE(c.TakeSegments().empty());
}

TEST(TcpEngineState, OutOfOrderDataIsAckedImmediatelyAndDeliveredWhenHoleFills)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 101, kIss + 1, 65535, 100));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 1); // duplicate ACK
    EXPECT_EQ(e.BytesReadable(), 0u);
    e.OnSegment(21 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 100));
    out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u); // hole filled: immediate ACK
    EXPECT_EQ(out[0].ack, kIrs + 201);
    EXPECT_EQ(e.BytesReadable(), 200u);
    ExpectInvariants(e);
}

TEST(TcpEngineState, OverlappingRetransmissionIsTrimmed)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 100));
    e.OnSegment(21 * kMs, Seg(A, kIrs + 51, kIss + 1, 65535, 100)); // 50 old, 50 new
    EXPECT_EQ(e.BytesReadable(), 150u);
    std::vector<uint8_t> got = e.Read(0, 150);
    EXPECT_EQ(got[100], static_cast<uint8_t>(kIrs + 51 + 50));
}

TEST(TcpEngineState, FinInEstablishedMovesToCloseWait)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(F | A, kIrs + 1, kIss + 1, 65535, 10));
    EXPECT_EQ(e.State(), TcpState::CloseWait);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u); // FIN is acknowledged at once
    EXPECT_EQ(out[0].ack, kIrs + 12);
    auto ev = e.TakeEvents();
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::RemoteFin));
    EXPECT_EQ(e.BytesReadable(), 10u);
    EXPECT_TRUE(e.RemoteFinReceived());
}

TEST(TcpEngineState, FinBeyondHoleIsAcceptedOnlyAfterTheHoleFills)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(F | A, kIrs + 11, kIss + 1, 65535, 10));
    EXPECT_EQ(e.State(), TcpState::Established);
    EXPECT_FALSE(Has(e.TakeEvents(), TcpEvent::Kind::RemoteFin));
    e.OnSegment(21 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 10));
    EXPECT_EQ(e.State(), TcpState::CloseWait);
    EXPECT_EQ(e.RcvNxt(), kIrs + 22);
    auto ev = e.TakeEvents();
    ASSERT_TRUE(Has(ev, TcpEvent::Kind::RemoteFin));
    // RemoteFin comes after the data became readable
    size_t readable = 0;
    size_t fin = 0;
    for (size_t i = 0; i < ev.size(); ++i)
    {
        if (ev[i].kind == TcpEvent::Kind::DataReadable)
        {
            readable = i;
        }
        if (ev[i].kind == TcpEvent::Kind::RemoteFin)
        {
            fin = i;
        }
    }
    EXPECT_LT(readable, fin);
}

TEST(TcpEngineState, RstExactInEstablishedClosesWithReset)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(R, kIrs + 1, 0));
    EXPECT_EQ(e.State(), TcpState::Closed);
    auto ev = e.TakeEvents();
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::Reset));
    EXPECT_TRUE(Has(ev, TcpEvent::Kind::Closed));
    EXPECT_TRUE(e.TakeSegments().empty());
}

TEST(TcpEngineState, RstInWindowNotExactSendsOneChallengeAck)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(R, kIrs + 100, 0));
    EXPECT_EQ(e.State(), TcpState::Established);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, A);
    EXPECT_EQ(out[0].seq, kIss + 1);
    EXPECT_EQ(out[0].ack, kIrs + 1);
    EXPECT_FALSE(Has(e.TakeEvents(), TcpEvent::Kind::Reset));
}

TEST(TcpEngineState, RstOutsideWindowIsDropped)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(R, kIrs + 1 + 70000, 0));
    e.OnSegment(20 * kMs, Seg(R, kIrs - 10, 0));
    EXPECT_EQ(e.State(), TcpState::Established);
    EXPECT_TRUE(e.TakeSegments().empty());
}

TEST(TcpEngineState, SynInEstablishedSendsChallengeAck)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(S, kIrs + 10, 0));
    EXPECT_EQ(e.State(), TcpState::Established);
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].flags, A);
    EXPECT_EQ(out[0].ack, kIrs + 1);
}

TEST(TcpEngineState, OldDuplicateSegmentIsAckedAndDropped)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 100));
    e.TakeSegments();
    e.OnSegment(21 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 100));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 101);
    EXPECT_EQ(e.BytesReadable(), 100u);
}

TEST(TcpEngineState, SegmentWithoutAckIsDropped)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(0, kIrs + 1, 0, 65535, 100));
    EXPECT_EQ(e.BytesReadable(), 0u);
}

TEST(TcpEngineState, AckOfUnsentDataIsAckedAndDropped)
{
    TcpEngine e = Established();
    e.OnSegment(20 * kMs, Seg(A, kIrs + 1, kIss + 500, 65535, 10));
    auto out = e.TakeSegments();
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].ack, kIrs + 1); // the text was not accepted
    EXPECT_EQ(e.BytesReadable(), 0u);
}

TEST(TcpEngineState, LaggingPureAckIsStillProcessed)
{
    // A peer that sends pure ACKs from its retransmission point (ns-3 after a timeout).
    TcpEngine e = Established();
    auto data = Pattern(100);
    e.Send(20 * kMs, data.data(), data.size());
    e.TakeSegments();
    e.OnSegment(21 * kMs, Seg(A, kIrs + 1, kIss + 1, 65535, 300));
    e.TakeSegments();
    e.OnSegment(22 * kMs, Seg(A, kIrs + 1, kIss + 101)); // seq < RCV.NXT, no text
    EXPECT_EQ(e.SndUna(), kIss + 101);
}

// ============================================================================================
