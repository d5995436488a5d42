/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "tcp-segment.h"

#include "chimney-byte-order.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

namespace
{

constexpr uint8_t kOptEnd = 0;
constexpr uint8_t kOptNop = 1;
constexpr uint8_t kOptMss = 2;
constexpr uint8_t kOptWscale = 3;
constexpr uint8_t kOptSackPermitted = 4;
constexpr uint8_t kOptTimestamp = 8;

} // namespace

size_t
TcpSegment::OptionsLength() const
{
    // Each option is written in its own 32-bit aligned slot (NOP padded), as BSD and Linux do.
    return (mss ? 4 : 0) + (windowScale ? 4 : 0) + (sackPermitted ? 4 : 0) +
           (hasTimestamp ? 12 : 0);
}

std::string
TcpSegment::FlagsToString(uint8_t f)
{
    std::string s;
    if (f & SYN)
    {
        s += 'S';
    }
    if (f & FIN)
    {
        s += 'F';
    }
    if (f & RST)
    {
        s += 'R';
    }
    if (f & PSH)
    {
        s += 'P';
    }
    if (f & URG)
    {
        s += 'U';
    }
    if (f & ECE)
    {
        s += 'E';
    }
    if (f & CWR)
    {
        s += 'W';
    }
    if (f & ACK)
    {
        s += '.';
    }
    if (s.empty())
    {
        s = "none";
    }
    return s;
}

std::string
TcpSegment::ToString() const
{
    std::ostringstream os;
    os << srcPort << " > " << dstPort << ": Flags [" << FlagsToString(flags) << "], seq " << seq;
    if (!payload.empty())
    {
        os << ":" << (seq + static_cast<uint32_t>(payload.size()));
    }
    if (flags & ACK)
    {
        os << ", ack " << ack;
    }
    os << ", win " << window;
    if (flags & URG)
    {
        os << ", urg " << urgentPointer;
    }
    if (mss || windowScale || sackPermitted || hasTimestamp)
    {
        os << ", options [";
        const char* sep = "";
        if (mss)
        {
            os << sep << "mss " << *mss;
            sep = ",";
        }
        if (windowScale)
        {
            os << sep << "wscale " << static_cast<unsigned>(*windowScale);
            sep = ",";
        }
        if (sackPermitted)
        {
            os << sep << "sackOK";
            sep = ",";
        }
        if (hasTimestamp)
        {
            os << sep << "TS val " << tsVal << " ecr " << tsEcr;
        }
        os << "]";
    }
    os << ", length " << payload.size();
    return os.str();
}

std::vector<uint8_t>
TcpSegment::Serialize() const
{
    std::vector<uint8_t> out;
    SerializeTo(out);
    return out;
}

void
TcpSegment::SerializeTo(std::vector<uint8_t>& out) const
{
    const size_t optLen = OptionsLength();
    const size_t hdrLen = 20 + optLen; // at most 44 bytes: data offset fits in 4 bits
    out.resize(hdrLen + payload.size());
    uint8_t* p = out.data();
    ChimneyPut16(p, srcPort);
    ChimneyPut16(p + 2, dstPort);
    ChimneyPut32(p + 4, seq);
    ChimneyPut32(p + 8, ack);
    p[12] = static_cast<uint8_t>((hdrLen / 4) << 4);
    p[13] = flags;
    ChimneyPut16(p + 14, window);
    ChimneyPut16(p + 16, 0); // checksum: computed by the IP layer (pseudo header)
    ChimneyPut16(p + 18, urgentPointer);
    uint8_t* o = p + 20;
    if (mss)
    {
        o[0] = kOptMss;
        o[1] = 4;
        ChimneyPut16(o + 2, *mss);
        o += 4;
    }
    if (windowScale)
    {
        o[0] = kOptNop;
        o[1] = kOptWscale;
        o[2] = 3;
        o[3] = *windowScale;
        o += 4;
    }
    if (sackPermitted)
    {
        o[0] = kOptNop;
        o[1] = kOptNop;
        o[2] = kOptSackPermitted;
        o[3] = 2;
        o += 4;
    }
    if (hasTimestamp)
    {
        o[0] = kOptNop;
        o[1] = kOptNop;
        o[2] = kOptTimestamp;
        o[3] = 10;
        ChimneyPut32(o + 4, tsVal);
        ChimneyPut32(o + 8, tsEcr);
        o += 12;
    }
    if (!payload.empty())
    {
        std::copy(payload.begin(), payload.end(), o);
    }
}

bool
TcpSegment::Parse(const uint8_t* data, size_t len, TcpSegment& out)
{
    size_t hdrLen = 0;
    if (!ParseHeader(data, len, out, hdrLen))
    {
        return false;
    }
    out.payload.assign(data + hdrLen, data + len);
    return true;
}

bool
TcpSegment::ParseHeader(const uint8_t* data, size_t len, TcpSegment& out, size_t& headerLength)
{
    // RFC 9293 §3.1: fixed 20-byte header, Data Offset in 32-bit words (>= 5).
    if (data == nullptr || len < 20)
    {
        return false;
    }
    const size_t hdrLen = static_cast<size_t>(data[12] >> 4) * 4;
    if (hdrLen < 20 || hdrLen > len)
    {
        return false;
    }
    out.srcPort = ChimneyGet16(data);
    out.dstPort = ChimneyGet16(data + 2);
    out.seq = ChimneyGet32(data + 4);
    out.ack = ChimneyGet32(data + 8);
    out.flags = data[13];
    out.window = ChimneyGet16(data + 14);
    out.urgentPointer = ChimneyGet16(data + 18);
    out.mss.reset();
    out.windowScale.reset();
    out.sackPermitted = false;
    out.hasTimestamp = false;
    out.tsVal = 0;
    out.tsEcr = 0;

    // RFC 9293 §3.2: options; MUST-64 (robust against illegal option lengths).
    size_t i = 20;
    while (i < hdrLen)
    {
        const uint8_t kind = data[i];
        if (kind == kOptEnd)
        {
            break;
        }
        if (kind == kOptNop)
        {
            ++i;
            continue;
        }
        if (i + 1 >= hdrLen)
        {
            return false; // kind without a length byte
        }
        const size_t olen = data[i + 1];
        if (olen < 2 || i + olen > hdrLen)
        {
            return false;
        }
        const uint8_t* v = data + i + 2;
        switch (kind)
        {
        case kOptMss:
            if (olen != 4)
            {
                return false;
            }
            out.mss = ChimneyGet16(v);
            break;
        case kOptWscale:
            if (olen != 3)
            {
                return false;
            }
            out.windowScale = v[0];
            break;
        case kOptSackPermitted:
            if (olen != 2)
            {
                return false;
            }
            out.sackPermitted = true;
            break;
        case kOptTimestamp:
            if (olen != 10)
            {
                return false;
            }
            out.hasTimestamp = true;
            out.tsVal = ChimneyGet32(v);
            out.tsEcr = ChimneyGet32(v + 4);
            break;
        default:
            break; // unknown option (SACK blocks, etc.): skipped by length
        }
        i += olen;
    }
    out.payload.clear();
    headerLength = hdrLen;
    return true;
}

} // namespace ns3
