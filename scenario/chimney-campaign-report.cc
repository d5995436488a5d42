/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-campaign-report.h"

#include "ns3/chimney-fault-plan.h"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ns3
{

using OrderedJson = nlohmann::ordered_json;

ChimneyCampaignReport::ChimneyCampaignReport(bool withRecords)
    : m_withRecords(withRecords)
{
    for (const auto& kind : ChimneyFaultPlan::Kinds())
    {
        m_fired[kind] = 0;
    }
}

void
ChimneyCampaignReport::Add(const ChimneyScenarioResult& r)
{
    ++m_runs;
    std::ostringstream json;
    r.WriteRunJson(json, m_withRecords);
    m_runJson.push_back(json.str());
    m_runWall.push_back(r.wallSeconds);
    m_wall += r.wallSeconds;
    m_peakRss = std::max(m_peakRss, r.peakRssBytes);
    if (!r.ok)
    {
        m_allOk = false;
        m_errors.push_back(r.error);
        return;
    }
    m_connections += r.connections;
    m_events += r.events;
    m_simTime += r.simTime;
    m_findings += r.findingTotal;
    m_exercised += r.exercised;
    m_verified = m_verified || r.config.verifier;
    m_endToEndFailures += r.endToEndFailures;
    for (const auto& [k, n] : r.outcomes)
    {
        m_outcomes[k] += n;
    }
    for (const auto& [k, n] : r.closeTypes)
    {
        m_closeTypes[k] += n;
    }
    for (const auto& [k, n] : r.findingCounts)
    {
        m_findingCounts[k] += n;
        if (n > 0)
        {
            auto& entry = m_reproduce[k];
            if (entry.first++ == 0)
            {
                entry.second = r.ReproduceCommand();
            }
        }
    }
    if (r.endToEndFailures > 0)
    {
        auto& entry = m_reproduce["E1/E2 (application check)"];
        if (entry.first++ == 0)
        {
            entry.second = r.ReproduceCommand();
        }
    }
    for (const auto& [k, n] : r.faultsFired)
    {
        m_fired[k] += n;
    }
    std::vector<std::string> configured;
    for (const auto& kind : ChimneyFaultPlan::Kinds())
    {
        const bool had =
            std::find(m_configured.begin(), m_configured.end(), kind) != m_configured.end();
        const bool has = std::find(r.faultsConfigured.begin(), r.faultsConfigured.end(), kind) !=
                         r.faultsConfigured.end();
        if (had || has)
        {
            configured.push_back(kind);
        }
    }
    m_configured = configured;
}

uint32_t
ChimneyCampaignReport::GetRuns() const
{
    return m_runs;
}

bool
ChimneyCampaignReport::IsClean() const
{
    return m_allOk && m_findings == 0 && m_endToEndFailures == 0;
}

uint64_t
ChimneyCampaignReport::GetFindingTotal() const
{
    return m_findings;
}

uint64_t
ChimneyCampaignReport::GetEndToEndFailures() const
{
    return m_endToEndFailures;
}

const ChimneyInvariantCoverage&
ChimneyCampaignReport::GetExercised() const
{
    return m_exercised;
}

const std::map<std::string, uint64_t>&
ChimneyCampaignReport::GetFaultsFired() const
{
    return m_fired;
}

std::vector<std::string>
ChimneyCampaignReport::UnfiredFaults() const
{
    std::vector<std::string> unfired;
    for (const auto& kind : m_configured)
    {
        if (m_fired.at(kind) == 0)
        {
            unfired.push_back(kind);
        }
    }
    return unfired;
}

void
ChimneyCampaignReport::WriteJson(std::ostream& os) const
{
    OrderedJson o = OrderedJson::object();
    o["schema"] = "chimney-campaign-report/1";
    OrderedJson summary = OrderedJson::object();
    summary["clean"] = IsClean();
    summary["runs"] = m_runs;
    summary["connections"] = m_connections;
    summary["outcomes"] = m_outcomes;
    summary["closeTypes"] = m_closeTypes;
    summary["endToEndFailures"] = m_endToEndFailures;
    summary["findings"] = m_findings;
    summary["simTimeSeconds"] = m_simTime;
    summary["events"] = m_events;
    if (!m_errors.empty())
    {
        summary["errors"] = m_errors;
    }
    o["summary"] = summary;
    o["findingCounts"] = m_findingCounts;
    OrderedJson exercised = OrderedJson::object();
    for (const auto& [id, n] : m_exercised.GetOrdered()) // catalog order
    {
        exercised[id] = n;
    }
    o["exercised"] = exercised;
    o["unexercised"] = m_exercised.Unexercised();
    OrderedJson faults = OrderedJson::object();
    faults["configured"] = m_configured;
    OrderedJson fired = OrderedJson::object();
    for (const auto& kind : ChimneyFaultPlan::Kinds())
    {
        fired[kind] = m_fired.at(kind);
    }
    faults["fired"] = fired;
    faults["unfired"] = UnfiredFaults();
    o["faults"] = faults;
    OrderedJson reproduce = OrderedJson::array();
    for (const auto& [what, entry] : m_reproduce)
    {
        reproduce.push_back({{"what", what}, {"runs", entry.first}, {"command", entry.second}});
    }
    o["reproduce"] = reproduce;
    OrderedJson runs = OrderedJson::array();
    for (const auto& text : m_runJson)
    {
        runs.push_back(OrderedJson::parse(text));
    }
    o["runs"] = runs;
    o["wall"] = {{"seconds", m_wall}, {"peakRssBytes", m_peakRss}, {"runs", m_runWall}};
    os << o.dump(1) << "\n";
}

void
ChimneyCampaignReport::PrintSummary(std::ostream& os) const
{
    os << "Campaign: " << m_runs << " run(s), " << m_connections << " connections, " << m_simTime
       << " s simulated, " << m_events << " events, " << std::fixed << std::setprecision(2)
       << m_wall << " s wall, " << m_peakRss / (1024 * 1024) << " MiB peak RSS\n";
    os.unsetf(std::ios::floatfield);
    for (const auto& e : m_errors)
    {
        os << "  run not started: " << e << "\n";
    }
    PrintConnectionCounts(os, m_outcomes, m_closeTypes);
    os << "End to end (E1/E2, application check) failures: " << m_endToEndFailures << "\n";
    os << "Findings: " << m_findings << (m_findings == 0 ? " (none)" : "") << "\n";
    for (const auto& [id, n] : m_findingCounts)
    {
        if (n > 0)
        {
            os << "  " << std::left << std::setw(4) << id << std::right << std::setw(8) << n
               << "\n";
        }
    }
    os << "Faults fired:";
    if (m_configured.empty())
    {
        os << " (no faults configured)\n";
    }
    else
    {
        os << "\n";
        PrintFaultRows(os, m_configured, m_fired);
        const auto unfired = UnfiredFaults();
        if (!unfired.empty())
        {
            os << "Configured but never fired (" << unfired.size() << "):";
            for (const auto& k : unfired)
            {
                os << " " << k;
            }
            os << "\n";
        }
    }
    if (m_verified)
    {
        PrintExercisedRows(os, m_exercised);
    }
    for (const auto& [what, entry] : m_reproduce)
    {
        os << "Reproduce " << what << " (" << entry.first << " run(s)): " << entry.second << "\n";
    }
}

} // namespace ns3
