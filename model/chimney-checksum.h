/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_CHECKSUM_H
#define CHIMNEY_CHECKSUM_H

#include <cstddef>
#include <cstdint>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Add bytes to an Internet checksum (RFC 1071) as 16-bit big-endian words; an odd last
 *        byte is the high byte of a word padded with zero.
 *
 * Only the last chunk of a datagram may have an odd length. The sum is not folded: pass it to
 * ChimneyChecksumFold().
 * \param data the bytes
 * \param length how many
 * \param sum the sum so far
 * \returns the new sum
 */
uint64_t ChimneyChecksumAdd(const uint8_t* data, size_t length, uint64_t sum);

/**
 * \ingroup chimney
 * \brief The sum of the IPv4 pseudo-header of a transport segment (RFC 9293 3.1).
 * \param source source address (host order)
 * \param destination destination address (host order)
 * \param protocol IP protocol number (6: TCP)
 * \param length transport header + payload length
 * \returns the sum (not folded)
 */
uint64_t ChimneyPseudoHeaderSum(uint32_t source,
                                uint32_t destination,
                                uint8_t protocol,
                                uint32_t length);

/**
 * \ingroup chimney
 * \brief Fold a sum to 16 bits (one's complement addition of the carries).
 * \param sum the sum
 * \returns the folded sum: 0xffff when a sum that includes its checksum field verifies; its
 *          complement is the checksum to write
 */
uint16_t ChimneyChecksumFold(uint64_t sum);

} // namespace ns3

#endif // CHIMNEY_CHECKSUM_H
