/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// TcpEngine: construction, the user calls (RFC 9293 §3.10.1 - §3.10.5), shared helpers and the
// delegated state (SPEC §2). Segment arrival: tcp-engine-input.cc; state changes:
// tcp-engine-transitions.cc; send path: tcp-engine-output.cc; timers: tcp-engine-timers.cc.

#include "tcp-engine.h"

#include "chimney-spare-vectors.h"

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
    Transition(now, Input::OpenActive);
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
        Transition(0, Input::OpenPassive); // no timer starts in LISTEN: the time is not used
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
        Transition(now, Input::Close);
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
        Transition(now, Input::Close);
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
    case TcpState::CloseWait:
        SendAbortReset(now);
        break;
    case TcpState::Closing:
    case TcpState::LastAck:
        // RFC 9293 sends nothing here, but our FIN may still wait behind unsent data: the remote
        // would then hear nothing at all. Reset it, as Linux does (tcp_disconnect) - SPEC 3.4:
        // SUCCESS means the RST was sent.
        if (!SeqGt(m_sndMax, m_finSeq))
        {
            SendAbortReset(now);
        }
        break;
    default:
        break;
    }
    Transition(now, Input::Abort);
}

void
TcpEngine::SendAbortReset(int64_t now)
{
    // <SEQ=SND.NXT><CTL=RST>. SND.NXT in the RFC sense is the next new sequence number,
    // i.e. SndMax here (SndNxt is the go-back-N point after a timeout).
    TcpSegment& s = PushSegment();
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
        ClearReceiveBuffer();
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
// Helpers
// ---------------------------------------------------------------------------------------------

bool
TcpEngine::IsSynchronized(TcpState s)
{
    return s != TcpState::Closed && s != TcpState::Listen && s != TcpState::SynSent;
}

/// States in which the send half may still transmit data or a FIN.
bool
TcpEngine::CanSend(TcpState s)
{
    return s == TcpState::Established || s == TcpState::FinWait1 || s == TcpState::CloseWait ||
           s == TcpState::Closing || s == TcpState::LastAck;
}

/// States in which the peer may still send us data (before its FIN).
bool
TcpEngine::CanReceive(TcpState s)
{
    return s == TcpState::Established || s == TcpState::FinWait1 || s == TcpState::FinWait2;
}

void
TcpEngine::Emit(TcpEvent::Kind kind, uint64_t bytes)
{
    TcpEvent e;
    e.kind = kind;
    e.bytes = bytes;
    e.oldState = e.newState = m_state;
    PushEvent(e);
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

// ---------------------------------------------------------------------------------------------
// Output queues' room, recycled
// ---------------------------------------------------------------------------------------------

namespace
{

constexpr size_t kSpareCapacity = 64; //!< larger output vectors (a burst's) are freed

} // namespace

void
TcpEngine::PushEvent(const TcpEvent& e)
{
    if (m_events.capacity() == 0)
    {
        ChimneySpareVectors<TcpEvent>::Take(m_events);
    }
    m_events.push_back(e);
}

TcpSegment&
TcpEngine::PushSegment()
{
    if (m_out.capacity() == 0)
    {
        ChimneySpareVectors<TcpSegment>::Take(m_out);
    }
    return m_out.emplace_back();
}

void
TcpEngine::Recycle(std::vector<TcpSegment>&& segments)
{
    ChimneySpareVectors<TcpSegment>::Keep(std::move(segments), kSpareCapacity);
}

void
TcpEngine::Recycle(std::vector<TcpEvent>&& events)
{
    ChimneySpareVectors<TcpEvent>::Keep(std::move(events), kSpareCapacity);
}

} // namespace ns3
