/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The scenario builder (scenario/chimney-scenario.h):
//  * every topology x peer kind runs clean on the correct model: zero findings, E1/E2 held on
//    every connection, every connection ended, offloads happened, nothing held at the end;
//  * determinism: the same seed gives the same JSON report (without "wall") and the same pcap
//    bytes; another seed gives a different run;
//  * a bad config gives a clear error naming the field and runs nothing;
//  * command-line options: AddToCommandLine / FinishCommandLine, bad values reported (not an
//    exit), ToCommandLine reproduces the config;
//  * seeded defects (verifier issue) are still caught with faults injected;
//  * the chimney peers are verified too: a defect on the peers only is reported on their
//    devices, and not when verifyPeers is off;
//  * a short randomized campaign (20 seeds, ChimneyFaultPlan::Everything()) has zero findings
//    (the 500-seed version runs the campaign program under the "long" label).

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/network-module.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

/// A small scenario that finishes in well under a second.
ChimneyScenarioConfig
Small(const std::string& topology, const std::string& peer)
{
    ChimneyScenarioConfig c;
    c.topology = topology;
    c.peer = peer;
    c.hosts = 6;
    c.connections = 3;
    c.segmentHosts = 3;
    c.delay = topology == "csma" ? MicroSeconds(50) : MilliSeconds(1);
    c.stopTime = Seconds(300);
    return c;
}

std::string
Describe(const ChimneyScenarioResult& r)
{
    std::ostringstream s;
    r.PrintSummary(s);
    for (const auto& rec : r.records)
    {
        if (!rec.endToEndOk)
        {
            s << "  E1/E2 failed: host " << rec.host << " #" << rec.index << " " << rec.closeType
              << " " << rec.outcome << " sent " << rec.bytesSent << " peer read "
              << rec.peerBytesReceived << "\n";
        }
    }
    return s.str();
}

std::string
RunJson(const ChimneyScenarioResult& r)
{
    std::ostringstream s;
    r.WriteRunJson(s, true);
    return s.str();
}

std::string
ReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string
TempDir(const std::string& name)
{
    const std::string dir =
        testing::TempDir() + "chimney-scenario-" + name + "-" + std::to_string(::getpid());
    SystemPath::MakeDirectories(dir);
    return dir;
}

// ---------------------------------------------------------------------------------------------
// Every topology x peer kind, correct model, no faults: clean
// ---------------------------------------------------------------------------------------------

using TopologyParam = std::tuple<std::string, std::string>;

class ScenarioTopologyTest : public ::testing::TestWithParam<TopologyParam>
{
};

TEST_P(ScenarioTopologyTest, RunsCleanWithEveryConnectionEnded)
{
    const auto& [topology, peer] = GetParam();
    const ChimneyScenarioConfig config = Small(topology, peer);
    const ChimneyScenarioResult r = RunChimneyScenario(config);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.connections, uint64_t(config.hosts) * config.connections);
    ASSERT_EQ(r.records.size(), r.connections);
    EXPECT_EQ(r.findingTotal, 0u) << Describe(r);
    EXPECT_EQ(r.endToEndFailures, 0u) << Describe(r);
    EXPECT_LT(r.simTime, config.stopTime.GetSeconds()) << "the run should end when every "
                                                          "connection closed";
    uint32_t offloaded = 0;
    for (const auto& rec : r.records)
    {
        EXPECT_TRUE(rec.outcome == "CLOSED" || rec.outcome == "ABORTED")
            << "host " << rec.host << " #" << rec.index << ": " << rec.outcome;
        EXPECT_GE(rec.closedTime, rec.openTime);
        EXPECT_GE(rec.establishedTime, rec.openTime);
        offloaded += rec.offloadTime >= 0 ? 1 : 0;
        if (rec.outcome == "CLOSED")
        {
            // E1 both ways, as the applications counted
            EXPECT_EQ(rec.peerBytesReceived, rec.bytesSent);
        }
    }
    EXPECT_EQ(offloaded, r.records.size());
    auto count = [](const std::map<std::string, uint64_t>& m, const std::string& k) {
        auto it = m.find(k);
        return it == m.end() ? uint64_t(0) : it->second;
    };
    EXPECT_EQ(count(r.outcomes, "ABORTED"), count(r.closeTypes, "abortive"));
    ASSERT_FALSE(r.series.empty());
    EXPECT_EQ(r.series.back().resourcesHeld, 0u);
    EXPECT_EQ(r.series.back().open, 0u);
    EXPECT_GE(r.series.size(), 2u); // sampled from 0 to the end
    EXPECT_GT(r.events, 0u);
}

INSTANTIATE_TEST_SUITE_P(TopologiesAndPeers,
                         ScenarioTopologyTest,
                         ::testing::Combine(::testing::Values("p2p", "csma", "dumbbell"),
                                            ::testing::Values("native", "chimney")),
                         [](const ::testing::TestParamInfo<TopologyParam>& info) {
                             return std::get<0>(info.param) + "_" + std::get<1>(info.param);
                         });

// ---------------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------------

TEST(ScenarioDeterminismTest, SameSeedSameReportAndPcapOtherSeedDifferent)
{
    ChimneyScenarioConfig config = Small("csma", "native");
    config.faults = ChimneyFaultPlan::Everything();
    config.seed = 7;
    config.pcapHosts = {0, 4};

    const std::string dirA = TempDir("a");
    const std::string dirB = TempDir("b");
    const std::string dirC = TempDir("c");
    config.pcapDir = dirA;
    const ChimneyScenarioResult a = RunChimneyScenario(config);
    config.pcapDir = dirB;
    const ChimneyScenarioResult b = RunChimneyScenario(config);
    config.pcapDir = dirC;
    config.seed = 8;
    const ChimneyScenarioResult c = RunChimneyScenario(config);
    ASSERT_TRUE(a.ok && b.ok && c.ok);

    // Same seed: the reports differ only in the pcap directory named in the config.
    std::string jsonA = RunJson(a);
    std::string jsonB = RunJson(b);
    for (std::string* j : {&jsonA, &jsonB})
    {
        for (const std::string& dir : {dirA, dirB})
        {
            for (size_t at = j->find(dir); at != std::string::npos; at = j->find(dir))
            {
                j->replace(at, dir.size(), "DIR");
            }
        }
    }
    EXPECT_EQ(jsonA, jsonB);
    EXPECT_EQ(a.events, b.events);
    EXPECT_GT(a.records.size(), 0u);

    // Same pcap bytes, file by file.
    for (uint32_t host : config.pcapHosts)
    {
        // offloading hosts are nodes 0..N-1; their link device (the one captured) is device 0
        const std::string name =
            "/host" + std::to_string(host) + "-" + std::to_string(host) + "-0.pcap";
        const std::string pa = ReadFile(dirA + name);
        const std::string pb = ReadFile(dirB + name);
        const std::string pc = ReadFile(dirC + name);
        EXPECT_GT(pa.size(), 24u) << dirA + name << " missing or empty";
        EXPECT_EQ(pa, pb) << name;
        EXPECT_NE(pa, pc) << name << ": another seed should give other frames";
    }

    // Another seed: another run.
    EXPECT_NE(RunJson(c), jsonA);

    // The full report carries the "wall" object; the run report does not.
    std::ostringstream full;
    a.WriteJson(full);
    EXPECT_NE(full.str().find("\"wall\""), std::string::npos);
    EXPECT_EQ(RunJson(a).find("\"wall\""), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Bad configs
// ---------------------------------------------------------------------------------------------

TEST(ScenarioConfigTest, BadConfigGivesClearErrorAndRunsNothing)
{
    struct Case
    {
        std::string field;
        std::function<void(ChimneyScenarioConfig&)> spoil;
    };

    const std::vector<Case> cases = {
        {"topology", [](ChimneyScenarioConfig& c) { c.topology = "ring"; }},
        {"hosts", [](ChimneyScenarioConfig& c) { c.hosts = 0; }},
        {"connections", [](ChimneyScenarioConfig& c) { c.connections = 0; }},
        {"peer", [](ChimneyScenarioConfig& c) { c.peer = "linux"; }},
        {"dataRate", [](ChimneyScenarioConfig& c) { c.dataRate = "fast"; }},
        {"bytesMin", [](ChimneyScenarioConfig& c) { c.bytesMin = c.bytesMax + 1; }},
        {"graceful", [](ChimneyScenarioConfig& c) { c.graceful = c.abortive = c.halfClose = 0; }},
        {"terminateMidTransfer", [](ChimneyScenarioConfig& c) { c.terminateMidTransfer = 2; }},
        {"stopTime", [](ChimneyScenarioConfig& c) { c.stopTime = c.startWindow; }},
        {"offloadPolicy", [](ChimneyScenarioConfig& c) { c.offloadPolicy = "Sometimes"; }},
        {"defect", [](ChimneyScenarioConfig& c) { c.defect = "NoSuchDefect"; }},
        {"seed", [](ChimneyScenarioConfig& c) { c.seed = 0; }},
        {"faults", [](ChimneyScenarioConfig& c) { c.faults.lossRate = 1.5; }},
        {"pcapHosts", [](ChimneyScenarioConfig& c) { c.pcapHosts = {c.hosts}; }},
    };
    for (const auto& k : cases)
    {
        ChimneyScenarioConfig config;
        k.spoil(config);
        std::string error;
        EXPECT_FALSE(config.Validate(&error)) << k.field;
        EXPECT_NE(error.find(k.field), std::string::npos)
            << "the message should name " << k.field << ": " << error;
        const ChimneyScenarioResult r = RunChimneyScenario(config);
        EXPECT_FALSE(r.ok) << k.field;
        EXPECT_EQ(r.error, error);
        EXPECT_EQ(NodeList::GetNNodes(), 0u) << k.field << ": nothing may be built";
        EXPECT_EQ(Simulator::Now(), Time(0)) << k.field << ": nothing may run";
        EXPECT_TRUE(r.records.empty());
    }
    std::string error;
    EXPECT_TRUE(ChimneyScenarioConfig().Validate(&error)) << error;
}

// ---------------------------------------------------------------------------------------------
// Command-line options
// ---------------------------------------------------------------------------------------------

bool
Parse(ChimneyScenarioConfig& config, const std::vector<std::string>& options, std::string* error)
{
    CommandLine cmd;
    config.AddToCommandLine(cmd);
    std::vector<std::string> args{"program"};
    args.insert(args.end(), options.begin(), options.end());
    cmd.Parse(args);
    return config.FinishCommandLine(error);
}

/// The campaign program, starting from its defaults, parses config.ToCommandLine() back into
/// the same config.
::testing::AssertionResult
CampaignProgramRebuilds(const ChimneyScenarioConfig& config)
{
    const std::string line = config.ToCommandLine();
    std::vector<std::string> options;
    std::istringstream words(line);
    for (std::string w; words >> w;)
    {
        options.push_back(w);
    }
    ChimneyScenarioConfig again = ChimneyScenarioConfig::CampaignDefaults();
    std::string error;
    if (!Parse(again, options, &error))
    {
        return ::testing::AssertionFailure() << error << " in " << line;
    }
    if (again.ToJson() != config.ToJson())
    {
        return ::testing::AssertionFailure() << line << " gives " << again.ToJson();
    }
    return ::testing::AssertionSuccess();
}

TEST(ScenarioConfigTest, CommandLineSetsFieldsAndFaultPlan)
{
    ChimneyScenarioConfig config;
    std::string error;
    ASSERT_TRUE(Parse(config,
                      {"--hosts=12",
                       "--topology=dumbbell",
                       "--delay=250us",
                       "--graceful=0.5",
                       "--pcapHosts=1,3",
                       "--everything",
                       "--lossRate=0.125",
                       "--retrieveReasons=UploadRequested,LowActivity",
                       "--seed=9"},
                      &error))
        << error;
    EXPECT_EQ(config.hosts, 12u);
    EXPECT_EQ(config.topology, "dumbbell");
    EXPECT_EQ(config.delay, MicroSeconds(250));
    EXPECT_DOUBLE_EQ(config.graceful, 0.5);
    EXPECT_EQ(config.pcapHosts, (std::vector<uint32_t>{1, 3}));
    EXPECT_EQ(config.seed, 9u);
    ChimneyFaultPlan expected = ChimneyFaultPlan::Everything();
    expected.lossRate = 0.125;
    expected.retrieveReasons = {"UploadRequested", "LowActivity"};
    EXPECT_EQ(config.faults.ToJson(), expected.ToJson());

    // ToCommandLine reproduces it.
    const std::string line = config.ToCommandLine();
    EXPECT_NE(line.find("--everything"), std::string::npos) << line;
    EXPECT_NE(line.find("--seed=9"), std::string::npos) << line;
    EXPECT_TRUE(CampaignProgramRebuilds(config));
}

TEST(ScenarioConfigTest, CommandLineOfStructDefaultsNamesWhatTheCampaignDefaultsDiffer)
{
    // The struct's defaults (native peers, 1 s start window, no faults) are not the campaign
    // program's: a reproduce line that left them out would run a different scenario.
    ChimneyScenarioConfig config;
    config.seed = 12;
    const std::string line = config.ToCommandLine();
    EXPECT_NE(line.find("--peer=native"), std::string::npos) << line;
    EXPECT_NE(line.find("--startWindow="), std::string::npos) << line;
    EXPECT_NE(line.find("--everything=false"), std::string::npos) << line;
    EXPECT_TRUE(CampaignProgramRebuilds(config));
    EXPECT_EQ(ChimneyScenarioConfig::CampaignDefaults().ToCommandLine(),
              "--hosts=128 --connections=8 --everything --seed=1");
}

TEST(ScenarioConfigTest, BadOptionValuesAreReportedNotFatal)
{
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"--hosts=many", "hosts"},
        {"--delay=soon", "delay"},
        {"--graceful=x", "graceful"},
        {"--pcapHosts=1,a", "pcapHosts"},
        {"--lossRate=lots", "lossRate"},
        {"--lossRate=3", "lossRate"},
        {"--topology=ring", "topology"},
        {"--faults=/nonexistent/plan.json", "faults"},
        {"--everything=maybe", "everything"},
    };
    for (const auto& [option, field] : bad)
    {
        ChimneyScenarioConfig config;
        std::string error;
        EXPECT_FALSE(Parse(config, {option}, &error)) << option;
        EXPECT_NE(error.find(field), std::string::npos) << option << ": " << error;
    }
}

// ---------------------------------------------------------------------------------------------
// Seeded defects are still caught with faults injected
// ---------------------------------------------------------------------------------------------

using DefectParam = std::tuple<std::string, std::string>; // defect, expected ID

class ScenarioDefectTest : public ::testing::TestWithParam<DefectParam>
{
};

TEST_P(ScenarioDefectTest, CaughtUnderFaults)
{
    const auto& [defect, id] = GetParam();
    ChimneyScenarioConfig config = Small("p2p", "native");
    config.hosts = 4;
    config.connections = 4;
    config.faults.lossRate = 0.01;
    config.faults.duplicateRate = 0.01;
    config.faults.reorderRate = 0.01;
    config.faults.slowCompletionRate = 0.5;
    config.terminateMidTransfer = 0.3;
    config.defect = defect;
    const ChimneyScenarioResult r = RunChimneyScenario(config);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_GT(r.findingTotal, 0u) << defect << " went unnoticed";
    EXPECT_GT(r.findingCounts.at(id), 0u) << defect << ": expected " << id << "\n" << Describe(r);
    EXPECT_FALSE(r.findings.empty());
}

INSTANTIATE_TEST_SUITE_P(Defects,
                         ScenarioDefectTest,
                         ::testing::Values(DefectParam{"FreeOnFin", "R1"},
                                           DefectParam{"DataAfterFin", "W1"},
                                           DefectParam{"RstOnGraceful", "W4"},
                                           DefectParam{"LeakOnTerminate", "R2"},
                                           DefectParam{"CompleteGracefulOnFinSent", "A3"}),
                         [](const ::testing::TestParamInfo<DefectParam>& info) {
                             return std::get<0>(info.param);
                         });

// ---------------------------------------------------------------------------------------------
// The peers are verified too (issue 15): a defect on the chimney peers only is reported on the
// peers' devices, and only because the verifier watches them (verifyPeers)
// ---------------------------------------------------------------------------------------------

class ScenarioPeerDefectTest : public ::testing::TestWithParam<std::string>
{
};

TEST_P(ScenarioPeerDefectTest, ReportedOnThePeersDevicesOnlyWhenVerified)
{
    const std::string defect = GetParam();
    const ChimneyDefectInfo* info = ChimneyDefectRegistry::Find(defect);
    ASSERT_NE(info, nullptr) << defect;
    ChimneyScenarioConfig config = Small("p2p", "chimney");
    config.peerDefect = defect;
    // Nodes are created hosts first, then peers: a peer's target is on node hosts .. 2 hosts-1.
    auto onPeer = [&config](const ChimneyFinding& f) {
        return f.nodeId >= config.hosts && f.nodeId < 2 * config.hosts;
    };

    const ChimneyScenarioResult r = RunChimneyScenario(config);
    ASSERT_TRUE(r.ok) << r.error;
    for (const std::string& id : info->ids)
    {
        uint64_t peerFindings = 0;
        for (const ChimneyFinding& f : r.findings)
        {
            peerFindings += f.id == id && onPeer(f) ? 1 : 0;
        }
        EXPECT_GT(peerFindings, 0u)
            << defect << " on the peers: expected " << id << " on a peer's device\n"
            << Describe(r);
    }
    for (const ChimneyFinding& f : r.findings)
    {
        EXPECT_TRUE(onPeer(f)) << "the hosts' targets are correct: " << f;
    }

    config.verifyPeers = false; // the same run, the peers unwatched: nothing to report
    const ChimneyScenarioResult unwatched = RunChimneyScenario(config);
    ASSERT_TRUE(unwatched.ok) << unwatched.error;
    EXPECT_EQ(unwatched.findingTotal, 0u) << Describe(unwatched);
    EXPECT_EQ(unwatched.connections, r.connections);
    EXPECT_EQ(unwatched.outcomes, r.outcomes);
}

INSTANTIATE_TEST_SUITE_P(PeerDefects,
                         ScenarioPeerDefectTest,
                         ::testing::Values("DataAfterFin", "RstOnGraceful", "LeakOnTerminate"));

TEST(ScenarioPeerDefectTest, NeedsChimneyPeers)
{
    ChimneyScenarioConfig config = Small("p2p", "native");
    config.peerDefect = "FreeOnFin";
    std::string error;
    EXPECT_FALSE(config.Validate(&error));
    EXPECT_NE(error.find("peerDefect"), std::string::npos) << error;
    config.peer = "chimney";
    config.peerDefect = "NoSuchDefect";
    EXPECT_FALSE(config.Validate(&error));
    EXPECT_NE(error.find("peerDefect"), std::string::npos) << error;
}

// ---------------------------------------------------------------------------------------------
// Randomized campaign, short (the 500-seed one is a "long" ctest of the campaign program)
// ---------------------------------------------------------------------------------------------

TEST(ScenarioCampaignTest, TwentySeedsEveryFaultKindZeroFindings)
{
    ChimneyScenarioConfig config;
    config.hosts = 8;
    config.connections = 4;
    config.peer = "chimney"; // as the campaign program (ns-3 3.37's TCP, see its notes)
    config.faults = ChimneyFaultPlan::Everything();
    ChimneyCampaignReport campaign(false);
    for (uint32_t seed = 1; seed <= 20; ++seed)
    {
        config.seed = seed;
        const ChimneyScenarioResult r = RunChimneyScenario(config);
        ASSERT_TRUE(r.ok) << r.error;
        EXPECT_EQ(r.findingTotal, 0u) << "seed " << seed << "\n" << Describe(r);
        EXPECT_EQ(r.endToEndFailures, 0u) << "seed " << seed << "\n" << Describe(r);
        campaign.Add(r);
    }
    EXPECT_TRUE(campaign.IsClean());
    uint64_t fired = 0;
    for (const auto& entry : campaign.GetFaultsFired())
    {
        fired += entry.second;
    }
    EXPECT_GT(fired, 0u) << "faults must actually fire";
}

} // namespace
