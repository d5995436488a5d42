/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// GoogleTest main for every standalone chimney test executable (ctest). Inside an ns-3 source
// tree, ns-3's test-runner has the main() and chimney-ns3-test-suites.cc runs the same tests.

#include "chimney-gtest-environment.h"

int
main(int argc, char** argv)
{
    testing::InitGoogleTest(&argc, argv);
    testing::UnitTest::GetInstance()->listeners().Append(
        new ns3::chimney_test::CleanSimulatorListener);
    return RUN_ALL_TESTS();
}
