/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyByteQueue: first in, first out across appends, partial takes and the compaction of
// the taken front; no storage once empty.

#include "ns3/chimney-byte-queue.h"

#include <gtest/gtest.h>
#include <vector>

using namespace ns3;

namespace
{

/// Byte i of the stream.
uint8_t
StreamByte(size_t i)
{
    return static_cast<uint8_t>(i * 7 + i / 251);
}

} // namespace

TEST(ChimneyByteQueue, BytesComeOutInTheOrderTheyWentIn)
{
    ChimneyByteQueue q;
    size_t in = 0;
    size_t out = 0;
    // Uneven appends and takes, so that the front is compacted many times mid-stream.
    for (size_t round = 0; round < 400; ++round)
    {
        std::vector<uint8_t> chunk(1 + round % 977);
        for (auto& b : chunk)
        {
            b = StreamByte(in++);
        }
        q.Append(chunk.begin(), chunk.end());
        const size_t take = std::min(q.size(), 1 + (round * 389) % 1500);
        for (size_t k = 0; k < take; ++k)
        {
            ASSERT_EQ(q.begin()[k], StreamByte(out + k)) << "round " << round << " byte " << k;
        }
        q.Pop(take);
        out += take;
        ASSERT_EQ(q.size(), in - out);
        ASSERT_EQ(static_cast<size_t>(q.end() - q.begin()), q.size());
    }
    for (size_t k = 0; k < q.size(); ++k)
    {
        ASSERT_EQ(q.begin()[k], StreamByte(out + k));
    }
}

TEST(ChimneyByteQueue, HoldsNoStorageOnceEmpty)
{
    ChimneyByteQueue q;
    EXPECT_EQ(q.capacity(), 0u);
    const std::vector<uint8_t> data(3000, 0xab);
    q.Append(data.begin(), data.end());
    EXPECT_GE(q.capacity(), 3000u);
    q.Pop(1000);
    EXPECT_EQ(q.size(), 2000u);
    EXPECT_GE(q.capacity(), 2000u); // bytes still held keep their storage
    q.Pop(2000);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.capacity(), 0u); // the last byte taken: the storage went with it
    q.Append(data.begin(), data.end());
    q.clear();
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.capacity(), 0u);
}

TEST(ChimneyByteQueue, CompactionKeepsStorageBounded)
{
    // A queue that is always refilled before it empties: the taken front must not pile up.
    ChimneyByteQueue q;
    const std::vector<uint8_t> data(1000, 1);
    for (int i = 0; i < 1000; ++i)
    {
        q.Append(data.begin(), data.end());
        q.Pop(q.size() > 500 ? q.size() - 500 : 0);
    }
    EXPECT_EQ(q.size(), 500u);
    EXPECT_LT(q.capacity(), 64u * 1024u); // 1 MB went through
}
