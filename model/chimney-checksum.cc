/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-checksum.h"

#include <cstring>

namespace ns3
{

uint64_t
ChimneyChecksumAdd(const uint8_t* data, size_t length, uint64_t sum)
{
    // The sum is byte-order independent (RFC 1071 2(B)): add the bytes as host-order 32-bit
    // words, 8 bytes per load (2^16 is 1 modulo 2^16 - 1, so a 32-bit word adds as its two
    // 16-bit halves), fold, and swap the folded sum to network order once at the end.
    uint64_t host = 0;
    size_t i = 0;
    for (; i + 8 <= length; i += 8)
    {
        uint64_t w;
        std::memcpy(&w, data + i, 8);
        host += (w & 0xffffffffU) + (w >> 32);
    }
    for (; i + 2 <= length; i += 2)
    {
        uint16_t w;
        std::memcpy(&w, data + i, 2);
        host += w;
    }
    if (i < length)
    {
        uint8_t last[2] = {data[i], 0};
        uint16_t w;
        std::memcpy(&w, last, 2);
        host += w;
    }
    uint16_t folded = ChimneyChecksumFold(host);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    folded = static_cast<uint16_t>((folded >> 8) | (folded << 8));
#endif
    return sum + folded;
}

uint64_t
ChimneyPseudoHeaderSum(uint32_t source, uint32_t destination, uint8_t protocol, uint32_t length)
{
    return uint64_t(source) + destination + protocol + length;
}

uint16_t
ChimneyChecksumFold(uint64_t sum)
{
    while (sum >> 16)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return static_cast<uint16_t>(sum);
}

} // namespace ns3
