/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyFaultPlan: kinds, validation, JSON round trip and errors (unit, no simulation).

#include "ns3/chimney-fault-plan.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <set>

using namespace ns3;

namespace
{

/// A plan with every field away from its default value.
ChimneyFaultPlan
Unusual()
{
    ChimneyFaultPlan p = ChimneyFaultPlan::Everything();
    p.lossRate = 0.125;
    p.burstLength = 7;
    p.jitter = MicroSeconds(1500);
    p.dropFin = 2;
    p.dropRst = 0;
    p.dropFinAck = 3;
    p.capacity = 11;
    p.slowCompletion = Seconds(1.5);
    p.retrieveReasons = {"TimeoutExpiration", "SmallIO"};
    p.uploadAllRate = 1;
    return p;
}

/// Field-by-field equality through the JSON text (every field is written).
void
ExpectSamePlan(const ChimneyFaultPlan& a, const ChimneyFaultPlan& b)
{
    EXPECT_EQ(a.ToJson(), b.ToJson());
    EXPECT_EQ(a.lossRate, b.lossRate);
    EXPECT_EQ(a.jitter, b.jitter);
    EXPECT_EQ(a.slowCompletion, b.slowCompletion);
    EXPECT_EQ(a.retrieveReasons, b.retrieveReasons);
    EXPECT_EQ(a.capacity, b.capacity);
}

/// FromJson on a default plan must fail, name `key` in the error and leave the plan unchanged.
void
ExpectRejected(const std::string& text, const std::string& key)
{
    ChimneyFaultPlan plan = Unusual();
    std::string before = plan.ToJson();
    std::string error;
    EXPECT_FALSE(plan.FromJson(text, &error)) << text;
    EXPECT_NE(error.find(key), std::string::npos) << "error '" << error << "' for " << text;
    EXPECT_EQ(error.find('\n'), std::string::npos) << "not one line: " << error;
    EXPECT_EQ(plan.ToJson(), before) << "plan changed by a rejected " << text;
}

} // namespace

TEST(ChimneyFaultPlan, KindsAreUniqueAndGroupedByPlace)
{
    const auto& kinds = ChimneyFaultPlan::Kinds();
    EXPECT_EQ(kinds.size(), 24U);
    std::set<std::string> unique(kinds.begin(), kinds.end());
    EXPECT_EQ(unique.size(), kinds.size());
    for (const auto& k : kinds)
    {
        auto dot = k.find('.');
        ASSERT_NE(dot, std::string::npos) << k;
        std::string place = k.substr(0, dot);
        EXPECT_TRUE(place == "link" || place == "peer" || place == "target" || place == "host")
            << k;
    }
}

TEST(ChimneyFaultPlan, DefaultPlanConfiguresNothingAndEverythingConfiguresEveryKind)
{
    ChimneyFaultPlan none;
    std::string error;
    EXPECT_TRUE(none.Validate(&error)) << error;
    EXPECT_TRUE(none.ConfiguredKinds().empty());
    ChimneyFaultPlan all = ChimneyFaultPlan::Everything();
    EXPECT_TRUE(all.Validate(&error)) << error;
    EXPECT_EQ(all.ConfiguredKinds(), ChimneyFaultPlan::Kinds());
}

TEST(ChimneyFaultPlan, ConfiguredKindsFollowRatesAndTargetedDropCounts)
{
    ChimneyFaultPlan p;
    p.corruptRate = 0.1;
    p.targetedDropRate = 0.5;
    p.dropRst = 0; // off: only FIN and ACK-of-FIN drops
    p.capacity = 4;
    std::vector<std::string> expected = {"link.corrupt",
                                         "link.drop-fin",
                                         "link.drop-fin-ack",
                                         "target.capacity"};
    EXPECT_EQ(p.ConfiguredKinds(), expected);
}

TEST(ChimneyFaultPlan, JsonRoundTripKeepsEveryField)
{
    ChimneyFaultPlan original = Unusual();
    std::string text = original.ToJson();
    ChimneyFaultPlan read;
    std::string error;
    ASSERT_TRUE(read.FromJson(text, &error)) << error;
    ExpectSamePlan(read, original);
    EXPECT_EQ(read.jitter, MicroSeconds(1500));
    EXPECT_EQ(read.slowCompletion, MilliSeconds(1500));
    EXPECT_NE(text.find("\"jitter\": \"1500us\""), std::string::npos) << text;
    EXPECT_NE(text.find("\"slowCompletion\": \"1500ms\""), std::string::npos) << text;
}

TEST(ChimneyFaultPlan, ToJsonWritesKeysInHeaderOrder)
{
    std::string text = ChimneyFaultPlan().ToJson();
    const char* keys[] = {"\"lossRate\"",
                          "\"jitter\"",
                          "\"dropFinAck\"",
                          "\"peerCrashRate\"",
                          "\"capacity\"",
                          "\"retrieveReasons\"",
                          "\"uploadAllRate\""};
    size_t last = 0;
    for (const char* k : keys)
    {
        size_t at = text.find(k);
        ASSERT_NE(at, std::string::npos) << k;
        EXPECT_GT(at, last) << k;
        last = at;
    }
}

TEST(ChimneyFaultPlan, MissingKeysKeepCurrentValues)
{
    ChimneyFaultPlan p = Unusual();
    std::string error;
    ASSERT_TRUE(p.FromJson(R"({"lossRate": 0.5, "jitter": "3ms"})", &error)) << error;
    EXPECT_EQ(p.lossRate, 0.5);
    EXPECT_EQ(p.jitter, MilliSeconds(3));
    EXPECT_EQ(p.burstLength, 7U);
    EXPECT_EQ(p.capacity, 11U);
    ASSERT_TRUE(p.FromJson("{}", &error)) << error;
    EXPECT_EQ(p.lossRate, 0.5);
}

TEST(ChimneyFaultPlan, TimesAcceptEveryNs3Unit)
{
    ChimneyFaultPlan p;
    std::string error;
    ASSERT_TRUE(p.FromJson(R"({"jitter": "1.5s", "slowCompletion": "250us"})", &error)) << error;
    EXPECT_EQ(p.jitter, MilliSeconds(1500));
    EXPECT_EQ(p.slowCompletion, MicroSeconds(250));
    ASSERT_TRUE(p.FromJson(R"({"jitter": "2"})", &error)) << error; // seconds, as ns-3
    EXPECT_EQ(p.jitter, Seconds(2));
}

TEST(ChimneyFaultPlan, BadJsonIsRejectedNamingTheKey)
{
    ExpectRejected(R"({"lossRate": 1.5})", "lossRate");
    ExpectRejected(R"({"duplicateRate": -0.1})", "duplicateRate");
    ExpectRejected(R"({"reorderRate": "0.1"})", "reorderRate");
    ExpectRejected(R"({"burstLength": 0})", "burstLength");
    ExpectRejected(R"({"burstLength": 2.5})", "burstLength");
    ExpectRejected(R"({"dropFin": -1})", "dropFin");
    ExpectRejected(R"({"capacity": 4294967296})", "capacity");
    ExpectRejected(R"({"jitter": 20})", "jitter");
    ExpectRejected(R"({"jitter": "20 parsecs"})", "jitter");
    ExpectRejected(R"({"jitter": "0ms"})", "jitter");
    ExpectRejected(R"({"slowCompletion": "ms"})", "slowCompletion");
    ExpectRejected(R"({"retrieveReasons": "SmallIO"})", "retrieveReasons");
    ExpectRejected(R"({"retrieveReasons": ["Whim"]})", "Whim");
    ExpectRejected(R"({"retrieveReasons": [], "retrieveRate": 0.1})", "retrieveReasons");
    ExpectRejected(R"({"lossRate": 0.1, "lossRat": 0.1})", "lossRat");
    // A good key before a bad one must not be applied either.
    ExpectRejected(R"({"capacity": 2, "synRate": 2})", "synRate");
}

TEST(ChimneyFaultPlan, MalformedJsonIsRejectedOnOneLine)
{
    ExpectRejected("{\"lossRate\": ", "JSON");
    ExpectRejected("[1, 2]", "object");
}

TEST(ChimneyFaultPlan, ValidateNamesTheBadField)
{
    ChimneyFaultPlan p;
    p.blackHoleRate = 2;
    std::string error;
    EXPECT_FALSE(p.Validate(&error));
    EXPECT_NE(error.find("blackHoleRate"), std::string::npos) << error;
    p.blackHoleRate = 0;
    p.slowCompletion = Time(0);
    EXPECT_FALSE(p.Validate(&error));
    EXPECT_NE(error.find("slowCompletion"), std::string::npos) << error;
}

TEST(ChimneyFaultPlan, LoadFileReadsAPlanAndReportsTheFileOnError)
{
    std::string path = testing::TempDir() + "chimney-fault-plan-test.json";
    {
        std::ofstream out(path);
        out << R"({"peerCrashRate": 0.25, "capacity": 3})";
    }
    ChimneyFaultPlan p;
    std::string error;
    ASSERT_TRUE(p.LoadFile(path, &error)) << error;
    EXPECT_EQ(p.peerCrashRate, 0.25);
    EXPECT_EQ(p.capacity, 3U);
    {
        std::ofstream out(path);
        out << R"({"capacity": "three"})";
    }
    EXPECT_FALSE(p.LoadFile(path, &error));
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find("capacity"), std::string::npos) << error;
    EXPECT_EQ(p.capacity, 3U);
    std::remove(path.c_str());
    EXPECT_FALSE(p.LoadFile(path, &error));
    EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}
