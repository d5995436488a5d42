/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_SEGMENT_H
#define TCP_SEGMENT_H

#include "tcp-seq.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * A parsed TCP segment (header, options, payload) and its RFC 9293 §3.1 wire format.
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A TCP segment as seen by the sans-I/O engine: header fields, the options the engine
 * understands, and the payload.
 *
 * The window field is the raw 16-bit header value (not scaled). The checksum is not modelled:
 * Serialize() writes 0 and Parse() ignores it (the pseudo header belongs to the IP layer).
 */
struct TcpSegment
{
    static constexpr uint8_t FIN = 0x01; //!< no more data from sender
    static constexpr uint8_t SYN = 0x02; //!< synchronize sequence numbers
    static constexpr uint8_t RST = 0x04; //!< reset the connection
    static constexpr uint8_t PSH = 0x08; //!< push function
    static constexpr uint8_t ACK = 0x10; //!< acknowledgment field significant
    static constexpr uint8_t URG = 0x20; //!< urgent pointer field significant
    static constexpr uint8_t ECE = 0x40; //!< ECN echo
    static constexpr uint8_t CWR = 0x80; //!< congestion window reduced

    uint16_t srcPort{0};                //!< source port
    uint16_t dstPort{0};                //!< destination port
    uint32_t seq{0};                    //!< sequence number
    uint32_t ack{0};                    //!< acknowledgment number
    uint8_t flags{0};                   //!< control bits
    uint16_t window{0};                 //!< raw (unscaled) window field
    uint16_t urgentPointer{0};          //!< urgent pointer
    std::optional<uint16_t> mss;        //!< MSS option (kind 2)
    std::optional<uint8_t> windowScale; //!< window scale option (kind 3)
    bool sackPermitted{false};          //!< SACK-permitted option (kind 4)
    bool hasTimestamp{false};           //!< timestamps option present (kind 8)
    uint32_t tsVal{0};                  //!< TSval
    uint32_t tsEcr{0};                  //!< TSecr
    std::vector<uint8_t> payload;       //!< segment text

    /**
     * \brief Sequence space consumed by the segment (RFC 9293 §3.4 SEG.LEN).
     * \returns payload length plus one for SYN and one for FIN
     */
    uint32_t SeqLen() const
    {
        return static_cast<uint32_t>(payload.size()) + ((flags & SYN) ? 1 : 0) +
               ((flags & FIN) ? 1 : 0);
    }

    /**
     * \brief Test a control bit.
     * \param flag one of the flag constants
     * \returns true if the bit is set
     */
    bool Has(uint8_t flag) const
    {
        return (flags & flag) != 0;
    }

    /**
     * \brief Length of the options on the wire (padded to 32 bits).
     * \returns option bytes that Serialize() writes
     */
    size_t OptionsLength() const;

    /**
     * \brief One-line tcpdump-like description.
     * \returns e.g. "49153 > 80: Flags [S.], seq 1, ack 2, win 65535, options [mss 536], length 0"
     */
    std::string ToString() const;

    /**
     * \brief Flags in tcpdump notation.
     * \param flags control bits
     * \returns e.g. "S." or "F." or "R"
     */
    static std::string FlagsToString(uint8_t flags);

    /**
     * \brief Encode to the RFC 9293 §3.1 wire format, options included, checksum 0.
     * \returns header followed by payload
     */
    std::vector<uint8_t> Serialize() const;

    /**
     * \brief Encode into an existing buffer (replaces its contents, reuses its capacity).
     * \param out destination
     */
    void SerializeTo(std::vector<uint8_t>& out) const;

    /**
     * \brief Decode a wire-format segment. Never reads outside [data, data+len).
     * \param data first byte of the TCP header
     * \param len bytes available
     * \param out receives the segment (unspecified contents on failure)
     * \returns false on a malformed header or options (bad data offset, truncated or
     *          inconsistent option lengths)
     */
    static bool Parse(const uint8_t* data, size_t len, TcpSegment& out);

    /**
     * \brief Decode the header and options only (Parse() without the payload copy).
     * \param data first byte of the TCP header
     * \param len bytes available (header and payload)
     * \param out receives the header fields; its payload is left empty
     * \param headerLength receives the header's length (the payload is [headerLength, len))
     * \returns false as Parse() does
     */
    static bool ParseHeader(const uint8_t* data, size_t len, TcpSegment& out, size_t& headerLength);
};

} // namespace ns3

#endif /* TCP_SEGMENT_H */
