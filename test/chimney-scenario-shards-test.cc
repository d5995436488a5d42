/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// A scenario run in several processes (RunChimneyScenario's shards, chimney-scenario-shards.h):
//  * it is the single-process run: the same run report (records, series, findings in order,
//    coverage, events), byte for byte, for every topology that has islands, with chimney and
//    native peers, layered hosts, seeded defects on hosts and peers (findings at every instant
//    and at the end), a run cut by stopTime, and 2, 3 or 7 shards;
//  * the same pcap bytes for captured hosts of different shards;
//  * what cannot be sharded (the dumbbell, faults, more shards than islands, 0 shards) gives a
//    clear error and runs nothing.

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"

#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace ns3;

namespace
{

std::string
RunJson(const ChimneyScenarioResult& r)
{
    std::ostringstream s;
    r.WriteRunJson(s, true);
    return s.str();
}

/// A scenario of `hosts` hosts x 4 connections, over 200 ms.
ChimneyScenarioConfig
Config(const std::string& topology, const std::string& peer, uint32_t hosts)
{
    ChimneyScenarioConfig c;
    c.topology = topology;
    c.peer = peer;
    c.hosts = hosts;
    c.connections = 4;
    c.segmentHosts = 4;
    c.startWindow = MilliSeconds(200);
    c.delay = topology == "csma" ? MicroSeconds(50) : MilliSeconds(1);
    c.sampleInterval = MilliSeconds(50);
    return c;
}

struct ShardCase
{
    std::string name;
    ChimneyScenarioConfig config;
};

std::vector<ShardCase>
Cases()
{
    std::vector<ShardCase> cases;
    ChimneyScenarioConfig layered = Config("p2p", "chimney", 24);
    layered.layeredFraction = 0.25;
    cases.push_back({"P2pChimneyPeersLayered", layered});
    ChimneyScenarioConfig csma = Config("csma", "native", 24);
    csma.segmentHosts = 3; // 8 islands
    cases.push_back({"CsmaNative", csma});
    ChimneyScenarioConfig star = Config("star", "native", 24);
    star.segmentHosts = 3;
    cases.push_back({"StarNative", star});
    ChimneyScenarioConfig defects = Config("p2p", "chimney", 16);
    defects.defect = "FreeOnFin";
    defects.peerDefect = "LeakOnTerminate";
    cases.push_back({"DefectsOnHostsAndPeers", defects});
    ChimneyScenarioConfig cut = Config("p2p", "native", 16);
    cut.startWindow = Seconds(1);
    cut.stopTime = MilliSeconds(1050); // connections still open: the end is stopTime
    cases.push_back({"CutByStopTime", cut});
    return cases;
}

/// gtest prints a parameter with this (not as bytes)
void
PrintTo(const ShardCase& c, std::ostream* os)
{
    *os << c.name;
}

class ShardedRunTest : public testing::TestWithParam<ShardCase>
{
};

TEST_P(ShardedRunTest, IsTheSingleProcessRun)
{
    const ChimneyScenarioConfig& config = GetParam().config;
    const ChimneyScenarioResult single = RunChimneyScenario(config);
    ASSERT_TRUE(single.ok) << single.error;
    ASSERT_GT(single.events, 0u);
    ASSERT_FALSE(single.series.empty());
    const std::string expected = RunJson(single);
    for (uint32_t shards : {2u, 3u, 7u})
    {
        const ChimneyScenarioResult sharded = RunChimneyScenario(config, {}, 2.0, shards);
        ASSERT_TRUE(sharded.ok) << sharded.error;
        EXPECT_EQ(sharded.events, single.events) << shards << " shards";
        EXPECT_EQ(sharded.findings.size(), single.findings.size()) << shards << " shards";
        EXPECT_EQ(RunJson(sharded), expected) << shards << " shards";
        EXPECT_GT(sharded.peakRssBytes, 0u);
    }
}

INSTANTIATE_TEST_SUITE_P(Shards,
                         ShardedRunTest,
                         testing::ValuesIn(Cases()),
                         [](const testing::TestParamInfo<ShardCase>& info) {
                             return info.param.name;
                         });

std::string
ReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ShardedRunTest, SamePcapBytes)
{
    ChimneyScenarioConfig config = Config("p2p", "chimney", 8);
    config.pcapHosts = {0, 1, 5}; // with 2 shards: shard 0, 1, 1
    const std::string base =
        testing::TempDir() + "chimney-shards-pcap-" + std::to_string(::getpid());
    config.pcapDir = base + "-single";
    ASSERT_TRUE(RunChimneyScenario(config).ok);
    config.pcapDir = base + "-sharded";
    ASSERT_TRUE(RunChimneyScenario(config, {}, 2.0, 2).ok);
    for (uint32_t host : config.pcapHosts)
    {
        const std::string name =
            "/host" + std::to_string(host) + "-" + std::to_string(host) + "-0.pcap";
        const std::string single = ReadFile(base + "-single" + name);
        EXPECT_GT(single.size(), 24u) << name << " missing or empty";
        const std::string sharded = ReadFile(base + "-sharded" + name);
        EXPECT_EQ(sharded.size(), single.size()) << name;
        EXPECT_TRUE(sharded == single) << name << ": other bytes"; // not printed: binary
    }
}

TEST(ShardedRunTest, WhatCannotBeShardedGivesClearErrorAndRunsNothing)
{
    struct Bad
    {
        ChimneyScenarioConfig config;
        uint32_t shards;
        std::string says;
    };

    ChimneyScenarioConfig faults = Config("p2p", "chimney", 8);
    faults.faults = ChimneyFaultPlan::Everything();
    const std::vector<Bad> bad = {
        {Config("p2p", "chimney", 8), 0, "at least 1"},
        {Config("dumbbell", "native", 8), 2, "dumbbell"},
        {faults, 2, "fault injector"},
        {Config("p2p", "native", 4), 5, "5 shards for 4 islands"},
        {Config("csma", "native", 8), 3, "3 shards for 2 islands"},
    };
    for (const Bad& b : bad)
    {
        const ChimneyScenarioResult r = RunChimneyScenario(b.config, {}, 2.0, b.shards);
        EXPECT_FALSE(r.ok) << b.says;
        EXPECT_NE(r.error.find(b.says), std::string::npos) << r.error;
        EXPECT_EQ(r.events, 0u) << b.says;
        EXPECT_EQ(CheckChimneyShards(b.config, b.shards), r.error);
    }
    EXPECT_EQ(CheckChimneyShards(Config("p2p", "native", 4), 4), "");
}

} // namespace
