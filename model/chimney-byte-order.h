/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_BYTE_ORDER_H
#define CHIMNEY_BYTE_ORDER_H

#include <cstdint>

namespace ns3
{

/// \ingroup chimney
/// Write a 16-bit value in network byte order (big-endian) at p.
inline void
ChimneyPut16(uint8_t* p, uint16_t v)
{
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

/// \ingroup chimney
/// Write a 32-bit value in network byte order (big-endian) at p.
inline void
ChimneyPut32(uint8_t* p, uint32_t v)
{
    ChimneyPut16(p, static_cast<uint16_t>(v >> 16));
    ChimneyPut16(p + 2, static_cast<uint16_t>(v));
}

/// \ingroup chimney
/// \returns the 16-bit value in network byte order at p
inline uint16_t
ChimneyGet16(const uint8_t* p)
{
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

/// \ingroup chimney
/// \returns the 32-bit value in network byte order at p
inline uint32_t
ChimneyGet32(const uint8_t* p)
{
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
           (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

} // namespace ns3

#endif // CHIMNEY_BYTE_ORDER_H
