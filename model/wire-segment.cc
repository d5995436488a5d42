/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "wire-segment.h"

#include "chimney-byte-order.h"
#include "chimney-checksum.h"

#include "ns3/node.h"

#include <vector>

namespace ns3
{

namespace
{

constexpr uint16_t kPppIpv4 = 0x0021; // RFC 1332
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint8_t kIpProtocolTcp = 6;

/// The IPv4 header checksum and the TCP checksum (pseudo-header included) both verify.
bool
ChecksumsVerify(const uint8_t* ip, size_t headerLength, size_t totalLength)
{
    if (ChimneyChecksumFold(ChimneyChecksumAdd(ip, headerLength, 0)) != 0xffff)
    {
        return false;
    }
    const size_t tcpLength = totalLength - headerLength;
    const uint64_t pseudo = ChimneyChecksumAdd(ip + 12, 8, 0) + kIpProtocolTcp + tcpLength;
    return ChimneyChecksumFold(ChimneyChecksumAdd(ip + headerLength, tcpLength, pseudo)) == 0xffff;
}

} // namespace

TcpSegment
WireSegment::WithPayload() const
{
    TcpSegment s = tcp;
    s.payload.assign(PayloadData(), PayloadData() + PayloadSize());
    return s;
}

bool
ParseIpv4TcpDatagram(const uint8_t* data,
                     size_t length,
                     WireSegment& out,
                     WireChecksums checksums,
                     WirePayload payload)
{
    if (length < 20 || (data[0] >> 4) != 4)
    {
        return false;
    }
    size_t headerLength = size_t(data[0] & 0x0f) * 4;
    size_t totalLength = ChimneyGet16(data + 2);
    // Link layers may pad (Ethernet's 60-byte minimum): trust the IPv4 total length.
    if (headerLength < 20 || totalLength < headerLength || totalLength > length)
    {
        return false;
    }
    bool moreFragments = (data[6] & 0x20) != 0;
    uint16_t fragmentOffset = ChimneyGet16(data + 6) & 0x1fff;
    if (moreFragments || fragmentOffset != 0 || data[9] != kIpProtocolTcp)
    {
        return false;
    }
    // Checksums on (ns-3's global ChecksumEnabled): every sender fills them in, and a receiver
    // drops a corrupted datagram, so an observer must not see it as a segment either.
    const bool verify = checksums == WireChecksums::NS3_GLOBAL ? Node::ChecksumEnabled()
                                                               : checksums == WireChecksums::VERIFY;
    if (verify && !ChecksumsVerify(data, headerLength, totalLength))
    {
        return false;
    }
    out.srcAddress = ChimneyGet32(data + 12);
    out.dstAddress = ChimneyGet32(data + 16);
    const uint8_t* tcp = data + headerLength;
    const size_t tcpLength = totalLength - headerLength;
    size_t tcpHeaderLength = 0;
    if (!TcpSegment::ParseHeader(tcp, tcpLength, out.tcp, tcpHeaderLength))
    {
        return false;
    }
    const uint8_t* text = tcp + tcpHeaderLength;
    const size_t textLength = tcpLength - tcpHeaderLength;
    const bool view = payload == WirePayload::VIEW;
    if (!view)
    {
        out.tcp.payload.assign(text, text + textLength);
    }
    out.payloadView = view ? text : nullptr;
    out.payloadViewSize = view ? textLength : 0;
    return true;
}

bool
ParseWireFrame(const uint8_t* data,
               size_t length,
               WireLinkType link,
               WireSegment& out,
               WireChecksums checksums,
               WirePayload payload)
{
    switch (link)
    {
    case WireLinkType::PPP:
        if (length < 2 || ChimneyGet16(data) != kPppIpv4)
        {
            return false;
        }
        return ParseIpv4TcpDatagram(data + 2, length - 2, out, checksums, payload);
    case WireLinkType::ETHERNET: {
        if (length < 14)
        {
            return false;
        }
        uint16_t typeOrLength = ChimneyGet16(data + 12);
        size_t offset = 14;
        if (typeOrLength <= 1500)
        {
            // 802.3 length field: ns-3's CSMA in LLC mode adds LLC/SNAP (8 bytes).
            if (length < 22 || data[14] != 0xaa || data[15] != 0xaa)
            {
                return false;
            }
            typeOrLength = ChimneyGet16(data + 20);
            offset = 22;
        }
        if (typeOrLength != kEtherTypeIpv4)
        {
            return false;
        }
        return ParseIpv4TcpDatagram(data + offset, length - offset, out, checksums, payload);
    }
    }
    return false;
}

namespace
{

/// \param packet a packet \returns a copy of its bytes, in one buffer reused for every packet
/// (sniffers and receiving devices call this for every frame; each parse is done with the
/// bytes before the next copy)
const std::vector<uint8_t>&
BytesOf(const Packet& packet)
{
    static thread_local std::vector<uint8_t> buffer;
    buffer.resize(packet.GetSize());
    packet.CopyData(buffer.data(), static_cast<uint32_t>(buffer.size()));
    return buffer;
}

} // namespace

bool
ParseWireFrame(Ptr<const Packet> frame, WireLinkType link, WireSegment& out)
{
    const std::vector<uint8_t>& bytes = BytesOf(*frame);
    return ParseWireFrame(bytes.data(), bytes.size(), link, out);
}

bool
ParseIpv4TcpDatagram(Ptr<const Packet> datagram, WireSegment& out, WireChecksums checksums)
{
    const std::vector<uint8_t>& bytes = BytesOf(*datagram);
    return ParseIpv4TcpDatagram(bytes.data(), bytes.size(), out, checksums);
}

} // namespace ns3
