/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_SEQ_H
#define TCP_SEQ_H

#include <cstdint>

/**
 * \file
 * \ingroup chimney
 * Modular 32-bit sequence number comparisons (RFC 9293 §3.4, RFC 1982 serial arithmetic).
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief a < b in sequence space.
 * \param a first sequence number
 * \param b second sequence number
 * \returns true when a precedes b (modulo 2^32)
 */
inline bool
SeqLt(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) < 0;
}

/**
 * \ingroup chimney
 * \brief a <= b in sequence space.
 * \param a first sequence number
 * \param b second sequence number
 * \returns true when a precedes or equals b
 */
inline bool
SeqLeq(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) <= 0;
}

/**
 * \ingroup chimney
 * \brief a > b in sequence space.
 * \param a first sequence number
 * \param b second sequence number
 * \returns true when a follows b
 */
inline bool
SeqGt(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) > 0;
}

/**
 * \ingroup chimney
 * \brief a >= b in sequence space.
 * \param a first sequence number
 * \param b second sequence number
 * \returns true when a follows or equals b
 */
inline bool
SeqGeq(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) >= 0;
}

/**
 * \ingroup chimney
 * \brief The later of two sequence numbers.
 * \param a first sequence number
 * \param b second sequence number
 * \returns a if a >= b, else b
 */
inline uint32_t
SeqMax(uint32_t a, uint32_t b)
{
    return SeqGeq(a, b) ? a : b;
}

/**
 * \ingroup chimney
 * \brief The earlier of two sequence numbers.
 * \param a first sequence number
 * \param b second sequence number
 * \returns a if a <= b, else b
 */
inline uint32_t
SeqMin(uint32_t a, uint32_t b)
{
    return SeqLeq(a, b) ? a : b;
}

} // namespace ns3

#endif /* TCP_SEQ_H */
