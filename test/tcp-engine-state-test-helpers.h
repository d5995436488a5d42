/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_ENGINE_STATE_TEST_HELPERS_H
#define TCP_ENGINE_STATE_TEST_HELPERS_H

// What the engine's state tests share: a plain configuration (no options, MSS 1000), segment
// builders, event queries and engines driven into each state. Used by tcp-engine-state-test.cc
// (codec, opening, receiving) and tcp-engine-state-close-test.cc (sending, closing, abort,
// delegated state).

#include "ns3/tcp-engine.h"

#include <gtest/gtest.h>
#include <utility>
#include <vector>

namespace tcp_engine_state_test
{

using namespace ns3;

constexpr uint32_t kIss = 1000;
constexpr uint32_t kIrs = 5000;
constexpr int64_t kMs = 1000000;
constexpr int64_t kSec = 1000 * kMs;
constexpr uint8_t F = TcpSegment::FIN;
constexpr uint8_t S = TcpSegment::SYN;
constexpr uint8_t R = TcpSegment::RST;
constexpr uint8_t A = TcpSegment::ACK;

inline TcpEngineConfig
PlainConfig()
{
    TcpEngineConfig c;
    c.mss = 1000;
    c.timestamps = false;
    c.windowScaling = false;
    c.rcvBufSize = 65535;
    c.sndBufSize = 100000;
    c.rtoMinNs = 200 * kMs;
    c.initialCwndSegments = 4;
    return c;
}

inline std::vector<uint8_t>
Pattern(size_t n, uint8_t start = 0)
{
    std::vector<uint8_t> v(n);
    for (size_t i = 0; i < n; ++i)
    {
        v[i] = static_cast<uint8_t>(start + i);
    }
    return v;
}

inline TcpSegment
Seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd = 65535, size_t len = 0)
{
    TcpSegment s;
    s.srcPort = 2;
    s.dstPort = 1;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.window = wnd;
    s.payload = Pattern(len, static_cast<uint8_t>(seq));
    return s;
}

inline TcpSegment
SynAck(uint16_t wnd = 65535)
{
    TcpSegment s = Seg(S | A, kIrs, kIss + 1, wnd);
    s.mss = 1000;
    return s;
}

inline bool
Has(const std::vector<TcpEvent>& ev, TcpEvent::Kind k)
{
    for (const TcpEvent& e : ev)
    {
        if (e.kind == k)
        {
            return true;
        }
    }
    return false;
}

inline uint64_t
Bytes(const std::vector<TcpEvent>& ev, TcpEvent::Kind k)
{
    uint64_t n = 0;
    for (const TcpEvent& e : ev)
    {
        if (e.kind == k)
        {
            n += e.bytes;
        }
    }
    return n;
}

inline void
ExpectInvariants(const TcpEngine& e)
{
    std::string why;
    EXPECT_TRUE(e.CheckInvariants(&why)) << why;
}

/// Drops the segments and events the engine has so far (set-up steps).
inline void
Drain(TcpEngine& e)
{
    e.TakeSegments();
    e.TakeEvents();
}

/// The first segment each of a and b has to send crosses the other's: both arrive at now.
/// \returns {a's segment, b's segment}
inline std::pair<TcpSegment, TcpSegment>
Cross(TcpEngine& a, TcpEngine& b, int64_t now)
{
    TcpSegment fromA = a.TakeSegments().at(0);
    TcpSegment fromB = b.TakeSegments().at(0);
    a.OnSegment(now, fromB);
    b.OnSegment(now, fromA);
    return {fromA, fromB};
}

/// e after it received seg at now, what it sent and reported dropped (set-up steps).
inline TcpEngine
Received(TcpEngine e, int64_t now, const TcpSegment& seg)
{
    e.OnSegment(now, seg);
    Drain(e);
    return e;
}

/// Active open to ESTABLISHED at t = 10 ms (RTT sample 10 ms -> RTO = rtoMin = 200 ms).
inline TcpEngine
Established(const TcpEngineConfig& c = PlainConfig())
{
    TcpEngine e(c, 1, 2, kIss);
    e.Connect(0);
    e.TakeSegments();
    return Received(std::move(e), 10 * kMs, SynAck());
}

/// Established, then ShutdownSend with nothing queued: FIN at kIss+1 sent.
inline TcpEngine
FinWait1()
{
    TcpEngine e = Established();
    e.ShutdownSend(20 * kMs);
    Drain(e);
    return e;
}

/// FIN_WAIT_2: our FIN (seq kIss+1) acknowledged.
inline TcpEngine
FinWait2()
{
    return Received(FinWait1(), 30 * kMs, Seg(A, kIrs + 1, kIss + 2));
}

/// CLOSE_WAIT: the peer's FIN (seq kIrs+1) accepted.
inline TcpEngine
CloseWait()
{
    return Received(Established(), 20 * kMs, Seg(F | A, kIrs + 1, kIss + 1));
}

/// TIME_WAIT at t = 40 ms.
inline TcpEngine
TimeWait()
{
    return Received(FinWait2(), 40 * kMs, Seg(F | A, kIrs + 1, kIss + 2));
}

} // namespace tcp_engine_state_test

#endif // TCP_ENGINE_STATE_TEST_HELPERS_H
