/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_END_TO_END_CHECKER_H
#define CHIMNEY_VERIFIER_END_TO_END_CHECKER_H

#include "chimney-verifier-reporter.h"
#include "chimney-verifier-shadow.h"
#include "wire-segment.h"

#include "ns3/nstime.h"

#include <string>
#include <unordered_map>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * The end-to-end family (SPEC.md section 4, E), the streams' bytes compared across the target:
 *  - E1 graceful close: the remote receives exactly the bytes posted, in order, once, including
 *    across an upload; and the host receives exactly the remote's stream. Send direction: each
 *    payload byte the target transmits is compared at once with the byte posted at that
 *    sequence number (by reference to the posted NBLs); receive direction: each byte delivered
 *    against the wire's byte at its position (the shadow keeps the remote's bytes until they
 *    are delivered), reported whenever the delivered end meets a segment boundary of the wire
 *    stream (always at the remote FIN and at terminate); the state returned by the terminate
 * continues both;
 *  - E2 abortive close: the same comparison of the bytes sent (a prefix, then the RST), and an
 *    abortive disconnect succeeds only with an RST on the wire, unless it was issued after the
 *    remote's FIN and our FIN went out before the target took it (no RST then:
 *    doc/chimney.rst, "Abortive disconnect after both FINs");
 *  - E3 after a hardware failure the target sends and delivers nothing, its terminate reports
 *    FAILURE, and the host (when attached on the device) reports the connection failed.
 *
 * Exercised (ChimneyVerifierReporter::Exercised: the situation in which the check could fail
 * arose), per invariant:
 *  - E1 a retransmitted payload compared with the bytes posted, the delivered stream compared
 *    with the wire at a segment boundary, or send or receive data handed back by a terminate
 *    compared across the upload;
 *  - E2 a payload of a connection with an abortive disconnect compared with the bytes posted,
 *    or an abortive disconnect SUCCESS compared with the wire;
 *  - E3 a terminate after a hardware failure, or the host's phase change of such a connection.
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Checks the E invariants (see the file's description).
 *
 * Its own state: per host stack, the connections whose terminate reported FAILURE after a
 * hardware failure, which the host must end as failed (E3).
 */
class ChimneyVerifierEndToEndChecker
{
  public:
    /// \param reporter where findings go
    explicit ChimneyVerifierEndToEndChecker(ChimneyVerifierReporter& reporter);

    /**
     * \brief E3: the target transmitted after its hardware failure.
     * \param d the device \param c the record \param evidence the segment
     */
    void CheckTransmission(const ShadowDevice& d,
                           const ShadowConnection& c,
                           const ChimneyEvidence& evidence);

    /**
     * \brief E1 / E2: the target's payload is the data posted at the same offsets.
     * \param d the device \param c the record \param w the segment \param o its send offset
     * \param evidence the segment
     */
    void CheckSentBytes(const ShadowDevice& d,
                        const ShadowConnection& c,
                        const WireSegment& w,
                        int64_t o,
                        const ChimneyEvidence& evidence);

    /**
     * \brief E1 / E3: a receive completion with bytes (before they count as delivered).
     * \param d the device \param c the record \param r the request \param status status
     * \param bytes bytes \param evidence the completion
     * \returns false when the bytes are not delivered (nothing more to check)
     */
    bool CheckReceiveCompletion(const ShadowDevice& d,
                                const ShadowConnection& c,
                                const ShadowReceiveRequest& r,
                                ChimneyStatus status,
                                uint64_t bytes,
                                const ChimneyEvidence& evidence);

    /**
     * \brief E1: the bytes delivered so far against the remote's stream on the wire.
     * \param d the device \param c the record (its comparison points are used up)
     * \param evidence the event
     */
    void CheckDelivered(const ShadowDevice& d,
                        ShadowConnection& c,
                        const ChimneyEvidence& evidence);

    /**
     * \brief E2: an abortive disconnect's completion.
     * \param d the device \param c the record \param r the request (null: unknown)
     * \param status status \param evidence completion
     */
    void CheckAbortiveCompletion(const ShadowDevice& d,
                                 ShadowConnection& c,
                                 const ShadowDisconnectRequest* r,
                                 ChimneyStatus status,
                                 const ChimneyEvidence& evidence);

    /**
     * \brief E2: an abortive SUCCESS without RST, issued after the remote's FIN, is right only
     *        if our FIN went out (checked at the terminate and at Finish).
     * \param d the device \param c the record \param evidence the terminate, or empty
     */
    void CheckAbortiveWithoutRst(const ShadowDevice& d,
                                 const ShadowConnection& c,
                                 const ChimneyEvidence& evidence);

    /**
     * \brief E3: a terminate block completion after a hardware failure.
     * \param d the device \param c the record \param status status \param evidence completion
     */
    void CheckTerminateStatus(const ShadowDevice& d,
                              const ShadowConnection& c,
                              ChimneyStatus status,
                              const ChimneyEvidence& evidence);

    /**
     * \brief E1: the send data returned by the terminate continues the data posted.
     * \param d the device \param c the record \param s the returned state
     * \param evidence the completion
     */
    void CheckReturnedSendData(const ShadowDevice& d,
                               const ShadowConnection& c,
                               const TcpDelegatedState& s,
                               const ChimneyEvidence& evidence);

    /**
     * \brief E1: delivered plus returned receive data is the remote's stream.
     * \param d the device \param c the record \param s the returned state
     * \param evidence the completion
     */
    void CheckReturnedReceiveData(const ShadowDevice& d,
                                  const ShadowConnection& c,
                                  const TcpDelegatedState& s,
                                  const ChimneyEvidence& evidence);

    /**
     * \brief The terminate block completed: after a hardware failure the host must now end the
     *        connection as failed.
     * \param d the device \param c the record
     */
    void OnTerminated(const ShadowDevice& d, const ShadowConnection& c);

    /**
     * \brief E3: the host stack's PhaseChange trace.
     * \param h the host \param handle the connection \param to new phase \param detail detail
     */
    void OnHostPhase(const ShadowHost& h,
                     OffloadHandle handle,
                     const std::string& to,
                     const std::string& detail);

    /// E3 at the end of the run: connections the host never reported failed. \param h the host
    void FinishHost(const ShadowHost& h);

    /// Forget everything (the verifier is disposed).
    void Clear();

  private:
    /// Connections that must end FAILED at the host: handle -> when the terminate completed.
    using Failing = std::unordered_map<OffloadHandle, Time>;

    /// \param h a host \returns its failing connections
    Failing& FailingOf(const ShadowHost& h);

    ChimneyVerifierReporter& m_reporter; //!< where findings go
    std::vector<Failing> m_failing;      //!< by host index
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_END_TO_END_CHECKER_H
