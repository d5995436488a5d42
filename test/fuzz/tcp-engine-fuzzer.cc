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

#include "tcp-engine-fuzzer.h"

namespace engine_fuzz
{

bool g_trace = false;

void
Fuzzer::Run()
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

void
Fuzzer::Setup()
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

void
Fuzzer::Open(bool engineActive, uint32_t engineBytes, uint32_t peerBytes)
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

void
Fuzzer::Close(TcpState target)
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

void
Fuzzer::Op()
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

void
Fuzzer::Link()
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

void
Fuzzer::PeerOp()
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

void
Fuzzer::AdvanceTime()
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

void
Fuzzer::FireTimers()
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

void
Fuzzer::Settle(int maxSteps, bool timers, bool readApps)
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

} // namespace engine_fuzz

using engine_fuzz::Fuzzer;
using engine_fuzz::g_trace;

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
