/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyFlatMap: the same answers as std::unordered_map under any mix of inserts, lookups and
// erases, including long probe runs (a hash that sends every key to a few homes), so that the
// backward-shift erase is exercised where it can lose or duplicate an entry.

#include "ns3/chimney-flat-map.h"
#include "ns3/chimney-four-tuple.h"

#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <random>
#include <unordered_map>

using namespace ns3;

namespace
{

/// A hash that puts every key in one of four homes: probe runs of hundreds of entries.
struct FourHomes
{
    size_t operator()(uint32_t k) const
    {
        return k % 4;
    }
};

/// Apply the same random operations to a ChimneyFlatMap and a std::unordered_map.
template <typename Hash>
void
CompareWithUnorderedMap(uint32_t keySpace, uint32_t seed)
{
    ChimneyFlatMap<uint32_t, uint64_t, Hash> flat;
    std::unordered_map<uint32_t, uint64_t> reference;
    std::mt19937 rng(seed);
    for (int step = 0; step < 40000; ++step)
    {
        const uint32_t k = rng() % keySpace;
        const uint32_t op = rng() % 10;
        if (op < 4)
        {
            flat[k] = step;
            reference[k] = step;
        }
        else if (op < 7)
        {
            ASSERT_EQ(flat.Erase(k), reference.erase(k) == 1) << "step " << step;
        }
        else
        {
            const uint64_t* v = flat.Find(k);
            auto it = reference.find(k);
            ASSERT_EQ(v != nullptr, it != reference.end()) << "step " << step << " key " << k;
            if (v != nullptr)
            {
                ASSERT_EQ(*v, it->second) << "step " << step << " key " << k;
            }
        }
        ASSERT_EQ(flat.Size(), reference.size()) << "step " << step;
    }
    // Every entry once, with its value.
    std::map<uint32_t, uint64_t> seen;
    flat.ForEach([&seen](uint32_t k, uint64_t v) { EXPECT_TRUE(seen.emplace(k, v).second); });
    EXPECT_EQ(seen, (std::map<uint32_t, uint64_t>(reference.begin(), reference.end())));
}

} // namespace

TEST(ChimneyFlatMap, AgreesWithUnorderedMapUnderRandomOperations)
{
    CompareWithUnorderedMap<std::hash<uint32_t>>(64, 1);
    CompareWithUnorderedMap<std::hash<uint32_t>>(5000, 2);
}

TEST(ChimneyFlatMap, AgreesWithUnorderedMapWhenProbeRunsWrapAround)
{
    CompareWithUnorderedMap<FourHomes>(300, 3);
}

TEST(ChimneyFlatMap, KeepsEachFourTupleApart)
{
    ChimneyFlatMap<ChimneyFourTuple, int, ChimneyFourTupleHash> m;
    // Tuples that differ in one field only.
    const ChimneyFourTuple base{0x0a010101, 0x0a010102, 49153, 9};
    ChimneyFourTuple other[4] = {base, base, base, base};
    other[0].local++;
    other[1].remote++;
    other[2].localPort++;
    other[3].remotePort++;
    m[base] = 10;
    for (int i = 0; i < 4; ++i)
    {
        m[other[i]] = i;
    }
    EXPECT_EQ(m.Size(), 5u);
    EXPECT_EQ(*m.Find(base), 10);
    for (int i = 0; i < 4; ++i)
    {
        ASSERT_NE(m.Find(other[i]), nullptr);
        EXPECT_EQ(*m.Find(other[i]), i);
    }
}

TEST(ChimneyFlatMap, ErasingReleasesTheValueAndClearReleasesTheArray)
{
    ChimneyFlatMap<uint32_t, std::shared_ptr<int>> m;
    auto value = std::make_shared<int>(7);
    m[1] = value;
    m[2] = value;
    EXPECT_EQ(value.use_count(), 3);
    EXPECT_TRUE(m.Erase(1));
    EXPECT_FALSE(m.Erase(1));
    EXPECT_EQ(value.use_count(), 2); // the erased entry's copy is gone, not just hidden
    EXPECT_GT(m.Capacity(), 0u);
    m.Clear();
    EXPECT_EQ(value.use_count(), 1);
    EXPECT_TRUE(m.Empty());
    EXPECT_EQ(m.Find(2), nullptr);
    m[3] = value; // usable again after Clear()
    EXPECT_EQ(*m.Find(3), value);
}

TEST(ChimneyFlatMap, AnIdleTableHoldsNoArray)
{
    // Thousands of idle hosts in a campaign: a table whose last entry goes frees its array.
    ChimneyFlatMap<uint64_t, uint64_t> m;
    EXPECT_EQ(m.Capacity(), 0u);
    for (uint64_t id = 1; id <= 40; ++id)
    {
        m[id] = id;
    }
    EXPECT_GE(m.Capacity(), 80u);
    for (uint64_t id = 1; id < 40; ++id)
    {
        EXPECT_TRUE(m.Erase(id));
        EXPECT_GT(m.Capacity(), 0u);
    }
    EXPECT_TRUE(m.Erase(40));
    EXPECT_EQ(m.Capacity(), 0u);
    EXPECT_EQ(m.Find(40), nullptr);
}
