/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_SEGMENT_PACKET_H
#define TCP_SEGMENT_PACKET_H

#include "tcp-segment.h"

#include "ns3/ipv4-address.h"
#include "ns3/packet.h"
#include "ns3/tcp-header.h"

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Build the ns-3 TcpHeader (with options) that carries a segment on the wire.
 * \param segment the engine's segment
 * \returns the header; its checksum is not initialised
 */
TcpHeader ToTcpHeader(const TcpSegment& segment);

/**
 * \ingroup chimney
 * \brief Copy an ns-3 TcpHeader's fields and the options the engine understands into a segment.
 *
 * MSS, window scale, SACK-permitted and timestamp options are kept; others are ignored, as a
 * TCP receiver ignores options it does not implement (RFC 9293 3.2).
 * \param header the header
 * \param[out] segment the segment; its payload is left untouched
 */
void FromTcpHeader(const TcpHeader& header, TcpSegment& segment);

/**
 * \ingroup chimney
 * \brief Build the packet (TCP header + payload) to hand to Ipv4::Send for a segment.
 *
 * The checksum is computed over the IPv4 pseudo-header when ns-3's global ChecksumEnabled is
 * set, exactly as TcpL4Protocol does. The bytes are those ns-3's TcpHeader writes for
 * ToTcpHeader(segment); they are written directly unless ns-3 keeps packet metadata
 * (Packet::EnablePrinting), when the packet is built from ns-3's headers so that printing it
 * shows them.
 * \param segment the segment
 * \param source IPv4 source address (pseudo-header)
 * \param destination IPv4 destination address (pseudo-header)
 * \returns the packet
 */
Ptr<Packet> ToPacket(const TcpSegment& segment, Ipv4Address source, Ipv4Address destination);

/**
 * \ingroup chimney
 * \brief ToPacket with the checksum decision made by the caller (one read of ns-3's global
 *        ChecksumEnabled per frame on the device's hot path instead of one per header).
 * \param segment the segment
 * \param source IPv4 source address (pseudo-header)
 * \param destination IPv4 destination address (pseudo-header)
 * \param checksums compute the TCP checksum
 * \returns the packet
 */
Ptr<Packet> ToPacket(const TcpSegment& segment,
                     Ipv4Address source,
                     Ipv4Address destination,
                     bool checksums);

/**
 * \ingroup chimney
 * \brief ns-3's global ChecksumEnabled, read once by its holder (a device, a stack, the
 *        verifier's frame parser).
 *
 * Asking ns-3 copies the GlobalValue through dynamic casts, about 350 instructions: more than
 * the rest of building a small segment, and 2 % of a lifecycle benchmark run when read per
 * frame. Global values are set before a simulation runs, so the holder reads it at its first
 * frame and keeps the answer for its lifetime.
 */
class ChecksumSetting
{
  public:
    /// \returns ns-3's ChecksumEnabled as it was at the first call
    bool Get()
    {
        if (m_value < 0)
        {
            m_value = ReadNs3();
        }
        return m_value != 0;
    }

  private:
    /// \returns 1 when ns-3's ChecksumEnabled is set, else 0
    static int8_t ReadNs3();

    int8_t m_value{-1}; //!< -1 until read
};

/**
 * \ingroup chimney
 * \brief The IPv4 header fields of a datagram that carries a TCP segment (no options, DF set).
 */
struct Ipv4PacketFields
{
    Ipv4Address source;          //!< source address
    Ipv4Address destination;     //!< destination address
    uint8_t ttl = 64;            //!< time to live
    uint8_t tos = 0;             //!< type of service
    uint16_t identification = 0; //!< identification
};

/**
 * \ingroup chimney
 * \brief Build the IPv4 datagram (IPv4 header + TCP header + payload) that carries a segment:
 *        the bytes ToPacket() plus ns-3's Ipv4Header would give, written in one buffer.
 * \param segment the segment
 * \param ip the IPv4 header's fields
 * \param checksums compute the IPv4 header and TCP checksums
 * \returns the packet
 */
Ptr<Packet> ToIpv4Packet(const TcpSegment& segment, const Ipv4PacketFields& ip, bool checksums);

/**
 * \ingroup chimney
 * \brief Parse a received packet that starts with a TCP header into a segment.
 *
 * The packet is not modified. When ChecksumEnabled is set, a segment whose checksum does not
 * match is rejected (a real stack drops corrupted segments silently).
 * \param packet the packet, TCP header first
 * \param source IPv4 source address (pseudo-header)
 * \param destination IPv4 destination address (pseudo-header)
 * \param[out] segment the segment, valid only when true is returned
 * \returns false when the packet is too short for its header or its checksum is wrong
 */
bool FromPacket(Ptr<const Packet> packet,
                Ipv4Address source,
                Ipv4Address destination,
                TcpSegment& segment);

/**
 * \ingroup chimney
 * \brief FromPacket with the checksum decision made by the caller.
 * \param packet the packet, TCP header first
 * \param source IPv4 source address (pseudo-header)
 * \param destination IPv4 destination address (pseudo-header)
 * \param[out] segment the segment, valid only when true is returned
 * \param checksums reject a segment whose TCP checksum does not match
 * \returns false when the packet is too short for its header or its checksum is wrong
 */
bool FromPacket(Ptr<const Packet> packet,
                Ipv4Address source,
                Ipv4Address destination,
                TcpSegment& segment,
                bool checksums);

} // namespace ns3

#endif // TCP_SEGMENT_PACKET_H
