/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_RESOURCE_CHECKER_H
#define CHIMNEY_VERIFIER_RESOURCE_CHECKER_H

#include "chimney-verifier-reporter.h"
#include "chimney-verifier-shadow.h"

#include <string>
#include <unordered_map>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * The resource lifetime family (SPEC.md section 4, R), read from the device's resource ledger
 * (ResourceAllocated / ResourceFreed) against the interface and the wire:
 *  - R1 no resource of a connection is freed before its terminate completes;
 *  - R2 every resource of a terminated connection is freed when its terminate completes;
 *  - R3 no double free, no second allocation for a connection, no transmission on freed state;
 *  - R4 at the end of a run: every request and offload completed, every connection terminated,
 *    nothing held for terminated connections, nothing held by nobody;
 *  - R5 resources held never exceed the capacity; an offload that fails holds nothing, and
 *    the target transmits nothing for it.
 *
 * Exercised (ChimneyVerifierReporter::Exercised: the situation in which the check could fail
 * arose), per invariant:
 *  - R1 a terminate completing for a connection that held resources and was closed before it
 *    (its FIN or RST sent, remote FIN or RST, hardware failure: a target could have freed it);
 *  - R2 a terminate completing for a connection that holds resources;
 *  - R3 a terminate completing with data in flight (a retransmission timer could still run on
 *    freed state);
 *  - R4 the end-of-run audit of a device that terminated connections;
 *  - R5 an offload that failed, or an allocation that fills the target to its capacity.
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Checks the R invariants (see the file's description).
 *
 * Its own state, per device: ledger entries held, and those held by no live connection
 * (orphans: R4 at the end unless freed).
 */
class ChimneyVerifierResourceChecker
{
  public:
    /**
     * \param reporter where findings go
     * \param requireTerminated R4 reports connections still offloaded (the RequireTerminated
     *        attribute)
     */
    ChimneyVerifierResourceChecker(ChimneyVerifierReporter& reporter,
                                   const bool& requireTerminated);

    /**
     * \brief R5 / R3: a ledger entry allocated.
     * \param d the device \param c the live record (null when none or terminated)
     * \param handle the handle \param evidence the ledger event
     * \returns true when the record takes it (the shadow marks it allocated)
     */
    bool OnAllocated(const ShadowDevice& d,
                     const ShadowConnection* c,
                     OffloadHandle handle,
                     const ChimneyEvidence& evidence);

    /**
     * \brief R1 / R3: a ledger entry freed.
     * \param d the device \param c the record (null when none) \param handle the handle
     * \param evidence the ledger event
     * \returns true when it is the record's entry (the shadow marks it freed)
     */
    bool OnFreed(const ShadowDevice& d,
                 const ShadowConnection* c,
                 OffloadHandle handle,
                 const ChimneyEvidence& evidence);

    /**
     * \brief R3: the target transmitted on a connection whose resources were freed.
     * \param d the device \param c the record \param evidence the segment
     */
    void CheckTransmission(const ShadowDevice& d,
                           const ShadowConnection& c,
                           const ChimneyEvidence& evidence);

    /**
     * \brief R5: the target transmitted for a connection whose offload failed.
     * \param d the device \param handle its handle \param evidence the segment
     */
    void CheckTransmissionAfterFailedOffload(const ShadowDevice& d,
                                             OffloadHandle handle,
                                             const ChimneyEvidence& evidence);

    /**
     * \brief R5: an offload failed (its record goes).
     * \param d the device \param c the record \param status the offload block's status
     * \param evidence the completion
     */
    void OnOffloadFailed(const ShadowDevice& d,
                         const ShadowConnection& c,
                         ChimneyStatus status,
                         const ChimneyEvidence& evidence);

    /**
     * \brief R2: the terminate list completed with the connection terminated.
     * \param d the device \param c the record \param evidence the completion
     */
    void CheckTerminateCompleted(const ShadowDevice& d,
                                 const ShadowConnection& c,
                                 const ChimneyEvidence& evidence);

    /**
     * \brief The record goes (terminate list completed): what it still holds is nobody's.
     * \param d the device \param c the record
     */
    void OnConnectionEnded(const ShadowDevice& d, const ShadowConnection& c);

    /**
     * \brief R4 at the end of the run, for one live record.
     * \param d the device \param c the record
     */
    void FinishConnection(const ShadowDevice& d, const ShadowConnection& c);

    /**
     * \brief R4 at the end of the run, for the device: lists never completed, orphans.
     * \param d the device
     */
    void FinishDevice(const ShadowDevice& d);

    /// Forget everything (the verifier is disposed).
    void Clear();

  private:
    /// A device's ledger as the checker counts it.
    struct Ledger
    {
        uint64_t held = 0;                                      //!< ledger entries held
        std::unordered_map<OffloadHandle, uint32_t> orphanHeld; //!< entries without record
    };

    /// \param d a device \returns its ledger
    Ledger& LedgerOf(const ShadowDevice& d);

    ChimneyVerifierReporter& m_reporter; //!< where findings go
    const bool& m_requireTerminated;     //!< R4 reports connections still offloaded
    std::vector<Ledger> m_ledgers;       //!< by device index
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_RESOURCE_CHECKER_H
