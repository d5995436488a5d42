/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHeapScheduler must hand out events in (time, uid) order, as every ns-3 scheduler
// does, whatever the order of inserts, removals and removes: a std::set of the same keys is
// the oracle.

#include "ns3/chimney-heap-scheduler.h"

#include <gtest/gtest.h>
#include <random>
#include <set>
#include <utility>

using namespace ns3;

namespace
{

Scheduler::Event
MakeEvent(uint64_t ts, uint32_t uid)
{
    Scheduler::Event ev;
    ev.impl = nullptr;
    ev.key.m_ts = ts;
    ev.key.m_uid = uid;
    ev.key.m_context = 0;
    return ev;
}

} // namespace

TEST(ChimneyHeapScheduler, RemovesInTimeThenUidOrderUnderRandomOperations)
{
    for (uint32_t seed : {1U, 2U, 3U})
    {
        std::mt19937 rng(seed);
        Ptr<ChimneyHeapScheduler> heap = CreateObject<ChimneyHeapScheduler>();
        std::set<std::pair<uint64_t, uint32_t>> oracle;
        uint32_t uid = 0;
        uint64_t now = 0;
        for (int step = 0; step < 20000; ++step)
        {
            const unsigned op = rng() % 10;
            if (op < 5 || oracle.empty())
            {
                // Many events at the same time (ordered by uid), some far in the future.
                const uint64_t ts = now + (rng() % 4 == 0 ? 0 : rng() % (op == 0 ? 100000 : 50));
                heap->Insert(MakeEvent(ts, ++uid));
                oracle.insert({ts, uid});
            }
            else if (op < 9)
            {
                ASSERT_FALSE(heap->IsEmpty());
                const auto want = *oracle.begin();
                const Scheduler::Event peek = heap->PeekNext();
                ASSERT_EQ(peek.key.m_ts, want.first);
                ASSERT_EQ(peek.key.m_uid, want.second);
                const Scheduler::Event next = heap->RemoveNext();
                ASSERT_EQ(next.key.m_uid, want.second) << "step " << step;
                oracle.erase(oracle.begin());
                now = next.key.m_ts;
            }
            else
            {
                // Remove an arbitrary queued event (Simulator::Remove).
                auto it = oracle.begin();
                std::advance(it, rng() % oracle.size());
                heap->Remove(MakeEvent(it->first, it->second));
                oracle.erase(it);
            }
            ASSERT_EQ(heap->IsEmpty(), oracle.empty());
        }
        while (!oracle.empty())
        {
            ASSERT_EQ(heap->RemoveNext().key.m_uid, oracle.begin()->second);
            oracle.erase(oracle.begin());
        }
        EXPECT_TRUE(heap->IsEmpty());
    }
}
