/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ShadowFrameCache: a frame's headers are parsed once for every device that sees it; a frame
// with the same key (its slot) but other header bytes (a link fault model corrupting it in flight)
// is never taken for the first one, and each observation's payload is its own bytes.

#include "ns3/boolean.h"
#include "ns3/chimney-verifier-shadow.h"
#include "ns3/global-value.h"
#include "ns3/ipv4-header.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/tcp-header.h"

#include <gtest/gtest.h>
#include <vector>

using namespace ns3;

namespace
{

constexpr uint64_t kKey = 4242;

/// A bare IPv4/TCP datagram of size payload bytes (byte i is i mod 256) with sequence number
/// seq (checksums filled in when ns-3's ChecksumEnabled is set).
Ptr<Packet>
Datagram(uint32_t seq, size_t size = 100)
{
    std::vector<uint8_t> payload(size);
    for (size_t i = 0; i < payload.size(); ++i)
    {
        payload[i] = static_cast<uint8_t>(i);
    }
    Ptr<Packet> p = Create<Packet>(payload.data(), static_cast<uint32_t>(payload.size()));
    TcpHeader tcp;
    tcp.SetSourcePort(5000);
    tcp.SetDestinationPort(80);
    tcp.SetSequenceNumber(SequenceNumber32(seq));
    tcp.SetFlags(TcpHeader::ACK);
    if (Node::ChecksumEnabled())
    {
        tcp.EnableChecksums();
        tcp.InitializeChecksum(Ipv4Address("10.1.1.1"), Ipv4Address("10.1.1.2"), 6);
    }
    p->AddHeader(tcp);
    Ipv4Header ip;
    if (Node::ChecksumEnabled())
    {
        ip.EnableChecksum();
    }
    ip.SetSource(Ipv4Address("10.1.1.1"));
    ip.SetDestination(Ipv4Address("10.1.1.2"));
    ip.SetProtocol(6);
    ip.SetPayloadSize(p->GetSize());
    ip.SetTtl(64);
    p->AddHeader(ip);
    return p;
}

/// The same bytes with one flipped, as a new packet (what ChimneyLinkFaultModel does).
Ptr<Packet>
Flipped(Ptr<const Packet> p, size_t offset)
{
    std::vector<uint8_t> bytes(p->GetSize());
    p->CopyData(bytes.data(), static_cast<uint32_t>(bytes.size()));
    bytes[offset] ^= 0x40;
    return Create<Packet>(bytes.data(), static_cast<uint32_t>(bytes.size()));
}

/// Observe p, then the same frame (same key) with the byte at offset flipped, as a corrupting
/// link would deliver it. \returns the second observation's segment (null if not parsed)
const WireSegment*
ObserveThenFlipped(ShadowFrameCache& cache, Ptr<const Packet> p, size_t offset)
{
    cache.Load(*p);
    EXPECT_NE(cache.Parse(kKey, true, WireLinkType::PPP), nullptr);
    cache.Load(*Flipped(p, offset));
    return cache.Parse(kKey, true, WireLinkType::PPP);
}

} // namespace

TEST(ShadowFrameCache, SecondObservationReusesTheParse)
{
    ShadowFrameCache cache;
    Ptr<Packet> p = Datagram(1000);
    cache.Load(*p);
    const WireSegment* first = cache.Parse(kKey, true, WireLinkType::PPP);
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->tcp.seq, 1000u);

    const ShadowFrameCache::Bytes bytes = cache.Load(*p->Copy());
    EXPECT_EQ(bytes.size, p->GetSize());
    const WireSegment* second = cache.Parse(kKey, true, WireLinkType::PPP);
    ASSERT_NE(second, nullptr);
    EXPECT_EQ(cache.GetReused(), 1u);
    EXPECT_EQ(cache.GetLookups(), 2u);
    EXPECT_EQ(second->tcp.seq, 1000u);
    EXPECT_EQ(second->PayloadSize(), 100u);
}

TEST(ShadowFrameCache, SameKeyWithOtherHeaderBytesIsParsedAfresh)
{
    ShadowFrameCache cache;
    // Byte 27 is the low byte of the TCP sequence number (20-byte IPv4 header, seq at 4-7).
    const WireSegment* w = ObserveThenFlipped(cache, Datagram(1000), 27);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(cache.GetReused(), 0u);
    EXPECT_EQ(w->tcp.seq, 1000u ^ 0x40u);
}

TEST(ShadowFrameCache, SameKeyWithOtherPayloadBytesShowsTheseBytes)
{
    ShadowFrameCache cache;
    // Payload beyond the bytes the parse reads (ShadowFrameCache::kHeadBytes).
    Ptr<Packet> p = Datagram(1000, 300);
    ASSERT_GT(p->GetSize(), ShadowFrameCache::kHeadBytes + 100);
    const WireSegment* w = ObserveThenFlipped(cache, p, p->GetSize() - 1); // the last payload byte
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(cache.GetReused(), 1u); // the headers are the same
    ASSERT_EQ(w->PayloadSize(), 300u);
    EXPECT_EQ(w->PayloadData()[299], static_cast<uint8_t>(299 % 256 ^ 0x40)); // not the payload
    EXPECT_EQ(w->PayloadData()[298], static_cast<uint8_t>(298 % 256));
    EXPECT_TRUE(w->tcp.payload.empty()); // a view, not a copy
}

TEST(ShadowFrameCache, SameKeyWithOtherFirstPayloadByteReusesTheHeadersAndShowsThatByte)
{
    ShadowFrameCache cache;
    // Byte 40 is the first payload byte (20-byte IPv4 and TCP headers): inside the first
    // kHeadBytes, yet not read by the parse.
    const WireSegment* w = ObserveThenFlipped(cache, Datagram(1000), 40);
    ASSERT_NE(w, nullptr);
    EXPECT_EQ(cache.GetReused(), 1u);
    ASSERT_EQ(w->PayloadSize(), 100u);
    EXPECT_EQ(w->PayloadData()[0], 0x40);
}

TEST(ShadowFrameCache, SameKeyWithOtherLastHeaderByteIsParsedAfresh)
{
    ShadowFrameCache cache;
    // Byte 39 is the TCP header's last (the urgent pointer's low byte).
    ASSERT_NE(ObserveThenFlipped(cache, Datagram(1000), 39), nullptr);
    EXPECT_EQ(cache.GetReused(), 0u);
}

TEST(ShadowFrameCache, WithChecksumsOnEveryObservationIsVerified)
{
    struct Checksums // on for this test only
    {
        Checksums()
        {
            GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));
        }

        ~Checksums()
        {
            GlobalValue::Bind("ChecksumEnabled", BooleanValue(false));
        }
    } on;

    ShadowFrameCache cache;
    Ptr<Packet> p = Datagram(1000, 300);
    cache.Load(*p);
    ASSERT_NE(cache.Parse(kKey, true, WireLinkType::PPP), nullptr);
    cache.Load(*p->Copy());
    EXPECT_NE(cache.Parse(kKey, true, WireLinkType::PPP), nullptr);
    // The payload corrupted on the way, headers (its checksum too) untouched: a receiver drops
    // it, and so does the parse.
    cache.Load(*Flipped(p, p->GetSize() - 1));
    EXPECT_EQ(cache.Parse(kKey, true, WireLinkType::PPP), nullptr);
    EXPECT_EQ(cache.GetReused(), 0u);
}

TEST(ShadowFrameCache, ShorterFrameUnderTheSameKeyIsParsedAfresh)
{
    ShadowFrameCache cache;
    Ptr<Packet> p = Datagram(1000);
    cache.Load(*p);
    ASSERT_NE(cache.Parse(kKey, true, WireLinkType::PPP), nullptr);
    Ptr<Packet> shorter = p->Copy();
    shorter->RemoveAtEnd(1);
    cache.Load(*shorter);
    // The IPv4 total length no longer matches the bytes: not a well-formed datagram.
    EXPECT_EQ(cache.Parse(kKey, true, WireLinkType::PPP), nullptr);
    EXPECT_EQ(cache.GetReused(), 0u);
}

TEST(ShadowFrameCache, BypassesTheTableWhileNoFrameIsSeenTwiceSoonEnoughAndComesBack)
{
    ShadowFrameCache cache;
    Ptr<Packet> p = Datagram(1000);
    uint64_t key = 1;
    auto observe = [&cache, &p](uint64_t u) {
        cache.Load(*p);
        const WireSegment* w = cache.Parse(u, true, WireLinkType::PPP);
        ASSERT_NE(w, nullptr);
        EXPECT_EQ(w->tcp.seq, 1000u); // the same parse whichever way it was found
    };
    // A window of frames each seen once: the table is bypassed from then on.
    for (uint32_t i = 0; i < ShadowFrameCache::kWindow; ++i)
    {
        observe(key++);
    }
    EXPECT_TRUE(cache.IsBypassing());
    // While bypassing, every observation is parsed, even one right after the same frame's.
    observe(key);
    observe(key++);
    observe(key);
    observe(key + 1);
    observe(key);
    key += 2;
    EXPECT_EQ(cache.GetReused(), 0u);
    // The rest of the bypassed windows, then a probe window in which every frame is seen twice,
    // 100 frames apart: the table is used again, and stays in use.
    const uint32_t bypassed = ShadowFrameCache::kWindow * ShadowFrameCache::kBypassWindows - 5;
    for (uint32_t i = 0; i < bypassed; ++i)
    {
        observe(key++);
    }
    EXPECT_FALSE(cache.IsBypassing());
    const uint64_t reusedBefore = cache.GetReused();
    for (uint32_t i = 0; i < 2 * ShadowFrameCache::kWindow; ++i)
    {
        const uint64_t base = key + (i / 200) * 100; // frames base..base+99, each seen twice
        observe(base + (i % 100));
    }
    EXPECT_FALSE(cache.IsBypassing());
    EXPECT_GT(cache.GetReused() - reusedBefore, ShadowFrameCache::kWindow / 4);
}

// The verifier tells the host's own frames (and forged ones) from the target's at MacTx by the
// packet announced just before: the same object with the same uid, nothing else.
TEST(ShadowFrameMark, TellsTheAnnouncedPacketOnly)
{
    Ptr<Packet> p = Datagram(1000);
    const ShadowFrameMark mark = ShadowFrameMark::Of(*p);
    EXPECT_TRUE(mark.Is(*p));
    EXPECT_FALSE(mark.Is(*p->Copy()));      // the same uid, another packet
    EXPECT_FALSE(mark.Is(*Datagram(1000))); // the same bytes, another packet
    EXPECT_FALSE(ShadowFrameMark{}.Is(*p)); // nothing announced yet
}
