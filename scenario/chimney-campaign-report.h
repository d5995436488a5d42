/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_CAMPAIGN_REPORT_H
#define CHIMNEY_CAMPAIGN_REPORT_H

#include "ns3/chimney-scenario.h"

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The results of a campaign (scenarios run one after another, e.g. seeds S..S+N-1)
 *        summed up: connections by outcome, findings by ID with the first run that
 *        reproduces each, every fault kind with how often it fired.
 *
 * JSON report schema "chimney-campaign-report/1":
 * \verbatim
 {
   "schema": "chimney-campaign-report/1",
   "summary": { "clean": true, "runs": 2, "connections": 64, "outcomes": {...},
                "closeTypes": {...}, "endToEndFailures": 0, "findings": 0,
                "simTimeSeconds": 21.5, "events": 123456 },
   "findingCounts": { "W1": 0, ... },           // summed over runs, every catalog ID
   "exercised": { "W1": 12, ... },              // per ID, summed over runs, catalog order:
                                                // times its check was exercised non-trivially
   "unexercised": [ "H1", ... ],                // IDs never exercised in any run
   "faults": { "configured": [...], "fired": { "link.loss": 12, ... }, "unfired": [...] },
   "reproduce": [ { "what": "W1", "runs": 1, "command": "./run.sh ... --seed=3" } ],
   "runs": [ <chimney-scenario-report/1 without "wall"> ... ],
   "wall": { "seconds": 12.3, "peakRssBytes": 123456789, "runs": [6.1, 6.2] }
 }
 \endverbatim
 * Everything but the top-level "wall" object is identical for the same configs and seeds.
 */
class ChimneyCampaignReport
{
  public:
    /**
     * \param withRecords embed each run's per-connection records and series in the JSON
     */
    explicit ChimneyCampaignReport(bool withRecords = true);

    /**
     * \brief Add one run.
     * \param result the run's result
     */
    void Add(const ChimneyScenarioResult& result);

    /// \returns runs added
    uint32_t GetRuns() const;
    /// \returns true when no run had a finding or an E1/E2 failure (and every run was valid)
    bool IsClean() const;
    /// \returns findings over every run
    uint64_t GetFindingTotal() const;
    /// \returns E1/E2 failures over every run
    uint64_t GetEndToEndFailures() const;
    /// \returns fault kind -> times it fired, over every run (every kind present)
    const std::map<std::string, uint64_t>& GetFaultsFired() const;
    /// \returns configured fault kinds that never fired in any run
    std::vector<std::string> UnfiredFaults() const;
    /// \returns per invariant, times its check was exercised non-trivially, over every run
    const ChimneyInvariantCoverage& GetExercised() const;

    /**
     * \brief Write the JSON report (schema in the class documentation).
     * \param os the stream
     */
    void WriteJson(std::ostream& os) const;

    /**
     * \brief Print the human summary: connections by outcome, findings by ID, every fault kind
     *        with how often it fired (configured kinds that never fired called out), how often
     *        each invariant was exercised (those never exercised called out), and one
     *        reproduction command per finding ID.
     * \param os the stream
     */
    void PrintSummary(std::ostream& os) const;

  private:
    bool m_withRecords;
    uint32_t m_runs{0};
    bool m_allOk{true};
    uint64_t m_connections{0};
    uint64_t m_events{0};
    double m_simTime{0};
    double m_wall{0};
    uint64_t m_peakRss{0};
    uint64_t m_findings{0};
    uint64_t m_endToEndFailures{0};
    std::map<std::string, uint64_t> m_outcomes;
    std::map<std::string, uint64_t> m_closeTypes;
    std::map<std::string, uint64_t> m_findingCounts;
    ChimneyInvariantCoverage m_exercised;  //!< summed over runs
    bool m_verified{false};                //!< some run had a verifier
    std::vector<std::string> m_configured; //!< union, in ChimneyFaultPlan::Kinds() order
    std::map<std::string, uint64_t> m_fired;
    /// what ("W1", ..., "E1/E2") -> (runs that had it, command of the first)
    std::map<std::string, std::pair<uint32_t, std::string>> m_reproduce;
    std::vector<std::string> m_runJson; //!< each run's report without "wall"
    std::vector<double> m_runWall;
    std::vector<std::string> m_errors; //!< runs that did not run
};

} // namespace ns3

#endif // CHIMNEY_CAMPAIGN_REPORT_H
