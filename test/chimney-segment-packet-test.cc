/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ToPacket and ToIpv4Packet write the bytes themselves: they must be the bytes ns-3's own
// TcpHeader and Ipv4Header serialise (pcaps and every golden output depend on it), for every
// option set, odd and even payloads, checksums on and off. ns-3's serialisers are the oracle.

#include "ns3/chimney-checksum.h"
#include "ns3/ipv4-header.h"
#include "ns3/tcp-l4-protocol.h"
#include "ns3/tcp-segment-packet.h"

#include <gtest/gtest.h>
#include <random>
#include <vector>

using namespace ns3;

namespace
{

std::vector<uint8_t>
Bytes(Ptr<const Packet> p)
{
    std::vector<uint8_t> out(p->GetSize());
    p->CopyData(out.data(), out.size());
    return out;
}

/// A segment with random fields; option set `options` (4 bits: MSS, WS, SACK-permitted, TS).
TcpSegment
RandomSegment(std::mt19937& rng, unsigned options, size_t payload)
{
    TcpSegment s;
    s.srcPort = static_cast<uint16_t>(rng());
    s.dstPort = static_cast<uint16_t>(rng());
    s.seq = rng();
    s.ack = rng();
    s.flags = static_cast<uint8_t>(rng());
    s.window = static_cast<uint16_t>(rng());
    s.urgentPointer = static_cast<uint16_t>(rng());
    if (options & 1)
    {
        s.mss = static_cast<uint16_t>(rng());
    }
    if (options & 2)
    {
        s.windowScale = static_cast<uint8_t>(rng() % 15);
    }
    s.sackPermitted = (options & 4) != 0;
    if (options & 8)
    {
        s.hasTimestamp = true;
        s.tsVal = rng();
        s.tsEcr = rng();
    }
    s.payload.resize(payload);
    for (auto& b : s.payload)
    {
        b = static_cast<uint8_t>(rng());
    }
    return s;
}

/// What ns-3's headers give: TcpHeader (and Ipv4Header when ip) added to the payload.
std::vector<uint8_t>
Ns3Bytes(const TcpSegment& s, const Ipv4PacketFields& ip, bool checksums, bool withIp)
{
    Ptr<Packet> p = Create<Packet>(s.payload.data(), s.payload.size());
    TcpHeader tcp = ToTcpHeader(s);
    if (checksums)
    {
        tcp.EnableChecksums();
        tcp.InitializeChecksum(ip.source, ip.destination, TcpL4Protocol::PROT_NUMBER);
    }
    p->AddHeader(tcp);
    if (withIp)
    {
        Ipv4Header h;
        h.SetSource(ip.source);
        h.SetDestination(ip.destination);
        h.SetProtocol(6);
        h.SetPayloadSize(p->GetSize());
        h.SetTtl(ip.ttl);
        h.SetTos(ip.tos);
        h.SetIdentification(ip.identification);
        h.SetDontFragment();
        if (checksums)
        {
            h.EnableChecksum();
        }
        p->AddHeader(h);
    }
    return Bytes(p);
}

} // namespace

TEST(SegmentPacket, BytesAreThoseOfNs3Headers)
{
    std::mt19937 rng(7);
    for (unsigned options = 0; options < 16; ++options)
    {
        for (size_t payload : {0, 1, 2, 3, 535, 1000, 1459, 1460})
        {
            for (bool checksums : {false, true})
            {
                const TcpSegment s = RandomSegment(rng, options, payload);
                Ipv4PacketFields ip;
                ip.source = Ipv4Address(rng());
                ip.destination = Ipv4Address(rng());
                ip.ttl = static_cast<uint8_t>(rng());
                ip.tos = static_cast<uint8_t>(rng());
                ip.identification = static_cast<uint16_t>(rng());
                const std::string what = "options " + std::to_string(options) + " payload " +
                                         std::to_string(payload) + " checksums " +
                                         std::to_string(checksums);
                ASSERT_EQ(Bytes(ToPacket(s, ip.source, ip.destination, checksums)),
                          Ns3Bytes(s, ip, checksums, false))
                    << what;
                ASSERT_EQ(Bytes(ToIpv4Packet(s, ip, checksums)), Ns3Bytes(s, ip, checksums, true))
                    << what;
            }
        }
    }
}

TEST(SegmentPacket, FromPacketReadsWhatToPacketWroteAndDropsACorruptedByte)
{
    std::mt19937 rng(11);
    const Ipv4Address a("10.0.0.1");
    const Ipv4Address b("10.0.0.2");
    for (size_t payload : {0, 1, 100, 1461})
    {
        const TcpSegment s = RandomSegment(rng, 15, payload);
        TcpSegment back;
        ASSERT_TRUE(FromPacket(ToPacket(s, a, b, true), a, b, back, true));
        EXPECT_EQ(back.seq, s.seq);
        EXPECT_EQ(back.tsEcr, s.tsEcr);
        EXPECT_EQ(back.payload, s.payload);
        std::vector<uint8_t> bytes = Bytes(ToPacket(s, a, b, true));
        for (size_t at : {size_t(4), bytes.size() - 1})
        {
            std::vector<uint8_t> bad = bytes;
            bad[at] ^= 0x10;
            EXPECT_FALSE(FromPacket(Create<Packet>(bad.data(), bad.size()), a, b, back, true))
                << "byte " << at << " of " << bytes.size();
        }
        // The pseudo-header counts: the same bytes to another address do not verify.
        EXPECT_FALSE(FromPacket(ToPacket(s, a, b, true), a, Ipv4Address("10.0.0.3"), back, true));
    }
}

TEST(SegmentPacket, ChecksumAddEqualsSixteenBitWordSumInAnyEvenChunks)
{
    std::mt19937 rng(3);
    for (size_t n : {0, 1, 2, 3, 4, 5, 7, 8, 63, 1500, 1501})
    {
        std::vector<uint8_t> d(n);
        for (auto& x : d)
        {
            x = static_cast<uint8_t>(rng());
        }
        uint64_t naive = 0;
        for (size_t i = 0; i < n; i += 2)
        {
            naive += (uint32_t(d[i]) << 8) | (i + 1 < n ? d[i + 1] : 0);
        }
        const uint16_t want = ChimneyChecksumFold(naive);
        EXPECT_EQ(ChimneyChecksumFold(ChimneyChecksumAdd(d.data(), n, 0)), want) << n;
        const size_t half = (n / 2) & ~size_t(1); // an even split point
        EXPECT_EQ(ChimneyChecksumFold(ChimneyChecksumAdd(d.data() + half,
                                                         n - half,
                                                         ChimneyChecksumAdd(d.data(), half, 0))),
                  want)
            << n;
    }
}
