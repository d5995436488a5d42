/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyVerifierInterfaceChecker, the terminate's part of A9 (the terminate block's status,
// requests outstanding at it, the returned send chain and delegated state); the rest of the A
// family is in chimney-verifier-interface-checker.cc.

#include "chimney-verifier-interface-checker.h"
#include "tcp-seq.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

using Inv = ChimneyInvariantId;

// ---------------------------------------------------------------------------------------------
// Terminate (A9)
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifierInterfaceChecker::CheckTerminateBlockStatus(const ShadowDevice& d,
                                                           const ShadowConnection& c,
                                                           ChimneyStatus status,
                                                           const ChimneyEvidence& evidence)
{
    if (c.phase != ShadowConnection::TERMINATING)
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          &c,
                          c.handle,
                          "terminate block completion without a terminate request",
                          evidence);
    }
    // A9: SUCCESS or FAILURE only; FAILURE means the state was lost (hardware failure).
    if (status != ChimneyStatus::SUCCESS && status != ChimneyStatus::FAILURE)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          std::string("terminate block status ") + ToString(status) +
                              " (only SUCCESS or FAILURE)",
                          evidence);
    }
    if (status == ChimneyStatus::FAILURE && !c.hwFailure)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "terminate FAILURE without a hardware failure",
                          evidence);
    }
}

void
ChimneyVerifierInterfaceChecker::CheckTerminateOutstanding(const ShadowDevice& d,
                                                           const ShadowConnection& c,
                                                           const ChimneyEvidence& evidence)
{
    if (c.AnyOutstanding())
    {
        m_reporter.Report(
            ChimneyInvariantId::A9,
            &d,
            &c,
            c.handle,
            "terminate completed while a request of the connection is still outstanding",
            evidence);
    }
}

bool
ChimneyVerifierInterfaceChecker::CheckReturnedSendChain(const ShadowDevice& d,
                                                        const ShadowConnection& c,
                                                        const TcpOffloadBlock& block,
                                                        const ChimneyEvidence& evidence)
{
    const TcpDelegatedState& s = block.delegated;
    // The send chain is exactly the send NBLs not completed, original NBLs, in *posting* order
    // (not merely the order in which the target handed them back).
    auto posting = c.returned;
    std::stable_sort(posting.begin(), posting.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });
    std::vector<const NetBufferList*> expected;
    for (const auto& n : posting)
    {
        expected.push_back(PeekPointer(n.second));
    }
    if (posting != c.returned)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "send NBLs handed back out of posting order",
                          evidence);
    }
    std::vector<const NetBufferList*> chain;
    for (Ptr<const NetBufferList> n = block.sendDataHead; n && chain.size() <= expected.size() + 1;
         n = n->next)
    {
        chain.push_back(PeekPointer(n));
    }
    if (expected.size() >= 2)
    {
        m_reporter.Exercised(Inv::A9);
    }
    if (chain != expected)
    {
        std::ostringstream w;
        w << "returned send chain holds " << chain.size() << " NBLs; the target handed back "
          << expected.size() << " (original NBLs in posting order expected, null when none)";
        m_reporter.Report(ChimneyInvariantId::A9, &d, &c, c.handle, w.str(), evidence);
    }
    // A dead connection's data does not continue anywhere.
    return !(c.Aborted() || s.state == TcpState::Closed);
}

void
ChimneyVerifierInterfaceChecker::CheckReturnedSendState(const ShadowDevice& d,
                                                        const ShadowConnection& c,
                                                        const TcpDelegatedState& s,
                                                        const ChimneyEvidence& evidence)
{
    if (!(SeqLeq(s.sndUna, s.sndNxt) && SeqLeq(s.sndNxt, s.sndMax)))
    {
        std::ostringstream w;
        w << "returned SndUna " << s.sndUna << ", SndNxt " << s.sndNxt << ", SndMax " << s.sndMax
          << " not in order";
        m_reporter.Report(ChimneyInvariantId::A9, &d, &c, c.handle, w.str(), evidence);
    }
    const int64_t una = c.SendOff(s.sndUna);
    const int64_t max = c.SendOff(s.sndMax);
    if (una > c.acked)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "returned SndUna is beyond the peer's ACK on the wire",
                          evidence);
    }
    if (max < c.maxSent)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "returned SndMax is below what the target sent on the wire",
                          evidence);
    }
    const int64_t dataStart = c.SendOff(s.sendDataSeq);
    // sendData[0] is the byte at SndUna; once the FIN is acknowledged SndUna is one beyond.
    const bool finAcked = s.finRequested && s.sendData.empty() && SeqGt(s.sndUna, s.finSeq);
    if (dataStart != una && !(finAcked && dataStart == una - 1))
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "returned send data does not start at SndUna",
                          evidence);
    }
}

bool
ChimneyVerifierInterfaceChecker::CheckReturnedFin(const ShadowDevice& d,
                                                  const ShadowConnection& c,
                                                  const TcpDelegatedState& s,
                                                  const ChimneyEvidence& evidence)
{
    if (c.gracefulActive || c.finAtOffload)
    {
        if (!s.finRequested)
        {
            m_reporter.Report(ChimneyInvariantId::A9,
                              &d,
                              &c,
                              c.handle,
                              "returned state lost the FIN of the graceful disconnect",
                              evidence);
            return false;
        }
        return true;
    }
    if (s.finRequested)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "returned state requests a FIN nobody asked for",
                          evidence);
    }
    return false;
}

void
ChimneyVerifierInterfaceChecker::CheckReturnedRcvNxt(const ShadowDevice& d,
                                                     const ShadowConnection& c,
                                                     const TcpDelegatedState& s,
                                                     const ChimneyEvidence& evidence)
{
    if (c.RecvOff(s.rcvNxt) > c.maxRemoteEnd)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "returned RcvNxt is beyond what the peer sent on the wire",
                          evidence);
    }
}

void
ChimneyVerifierInterfaceChecker::CheckReturnedAck(const ShadowDevice& d,
                                                  const ShadowConnection& c,
                                                  const TcpDelegatedState& s,
                                                  const ChimneyEvidence& evidence)
{
    // SPEC 3.6: the pending ACK goes out before the terminate completes.
    const int64_t rcvNxt = c.RecvOff(s.rcvNxt);
    if (rcvNxt != c.offloadRcvNxt && c.lastAck < rcvNxt)
    {
        m_reporter.Report(ChimneyInvariantId::A9,
                          &d,
                          &c,
                          c.handle,
                          "terminate completed without acknowledging everything received "
                          "(pending ACK not sent)",
                          evidence);
    }
}

} // namespace ns3
