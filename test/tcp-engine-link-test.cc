/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Two engines over a lossy, duplicating, reordering in-memory link: every byte delivered once,
// in order, graceful close on both sides, also with random Export/Import moves. Default run:
// a few hundred seeds, a few seconds.

#include "engine-link-harness.h"

#include <gtest/gtest.h>

using namespace ns3;
using namespace ns3::enginetest;

namespace
{

constexpr uint64_t kSeeds = 200;     // plain runs
constexpr uint64_t kMoveSeeds = 100; // each: one plain and one moved run, compared

} // namespace

TEST(TcpEngineLink, SingleSeedTransferBothDirectionsClosesGracefully)
{
    HarnessOptions o;
    o.seed = 424242;
    EngineLinkHarness h(o);
    const HarnessResult r = h.Run();
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_GT(r.segments, 0u);
}

TEST(TcpEngineLink, RandomSeedsDeliverEveryByteOnceInOrder)
{
    uint64_t retransmits = 0;
    uint64_t dropped = 0;
    uint64_t zeroWindows = 0;
    for (uint64_t seed = 1; seed <= kSeeds; ++seed)
    {
        HarnessOptions o;
        o.seed = seed;
        EngineLinkHarness h(o);
        const HarnessResult r = h.Run();
        ASSERT_TRUE(r.ok) << r.error;
        retransmits += r.retransmits;
        dropped += r.dropped;
        zeroWindows += r.zeroWindowSeen ? 1 : 0;
    }
    // Coverage, not luck: the fault paths were exercised.
    EXPECT_GT(dropped, 0u);
    EXPECT_GT(retransmits, 0u);
    EXPECT_GT(zeroWindows, 0u);
    std::cout << "[ coverage ] seeds=" << kSeeds << " dropped=" << dropped
              << " retransmits=" << retransmits << " zeroWindowRuns=" << zeroWindows << "\n";
}

TEST(TcpEngineLink, MovesAreInvisibleOnTheWire)
{
    uint64_t moves = 0;
    for (uint64_t seed = 1; seed <= kMoveSeeds; ++seed)
    {
        HarnessOptions plain;
        plain.seed = seed;
        const HarnessResult a = EngineLinkHarness(plain).Run();
        ASSERT_TRUE(a.ok) << a.error;
        HarnessOptions moved = plain;
        moved.moves = true;
        const HarnessResult b = EngineLinkHarness(moved).Run();
        ASSERT_TRUE(b.ok) << b.error;
        moves += b.moves;
        // Same segments, same bytes, same times: the move is invisible.
        ASSERT_EQ(a.segments, b.segments) << "seed=" << seed;
        ASSERT_EQ(a.wireHash, b.wireHash) << "seed=" << seed;
        ASSERT_EQ(a.endTimeNs, b.endTimeNs) << "seed=" << seed;
    }
    EXPECT_GT(moves, kMoveSeeds);
}
