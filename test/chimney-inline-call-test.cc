/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyInlineCall: callables kept in place or boxed, moved and destroyed exactly once.

#include "ns3/chimney-inline-call.h"

#include <array>
#include <gtest/gtest.h>
#include <memory>
#include <vector>

using namespace ns3;

namespace
{

/// Counts its live copies through a shared counter.
struct Counted
{
    explicit Counted(std::shared_ptr<int> live)
        : live(std::move(live))
    {
        ++*this->live;
    }

    Counted(const Counted& other)
        : live(other.live)
    {
        ++*live;
    }

    ~Counted()
    {
        --*live;
    }

    std::shared_ptr<int> live;
};

} // namespace

TEST(ChimneyInlineCall, SmallCallableRunsEachTimeCalled)
{
    int calls = 0;
    ChimneyInlineCall call([&calls]() { ++calls; });
    call();
    call();
    EXPECT_EQ(calls, 2);
}

TEST(ChimneyInlineCall, LargeCallableIsBoxedAndSeesItsCaptures)
{
    std::array<uint64_t, 16> big{}; // 128 bytes: more than kInline
    big[15] = 7;
    uint64_t seen = 0;
    ChimneyInlineCall call([big, &seen]() { seen = big[15]; });
    static_assert(sizeof(big) > ChimneyInlineCall::kInline);
    call();
    EXPECT_EQ(seen, 7u);
}

TEST(ChimneyInlineCall, MovedCallsDestroyTheirCapturesExactlyOnce)
{
    auto live = std::make_shared<int>(0);
    {
        std::vector<ChimneyInlineCall> calls;
        int ran = 0;
        for (int i = 0; i < 100; ++i) // the vector grows: every call is moved several times
        {
            Counted small(live);
            calls.emplace_back([small, &ran]() { ++ran; });
            std::array<uint64_t, 16> pad{};
            calls.emplace_back([small, pad, &ran]() { ran += 1 + static_cast<int>(pad[0]); });
        }
        EXPECT_EQ(*live, 200); // one capture per call, in place or boxed
        ChimneyInlineCall moved(std::move(calls.front()));
        moved();
        calls.back() = std::move(moved);
        EXPECT_EQ(*live, 199); // the callable assigned over went
        for (std::size_t i = 1; i < calls.size(); ++i)
        {
            calls[i]();
        }
        EXPECT_EQ(ran, 200);
    }
    EXPECT_EQ(*live, 0);
}
