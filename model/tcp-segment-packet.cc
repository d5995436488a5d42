/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "tcp-segment-packet.h"

#include "chimney-byte-order.h"
#include "chimney-checksum.h"

#include "ns3/ipv4-header.h"
#include "ns3/node.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-option-rfc793.h"
#include "ns3/tcp-option-sack-permitted.h"
#include "ns3/tcp-option-ts.h"
#include "ns3/tcp-option-winscale.h"
#include "ns3/tcp-option.h"

#include <cstring>
#include <vector>

namespace ns3
{

namespace
{

constexpr uint8_t kTcpProtocol = 6;
constexpr size_t kIpv4HeaderSize = 20;
constexpr size_t kMaxTcpHeaderSize = 60;

/// The TCP checksum over the IPv4 pseudo-header and the segment verifies (RFC 9293 3.1).
bool
TcpChecksumVerifies(const std::vector<uint8_t>& segment,
                    Ipv4Address source,
                    Ipv4Address destination)
{
    const uint64_t pseudo =
        ChimneyPseudoHeaderSum(source.Get(), destination.Get(), kTcpProtocol, segment.size());
    return ChimneyChecksumFold(ChimneyChecksumAdd(segment.data(), segment.size(), pseudo)) ==
           0xffff;
}

/**
 * The TCP header exactly as ns-3's TcpHeader::Serialize writes the header ToTcpHeader()
 * builds: options in that order (MSS, window scale, SACK-permitted, timestamps) with no NOPs,
 * then END bytes to a 4-byte boundary; checksum 0.
 * \returns the header's length
 */
size_t
WriteTcpHeader(const TcpSegment& s, uint8_t* p)
{
    uint8_t* o = p + 20;
    if (s.mss)
    {
        o[0] = TcpOption::MSS;
        o[1] = 4;
        ChimneyPut16(o + 2, *s.mss);
        o += 4;
    }
    if (s.windowScale)
    {
        o[0] = TcpOption::WINSCALE;
        o[1] = 3;
        o[2] = *s.windowScale;
        o += 3;
    }
    if (s.sackPermitted)
    {
        o[0] = TcpOption::SACKPERMITTED;
        o[1] = 2;
        o += 2;
    }
    if (s.hasTimestamp)
    {
        o[0] = TcpOption::TS;
        o[1] = 10;
        ChimneyPut32(o + 2, s.tsVal);
        ChimneyPut32(o + 6, s.tsEcr);
        o += 10;
    }
    while ((o - p) % 4 != 0)
    {
        *o++ = TcpOption::END;
    }
    const size_t length = static_cast<size_t>(o - p);
    ChimneyPut16(p, s.srcPort);
    ChimneyPut16(p + 2, s.dstPort);
    ChimneyPut32(p + 4, s.seq);
    ChimneyPut32(p + 8, s.ack);
    p[12] = static_cast<uint8_t>((length / 4) << 4);
    p[13] = s.flags;
    ChimneyPut16(p + 14, s.window);
    ChimneyPut16(p + 16, 0);
    ChimneyPut16(p + 18, s.urgentPointer);
    return length;
}

/**
 * Whether ns-3 keeps packet metadata (Packet::EnablePrinting): then a frame is built from
 * ns-3's headers, so that printing it (ascii traces) shows them. ns-3 forbids enabling it
 * after packets exist, so the answer cannot change once packets are being sent.
 */
bool
PacketMetadataEnabled()
{
    static const bool enabled = Packet(1).BeginItem().HasNext();
    return enabled;
}

/**
 * Write the TCP segment (header, payload and, with checksums, its checksum) at out + offset;
 * out is resized to offset + the segment's length.
 * \returns the TCP header + payload length
 */
size_t
WriteTcpSegment(const TcpSegment& s,
                uint32_t source,
                uint32_t destination,
                bool checksums,
                std::vector<uint8_t>& out,
                size_t offset)
{
    out.resize(offset + kMaxTcpHeaderSize + s.payload.size());
    uint8_t* p = out.data() + offset;
    const size_t header = WriteTcpHeader(s, p);
    if (!s.payload.empty())
    {
        std::memcpy(p + header, s.payload.data(), s.payload.size());
    }
    const size_t length = header + s.payload.size();
    out.resize(offset + length);
    if (checksums)
    {
        const uint64_t pseudo = ChimneyPseudoHeaderSum(source, destination, kTcpProtocol, length);
        ChimneyPut16(
            p + 16,
            static_cast<uint16_t>(~ChimneyChecksumFold(ChimneyChecksumAdd(p, length, pseudo))));
    }
    return length;
}

Ptr<Packet>
ToPacketFromHeaders(const TcpSegment& segment,
                    Ipv4Address source,
                    Ipv4Address destination,
                    bool checksums)
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

int8_t
ChecksumSetting::ReadNs3()
{
    return Node::ChecksumEnabled() ? 1 : 0;
}

Ptr<Packet>
ToPacket(const TcpSegment& segment, Ipv4Address source, Ipv4Address destination)
{
    return ToPacket(segment, source, destination, Node::ChecksumEnabled());
}

Ptr<Packet>
ToPacket(const TcpSegment& segment, Ipv4Address source, Ipv4Address destination, bool checksums)
{
    if (PacketMetadataEnabled())
    {
        return ToPacketFromHeaders(segment, source, destination, checksums);
    }
    // The bytes ns-3's TcpHeader writes, written directly: serialising the header and summing
    // its checksum a byte at a time through ns-3's buffer cost more than the rest of the send.
    static thread_local std::vector<uint8_t> bytes;
    const size_t length =
        WriteTcpSegment(segment, source.Get(), destination.Get(), checksums, bytes, 0);
    return Create<Packet>(bytes.data(), static_cast<uint32_t>(length));
}

Ptr<Packet>
ToIpv4Packet(const TcpSegment& segment, const Ipv4PacketFields& ip, bool checksums)
{
    if (PacketMetadataEnabled())
    {
        Ptr<Packet> packet = ToPacketFromHeaders(segment, ip.source, ip.destination, checksums);
        Ipv4Header header;
        header.SetSource(ip.source);
        header.SetDestination(ip.destination);
        header.SetProtocol(kTcpProtocol);
        header.SetPayloadSize(packet->GetSize());
        header.SetTtl(ip.ttl);
        header.SetTos(ip.tos);
        header.SetIdentification(ip.identification);
        header.SetDontFragment();
        if (checksums)
        {
            header.EnableChecksum();
        }
        packet->AddHeader(header);
        return packet;
    }
    static thread_local std::vector<uint8_t> bytes;
    const uint32_t source = ip.source.Get();
    const uint32_t destination = ip.destination.Get();
    const size_t tcp =
        WriteTcpSegment(segment, source, destination, checksums, bytes, kIpv4HeaderSize);
    // The IPv4 header as ns-3's Ipv4Header::Serialize writes it: no options, DF set.
    uint8_t* p = bytes.data();
    p[0] = 0x45;
    p[1] = ip.tos;
    ChimneyPut16(p + 2, static_cast<uint16_t>(kIpv4HeaderSize + tcp));
    ChimneyPut16(p + 4, ip.identification);
    p[6] = 0x40;
    p[7] = 0;
    p[8] = ip.ttl;
    p[9] = kTcpProtocol;
    ChimneyPut16(p + 10, 0);
    ChimneyPut32(p + 12, source);
    ChimneyPut32(p + 16, destination);
    if (checksums)
    {
        ChimneyPut16(
            p + 10,
            static_cast<uint16_t>(~ChimneyChecksumFold(ChimneyChecksumAdd(p, kIpv4HeaderSize, 0))));
    }
    return Create<Packet>(bytes.data(), static_cast<uint32_t>(kIpv4HeaderSize + tcp));
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
