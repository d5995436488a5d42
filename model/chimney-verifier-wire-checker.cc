/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-wire-checker.h"

#include "ns3/simulator.h"

#include <sstream>

namespace ns3
{

// ---------------------------------------------------------------------------------------------
// ChimneyAckObligation (W7)
// ---------------------------------------------------------------------------------------------

void
ChimneyAckObligation::Arm(int64_t owed, Time now)
{
    if (m_owed < 0)
    {
        m_since = now;
    }
    m_owed = std::max(m_owed, owed);
}

bool
ChimneyAckObligation::Discharge(int64_t ack, Time now)
{
    if (m_owed < 0)
    {
        return true;
    }
    if (ack >= m_owed)
    {
        m_owed = -1;
        return true;
    }
    m_since = now; // progress: the deadline restarts
    return false;
}

void
ChimneyAckObligation::Cancel()
{
    m_owed = -1;
}

bool
ChimneyAckObligation::Poll(Time now, Time timeout)
{
    if (m_owed < 0 || now - m_since <= timeout)
    {
        return false;
    }
    return true;
}

// ---------------------------------------------------------------------------------------------
// ChimneyVerifierWireChecker
// ---------------------------------------------------------------------------------------------

using Inv = ChimneyInvariantId;

ChimneyVerifierWireChecker::ChimneyVerifierWireChecker(ChimneyVerifierReporter& reporter,
                                                       const Time& ackTimeout)
    : m_reporter(reporter),
      m_ackTimeout(ackTimeout)
{
}

void
ChimneyVerifierWireChecker::CheckTransmittedAfterTerminate(const ShadowDevice& d,
                                                           const ShadowConnection* c,
                                                           OffloadHandle handle,
                                                           const ChimneyEvidence& evidence)
{
    m_reporter.Report(ChimneyInvariantId::W8,
                      &d,
                      c,
                      handle,
                      "the target transmitted after the connection's terminate completed",
                      evidence);
}

bool
ChimneyVerifierWireChecker::CheckTargetSegment(const ShadowDevice& d,
                                               const ShadowConnection& c,
                                               const WireSegment& w,
                                               const ChimneyEvidence& evidence)
{
    const TcpSegment& s = w.tcp;
    if (s.Has(TcpSegment::SYN))
    {
        m_reporter
            .Report(ChimneyInvariantId::W9, &d, &c, c.handle, "the target sent a SYN", evidence);
    }
    if (!c.rstSent)
    {
        return true;
    }
    const bool pureAck = w.PayloadSize() == 0 &&
                         (s.flags & (TcpSegment::SYN | TcpSegment::FIN | TcpSegment::RST)) == 0;
    if (pureAck)
    {
        m_reporter.Report(ChimneyInvariantId::W6,
                          &d,
                          &c,
                          c.handle,
                          "the target acknowledged a segment after its abortive disconnect",
                          evidence);
    }
    else
    {
        m_reporter.Report(ChimneyInvariantId::W5,
                          &d,
                          &c,
                          c.handle,
                          "the target sent a segment after its RST",
                          evidence);
    }
    return false;
}

void
ChimneyVerifierWireChecker::CheckTargetRst(const ShadowDevice& d,
                                           const ShadowConnection& c,
                                           int64_t o,
                                           const ChimneyEvidence& evidence)
{
    m_reporter.Exercised(Inv::W4);
    if (c.maxSent > c.acked)
    {
        m_reporter.Exercised(Inv::W10); // data in flight: SND.NXT is not the peer's ACK
    }
    if (!c.abortiveActive)
    {
        m_reporter.Report(ChimneyInvariantId::W4,
                          &d,
                          &c,
                          c.handle,
                          "the target sent RST without an abortive disconnect",
                          evidence);
    }
    // SPEC W10 [model choice]: SND.NXT as the wire shows it, the highest sequence the target
    // sent (RFC 9293's SND.NXT never moves back); anything else earns an RFC 5961 peer's
    // challenge ACK instead of a reset.
    if (o != c.maxSent)
    {
        std::ostringstream w;
        w << "RST sequence at offset " << o << ", SND.NXT (the highest sequence sent) is "
          << c.maxSent << " (peer ACK " << c.acked << ")";
        m_reporter.Report(ChimneyInvariantId::W10, &d, &c, c.handle, w.str(), evidence);
    }
}

void
ChimneyVerifierWireChecker::CheckTargetPayload(const ShadowDevice& d,
                                               const ShadowConnection& c,
                                               int64_t o,
                                               int64_t len,
                                               const ChimneyEvidence& evidence)
{
    if (c.finOff >= 0)
    {
        m_reporter.Exercised(Inv::W1);
    }
    if (o + len == c.posted)
    {
        m_reporter.Exercised(Inv::W9);
    }
    if (c.finOff >= 0 && o + len > c.finOff)
    {
        std::ostringstream w;
        w << "payload up to offset " << (o + len) << " beyond the FIN at " << c.finOff;
        m_reporter.Report(ChimneyInvariantId::W1, &d, &c, c.handle, w.str(), evidence);
    }
    if (o + len > c.posted)
    {
        std::ostringstream w;
        w << "payload up to offset " << (o + len) << " but only " << c.posted
          << " bytes were posted";
        m_reporter.Report(ChimneyInvariantId::W9, &d, &c, c.handle, w.str(), evidence);
    }
    if (o < 0)
    {
        m_reporter.Report(ChimneyInvariantId::W9,
                          &d,
                          &c,
                          c.handle,
                          "payload before the data handed over at offload",
                          evidence);
    }
}

void
ChimneyVerifierWireChecker::CheckTargetFin(const ShadowDevice& d,
                                           const ShadowConnection& c,
                                           int64_t f,
                                           const ChimneyEvidence& evidence)
{
    if (c.finOff >= 0)
    {
        m_reporter.Exercised(Inv::W3);
    }
    else if ((c.gracefulActive || c.finAtOffload) && !c.blind && c.expectedFin > 0)
    {
        m_reporter.Exercised(Inv::W2);
    }
    if (c.finOff >= 0 && f != c.finOff)
    {
        std::ostringstream w;
        w << "FIN at offset " << f << ", an earlier FIN was at " << c.finOff;
        m_reporter.Report(ChimneyInvariantId::W3, &d, &c, c.handle, w.str(), evidence);
    }
    else if (c.finOff < 0)
    {
        if (!c.gracefulActive && !c.finAtOffload)
        {
            m_reporter.Report(ChimneyInvariantId::W2,
                              &d,
                              &c,
                              c.handle,
                              "the target sent FIN without a graceful disconnect",
                              evidence);
        }
        else if (!c.blind && f != c.expectedFin)
        {
            std::ostringstream w;
            w << "FIN at offset " << f << ", the data posted ends at " << c.expectedFin << " ("
              << (f < c.expectedFin ? "bytes skipped" : "bytes added") << ")";
            m_reporter.Report(ChimneyInvariantId::W2, &d, &c, c.handle, w.str(), evidence);
        }
    }
}

void
ChimneyVerifierWireChecker::CheckTargetAck(const ShadowDevice& d,
                                           const ShadowConnection& c,
                                           int64_t a,
                                           const ChimneyEvidence& evidence)
{
    if (c.maxRemoteEnd > c.RcvNxt())
    {
        m_reporter.Exercised(Inv::W9); // a hole: data beyond it is not received in order
    }
    // Received data is what arrived in order: an ACK never jumps a hole on the wire.
    if (a > c.RcvNxt())
    {
        std::ostringstream w;
        w << "ACK for offset " << a << " but the remote's data arrived in order only up to "
          << c.RcvNxt();
        if (c.maxRemoteEnd > c.RcvNxt())
        {
            w << " (a hole before " << c.maxRemoteEnd << ")";
        }
        m_reporter.Report(ChimneyInvariantId::W9, &d, &c, c.handle, w.str(), evidence);
    }
}

bool
ChimneyVerifierWireChecker::CheckRemoteFin(const ShadowDevice& d,
                                           const ShadowConnection& c,
                                           int64_t f,
                                           const ChimneyEvidence& evidence)
{
    if (c.remoteFin >= 0)
    {
        m_reporter.Exercised(Inv::W3);
    }
    if (c.remoteFin >= 0 && f != c.remoteFin)
    {
        m_reporter.Report(ChimneyInvariantId::W3,
                          &d,
                          &c,
                          c.handle,
                          "the remote's FINs carry different sequence numbers",
                          evidence);
        return false;
    }
    return true;
}

void
ChimneyVerifierWireChecker::CheckDeliveredAfterRst(const ShadowDevice& d,
                                                   const ShadowConnection& c,
                                                   uint64_t bytes,
                                                   const ChimneyEvidence& evidence)
{
    if (c.rcvLimit >= 0)
    {
        m_reporter.Exercised(Inv::W6);
    }
    if (c.rcvLimit >= 0 && c.delivered + static_cast<int64_t>(bytes) > c.rcvLimit)
    {
        m_reporter.Report(ChimneyInvariantId::W6,
                          &d,
                          &c,
                          c.handle,
                          "data received after the abortive disconnect was delivered",
                          evidence);
    }
}

void
ChimneyVerifierWireChecker::CheckReturnedFin(const ShadowDevice& d,
                                             const ShadowConnection& c,
                                             const TcpDelegatedState& s,
                                             const ChimneyEvidence& evidence)
{
    if (c.expectedFin > 0)
    {
        m_reporter.Exercised(Inv::W2);
    }
    if (c.SendOff(s.finSeq) != c.expectedFin)
    {
        m_reporter.Report(ChimneyInvariantId::W2,
                          &d,
                          &c,
                          c.handle,
                          "returned FIN sequence is not the end of the data posted",
                          evidence);
    }
}

void
ChimneyVerifierWireChecker::NoteRemoteSegment(const ShadowConnection& c,
                                              const WireSegment& w,
                                              int64_t o)
{
    const TcpSegment& s = w.tcp;
    const bool exactRst = o == c.RcvNxt() || (c.lastAck >= 0 && o == c.lastAck);
    if (s.Has(TcpSegment::SYN) || (s.Has(TcpSegment::RST) && !exactRst))
    {
        m_reporter.Exercised(Inv::W4);
    }
    if (c.rstSent)
    {
        m_reporter.Exercised(Inv::W5);
    }
    if ((c.abortiveActive || c.rstSent) && (w.PayloadSize() > 0 || s.Has(TcpSegment::FIN)))
    {
        m_reporter.Exercised(Inv::W6);
    }
}

void
ChimneyVerifierWireChecker::NoteRemoteAfterTerminate()
{
    m_reporter.Exercised(Inv::W8);
}

// ---------------------------------------------------------------------------------------------
// W7
// ---------------------------------------------------------------------------------------------

namespace
{

/// W7 holds "until remote FIN/RST, terminate or abort": once one of these facts is true (they
/// never become false again) nothing is owed any more, and nothing new can be armed.
bool
AckObligationEnded(const ShadowConnection& c)
{
    return c.acceptableRst || c.terminateRequested || c.Aborted();
}

} // namespace

void
ChimneyVerifierWireChecker::ArmAckObligation(const ShadowConnection& c)
{
    // After the target's FIN, remote data within its window must be acknowledged (any RST
    // from the remote, acceptable or not, stops new obligations).
    if (c.finOff < 0 || c.remoteRst || AckObligationEnded(c))
    {
        return;
    }
    int64_t owed = c.wire;
    if (c.rightEdge >= 0)
    {
        owed = std::min(owed, c.rightEdge);
    }
    if (owed > c.lastAck)
    {
        m_reporter.Exercised(Inv::W7);
        m_owed[&c].Arm(owed, Simulator::Now());
    }
}

void
ChimneyVerifierWireChecker::DischargeAckObligation(const ShadowConnection& c)
{
    if (m_owed.empty())
    {
        return;
    }
    auto it = m_owed.find(&c);
    if (it != m_owed.end() && it->second.Discharge(c.lastAck, Simulator::Now()))
    {
        m_owed.erase(it);
    }
}

void
ChimneyVerifierWireChecker::CancelAckObligation(const ShadowConnection& c)
{
    m_owed.erase(&c);
}

void
ChimneyVerifierWireChecker::PollOwed(const ShadowDevice& d, const ShadowConnection& c)
{
    auto it = m_owed.find(&c);
    if (it == m_owed.end())
    {
        return;
    }
    if (AckObligationEnded(c))
    {
        m_owed.erase(it); // cancelled by the connection's own facts (RST, abort, terminate)
        return;
    }
    if (!it->second.Poll(Simulator::Now(), m_ackTimeout))
    {
        return;
    }
    std::ostringstream w;
    w << "remote data up to offset " << it->second.GetOwed() << " received after the target's "
      << "FIN was not acknowledged within " << m_ackTimeout.As(Time::MS) << " (last ACK at "
      << c.lastAck << ")";
    m_owed.erase(it);
    m_reporter.Report(ChimneyInvariantId::W7, &d, &c, c.handle, w.str(), "");
}

void
ChimneyVerifierWireChecker::Clear()
{
    m_owed.clear();
}

} // namespace ns3
