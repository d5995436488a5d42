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

namespace ns3
{

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
    Ptr<Packet> packet = segment.payload.empty()
                             ? Create<Packet>()
                             : Create<Packet>(segment.payload.data(), segment.payload.size());
    TcpHeader header = ToTcpHeader(segment);
    if (Node::ChecksumEnabled())
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
    // The smallest TCP header is 20 bytes; anything shorter cannot be deserialised safely.
    if (packet->GetSize() < 20)
    {
        return false;
    }
    TcpHeader header;
    if (Node::ChecksumEnabled())
    {
        header.EnableChecksums();
        header.InitializeChecksum(source, destination, TcpL4Protocol::PROT_NUMBER);
    }
    uint32_t headerSize = packet->PeekHeader(header);
    if (headerSize == 0 || headerSize > packet->GetSize() || !header.IsChecksumOk())
    {
        return false;
    }
    FromTcpHeader(header, segment);
    // Packet has no offset copy: copy header and payload once, then drop the header bytes.
    segment.payload.resize(packet->GetSize());
    packet->CopyData(segment.payload.data(), packet->GetSize());
    segment.payload.erase(segment.payload.begin(), segment.payload.begin() + headerSize);
    return true;
}

} // namespace ns3
