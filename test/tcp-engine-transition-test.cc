/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Walks every cell of the engine's transition table (model/tcp-engine-transitions.cc): an engine
// is built in each state, given one segment of each kind (or one user call, or all its timers),
// and the state it ends in is compared with the table below, read from RFC 9293 §3.10. The
// expectations are written here, not taken from the engine's table, so a change to either shows.

#include "ns3/tcp-engine.h"

#include <gtest/gtest.h>
#include <string>
#include <tuple>
#include <vector>

using namespace ns3;

namespace
{

constexpr uint32_t kIss = 1000;
constexpr uint32_t kIrs = 5000;
constexpr int64_t kMs = 1000000;

constexpr TcpState CLOSED = TcpState::Closed;
constexpr TcpState LISTEN = TcpState::Listen;
constexpr TcpState SYN_SENT = TcpState::SynSent;
constexpr TcpState SYN_RCVD = TcpState::SynRcvd;
constexpr TcpState ESTAB = TcpState::Established;
constexpr TcpState FIN_W1 = TcpState::FinWait1;
constexpr TcpState FIN_W2 = TcpState::FinWait2;
constexpr TcpState CLOSE_W = TcpState::CloseWait;
constexpr TcpState CLOSING = TcpState::Closing;
constexpr TcpState LAST_ACK = TcpState::LastAck;
constexpr TcpState TIME_W = TcpState::TimeWait;

TcpEngineConfig
Config()
{
    TcpEngineConfig c;
    c.mss = 1000;
    c.timestamps = false;
    c.windowScaling = false;
    c.rcvBufSize = 65535;
    c.rtoMinNs = 200 * kMs;
    return c;
}

TcpSegment
Seg(uint8_t flags, uint32_t seq, uint32_t ack)
{
    TcpSegment s;
    s.srcPort = 2;
    s.dstPort = 1;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.window = 65535;
    if (flags & TcpSegment::SYN)
    {
        s.mss = 1000;
    }
    return s;
}

TcpEngine
Fresh()
{
    return TcpEngine(Config(), 1, 2, kIss);
}

void
Give(TcpEngine& e, int64_t now, const TcpSegment& s)
{
    e.OnSegment(now, s);
    e.TakeSegments();
    e.TakeEvents();
}

/// ESTABLISHED by an active open at 10 ms, 100 bytes sent and not acknowledged.
TcpEngine
Established()
{
    TcpEngine e = Fresh();
    e.Connect(0);
    Give(e, 10 * kMs, Seg(TcpSegment::SYN | TcpSegment::ACK, kIrs, kIss + 1));
    const std::vector<uint8_t> data(100, 7);
    e.Send(10 * kMs, data.data(), data.size());
    e.TakeSegments();
    return e;
}

/// FIN_WAIT_1: our FIN sent after the 100 bytes, nothing of it acknowledged.
TcpEngine
FinWait1()
{
    TcpEngine e = Established();
    e.ShutdownSend(20 * kMs);
    e.TakeSegments();
    e.TakeEvents();
    return e;
}

/// FIN_WAIT_2: data and FIN acknowledged.
TcpEngine
FinWait2()
{
    TcpEngine e = FinWait1();
    Give(e, 30 * kMs, Seg(TcpSegment::ACK, kIrs + 1, e.SndMax()));
    return e;
}

/// CLOSE_WAIT: the peer's FIN (seq kIrs+1) accepted, our data acknowledged.
TcpEngine
CloseWait()
{
    TcpEngine e = Established();
    Give(e, 20 * kMs, Seg(TcpSegment::FIN | TcpSegment::ACK, kIrs + 1, e.SndMax()));
    return e;
}

/// One engine per row of the table: a name and how to build it.
struct Setup
{
    const char* name;
    TcpEngine (*make)();
};

const Setup kSetups[] = {
    {"CLOSED", [] { return Fresh(); }},
    {"LISTEN",
     [] {
         TcpEngine e = Fresh();
         e.Listen();
         return e;
     }},
    {"SYN_SENT",
     [] {
         TcpEngine e = Fresh();
         e.Connect(0);
         e.TakeSegments();
         return e;
     }},
    {"SYN_RCVD_passive",
     [] {
         TcpEngine e = Fresh();
         e.Listen();
         Give(e, 0, Seg(TcpSegment::SYN, kIrs, 0));
         return e;
     }},
    {"SYN_RCVD_simultaneous",
     [] {
         TcpEngine e = Fresh();
         e.Connect(0);
         Give(e, 0, Seg(TcpSegment::SYN, kIrs, 0));
         return e;
     }},
    {"ESTABLISHED", [] { return Established(); }},
    {"FIN_WAIT_1", [] { return FinWait1(); }},
    {"FIN_WAIT_2", [] { return FinWait2(); }},
    {"CLOSE_WAIT", [] { return CloseWait(); }},
    {"CLOSING",
     [] {
         TcpEngine e = FinWait1();
         Give(e, 30 * kMs, Seg(TcpSegment::FIN | TcpSegment::ACK, kIrs + 1, e.SndUna()));
         return e;
     }},
    {"LAST_ACK",
     [] {
         TcpEngine e = CloseWait();
         e.ShutdownSend(30 * kMs);
         e.TakeSegments();
         e.TakeEvents();
         return e;
     }},
    {"TIME_WAIT",
     [] {
         TcpEngine e = FinWait2();
         Give(e, 40 * kMs, Seg(TcpSegment::FIN | TcpSegment::ACK, kIrs + 1, e.SndMax()));
         return e;
     }},
};

constexpr size_t kRows = sizeof(kSetups) / sizeof(kSetups[0]);

/// The state each setup must be in before the walk.
const TcpState kSetupState[kRows] = {CLOSED,
                                     LISTEN,
                                     SYN_SENT,
                                     SYN_RCVD,
                                     SYN_RCVD,
                                     ESTAB,
                                     FIN_W1,
                                     FIN_W2,
                                     CLOSE_W,
                                     CLOSING,
                                     LAST_ACK,
                                     TIME_W};

/// Segment kinds, from the peer: sequence numbers relative to what the engine expects.
enum Kind : size_t
{
    Rst,       // RST,ACK at RCV.NXT acknowledging all we sent (exact)
    RstInWin,  // RST,ACK 10 beyond RCV.NXT (RFC 5961 §3.2: challenge ACK)
    Syn,       // the peer's SYN (seq = its ISS) again, or for the first time
    SynAck,    // SYN,ACK (seq = its ISS) acknowledging all we sent
    Ack,       // ACK of nothing new (ACK = SND.UNA)
    AckAll,    // ACK of all we sent (our SYN, data and FIN)
    Fin,       // FIN,ACK of nothing new; a retransmission once the peer's FIN was accepted
    FinAckAll, // FIN,ACK acknowledging all we sent
    kKinds,
};

const char* const kKindNames[kKinds] =
    {"RST", "RST_IN_WINDOW", "SYN", "SYN_ACK", "ACK", "ACK_ALL", "FIN", "FIN_ACK_ALL"};

TcpSegment
Make(const TcpEngine& e, Kind kind)
{
    const uint8_t A = TcpSegment::ACK;
    const bool synchronized = e.State() != CLOSED && e.State() != LISTEN && e.State() != SYN_SENT;
    const uint32_t next = synchronized ? e.RcvNxt() : kIrs + 1; // the peer's next sequence number
    const uint32_t fin = e.RemoteFinReceived() ? next - 1 : next;
    switch (kind)
    {
    case Rst:
        return Seg(TcpSegment::RST | A, next, e.SndMax());
    case RstInWin:
        return Seg(TcpSegment::RST | A, next + 10, e.SndMax());
    case Syn:
        return Seg(TcpSegment::SYN, kIrs, 0);
    case SynAck:
        return Seg(TcpSegment::SYN | A, kIrs, e.SndMax());
    case Ack:
        return Seg(A, next, e.SndUna());
    case AckAll:
        return Seg(A, next, e.SndMax());
    case Fin:
        return Seg(TcpSegment::FIN | A, fin, e.SndUna());
    default:
        return Seg(TcpSegment::FIN | A, fin, e.SndMax());
    }
}

// clang-format off

/// SEGMENT ARRIVES (RFC 9293 §3.10.7): the state after one segment of each kind. Rows: the
/// setups above (SYN_RCVD p: from a passive OPEN; s: from a simultaneous open).
const TcpState kAfterSegment[kRows][kKinds] = {
//                RST       RST_IN_W  SYN       SYN,ACK   ACK       ACK_ALL   FIN       FIN,ACK_ALL
/* CLOSED     */ {CLOSED,   CLOSED,   CLOSED,   CLOSED,   CLOSED,   CLOSED,   CLOSED,   CLOSED  },
/* LISTEN     */ {LISTEN,   LISTEN,   SYN_RCVD, LISTEN,   LISTEN,   LISTEN,   LISTEN,   LISTEN  },
/* SYN_SENT   */ {CLOSED,   CLOSED,   SYN_RCVD, ESTAB,    SYN_SENT, SYN_SENT, SYN_SENT, SYN_SENT},
/* SYN_RCVD p */ {LISTEN,   SYN_RCVD, SYN_RCVD, ESTAB,    SYN_RCVD, ESTAB,    SYN_RCVD, CLOSE_W },
/* SYN_RCVD s */ {CLOSED,   SYN_RCVD, SYN_RCVD, ESTAB,    SYN_RCVD, ESTAB,    SYN_RCVD, CLOSE_W },
/* ESTAB      */ {CLOSED,   ESTAB,    ESTAB,    ESTAB,    ESTAB,    ESTAB,    CLOSE_W,  CLOSE_W },
/* FIN_W1     */ {CLOSED,   FIN_W1,   FIN_W1,   FIN_W1,   FIN_W1,   FIN_W2,   CLOSING,  TIME_W  },
/* FIN_W2     */ {CLOSED,   FIN_W2,   FIN_W2,   FIN_W2,   FIN_W2,   FIN_W2,   TIME_W,   TIME_W  },
/* CLOSE_W    */ {CLOSED,   CLOSE_W,  CLOSE_W,  CLOSE_W,  CLOSE_W,  CLOSE_W,  CLOSE_W,  CLOSE_W },
/* CLOSING    */ {CLOSED,   CLOSING,  CLOSING,  CLOSING,  CLOSING,  TIME_W,   CLOSING,  CLOSING },
/* LAST_ACK   */ {CLOSED,   LAST_ACK, LAST_ACK, LAST_ACK, LAST_ACK, CLOSED,   LAST_ACK, LAST_ACK},
/* TIME_W     */ {CLOSED,   TIME_W,   TIME_W,   TIME_W,   TIME_W,   TIME_W,   TIME_W,   TIME_W  },
};
// A FIN,ACK in CLOSING or LAST_ACK is the peer's FIN again: it fails the sequence check and is
// ACKed and dropped (§3.10.7.4 first), so its ACK field is not processed.

/// User calls (RFC 9293 §3.10.1 - §3.10.5) and every timer run to its end (§3.10.8).
enum Call : size_t
{
    Open,
    Listen,
    Close,
    Abort,
    Timers,
    kCalls,
};

const char* const kCallNames[kCalls] = {"OPEN", "LISTEN", "CLOSE", "ABORT", "TIMERS"};

const TcpState kAfterCall[kRows][kCalls] = {
//                OPEN      LISTEN    CLOSE     ABORT     TIMERS
/* CLOSED     */ {SYN_SENT, LISTEN,   CLOSED,   CLOSED,   CLOSED  },
/* LISTEN     */ {LISTEN,   LISTEN,   CLOSED,   CLOSED,   LISTEN  },
/* SYN_SENT   */ {SYN_SENT, SYN_SENT, SYN_SENT, CLOSED,   CLOSED  }, // SYN retries: give up
/* SYN_RCVD p */ {SYN_RCVD, SYN_RCVD, SYN_RCVD, CLOSED,   CLOSED  },
/* SYN_RCVD s */ {SYN_RCVD, SYN_RCVD, SYN_RCVD, CLOSED,   CLOSED  },
/* ESTAB      */ {ESTAB,    ESTAB,    FIN_W1,   CLOSED,   CLOSED  }, // data retries: give up
/* FIN_W1     */ {FIN_W1,   FIN_W1,   FIN_W1,   CLOSED,   CLOSED  },
/* FIN_W2     */ {FIN_W2,   FIN_W2,   FIN_W2,   CLOSED,   FIN_W2  }, // no FIN_WAIT_2 timer
/* CLOSE_W    */ {CLOSE_W,  CLOSE_W,  LAST_ACK, CLOSED,   CLOSE_W },
/* CLOSING    */ {CLOSING,  CLOSING,  CLOSING,  CLOSED,   CLOSED  },
/* LAST_ACK   */ {LAST_ACK, LAST_ACK, LAST_ACK, CLOSED,   CLOSED  },
/* TIME_W     */ {TIME_W,   TIME_W,   TIME_W,   CLOSED,   CLOSED  }, // 2MSL
};

// clang-format on

/// Checks the events a transition reported: one StateChanged per change, ending in `after`.
void
ExpectStateEvents(const std::vector<TcpEvent>& events, TcpState before, TcpState after)
{
    TcpState s = before;
    for (const TcpEvent& ev : events)
    {
        if (ev.kind == TcpEvent::Kind::StateChanged)
        {
            EXPECT_EQ(ev.oldState, s) << ev.ToString();
            s = ev.newState;
        }
    }
    EXPECT_EQ(s, after) << "StateChanged events do not end in the engine's state";
}

void
ExpectInvariants(const TcpEngine& e)
{
    std::string why;
    EXPECT_TRUE(e.CheckInvariants(&why)) << why;
}

class SegmentArrives : public ::testing::TestWithParam<std::tuple<size_t, size_t>>
{
};

TEST_P(SegmentArrives, EndsInTheTablesState)
{
    const size_t row = std::get<0>(GetParam());
    const Kind kind = static_cast<Kind>(std::get<1>(GetParam()));
    TcpEngine e = kSetups[row].make();
    e.TakeEvents();
    ASSERT_EQ(e.State(), kSetupState[row]) << "set-up of " << kSetups[row].name;
    const TcpSegment seg = Make(e, kind);
    e.OnSegment(50 * kMs, seg);
    EXPECT_EQ(e.State(), kAfterSegment[row][kind]) << kSetups[row].name << " + " << seg.ToString();
    ExpectStateEvents(e.TakeEvents(), kSetupState[row], e.State());
    ExpectInvariants(e);
}

INSTANTIATE_TEST_SUITE_P(TcpEngineTransition,
                         SegmentArrives,
                         ::testing::Combine(::testing::Range<size_t>(0, kRows),
                                            ::testing::Range<size_t>(0, kKinds)),
                         [](const ::testing::TestParamInfo<std::tuple<size_t, size_t>>& info) {
                             return std::string(kSetups[std::get<0>(info.param)].name) + "_x_" +
                                    kKindNames[std::get<1>(info.param)];
                         });

class UserCallOrTimer : public ::testing::TestWithParam<std::tuple<size_t, size_t>>
{
};

TEST_P(UserCallOrTimer, EndsInTheTablesState)
{
    const size_t row = std::get<0>(GetParam());
    const Call call = static_cast<Call>(std::get<1>(GetParam()));
    TcpEngine e = kSetups[row].make();
    e.TakeEvents();
    ASSERT_EQ(e.State(), kSetupState[row]) << "set-up of " << kSetups[row].name;
    const int64_t now = 50 * kMs;
    switch (call)
    {
    case Open:
        e.Connect(now);
        break;
    case Listen:
        e.Listen();
        break;
    case Close:
        e.ShutdownSend(now);
        break;
    case Abort:
        e.Abort(now);
        break;
    default:
        // Every timer to its end, no segment from the peer (1000 rounds bound a broken engine).
        for (int i = 0; i < 1000 && e.NextDeadline() >= 0; ++i)
        {
            e.OnTimer(e.NextDeadline());
        }
        EXPECT_LT(e.NextDeadline(), 0) << "timers still armed after 1000 rounds";
        break;
    }
    EXPECT_EQ(e.State(), kAfterCall[row][call]) << kSetups[row].name << " + " << kCallNames[call];
    ExpectStateEvents(e.TakeEvents(), kSetupState[row], e.State());
    ExpectInvariants(e);
}

INSTANTIATE_TEST_SUITE_P(TcpEngineTransition,
                         UserCallOrTimer,
                         ::testing::Combine(::testing::Range<size_t>(0, kRows),
                                            ::testing::Range<size_t>(0, kCalls)),
                         [](const ::testing::TestParamInfo<std::tuple<size_t, size_t>>& info) {
                             return std::string(kSetups[std::get<0>(info.param)].name) + "_x_" +
                                    kCallNames[std::get<1>(info.param)];
                         });

} // namespace
