/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Long run of the link harness: thousands of seeds, plain and with Export/Import moves (the wire
// must be identical to the plain run). Reproduce a failure with the seed printed.

#include "engine-link-harness.h"

#include <cstdlib>
#include <gtest/gtest.h>

using namespace ns3;
using namespace ns3::enginetest;

namespace
{

uint64_t
SeedCount(uint64_t dflt)
{
    const char* env = std::getenv("CHIMNEY_ENGINE_SEEDS");
    return env != nullptr ? std::strtoull(env, nullptr, 10) : dflt;
}

} // namespace

TEST(TcpEngineLong, ThousandsOfSeedsPlain)
{
    const uint64_t n = SeedCount(5000);
    uint64_t retransmits = 0;
    for (uint64_t seed = 1000001; seed < 1000001 + n; ++seed)
    {
        HarnessOptions o;
        o.seed = seed;
        o.maxBytes = 300000;
        const HarnessResult r = EngineLinkHarness(o).Run();
        ASSERT_TRUE(r.ok) << r.error;
        retransmits += r.retransmits;
    }
    EXPECT_GT(retransmits, 0u);
}

TEST(TcpEngineLong, ThousandsOfSeedsWithMovesMatchPlainWire)
{
    const uint64_t n = SeedCount(5000);
    for (uint64_t seed = 2000001; seed < 2000001 + n; ++seed)
    {
        HarnessOptions o;
        o.seed = seed;
        o.maxBytes = 300000;
        const HarnessResult a = EngineLinkHarness(o).Run();
        ASSERT_TRUE(a.ok) << a.error;
        o.moves = true;
        o.moveProbability = 0.05;
        const HarnessResult b = EngineLinkHarness(o).Run();
        ASSERT_TRUE(b.ok) << b.error;
        ASSERT_EQ(a.wireHash, b.wireHash) << "seed=" << seed;
    }
}
