/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// GoogleTest main for every chimney test executable: each test starts from a clean ns-3
// simulator, default attribute values and the same RNG seed and run, so a test's result never
// depends on which tests ran before it in the same process.

#include "ns3/config.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"

#include <gtest/gtest.h>

namespace
{

/// Fixed RNG seed/run used by every test unless the test sets its own.
constexpr uint32_t kTestSeed = 1;
constexpr uint64_t kTestRun = 1;

/// Resets ns-3's global state around each test.
class CleanSimulatorListener : public testing::EmptyTestEventListener
{
    void OnTestStart(const testing::TestInfo& /* info */) override
    {
        Reset();
    }

    void OnTestEnd(const testing::TestInfo& /* info */) override
    {
        Reset();
    }

    static void Reset()
    {
        ns3::Simulator::Destroy();
        ns3::Config::Reset();
        ns3::RngSeedManager::SetSeed(kTestSeed);
        ns3::RngSeedManager::SetRun(kTestRun);
    }
};

} // namespace

int
main(int argc, char** argv)
{
    testing::InitGoogleTest(&argc, argv);
    testing::UnitTest::GetInstance()->listeners().Append(new CleanSimulatorListener);
    return RUN_ALL_TESTS();
}
