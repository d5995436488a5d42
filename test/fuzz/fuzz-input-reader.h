/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef FUZZ_INPUT_READER_H
#define FUZZ_INPUT_READER_H

// The fuzz harnesses' input reader (test/fuzz/tcp-engine-fuzzer.h,
// test/fuzz/chimney-interface-harness.h): plain C++, no ns-3, so the engine fuzzer builds
// with clang++ straight from the engine's sources.

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace fuzz_input
{

/**
 * \brief Consumes the fuzz input; yields zeros once it is exhausted.
 */
class Reader
{
  public:
    /// \brief Read from [data, data+size). \param data input \param size bytes
    Reader(const uint8_t* data, size_t size)
        : m_p(data),
          m_n(size)
    {
    }

    /// \brief Whether the input is used up. \returns true when nothing is left
    bool Empty() const
    {
        return m_n == 0;
    }

    /// \brief Next byte. \returns it, 0 when exhausted
    uint8_t U8()
    {
        if (m_n == 0)
        {
            return 0;
        }
        --m_n;
        return *m_p++;
    }

    /// \brief Next two bytes, big endian. \returns them
    uint16_t U16()
    {
        const uint16_t hi = U8();
        return static_cast<uint16_t>((hi << 8) | U8());
    }

    /// \brief Next four bytes, big endian. \returns them
    uint32_t U32()
    {
        const uint32_t hi = U16();
        return (hi << 16) | U16();
    }

    /// \brief Up to n bytes. \param n wanted; receives how many were taken \returns first byte
    const uint8_t* Take(size_t& n)
    {
        n = std::min(n, m_n);
        const uint8_t* p = m_p;
        m_p += n;
        m_n -= n;
        return p;
    }

  private:
    const uint8_t* m_p;
    size_t m_n;
};

} // namespace fuzz_input

#endif // FUZZ_INPUT_READER_H
