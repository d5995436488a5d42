/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * libFuzzer target for the sans-I/O TCP engine (model/tcp-engine.h).
 *
 * One input is one connection: the engine under test ("E", port 80) and a well-behaved peer
 * ("P", port 49152, also a TcpEngine) joined by two in-memory FIFO queues that the input
 * controls. Input layout:
 *
 *   byte 0  engine options: bit0 timestamps, bit1 window scaling, bit2 peer timestamps,
 *           bit3 peer window scaling, bit4 subtract options from MSS, bit5 raw payloads (no
 *           reference stream), bit6 keepalive, bit7 FIN_WAIT_2 timeout
 *   byte 1  bits0-1 MSS, bits2-4 receive buffer, bits5-7 send buffer
 *   byte 2  bits0-3 target state (see kTargets), bit4 Export/Import move once there,
 *           bit5 the engine opens actively, bit6 exchange data first, bit7 ISS near 2^32
 *   byte 3  bits0-1 delayed-ACK count, bit2 no delayed ACK, bits3-4 retransmission limit,
 *           bit5 RTO min 200 ms, bit6 short TIME_WAIT, bit7 initial window of one segment
 *   byte 4  bytes the engine sends during set-up (x16)
 *   byte 5  bytes the peer sends during set-up (x16)
 *   byte 6  bits0-1 peer receive buffer, bit2 the peer's application reads lazily, bits3-4 peer
 *           MSS, bit5 the peer ACKs every segment, bits6-7 engine duplicate-ACK threshold
 *   rest    operations, one opcode byte each followed by its arguments (see Fuzzer::Op)
 *
 * Reference stream: every byte either side's application writes is a function of its sequence
 * number (StreamByte), and segments injected towards the engine carry the same bytes at their
 * sequence numbers, so any byte the engine delivers or sends at a wrong place shows.
 *
 * Operations (Fuzzer::Op): deliver a queued segment to E or P; deliver a peer segment with
 * sequence/acknowledgment numbers moved to the window edges, flags, window, length, timestamps
 * or options changed; deliver raw bytes through TcpSegment::Parse (fields optionally anchored to
 * RCV.NXT / SND.UNA); drop, duplicate or reorder a queued segment; Send, Read, ShutdownSend,
 * Abort on either side; advance time and fire due timers; Export/Import move of either engine;
 * deliver everything in order for a while (optionally with timers).
 *
 * Checked after every step, abort() with a message on failure: TcpEngine::CheckInvariants() of
 * both engines; bytes read are the reference stream at the right offset (no data invented,
 * lost or reordered); segments sent carry only application bytes at their sequence numbers,
 * new data inside the peer's window, a FIN only after the last byte; no RST in reply to a RST,
 * nothing but RSTs and no events once CLOSED; event totals agree with Read(), BytesReadable(),
 * BytesInSendBuffer() and the StateChanged chain with State(); SND.UNA <= SND.NXT <= SND.MAX,
 * SND.UNA and RCV.NXT never move backwards and agree with the bytes acknowledged / delivered;
 * ACK numbers and the advertised right window edge never move backwards; no timer is still due
 * after OnTimer(now); Export(Import(Export())) == Export(), and after a move the engine sends,
 * emits and holds exactly what a never-moved copy given the same calls does;
 * Parse(Serialize(Parse(raw))) == Parse(raw).
 *
 * CHIMNEY_FUZZ_TRACE=1 prints every step (use it to replay a crash file).
 */

#include "tcp-engine.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <optional>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

constexpr int64_t kMs = 1000000;
constexpr int64_t kSec = 1000 * kMs;
constexpr size_t kMaxOps = 512;       // keeps one input well under a millisecond or so
constexpr size_t kMaxQueue = 64;      // segments held per direction
constexpr int kSetupSteps = 400;      // scripted set-up deliveries / timer firings
constexpr uint16_t kEnginePort = 80;  // E
constexpr uint16_t kPeerPort = 49152; // P

/// Target states of the scripted set-up, indexed by byte 2 bits 0-3 (Established is likeliest).
constexpr TcpState kTargets[16] = {
    TcpState::Closed,
    TcpState::Listen,
    TcpState::SynSent,
    TcpState::SynRcvd,
    TcpState::Established,
    TcpState::FinWait1,
    TcpState::FinWait2,
    TcpState::CloseWait,
    TcpState::Closing,
    TcpState::LastAck,
    TcpState::TimeWait,
    TcpState::Established,
    TcpState::Established,
    TcpState::FinWait1,
    TcpState::CloseWait,
    TcpState::FinWait2,
};

bool g_trace = false;

/**
 * \brief Byte of a reference stream at a sequence number.
 * \param dir 0: peer to engine, 1: engine to peer
 * \param seq sequence number of the byte
 * \returns the byte
 */
uint8_t
StreamByte(int dir, uint32_t seq)
{
    uint32_t z = seq * 0x9E3779B1u + static_cast<uint32_t>(dir) * 0x85EBCA77u + 0x165667B1u;
    z ^= z >> 15;
    z *= 0x2C1B3C6Du;
    z ^= z >> 12;
    z *= 0x297A2D39u;
    z ^= z >> 15;
    return static_cast<uint8_t>(z);
}

/**
 * \brief Consumes the fuzz input; yields zeros once it is exhausted.
 */
class Reader
{
  public:
    /// \brief Read from [data, data+size). \param data input \param size bytes
    Reader(const uint8_t* data, size_t size)
        : m_p(data),
          m_n(size)
    {
    }

    /// \brief Whether the input is used up. \returns true when nothing is left
    bool Empty() const
    {
        return m_n == 0;
    }

    /// \brief Next byte. \returns it, 0 when exhausted
    uint8_t U8()
    {
        if (m_n == 0)
        {
            return 0;
        }
        --m_n;
        return *m_p++;
    }

    /// \brief Next two bytes, big endian. \returns them
    uint16_t U16()
    {
        const uint16_t hi = U8();
        return static_cast<uint16_t>((hi << 8) | U8());
    }

    /// \brief Next four bytes, big endian. \returns them
    uint32_t U32()
    {
        const uint32_t hi = U16();
        return (hi << 16) | U16();
    }

    /// \brief Up to n bytes. \param n wanted; receives how many were taken \returns first byte
    const uint8_t* Take(size_t& n)
    {
        n = std::min(n, m_n);
        const uint8_t* p = m_p;
        m_p += n;
        m_n -= n;
        return p;
    }

  private:
    const uint8_t* m_p;
    size_t m_n;
};

/**
 * \brief One endpoint and what the fuzzer knows about it from the outside (application calls,
 * events, segments seen on the wire).
 */
struct Side
{
    const char* name{""};
    int dirOut{0}; // reference stream this side's application writes
    TcpEngineConfig cfg;
    uint16_t lport{0};
    uint16_t rport{0};
    uint32_t iss{0};
    std::optional<TcpEngine> eng;
    /// After a move: the engine as it was, never moved, given the same calls (differential).
    std::optional<TcpEngine> shadow;
    std::vector<TcpEvent> shadowEvents;
    bool checkContent{true}; // incoming data follows the reference stream
    bool lazyReader{false};  // the application reads only when an operation says so
    bool rstIn{false};       // the step being checked delivered a RST to this side

    // application view
    uint64_t accepted{0}; // bytes Send() took
    uint64_t received{0}; // bytes Read() returned
    bool shutdown{false};
    bool aborted{false};

    // event view
    TcpState state{TcpState::Closed};
    uint64_t readable{0}; // sum of DataReadable
    uint64_t acked{0};    // sum of BytesAcked
    int established{0};
    int finAcked{0};
    int remoteFin{0};
    int closed{0};
    bool failed{false}; // Reset or TimedOut

    // connection view, valid once synchronized (reset when the engine returns to LISTEN)
    bool sync{false};
    uint32_t irs{0};
    uint8_t rcvShift{0};
    bool haveEdge{false};
    uint32_t lastAck{0};
    uint32_t lastEdge{0};
    uint32_t lastUna{0};
    uint32_t lastRcvNxt{0};
    uint32_t lastMax{0};
};

/**
 * \brief Field-wise equality of two segments.
 * \param a first \param b second
 * \returns true if every field is equal
 */
bool
SameSegment(const TcpSegment& a, const TcpSegment& b)
{
    return a.srcPort == b.srcPort && a.dstPort == b.dstPort && a.seq == b.seq && a.ack == b.ack &&
           a.flags == b.flags && a.window == b.window && a.urgentPointer == b.urgentPointer &&
           a.mss == b.mss && a.windowScale == b.windowScale && a.sackPermitted == b.sackPermitted &&
           a.hasTimestamp == b.hasTimestamp && a.tsVal == b.tsVal && a.tsEcr == b.tsEcr &&
           a.payload == b.payload;
}

/**
 * \brief One fuzz input: scripted set-up to a target state, then operations, checks after
 * every step.
 */
class Fuzzer
{
  public:
    /// \brief Interpret [data, data+size). \param data input \param size bytes
    Fuzzer(const uint8_t* data, size_t size)
        : m_r(data, size)
    {
    }

    /// \brief Set up, then run the operations (abort() on the first violated check).
    void Run()
    {
        Setup();
        size_t ops = 0;
        while (!m_r.Empty() && ops++ < kMaxOps)
        {
            Op();
            CompareStateWithShadow(m_e);
            CompareStateWithShadow(m_p);
        }
        CheckLiveness();
    }

  private:
    // ------------------------------------------------------------------------- reporting

    [[noreturn]] void Fail(const std::string& what)
    {
        std::fprintf(stderr,
                     "\ntcp-engine-fuzzer: %s\n  step %llu, t=%lld ns\n",
                     what.c_str(),
                     static_cast<unsigned long long>(m_steps),
                     static_cast<long long>(m_now));
        for (Side* s : {&m_e, &m_p})
        {
            std::fprintf(stderr,
                         "  %s: %s accepted=%llu acked=%llu received=%llu readable=%llu\n",
                         s->name,
                         s->eng->Export(m_now).ToString().c_str(),
                         static_cast<unsigned long long>(s->accepted),
                         static_cast<unsigned long long>(s->acked),
                         static_cast<unsigned long long>(s->received),
                         static_cast<unsigned long long>(s->readable));
        }
        std::abort();
    }

    void Trace(const char* what, const TcpSegment* seg = nullptr)
    {
        if (g_trace)
        {
            std::fprintf(stderr,
                         "[%llu t=%lld] %s%s%s  | E %s una=%u nxt=%u max=%u rcv=%u\n",
                         static_cast<unsigned long long>(m_steps),
                         static_cast<long long>(m_now),
                         what,
                         seg ? ": " : "",
                         seg ? seg->ToString().c_str() : "",
                         ToString(m_e.eng->State()),
                         m_e.eng->SndUna(),
                         m_e.eng->SndNxt(),
                         m_e.eng->SndMax(),
                         m_e.eng->RcvNxt());
        }
    }

    /**
     * Liveness: when the input only lost, duplicated or reordered segments (nothing forged) and
     * neither side aborted, reset or timed out, a healed link must deliver every byte sent.
     */
    void CheckLiveness()
    {
        if (m_forged || m_e.aborted || m_p.aborted || m_e.failed || m_p.failed)
        {
            return;
        }
        // Bounded work: skip transfers that would take too many tiny segments.
        auto segments = [](const Side& from, const Side& to) {
            // smallest segment the handshake may settle on: both MSS, the window, 12 option bytes
            const uint64_t mss = std::min({from.cfg.mss, to.cfg.mss});
            const uint64_t unit =
                std::min<uint64_t>(mss > 12 ? mss - 12 : 1, std::max(to.cfg.rcvBufSize, 1u));
            return (from.accepted - to.received) / unit;
        };
        if (segments(m_e, m_p) + segments(m_p, m_e) > 300)
        {
            return;
        }
        Trace("healing the link");
        m_p.lazyReader = false;
        Settle(3000, true, true);
        if (m_e.failed || m_p.failed)
        {
            return; // e.g. the FIN_WAIT_2 timeout ran out while time advanced
        }
        for (const Side* s : {&m_e, &m_p})
        {
            const Side& to = s == &m_e ? m_p : m_e;
            if (to.received != s->accepted)
            {
                Fail(std::string("liveness: ") + s->name + " sent " + std::to_string(s->accepted) +
                     " bytes, " + to.name + " read " + std::to_string(to.received) +
                     " after the link healed");
            }
        }
    }

    // ------------------------------------------------------------------------- set-up

    void Setup()
    {
        const uint8_t c0 = m_r.U8();
        const uint8_t c1 = m_r.U8();
        const uint8_t c2 = m_r.U8();
        const uint8_t c3 = m_r.U8();
        uint32_t engineBytes = m_r.U8() * 16u;
        uint32_t peerBytes = m_r.U8() * 16u;
        const uint8_t c6 = m_r.U8();

        static const uint16_t kMss[] = {536, 1460, 64, 9};
        static const uint32_t kRcv[] = {131072, 16384, 4096, 65535, 1000, 300000, 2, 600};
        static const uint32_t kSnd[] = {131072, 8192, 65536, 3000, 1, 100, 20000, 1000};
        static const uint32_t kDelAck[] = {2, 1, 3, 2};
        static const uint32_t kRtx[] = {6, 2, 15, 1};
        static const uint32_t kDupAck[] = {3, 1, 2, 3};
        static const uint32_t kPeerRcv[] = {65535, 4096, 1000, 131072};
        static const uint16_t kPeerMss[] = {1460, 536, 100, 1000};

        TcpEngineConfig& e = m_e.cfg;
        e.timestamps = c0 & 0x01;
        e.windowScaling = c0 & 0x02;
        e.subtractOptionsFromMss = c0 & 0x10;
        e.mss = kMss[c1 & 3];
        e.rcvBufSize = kRcv[(c1 >> 2) & 7];
        e.sndBufSize = kSnd[(c1 >> 5) & 7];
        e.delayedAckCount = kDelAck[c3 & 3];
        e.delayedAckTimeoutNs = (c3 & 0x04) ? 0 : 200 * kMs;
        e.maxRetransmits = kRtx[(c3 >> 3) & 3];
        e.maxSynRetransmits = kRtx[(c3 >> 3) & 3];
        e.rtoMinNs = (c3 & 0x20) ? 200 * kMs : kSec;
        e.timeWaitNs = (c3 & 0x40) ? 2 * kSec : 120 * kSec;
        e.initialCwndSegments = (c3 & 0x80) ? 1 : 10;
        e.dupAckThreshold = kDupAck[c6 >> 6];
        if (c0 & 0x40)
        {
            e.keepaliveIdleNs = 5 * kSec;
            e.keepaliveIntervalNs = kSec;
            e.keepaliveProbes = 3;
        }
        if (c0 & 0x80)
        {
            e.finWait2TimeoutNs = 3 * kSec;
        }

        // Tiny windows and segments make set-up transfers long: keep them to ~32 segments.
        const uint32_t unit = std::min<uint32_t>(e.mss, e.rcvBufSize);
        engineBytes = std::min(engineBytes, 32 * unit);
        peerBytes = std::min(peerBytes, 32 * unit);

        // The peer is plain so that the scripted exchange always progresses.
        TcpEngineConfig& p = m_p.cfg;
        p.timestamps = c0 & 0x04;
        p.windowScaling = c0 & 0x08;
        p.mss = kPeerMss[(c6 >> 3) & 3];
        p.rcvBufSize = kPeerRcv[c6 & 3];
        p.delayedAckCount = (c6 & 0x20) ? 1 : 2;
        p.sndBufSize = 131072;
        p.rtoMinNs = 200 * kMs;
        p.timeWaitNs = 2 * kSec;

        const bool wrap = c2 & 0x80;
        m_e.name = "E";
        m_e.dirOut = 1;
        m_e.lport = kEnginePort;
        m_e.rport = kPeerPort;
        m_e.iss = wrap ? 0xFFFFFF80u : 1000;
        m_e.checkContent = !(c0 & 0x20);
        m_p.name = "P";
        m_p.dirOut = 0;
        m_p.lport = kPeerPort;
        m_p.rport = kEnginePort;
        m_p.iss = wrap ? 0xFFFFFFF0u : 2000000;
        m_p.checkContent = true; // the peer only ever gets the engine's own segments
        m_p.lazyReader = c6 & 0x04;
        for (Side* s : {&m_e, &m_p})
        {
            s->eng.emplace(s->cfg, s->lport, s->rport, s->iss);
        }
        m_now = kSec;
        m_lastPeer.srcPort = kPeerPort;
        m_lastPeer.dstPort = kEnginePort;

        const TcpState target = kTargets[c2 & 0x0f];
        const bool engineActive = c2 & 0x20;
        const bool data = c2 & 0x40;
        switch (target)
        {
        case TcpState::Closed:
            if (data)
            {
                Open(engineActive, engineBytes, peerBytes);
                Abort(m_e);
            }
            break;
        case TcpState::Listen:
            m_e.eng->Listen();
            m_p.eng->Connect(m_now); // its SYN waits in the queue to E
            Step();
            break;
        case TcpState::SynSent:
            m_p.eng->Listen();
            m_e.eng->Connect(m_now);
            Step();
            break;
        case TcpState::SynRcvd:
            if (engineActive)
            {
                m_e.eng->Connect(m_now); // simultaneous open
            }
            else
            {
                m_e.eng->Listen();
            }
            m_p.eng->Connect(m_now);
            Step();
            if (!m_toE.empty())
            {
                DeliverToEngine(PopFront(m_toE));
            }
            break;
        default:
            Open(engineActive, engineBytes, peerBytes);
            Close(target);
            break;
        }
        if (g_trace)
        {
            Trace(("set-up done, target " + std::string(ToString(target))).c_str());
        }
        if ((c2 & 0x10) != 0)
        {
            Move(m_e);
        }
    }

    /// Handshake, optional data both ways, everything acknowledged.
    void Open(bool engineActive, uint32_t engineBytes, uint32_t peerBytes)
    {
        if (engineActive)
        {
            m_p.eng->Listen();
            m_e.eng->Connect(m_now);
        }
        else
        {
            m_e.eng->Listen();
            m_p.eng->Connect(m_now);
        }
        Step();
        Settle(kSetupSteps, true, true);
        AppSend(m_e, engineBytes);
        AppSend(m_p, peerBytes);
        Settle(kSetupSteps, true, true);
    }

    /// From ESTABLISHED to a closing state.
    void Close(TcpState target)
    {
        switch (target)
        {
        case TcpState::FinWait1:
            Shutdown(m_e); // the FIN waits in the queue to P
            break;
        case TcpState::FinWait2:
            Shutdown(m_e);
            Settle(kSetupSteps, true, true);
            break;
        case TcpState::CloseWait:
            Shutdown(m_p);
            Settle(kSetupSteps, true, true);
            break;
        case TcpState::Closing:
            Shutdown(m_e);
            Shutdown(m_p);
            while (!m_toE.empty()) // P's FIN reaches E, E's FIN is held
            {
                DeliverToEngine(PopFront(m_toE));
            }
            break;
        case TcpState::LastAck:
            Shutdown(m_p);
            Settle(kSetupSteps, true, true);
            Shutdown(m_e);
            break;
        case TcpState::TimeWait:
            Shutdown(m_e);
            Settle(kSetupSteps, true, true);
            Shutdown(m_p);
            Settle(kSetupSteps, true, true);
            break;
        default:
            break;
        }
    }

    // ------------------------------------------------------------------------- operations

    void Op()
    {
        const uint8_t op = m_r.U8();
        switch (op % 16)
        {
        case 0:
        case 1:
            if (!m_toE.empty())
            {
                DeliverToEngine(PopFront(m_toE));
            }
            break;
        case 2:
        case 14:
            DeliverMutated();
            break;
        case 3:
            if (!m_toP.empty())
            {
                DeliverToPeer(PopFront(m_toP));
            }
            break;
        case 4:
            Link();
            break;
        case 5:
        case 15:
            DeliverRaw();
            break;
        case 6:
            AppSend(m_e, m_r.U16() % 20000);
            break;
        case 7:
            AppRead(m_e, m_r.U16());
            break;
        case 8:
            Shutdown(m_e);
            break;
        case 9:
            if ((m_r.U8() & 7) == 0) // rare: nothing happens after an abort
            {
                Abort(m_e);
            }
            break;
        case 10:
            AdvanceTime();
            break;
        case 11:
            Move(m_e);
            break;
        case 12:
            PeerOp();
            break;
        case 13: {
            const uint8_t a = m_r.U8();
            Settle(1 + (a & 63), (a & 64) != 0, (a & 128) != 0);
            break;
        }
        }
    }

    /// Drop, duplicate or reorder a queued segment.
    void Link()
    {
        const uint8_t a = m_r.U8();
        std::deque<TcpSegment>& q = (a & 1) ? m_toP : m_toE;
        if (q.empty())
        {
            return;
        }
        switch ((a >> 1) & 3)
        {
        case 0:
            Trace("drop", &q.front());
            q.pop_front();
            break;
        case 1: // to the back
            q.push_back(q.front());
            q.pop_front();
            break;
        case 2: // duplicate
            if (q.size() < kMaxQueue)
            {
                q.push_back(q.front());
            }
            break;
        default: // swap the first two
            if (q.size() >= 2)
            {
                std::swap(q[0], q[1]);
            }
            break;
        }
    }

    void PeerOp()
    {
        const uint8_t a = m_r.U8();
        switch (a % 8)
        {
        case 0:
        case 1:
        case 2:
            AppSend(m_p, m_r.U16() % 20000);
            break;
        case 3:
            Shutdown(m_p);
            break;
        case 4:
            if ((m_r.U8() & 7) == 0)
            {
                Abort(m_p);
            }
            break;
        case 5:
            Move(m_p);
            break;
        case 6:
            AppRead(m_p, m_r.U16());
            break;
        default:
            if (!m_toP.empty())
            {
                DeliverToPeer(PopFront(m_toP));
            }
            break;
        }
    }

    void AdvanceTime()
    {
        static const int64_t kSteps[] = {kMs, 20 * kMs, 200 * kMs, kSec, 5 * kSec, 61 * kSec};
        const uint8_t a = m_r.U8();
        const int64_t de = m_e.eng->NextDeadline();
        const int64_t dp = m_p.eng->NextDeadline();
        switch (a % 8)
        {
        case 6:
            if (de >= 0)
            {
                m_now = std::max(m_now, de);
            }
            break;
        case 7:
            if (de >= 0 || dp >= 0)
            {
                const int64_t d = de < 0 ? dp : (dp < 0 ? de : std::min(de, dp));
                m_now = std::max(m_now, d);
            }
            break;
        default:
            m_now += kSteps[a % 8];
            break;
        }
        FireTimers();
    }

    void FireTimers()
    {
        for (Side* s : {&m_e, &m_p})
        {
            const int64_t d = s->eng->NextDeadline();
            if (d >= 0 && d <= m_now)
            {
                Trace(s == &m_e ? "E timer" : "P timer");
                s->eng->OnTimer(m_now);
                if (s->shadow)
                {
                    s->shadow->OnTimer(m_now);
                }
                const int64_t again = s->eng->NextDeadline();
                if (again >= 0 && again <= m_now)
                {
                    Fail(std::string(s->name) + ": a timer is still due after OnTimer(now) (" +
                         std::to_string(again) + "): a driver would spin");
                }
                Step();
            }
        }
    }

    /// Deliver queued segments in order (no loss); optionally advance to timers while a side
    /// still has data or a FIN outstanding; the applications read when readApps is set.
    void Settle(int maxSteps, bool timers, bool readApps)
    {
        for (int i = 0; i < maxSteps; ++i)
        {
            if (!m_toP.empty())
            {
                DeliverToPeer(PopFront(m_toP));
            }
            if (!m_toE.empty())
            {
                DeliverToEngine(PopFront(m_toE));
            }
            if (readApps && m_e.eng->BytesReadable() > 0)
            {
                AppRead(m_e, 65534);
            }
            if (readApps && m_p.eng->BytesReadable() > 0)
            {
                AppRead(m_p, 65534);
            }
            if (!m_toP.empty() || !m_toE.empty())
            {
                continue;
            }
            if (!timers || !(Busy(m_e) || Busy(m_p)))
            {
                return;
            }
            const int64_t de = m_e.eng->NextDeadline();
            const int64_t dp = m_p.eng->NextDeadline();
            if (de < 0 && dp < 0)
            {
                return;
            }
            m_now = std::max(m_now, de < 0 ? dp : (dp < 0 ? de : std::min(de, dp)));
            FireTimers();
        }
    }

    static bool Busy(const Side& s)
    {
        const TcpState st = s.eng->State();
        if (st == TcpState::Closed || st == TcpState::Listen || st == TcpState::TimeWait)
        {
            return false;
        }
        return s.eng->SndUna() != s.eng->SndMax() || s.eng->BytesInSendBuffer() > 0;
    }

    // ------------------------------------------------------------------------- application

    void AppSend(Side& s, uint32_t n)
    {
        if (n == 0)
        {
            return;
        }
        std::vector<uint8_t>& buf = m_buf;
        buf.resize(n);
        const uint32_t first = s.iss + 1 + static_cast<uint32_t>(s.accepted);
        for (uint32_t k = 0; k < n; ++k)
        {
            buf[k] = StreamByte(s.dirOut, first + k);
        }
        const size_t took = s.eng->Send(m_now, buf.data(), n);
        if (s.shadow && s.shadow->Send(m_now, buf.data(), n) != took)
        {
            Fail(std::string(s.name) +
                 ": the moved engine took another byte count than the unmoved");
        }
        if (took > n)
        {
            Fail(std::string(s.name) + ": Send() took more bytes than offered");
        }
        s.accepted += took;
        if (g_trace)
        {
            Trace((std::string(s.name) + " send " + std::to_string(n) + " took " +
                   std::to_string(took))
                      .c_str());
        }
        Step();
    }

    void AppRead(Side& s, size_t max)
    {
        std::vector<uint8_t>& buf = m_buf;
        buf.resize(max);
        const size_t before = s.eng->BytesReadable();
        size_t n = 0;
        if (max % 2 == 1)
        {
            const std::vector<uint8_t> got = s.eng->Read(m_now, max); // the vector API too
            std::copy(got.begin(), got.end(), buf.begin());
            n = got.size();
        }
        else
        {
            n = s.eng->Read(m_now, buf.data(), max);
        }
        if (s.shadow)
        {
            const std::vector<uint8_t> other = s.shadow->Read(m_now, max);
            if (!std::equal(other.begin(), other.end(), buf.begin(), buf.begin() + n) ||
                other.size() != n)
            {
                Fail(std::string(s.name) + ": the moved engine read other bytes than the unmoved");
            }
        }
        if (n != std::min(max, before))
        {
            Fail(std::string(s.name) + ": Read() returned fewer bytes than readable");
        }
        if (n > 0 && !s.sync)
        {
            Fail(std::string(s.name) + ": data readable on a connection never synchronized");
        }
        if (s.checkContent)
        {
            const uint32_t first = s.irs + 1 + static_cast<uint32_t>(s.received);
            for (size_t k = 0; k < n; ++k)
            {
                if (buf[k] != StreamByte(1 - s.dirOut, first + static_cast<uint32_t>(k)))
                {
                    Fail(std::string(s.name) + ": byte read at stream offset " +
                         std::to_string(s.received + k) + " is not the byte the peer sent");
                }
            }
        }
        s.received += n;
        if (g_trace && n > 0)
        {
            Trace((std::string(s.name) + " read " + std::to_string(n)).c_str());
        }
        Step();
    }

    void Shutdown(Side& s)
    {
        Trace(&s == &m_e ? "E shutdown" : "P shutdown");
        s.shutdown = true;
        s.eng->ShutdownSend(m_now);
        if (s.shadow)
        {
            s.shadow->ShutdownSend(m_now);
        }
        Step();
    }

    void Abort(Side& s)
    {
        Trace(&s == &m_e ? "E abort" : "P abort");
        s.aborted = true;
        s.eng->Abort(m_now);
        if (s.shadow)
        {
            s.shadow->Abort(m_now);
        }
        Step();
    }

    void Move(Side& s)
    {
        const TcpState st = s.eng->State();
        if (st == TcpState::Listen || st == TcpState::SynSent || st == TcpState::SynRcvd)
        {
            return; // SPEC §2: no moves mid-handshake
        }
        const TcpDelegatedState d = s.eng->Export(m_now);
        TcpEngine moved = TcpEngine::Import(s.cfg, s.lport, s.rport, d, m_now);
        const TcpDelegatedState again = moved.Export(m_now);
        if (again != d)
        {
            Fail(std::string(s.name) + ": Export(Import(Export())) differs:\n    " + d.ToString() +
                 "\n    " + again.ToString());
        }
        if (!s.shadow)
        {
            s.shadow.emplace(*s.eng); // a copy is an engine that was never moved
        }
        s.eng.emplace(std::move(moved));
        Trace(&s == &m_e ? "E moved" : "P moved");
        Step();
    }

    // ------------------------------------------------------------------------- segments

    static TcpSegment PopFront(std::deque<TcpSegment>& q)
    {
        TcpSegment s = std::move(q.front());
        q.pop_front();
        return s;
    }

    void DeliverToEngine(const TcpSegment& seg)
    {
        Trace("-> E", &seg);
        m_e.eng->OnSegment(m_now, seg);
        if (m_e.shadow)
        {
            m_e.shadow->OnSegment(m_now, seg);
        }
        m_e.rstIn = seg.Has(TcpSegment::RST);
        Step();
        m_e.rstIn = false;
    }

    void DeliverToPeer(const TcpSegment& seg)
    {
        Trace("-> P", &seg);
        m_p.eng->OnSegment(m_now, seg);
        if (m_p.shadow)
        {
            m_p.shadow->OnSegment(m_now, seg);
        }
        m_p.rstIn = seg.Has(TcpSegment::RST);
        Step();
        m_p.rstIn = false;
        if (!m_p.lazyReader && m_p.eng->BytesReadable() > 0)
        {
            AppRead(m_p, m_p.eng->BytesReadable()); // the peer's application always reads
        }
    }

    /// Reference-stream payload bytes (the SYN occupies the first sequence number).
    void FixPayload(TcpSegment& s) const
    {
        if (!m_e.checkContent)
        {
            return;
        }
        const uint32_t first = s.seq + (s.Has(TcpSegment::SYN) ? 1 : 0);
        for (size_t k = 0; k < s.payload.size(); ++k)
        {
            s.payload[k] = StreamByte(0, first + static_cast<uint32_t>(k));
        }
    }

    /// A peer segment (queued, or a fresh pure ACK from the peer) with fields pushed to the
    /// edges of the engine's windows.
    void DeliverMutated()
    {
        const uint8_t how = m_r.U8();
        TcpSegment s;
        if (!m_toE.empty())
        {
            s = (how & 0x80) ? m_toE.front() : PopFront(m_toE);
        }
        else
        {
            s = m_lastPeer;
            s.flags = TcpSegment::ACK;
            s.seq = m_p.eng->SndMax();
            s.ack = m_p.eng->RcvNxt();
            s.payload.clear();
            s.mss.reset();
            s.windowScale.reset();
        }
        const TcpEngine& e = *m_e.eng;
        const uint32_t wnd = m_e.haveEdge ? m_e.lastEdge - e.RcvNxt() : 0;
        const uint32_t mss = m_e.cfg.mss;
        const int count = 1 + ((how >> 5) & 3);
        for (int i = 0; i < count; ++i)
        {
            const uint8_t kind = i == 0 ? how : m_r.U8();
            const uint8_t arg = m_r.U8();
            switch (kind % 9)
            {
            case 0: { // sequence number at the receive window edges
                const uint32_t len = static_cast<uint32_t>(s.payload.size());
                const uint32_t r = e.RcvNxt();
                const uint32_t seqs[] = {r,
                                         r - 1,
                                         r + 1,
                                         r + wnd - 1,
                                         r + wnd,
                                         r + wnd + 1,
                                         r + wnd - len,
                                         r + wnd - len + 1,
                                         r - len,
                                         r - len + 1,
                                         r - wnd,
                                         r + 0x80000000u,
                                         r - mss,
                                         r + mss,
                                         r - 0x40000000u,
                                         r + 0x7fffffffu};
                s.seq = seqs[arg % 16];
                break;
            }
            case 1: { // acknowledgment number at the send window edges
                const uint32_t u = e.SndUna();
                const uint32_t acks[] = {u,
                                         u - 1,
                                         u + 1,
                                         e.SndNxt(),
                                         e.SndMax(),
                                         e.SndMax() + 1,
                                         e.SndMax() - 1,
                                         u - e.SndWnd(),
                                         u - e.SndWnd() - 1,
                                         u + 0x80000000u,
                                         m_e.iss,
                                         m_e.iss + 1,
                                         u + mss,
                                         e.SndNxt() + 1,
                                         u - 0x40000000u,
                                         e.SndMax() + 0x7fffffffu};
                s.ack = acks[arg % 16];
                break;
            }
            case 2:
                s.flags ^= arg;
                break;
            case 3: {
                static const uint8_t kFlags[] = {
                    TcpSegment::SYN,
                    TcpSegment::SYN | TcpSegment::ACK,
                    TcpSegment::RST,
                    TcpSegment::RST | TcpSegment::ACK,
                    TcpSegment::FIN,
                    TcpSegment::FIN | TcpSegment::ACK,
                    TcpSegment::ACK,
                    TcpSegment::PSH | TcpSegment::ACK,
                    TcpSegment::FIN | TcpSegment::PSH | TcpSegment::ACK,
                    TcpSegment::SYN | TcpSegment::FIN,
                    TcpSegment::SYN | TcpSegment::RST,
                    TcpSegment::RST | TcpSegment::FIN,
                    0,
                    TcpSegment::SYN | TcpSegment::FIN | TcpSegment::RST | TcpSegment::ACK,
                    TcpSegment::URG | TcpSegment::ACK,
                    TcpSegment::SYN | TcpSegment::ACK | TcpSegment::FIN,
                };
                s.flags = kFlags[arg % 16];
                break;
            }
            case 4: {
                const uint16_t wins[] = {0, 1, 0xffff, static_cast<uint16_t>(arg * 257)};
                s.window = wins[arg % 4];
                break;
            }
            case 5: { // payload length (contents follow the reference stream when checked)
                const size_t len = (static_cast<size_t>(arg) * 37) % (3 * mss + 2);
                const size_t old = s.payload.size();
                s.payload.resize(len);
                for (size_t k = old; k < len; ++k)
                {
                    s.payload[k] = static_cast<uint8_t>(k * 31 + arg);
                }
                break;
            }
            case 6: // timestamps: PAWS, wrap, absent
                switch (arg % 6)
                {
                case 0:
                    s.hasTimestamp = !s.hasTimestamp;
                    break;
                case 1:
                    s.tsVal -= 1;
                    break;
                case 2:
                    s.tsVal = 0;
                    break;
                case 3:
                    s.tsVal += 0x80000000u;
                    break;
                case 4:
                    s.tsVal += 1000;
                    break;
                default:
                    s.tsEcr = m_r.U32();
                    break;
                }
                break;
            case 7:
                s.seq += static_cast<uint32_t>(static_cast<int8_t>(arg));
                break;
            default: // handshake options
                s.mss = static_cast<uint16_t>(arg * 7);
                s.windowScale = static_cast<uint8_t>(arg % 17);
                break;
            }
        }
        FixPayload(s);
        m_forged = true;
        DeliverToEngine(s);
    }

    /// Raw bytes through the parser, fields optionally anchored to the engine's variables.
    void DeliverRaw()
    {
        const uint8_t anchor = m_r.U8();
        size_t len = 20 + m_r.U8() % 64;
        const uint8_t* bytes = m_r.Take(len);
        TcpSegment s;
        if (!TcpSegment::Parse(bytes, len, s))
        {
            return;
        }
        // codec: parse -> serialize -> parse is the identity on the parsed fields
        const std::vector<uint8_t> wire = s.Serialize();
        TcpSegment again;
        if (!TcpSegment::Parse(wire.data(), wire.size(), again) || !SameSegment(s, again))
        {
            Fail("Parse(Serialize(segment)) differs from the segment: " + s.ToString());
        }
        if (anchor & 1)
        {
            s.seq = m_e.eng->RcvNxt() + static_cast<uint32_t>(static_cast<int16_t>(s.seq));
        }
        if (anchor & 2)
        {
            s.ack = m_e.eng->SndUna() + static_cast<uint32_t>(static_cast<int16_t>(s.ack));
        }
        if ((anchor & 4) && s.hasTimestamp)
        {
            s.tsVal = m_lastPeer.tsVal + static_cast<uint32_t>(static_cast<int16_t>(s.tsVal));
        }
        FixPayload(s);
        m_forged = true;
        DeliverToEngine(s);
    }

    // ------------------------------------------------------------------------- checks

    /// Drain both engines' output, check it and both engines. Called after every step.
    void Step()
    {
        ++m_steps;
        Drain(m_e, m_toP);
        Drain(m_p, m_toE);
        Check(m_e);
        Check(m_p);
    }

    void Observe(Side& s)
    {
        const TcpState st = s.eng->State();
        if (st == TcpState::Listen)
        {
            s.sync = false;
            s.haveEdge = false;
        }
        else if (!s.sync && st != TcpState::Closed && st != TcpState::SynSent)
        {
            const TcpDelegatedState d = s.eng->Export(m_now);
            s.sync = true;
            s.irs = d.irs;
            s.rcvShift = d.rcvWndShift;
            s.lastUna = s.eng->SndUna();
            s.lastRcvNxt = s.eng->RcvNxt();
            s.lastMax = s.eng->SndMax();
        }
    }

    void Drain(Side& s, std::deque<TcpSegment>& wire)
    {
        Observe(s);
        std::vector<TcpSegment> segs = s.eng->TakeSegments();
        if (s.shadow)
        {
            CompareWithShadow(s, segs);
        }
        for (TcpSegment& seg : segs)
        {
            CheckOutgoing(s, seg);
            if (&s == &m_p && !seg.Has(TcpSegment::RST))
            {
                m_lastPeer = seg;
            }
            if (wire.size() >= kMaxQueue)
            {
                wire.pop_front();
            }
            wire.push_back(std::move(seg));
        }
        const std::vector<TcpEvent> events = s.eng->TakeEvents();
        if (s.shadow)
        {
            if (events.size() != s.shadowEvents.size())
            {
                Fail(std::string(s.name) + " (moved) emitted " + std::to_string(events.size()) +
                     " events, the unmoved engine " + std::to_string(s.shadowEvents.size()));
            }
            for (size_t i = 0; i < events.size(); ++i)
            {
                const TcpEvent& a = events[i];
                const TcpEvent& b = s.shadowEvents[i];
                if (a.kind != b.kind || a.bytes != b.bytes || a.newState != b.newState)
                {
                    Fail(std::string(s.name) + " (moved) emitted " + a.ToString() +
                         ", the unmoved engine " + b.ToString());
                }
            }
            s.shadowEvents.clear();
        }
        for (const TcpEvent& ev : events)
        {
            CheckEvent(s, ev);
        }
        if (s.state != s.eng->State())
        {
            Fail(std::string(s.name) + ": StateChanged events end in " + ToString(s.state) +
                 " but the engine is in " + ToString(s.eng->State()));
        }
    }

    /// The whole delegated state of a moved engine equals the never-moved copy's (once per
    /// operation: Export copies the buffers).
    void CompareStateWithShadow(const Side& s)
    {
        if (s.shadow && s.shadow->Export(m_now) != s.eng->Export(m_now))
        {
            Fail(std::string(s.name) + " (moved): state differs from the unmoved engine's:\n    " +
                 s.eng->Export(m_now).ToString() + "\n    " + s.shadow->Export(m_now).ToString());
        }
    }

    /// The moved engine must do exactly what the never-moved copy does.
    void CompareWithShadow(Side& s, const std::vector<TcpSegment>& segs)
    {
        const std::vector<TcpSegment> other = s.shadow->TakeSegments();
        const std::string who = std::string(s.name) + " (moved) ";
        if (other.size() != segs.size())
        {
            Fail(who + "sent " + std::to_string(segs.size()) + " segments, unmoved " +
                 std::to_string(other.size()));
        }
        for (size_t i = 0; i < segs.size(); ++i)
        {
            if (!SameSegment(segs[i], other[i]))
            {
                Fail(who + "sent " + segs[i].ToString() + ", unmoved " + other[i].ToString());
            }
        }
        // Events are compared by kind and count: the moved engine's queue was empty at the
        // move, as was the copy's (both drained by the step before).
        const std::vector<TcpEvent> ea = s.shadow->TakeEvents();
        s.shadowEvents.insert(s.shadowEvents.end(), ea.begin(), ea.end());
    }

    void CheckOutgoing(Side& s, const TcpSegment& seg)
    {
        // Messages are built only on failure: this runs for every segment.
        auto fail = [&s, &seg, this](const std::string& what) {
            Fail(std::string(s.name) + " sent " + seg.ToString() + ": " + what);
        };
        if (seg.srcPort != s.lport || seg.dstPort != s.rport)
        {
            fail("wrong ports");
        }
        if (seg.Has(TcpSegment::RST))
        {
            if (!seg.payload.empty())
            {
                fail("RST with data");
            }
            if (s.rstIn)
            {
                fail("RST sent in reply to a RST (RFC 9293 §3.10.7: never)");
            }
            return;
        }
        if (s.closed > 0 && s.state == TcpState::Closed)
        {
            fail("a CLOSED connection sent something other than a RST");
        }
        if (seg.Has(TcpSegment::SYN))
        {
            if (seg.seq != s.iss || !seg.payload.empty() || seg.Has(TcpSegment::FIN))
            {
                fail("SYN not at the ISS, or with data or FIN");
            }
            return;
        }
        const uint32_t base = s.iss + 1;
        const uint32_t len = static_cast<uint32_t>(seg.payload.size());
        if (len > 0)
        {
            const uint32_t off = seg.seq - base;
            if (static_cast<uint64_t>(off) + len > s.accepted)
            {
                fail("data beyond what the application gave (" + std::to_string(s.accepted) +
                     " bytes)");
            }
            if (len > s.eng->SndMss())
            {
                fail("payload larger than the send MSS");
            }
            // New data stays inside the peer's window (a zero-window probe is one octet).
            const TcpEngine& e = *s.eng;
            if (s.sync && SeqGeq(seg.seq, s.lastMax) &&
                SeqGt(seg.seq + len, e.SndUna() + e.SndWnd()) && !(e.SndWnd() == 0 && len == 1))
            {
                fail("new data beyond the peer's window (SND.UNA " + std::to_string(e.SndUna()) +
                     " + SND.WND " + std::to_string(e.SndWnd()) + ")");
            }
            for (uint32_t k = 0; k < len; ++k)
            {
                if (seg.payload[k] != StreamByte(s.dirOut, seg.seq + k))
                {
                    fail("payload byte " + std::to_string(k) +
                         " is not the application's byte at that sequence number");
                }
            }
        }
        if (seg.Has(TcpSegment::FIN) &&
            (!s.shutdown || seg.seq + len != base + static_cast<uint32_t>(s.accepted)))
        {
            fail("FIN without ShutdownSend() or not after the last byte");
        }
        if (seg.Has(TcpSegment::ACK) && s.sync)
        {
            const uint32_t edge = seg.ack + (static_cast<uint32_t>(seg.window) << s.rcvShift);
            if (s.haveEdge && SeqLt(seg.ack, s.lastAck))
            {
                fail("ACK number moved backwards from " + std::to_string(s.lastAck));
            }
            if (s.haveEdge && SeqLt(edge, s.lastEdge))
            {
                fail("advertised right window edge moved left from " + std::to_string(s.lastEdge) +
                     " to " + std::to_string(edge));
            }
            // Unless segments were forged, only what the other side sent can be acknowledged.
            const TcpEngine& other = *(&s == &m_e ? m_p : m_e).eng;
            if (!m_forged && SeqGt(seg.ack, other.SndMax()))
            {
                fail("acknowledges beyond what the other side sent (" +
                     std::to_string(other.SndMax()) + ")");
            }
            s.haveEdge = true;
            s.lastAck = seg.ack;
            s.lastEdge = edge;
        }
    }

    void CheckEvent(Side& s, const TcpEvent& ev)
    {
        auto fail = [&s, &ev, this](const std::string& what) {
            Fail(std::string(s.name) + " event " + ev.ToString() + ": " + what);
        };
        if (s.closed > 0)
        {
            fail("after Closed");
        }
        switch (ev.kind)
        {
        case TcpEvent::Kind::StateChanged:
            if (ev.oldState != s.state || ev.oldState == ev.newState)
            {
                fail(std::string("but the state was ") + ToString(s.state));
            }
            s.state = ev.newState;
            break;
        case TcpEvent::Kind::DataReadable:
            if (ev.bytes == 0)
            {
                fail("no bytes");
            }
            s.readable += ev.bytes;
            break;
        case TcpEvent::Kind::BytesAcked:
            s.acked += ev.bytes;
            if (ev.bytes == 0 || s.acked > s.accepted)
            {
                fail("more bytes acknowledged than sent");
            }
            break;
        case TcpEvent::Kind::FinAcked:
            if (!s.shutdown || ++s.finAcked > 1)
            {
                fail("without ShutdownSend() or twice");
            }
            break;
        case TcpEvent::Kind::RemoteFin:
            if (++s.remoteFin > 1)
            {
                fail("twice");
            }
            break;
        case TcpEvent::Kind::Established:
            if (++s.established > 1)
            {
                fail("twice");
            }
            break;
        case TcpEvent::Kind::Closed:
            if (++s.closed > 1)
            {
                fail("twice");
            }
            break;
        case TcpEvent::Kind::Reset:
        case TcpEvent::Kind::TimedOut:
            s.failed = true;
            break;
        }
    }

    void Check(Side& s)
    {
        const TcpEngine& e = *s.eng;
        auto fail = [&s, this](const std::string& what) {
            Fail(std::string(s.name) + ": " + what);
        };
        std::string why;
        if (!e.CheckInvariants(&why))
        {
            fail("CheckInvariants: " + why);
        }
        if (s.received + e.BytesReadable() != s.readable)
        {
            fail("bytes read + readable differ from the DataReadable total");
        }
        const TcpState st = e.State();
        if (st != TcpState::Closed && s.acked + e.BytesInSendBuffer() != s.accepted)
        {
            fail("bytes acknowledged + in the send buffer differ from bytes sent");
        }
        if (!s.sync)
        {
            return;
        }
        const uint32_t una = e.SndUna();
        const uint32_t rcvNxt = e.RcvNxt();
        if (!SeqLeq(una, e.SndNxt()) || !SeqLeq(e.SndNxt(), e.SndMax()))
        {
            fail("not SND.UNA <= SND.NXT <= SND.MAX");
        }
        if (SeqLt(una, s.lastUna))
        {
            fail("SND.UNA moved backwards");
        }
        if (SeqLt(rcvNxt, s.lastRcvNxt))
        {
            fail("RCV.NXT moved backwards");
        }
        s.lastUna = una;
        s.lastRcvNxt = rcvNxt;
        s.lastMax = e.SndMax();
        const uint32_t delivered = static_cast<uint32_t>(s.readable);
        if (rcvNxt != s.irs + 1 + delivered + (e.RemoteFinReceived() ? 1 : 0))
        {
            fail("RCV.NXT disagrees with the bytes delivered in order");
        }
        const uint32_t sent = static_cast<uint32_t>(s.accepted);
        if (SeqGt(e.SndMax(), s.iss + 1 + sent + (e.FinRequested() ? 1 : 0)))
        {
            fail("SND.MAX beyond the bytes the application gave");
        }
        if (s.established > 0 &&
            una != s.iss + 1 + static_cast<uint32_t>(s.acked) + (s.finAcked ? 1 : 0))
        {
            fail("SND.UNA disagrees with the bytes acknowledged");
        }
    }

    Reader m_r;
    Side m_e;
    Side m_p;
    std::deque<TcpSegment> m_toE; // P -> E
    std::deque<TcpSegment> m_toP; // E -> P
    TcpSegment m_lastPeer;        // template for fabricated peer segments
    std::vector<uint8_t> m_buf;
    int64_t m_now{0};
    uint64_t m_steps{0};
    bool m_forged{false}; // a mutated or raw segment reached the engine
};

} // namespace

/**
 * \brief libFuzzer start-up hook: reads CHIMNEY_FUZZ_TRACE.
 * \param argc unused \param argv unused
 * \returns 0
 */
extern "C" int
LLVMFuzzerInitialize(int* argc, char*** argv)
{
    (void)argc;
    (void)argv;
    const char* t = std::getenv("CHIMNEY_FUZZ_TRACE");
    g_trace = t != nullptr && *t != '\0' && *t != '0';
    return 0;
}

/**
 * \brief libFuzzer entry point: one connection per input.
 * \param data input \param size bytes
 * \returns 0 (failures abort)
 */
extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    Fuzzer f(data, size);
    f.Run();
    return 0;
}
