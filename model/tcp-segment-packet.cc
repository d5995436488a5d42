/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "tcp-segment-packet.h"

#include "ns3/node.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-option-rfc793.h"
#include "ns3/tcp-option-sack-permitted.h"
#include "ns3/tcp-option-ts.h"
#include "ns3/tcp-option-winscale.h"
#include "ns3/tcp-option.h"

#include <vector>

namespace ns3
{

namespace
{

/// The TCP checksum over the IPv4 pseudo-header and the segment verifies (RFC 9293 3.1).
bool
TcpChecksumVerifies(const std::vector<uint8_t>& segment,
                    Ipv4Address source,
                    Ipv4Address destination)
{
    uint32_t sum = (source.Get() >> 16) + (source.Get() & 0xffff) + (destination.Get() >> 16) +
                   (destination.Get() & 0xffff) + 6 + static_cast<uint32_t>(segment.size());
    for (size_t i = 0; i + 1 < segment.size(); i += 2)
    {
        sum += static_cast<uint32_t>(segment[i] << 8 | segment[i + 1]);
    }
    if (segment.size() % 2 != 0)
    {
        sum += static_cast<uint32_t>(segment.back()) << 8;
    }
    while (sum >> 16)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum == 0xffff;
}

} // namespace

TcpHeader
ToTcpHeader(const TcpSegment& segment)
{
    TcpHeader header;
    header.SetSourcePort(segment.srcPort);
    header.SetDestinationPort(segment.dstPort);
    header.SetSequenceNumber(SequenceNumber32(segment.seq));
    header.SetAckNumber(SequenceNumber32(segment.ack));
    header.SetFlags(segment.flags);
    header.SetWindowSize(segment.window);
    header.SetUrgentPointer(segment.urgentPointer);
    if (segment.mss)
    {
        auto option = CreateObject<TcpOptionMSS>();
        option->SetMSS(*segment.mss);
        header.AppendOption(option);
    }
    if (segment.windowScale)
    {
        auto option = CreateObject<TcpOptionWinScale>();
        option->SetScale(*segment.windowScale);
        header.AppendOption(option);
    }
    if (segment.sackPermitted)
    {
        header.AppendOption(CreateObject<TcpOptionSackPermitted>());
    }
    if (segment.hasTimestamp)
    {
        auto option = CreateObject<TcpOptionTS>();
        option->SetTimestamp(segment.tsVal);
        option->SetEcho(segment.tsEcr);
        header.AppendOption(option);
    }
    return header;
}

void
FromTcpHeader(const TcpHeader& header, TcpSegment& segment)
{
    segment.srcPort = header.GetSourcePort();
    segment.dstPort = header.GetDestinationPort();
    segment.seq = header.GetSequenceNumber().GetValue();
    segment.ack = header.GetAckNumber().GetValue();
    segment.flags = header.GetFlags();
    segment.window = header.GetWindowSize();
    segment.urgentPointer = header.GetUrgentPointer();
    segment.mss.reset();
    segment.windowScale.reset();
    segment.sackPermitted = false;
    segment.hasTimestamp = false;
    for (const auto& option : header.GetOptionList())
    {
        switch (option->GetKind())
        {
        case TcpOption::MSS:
            segment.mss = DynamicCast<const TcpOptionMSS>(option)->GetMSS();
            break;
        case TcpOption::WINSCALE:
            segment.windowScale = DynamicCast<const TcpOptionWinScale>(option)->GetScale();
            break;
        case TcpOption::SACKPERMITTED:
            segment.sackPermitted = true;
            break;
        case TcpOption::TS: {
            auto ts = DynamicCast<const TcpOptionTS>(option);
            segment.hasTimestamp = true;
            segment.tsVal = ts->GetTimestamp();
            segment.tsEcr = ts->GetEcho();
            break;
        }
        default:
            break; // SACK blocks and unknown options: not used by the engine
        }
    }
}

Ptr<Packet>
ToPacket(const TcpSegment& segment, Ipv4Address source, Ipv4Address destination)
{
    return ToPacket(segment, source, destination, Node::ChecksumEnabled());
}

Ptr<Packet>
ToPacket(const TcpSegment& segment, Ipv4Address source, Ipv4Address destination, bool checksums)
{
    Ptr<Packet> packet = segment.payload.empty()
                             ? Create<Packet>()
                             : Create<Packet>(segment.payload.data(), segment.payload.size());
    TcpHeader header = ToTcpHeader(segment);
    if (checksums)
    {
        header.EnableChecksums();
        header.InitializeChecksum(source, destination, TcpL4Protocol::PROT_NUMBER);
    }
    packet->AddHeader(header);
    return packet;
}

bool
FromPacket(Ptr<const Packet> packet,
           Ipv4Address source,
           Ipv4Address destination,
           TcpSegment& segment)
{
    return FromPacket(packet, source, destination, segment, Node::ChecksumEnabled());
}

bool
FromPacket(Ptr<const Packet> packet,
           Ipv4Address source,
           Ipv4Address destination,
           TcpSegment& segment,
           bool checksums)
{
    // The smallest TCP header is 20 bytes; anything shorter cannot be deserialised safely.
    const uint32_t size = packet->GetSize();
    if (size < 20)
    {
        return false;
    }
    // Every received segment of an offloaded connection comes here: parse the bytes directly.
    // TcpHeader::Deserialize creates an ns-3 Object per option, which cost more than the rest
    // of the receive path.
    static thread_local std::vector<uint8_t> bytes;
    bytes.resize(size);
    packet->CopyData(bytes.data(), size);
    if (checksums)
    {
        // A corrupted segment is dropped before any parser reads it (in ns-3.37 TcpHeader's
        // option parser never ends on a corrupted option of length 0 or 1), and a segment
        // TcpSegment::Parse rejects with a good checksum is malformed: dropped too.
        return TcpChecksumVerifies(bytes, source, destination) &&
               TcpSegment::Parse(bytes.data(), size, segment);
    }
    if (TcpSegment::Parse(bytes.data(), size, segment))
    {
        return true;
    }
    // Anything TcpSegment::Parse rejects (malformed options) goes to ns-3's own parser, so such
    // segments behave as they do with ns-3's TCP.
    TcpHeader header;
    uint32_t headerSize = packet->PeekHeader(header);
    if (headerSize == 0 || headerSize > packet->GetSize())
    {
        return false;
    }
    FromTcpHeader(header, segment);
    segment.payload.assign(bytes.begin() + headerSize, bytes.end());
    return true;
}

} // namespace ns3
