/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_MISUSE_CHECKER_H
#define CHIMNEY_VERIFIER_MISUSE_CHECKER_H

#include "chimney-verifier-reporter.h"
#include "chimney-verifier-shadow.h"

#include <optional>
#include <string>

/**
 * \file
 * \ingroup chimney
 * The host misuse family (SPEC.md section 4, H), decided independently from the request
 * stream, in the same order as the SPEC and the target's checks; a misuse the target accepts,
 * or refuses without its HostMisuse report, is reported, and every HostMisuse report of the
 * target is relayed (once per call, never suppressed as a repeat):
 *  - H1 unknown, never-offloaded or already-terminated handle;
 *  - H2 disconnect NBL without exactly one NET_BUFFER; abortive disconnect carrying data;
 *    send or receive without an NBL;
 *  - H3 disconnect flags other than GRACEFUL or ABORTIVE;
 *  - H4 a second graceful disconnect, or any disconnect after an abortive one;
 *  - H5 send after a graceful disconnect was issued;
 *  - H6 a second terminate while one is pending (a terminate inside a disconnect or receive
 *    call is not visible in the traces: only relayed from the target);
 *  - H7 offload without a TCP block, in a forbidden TCP state, or while the same connection is
 *    already offloaded.
 *
 * Exercised (ChimneyVerifierReporter::Exercised): H1-H7 each when a call that breaks that
 * rule (as this checker decides it, or as the target reports it) is refused with
 * INVALID_PARAMETER or INVALID_STATE: the refusal, its status and its report are checked.
 *
 * Expected misuse: a call announced beforehand as breaking rule Hn on purpose
 * (ChimneyVerifier::ExpectMisuse, e.g. the fault injector's host.misuse) is checked the same
 * way, but its refusal is not a finding: the target's HostMisuse report is not relayed. It is a
 * finding (with the announced ID) when the target accepts the call, refuses it with another
 * status or without its report, or reports another rule.
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Checks the H invariants (see the file's description). It keeps no state of its own:
 *        every rule is decided from the shadow's records.
 */
class ChimneyVerifierMisuseChecker
{
  public:
    /// \param reporter where findings go
    explicit ChimneyVerifierMisuseChecker(ChimneyVerifierReporter& reporter);

    /**
     * \brief Which rule, if any, a request breaks.
     * \param d the device \param call the call and its objects
     * \param why set to the reason when one is broken
     * \returns the H-ID, or none
     */
    std::optional<ChimneyInvariantId> ExpectedMisuse(const ShadowDevice& d,
                                                     const ShadowPendingCall& call,
                                                     std::string* why) const;

    /**
     * \brief H: the target accepted a misuse.
     * \param d the device \param expected the H-ID (none: no misuse) \param why the reason
     * \param handle the handle \param evidence the call
     */
    void CheckAccepted(const ShadowDevice& d,
                       std::optional<ChimneyInvariantId> expected,
                       const std::string& why,
                       OffloadHandle handle,
                       const ChimneyEvidence& evidence);

    /**
     * \brief H: the target refused a misuse without its HostMisuse report.
     * \param d the device \param call the call \param returned the status
     * \param expected the H-ID (none: no misuse) \param why the reason \param evidence the call
     */
    void CheckRefused(const ShadowDevice& d,
                      const ShadowPendingCall& call,
                      ChimneyStatus returned,
                      std::optional<ChimneyInvariantId> expected,
                      const std::string& why,
                      const ChimneyEvidence& evidence);

    /**
     * \brief An expected misuse returned (see the file's description).
     * \param d the device \param call the call \param returned the status
     * \param announced the H-ID it was announced with \param evidence the call
     * \returns true when it was refused as announced
     */
    bool CheckExpected(const ShadowDevice& d,
                       const ShadowPendingCall& call,
                       ChimneyStatus returned,
                       ChimneyInvariantId announced,
                       const ChimneyEvidence& evidence);

    /**
     * \brief Relay the target's HostMisuse report.
     * \param d the device \param c the record (or null) \param reported the target's H-ID
     * \param handle the handle \param text its description
     * \param expected the call was announced as a misuse: classify only, report nothing
     * \returns the H-ID reported (H1 when the target's cannot be classified)
     */
    ChimneyInvariantId Relay(const ShadowDevice& d,
                             const ShadowConnection* c,
                             const std::string& reported,
                             OffloadHandle handle,
                             const std::string& text,
                             bool expected = false);

  private:
    ChimneyVerifierReporter& m_reporter; //!< where findings go
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_MISUSE_CHECKER_H
