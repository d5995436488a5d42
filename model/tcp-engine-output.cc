/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The send path: segmentation within the windows, retransmission pieces, SYN / ACK / RST
// construction, the offered window and the send timers (RFC 9293 §3.8.6, RFC 6298 §5).

#include "tcp-engine.h"

#include <algorithm>
#include <cstddef>

namespace ns3
{

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
    TcpSegment& r = PushSegment();
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
    TcpSegment& s = PushSegment();
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

} // namespace ns3
