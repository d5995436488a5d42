/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_REPORTER_H
#define CHIMNEY_VERIFIER_REPORTER_H

#include "chimney-invariant-coverage.h"
#include "chimney-types.h"

#include <string>

namespace ns3
{

struct ShadowDevice;
struct ShadowConnection;

/**
 * \ingroup chimney
 * \brief Where the verifier's checkers send their findings (ChimneyVerifier collects them:
 *        repeat suppression, the finding log, the Finding trace), and the situations in which
 *        a check could fail (invariant coverage, ChimneyInvariantCoverage).
 */
class ChimneyVerifierReporter
{
  public:
    virtual ~ChimneyVerifierReporter() = default;

    /**
     * \brief Report a finding.
     * \param id invariant ID
     * \param d the device (may be null)
     * \param c the connection (may be null); repeats of an ID on it are suppressed
     * \param handle the handle when there is no connection record
     * \param description one line
     * \param evidence the segment or call
     */
    virtual void Report(const std::string& id,
                        const ShadowDevice* d,
                        const ShadowConnection* c,
                        OffloadHandle handle,
                        const std::string& description,
                        const std::string& evidence) = 0;

    /**
     * \brief Report a finding that is never suppressed as a repeat on its connection (host
     *        misuse is reported per call).
     * \param id invariant ID
     * \param d the device (may be null)
     * \param c the connection (may be null)
     * \param handle the handle when there is no connection record
     * \param description one line
     * \param evidence the segment or call
     */
    virtual void ReportEveryTime(const std::string& id,
                                 const ShadowDevice* d,
                                 const ShadowConnection* c,
                                 OffloadHandle handle,
                                 const std::string& description,
                                 const std::string& evidence) = 0;

    /**
     * \brief The situation in which id's check could actually fail arose (whatever the check
     *        then found): counted as the invariant's coverage.
     * \param id the invariant
     */
    virtual void Exercised(ChimneyInvariantId id) = 0;
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_REPORTER_H
