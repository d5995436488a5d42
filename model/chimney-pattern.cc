/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-pattern.h"

namespace ns3
{

uint8_t
ChimneyPatternByte(uint64_t offset, uint8_t salt)
{
    const size_t i = static_cast<size_t>(offset);
    return static_cast<uint8_t>((i * 131 + (i >> 8) * 7 + salt) & 0xff);
}

std::vector<uint8_t>
ChimneyPattern(size_t n, uint8_t salt)
{
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i)
    {
        v[i] = ChimneyPatternByte(i, salt);
    }
    return v;
}

ChimneyPatternCheck::ChimneyPatternCheck(uint8_t salt)
    : m_salt(salt)
{
}

void
ChimneyPatternCheck::Add(const uint8_t* data, uint32_t size)
{
    if (m_firstMismatch < 0)
    {
        for (uint32_t k = 0; k < size; ++k)
        {
            if (data[k] != ChimneyPatternByte(m_received + k, m_salt))
            {
                m_firstMismatch = static_cast<int64_t>(m_received + k);
                break;
            }
        }
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
