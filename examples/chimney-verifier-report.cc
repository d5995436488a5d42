/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// One lifecycle scenario under the ChimneyVerifier (SPEC.md section 4).
//
// Two hosts on one link; the verifier watches the chimney device(s) — the frames on the link
// both ways, every request, completion and indication at the interface, the resource ledger —
// and the host stacks. After the run it prints the summary table (one row per invariant ID)
// and, with --report=FILE, writes the JSON report (schema "chimney-verifier-report/1",
// documented in model/chimney-finding.h). Exit status: 0 when the verifier found nothing and
// the applications' own E1/E2 check passed, 1 otherwise, 2 on bad options.
//
// --defect=NAME seeds one of the target's defects (ChimneyNetDevice::GetDefectNames()) and,
// unless --scenario is given, runs the scenario that exposes it: the table then shows the IDs
// the verifier caught it by.
//
//   ./build/examples/chimney-verifier-report --scenario=terminate --link=csma --report=out.json
//   ./build/examples/chimney-verifier-report --defect=FreeOnFin
//   ./build/examples/chimney-verifier-report --deviceAttr=SegmentProcessingTime=10us
//
// Scenarios: the entries of ChimneyLifecycleScenarioRegistry()
// (scenario/chimney-lifecycle-scenarios.cc); --help lists them.

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    ChimneyLifecycleOptions options;
    options.scenario.clear(); // empty: "graceful", or the scenario that exposes --defect
    std::string defect;
    std::string report;
    std::string deviceAttr;
    bool timeline = false;

    const std::string defaultScenario = ChimneyLifecycleOptions().scenario;
    // "graceful (default), abortive, ... or capacity", from the registry
    std::string scenarios;
    const auto& registry = ChimneyLifecycleScenarioRegistry();
    for (size_t i = 0; i < registry.size(); ++i)
    {
        scenarios += (i == 0                     ? ""
                      : i + 1 == registry.size() ? " or "
                                                 : ", ") +
                     registry[i].name + (registry[i].name == defaultScenario ? " (default)" : "");
    }

    CommandLine cmd(__FILE__);
    cmd.AddValue("scenario", scenarios, options.scenario);
    cmd.AddValue("link", "p2p or csma", options.link);
    cmd.AddValue("seed", "RNG seed (positive)", options.seed);
    cmd.AddValue("report", "write the JSON report to this file (empty: none)", report);
    cmd.AddValue("deviceAttr",
                 "ChimneyNetDevice attributes, Name=Value[,Name=Value...], e.g. "
                 "RequestLatency=5us",
                 deviceAttr);
    cmd.AddValue("defect",
                 "seed this defect in the target (ChimneyNetDevice attribute Defect); without "
                 "--scenario, the scenario that exposes it is run",
                 defect);
    cmd.AddValue("timeline", "print the interface timeline", timeline);
    cmd.Parse(argc, argv);

    std::istringstream list(deviceAttr);
    std::string item;
    while (std::getline(list, item, ','))
    {
        const size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
        {
            std::cerr << "error: --deviceAttr wants Name=Value, got '" << item << "'\n";
            return 1;
        }
        options.deviceAttributes.emplace_back(item.substr(0, eq), item.substr(eq + 1));
    }
    if (!defect.empty())
    {
        const std::vector<std::string> names = ChimneyNetDevice::GetDefectNames();
        if (std::find(names.begin(), names.end(), defect) == names.end())
        {
            std::cerr << "error: unknown --defect '" << defect << "'; known defects:";
            for (const std::string& name : names)
            {
                std::cerr << " " << name;
            }
            std::cerr << "\n";
            return 1;
        }
        options.deviceAttributes.emplace_back("Defect", defect);
        if (options.scenario.empty())
        {
            options.scenario = ChimneyLifecycleScenarioForDefect(defect);
        }
    }
    if (options.scenario.empty())
    {
        options.scenario = defaultScenario;
    }
    if (timeline)
    {
        options.timeline = &std::cout;
    }

    ChimneyLifecycleResult result = RunChimneyLifecycle(options);
    if (!result.built)
    {
        std::cerr << "error: " << result.endToEnd << "\n";
        return 1;
    }
    std::cout << "scenario " << options.scenario << " over " << options.link << ", seed "
              << options.seed << (defect.empty() ? "" : ", defect " + defect) << "\n"
              << result.endToEnd << "\n\n";
    result.verifier->PrintSummary(std::cout);
    if (!report.empty())
    {
        std::ofstream out(report);
        if (!out)
        {
            std::cerr << "error: cannot write " << report << "\n";
            return 1;
        }
        result.verifier->WriteJson(out);
        std::cout << "report written to " << report << "\n";
    }
    return result.endToEndOk && result.verifier->GetFindingCount() == 0 ? 0 : 1;
}
