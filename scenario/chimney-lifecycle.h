/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_LIFECYCLE_H
#define CHIMNEY_LIFECYCLE_H

#include "ns3/chimney-lifecycle-scenario.h"
#include "ns3/chimney-verifier.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Options of one lifecycle scenario run (RunChimneyLifecycle()).
 */
struct ChimneyLifecycleOptions
{
    /// A name of ChimneyLifecycleScenarioRegistry() (scenario/chimney-lifecycle-scenarios.cc,
    /// one entry per scenario with its description).
    std::string scenario = "graceful";
    std::string link = "p2p"; //!< "p2p" or "csma"
    uint32_t seed = 1;        //!< RngSeedManager seed (positive)
    /// Attributes set on every ChimneyNetDevice, as strings, e.g. {"Defect", "FreeOnFin"}.
    std::vector<std::pair<std::string, std::string>> deviceAttributes;
    std::ostream* timeline = nullptr; //!< print the interface timeline here (null: none)
};

/**
 * \ingroup chimney
 * \brief What a lifecycle scenario run observed.
 */
struct ChimneyLifecycleResult
{
    bool built = false;            //!< false: bad options (see endToEnd for why)
    bool endToEndOk = false;       //!< the applications' own E1/E2 check passed
    std::string endToEnd;          //!< one line per stream: the E1/E2 check's result
    Ptr<ChimneyVerifier> verifier; //!< the verifier, Finish() done
};

/**
 * \ingroup chimney
 * \brief The scenario names RunChimneyLifecycle() knows, in registry order
 *        (ChimneyLifecycleScenarioRegistry()).
 * \returns the names
 */
const std::vector<std::string>& ChimneyLifecycleScenarios();

/**
 * \ingroup chimney
 * \brief The lifecycle scenario in which a seeded defect (ChimneyNetDevice attribute Defect)
 *        acts, so that the verifier can catch it.
 * \param defect a name of ChimneyNetDevice::GetDefectNames()
 * \returns the scenario name, empty for an unknown defect
 */
std::string ChimneyLifecycleScenarioForDefect(const std::string& defect);

/**
 * \ingroup chimney
 * \brief Build two hosts (ChimneyPairBuilder), attach a ChimneyVerifier to every chimney device
 *        and host stack, run one lifecycle scenario to the end, Finish() the verifier and
 *        destroy the simulation.
 * \param options the scenario
 * \returns what was observed
 */
ChimneyLifecycleResult RunChimneyLifecycle(const ChimneyLifecycleOptions& options);

} // namespace ns3

#endif // CHIMNEY_LIFECYCLE_H
