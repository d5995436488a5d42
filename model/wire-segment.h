/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef WIRE_SEGMENT_H
#define WIRE_SEGMENT_H

#include "tcp-segment.h"

#include "ns3/packet.h"

#include <cstdint>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Link framing of a captured frame.
 */
enum class WireLinkType : uint8_t
{
    PPP,      //!< PointToPointNetDevice: 2-byte PPP header
    ETHERNET, //!< CsmaNetDevice: Ethernet II (DIX), or 802.3 with LLC/SNAP
};

/**
 * \ingroup chimney
 * \brief Whether a parse verifies the IPv4 and TCP checksums.
 */
enum class WireChecksums : uint8_t
{
    NS3_GLOBAL, //!< as ns-3's global ChecksumEnabled says now (read on every parse)
    VERIFY,     //!< verify them
    IGNORE,     //!< do not
};

/**
 * \ingroup chimney
 * \brief A TCP segment read off the wire together with its IPv4 addresses.
 *
 * Parsed from the frame's bytes alone, independently of ns-3's header classes and of the TCP
 * engines, so that an observer (the tests, the verifier) sees exactly what was transmitted.
 */
struct WireSegment
{
    uint32_t srcAddress = 0; //!< IPv4 source address, host byte order
    uint32_t dstAddress = 0; //!< IPv4 destination address, host byte order
    TcpSegment tcp;          //!< the TCP segment (header, options and payload)
    /// WirePayload::VIEW: the payload where the parsed bytes hold it (tcp.payload stays empty),
    /// valid while those bytes are; null after a WirePayload::COPY parse.
    const uint8_t* payloadView = nullptr;
    size_t payloadViewSize = 0; //!< the view's bytes

    /// \returns the payload's first byte, wherever it is
    const uint8_t* PayloadData() const
    {
        return payloadView != nullptr ? payloadView : tcp.payload.data();
    }

    /// \returns the payload's length, wherever it is
    size_t PayloadSize() const
    {
        return payloadView != nullptr ? payloadViewSize : tcp.payload.size();
    }

    /// \returns the sequence space the segment consumes (TcpSegment::SeqLen())
    uint32_t SeqLen() const
    {
        return static_cast<uint32_t>(PayloadSize()) + (tcp.Has(TcpSegment::SYN) ? 1 : 0) +
               (tcp.Has(TcpSegment::FIN) ? 1 : 0);
    }

    /// \returns the segment with its payload copied in (for a finding's text: tcp.ToString())
    TcpSegment WithPayload() const;
};

/**
 * \ingroup chimney
 * \brief Whether a parse copies the TCP payload into the segment or points at it.
 */
enum class WirePayload : uint8_t
{
    COPY, //!< into WireSegment::tcp.payload: the segment stands alone
    VIEW, //!< WireSegment::payloadView into the parsed bytes: no copy (the verifier's frames)
};

/**
 * \ingroup chimney
 * \brief Parse an IPv4 datagram carrying TCP.
 * \param data datagram bytes, starting with the IPv4 header
 * \param length number of bytes
 * \param[out] out the segment, valid only when true is returned
 * \param checksums whether to verify the checksums (default: when ns-3's global
 *        ChecksumEnabled is set)
 * \param payload copy the payload, or point at it in data
 * \returns false for anything but a well-formed, unfragmented IPv4/TCP datagram; when
 *          checksums are verified, also for a datagram whose IPv4 header checksum or TCP
 *          checksum does not verify (a receiver drops it: it was never delivered)
 */
bool ParseIpv4TcpDatagram(const uint8_t* data,
                          size_t length,
                          WireSegment& out,
                          WireChecksums checksums = WireChecksums::NS3_GLOBAL,
                          WirePayload payload = WirePayload::COPY);

/**
 * \ingroup chimney
 * \brief Parse a link frame carrying IPv4/TCP.
 * \param data frame bytes, starting with the link header
 * \param length number of bytes
 * \param link the link framing
 * \param[out] out the segment, valid only when true is returned
 * \param checksums whether to verify the checksums (see ParseIpv4TcpDatagram())
 * \param payload copy the payload, or point at it in data
 * \returns false for frames that are not IPv4/TCP, are malformed or fail their checksums
 *          (see ParseIpv4TcpDatagram())
 */
bool ParseWireFrame(const uint8_t* data,
                    size_t length,
                    WireLinkType link,
                    WireSegment& out,
                    WireChecksums checksums = WireChecksums::NS3_GLOBAL,
                    WirePayload payload = WirePayload::COPY);

/**
 * \ingroup chimney
 * \brief Parse an ns-3 packet as seen by a device's sniffer trace (link header included).
 * \param frame the frame
 * \param link the link framing
 * \param[out] out the segment, valid only when true is returned
 * \returns false for frames that are not IPv4/TCP or are malformed
 */
bool ParseWireFrame(Ptr<const Packet> frame, WireLinkType link, WireSegment& out);

/**
 * \ingroup chimney
 * \brief Parse an ns-3 packet that holds an IPv4 datagram (IPv4 header first), as a device's
 *        receive callback gets it: one copy of its bytes, parsed in place.
 * \param datagram the packet
 * \param[out] out the segment, valid only when true is returned
 * \param checksums whether to verify the checksums (see ParseIpv4TcpDatagram())
 * \returns false for packets that are not IPv4/TCP, are malformed or fail their checksums
 */
bool ParseIpv4TcpDatagram(Ptr<const Packet> datagram, WireSegment& out, WireChecksums checksums);

} // namespace ns3

#endif // WIRE_SEGMENT_H
