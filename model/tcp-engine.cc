/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * SEGMENT ARRIVES: where each (state x segment kind) transition lives (RFC 9293 §3.10.7).
 *
 *  state        | RST                  | SYN                    | ACK                 | FIN
 *  -------------+----------------------+------------------------+---------------------+----------
 *  CLOSED       | drop                 | RST (SegmentInClosed)  | RST                 | RST
 *  LISTEN       | drop                 | -> SYN_RCVD, SYN,ACK   | RST <SEQ=SEG.ACK>   | drop
 *  SYN_SENT     | acceptable ACK: CLOSED | SYN,ACK -> ESTABLISHED; SYN -> SYN_RCVD (simultaneous
 *               |                      | open); bad ACK -> RST (SegmentInSynSent)                 |
 *  SYN_RCVD     | exact: LISTEN(passive)/CLOSED | its SYN again: SYN,ACK; SYN,ACK: completes;  |
 *               | in window: challenge ACK | other SYN: challenge ACK | acks SYN -> ESTABLISHED  |
 *  ESTABLISHED  | exact: CLOSED+Reset; | challenge ACK          | ProcessAck          | ->
 * CLOSE_WAIT FIN_WAIT_1   | in window: challenge | (RFC 5961 §4)          | FIN acked -> FW2    |
 * -> CLOSING FIN_WAIT_2   | ACK (RFC 5961 §3.2); |                        |                     |
 * -> TIME_WAIT CLOSE_WAIT   | outside: drop        |                        |                     |
 * stay CLOSING      |                      |                        | FIN acked -> TW     | stay
 *  LAST_ACK     |                      |                        | FIN acked -> CLOSED | stay
 *  TIME_WAIT    |                      |                        | -                   | re-ACK,
 *               |                      |                        |                     | restart
 * 2MSL
 *
 * Synchronized states go through SegmentInSynchronized(), whose steps follow RFC 9293 §3.10.7.4:
 * first sequence check (+ RFC 7323 PAWS), second RST, fourth SYN, fifth ACK (ProcessAck: the
 * state changes on "our FIN is acknowledged"), seventh text and eighth FIN (ProcessText,
 * ProcessFin: the state changes on the peer's FIN). Timers: OnTimer().
 */

#include "tcp-engine.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace ns3
{

namespace
{

constexpr uint32_t kDefaultPeerMss = 536; // RFC 9293 §3.7.1 MUST-15: default SendMSS (IPv4)
constexpr uint32_t kTsOptionBytes = 12;   // NOP NOP TS(10)
constexpr uint8_t kMaxWindowShift = 14;   // RFC 7323 §2.3
constexpr int64_t kPawsIdleNs = 24LL * 24 * 3600 * 1000000000LL; // RFC 7323 §5.5: 24 days
constexpr uint32_t kMaxCwnd = 0x3fffffff;

bool
IsSynchronized(TcpState s)
{
    return s != TcpState::Closed && s != TcpState::Listen && s != TcpState::SynSent;
}

/// States in which the send half may still transmit data or a FIN.
bool
CanSend(TcpState s)
{
    return s == TcpState::Established || s == TcpState::FinWait1 || s == TcpState::CloseWait ||
           s == TcpState::Closing || s == TcpState::LastAck;
}

/// States in which the peer may still send us data (before its FIN).
bool
CanReceive(TcpState s)
{
    return s == TcpState::Established || s == TcpState::FinWait1 || s == TcpState::FinWait2;
}

int64_t
Remaining(int64_t deadline, int64_t now)
{
    if (deadline < 0)
    {
        return -1;
    }
    return deadline > now ? deadline - now : 0;
}

int64_t
Deadline(int64_t remaining, int64_t now)
{
    return remaining < 0 ? -1 : now + remaining;
}

} // namespace

std::string
TcpEvent::ToString() const
{
    std::ostringstream os;
    switch (kind)
    {
    case Kind::Established:
        os << "Established";
        break;
    case Kind::DataReadable:
        os << "DataReadable(" << bytes << ")";
        break;
    case Kind::BytesAcked:
        os << "BytesAcked(" << bytes << ")";
        break;
    case Kind::FinAcked:
        os << "FinAcked";
        break;
    case Kind::RemoteFin:
        os << "RemoteFin";
        break;
    case Kind::Reset:
        os << "Reset";
        break;
    case Kind::TimedOut:
        os << "TimedOut";
        break;
    case Kind::StateChanged:
        os << "StateChanged(" << ns3::ToString(oldState) << "->" << ns3::ToString(newState) << ")";
        break;
    case Kind::Closed:
        os << "Closed";
        break;
    }
    return os.str();
}

TcpEngine::TcpEngine(const TcpEngineConfig& config,
                     uint16_t localPort,
                     uint16_t remotePort,
                     uint32_t iss)
    : m_cfg(config),
      m_localPort(localPort),
      m_remotePort(remotePort),
      m_sndMss(std::max<uint16_t>(config.mss, 1)),
      m_iss(iss),
      m_sndUna(iss),
      m_sndNxt(iss),
      m_sndMax(iss),
      m_sndDataSeq(iss + 1),
      m_cwnd(0),
      m_recover(iss),
      m_rto(config.rtoInitialNs)
{
    if (m_cfg.mss == 0)
    {
        m_cfg.mss = 1;
    }
    m_cwnd = InitialCwnd();
}

// ---------------------------------------------------------------------------------------------
// User calls (RFC 9293 §3.10.1 - §3.10.5)
// ---------------------------------------------------------------------------------------------

void
TcpEngine::Connect(int64_t now)
{
    if (m_state != TcpState::Closed)
    {
        return;
    }
    m_passiveOpen = false;
    SetState(TcpState::SynSent);
    SendSyn(now, false);
    m_sndNxt = m_sndMax = m_iss + 1;
    m_rttTiming = true; // RFC 6298 §2: the SYN may give the first sample (Karn permitting)
    m_rttSeq = m_iss + 1;
    m_rttStart = now;
    m_rtxDeadline = now + m_rto;
}

void
TcpEngine::Listen()
{
    if (m_state == TcpState::Closed)
    {
        m_passiveOpen = true;
        SetState(TcpState::Listen);
    }
}

size_t
TcpEngine::SendBufferSpace() const
{
    if (m_finRequested)
    {
        return 0;
    }
    switch (m_state)
    {
    case TcpState::SynSent:
    case TcpState::SynRcvd:
    case TcpState::Established:
    case TcpState::CloseWait:
        break;
    default:
        return 0;
    }
    const size_t used = BytesInSendBuffer();
    return used < m_cfg.sndBufSize ? m_cfg.sndBufSize - used : 0;
}

size_t
TcpEngine::Send(int64_t now, const uint8_t* data, size_t len)
{
    const size_t n = std::min(len, SendBufferSpace());
    if (n == 0 || data == nullptr)
    {
        return 0;
    }
    m_sndBuf.insert(m_sndBuf.end(), data, data + n);
    if (CanSend(m_state))
    {
        Output(now);
    }
    return n;
}

void
TcpEngine::ShutdownSend(int64_t now)
{
    // RFC 9293 §3.10.4 CLOSE: queue the FIN behind all data; the receive half stays open.
    switch (m_state)
    {
    case TcpState::Listen:
        EnterClosed();
        return;
    case TcpState::SynSent:
    case TcpState::SynRcvd:
        // Queued until ESTABLISHED is reached, then FIN-WAIT-1.
        if (!m_finRequested)
        {
            m_finRequested = true;
            m_finSeq = DataEnd();
        }
        return;
    case TcpState::Established:
    case TcpState::CloseWait:
        m_finRequested = true;
        m_finSeq = DataEnd();
        SetState(m_state == TcpState::Established ? TcpState::FinWait1 : TcpState::LastAck);
        Output(now);
        return;
    default:
        return; // "error: connection closing"
    }
}

void
TcpEngine::Abort(int64_t now)
{
    // RFC 9293 §3.10.5 ABORT
    switch (m_state)
    {
    case TcpState::SynRcvd:
    case TcpState::Established:
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::CloseWait: {
        // <SEQ=SND.NXT><CTL=RST>. SND.NXT in the RFC sense is the next new sequence number,
        // i.e. SndMax here (SndNxt is the go-back-N point after a timeout).
        m_out.emplace_back();
        TcpSegment& s = m_out.back();
        s.srcPort = m_localPort;
        s.dstPort = m_remotePort;
        s.seq = m_sndMax;
        s.flags = TcpSegment::RST;
        if (m_tsEnabled)
        {
            // RFC 7323 §3.2: once negotiated, timestamps on every segment (ns-3 drops others).
            s.hasTimestamp = true;
            s.tsVal = TsClock(now);
            s.tsEcr = m_tsRecent;
        }
        break;
    }
    default:
        break;
    }
    if (m_state != TcpState::Closed)
    {
        EnterClosed();
    }
}

size_t
TcpEngine::Read(int64_t now, uint8_t* buf, size_t max)
{
    const size_t n = std::min(max, BytesReadable());
    if (n == 0 || buf == nullptr)
    {
        return 0;
    }
    std::memcpy(buf, m_rcvBuf.data() + m_rcvHead, n);
    m_rcvHead += n;
    if (m_rcvHead == m_rcvBuf.size())
    {
        m_rcvBuf.clear();
        m_rcvHead = 0;
    }
    else if (m_rcvHead >= 65536 && m_rcvHead * 2 >= m_rcvBuf.size())
    {
        m_rcvBuf.erase(m_rcvBuf.begin(), m_rcvBuf.begin() + static_cast<ptrdiff_t>(m_rcvHead));
        m_rcvHead = 0;
    }
    // RFC 9293 §3.8.6.2.2: announce the reopened window once it grew by min(RCV.BUFF/2, MSS).
    if (CanReceive(m_state) && !m_remoteFin)
    {
        const size_t readable = BytesReadable();
        const uint32_t free =
            readable < m_cfg.rcvBufSize ? m_cfg.rcvBufSize - static_cast<uint32_t>(readable) : 0;
        const uint32_t cur = RcvWnd();
        const uint32_t threshold = std::min<uint32_t>(m_cfg.rcvBufSize / 2, m_cfg.mss);
        if (free > cur && free - cur >= threshold)
        {
            SendAck(now);
        }
    }
    return n;
}

std::vector<uint8_t>
TcpEngine::Read(int64_t now, size_t max)
{
    std::vector<uint8_t> out(std::min(max, BytesReadable()));
    out.resize(Read(now, out.data(), out.size()));
    return out;
}

std::vector<TcpSegment>
TcpEngine::TakeSegments()
{
    std::vector<TcpSegment> out;
    out.swap(m_out);
    return out;
}

std::vector<TcpEvent>
TcpEngine::TakeEvents()
{
    std::vector<TcpEvent> out;
    out.swap(m_events);
    return out;
}

// ---------------------------------------------------------------------------------------------
// SEGMENT ARRIVES (RFC 9293 §3.10.7)
// ---------------------------------------------------------------------------------------------

void
TcpEngine::OnSegment(int64_t now, const TcpSegment& seg)
{
    switch (m_state)
    {
    case TcpState::Closed:
        SegmentInClosed(now, seg);
        break;
    case TcpState::Listen:
        SegmentInListen(now, seg);
        break;
    case TcpState::SynSent:
        SegmentInSynSent(now, seg);
        break;
    default:
        SegmentInSynchronized(now, seg);
        break;
    }
}

void
TcpEngine::SegmentInClosed(int64_t now, const TcpSegment& seg)
{
    // RFC 9293 §3.10.7.1: an incoming RST is discarded; anything else elicits a RST.
    if (!seg.Has(TcpSegment::RST))
    {
        SendRstFor(now, seg);
    }
}

void
TcpEngine::SegmentInListen(int64_t now, const TcpSegment& seg)
{
    // RFC 9293 §3.10.7.2
    if (seg.Has(TcpSegment::RST))
    {
        return; // first: ignore RST
    }
    if (seg.Has(TcpSegment::ACK))
    {
        SendRstFor(now, seg); // second: <SEQ=SEG.ACK><CTL=RST>
        return;
    }
    if (seg.Has(TcpSegment::SYN))
    {
        AcceptSyn(now, seg); // third
    }
    // fourth: other text or control: drop
}

void
TcpEngine::AcceptSyn(int64_t now, const TcpSegment& seg)
{
    // RFC 9293 §3.10.7.2 third. Text on the SYN is not kept: it is not acknowledged and the peer
    // sends it again.
    m_irs = seg.seq;
    m_rcvNxt = seg.seq + 1;
    NegotiateOptions(now, seg);
    m_sndWnd = seg.window; // RFC 7323 §2.2: the window of a SYN is never scaled
    m_maxSndWnd = m_sndWnd;
    m_sndWl1 = seg.seq;
    m_sndWl2 = m_iss;
    SetState(TcpState::SynRcvd);
    SendSyn(now, true);
    m_sndNxt = m_sndMax = m_iss + 1;
    m_rttTiming = true;
    m_rttSeq = m_iss + 1;
    m_rttStart = now;
    m_rtxDeadline = now + m_rto;
}

void
TcpEngine::SegmentInSynSent(int64_t now, const TcpSegment& seg)
{
    // RFC 9293 §3.10.7.3
    bool ackAcceptable = false;
    if (seg.Has(TcpSegment::ACK)) // first: check the ACK bit
    {
        if (SeqLeq(seg.ack, m_iss) || SeqGt(seg.ack, m_sndMax))
        {
            if (!seg.Has(TcpSegment::RST))
            {
                SendRstFor(now, seg);
            }
            return;
        }
        ackAcceptable = true;
    }
    if (seg.Has(TcpSegment::RST)) // second: RST (RFC 5961 §3.2: only with an acceptable ACK)
    {
        if (ackAcceptable)
        {
            Emit(TcpEvent::Kind::Reset);
            EnterClosed();
        }
        return;
    }
    if (!seg.Has(TcpSegment::SYN)) // fourth: neither SYN nor RST: drop
    {
        return;
    }
    m_irs = seg.seq;
    m_rcvNxt = seg.seq + 1;
    NegotiateOptions(now, seg);
    m_sndWnd = seg.window; // unscaled in a SYN
    m_maxSndWnd = std::max(m_maxSndWnd, m_sndWnd);
    m_sndWl1 = seg.seq;
    m_sndWl2 = seg.ack;
    if (ackAcceptable)
    {
        // SYN,ACK: our SYN is acknowledged -> ESTABLISHED, <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
        const size_t readable = BytesReadable();
        const uint32_t free =
            readable < m_cfg.rcvBufSize ? m_cfg.rcvBufSize - static_cast<uint32_t>(readable) : 0;
        m_rcvAdvEdge = m_rcvNxt + std::min<uint32_t>(free, 65535); // what our SYN offered
        if (m_rtxCount > 0)
        {
            m_cwnd = m_sndMss; // RFC 5681 §3.1: SYN was lost -> initial window of one segment
        }
        OnNewAck(now, seg.ack);
        SetState(TcpState::Established);
        if (m_finRequested)
        {
            SetState(TcpState::FinWait1);
        }
        m_ackNow = true;
        RestartIdleTimers(now);
        if (!seg.payload.empty() || seg.Has(TcpSegment::FIN))
        {
            ProcessText(now, seg, seg.seq + 1);
        }
        Output(now);
        return;
    }
    // Simultaneous open (RFC 9293 §3.5 figure 8): SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><SYN,ACK>
    m_passiveOpen = false;
    SetState(TcpState::SynRcvd);
    SendSyn(now, true);
}

bool
TcpEngine::IsAcceptable(const TcpSegment& seg) const
{
    // RFC 9293 §3.10.7.4 first, the four cases. A FIN needs no buffer space, so it is not
    // counted in the length (a FIN at the window edge is accepted). The right edge is
    // inclusive for zero-length segments (liberal, as Linux does).
    const uint32_t len =
        static_cast<uint32_t>(seg.payload.size()) + (seg.Has(TcpSegment::SYN) ? 1 : 0);
    const uint32_t wnd = RcvWnd();
    if (seg.Has(TcpSegment::FIN) && len > 0 && wnd > 0 && SeqLeq(m_rcvNxt, seg.seq + len) &&
        SeqLeq(seg.seq + len, m_rcvNxt + wnd))
    {
        // Old data with the FIN at RCV.NXT (a retransmitted last segment): the FIN is new.
        return true;
    }
    if (len == 0)
    {
        if (wnd == 0)
        {
            return seg.seq == m_rcvNxt;
        }
        return SeqLeq(m_rcvNxt, seg.seq) && SeqLeq(seg.seq, m_rcvNxt + wnd);
    }
    if (wnd == 0)
    {
        return false;
    }
    const uint32_t last = seg.seq + len - 1;
    const bool startIn = SeqLeq(m_rcvNxt, seg.seq) && SeqLt(seg.seq, m_rcvNxt + wnd);
    const bool endIn = SeqLeq(m_rcvNxt, last) && SeqLt(last, m_rcvNxt + wnd);
    return startIn || endIn;
}

void
TcpEngine::SegmentInSynchronized(int64_t now, const TcpSegment& seg)
{
    // RFC 9293 §3.10.7.4: SYN-RECEIVED, ESTABLISHED, FIN-WAIT-1/2, CLOSE-WAIT, CLOSING,
    // LAST-ACK, TIME-WAIT.
    const TcpSegment* s = &seg;
    TcpSegment stripped;
    if (m_state == TcpState::SynRcvd && seg.Has(TcpSegment::SYN) && !seg.Has(TcpSegment::RST) &&
        seg.seq == m_irs)
    {
        if (seg.Has(TcpSegment::ACK) && seg.ack == m_iss + 1)
        {
            // Simultaneous open: the peer's SYN,ACK acknowledges our SYN; its SYN is known.
            stripped = seg;
            stripped.flags &= static_cast<uint8_t>(~TcpSegment::SYN);
            stripped.seq += 1;
            s = &stripped;
        }
        else
        {
            SendSyn(now, true); // the peer's SYN again: our SYN,ACK was lost
            return;
        }
    }

    // first: check sequence number; RFC 7323 §5.3 R1 (PAWS) before it.
    if (m_tsEnabled && s->hasTimestamp && !s->Has(TcpSegment::RST) && SeqLt(s->tsVal, m_tsRecent) &&
        now - m_tsRecentTime < kPawsIdleNs)
    {
        SendAck(now);
        return;
    }
    bool ackOnly = false; // process only the ACK field (no text, no FIN)
    if (!IsAcceptable(*s))
    {
        if (s->Has(TcpSegment::RST))
        {
            return; // RFC 5961 §3.2: RST outside the window: silently drop
        }
        const bool pureAck = s->payload.empty() && s->Has(TcpSegment::ACK) &&
                             !s->Has(TcpSegment::SYN) && !s->Has(TcpSegment::FIN);
        if (pureAck && SeqLt(s->seq, m_rcvNxt) && m_rcvNxt - s->seq <= m_cfg.rcvBufSize + 65535u)
        {
            // An ACK whose sequence number lags RCV.NXT (a peer that sends pure ACKs from its
            // retransmission point, as ns-3 does after a timeout): its ACK field is still valid.
            ackOnly = true;
        }
        else if (RcvWnd() == 0 && s->seq == m_rcvNxt && s->Has(TcpSegment::ACK))
        {
            // "special allowance should be made to accept valid ACKs" when RCV.WND is zero
            ackOnly = true;
            m_ackNow = true;
        }
        else
        {
            if (m_state == TcpState::TimeWait && s->Has(TcpSegment::FIN))
            {
                m_timeWaitDeadline = now + m_cfg.timeWaitNs; // retransmitted FIN: restart 2MSL
            }
            SendAck(now); // <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>
            return;
        }
    }
    // RFC 7323 §4.3 (2): update TS.Recent
    if (m_tsEnabled && s->hasTimestamp && SeqGeq(s->tsVal, m_tsRecent) &&
        SeqLeq(s->seq, m_lastAckSent))
    {
        m_tsRecent = s->tsVal;
        m_tsRecentTime = now;
    }
    RestartIdleTimers(now);

    // second: RST (RFC 5961 §3.2)
    if (s->Has(TcpSegment::RST))
    {
        if (s->seq != m_rcvNxt)
        {
            SendAck(now); // in window but not exact: challenge ACK
            return;
        }
        if (m_state == TcpState::SynRcvd && m_passiveOpen)
        {
            ReturnToListen();
            return;
        }
        Emit(TcpEvent::Kind::Reset);
        EnterClosed();
        return;
    }

    // fourth: SYN in a synchronized state (RFC 5961 §4): challenge ACK, drop
    if (s->Has(TcpSegment::SYN))
    {
        SendAck(now);
        return;
    }

    // fifth: ACK
    if (!s->Has(TcpSegment::ACK))
    {
        return;
    }
    if (!ProcessAck(now, *s))
    {
        return;
    }

    // sixth (URG) is not supported: the urgent pointer is ignored, the data delivered inline.
    // seventh and eighth: text and FIN
    if (!ackOnly)
    {
        ProcessText(now, *s, s->seq);
    }
    Output(now);
}

bool
TcpEngine::ProcessAck(int64_t now, const TcpSegment& seg)
{
    const uint32_t ack = seg.ack;
    if (m_state == TcpState::SynRcvd)
    {
        // RFC 9293 §3.10.7.4 fifth, SYN-RECEIVED
        if (!(SeqLt(m_sndUna, ack) && SeqLeq(ack, m_sndMax)))
        {
            SendRstFor(now, seg); // <SEQ=SEG.ACK><CTL=RST>
            return false;
        }
        m_sndWnd = static_cast<uint32_t>(seg.window) << m_sndWndShift;
        m_maxSndWnd = std::max(m_maxSndWnd, m_sndWnd);
        m_sndWl1 = seg.seq;
        m_sndWl2 = ack;
        if (m_rtxCount > 0)
        {
            m_cwnd = m_sndMss; // RFC 5681 §3.1: SYN,ACK was lost
        }
        SetState(TcpState::Established);
        if (m_finRequested)
        {
            SetState(TcpState::FinWait1);
        }
    }

    // ESTABLISHED and later
    if (SeqGt(ack, m_sndMax))
    {
        SendAck(now); // acks something not yet sent
        return false;
    }
    if (SeqLt(ack, m_sndUna - m_maxSndWnd))
    {
        SendAck(now); // RFC 5961 §5.2: too old to be acceptable
        return false;
    }
    m_probeCount = 0; // an acceptable ACK answers our zero-window probes
    const uint32_t segWnd = static_cast<uint32_t>(seg.window) << m_sndWndShift;
    // RFC 5681 §2 duplicate ACK: outstanding data, no text, no SYN/FIN, ACK == SND.UNA, same
    // window (and not zero: those are answers to window probes).
    const bool duplicate = ack == m_sndUna && m_sndMax != m_sndUna && seg.payload.empty() &&
                           !seg.Has(TcpSegment::SYN) && !seg.Has(TcpSegment::FIN) &&
                           segWnd == m_sndWnd && segWnd != 0;
    // RFC 9293 §3.10.7.4 fifth: send window update
    if (SeqLeq(m_sndUna, ack) &&
        (SeqLt(m_sndWl1, seg.seq) || (m_sndWl1 == seg.seq && SeqLeq(m_sndWl2, ack))))
    {
        m_sndWnd = segWnd;
        m_sndWl1 = seg.seq;
        m_sndWl2 = ack;
        m_maxSndWnd = std::max(m_maxSndWnd, m_sndWnd);
    }
    if (SeqGt(ack, m_sndUna))
    {
        OnNewAck(now, ack);
    }
    else if (duplicate)
    {
        OnDuplicateAck(now);
    }

    if (FinAcked())
    {
        switch (m_state)
        {
        case TcpState::FinWait1:
            SetState(TcpState::FinWait2);
            RestartIdleTimers(now);
            break;
        case TcpState::Closing:
            EnterTimeWait(now);
            break;
        case TcpState::LastAck:
            EnterClosed();
            return false;
        default:
            break;
        }
    }
    return true;
}

void
TcpEngine::OnNewAck(int64_t now, uint32_t ack)
{
    const uint32_t oldUna = m_sndUna;
    const bool finNewlyAcked = m_finRequested && SeqLeq(oldUna, m_finSeq) && SeqGt(ack, m_finSeq);
    uint32_t dataAcked = 0;
    if (SeqGt(ack, m_sndDataSeq))
    {
        dataAcked =
            std::min<uint32_t>(ack - m_sndDataSeq, static_cast<uint32_t>(BytesInSendBuffer()));
        m_sndHead += dataAcked;
        m_sndDataSeq += dataAcked;
        CompactSendBuffer();
    }
    m_sndUna = ack;
    if (SeqLt(m_sndNxt, ack))
    {
        m_sndNxt = ack;
    }
    // RFC 6298 §3 / Karn: a sample only from a segment that was not retransmitted
    if (m_rttTiming && SeqGeq(ack, m_rttSeq))
    {
        m_rttTiming = false;
        RttSample(now - m_rttStart);
    }
    m_rtxCount = 0;
    m_rtxDeadline = -1; // RFC 6298 §5.3: restarted by UpdateSendTimers() if data is outstanding

    // Congestion control (RFC 5681 §3.1, RFC 6582 §3.2)
    const uint32_t acked = dataAcked + (finNewlyAcked ? 1 : 0);
    if (m_inRecovery)
    {
        if (SeqGeq(ack, m_recover))
        {
            // full acknowledgment: step 3, option (1)
            m_cwnd = std::min(m_ssthresh, std::max<uint32_t>(Flight(), m_sndMss) + m_sndMss);
            m_inRecovery = false;
        }
        else
        {
            // partial acknowledgment: retransmit the first unacknowledged segment, deflate
            RetransmitFirst(now);
            m_cwnd = m_cwnd > acked ? m_cwnd - acked : 0;
            if (acked >= m_sndMss)
            {
                m_cwnd += m_sndMss;
            }
            m_cwnd = std::max<uint32_t>(m_cwnd, m_sndMss);
        }
    }
    else if (acked > 0)
    {
        if (m_cwnd < m_ssthresh)
        {
            m_cwnd +=
                std::min<uint32_t>(acked, m_sndMss); // slow start (RFC 5681 eq. 2, L = 1 SMSS)
        }
        else
        {
            // congestion avoidance (RFC 5681 eq. 3)
            m_cwnd += std::max<uint32_t>(
                1,
                static_cast<uint32_t>(static_cast<uint64_t>(m_sndMss) * m_sndMss / m_cwnd));
        }
        m_cwnd = std::min(m_cwnd, kMaxCwnd);
    }
    m_dupAcks = 0;
    if (dataAcked > 0)
    {
        Emit(TcpEvent::Kind::BytesAcked, dataAcked);
    }
    if (finNewlyAcked)
    {
        Emit(TcpEvent::Kind::FinAcked);
    }
}

void
TcpEngine::OnDuplicateAck(int64_t now)
{
    ++m_dupAcks;
    if (m_inRecovery)
    {
        m_cwnd = std::min(m_cwnd + m_sndMss, kMaxCwnd); // RFC 6582 §3.2 step 4: inflate
        return;
    }
    // RFC 6582 §3.2 step 2: fast retransmit only if the ACK covers more than "recover"
    if (m_dupAcks == m_cfg.dupAckThreshold && SeqGeq(m_sndUna, m_recover))
    {
        m_ssthresh = std::max<uint32_t>(Flight() / 2, 2u * m_sndMss); // RFC 5681 eq. 4
        m_recover = m_sndMax;
        m_inRecovery = true;
        RetransmitFirst(now);
        m_cwnd = std::min(m_ssthresh + 3 * m_sndMss, kMaxCwnd);
    }
}

void
TcpEngine::ProcessText(int64_t now, const TcpSegment& seg, uint32_t seq)
{
    // RFC 9293 §3.10.7.4 seventh (text) and eighth (FIN)
    if (!CanReceive(m_state))
    {
        // CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: the peer's FIN was seen; ignore text.
        if (seg.Has(TcpSegment::FIN) && m_state == TcpState::TimeWait)
        {
            m_timeWaitDeadline = now + m_cfg.timeWaitNs; // restart the 2 MSL timeout
            m_ackNow = true;
        }
        return;
    }
    const uint8_t* p = seg.payload.data();
    uint32_t len = static_cast<uint32_t>(seg.payload.size());
    const bool hadText = len > 0;
    bool fin = seg.Has(TcpSegment::FIN);
    const uint32_t finSeq = seq + len;

    // trim what precedes RCV.NXT
    if (SeqLt(seq, m_rcvNxt))
    {
        const uint32_t d = m_rcvNxt - seq;
        if (d >= len)
        {
            len = 0;
        }
        else
        {
            p += d;
            len -= d;
        }
        seq = m_rcvNxt;
        if (fin && SeqLt(finSeq, m_rcvNxt))
        {
            fin = false; // an old FIN (cannot happen before our RemoteFin; defensive)
        }
    }
    // trim to the window, and to a FIN already seen beyond a hole
    uint32_t edge = SeqMax(m_rcvAdvEdge, m_rcvNxt);
    if (m_remoteFinPending)
    {
        edge = SeqMin(edge, m_remoteFinSeq);
        if (fin && finSeq != m_remoteFinSeq)
        {
            fin = false; // a second, different FIN: keep the first
        }
    }
    if (len > 0 && SeqGt(seq + len, edge))
    {
        len = SeqGt(edge, seq) ? edge - seq : 0;
        fin = false;
    }

    if (len > 0)
    {
        if (seq == m_rcvNxt)
        {
            const bool fillsHole = !m_ooo.empty();
            m_rcvBuf.insert(m_rcvBuf.end(), p, p + len);
            m_rcvNxt += len;
            uint64_t delivered = len;
            size_t i = 0;
            for (; i < m_ooo.size() && SeqLeq(m_ooo[i].seq, m_rcvNxt); ++i)
            {
                const TcpOutOfOrderSegment& o = m_ooo[i];
                const uint32_t oend = o.seq + static_cast<uint32_t>(o.data.size());
                if (SeqGt(oend, m_rcvNxt))
                {
                    const uint32_t off = m_rcvNxt - o.seq;
                    m_rcvBuf.insert(m_rcvBuf.end(), o.data.begin() + off, o.data.end());
                    delivered += oend - m_rcvNxt;
                    m_rcvNxt = oend;
                }
            }
            m_ooo.erase(m_ooo.begin(), m_ooo.begin() + static_cast<ptrdiff_t>(i));
            Emit(TcpEvent::Kind::DataReadable, delivered);
            if (fillsHole)
            {
                m_ackNow = true; // RFC 5681 §4.2: immediate ACK for a segment filling a hole
            }
            else
            {
                // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: delayed ACK, at least every 2nd segment
                ++m_delAckSegs;
                if (m_delAckSegs >= m_cfg.delayedAckCount || m_cfg.delayedAckTimeoutNs <= 0)
                {
                    m_ackNow = true;
                }
                else
                {
                    m_ackPending = true;
                    if (m_delAckDeadline < 0)
                    {
                        m_delAckDeadline = now + m_cfg.delayedAckTimeoutNs;
                    }
                }
            }
        }
        else
        {
            InsertOutOfOrder(seq, p, len);
            m_ackNow = true; // RFC 5681 §4.2: out-of-order segment -> immediate duplicate ACK
        }
    }
    else if (hadText)
    {
        m_ackNow = true; // duplicate or out-of-window text: re-ACK
    }

    if (fin)
    {
        if (finSeq == m_rcvNxt)
        {
            ProcessFin(now);
        }
        else if (SeqGt(finSeq, m_rcvNxt))
        {
            m_remoteFinPending = true; // FIN beyond a hole: accepted once the hole is filled
            m_remoteFinSeq = finSeq;
            m_ackNow = true;
            // The stream ends at the FIN: drop what a misbehaving peer already sent beyond it,
            // as text arriving after it is trimmed to it (m_ooo is sorted and disjoint).
            while (!m_ooo.empty() && SeqGeq(m_ooo.back().seq, finSeq))
            {
                m_ooo.pop_back();
            }
            if (!m_ooo.empty() &&
                SeqGt(m_ooo.back().seq + static_cast<uint32_t>(m_ooo.back().data.size()), finSeq))
            {
                m_ooo.back().data.resize(finSeq - m_ooo.back().seq);
            }
        }
    }
    if (m_remoteFinPending && !m_remoteFin && m_remoteFinSeq == m_rcvNxt)
    {
        ProcessFin(now);
    }
}

void
TcpEngine::ProcessFin(int64_t now)
{
    // RFC 9293 §3.10.7.4 eighth: advance RCV.NXT over the FIN, ACK it, signal the user.
    m_rcvNxt += 1;
    m_remoteFin = true;
    m_remoteFinPending = false;
    m_ooo.clear();
    m_ackNow = true;
    Emit(TcpEvent::Kind::RemoteFin);
    switch (m_state)
    {
    case TcpState::SynRcvd:
    case TcpState::Established:
        SetState(TcpState::CloseWait);
        break;
    case TcpState::FinWait1:
        if (FinAcked())
        {
            EnterTimeWait(now);
        }
        else
        {
            SetState(TcpState::Closing); // simultaneous close
        }
        break;
    case TcpState::FinWait2:
        EnterTimeWait(now);
        break;
    default:
        break; // CLOSE-WAIT, CLOSING, LAST-ACK: remain
    }
}

void
TcpEngine::InsertOutOfOrder(uint32_t seq, const uint8_t* data, uint32_t len)
{
    // Keep m_ooo sorted and disjoint: store only the bytes not held yet.
    const uint32_t end = seq + len;
    uint32_t cur = seq;
    size_t i = 0;
    while (SeqLt(cur, end))
    {
        while (i < m_ooo.size() &&
               SeqLeq(m_ooo[i].seq + static_cast<uint32_t>(m_ooo[i].data.size()), cur))
        {
            ++i;
        }
        uint32_t pieceEnd = end;
        if (i < m_ooo.size())
        {
            const uint32_t os = m_ooo[i].seq;
            if (SeqLeq(os, cur))
            {
                cur = os + static_cast<uint32_t>(m_ooo[i].data.size());
                ++i;
                continue;
            }
            pieceEnd = SeqMin(end, os);
        }
        if (i > 0 && m_ooo[i - 1].seq + static_cast<uint32_t>(m_ooo[i - 1].data.size()) == cur)
        {
            // contiguous with the previous piece: extend it
            m_ooo[i - 1].data.insert(m_ooo[i - 1].data.end(),
                                     data + (cur - seq),
                                     data + (pieceEnd - seq));
        }
        else
        {
            TcpOutOfOrderSegment piece;
            piece.seq = cur;
            piece.data.assign(data + (cur - seq), data + (pieceEnd - seq));
            m_ooo.insert(m_ooo.begin() + static_cast<ptrdiff_t>(i), std::move(piece));
            ++i;
        }
        cur = pieceEnd;
    }
}

// ---------------------------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------------------------

void
TcpEngine::Output(int64_t now)
{
    if (CanSend(m_state))
    {
        for (;;)
        {
            const uint32_t end = DataEnd();
            const uint32_t avail = SeqLt(m_sndNxt, end) ? end - m_sndNxt : 0;
            const uint32_t flight = m_sndNxt - m_sndUna;
            const uint32_t wnd = std::min(m_sndWnd, m_cwnd);
            const uint32_t usable = wnd > flight ? wnd - flight : 0;
            const uint32_t len = std::min({avail, usable, static_cast<uint32_t>(m_sndMss)});
            // The FIN rides on the last data segment; it needs no window space.
            const bool fin = m_finRequested && len == avail && m_sndNxt + len == m_finSeq;
            if (len == 0 && !fin)
            {
                break;
            }
            // RFC 9293 §3.8.6.2.1 sender SWS avoidance (no Nagle: a final short piece goes).
            if (len > 0 && len < avail && len < m_sndMss && len < m_maxSndWnd / 2 &&
                SeqGeq(m_sndNxt, m_sndMax))
            {
                break;
            }
            SendDataSegment(now, m_sndNxt, len, fin, TxKind::New);
        }
    }
    UpdateSendTimers(now);
    if (m_ackNow && IsSynchronized(m_state))
    {
        SendAck(now);
    }
    m_ackNow = false;
}

void
TcpEngine::SendDataSegment(int64_t now, uint32_t seq, uint32_t len, bool fin, TxKind kind)
{
    const uint32_t end = seq + len + (fin ? 1 : 0);
    uint8_t flags = TcpSegment::ACK;
    if (fin)
    {
        flags |= TcpSegment::FIN;
    }
    if (len > 0 && seq + len == DataEnd())
    {
        flags |= TcpSegment::PSH;
    }
    TcpSegment& s = NewSegment(now, flags, seq);
    if (len > 0)
    {
        const size_t off = m_sndHead + (seq - m_sndDataSeq);
        s.payload.assign(m_sndBuf.begin() + static_cast<ptrdiff_t>(off),
                         m_sndBuf.begin() + static_cast<ptrdiff_t>(off + len));
    }
    if (SeqLt(seq, m_sndMax))
    {
        ++m_totalRt;
        m_rttTiming = false; // Karn: no sample across a retransmission
    }
    if (kind != TxKind::Retransmit || SeqLt(m_sndNxt, end))
    {
        m_sndNxt = end;
    }
    if (SeqGt(end, m_sndMax))
    {
        if (!m_rttTiming && SeqGeq(seq, m_sndMax))
        {
            m_rttTiming = true;
            m_rttSeq = end;
            m_rttStart = now;
        }
        m_sndMax = end;
    }
}

void
TcpEngine::RetransmitFirst(int64_t now)
{
    // RFC 5681 §3.2 step 2 / RFC 6582 §3.2 step 3: retransmit the segment at SND.UNA.
    const uint32_t end = DataEnd();
    uint32_t len = SeqLt(m_sndUna, end) ? end - m_sndUna : 0;
    len = std::min({len, static_cast<uint32_t>(m_sndMss), m_sndMax - m_sndUna});
    const bool fin = m_finRequested && m_sndUna + len == m_finSeq && SeqGt(m_sndMax, m_finSeq);
    if (len == 0 && !fin)
    {
        return;
    }
    SendDataSegment(now, m_sndUna, len, fin, TxKind::Retransmit);
}

void
TcpEngine::SendSyn(int64_t now, bool withAck)
{
    TcpSegment& s = NewSegment(now, TcpSegment::SYN | (withAck ? TcpSegment::ACK : 0), m_iss);
    s.mss = m_cfg.mss;
    if (withAck ? m_wsEnabled : m_cfg.windowScaling)
    {
        s.windowScale = OurWindowShift();
    }
    if (!withAck && m_cfg.timestamps)
    {
        s.hasTimestamp = true; // RFC 7323 §3.2: TSecr is 0 in an initial SYN
        s.tsVal = TsClock(now);
        s.tsEcr = 0;
    }
    // No SACK-permitted: SACK is declined.
}

void
TcpEngine::SendAck(int64_t now)
{
    NewSegment(now, TcpSegment::ACK, PureAckSeq());
}

uint32_t
TcpEngine::PureAckSeq() const
{
    // SND.NXT in the RFC sense (SndMax). While probing a zero window, the probe octet is
    // beyond the peer's window: use SND.UNA so that the ACK stays acceptable there.
    return m_persistDeadline >= 0 ? m_sndUna : m_sndMax;
}

void
TcpEngine::SendRstFor(int64_t now, const TcpSegment& seg)
{
    // RFC 9293 §3.10.7.1: If ACK: <SEQ=SEG.ACK><CTL=RST>,
    // else <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>.
    m_out.emplace_back();
    TcpSegment& r = m_out.back();
    r.srcPort = m_localPort;
    r.dstPort = m_remotePort;
    if (seg.Has(TcpSegment::ACK))
    {
        r.seq = seg.ack;
        r.flags = TcpSegment::RST;
    }
    else
    {
        r.seq = 0;
        r.ack = seg.seq + seg.SeqLen();
        r.flags = TcpSegment::RST | TcpSegment::ACK;
    }
    if (seg.hasTimestamp)
    {
        // A peer using timestamps (ns-3) drops segments without them, RST included.
        r.hasTimestamp = true;
        r.tsVal = TsClock(now);
        r.tsEcr = seg.tsVal;
    }
}

TcpSegment&
TcpEngine::NewSegment(int64_t now, uint8_t flags, uint32_t seq)
{
    m_out.emplace_back();
    TcpSegment& s = m_out.back();
    s.srcPort = m_localPort;
    s.dstPort = m_remotePort;
    s.seq = seq;
    s.flags = flags;
    if (flags & TcpSegment::ACK)
    {
        s.ack = m_rcvNxt;
        m_lastAckSent = m_rcvNxt;
        m_ackNow = false;
        m_ackPending = false;
        m_delAckSegs = 0;
        m_delAckDeadline = -1;
    }
    s.window = WindowField((flags & TcpSegment::SYN) != 0);
    if (m_tsEnabled)
    {
        s.hasTimestamp = true; // RFC 7323 §3.2: on every segment once negotiated
        s.tsVal = TsClock(now);
        s.tsEcr = m_tsRecent;
    }
    return s;
}

uint16_t
TcpEngine::WindowField(bool syn)
{
    const size_t readable = BytesReadable();
    const uint32_t free =
        readable < m_cfg.rcvBufSize ? m_cfg.rcvBufSize - static_cast<uint32_t>(readable) : 0;
    if (syn)
    {
        const uint32_t w = std::min<uint32_t>(free, 65535); // RFC 7323 §2.2: never scaled
        m_rcvAdvEdge = m_rcvNxt + w;
        return static_cast<uint16_t>(w);
    }
    // RFC 9293 §3.8.6.2.2 receiver SWS avoidance; §3.8.6: never shrink the window.
    const uint32_t cur = RcvWnd();
    uint32_t wnd = cur;
    const uint32_t threshold = std::min<uint32_t>(m_cfg.rcvBufSize / 2, m_cfg.mss);
    if (free > cur && free - cur >= threshold)
    {
        wnd = free;
    }
    const uint32_t unit = 1u << m_rcvWndShift;
    const uint32_t field =
        std::min<uint32_t>((static_cast<uint64_t>(wnd) + unit - 1) >> m_rcvWndShift, 65535);
    m_rcvAdvEdge = m_rcvNxt + (field << m_rcvWndShift);
    return static_cast<uint16_t>(field);
}

void
TcpEngine::UpdateSendTimers(int64_t now)
{
    if (!CanSend(m_state) && m_state != TcpState::FinWait2)
    {
        return;
    }
    const bool outstanding = m_sndMax != m_sndUna;
    const bool unsent = SeqLt(m_sndNxt, DataEnd());
    if (!outstanding)
    {
        m_rtxDeadline = -1;
        if (unsent && CanSend(m_state))
        {
            // RFC 9293 §3.8.6.1: data waits for a window: the persist timer probes it
            if (m_persistDeadline < 0)
            {
                m_persistDeadline = now + PersistInterval();
            }
        }
        else
        {
            m_persistDeadline = -1;
        }
    }
    else if (m_persistDeadline >= 0 && m_sndWnd == 0)
    {
        m_rtxDeadline = -1; // the outstanding octet is a window probe: persist owns it
    }
    else
    {
        m_persistDeadline = -1;
        if (m_rtxDeadline < 0)
        {
            m_rtxDeadline = now + m_rto; // RFC 6298 §5.1
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Timers (RFC 9293 §3.10.8)
// ---------------------------------------------------------------------------------------------

int64_t
TcpEngine::NextDeadline() const
{
    int64_t best = -1;
    for (int64_t d : {m_rtxDeadline,
                      m_persistDeadline,
                      m_delAckDeadline,
                      m_keepDeadline,
                      m_finWait2Deadline,
                      m_timeWaitDeadline})
    {
        if (d >= 0 && (best < 0 || d < best))
        {
            best = d;
        }
    }
    return best;
}

void
TcpEngine::OnTimer(int64_t now)
{
    if (m_timeWaitDeadline >= 0 && now >= m_timeWaitDeadline)
    {
        m_timeWaitDeadline = -1;
        EnterClosed(); // time-wait timeout: delete the TCB
        return;
    }
    if (m_finWait2Deadline >= 0 && now >= m_finWait2Deadline)
    {
        m_finWait2Deadline = -1;
        if (m_state == TcpState::FinWait2)
        {
            Fail(now);
            return;
        }
    }
    if (m_keepDeadline >= 0 && now >= m_keepDeadline)
    {
        OnKeepaliveTimeout(now);
        if (m_state == TcpState::Closed)
        {
            return;
        }
    }
    if (m_rtxDeadline >= 0 && now >= m_rtxDeadline)
    {
        OnRetransmitTimeout(now);
        if (m_state == TcpState::Closed)
        {
            return;
        }
    }
    if (m_persistDeadline >= 0 && now >= m_persistDeadline)
    {
        OnPersistTimeout(now);
        if (m_state == TcpState::Closed)
        {
            return;
        }
    }
    if (m_delAckDeadline >= 0 && now >= m_delAckDeadline)
    {
        m_delAckDeadline = -1;
        if (m_ackPending && IsSynchronized(m_state))
        {
            SendAck(now);
        }
        m_ackPending = false;
    }
}

void
TcpEngine::FlushPendingAck(int64_t now)
{
    if (m_ackPending && IsSynchronized(m_state))
    {
        SendAck(now); // clears the pending state and the deadline
    }
    m_ackPending = false;
    m_delAckSegs = 0;
    m_delAckDeadline = -1;
}

void
TcpEngine::OnRetransmitTimeout(int64_t now)
{
    m_rtxDeadline = -1;
    if (m_state == TcpState::SynSent || m_state == TcpState::SynRcvd)
    {
        if (++m_rtxCount > m_cfg.maxSynRetransmits)
        {
            Fail(now);
            return;
        }
        m_rto = std::min(m_rto * 2, m_cfg.rtoMaxNs); // RFC 6298 §5.5
        m_rttTiming = false;
        ++m_totalRt;
        SendSyn(now, m_state == TcpState::SynRcvd);
        m_rtxDeadline = now + m_rto;
        return;
    }
    if (m_sndMax == m_sndUna || !CanSend(m_state))
    {
        return;
    }
    if (m_sndWnd == 0 && SeqLt(m_sndUna, DataEnd()))
    {
        // The peer's window is closed: probe it (persist) rather than count a failure.
        m_persistDeadline = now + PersistInterval();
        return;
    }
    if (++m_rtxCount > m_cfg.maxRetransmits)
    {
        Fail(now); // RFC 9293 §3.8.3 R2: give up
        return;
    }
    if (m_rtxCount == 1)
    {
        m_ssthresh = std::max<uint32_t>(Flight() / 2, 2u * m_sndMss); // RFC 5681 eq. 4
    }
    m_cwnd = m_sndMss; // RFC 5681 §3.1: loss window
    m_inRecovery = false;
    m_recover = m_sndMax; // RFC 6582 §4
    m_dupAcks = 0;
    m_rto = std::min(m_rto * 2, m_cfg.rtoMaxNs); // RFC 6298 §5.5
    m_rttTiming = false;
    m_sndNxt = m_sndUna; // RFC 6298 §5.4: retransmit the earliest segment (go-back-N)
    Output(now);         // RFC 6298 §5.6: restarts the timer with the backed-off RTO
}

void
TcpEngine::OnPersistTimeout(int64_t now)
{
    m_persistDeadline = -1;
    if (!CanSend(m_state))
    {
        return;
    }
    if (m_probeCount >= m_cfg.maxRetransmits)
    {
        Fail(now); // probes unanswered: the peer is gone
        return;
    }
    ++m_probeCount;
    const uint32_t end = DataEnd();
    if (m_sndWnd == 0)
    {
        // RFC 9293 §3.8.6.1: one octet, new if nothing is outstanding
        if (SeqLt(m_sndUna, m_sndMax) && SeqLt(m_sndUna, end))
        {
            SendDataSegment(now, m_sndUna, 1, false, TxKind::Retransmit);
        }
        else if (SeqLt(m_sndNxt, end))
        {
            SendDataSegment(now, m_sndNxt, 1, false, TxKind::Probe);
        }
        m_persistDeadline = now + PersistInterval();
    }
    else
    {
        // RFC 9293 §3.8.6.2.1: SWS override timeout: send what the window allows.
        const uint32_t avail = SeqLt(m_sndNxt, end) ? end - m_sndNxt : 0;
        const uint32_t flight = m_sndNxt - m_sndUna;
        const uint32_t usable = m_sndWnd > flight ? m_sndWnd - flight : 0;
        const uint32_t len = std::min({avail, usable, static_cast<uint32_t>(m_sndMss)});
        if (len > 0)
        {
            const bool fin = m_finRequested && len == avail && m_sndNxt + len == m_finSeq;
            SendDataSegment(now, m_sndNxt, len, fin, TxKind::New);
        }
    }
    Output(now);
}

void
TcpEngine::OnKeepaliveTimeout(int64_t now)
{
    m_keepDeadline = -1;
    if (!IsSynchronized(m_state) || m_state == TcpState::TimeWait)
    {
        return;
    }
    if (m_keepCount >= m_cfg.keepaliveProbes)
    {
        Fail(now);
        return;
    }
    ++m_keepCount;
    // RFC 9293 §3.8.4: <SEQ=SND.NXT-1> with no data, elicits an ACK
    NewSegment(now, TcpSegment::ACK, m_sndUna - 1);
    m_keepDeadline = now + m_cfg.keepaliveIntervalNs;
}

void
TcpEngine::RestartIdleTimers(int64_t now)
{
    if (m_cfg.keepaliveIdleNs > 0 && IsSynchronized(m_state) && m_state != TcpState::TimeWait)
    {
        m_keepDeadline = now + m_cfg.keepaliveIdleNs;
        m_keepCount = 0;
    }
    if (m_cfg.finWait2TimeoutNs > 0 && m_state == TcpState::FinWait2)
    {
        m_finWait2Deadline = now + m_cfg.finWait2TimeoutNs;
    }
}

void
TcpEngine::StopAllTimers()
{
    m_rtxDeadline = -1;
    m_persistDeadline = -1;
    m_delAckDeadline = -1;
    m_keepDeadline = -1;
    m_finWait2Deadline = -1;
    m_timeWaitDeadline = -1;
    m_ackPending = false;
}

void
TcpEngine::RttSample(int64_t rtt)
{
    // RFC 6298 §2.2 / §2.3
    if (rtt < 0)
    {
        rtt = 0;
    }
    if (!m_rttSampled)
    {
        m_srtt = rtt;
        m_rttvar = rtt / 2;
        m_rttSampled = true;
    }
    else
    {
        const int64_t delta = m_srtt > rtt ? m_srtt - rtt : rtt - m_srtt;
        m_rttvar = (3 * m_rttvar + delta) / 4;
        m_srtt = (7 * m_srtt + rtt) / 8;
    }
    const int64_t rto = m_srtt + std::max(m_cfg.clockGranularityNs, 4 * m_rttvar);
    m_rto = std::min(std::max(rto, m_cfg.rtoMinNs), m_cfg.rtoMaxNs); // §2.4, §2.5
}

int64_t
TcpEngine::PersistInterval() const
{
    int64_t interval = m_rto;
    for (uint32_t i = 0; i < m_probeCount && interval < m_cfg.rtoMaxNs; ++i)
    {
        interval *= 2;
    }
    return std::min(interval, m_cfg.rtoMaxNs);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

void
TcpEngine::SetState(TcpState s)
{
    if (s == m_state)
    {
        return;
    }
    TcpEvent e;
    e.kind = TcpEvent::Kind::StateChanged;
    e.oldState = m_state;
    e.newState = s;
    m_state = s;
    m_events.push_back(e);
    if (s == TcpState::Established)
    {
        Emit(TcpEvent::Kind::Established);
    }
    else if (s == TcpState::Closed)
    {
        Emit(TcpEvent::Kind::Closed);
    }
}

void
TcpEngine::Emit(TcpEvent::Kind kind, uint64_t bytes)
{
    TcpEvent e;
    e.kind = kind;
    e.bytes = bytes;
    e.oldState = e.newState = m_state;
    m_events.push_back(e);
}

void
TcpEngine::EnterClosed()
{
    StopAllTimers();
    m_ooo.clear();
    m_remoteFinPending = false;
    m_sndBuf.clear();
    m_sndHead = 0;
    m_ackNow = false;
    m_rttTiming = false;
    SetState(TcpState::Closed);
}

void
TcpEngine::EnterTimeWait(int64_t now)
{
    SetState(TcpState::TimeWait);
    StopAllTimers();
    m_timeWaitDeadline = now + m_cfg.timeWaitNs;
}

void
TcpEngine::Fail(int64_t now)
{
    (void)now;
    Emit(TcpEvent::Kind::TimedOut);
    EnterClosed();
}

void
TcpEngine::ReturnToListen()
{
    // RFC 9293 §3.10.7.4 second, SYN-RECEIVED from a passive OPEN: back to LISTEN.
    StopAllTimers();
    m_sndUna = m_sndNxt = m_sndMax = m_iss;
    m_sndDataSeq = m_iss + 1;
    m_rtxCount = 0;
    m_rttTiming = false;
    m_rto = m_cfg.rtoInitialNs;
    m_tsEnabled = false;
    m_wsEnabled = false;
    m_sndWndShift = m_rcvWndShift = 0;
    m_sndWnd = m_maxSndWnd = 0;
    SetState(TcpState::Listen);
}

void
TcpEngine::NegotiateOptions(int64_t now, const TcpSegment& syn)
{
    // RFC 7323 §2.2 / §3.2: an option is in use only if both SYNs carry it.
    m_wsEnabled = m_cfg.windowScaling && syn.windowScale.has_value();
    m_sndWndShift = m_wsEnabled ? std::min(*syn.windowScale, kMaxWindowShift) : 0;
    m_rcvWndShift = m_wsEnabled ? OurWindowShift() : 0;
    m_tsEnabled = m_cfg.timestamps && syn.hasTimestamp;
    if (m_tsEnabled)
    {
        m_tsRecent = syn.tsVal;
        m_tsRecentTime = now;
    }
    // RFC 9293 §3.7.1: Eff.snd.MSS = min(SendMSS, our MSS) - TCP options
    uint32_t mss = std::min<uint32_t>(m_cfg.mss, syn.mss ? *syn.mss : kDefaultPeerMss);
    if (m_cfg.subtractOptionsFromMss && m_tsEnabled)
    {
        mss = mss > kTsOptionBytes ? mss - kTsOptionBytes : 1;
    }
    m_sndMss = static_cast<uint16_t>(std::max<uint32_t>(mss, 1));
    m_cwnd = InitialCwnd();
}

uint8_t
TcpEngine::OurWindowShift() const
{
    uint8_t shift = 0;
    while (shift < kMaxWindowShift && (m_cfg.rcvBufSize >> shift) > 65535)
    {
        ++shift;
    }
    return shift;
}

uint32_t
TcpEngine::RcvWnd() const
{
    return SeqGt(m_rcvAdvEdge, m_rcvNxt) ? m_rcvAdvEdge - m_rcvNxt : 0;
}

uint32_t
TcpEngine::DataEnd() const
{
    return m_sndDataSeq + static_cast<uint32_t>(BytesInSendBuffer());
}

bool
TcpEngine::FinAcked() const
{
    return m_finRequested && SeqGt(m_sndUna, m_finSeq);
}

uint32_t
TcpEngine::Flight() const
{
    return m_sndMax - m_sndUna;
}

uint32_t
TcpEngine::InitialCwnd() const
{
    return std::max<uint32_t>(m_cfg.initialCwndSegments, 1) * m_sndMss;
}

uint32_t
TcpEngine::TsClock(int64_t now)
{
    return static_cast<uint32_t>(now / 1000000); // 1 ms timestamp clock, as ns-3
}

void
TcpEngine::CompactSendBuffer()
{
    if (m_sndHead == m_sndBuf.size())
    {
        m_sndBuf.clear();
        m_sndHead = 0;
    }
    else if (m_sndHead >= 65536 && m_sndHead * 2 >= m_sndBuf.size())
    {
        m_sndBuf.erase(m_sndBuf.begin(), m_sndBuf.begin() + static_cast<ptrdiff_t>(m_sndHead));
        m_sndHead = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Delegated state (SPEC §2)
// ---------------------------------------------------------------------------------------------

TcpDelegatedState
TcpEngine::Export(int64_t now) const
{
    TcpDelegatedState d;
    d.state = m_state;
    d.rcvNxt = m_rcvNxt;
    d.rcvWnd = RcvWnd();
    d.sndUna = m_sndUna;
    d.sndNxt = m_sndNxt;
    d.sndMax = m_sndMax;
    d.sndWnd = m_sndWnd;
    d.maxSndWnd = m_maxSndWnd;
    d.sndWl1 = m_sndWl1;
    d.sndWl2 = m_sndWl2;
    d.cwnd = m_cwnd;
    d.ssthresh = m_ssthresh;
    d.srttNs = m_srtt;
    d.rttVarNs = m_rttvar;
    d.tsRecent = m_tsRecent;
    d.tsRecentAgeNs = now - m_tsRecentTime;
    d.totalRt = m_totalRt;
    d.dupAckCount = m_dupAcks;
    d.sndWndProbeCount = m_probeCount;
    d.retransmitTimer.count = m_rtxCount;
    d.retransmitTimer.remainingNs = Remaining(m_rtxDeadline, now);
    d.keepaliveTimer.count = m_keepCount;
    d.keepaliveTimer.remainingNs = Remaining(m_keepDeadline, now);
    d.sendData.assign(m_sndBuf.begin() + static_cast<ptrdiff_t>(m_sndHead), m_sndBuf.end());
    d.receiveData.assign(m_rcvBuf.begin() + static_cast<ptrdiff_t>(m_rcvHead), m_rcvBuf.end());
    d.iss = m_iss;
    d.irs = m_irs;
    d.sndWndShift = m_sndWndShift;
    d.rcvWndShift = m_rcvWndShift;
    d.windowScaling = m_wsEnabled;
    d.sendDataSeq = m_sndDataSeq;
    d.timestamps = m_tsEnabled;
    d.lastAckSent = m_lastAckSent;
    d.sndMss = m_sndMss;
    d.passiveOpen = m_passiveOpen;
    d.rtoNs = m_rto;
    d.rttSampled = m_rttSampled;
    d.rttTiming = m_rttTiming;
    d.rttSeq = m_rttSeq;
    d.rttElapsedNs = m_rttTiming ? now - m_rttStart : 0;
    d.recover = m_recover;
    d.inRecovery = m_inRecovery;
    d.finRequested = m_finRequested;
    d.finSeq = m_finSeq;
    d.remoteFinReceived = m_remoteFin;
    d.remoteFinPending = m_remoteFinPending;
    d.remoteFinSeq = m_remoteFinSeq;
    d.delayedAckSegments = m_delAckSegs;
    d.ackPending = m_ackPending;
    d.delayedAckRemainingNs = Remaining(m_delAckDeadline, now);
    d.persistRemainingNs = Remaining(m_persistDeadline, now);
    d.finWait2RemainingNs = Remaining(m_finWait2Deadline, now);
    d.timeWaitRemainingNs = Remaining(m_timeWaitDeadline, now);
    d.outOfOrder = m_ooo;
    return d;
}

TcpEngine
TcpEngine::Import(const TcpEngineConfig& config,
                  uint16_t localPort,
                  uint16_t remotePort,
                  const TcpDelegatedState& d,
                  int64_t now)
{
    TcpEngine e(config, localPort, remotePort, d.iss);
    e.m_state = d.state;
    e.m_rcvNxt = d.rcvNxt;
    e.m_rcvAdvEdge = d.rcvNxt + d.rcvWnd;
    e.m_sndUna = d.sndUna;
    e.m_sndNxt = d.sndNxt;
    e.m_sndMax = d.sndMax;
    e.m_sndWnd = d.sndWnd;
    e.m_maxSndWnd = d.maxSndWnd;
    e.m_sndWl1 = d.sndWl1;
    e.m_sndWl2 = d.sndWl2;
    e.m_cwnd = d.cwnd;
    e.m_ssthresh = d.ssthresh;
    e.m_srtt = d.srttNs;
    e.m_rttvar = d.rttVarNs;
    e.m_tsRecent = d.tsRecent;
    e.m_tsRecentTime = now - d.tsRecentAgeNs;
    e.m_totalRt = d.totalRt;
    e.m_dupAcks = d.dupAckCount;
    e.m_probeCount = d.sndWndProbeCount;
    e.m_rtxCount = d.retransmitTimer.count;
    e.m_rtxDeadline = Deadline(d.retransmitTimer.remainingNs, now);
    e.m_keepCount = d.keepaliveTimer.count;
    e.m_keepDeadline = Deadline(d.keepaliveTimer.remainingNs, now);
    e.m_sndBuf = d.sendData;
    e.m_sndHead = 0;
    e.m_rcvBuf = d.receiveData;
    e.m_rcvHead = 0;
    e.m_irs = d.irs;
    e.m_sndWndShift = std::min(d.sndWndShift, kMaxWindowShift);
    e.m_rcvWndShift = std::min(d.rcvWndShift, kMaxWindowShift);
    e.m_wsEnabled = d.windowScaling;
    e.m_sndDataSeq = d.sendDataSeq;
    e.m_tsEnabled = d.timestamps;
    e.m_lastAckSent = d.lastAckSent;
    e.m_sndMss = std::max<uint16_t>(d.sndMss, 1);
    e.m_passiveOpen = d.passiveOpen;
    e.m_rto = d.rtoNs;
    e.m_rttSampled = d.rttSampled;
    e.m_rttTiming = d.rttTiming;
    e.m_rttSeq = d.rttSeq;
    e.m_rttStart = now - d.rttElapsedNs;
    e.m_recover = d.recover;
    e.m_inRecovery = d.inRecovery;
    e.m_finRequested = d.finRequested;
    e.m_finSeq = d.finSeq;
    e.m_remoteFin = d.remoteFinReceived;
    e.m_remoteFinPending = d.remoteFinPending;
    e.m_remoteFinSeq = d.remoteFinSeq;
    e.m_delAckSegs = d.delayedAckSegments;
    e.m_ackPending = d.ackPending;
    e.m_delAckDeadline = Deadline(d.delayedAckRemainingNs, now);
    e.m_persistDeadline = Deadline(d.persistRemainingNs, now);
    e.m_finWait2Deadline = Deadline(d.finWait2RemainingNs, now);
    e.m_timeWaitDeadline = Deadline(d.timeWaitRemainingNs, now);
    e.m_ooo = d.outOfOrder;
    // Leave the engine ready to transmit: sendable data the exporter had not been asked to send
    // yet goes out now (TakeSegments), and the send timers match the state (NextDeadline). An
    // exporter that ran Output() after its last input would send nothing here, so a plain move
    // stays invisible on the wire.
    e.Output(now);
    return e;
}

// ---------------------------------------------------------------------------------------------
// Invariants (for fuzzers and tests)
// ---------------------------------------------------------------------------------------------

bool
TcpEngine::CheckInvariants(std::string* why) const
{
    auto fail = [why](const char* msg) {
        if (why != nullptr)
        {
            *why = msg;
        }
        return false;
    };
    if (m_sndHead > m_sndBuf.size() || m_rcvHead > m_rcvBuf.size())
    {
        return fail("buffer head beyond buffer");
    }
    if (m_cwnd == 0 || m_sndMss == 0)
    {
        return fail("cwnd or MSS is zero");
    }
    if (m_state == TcpState::Closed || m_state == TcpState::Listen)
    {
        if (NextDeadline() >= 0)
        {
            return fail("timer armed in CLOSED/LISTEN");
        }
        return true;
    }
    if (!SeqLeq(m_sndUna, m_sndNxt))
    {
        return fail("SndUna > SndNxt");
    }
    if (!SeqLeq(m_sndNxt, m_sndMax))
    {
        return fail("SndNxt > SndMax");
    }
    const uint32_t end = DataEnd();
    if (!SeqLeq(m_sndMax, end + (m_finRequested ? 1 : 0)))
    {
        return fail("SndMax beyond queued data (+FIN): sent bytes never posted");
    }
    if (BytesInSendBuffer() > m_cfg.sndBufSize)
    {
        return fail("send buffer over its size");
    }
    if (m_finRequested && m_finSeq != end)
    {
        return fail("FIN sequence is not the end of the queued data");
    }
    if (m_state == TcpState::SynSent || m_state == TcpState::SynRcvd)
    {
        if (m_sndUna != m_iss || m_sndMax != m_iss + 1 || m_sndDataSeq != m_iss + 1)
        {
            return fail("handshake sequence variables");
        }
    }
    else if (FinAcked())
    {
        if (m_sndDataSeq != m_finSeq || BytesInSendBuffer() != 0 || m_sndUna != m_finSeq + 1)
        {
            return fail("FIN acknowledged but data or sequence left over");
        }
    }
    else if (m_sndDataSeq != m_sndUna)
    {
        return fail("send buffer does not start at SndUna");
    }
    // receive side
    if (m_state != TcpState::SynSent)
    {
        if (!m_remoteFin && !SeqLeq(m_rcvNxt, SeqMax(m_rcvAdvEdge, m_rcvNxt)))
        {
            return fail("RcvNxt beyond the advertised window");
        }
        uint32_t prevEnd = m_rcvNxt;
        for (const TcpOutOfOrderSegment& o : m_ooo)
        {
            const uint32_t oend = o.seq + static_cast<uint32_t>(o.data.size());
            if (o.data.empty() || !SeqGeq(o.seq, prevEnd) || !SeqGt(o.seq, m_rcvNxt))
            {
                return fail("out-of-order list not sorted/disjoint beyond RcvNxt");
            }
            if (!SeqLeq(oend, m_rcvAdvEdge))
            {
                return fail("out-of-order data beyond the advertised window");
            }
            if (m_remoteFinPending && !SeqLeq(oend, m_remoteFinSeq))
            {
                return fail("out-of-order data beyond the peer's FIN");
            }
            prevEnd = oend;
        }
        if (m_remoteFin && (m_remoteFinPending || !m_ooo.empty()))
        {
            return fail("data or FIN held beyond an accepted FIN");
        }
        if (m_remoteFinPending && !SeqGt(m_remoteFinSeq, m_rcvNxt))
        {
            return fail("pending FIN not beyond RcvNxt");
        }
    }
    // state facts
    switch (m_state)
    {
    case TcpState::FinWait1:
    case TcpState::LastAck:
    case TcpState::Closing:
        if (!m_finRequested)
        {
            return fail("closing state without a FIN requested");
        }
        break;
    case TcpState::FinWait2:
    case TcpState::TimeWait:
        if (!FinAcked())
        {
            return fail("FIN_WAIT_2/TIME_WAIT without our FIN acknowledged");
        }
        break;
    case TcpState::Established:
    case TcpState::CloseWait:
        if (m_finRequested)
        {
            return fail("FIN requested but still ESTABLISHED/CLOSE_WAIT");
        }
        break;
    default:
        break;
    }
    const bool remoteFinState = m_state == TcpState::CloseWait || m_state == TcpState::Closing ||
                                m_state == TcpState::LastAck || m_state == TcpState::TimeWait;
    if (remoteFinState != m_remoteFin && m_state != TcpState::SynRcvd)
    {
        return fail("remote FIN flag disagrees with the state");
    }
    if (m_state == TcpState::TimeWait && m_timeWaitDeadline < 0)
    {
        return fail("TIME_WAIT without its timer");
    }
    if (CanSend(m_state) && m_sndMax != m_sndUna && m_rtxDeadline < 0 && m_persistDeadline < 0)
    {
        return fail("data outstanding without a retransmission or persist timer");
    }
    if (CanSend(m_state) && m_sndMax == m_sndUna && SeqLt(m_sndNxt, end) && m_persistDeadline < 0)
    {
        return fail("data waiting for a window without a persist timer");
    }
    if (m_ackNow)
    {
        return fail("an immediate ACK is owed but was not sent");
    }
    if (m_ackPending && m_delAckDeadline < 0)
    {
        return fail("delayed ACK owed without its timer");
    }
    return true;
}

} // namespace ns3
