/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyScenarioResult: the JSON report ("chimney-scenario-report/1") and the human summary.

#include "chimney-scenario.h"

#include "ns3/chimney-fault-plan.h"

#include <algorithm>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ns3
{

namespace
{

using OrderedJson = nlohmann::ordered_json;

std::string
Endpoint(Ipv4Address a, uint16_t port)
{
    if (a == Ipv4Address())
    {
        return "";
    }
    std::ostringstream s;
    a.Print(s);
    s << ":" << port;
    return s.str();
}

OrderedJson
RecordJson(const ChimneyConnectionRecord& r)
{
    OrderedJson o = OrderedJson::object();
    o["host"] = r.host;
    o["index"] = r.index;
    o["local"] = r.local;
    o["remote"] = r.remote;
    o["closeType"] = r.closeType;
    o["openTime"] = r.openTime;
    o["establishedTime"] = r.establishedTime;
    o["offloadTime"] = r.offloadTime;
    o["disconnectTime"] = r.disconnectTime;
    o["disconnectCompleteTime"] = r.disconnectCompleteTime;
    o["disconnectStatus"] = r.disconnectStatus;
    o["terminateTime"] = r.terminateTime;
    o["terminateCompleteTime"] = r.terminateCompleteTime;
    o["closedTime"] = r.closedTime;
    o["outcome"] = r.outcome;
    o["bytesSent"] = r.bytesSent;
    o["bytesReceived"] = r.bytesReceived;
    o["peerBytesReceived"] = r.peerBytesReceived;
    o["endToEndOk"] = r.endToEndOk;
    o["faults"] = r.faults;
    return o;
}

OrderedJson
ReportJson(const ChimneyScenarioResult& r, bool withRecords)
{
    OrderedJson o = OrderedJson::object();
    o["schema"] = "chimney-scenario-report/1";
    o["ok"] = r.ok;
    if (!r.ok)
    {
        o["error"] = r.error;
    }
    o["config"] = OrderedJson::parse(r.config.ToJson());
    o["reproduce"] = r.ReproduceCommand();

    OrderedJson summary = OrderedJson::object();
    summary["clean"] = r.ok && r.findingTotal == 0 && r.endToEndFailures == 0;
    summary["connections"] = r.connections;
    summary["outcomes"] = r.outcomes;
    summary["closeTypes"] = r.closeTypes;
    summary["endToEndFailures"] = r.endToEndFailures;
    summary["findings"] = r.findingTotal;
    summary["simTimeSeconds"] = r.simTime;
    summary["events"] = r.events;
    o["summary"] = summary;

    o["findingCounts"] = r.findingCounts;
    OrderedJson exercised = OrderedJson::object();
    for (const auto& [id, n] : r.exercised.GetOrdered()) // catalog order
    {
        exercised[id] = n;
    }
    o["exercised"] = exercised;
    o["unexercised"] = r.UnexercisedInvariants();
    OrderedJson findings = OrderedJson::array();
    for (const ChimneyFinding& f : r.findings)
    {
        OrderedJson j = OrderedJson::object();
        j["id"] = f.id;
        j["timeSeconds"] = f.time.GetSeconds();
        j["timeNs"] = f.time.GetNanoSeconds();
        j["node"] = f.nodeId;
        j["device"] = f.device;
        j["handle"] = f.handle;
        j["local"] = Endpoint(f.localAddress, f.localPort);
        j["remote"] = Endpoint(f.remoteAddress, f.remotePort);
        j["description"] = f.description;
        j["evidence"] = f.evidence;
        j["reproduce"] = r.ReproduceCommand();
        findings.push_back(j);
    }
    o["findings"] = findings;

    OrderedJson faults = OrderedJson::object();
    faults["configured"] = r.faultsConfigured;
    OrderedJson fired = OrderedJson::object();
    for (const auto& kind : ChimneyFaultPlan::Kinds()) // report order, not alphabetical
    {
        auto it = r.faultsFired.find(kind);
        fired[kind] = it == r.faultsFired.end() ? 0 : it->second;
    }
    faults["fired"] = fired;
    faults["unfired"] = r.UnfiredFaults();
    o["faults"] = faults;

    if (withRecords)
    {
        OrderedJson records = OrderedJson::array();
        for (const auto& rec : r.records)
        {
            records.push_back(RecordJson(rec));
        }
        o["records"] = records;
        OrderedJson series = OrderedJson::array();
        for (const auto& s : r.series)
        {
            series.push_back({{"time", s.time},
                              {"open", s.open},
                              {"offloaded", s.offloaded},
                              {"resourcesHeld", s.resourcesHeld},
                              {"resourceBytesHeld", s.resourceBytesHeld}});
        }
        o["series"] = series;
    }
    return o;
}

} // namespace

std::vector<std::string>
ChimneyScenarioResult::UnfiredFaults() const
{
    std::vector<std::string> unfired;
    for (const auto& kind : faultsConfigured)
    {
        auto it = faultsFired.find(kind);
        if (it == faultsFired.end() || it->second == 0)
        {
            unfired.push_back(kind);
        }
    }
    return unfired;
}

std::vector<std::string>
ChimneyScenarioResult::UnexercisedInvariants() const
{
    return exercised.Unexercised();
}

std::string
ChimneyScenarioResult::ReproduceCommand() const
{
    return "./run.sh " + config.ToCommandLine();
}

void
ChimneyScenarioResult::WriteRunJson(std::ostream& os, bool withRecords) const
{
    os << ReportJson(*this, withRecords).dump(1) << "\n";
}

void
ChimneyScenarioResult::WriteJson(std::ostream& os, bool withRecords) const
{
    OrderedJson o = ReportJson(*this, withRecords);
    o["wall"] = {{"seconds", wallSeconds}, {"peakRssBytes", peakRssBytes}};
    os << o.dump(1) << "\n";
}

void
ChimneyScenarioResult::PrintSummary(std::ostream& os) const
{
    const ChimneyScenarioConfig& c = config;
    if (!ok)
    {
        os << "scenario not run: " << error << "\n";
        return;
    }
    os << "Scenario: " << c.hosts << " hosts x " << c.connections << " connections, " << c.topology
       << ", peer " << c.peer << ", seed " << c.seed
       << (c.run != 1 ? ", run " + std::to_string(c.run) : std::string())
       << (c.defect != "None" ? ", defect " + c.defect : std::string()) << "\n";
    os << "  " << connections << " connections, " << simTime << " s simulated, " << events
       << " events, " << std::fixed << std::setprecision(2) << wallSeconds << " s wall, "
       << peakRssBytes / (1024 * 1024) << " MiB peak RSS\n";
    os.unsetf(std::ios::floatfield);
    PrintConnectionCounts(os, outcomes, closeTypes);
    os << "End to end (E1/E2) failures: " << endToEndFailures << "\n";
    os << "Findings: " << findingTotal;
    if (findingTotal == 0)
    {
        os << " (none)\n";
    }
    else
    {
        os << "\n";
        for (const auto& [id, n] : findingCounts)
        {
            if (n > 0)
            {
                os << "  " << std::left << std::setw(4) << id << std::right << " " << n << "\n";
            }
        }
        size_t listed = 0;
        for (const ChimneyFinding& f : findings)
        {
            if (listed++ == 5)
            {
                os << "  ...\n";
                break;
            }
            os << "  " << f << "\n";
        }
    }
    os << "Faults fired:";
    if (faultsConfigured.empty())
    {
        os << " (no faults configured)\n";
    }
    else
    {
        os << "\n";
        PrintFaultRows(os, faultsConfigured, faultsFired);
    }
    if (config.verifier)
    {
        PrintExercisedRows(os, exercised);
    }
    if (findingTotal > 0 || endToEndFailures > 0)
    {
        os << "Reproduce: " << ReproduceCommand() << "\n";
    }
}

void
PrintConnectionCounts(std::ostream& os,
                      const std::map<std::string, uint64_t>& outcomes,
                      const std::map<std::string, uint64_t>& closeTypes)
{
    os << "Connections by outcome:";
    for (const auto& [outcome, n] : outcomes)
    {
        os << " " << outcome << "=" << n;
    }
    os << "\nClose types:";
    for (const auto& [type, n] : closeTypes)
    {
        os << " " << type << "=" << n;
    }
    os << "\n";
}

void
PrintFaultRows(std::ostream& os,
               const std::vector<std::string>& configured,
               const std::map<std::string, uint64_t>& fired)
{
    for (const auto& kind : ChimneyFaultPlan::Kinds())
    {
        auto it = fired.find(kind);
        const uint64_t n = it == fired.end() ? 0 : it->second;
        const bool isConfigured =
            std::find(configured.begin(), configured.end(), kind) != configured.end();
        os << "  " << std::left << std::setw(34) << kind << std::right << std::setw(8) << n;
        if (isConfigured && n == 0)
        {
            os << "  CONFIGURED BUT NEVER FIRED";
        }
        else if (!isConfigured)
        {
            os << "  (not configured)";
        }
        os << "\n";
    }
}

void
PrintExercisedRows(std::ostream& os, const ChimneyInvariantCoverage& exercised)
{
    os << "Invariants exercised (times the situation in which the check could fail arose):";
    char family = 0;
    for (const auto& [id, n] : exercised.GetOrdered())
    {
        if (id[0] != family)
        {
            family = id[0];
            os << "\n ";
        }
        os << " " << id << "=" << n;
    }
    os << "\n";
    const auto never = exercised.Unexercised();
    if (never.empty())
    {
        os << "Every invariant exercised\n";
        return;
    }
    os << "Never exercised (" << never.size() << "):";
    for (const auto& id : never)
    {
        os << " " << id;
    }
    os << "\n";
}

} // namespace ns3
