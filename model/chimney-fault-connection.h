/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_FAULT_CONNECTION_H
#define CHIMNEY_FAULT_CONNECTION_H

#include "chimney-four-tuple.h"
#include "wire-segment.h"

#include "ns3/ipv4-address.h"
#include "ns3/packet.h"

#include <cstdint>
#include <string>
#include <tuple>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A TCP frame seen on a faulted link, parsed from its bytes (ParseWireFrame), with
 *        where its IPv4 datagram sits in the frame.
 */
struct ChimneyFaultFrame
{
    WireSegment wire;             //!< addresses and TCP segment
    uint32_t ipOffset = 0;        //!< first byte of the IPv4 header in the frame
    uint32_t tcpOffset = 0;       //!< first byte of the TCP header in the frame
    uint32_t tcpLength = 0;       //!< bytes of TCP header and payload
    uint32_t tcpHeaderLength = 0; //!< bytes of TCP header (options included)

    /**
     * \brief Parse a frame.
     * \param frame the frame, link header first
     * \param link its framing
     * \returns false for anything but a well-formed IPv4/TCP frame (checksums on: with good
     *          checksums)
     */
    bool Parse(Ptr<const Packet> frame, WireLinkType link);
};

/**
 * \ingroup chimney
 * \brief What the frames each side sent tell about one connection: sequence numbers, window,
 *        timestamps, FINs and RSTs. The fault injectors learn from this, never from an engine.
 */
class ChimneyFaultConnection
{
  public:
    /// \param tuple the connection
    explicit ChimneyFaultConnection(const ChimneyFourTuple& tuple);

    /// \returns the connection
    const ChimneyFourTuple& Tuple() const;

    /**
     * \brief Learn from a segment as it was sent.
     * \param segment the segment
     * \param fromHost sent by the offloading host (else by the peer)
     */
    void Learn(const TcpSegment& segment, bool fromHost);

    /// \returns frames learned from (both directions)
    uint32_t Frames() const;

    /// \returns the peer's next sequence number (the host's RCV.NXT once all arrived)
    uint32_t PeerNext() const;

    /// \returns the host's advertised receive window, scaled (0 before the host spoke)
    uint32_t HostWindow() const;

    /// \returns true once a RST was sent, or both FINs were sent
    bool Finished() const;

    /// \param fromHost which side \returns true once that side sent its FIN
    bool FinSent(bool fromHost) const;

    /**
     * \brief Whether a segment acknowledges the other side's FIN.
     * \param segment the segment
     * \param fromHost sent by the offloading host
     * \returns true if it carries ACK == the other side's FIN sequence + 1
     */
    bool AcksFin(const TcpSegment& segment, bool fromHost) const;

    /**
     * \brief A segment that looks as if the peer sent it (timestamps as the peer's last).
     * \param flags control bits
     * \param seq its sequence number
     * \returns the segment
     */
    TcpSegment Spoof(uint8_t flags, uint32_t seq) const;

    /**
     * \brief The IPv4 datagram (header, checksums as ns-3's ChecksumEnabled says) carrying a
     *        segment from the peer to the host, ready for the far link device's Send().
     * \param segment the segment
     * \returns the packet
     */
    Ptr<Packet> ToDatagram(const TcpSegment& segment) const;

  private:
    /// One direction's sending side.
    struct Side
    {
        bool seen = false;      //!< sent anything
        uint32_t next = 0;      //!< highest seq + SEG.LEN sent
        uint32_t lastTsVal = 0; //!< last TSval sent
        uint16_t window = 0;    //!< last raw window
        int wscale = -1;        //!< window scale of its SYN (-1: none)
        bool tsInSyn = false;   //!< its SYN carried timestamps
        bool fin = false;       //!< sent its FIN
        uint32_t finSeq = 0;    //!< that FIN's sequence number
        bool rst = false;       //!< sent a RST
    };

    ChimneyFourTuple m_tuple;
    Side m_host;
    Side m_peer;
    uint32_t m_frames{0};
};

} // namespace ns3

#endif // CHIMNEY_FAULT_CONNECTION_H
