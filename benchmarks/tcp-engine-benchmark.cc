/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * Google Benchmark micro-benchmarks of the sans-I/O TCP engine (model/tcp-engine.h): the
 * per-segment costs that bound how many connections the host stack or the offload target can
 * carry, and the memory one connection holds.
 *
 *   BM_ReceiveInOrderSegment  receiver: OnSegment of an in-order 1448-byte data segment, the
 *                             delayed-ACK logic (an ACK every second segment), Read, output drain
 *   BM_ProcessAckSendNext     sender: OnSegment of a pure ACK acknowledging one segment, Output
 *                             of the next one (the window admits exactly one), output drain
 *   BM_ConnectionLifecycle    two engines in memory: handshake, 16 KB, graceful close, TIME_WAIT
 *                             ended by a timer advance (items_per_second = lifecycles per second)
 *   BM_EngineFootprint        sizeof(TcpEngine) + heap bytes an established engine holds with
 *                             empty buffers (counters; glibc's mallinfo2, 0 where unavailable)
 *
 * Segments are built before the timed loops; the loops only update sequence fields.
 */

#include "tcp-engine.h"

#include <benchmark/benchmark.h>
#include <cstdint>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace ns3;

namespace
{

constexpr int64_t kUs = 1000;
constexpr uint16_t kMss = 1460;
constexpr uint32_t kIss = 1000;
constexpr uint32_t kPeerIss = 500000;
constexpr uint16_t kLocalPort = 49152;
constexpr uint16_t kRemotePort = 80;

/// \brief Typical Linux-like settings: 1460-byte MSS, timestamps and window scaling on.
TcpEngineConfig
BenchConfig()
{
    TcpEngineConfig c;
    c.mss = kMss;
    c.timestamps = true;
    c.windowScaling = true;
    c.rcvBufSize = 131072;
    c.sndBufSize = 131072;
    return c;
}

/// \brief A segment from the scripted peer (timestamps on, as negotiated).
TcpSegment
PeerSegment(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t window)
{
    TcpSegment s;
    s.srcPort = kRemotePort;
    s.dstPort = kLocalPort;
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.window = window;
    s.hasTimestamp = true;
    s.tsVal = 1;
    s.tsEcr = 0;
    return s;
}

/// \brief The peer's SYN,ACK answering our SYN.
TcpSegment
SynAck(uint16_t window, uint8_t windowShift)
{
    TcpSegment s = PeerSegment(TcpSegment::SYN | TcpSegment::ACK, kPeerIss, kIss + 1, window);
    s.mss = kMss;
    s.windowScale = windowShift;
    return s;
}

/// \brief Active open answered by a scripted SYN,ACK; output drained.
void
Establish(TcpEngine& e, int64_t& now, const TcpSegment& synAck)
{
    e.Connect(now);
    e.TakeSegments();
    now += 100 * kUs;
    e.OnSegment(now, synAck);
    e.TakeSegments();
    e.TakeEvents();
}

/// \brief Fire the engine's timers that are due (none are, in the steady-state loops).
void
Timers(TcpEngine& e, int64_t now)
{
    const int64_t d = e.NextDeadline();
    if (d >= 0 && d <= now)
    {
        e.OnTimer(now);
    }
}

/// \brief Heap bytes in use (glibc main arena + mmapped chunks); 0 where not measurable.
size_t
HeapInUse()
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    const struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
#else
    return 0;
#endif
}

} // namespace

/// \brief Receiver: one in-order data segment, its share of delayed ACKs, and the application's
/// Read.
static void
BM_ReceiveInOrderSegment(benchmark::State& state)
{
    int64_t now = 0;
    TcpEngine e(BenchConfig(), kLocalPort, kRemotePort, kIss);
    Establish(e, now, SynAck(65535, 7));
    const uint32_t len = e.SndMss(); // the peer's MSS equals ours: 1460 - 12 (timestamps)
    TcpSegment data = PeerSegment(TcpSegment::ACK | TcpSegment::PSH, kPeerIss + 1, kIss + 1, 512);
    data.payload.assign(len, 0x5a);
    std::vector<uint8_t> buf(65536);
    uint64_t acks = 0;
    for (auto _ : state)
    {
        now += 10 * kUs;
        e.OnSegment(now, data);
        Timers(e, now);
        benchmark::DoNotOptimize(e.Read(now, buf.data(), buf.size()));
        acks += e.TakeSegments().size();
        e.TakeEvents();
        data.seq += len;
    }
    if (e.RcvNxt() != data.seq)
    {
        state.SkipWithError("a data segment was not accepted in order");
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * len);
    state.counters["acks_per_segment"] =
        static_cast<double>(acks) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_ReceiveInOrderSegment);

/// \brief Sender: a pure ACK of one segment opens the peer's fixed window by one segment, which the
/// engine sends. Includes the application's Send() copy of the payload (refills of 64 KB).
static void
BM_ProcessAckSendNext(benchmark::State& state)
{
    int64_t now = 0;
    TcpEngine e(BenchConfig(), kLocalPort, kRemotePort, kIss);
    const uint32_t mss = kMss - 12; // timestamps take 12 bytes of each segment
    const uint16_t window = static_cast<uint16_t>(10 * mss); // peer window, unscaled (shift 0)
    Establish(e, now, SynAck(window, 0));
    const std::vector<uint8_t> chunk(65536, 0xa5);
    e.Send(now, chunk.data(), chunk.size());
    e.Send(now, chunk.data(), chunk.size());
    e.TakeSegments(); // the first window of 10 segments
    e.TakeEvents();
    TcpSegment ack = PeerSegment(TcpSegment::ACK, kPeerIss + 1, e.SndUna(), window);
    uint64_t sent = 0;
    for (auto _ : state)
    {
        now += 10 * kUs;
        ack.ack += mss;
        e.OnSegment(now, ack);
        Timers(e, now);
        sent += e.TakeSegments().size();
        e.TakeEvents();
        if (e.SendBufferSpace() >= chunk.size())
        {
            e.Send(now, chunk.data(), chunk.size());
        }
    }
    if (e.SndUna() != ack.ack || sent != static_cast<uint64_t>(state.iterations()))
    {
        state.SkipWithError("the ACK clock did not run one segment per ACK");
    }
    state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * mss);
    state.counters["segments_per_ack"] =
        static_cast<double>(sent) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_ProcessAckSendNext);

/// \brief Two engines in memory: handshake, 16 KB from the client, graceful close from both sides,
/// the client's TIME_WAIT ended by advancing time to its deadline.
static void
BM_ConnectionLifecycle(benchmark::State& state)
{
    const TcpEngineConfig c = BenchConfig();
    const std::vector<uint8_t> payload(16384, 0x3c);
    std::vector<uint8_t> buf(65536);
    uint64_t segments = 0;
    for (auto _ : state)
    {
        int64_t now = 0;
        TcpEngine a(c, kLocalPort, kRemotePort, kIss);
        TcpEngine b(c, kRemotePort, kLocalPort, kPeerIss);
        b.Listen();
        a.Connect(now);
        bool sent = false;
        bool bClosed = false;
        size_t received = 0;
        for (int round = 0; round < 1000; ++round)
        {
            if (!sent && a.State() == TcpState::Established)
            {
                a.Send(now, payload.data(), payload.size());
                a.ShutdownSend(now); // FIN right behind the data
                sent = true;
            }
            if (!bClosed && b.RemoteFinReceived())
            {
                b.ShutdownSend(now);
                bClosed = true;
            }
            std::vector<TcpSegment> fromA = a.TakeSegments();
            std::vector<TcpSegment> fromB = b.TakeSegments();
            a.TakeEvents();
            b.TakeEvents();
            if (fromA.empty() && fromB.empty())
            {
                if (a.State() == TcpState::Closed && b.State() == TcpState::Closed)
                {
                    break;
                }
                // Nothing in flight: the next timer (delayed ACK, TIME_WAIT) is due.
                const int64_t da = a.NextDeadline();
                const int64_t db = b.NextDeadline();
                now = std::max(now, da < 0 ? db : (db < 0 ? da : std::min(da, db)));
                a.OnTimer(now);
                b.OnTimer(now);
                continue;
            }
            now += 50 * kUs; // one-way delay
            segments += fromA.size() + fromB.size();
            for (const TcpSegment& s : fromA)
            {
                b.OnSegment(now, s);
            }
            for (const TcpSegment& s : fromB)
            {
                a.OnSegment(now, s);
            }
            received += b.Read(now, buf.data(), buf.size());
        }
        if (received != payload.size() || a.State() != TcpState::Closed ||
            b.State() != TcpState::Closed)
        {
            state.SkipWithError("the lifecycle did not complete");
            break;
        }
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
    state.counters["segments_per_lifecycle"] =
        static_cast<double>(segments) / static_cast<double>(state.iterations());
}

BENCHMARK(BM_ConnectionLifecycle);

/// \brief Memory of one connection: sizeof(TcpEngine) plus the heap an established engine holds
/// once its output is drained and its buffers are empty; also what it keeps after 64 KB each way
/// (vector capacity is retained).
static void
BM_EngineFootprint(benchmark::State& state)
{
    const TcpEngineConfig c = BenchConfig();
    const TcpSegment synAck = SynAck(65535, 7);
    const std::vector<uint8_t> chunk(65536, 0x77);
    std::vector<uint8_t> buf(65536);
    TcpSegment data = PeerSegment(TcpSegment::ACK, kPeerIss + 1, kIss + 1, 512);
    data.payload.assign(kMss - 12, 0x11);
    TcpSegment ack = PeerSegment(TcpSegment::ACK, kPeerIss + 1, kIss + 1, 512);
    size_t heapEmpty = 0;
    size_t heapAfterTraffic = 0;
    for (auto _ : state)
    {
        const size_t before = HeapInUse();
        TcpEngine e(c, kLocalPort, kRemotePort, kIss);
        int64_t now = 0;
        Establish(e, now, synAck);
        heapEmpty = HeapInUse() - before;
        // 64 KB in, read; 64 KB out, acknowledged: buffers empty again.
        data.seq = e.RcvNxt();
        for (size_t got = 0; got < chunk.size(); got += data.payload.size())
        {
            now += 10 * kUs;
            e.OnSegment(now, data);
            e.Read(now, buf.data(), buf.size());
            data.seq += static_cast<uint32_t>(data.payload.size());
            e.TakeSegments();
            e.TakeEvents();
        }
        e.Send(now, chunk.data(), chunk.size());
        while (e.SndUna() != e.SndMax())
        {
            now += 10 * kUs;
            ack.seq = data.seq;
            ack.ack = e.SndMax();
            e.TakeSegments();
            e.OnSegment(now, ack);
            e.TakeEvents();
        }
        e.TakeSegments();
        e.TakeEvents();
        heapAfterTraffic = HeapInUse() - before;
    }
    state.counters["sizeof_engine"] = static_cast<double>(sizeof(TcpEngine));
    state.counters["heap_empty"] = static_cast<double>(heapEmpty);
    state.counters["bytes_per_engine"] = static_cast<double>(sizeof(TcpEngine) + heapEmpty);
    state.counters["heap_after_traffic"] = static_cast<double>(heapAfterTraffic);
}

BENCHMARK(BM_EngineFootprint)->Iterations(10);

BENCHMARK_MAIN();
