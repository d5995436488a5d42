/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Every state change of TcpEngine: the (state x input) tables of RFC 9293 §3.10 and the one
// function that applies them, Transition(). The inputs are what a call, a segment or a timer
// means once the checks of §3.10.7 passed (tcp-engine-input.cc); a segment that fails them (out
// of window, bad ACK, old timestamp) changes no state: it is ACKed, answered with a RST or
// dropped there. test/tcp-engine-transition-test.cc walks every (state x segment kind) cell.
//
// Where does a FIN in CLOSE_WAIT go? Row CLOSE_W, column FIN below: nowhere. The peer's FIN was
// accepted already, so a retransmitted FIN lies before RCV.NXT, fails the sequence check
// (§3.10.7.4 first) and is ACKed; the connection stays in CLOSE_WAIT.

#include "tcp-engine.h"

#include <cstddef>

namespace ns3
{

namespace
{

/// A table cell: the next state (TcpState's order), no change, or one of two RFC conditions.
enum Next : uint8_t
{
    CLOSED,
    LISTEN,
    SYN_SENT,
    SYN_RCVD,
    ESTAB,
    FIN_W1,
    FIN_W2,
    CLOSE_W,
    CLOSING,
    LAST_ACK,
    TIME_W,
    stay,     // no state change
    LISTEN_P, // LISTEN if the connection came from a passive OPEN, else CLOSED (§3.10.7.4 second)
    TIME_W_A, // TIME_WAIT if our FIN is acknowledged, else CLOSING (§3.10.7.4 eighth)
};

constexpr size_t kStates = static_cast<size_t>(TcpState::TimeWait) + 1;

constexpr bool
SameOrder()
{
    const TcpState states[] = {TcpState::Closed,
                               TcpState::Listen,
                               TcpState::SynSent,
                               TcpState::SynRcvd,
                               TcpState::Established,
                               TcpState::FinWait1,
                               TcpState::FinWait2,
                               TcpState::CloseWait,
                               TcpState::Closing,
                               TcpState::LastAck,
                               TcpState::TimeWait};
    const Next cells[] = {CLOSED,
                          LISTEN,
                          SYN_SENT,
                          SYN_RCVD,
                          ESTAB,
                          FIN_W1,
                          FIN_W2,
                          CLOSE_W,
                          CLOSING,
                          LAST_ACK,
                          TIME_W};
    for (size_t i = 0; i < kStates; ++i)
    {
        if (static_cast<uint8_t>(states[i]) != i || static_cast<uint8_t>(cells[i]) != i)
        {
            return false;
        }
    }
    return true;
}

static_assert(SameOrder(), "a cell is cast to TcpState: Next must list the states in its order");

// clang-format off

/// User calls (RFC 9293 §3.10.1 - §3.10.5).
constexpr Next kUserCalls[kStates][4] = {
//                OPEN      LISTEN    CLOSE     ABORT
/* CLOSED     */ {SYN_SENT, LISTEN,   stay,     stay  },
/* LISTEN     */ {stay,     stay,     CLOSED,   CLOSED},
/* SYN_SENT   */ {stay,     stay,     stay,     CLOSED}, // CLOSE: FIN queued until ESTABLISHED
/* SYN_RCVD   */ {stay,     stay,     stay,     CLOSED}, // CLOSE: FIN queued until ESTABLISHED
/* ESTAB      */ {stay,     stay,     FIN_W1,   CLOSED},
/* FIN_W1     */ {stay,     stay,     stay,     CLOSED}, // CLOSE: "connection closing"
/* FIN_W2     */ {stay,     stay,     stay,     CLOSED},
/* CLOSE_W    */ {stay,     stay,     LAST_ACK, CLOSED},
/* CLOSING    */ {stay,     stay,     stay,     CLOSED},
/* LAST_ACK   */ {stay,     stay,     stay,     CLOSED},
/* TIME_W     */ {stay,     stay,     stay,     CLOSED},
};

/// SEGMENT ARRIVES (RFC 9293 §3.10.7), after the sequence-number and ACK checks.
constexpr Next kSegments[kStates][6] = {
//                SYN       SYN,ACK   ACK(SYN)  ACK(FIN)  FIN       RST
/* CLOSED     */ {stay,     stay,     stay,     stay,     stay,     stay  }, // all but RST: RST
/* LISTEN     */ {SYN_RCVD, stay,     stay,     stay,     stay,     stay  }, // ACK: RST; RST: drop
/* SYN_SENT   */ {SYN_RCVD, ESTAB,    stay,     stay,     stay,     CLOSED}, // bad ACK: RST
/* SYN_RCVD   */ {stay,     stay,     ESTAB,    stay,     CLOSE_W,  LISTEN_P}, // SYN again: SYN,ACK
/* ESTAB      */ {stay,     stay,     stay,     stay,     CLOSE_W,  CLOSED}, // SYN: challenge ACK
/* FIN_W1     */ {stay,     stay,     stay,     FIN_W2,   TIME_W_A, CLOSED},
/* FIN_W2     */ {stay,     stay,     stay,     stay,     TIME_W,   CLOSED},
/* CLOSE_W    */ {stay,     stay,     stay,     stay,     stay,     CLOSED}, // FIN again: ACK it
/* CLOSING    */ {stay,     stay,     stay,     TIME_W,   stay,     CLOSED},
/* LAST_ACK   */ {stay,     stay,     stay,     CLOSED,   stay,     CLOSED},
/* TIME_W     */ {stay,     stay,     stay,     stay,     stay,     CLOSED}, // FIN: ACK, 2MSL again
};

/// Timeouts (RFC 9293 §3.10.8). The time-wait timer runs only in TIME_WAIT.
constexpr Next kTimeouts[kStates][2] = {
//                GIVE UP   2MSL
/* CLOSED     */ {stay,     stay  },
/* LISTEN     */ {CLOSED,   stay  },
/* SYN_SENT   */ {CLOSED,   stay  },
/* SYN_RCVD   */ {CLOSED,   stay  },
/* ESTAB      */ {CLOSED,   stay  },
/* FIN_W1     */ {CLOSED,   stay  },
/* FIN_W2     */ {CLOSED,   stay  },
/* CLOSE_W    */ {CLOSED,   stay  },
/* CLOSING    */ {CLOSED,   stay  },
/* LAST_ACK   */ {CLOSED,   stay  },
/* TIME_W     */ {CLOSED,   CLOSED},
};

// clang-format on

} // namespace

void
TcpEngine::Transition(int64_t now, Input input)
{
    const size_t row = static_cast<size_t>(m_state);
    const size_t in = static_cast<size_t>(input);
    Next cell = stay;
    if (input <= Input::Abort)
    {
        cell = kUserCalls[row][in];
    }
    else if (input <= Input::Rst)
    {
        cell = kSegments[row][in - static_cast<size_t>(Input::Syn)];
    }
    else
    {
        cell = kTimeouts[row][in - static_cast<size_t>(Input::GiveUp)];
    }
    TcpState next;
    switch (cell)
    {
    case stay:
        return;
    case LISTEN_P:
        next = m_passiveOpen ? TcpState::Listen : TcpState::Closed;
        break;
    case TIME_W_A:
        next = FinAcked() ? TcpState::TimeWait : TcpState::Closing;
        break;
    default:
        next = static_cast<TcpState>(cell);
        break;
    }

    // Before the change: what the user is told, and what the new state starts from.
    switch (next)
    {
    case TcpState::Closed:
        if (input == Input::Rst)
        {
            Emit(TcpEvent::Kind::Reset); // §3.10.7.4 second: "connection reset"
        }
        else if (input == Input::GiveUp)
        {
            Emit(TcpEvent::Kind::TimedOut); // §3.10.8: "connection aborted due to user timeout"
        }
        // Delete the TCB: the send buffer and held segments go, readable data stays readable.
        StopAllTimers();
        m_ooo.clear();
        m_remoteFinPending = false;
        m_sndBuf.clear();
        m_sndHead = 0;
        m_ackNow = false;
        m_rttTiming = false;
        ReleaseSpentBuffers();
        break;
    case TcpState::Listen:
        if (m_state == TcpState::SynRcvd)
        {
            // §3.10.7.4 second: a reset SYN-RECEIVED from a passive OPEN returns to LISTEN.
            StopAllTimers();
            m_sndUna = m_sndNxt = m_sndMax = m_iss;
            m_sndDataSeq = m_iss + 1;
            m_rtxCount = 0;
            m_rttTiming = false;
            m_rto = m_cfg.rtoInitialNs;
            m_tsEnabled = false;
            m_wsEnabled = false;
            m_sndWndShift = m_rcvWndShift = 0;
            m_sndWnd = m_maxSndWnd = 0;
        }
        else
        {
            m_passiveOpen = true;
        }
        break;
    case TcpState::SynSent:
        m_passiveOpen = false;
        break;
    case TcpState::SynRcvd:
        if (m_state == TcpState::SynSent)
        {
            m_passiveOpen = false; // simultaneous open (§3.5 figure 8)
        }
        break;
    default:
        break;
    }

    TcpEvent e;
    e.kind = TcpEvent::Kind::StateChanged;
    e.oldState = m_state;
    e.newState = next;
    m_state = next;
    PushEvent(e);

    // After the change: the new state's timers, and a CLOSE that waited for ESTABLISHED.
    switch (next)
    {
    case TcpState::Closed:
        Emit(TcpEvent::Kind::Closed);
        break;
    case TcpState::Established:
        Emit(TcpEvent::Kind::Established);
        if (m_finRequested)
        {
            Transition(now, Input::Close); // §3.10.4: the queued FIN, then FIN-WAIT-1
        }
        break;
    case TcpState::FinWait2:
        RestartIdleTimers(now); // the FIN_WAIT_2 timer, when configured
        break;
    case TcpState::TimeWait:
        StopAllTimers();
        m_timeWaitDeadline = now + m_cfg.timeWaitNs;
        ReleaseSpentBuffers();
        break;
    default:
        break;
    }
}

} // namespace ns3
