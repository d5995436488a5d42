/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_WIRE_CHECKER_H
#define CHIMNEY_VERIFIER_WIRE_CHECKER_H

#include "chimney-verifier-reporter.h"
#include "chimney-verifier-shadow.h"
#include "wire-segment.h"

#include "ns3/nstime.h"

#include <string>
#include <unordered_map>

/**
 * \file
 * \ingroup chimney
 * The wire family (SPEC.md section 4, W), read from the segments on the link, never from the
 * engine's own variables:
 *  - W1 no payload byte at or beyond the FIN's sequence number, ever;
 *  - W2 the FIN's sequence is the end of every byte posted before the graceful disconnect (also
 *    in the state returned by the terminate);
 *  - W3 one FIN sequence number per direction;
 *  - W4 the target sends RST only after an abortive disconnect request;
 *  - W5 after the target's RST, it sends nothing more on that connection;
 *  - W6 after an abortive disconnect, the target acknowledges nothing it receives (seen as: no
 *    pure ACK after its RST, no data received after the RST delivered);
 *  - W7 after the target's FIN, remote data within its advertised window is acknowledged
 *    within AckTimeout (ChimneyAckObligation), until remote FIN/RST, terminate or abort;
 *  - W8 after terminate completes, the target sends nothing for that connection;
 *  - W9 sent sequence numbers never exceed posted data, ACK numbers never exceed the remote's
 *    data (and FIN) received in order on the wire, the target never sends SYN;
 *  - W10 the RST carries SND.NXT, the highest sequence the target sent on the wire.
 *
 * Exercised (ChimneyVerifierReporter::Exercised: the situation in which the check could fail
 * arose), per invariant:
 *  - W1 a payload segment of the target after its FIN is on the wire (a retransmission: a byte
 *    could lie beyond the FIN);
 *  - W2 the target's first FIN, or the terminate's returned FIN, compared with a non-empty
 *    posted stream;
 *  - W3 a second FIN in either direction (a retransmission) compared with the first;
 *  - W4 a remote segment a careless target answers with RST (an RST that is not exactly
 *    acceptable, a SYN), or the target's RST checked against its abortive disconnect;
 *  - W5 a remote segment arriving after the target's RST;
 *  - W6 a remote segment with data or FIN arriving after the abortive disconnect request;
 *  - W7 remote data after the target's FIN that puts the target under an ACK obligation;
 *  - W8 a remote segment arriving for a connection whose terminate completed;
 *  - W9 a target payload segment reaching the end of the data posted, or a target ACK while
 *    the remote's data on the wire has a hole;
 *  - W10 the target's RST sent with data in flight (SND.UNA < SND.MAX).
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief W7: an acknowledgement the target owes for remote data it accepted after its FIN.
 *
 * Armed by remote data, discharged by the target's ACK reaching it, cancelled when the
 * obligation ends (an acceptable remote RST, either side's abort, hardware failure, the
 * terminate: checked from the shadow's facts when polled; explicitly when the terminate
 * completes or the record goes), polled at every event of the connection and at the end of
 * the run: overdue once no ACK progress was made for the timeout.
 */
class ChimneyAckObligation
{
  public:
    /**
     * \brief Remote data up to offset owed must be acknowledged.
     * \param owed the receive offset owed
     * \param now the time
     */
    void Arm(int64_t owed, Time now);

    /**
     * \brief The target's ACK advanced to ack.
     * \param ack the receive offset acknowledged
     * \param now the time
     * \returns true when nothing is owed any more
     */
    bool Discharge(int64_t ack, Time now);

    /// Nothing is owed any more.
    void Cancel();

    /**
     * \brief Is the acknowledgement overdue? (The checker reports it once and cancels it.)
     * \param now the time
     * \param timeout AckTimeout
     * \returns true when overdue
     */
    bool Poll(Time now, Time timeout);

    /// \returns true when an acknowledgement is owed
    bool IsArmed() const
    {
        return m_owed >= 0;
    }

    /// \returns the receive offset owed, -1: nothing
    int64_t GetOwed() const
    {
        return m_owed;
    }

  private:
    int64_t m_owed{-1}; //!< offset the target must acknowledge, -1: nothing owed
    Time m_since;       //!< deadline base (reset on progress)
};

/**
 * \ingroup chimney
 * \brief Checks the W invariants (see the file's description) on the target's and the
 *        remote's segments, and the W rules on completions and on the terminate's state.
 *
 * Its own state: the W7 obligations armed (only those: a connection owing nothing costs
 * nothing).
 */
class ChimneyVerifierWireChecker
{
  public:
    /**
     * \param reporter where findings go
     * \param ackTimeout W7's timeout (the verifier's AckTimeout attribute)
     */
    ChimneyVerifierWireChecker(ChimneyVerifierReporter& reporter, const Time& ackTimeout);

    /**
     * \brief W8: the target transmitted after the connection's terminate completed.
     * \param d the device \param c the record (null when gone) \param handle its handle
     * \param evidence the segment
     */
    void CheckTransmittedAfterTerminate(const ShadowDevice& d,
                                        const ShadowConnection* c,
                                        OffloadHandle handle,
                                        const ChimneyEvidence& evidence);

    /**
     * \brief W9 (SYN), W5 / W6 (anything after the target's RST).
     * \param d the device \param c the record \param w the segment \param evidence its text
     * \returns false when the target's RST already went out: nothing more to check
     */
    bool CheckTargetSegment(const ShadowDevice& d,
                            const ShadowConnection& c,
                            const WireSegment& w,
                            const ChimneyEvidence& evidence);

    /**
     * \brief W4, W10: the target's RST (before the shadow records it).
     * \param d the device \param c the record \param o its send offset \param evidence its text
     */
    void CheckTargetRst(const ShadowDevice& d,
                        const ShadowConnection& c,
                        int64_t o,
                        const ChimneyEvidence& evidence);

    /**
     * \brief W1, W9: the target's payload [o, o + len).
     * \param d the device \param c the record \param o send offset \param len bytes
     * \param evidence the segment
     */
    void CheckTargetPayload(const ShadowDevice& d,
                            const ShadowConnection& c,
                            int64_t o,
                            int64_t len,
                            const ChimneyEvidence& evidence);

    /**
     * \brief W3, W2: the target's FIN at offset f (before the shadow records it).
     * \param d the device \param c the record \param f FIN offset \param evidence the segment
     */
    void CheckTargetFin(const ShadowDevice& d,
                        const ShadowConnection& c,
                        int64_t f,
                        const ChimneyEvidence& evidence);

    /**
     * \brief W9: the target's ACK number a.
     * \param d the device \param c the record \param a receive offset \param evidence the segment
     */
    void CheckTargetAck(const ShadowDevice& d,
                        const ShadowConnection& c,
                        int64_t a,
                        const ChimneyEvidence& evidence);

    /**
     * \brief W3: the remote's FIN at offset f.
     * \param d the device \param c the record \param f FIN offset \param evidence the segment
     * \returns true when consistent with an earlier one (the shadow records it)
     */
    bool CheckRemoteFin(const ShadowDevice& d,
                        const ShadowConnection& c,
                        int64_t f,
                        const ChimneyEvidence& evidence);

    /**
     * \brief W6: bytes delivered in a receive completion after the target's RST.
     * \param d the device \param c the record \param bytes bytes delivered
     * \param evidence the completion
     */
    void CheckDeliveredAfterRst(const ShadowDevice& d,
                                const ShadowConnection& c,
                                uint64_t bytes,
                                const ChimneyEvidence& evidence);

    /**
     * \brief W2: the FIN sequence of the state returned by the terminate.
     * \param d the device \param c the record \param s the returned state
     * \param evidence the completion
     */
    void CheckReturnedFin(const ShadowDevice& d,
                          const ShadowConnection& c,
                          const TcpDelegatedState& s,
                          const ChimneyEvidence& evidence);

    /**
     * \brief Coverage of W4, W5, W6: a remote segment (before the shadow takes it in).
     * \param c the record \param w the segment \param o its receive offset
     */
    void NoteRemoteSegment(const ShadowConnection& c, const WireSegment& w, int64_t o);

    /// Coverage of W8: a remote segment for a connection whose terminate completed.
    void NoteRemoteAfterTerminate();

    // --- W7 ---

    /// W7 armed: remote data arrived (after the shadow took it in). \param c the record
    void ArmAckObligation(const ShadowConnection& c);
    /// W7: the target's ACK advanced to c.lastAck. \param c the record
    void DischargeAckObligation(const ShadowConnection& c);
    /// W7 ends: the terminate completed, or the record goes (RST, abort, failure and the
    /// terminate request end it through the shadow's facts, seen when polled).
    /// \param c the record
    void CancelAckObligation(const ShadowConnection& c);

    /// W7 overdue? Reported once; an obligation the connection's facts ended is dropped.
    /// \param d the device \param c the record
    void PollAckObligation(const ShadowDevice& d, const ShadowConnection& c)
    {
        if (!m_owed.empty()) // nothing owed anywhere is the usual case: no lookup per event
        {
            PollOwed(d, c);
        }
    }

    /// Forget every obligation (the verifier is disposed).
    void Clear();

  private:
    /// PollAckObligation() when something is owed. \param d the device \param c the record
    void PollOwed(const ShadowDevice& d, const ShadowConnection& c);

    ChimneyVerifierReporter& m_reporter; //!< where findings go
    const Time& m_ackTimeout;            //!< W7's timeout
    /// The armed W7 obligations, by connection record.
    std::unordered_map<const ShadowConnection*, ChimneyAckObligation> m_owed;
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_WIRE_CHECKER_H
