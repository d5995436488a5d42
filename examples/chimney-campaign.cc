/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The campaign program (what ./run.sh runs): N offloading hosts x M connections with faults
// injected, checked online by the ChimneyVerifier, for one seed or several in a row.
//
//   ./run.sh                                 the default campaign: every fault kind
//   ./run.sh --seeds=20 --report=out.json    20 seeds, JSON report
//   ./run.sh --everything=false --faults=plan.json --hosts=100 --topology=dumbbell
//   ./run.sh --defect=FreeOnFin              a seeded defect: findings, exit status 1
//   ./run.sh --PrintHelp                     every option
//
// Defaults: 128 hosts x 8 connections opened within 100 ms over point-to-point pairs, chimney
// peers, one host in 8 layered (--layeredFraction=0.125: an intermediate driver with a second
// upper protocol), the fault plan ChimneyFaultPlan::Everything() (--everything=false starts from
// no faults), seed 1: every fault kind fires and every invariant is exercised, in about two
// seconds of wall time. With --peer=native
// (ns-3's TcpSocketBase as the far side) and link faults, ns-3 3.37 sometimes never sends its
// FIN after a loss recovery in CLOSE_WAIT, which leaves connections open until stopTime (R4
// "never completed" at the end); the far side is therefore a chimney host by default.
// Every option of ChimneyScenarioConfig is an option of the same name.
//
// Output: progress on stderr while a run takes long, then the summary (connections by outcome,
// findings by ID, every fault kind with how often it fired, configured-but-never-fired called
// out, one reproduction command per finding ID). Exit status: 0 clean, 1 findings, E1/E2
// failures or a bad option (as ns-3's CommandLine); --failOnFindings=false makes findings data
// (exit 0), for campaign managers such as SEM that read a non-zero exit as a crash.
//
// Replications, as ns-3 advises and SEM does: a fixed --seed and the run number varied,
// --RngRun=N (every ns-3 global value is accepted: --RngSeed, --ChecksumEnabled, ...), or
// --runs=R for runs RngRun .. RngRun+R-1 in one program. --seeds=S varies the seed instead (kept
// for earlier scripts). A relative --report path is written in the working directory.
// --shards=2 runs each scenario in two processes (both cores; RunChimneyScenario): the same
// result, in less wall time for large runs (scripts/scale-campaign.sh).

#include "ns3/chimney-campaign-report.h"
#include "ns3/chimney-scenario-shards.h"
#include "ns3/chimney-scenario.h"
#include "ns3/command-line.h"
#include "ns3/global-value.h"
#include "ns3/nstime.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

/// Options ns-3's CommandLine handles itself.
const std::vector<std::string> kBuiltin = {"PrintHelp",
                                           "help",
                                           "PrintVersion",
                                           "version",
                                           "PrintGlobals",
                                           "PrintGroups",
                                           "PrintGroup",
                                           "PrintTypeIds",
                                           "PrintAttributes"};

/// \returns true when name is an ns-3 global value (--RngRun, --RngSeed, --ChecksumEnabled, ...),
///          which ns-3's CommandLine sets itself
bool
IsGlobalValue(const std::string& name)
{
    for (auto it = GlobalValue::Begin(); it != GlobalValue::End(); ++it)
    {
        if ((*it)->GetName() == name)
        {
            return true;
        }
    }
    return false;
}

/// Reject unknown options with a clear message before ns-3's CommandLine sees them.
bool
CheckOptionNames(int argc, char* argv[], const std::vector<std::string>& known, std::string* why)
{
    for (int i = 1; i < argc; ++i)
    {
        std::string arg = argv[i];
        if (arg == "-h" || arg == "--help")
        {
            continue;
        }
        if (arg.rfind("--", 0) != 0)
        {
            *why = "unexpected argument '" + arg + "' (options look like --name=value)";
            return false;
        }
        const std::string name = arg.substr(2, arg.find('=') - 2);
        if (name.find("::") != std::string::npos)
        {
            continue; // an ns-3 attribute path, e.g. --ns3::ChimneyNetDevice::RequestLatency=..
        }
        if (std::find(known.begin(), known.end(), name) == known.end() &&
            std::find(kBuiltin.begin(), kBuiltin.end(), name) == kBuiltin.end() &&
            !IsGlobalValue(name))
        {
            *why = "unknown option --" + name + " (--PrintHelp lists them)";
            return false;
        }
    }
    return true;
}

} // namespace

int
main(int argc, char* argv[])
{
    // The program's defaults: enough connections that every fault kind fires in one run; chimney
    // peers (see the note on native peers above).
    ChimneyScenarioConfig config = ChimneyScenarioConfig::CampaignDefaults();

    uint32_t seeds = 1;
    uint32_t runs = 1;
    bool failOnFindings = true;
    std::string report;
    std::string pcap;
    bool quiet = false;
    bool records = true;
    uint32_t shards = 1;

    CommandLine cmd(__FILE__);
    cmd.Usage("Fault-injection campaign over TCP chimney offload: N offloading hosts x M "
              "connections, the fault plan, the verifier; one run per seed.\n"
              "Defaults: 128 hosts x 8 connections, chimney peers, one host in 8 layered, "
              "every fault kind (ChimneyFaultPlan::Everything(); --everything=false: no "
              "faults).\n"
              "Replications: --RngRun=N --runs=R runs RNG runs N .. N+R-1 at the fixed "
              "--seed (ns-3's advice; what SEM does); --seeds=S varies the seed instead.\n"
              "Exit status: 0 clean, 1 findings, end-to-end failures or a bad option "
              "(--failOnFindings=false: findings are data, exit 0).");
    config.AddToCommandLine(cmd);
    cmd.AddValue("runs", "replications: RNG runs RngRun .. RngRun+runs-1 at the fixed seed", runs);
    cmd.AddValue("seeds", "runs: seeds seed .. seed+seeds-1, one after another", seeds);
    cmd.AddValue("failOnFindings",
                 "exit 1 on findings or E1/E2 failures (false: they are data, exit 0)",
                 failOnFindings);
    cmd.AddValue("report", "write the JSON report (chimney-campaign-report/1) here", report);
    cmd.AddValue("pcap", "write pcap of the --pcapHosts hosts into this directory", pcap);
    cmd.AddValue("records", "put per-connection records and series in the report", records);
    cmd.AddValue("quiet", "print nothing but errors", quiet);
    cmd.AddValue("shards",
                 "processes per run, e.g. one per core: the built network is forked and each "
                 "simulates its share of the islands; the same result (not with faults or the "
                 "dumbbell)",
                 shards);

    std::vector<std::string> known = ChimneyScenarioConfig::OptionNames();
    for (const char* name :
         {"runs", "seeds", "failOnFindings", "report", "pcap", "records", "quiet", "shards"})
    {
        known.emplace_back(name);
    }
    std::string error;
    if (!CheckOptionNames(argc, argv, known, &error))
    {
        std::cerr << "chimney-campaign: " << error << "\n";
        return 1;
    }
    cmd.Parse(argc, argv);
    if (!pcap.empty())
    {
        config.pcapDir = pcap;
    }
    // ns-3's --RngSeed is the scenario's seed (one seed decides the run): the same as --seed.
    UintegerValue rngSeed;
    GlobalValue::GetValueByName("RngSeed", rngSeed);
    if (rngSeed.Get() != 1)
    {
        if (config.seed != 1 && config.seed != rngSeed.Get())
        {
            std::cerr << "chimney-campaign: bad option: --seed=" << config.seed
                      << " and --RngSeed=" << rngSeed.Get() << " disagree (they are one seed)\n";
            return 1;
        }
        config.seed = static_cast<uint32_t>(rngSeed.Get());
    }
    if (!config.FinishCommandLine(&error))
    {
        std::cerr << "chimney-campaign: bad option: " << error << "\n";
        return 1;
    }
    if (seeds == 0 || static_cast<uint64_t>(config.seed) + seeds - 1 > 0xffffffffULL)
    {
        std::cerr << "chimney-campaign: bad option: --seeds must be at least 1 and seed+seeds-1 "
                     "must fit in 32 bits\n";
        return 1;
    }
    if (runs == 0 || static_cast<uint64_t>(config.run) + runs - 1 > 0xffffffffULL)
    {
        std::cerr << "chimney-campaign: bad option: --runs must be at least 1 and "
                     "RngRun+runs-1 must fit in 32 bits\n";
        return 1;
    }

    error = CheckChimneyShards(config, shards);
    if (!error.empty())
    {
        std::cerr << "chimney-campaign: bad option: --" << error << "\n";
        return 1;
    }

    ChimneyCampaignReport campaign(records);
    const uint32_t scenarios = seeds * runs;
    for (uint32_t i = 0; i < scenarios; ++i)
    {
        ChimneyScenarioConfig run = config;
        run.seed = config.seed + i / runs;
        run.run = config.run + i % runs;
        auto progress = [&run, quiet](const ChimneyScenarioProgress& p) {
            if (!quiet)
            {
                std::cerr << "  seed " << run.seed
                          << (run.run != 1 ? " run " + std::to_string(run.run) : std::string())
                          << ": " << std::fixed << std::setprecision(1) << p.simTime
                          << " s simulated, " << p.connectionsClosed << "/" << p.connections
                          << " connections closed, " << p.findings << " findings\n";
            }
        };
        const ChimneyScenarioResult result = RunChimneyScenario(run, progress, 2.0, shards);
        campaign.Add(result);
        if (!quiet)
        {
            if (scenarios == 1)
            {
                result.PrintSummary(std::cout);
            }
            else
            {
                std::cout << "seed " << run.seed
                          << (runs > 1 ? " run " + std::to_string(run.run) : std::string()) << ": "
                          << result.connections << " connections, " << result.findingTotal
                          << " findings, " << result.endToEndFailures << " E1/E2 failures, "
                          << std::fixed << std::setprecision(2) << result.wallSeconds
                          << " s wall\n";
                std::cout.unsetf(std::ios::floatfield);
            }
        }
    }
    if (!quiet && scenarios > 1)
    {
        campaign.PrintSummary(std::cout);
    }
    if (!report.empty())
    {
        std::ofstream out(report);
        if (!out)
        {
            std::cerr << "chimney-campaign: cannot write " << report << "\n";
            return 1;
        }
        campaign.WriteJson(out);
    }
    return campaign.IsClean() || !failOnFindings ? 0 : 1;
}
