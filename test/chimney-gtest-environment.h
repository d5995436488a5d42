/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_GTEST_ENVIRONMENT_H
#define CHIMNEY_GTEST_ENVIRONMENT_H

// What every chimney GoogleTest test runs inside, whoever runs it: the standalone test programs
// (chimney-test-main.cc) and ns-3's test-runner (chimney-ns3-test-suites.cc).

#include "ns3/config.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"

#include <gtest/gtest.h>

namespace ns3
{
namespace chimney_test
{

/// Fixed RNG seed/run used by every test unless the test sets its own.
constexpr uint32_t kTestSeed = 1;
constexpr uint64_t kTestRun = 1; //!< see kTestSeed

/**
 * Resets ns-3's global state around each test: a clean simulator, default attribute values and
 * the same RNG seed and run, so a test's result never depends on which tests ran before it in the
 * same process.
 */
class CleanSimulatorListener : public testing::EmptyTestEventListener
{
  public:
    void OnTestStart(const testing::TestInfo& /* info */) override
    {
        Reset();
    }

    void OnTestEnd(const testing::TestInfo& /* info */) override
    {
        Reset();
    }

    /// The reset itself (also used before the first test of a test-runner process).
    static void Reset()
    {
        Simulator::Destroy();
        Config::Reset();
        RngSeedManager::SetSeed(kTestSeed);
        RngSeedManager::SetRun(kTestRun);
    }
};

} // namespace chimney_test
} // namespace ns3

#endif // CHIMNEY_GTEST_ENVIRONMENT_H
