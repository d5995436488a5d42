/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-python.h"

#include "ns3/chimney-scenario-shards.h"
#include "ns3/simulator.h"

#include <memory>
#include <mutex>
#include <pybind11/stl.h>
#include <sstream>

/**
 * \file
 * \ingroup chimney
 * Python run_scenario() and ScenarioResult: one scenario run with the GIL released, and its
 * result as plain dicts and lists that turn straight into pandas DataFrames.
 */

namespace ns3
{
namespace chimneypy
{

namespace
{

/// ns-3 has one simulator per process: runs from several Python threads take turns.
std::mutex g_runMutex;

/// A time in seconds, None when the step never happened (-1 in C++): NaN in a DataFrame.
py::object
StepTime(double t)
{
    return t < 0 ? py::object(py::none()) : py::object(py::float_(t));
}

/// "10.1.1.1:49153", or "" when the address is unknown.
std::string
Endpoint(const Ipv4Address& address, uint16_t port)
{
    if (address == Ipv4Address() && port == 0)
    {
        return "";
    }
    std::ostringstream os;
    os << address << ":" << port;
    return os.str();
}

py::dict
FindingToDict(const ChimneyFinding& f)
{
    py::dict d;
    d["id"] = f.id;
    d["time"] = f.time.GetNanoSeconds() / 1e9;
    d["node"] = f.nodeId;
    d["device"] = f.device;
    d["handle"] = f.handle;
    d["local"] = Endpoint(f.localAddress, f.localPort);
    d["remote"] = Endpoint(f.remoteAddress, f.remotePort);
    d["description"] = f.description;
    d["evidence"] = f.evidence;
    return d;
}

py::dict
RecordToDict(const ChimneyConnectionRecord& r)
{
    py::dict d;
    d["host"] = r.host;
    d["index"] = r.index;
    d["local"] = r.local;
    d["remote"] = r.remote;
    d["closeType"] = r.closeType;
    d["openTime"] = StepTime(r.openTime);
    d["establishedTime"] = StepTime(r.establishedTime);
    d["offloadTime"] = StepTime(r.offloadTime);
    d["disconnectTime"] = StepTime(r.disconnectTime);
    d["disconnectCompleteTime"] = StepTime(r.disconnectCompleteTime);
    d["disconnectStatus"] = r.disconnectStatus;
    d["terminateTime"] = StepTime(r.terminateTime);
    d["terminateCompleteTime"] = StepTime(r.terminateCompleteTime);
    d["closedTime"] = StepTime(r.closedTime);
    d["outcome"] = r.outcome;
    d["bytesSent"] = r.bytesSent;
    d["bytesReceived"] = r.bytesReceived;
    d["peerBytesReceived"] = r.peerBytesReceived;
    d["endToEndOk"] = r.endToEndOk;
    d["faults"] = py::cast(r.faults);
    return d;
}

py::dict
SampleToDict(const ChimneyScenarioSample& s)
{
    py::dict d;
    d["time"] = s.time;
    d["open"] = s.open;
    d["offloaded"] = s.offloaded;
    d["resourcesHeld"] = s.resourcesHeld;
    d["resourceBytesHeld"] = s.resourceBytesHeld;
    return d;
}

py::dict
ProgressToDict(const ChimneyScenarioProgress& p)
{
    py::dict d;
    d["simTime"] = p.simTime;
    d["connectionsClosed"] = p.connectionsClosed;
    d["connections"] = p.connections;
    d["findings"] = p.findings;
    return d;
}

/// A map of counts as a dict in a given key order (then any other keys, sorted).
py::dict
OrderedCounts(const std::map<std::string, uint64_t>& counts, const std::vector<std::string>& order)
{
    py::dict d;
    for (const auto& key : order)
    {
        auto it = counts.find(key);
        if (it != counts.end())
        {
            d[py::str(key)] = it->second;
        }
    }
    for (const auto& [key, count] : counts)
    {
        if (!d.contains(key))
        {
            d[py::str(key)] = count;
        }
    }
    return d;
}

/// The catalog IDs in catalog order (W, A, R, E, H).
const std::vector<std::string>&
CatalogOrder()
{
    static const std::vector<std::string> ids = [] {
        std::vector<std::string> out;
        for (const auto& inv : ChimneyInvariantCatalog())
        {
            out.emplace_back(inv.id);
        }
        return out;
    }();
    return ids;
}

py::dict
Summary(const ChimneyScenarioResult& r)
{
    py::dict d;
    d["connections"] = r.connections;
    d["endToEndFailures"] = r.endToEndFailures;
    d["findingTotal"] = r.findingTotal;
    d["findingsStored"] = r.findings.size();
    d["simTime"] = r.simTime;
    d["events"] = r.events;
    d["wallSeconds"] = r.wallSeconds;
    d["peakRssBytes"] = r.peakRssBytes;
    d["outcomes"] = py::cast(r.outcomes);
    d["closeTypes"] = py::cast(r.closeTypes);
    d["findingCounts"] = OrderedCounts(r.findingCounts, CatalogOrder());
    d["faultsConfigured"] = py::cast(r.faultsConfigured);
    d["faultsFired"] = OrderedCounts(r.faultsFired, ChimneyFaultPlan::Kinds());
    d["unfiredFaults"] = py::cast(r.UnfiredFaults());
    d["exercised"] = OrderedCounts(r.exercised.GetCounts(), CatalogOrder());
    d["unexercised"] = py::cast(r.UnexercisedInvariants());
    return d;
}

template <typename T, typename F>
py::list
ToList(const std::vector<T>& items, F convert)
{
    py::list out;
    for (const auto& item : items)
    {
        out.append(convert(item));
    }
    return out;
}

/**
 * Run one scenario without the GIL. The progress callback (and a check for Ctrl-C) runs with
 * the GIL; an exception it raises stops the simulation and is raised once the run has ended.
 */
ChimneyScenarioResult
RunScenario(const ChimneyScenarioConfig& config,
            py::object progress,
            double progressEvery,
            uint32_t shards)
{
    ValidateConfig(config);
    if (!(progressEvery > 0))
    {
        throw py::value_error("progress_every: must be > 0");
    }
    const std::string shardsError = CheckChimneyShards(config, shards);
    if (!shardsError.empty())
    {
        throw py::value_error(shardsError);
    }
    ChimneyScenarioResult result;
    std::unique_ptr<py::error_already_set> pending; // what a callback raised, if anything
    {
        py::gil_scoped_release release;
        std::lock_guard<std::mutex> lock(g_runMutex);
        auto onProgress = [&](const ChimneyScenarioProgress& p) {
            py::gil_scoped_acquire acquire;
            if (pending)
            {
                return;
            }
            try
            {
                if (PyErr_CheckSignals() != 0)
                {
                    throw py::error_already_set();
                }
                if (!progress.is_none())
                {
                    progress(ProgressToDict(p));
                }
            }
            catch (py::error_already_set& e)
            {
                pending = std::make_unique<py::error_already_set>(std::move(e));
                Simulator::Stop();
            }
        };
        result = RunChimneyScenario(config, onProgress, progressEvery, shards);
    }
    if (pending)
    {
        throw py::error_already_set(std::move(*pending));
    }
    if (!result.ok)
    {
        throw py::value_error(result.error);
    }
    return result;
}

} // namespace

void
BindRun(py::module_& m)
{
    py::class_<ChimneyScenarioResult>(m, "ScenarioResult", R"doc(
Everything one scenario run observed (C++ ns3::ChimneyScenarioResult). The tables are lists of
dicts, so pandas.DataFrame(result.records) works directly:

* records: one dict per connection (host, index, local, remote, closeType, openTime,
  establishedTime, offloadTime, disconnectTime, disconnectCompleteTime, disconnectStatus,
  terminateTime, terminateCompleteTime, closedTime, outcome, bytesSent, bytesReceived,
  peerBytesReceived, endToEndOk, faults); times are simulated seconds, None when the step
  never happened (NaN in a DataFrame);
* series: one dict per sample (time, open, offloaded, resourcesHeld, resourceBytesHeld);
* findings: one dict per stored verifier finding (id, time, node, device, handle, local,
  remote, description, evidence);
* summary: the counts (connections, outcomes, closeTypes, findingCounts, faultsFired, ...).
)doc")
        .def_readonly("ok", &ChimneyScenarioResult::ok, "Always True (a bad config raises).")
        .def_readonly("error", &ChimneyScenarioResult::error, "Empty (a bad config raises).")
        .def_readonly("config", &ChimneyScenarioResult::config, "The ScenarioConfig that ran.")
        .def_property_readonly("summary", &Summary, "The counts of the run, as a dict.")
        .def_property_readonly(
            "records",
            [](const ChimneyScenarioResult& r) { return ToList(r.records, RecordToDict); },
            "One dict per connection, host then index.")
        .def_property_readonly(
            "series",
            [](const ChimneyScenarioResult& r) { return ToList(r.series, SampleToDict); },
            "One dict per time-series sample.")
        .def_property_readonly(
            "findings",
            [](const ChimneyScenarioResult& r) { return ToList(r.findings, FindingToDict); },
            "The stored verifier findings (the verifier caps how many are stored).")
        .def_readonly("connections", &ChimneyScenarioResult::connections, "Connections opened.")
        .def_readonly("outcomes", &ChimneyScenarioResult::outcomes, "Outcome -> connections.")
        .def_readonly("close_types",
                      &ChimneyScenarioResult::closeTypes,
                      "Close type -> connections.")
        .def_readonly("end_to_end_failures",
                      &ChimneyScenarioResult::endToEndFailures,
                      "Connections whose E1/E2 check failed.")
        .def_property_readonly(
            "finding_counts",
            [](const ChimneyScenarioResult& r) {
                return OrderedCounts(r.findingCounts, CatalogOrder());
            },
            "Invariant ID -> findings (every catalog ID, in catalog order).")
        .def_readonly("finding_total", &ChimneyScenarioResult::findingTotal, "All findings.")
        .def_readonly("faults_configured",
                      &ChimneyScenarioResult::faultsConfigured,
                      "Fault kinds the plan switched on.")
        .def_property_readonly(
            "faults_fired",
            [](const ChimneyScenarioResult& r) {
                return OrderedCounts(r.faultsFired, ChimneyFaultPlan::Kinds());
            },
            "Every fault kind -> times it fired (FaultPlan.kinds() order).")
        .def_property_readonly("unfired_faults",
                               &ChimneyScenarioResult::UnfiredFaults,
                               "Configured fault kinds that never fired.")
        .def_property_readonly(
            "exercised",
            [](const ChimneyScenarioResult& r) {
                return OrderedCounts(r.exercised.GetCounts(), CatalogOrder());
            },
            "Invariant ID -> times its check was exercised non-trivially (catalog order).")
        .def_property_readonly("unexercised",
                               &ChimneyScenarioResult::UnexercisedInvariants,
                               "Invariant IDs whose check was never exercised.")
        .def_readonly("sim_time", &ChimneyScenarioResult::simTime, "Simulated seconds at the end.")
        .def_readonly("events", &ChimneyScenarioResult::events, "Scheduler events executed.")
        .def_readonly("wall_seconds",
                      &ChimneyScenarioResult::wallSeconds,
                      "Wall time of the run (not deterministic).")
        .def_readonly("peak_rss_bytes",
                      &ChimneyScenarioResult::peakRssBytes,
                      "Peak resident memory of the process (not deterministic).")
        .def(
            "to_dict",
            [](const ChimneyScenarioResult& r) {
                py::dict d;
                d["config"] = ConfigToDict(r.config);
                d["summary"] = Summary(r);
                d["findings"] = ToList(r.findings, FindingToDict);
                d["records"] = ToList(r.records, RecordToDict);
                d["series"] = ToList(r.series, SampleToDict);
                d["reproduce"] = r.ReproduceCommand();
                return d;
            },
            "config, summary, findings, records, series and the reproduce command as plain "
            "Python data (picklable).")
        .def(
            "to_json",
            [](const ChimneyScenarioResult& r, bool withRecords) {
                std::ostringstream os;
                r.WriteJson(os, withRecords);
                return os.str();
            },
            py::arg("with_records") = true,
            "The JSON report (schema chimney-scenario-report/1).")
        .def_property_readonly("reproduce_command",
                               &ChimneyScenarioResult::ReproduceCommand,
                               "The one-line command that reproduces this run "
                               "('./run.sh <options> --seed=S').")
        .def(
            "summary_text",
            [](const ChimneyScenarioResult& r) {
                std::ostringstream os;
                r.PrintSummary(os);
                return os.str();
            },
            "The human summary the campaign program prints.")
        .def("__repr__", [](const ChimneyScenarioResult& r) {
            std::ostringstream os;
            os << "ScenarioResult(connections=" << r.connections
               << ", endToEndFailures=" << r.endToEndFailures << ", findingTotal=" << r.findingTotal
               << ", simTime=" << r.simTime << ", events=" << r.events << ")";
            return os.str();
        });

    m.def("run_scenario",
          &RunScenario,
          py::arg("config"),
          py::arg("progress") = py::none(),
          py::arg("progress_every") = 2.0,
          py::arg("shards") = 1,
          R"doc(
Run one scenario to its end and return its ScenarioResult.

The config is validated first (ValueError with the C++ message). The simulation runs without
the GIL; runs from several threads of one process take turns (ns-3 has one simulator per
process: use processes, e.g. the Dask runner, for parallel runs). progress, when given, is
called about every progress_every wall seconds with a dict (simTime, connectionsClosed,
connections, findings); an exception it raises (or Ctrl-C) stops the run and is re-raised.
shards > 1 runs the scenario in that many processes (one per core; not with faults or the
dumbbell: ValueError): the same result; an exception in progress is then re-raised once the
shards have finished.
)doc");

    m.def(
        "invariant_catalog",
        [] {
            py::dict d;
            for (const auto& inv : ChimneyInvariantCatalog())
            {
                d[py::str(inv.id)] = inv.text;
            }
            return d;
        },
        "Every SPEC section 4 invariant: ID -> one-line rule, in catalog order.");
}

} // namespace chimneypy
} // namespace ns3
