/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The pattern stream: ChimneyPatternFill writes the bytes ChimneyPatternByte defines, from any
// offset, across the 256-byte runs it works in; ChimneyPatternCheck finds the first wrong byte
// wherever it is.

#include "ns3/chimney-pattern.h"

#include <gtest/gtest.h>
#include <vector>

using namespace ns3;

TEST(ChimneyPattern, FillWritesTheBytesOfPatternByteFromAnyOffset)
{
    // Offsets at, before and after run boundaries, and far into a stream; lengths of 0, within
    // a run, across one and across several.
    for (uint64_t offset : {0ULL, 1ULL, 255ULL, 256ULL, 257ULL, 1000ULL, 65535ULL, 1ULL << 33})
    {
        for (size_t n : {0, 1, 200, 256, 257, 1500})
        {
            for (uint8_t salt : {0, 17, 255})
            {
                std::vector<uint8_t> out(n + 1, 0xee);
                ChimneyPatternFill(offset, salt, out.data(), n);
                for (size_t k = 0; k < n; ++k)
                {
                    ASSERT_EQ(out[k], ChimneyPatternByte(offset + k, salt))
                        << "offset " << offset << " + " << k << " salt " << int(salt);
                }
                EXPECT_EQ(out[n], 0xee) << "wrote past n at offset " << offset;
            }
        }
    }
    EXPECT_EQ(ChimneyPattern(3000, 9), [] {
        std::vector<uint8_t> v(3000);
        for (size_t i = 0; i < v.size(); ++i)
        {
            v[i] = ChimneyPatternByte(i, 9);
        }
        return v;
    }());
}

TEST(ChimneyPattern, CheckFindsTheFirstWrongByteWhereverItIs)
{
    const std::vector<uint8_t> good = ChimneyPattern(5000, 3);
    for (size_t wrong : {0, 1, 255, 256, 700, 4999})
    {
        std::vector<uint8_t> data = good;
        data[wrong] ^= 0x40;
        data[4000 > wrong ? 4000 : 0] ^= (4000 > wrong ? 0x01 : 0); // a later error too
        ChimneyPatternCheck check(3);
        // Arrives in pieces that do not line up with the 256-byte runs.
        for (size_t at = 0; at < data.size(); at += 333)
        {
            const size_t n = std::min<size_t>(333, data.size() - at);
            check.Add(data.data() + at, static_cast<uint32_t>(n));
        }
        EXPECT_FALSE(check.Intact());
        EXPECT_EQ(check.FirstMismatch(), static_cast<int64_t>(wrong));
        EXPECT_EQ(check.Received(), data.size());
    }
    ChimneyPatternCheck intact(3);
    intact.Add(good.data(), 4321);
    intact.Add(good.data() + 4321, 679);
    EXPECT_TRUE(intact.Intact());
    EXPECT_EQ(intact.FirstMismatch(), -1);
    ChimneyPatternCheck otherSalt(4);
    otherSalt.Add(good.data(), 10);
    EXPECT_EQ(otherSalt.FirstMismatch(), 0);
}
