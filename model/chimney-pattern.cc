/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-pattern.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace ns3
{

namespace
{

/// (j * 131) mod 256 for j in [0, 256): byte i of a pattern is this at i mod 256, plus
/// ((i >> 8) * 7 + salt), all mod 256 (ChimneyPatternByte()).
constexpr std::array<uint8_t, 256>
MakeRunTable()
{
    std::array<uint8_t, 256> t{};
    for (size_t j = 0; j < t.size(); ++j)
    {
        t[j] = static_cast<uint8_t>((j * 131) & 0xff);
    }
    return t;
}

constexpr std::array<uint8_t, 256> kRun = MakeRunTable();

} // namespace

uint8_t
ChimneyPatternByte(uint64_t offset, uint8_t salt)
{
    const size_t i = static_cast<size_t>(offset);
    return static_cast<uint8_t>((i * 131 + (i >> 8) * 7 + salt) & 0xff);
}

void
ChimneyPatternFill(uint64_t offset, uint8_t salt, uint8_t* out, size_t n)
{
    while (n > 0)
    {
        const size_t j = static_cast<size_t>(offset & 0xff);
        const size_t run = std::min<size_t>(n, kRun.size() - j);
        const auto add = static_cast<uint8_t>(((offset >> 8) * 7 + salt) & 0xff);
        for (size_t k = 0; k < run; ++k)
        {
            out[k] = static_cast<uint8_t>(kRun[j + k] + add);
        }
        out += run;
        offset += run;
        n -= run;
    }
}

std::vector<uint8_t>
ChimneyPattern(size_t n, uint8_t salt)
{
    std::vector<uint8_t> v(n);
    ChimneyPatternFill(0, salt, v.data(), n);
    return v;
}

ChimneyPatternCheck::ChimneyPatternCheck(uint8_t salt)
    : m_salt(salt)
{
}

void
ChimneyPatternCheck::Add(const uint8_t* data, uint32_t size)
{
    // Compared a run of up to 256 expected bytes at a time; the byte loop runs only in the run
    // that differs, to find where.
    std::array<uint8_t, 256> expected;
    for (uint32_t done = 0; m_firstMismatch < 0 && done < size;)
    {
        const auto n = std::min<uint32_t>(size - done, expected.size());
        ChimneyPatternFill(m_received + done, m_salt, expected.data(), n);
        if (std::memcmp(expected.data(), data + done, n) != 0)
        {
            uint32_t k = 0;
            while (expected[k] == data[done + k])
            {
                ++k;
            }
            m_firstMismatch = static_cast<int64_t>(m_received + done + k);
        }
        done += n;
    }
    m_received += size;
}

uint64_t
ChimneyPatternCheck::Received() const
{
    return m_received;
}

bool
ChimneyPatternCheck::Intact() const
{
    return m_firstMismatch < 0;
}

int64_t
ChimneyPatternCheck::FirstMismatch() const
{
    return m_firstMismatch;
}

} // namespace ns3
