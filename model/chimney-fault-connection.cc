/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-fault-connection.h"

#include "tcp-segment-packet.h"

#include "ns3/ipv4-header.h"
#include "ns3/node.h"

#include <sstream>
#include <vector>

namespace ns3
{

bool
ChimneyFaultFrame::Parse(Ptr<const Packet> frame, WireLinkType link)
{
    uint8_t b[24];
    const uint32_t n = frame->CopyData(b, sizeof(b));
    uint32_t ip = 0;
    if (link == WireLinkType::PPP)
    {
        ip = 2;
    }
    else if (n >= 14)
    {
        const uint16_t type = static_cast<uint16_t>(b[12] << 8 | b[13]);
        ip = type <= 1500 ? 22 : 14; // 802.3 + LLC/SNAP, or Ethernet II
    }
    if (n < ip + 4 || !ParseWireFrame(frame, link, wire))
    {
        return false;
    }
    std::vector<uint8_t> head(ip + 4);
    frame->CopyData(head.data(), head.size());
    const uint32_t ihl = (head[ip] & 0x0f) * 4u;
    const uint32_t total = static_cast<uint32_t>(head[ip + 2] << 8 | head[ip + 3]);
    ipOffset = ip;
    tcpOffset = ip + ihl;
    tcpLength = total - ihl;
    head.resize(tcpOffset + 13);
    frame->CopyData(head.data(), head.size());
    tcpHeaderLength = (head[tcpOffset + 12] >> 4) * 4u;
    return true;
}

ChimneyFaultConnection::ChimneyFaultConnection(const ChimneyFourTuple& tuple)
    : m_tuple(tuple)
{
}

const ChimneyFourTuple&
ChimneyFaultConnection::Tuple() const
{
    return m_tuple;
}

void
ChimneyFaultConnection::Learn(const TcpSegment& s, bool fromHost)
{
    Side& side = fromHost ? m_host : m_peer;
    ++m_frames;
    const uint32_t end = s.seq + s.SeqLen();
    side.next = side.seen ? SeqMax(side.next, end) : end;
    side.seen = true;
    if (s.Has(TcpSegment::SYN))
    {
        side.wscale = s.windowScale ? *s.windowScale : -1;
        side.tsInSyn = s.hasTimestamp;
    }
    if (s.hasTimestamp)
    {
        side.lastTsVal = s.tsVal;
    }
    side.window = s.window;
    if (s.Has(TcpSegment::FIN) && !side.fin)
    {
        side.fin = true;
        side.finSeq =
            s.seq + static_cast<uint32_t>(s.payload.size()) + (s.Has(TcpSegment::SYN) ? 1 : 0);
    }
    if (s.Has(TcpSegment::RST))
    {
        side.rst = true;
    }
}

uint32_t
ChimneyFaultConnection::Frames() const
{
    return m_frames;
}

uint32_t
ChimneyFaultConnection::PeerNext() const
{
    return m_peer.next;
}

uint32_t
ChimneyFaultConnection::HostWindow() const
{
    if (!m_host.seen)
    {
        return 0;
    }
    const bool scaled = m_host.wscale >= 0 && m_peer.wscale >= 0;
    return static_cast<uint32_t>(m_host.window) << (scaled ? m_host.wscale : 0);
}

bool
ChimneyFaultConnection::Finished() const
{
    return m_host.rst || m_peer.rst || (m_host.fin && m_peer.fin);
}

bool
ChimneyFaultConnection::FinSent(bool fromHost) const
{
    return (fromHost ? m_host : m_peer).fin;
}

bool
ChimneyFaultConnection::AcksFin(const TcpSegment& s, bool fromHost) const
{
    const Side& other = fromHost ? m_peer : m_host;
    return other.fin && s.Has(TcpSegment::ACK) && s.ack == other.finSeq + 1;
}

TcpSegment
ChimneyFaultConnection::Spoof(uint8_t flags, uint32_t seq) const
{
    TcpSegment s;
    s.srcPort = m_tuple.remotePort;
    s.dstPort = m_tuple.localPort;
    s.seq = seq;
    s.flags = flags;
    s.window = m_peer.window;
    if (m_host.tsInSyn && m_peer.tsInSyn)
    {
        s.hasTimestamp = true;
        s.tsVal = m_peer.lastTsVal;
        s.tsEcr = m_host.lastTsVal;
    }
    return s;
}

Ptr<Packet>
ChimneyFaultConnection::ToDatagram(const TcpSegment& segment) const
{
    const Ipv4Address source(m_tuple.remote);
    const Ipv4Address destination(m_tuple.local);
    Ptr<Packet> packet = ToPacket(segment, source, destination);
    Ipv4Header ip;
    ip.SetSource(source);
    ip.SetDestination(destination);
    ip.SetProtocol(6);
    ip.SetPayloadSize(packet->GetSize());
    ip.SetTtl(64);
    if (Node::ChecksumEnabled())
    {
        ip.EnableChecksum();
    }
    packet->AddHeader(ip);
    return packet;
}

} // namespace ns3
