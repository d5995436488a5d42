/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The registry of lifecycle scenarios (scenario/chimney-lifecycle-scenarios.cc): every entry is
// named once, described and runnable; ChimneyLifecycleScenarios() and the lookup read it; an
// unknown name is refused before anything is built. (That every scenario runs clean, with its
// E1/E2 checks passing, is proven in chimney-verifier-defect-test.cc over the same names.)

#include "ns3/chimney-module.h"

#include <gtest/gtest.h>
#include <set>
#include <string>
#include <vector>

using namespace ns3;

TEST(LifecycleScenarioRegistry, EveryEntryIsNamedOnceDescribedAndRunnable)
{
    const auto& registry = ChimneyLifecycleScenarioRegistry();
    ASSERT_FALSE(registry.empty());
    std::set<std::string> names;
    for (const ChimneyLifecycleScenario& scenario : registry)
    {
        EXPECT_FALSE(scenario.name.empty());
        EXPECT_TRUE(names.insert(scenario.name).second) << "twice: " << scenario.name;
        EXPECT_FALSE(scenario.description.empty()) << scenario.name;
        EXPECT_TRUE(static_cast<bool>(scenario.start)) << scenario.name;
    }
    EXPECT_EQ(names.count(ChimneyLifecycleOptions().scenario), 1U) << "the default scenario";
}

TEST(LifecycleScenarioRegistry, NamesAndLookupReadTheRegistry)
{
    const auto& registry = ChimneyLifecycleScenarioRegistry();
    const std::vector<std::string>& names = ChimneyLifecycleScenarios();
    ASSERT_EQ(names.size(), registry.size());
    for (size_t i = 0; i < registry.size(); ++i)
    {
        EXPECT_EQ(names[i], registry[i].name);
        EXPECT_EQ(ChimneyFindLifecycleScenario(registry[i].name), &registry[i]);
    }
    EXPECT_EQ(ChimneyFindLifecycleScenario("no-such-scenario"), nullptr);
    EXPECT_EQ(ChimneyFindLifecycleScenario(""), nullptr);
}

TEST(LifecycleScenarioRegistry, UnknownScenarioIsNotBuilt)
{
    ChimneyLifecycleOptions options;
    options.scenario = "no-such-scenario";
    const ChimneyLifecycleResult result = RunChimneyLifecycle(options);
    EXPECT_FALSE(result.built);
    EXPECT_FALSE(result.endToEndOk);
    EXPECT_EQ(result.endToEnd, "unknown scenario 'no-such-scenario' or seed 0");
    EXPECT_FALSE(result.verifier);
}

TEST(LifecycleScenarioRegistry, OneScenarioRunsCleanFromItsEntry)
{
    ChimneyLifecycleOptions options;
    options.scenario = "capacity"; // two connections: both of its checks are reported
    const ChimneyLifecycleResult result = RunChimneyLifecycle(options);
    ASSERT_TRUE(result.built) << result.endToEnd;
    EXPECT_TRUE(result.endToEndOk) << result.endToEnd;
    EXPECT_EQ(result.endToEnd, "E1 host0 -> host1: OK; E1 host0 -> host1 (second connection): OK");
    EXPECT_EQ(result.verifier->GetFindingCount(), 0U);
}
