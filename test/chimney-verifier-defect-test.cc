/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The ChimneyVerifier proven by the target's seeded defects (ChimneyNetDevice attribute Defect):
//  * every defect, run in the lifecycle scenario that exposes it, over point-to-point and CSMA,
//    on seeds 1..3, is reported with (at least) the invariant IDs of its ChimneyDefectRegistry
//    row (model/chimney-defect-registry.cc);
//  * the defect-free target gives zero findings, and the applications' own E1/E2 check passes,
//    on every lifecycle scenario, both links, seeds 1..3 — so each ID above comes from the
//    defect, not from the scenario;
//  * the registry covers every defect the device knows, names known scenarios and invariant
//    IDs, and is what the helper (and the chimney-verifier-report example) picks scenarios from.

#include "ns3/chimney-module.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace ns3;

namespace
{

/// The registry row of a defect (nullptr when unknown).
const ChimneyDefectInfo*
FindRow(const std::string& defect)
{
    return ChimneyDefectRegistry::Find(defect);
}

/// The IDs a defect must trip, as a sorted set.
std::set<std::string>
IdsOf(const ChimneyDefectInfo& row)
{
    return std::set<std::string>(row.ids.begin(), row.ids.end());
}

std::string
Join(const std::set<std::string>& ids)
{
    std::string s;
    for (const std::string& id : ids)
    {
        s += (s.empty() ? "" : " ") + id;
    }
    return s.empty() ? "(none)" : s;
}

/// The IDs with a non-zero count.
std::set<std::string>
Reported(const ChimneyVerifier& v)
{
    std::set<std::string> ids;
    for (const auto& [id, count] : v.GetCounts())
    {
        if (count > 0)
        {
            ids.insert(id);
        }
    }
    return ids;
}

std::string
Describe(const ChimneyVerifier& v)
{
    std::ostringstream s;
    for (const ChimneyFinding& f : v.GetFindings())
    {
        s << "  " << f << "\n";
    }
    return s.str();
}

std::vector<std::string>
DefectNames()
{
    std::vector<std::string> names;
    for (const ChimneyDefectInfo& row : ChimneyDefectRegistry::All())
    {
        names.emplace_back(row.name);
    }
    return names;
}

/// "remote-close" -> "remote_close": test names allow [A-Za-z0-9_] only.
std::string
Identifier(std::string s)
{
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
}

using RunParam = std::tuple<std::string, std::string, uint32_t>; // defect/scenario, link, seed

std::string
RunName(const ::testing::TestParamInfo<RunParam>& info)
{
    return Identifier(std::get<0>(info.param)) + "_" + std::get<1>(info.param) + "_seed" +
           std::to_string(std::get<2>(info.param));
}

// ---------------------------------------------------------------------------------------------
// Every defect is caught
// ---------------------------------------------------------------------------------------------

class VerifierDefectTest : public ::testing::TestWithParam<RunParam>
{
};

TEST_P(VerifierDefectTest, IsCaught)
{
    const ChimneyDefectInfo* row = FindRow(std::get<0>(GetParam()));
    ASSERT_NE(row, nullptr);
    const std::set<std::string> ids = IdsOf(*row);
    ChimneyLifecycleOptions options;
    options.scenario = row->scenario;
    options.link = std::get<1>(GetParam());
    options.seed = std::get<2>(GetParam());
    options.deviceAttributes = {{"Defect", row->name}};
    ChimneyLifecycleResult result = RunChimneyLifecycle(options);
    ASSERT_TRUE(result.built) << result.endToEnd;
    ASSERT_TRUE(result.verifier);

    const std::set<std::string> reported = Reported(*result.verifier);
    std::set<std::string> missing;
    std::set_difference(ids.begin(),
                        ids.end(),
                        reported.begin(),
                        reported.end(),
                        std::inserter(missing, missing.begin()));
    std::set<std::string> extra;
    std::set_difference(reported.begin(),
                        reported.end(),
                        ids.begin(),
                        ids.end(),
                        std::inserter(extra, extra.begin()));
    EXPECT_TRUE(missing.empty()) << row->name << " in scenario " << row->scenario << " over "
                                 << options.link << ", seed " << options.seed
                                 << ": not reported: " << Join(missing)
                                 << "; expected: " << Join(ids) << "; reported: " << Join(reported)
                                 << " (extra: " << Join(extra) << ")\n"
                                 << result.endToEnd << "\n"
                                 << Describe(*result.verifier);
}

INSTANTIATE_TEST_SUITE_P(Defects,
                         VerifierDefectTest,
                         ::testing::Combine(::testing::ValuesIn(DefectNames()),
                                            ::testing::Values("p2p", "csma"),
                                            ::testing::Values(1u, 2u, 3u)),
                         RunName);

// ---------------------------------------------------------------------------------------------
// The defect-free target is clean on the same scenarios
// ---------------------------------------------------------------------------------------------

class VerifierCleanTest : public ::testing::TestWithParam<RunParam>
{
};

TEST_P(VerifierCleanTest, NoFindings)
{
    ChimneyLifecycleOptions options;
    std::tie(options.scenario, options.link, options.seed) = GetParam();
    options.deviceAttributes = {{"Defect", "None"}};
    ChimneyLifecycleResult result = RunChimneyLifecycle(options);
    ASSERT_TRUE(result.built) << result.endToEnd;
    EXPECT_TRUE(result.endToEndOk) << result.endToEnd;
    ASSERT_TRUE(result.verifier);
    EXPECT_EQ(result.verifier->GetFindingCount(), 0u)
        << "reported: " << Join(Reported(*result.verifier)) << "\n"
        << Describe(*result.verifier);
    // It did observe the run (a silent verifier proves nothing): segments parsed, every
    // offloaded connection's record closed by its terminate.
    std::ostringstream json;
    result.verifier->WriteJson(json);
    EXPECT_EQ(json.str().find("\"segments\": 0,"), std::string::npos);
    EXPECT_NE(json.str().find("\"segments\": "), std::string::npos);
    EXPECT_EQ(result.verifier->GetTrackedConnectionCount(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Scenarios,
                         VerifierCleanTest,
                         ::testing::Combine(::testing::ValuesIn(ChimneyLifecycleScenarios()),
                                            ::testing::Values("p2p", "csma"),
                                            ::testing::Values(1u, 2u, 3u)),
                         RunName);

// ---------------------------------------------------------------------------------------------
// The table itself
// ---------------------------------------------------------------------------------------------

TEST(VerifierDefectTable, CoversEveryDefectOfTheDevice)
{
    const std::vector<std::string> names = ChimneyNetDevice::GetDefectNames();
    ASSERT_FALSE(names.empty());
    EXPECT_EQ(names.front(), "None");
    for (size_t i = 1; i < names.size(); ++i)
    {
        EXPECT_NE(FindRow(names[i]), nullptr) << "defect " << names[i] << " has no row";
    }
    EXPECT_EQ(ChimneyDefectRegistry::All().size() + 1, names.size());
    EXPECT_EQ(FindRow("None"), nullptr) << "None is the correct target, not a defect";
    std::set<std::string> seen;
    for (const ChimneyDefectInfo& row : ChimneyDefectRegistry::All())
    {
        EXPECT_TRUE(seen.insert(row.name).second) << "two rows for " << row.name;
        EXPECT_NE(std::find(names.begin(), names.end(), row.name), names.end())
            << "row for an unknown defect " << row.name;
        EXPECT_FALSE(row.ids.empty()) << row.name;
        for (const std::string& id : row.ids)
        {
            EXPECT_TRUE(IsChimneyInvariantId(id)) << row.name << ": " << id;
        }
        EXPECT_NE(std::string(row.summary), "") << row.name;
        ASSERT_NE(row.create, nullptr) << row.name;
        EXPECT_NE(row.create(), nullptr) << row.name;
    }
}

TEST(VerifierDefectTable, HelperPicksTheScenarioOfTheRegistry)
{
    const auto& scenarios = ChimneyLifecycleScenarios();
    for (const ChimneyDefectInfo& row : ChimneyDefectRegistry::All())
    {
        EXPECT_EQ(ChimneyLifecycleScenarioForDefect(row.name), row.scenario) << row.name;
        EXPECT_NE(std::find(scenarios.begin(), scenarios.end(), row.scenario), scenarios.end())
            << row.scenario;
    }
    EXPECT_EQ(ChimneyLifecycleScenarioForDefect("None"), "graceful");
    EXPECT_EQ(ChimneyLifecycleScenarioForDefect("NoSuchDefect"), "");
}

} // namespace
