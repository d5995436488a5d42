/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// SEGMENT ARRIVES (RFC 9293 §3.10.7): one function per group of states, the checks in the RFC's
// order (sequence number, RST, SYN, ACK, text, FIN). The state changes these steps cause are
// made by Transition() (tcp-engine-transitions.cc, where the table is).

#include "tcp-engine.h"

#include <algorithm>
#include <cstddef>

namespace ns3
{

namespace
{

constexpr int64_t kPawsIdleNs = 24LL * 24 * 3600 * 1000000000LL; // RFC 7323 §5.5: 24 days
constexpr uint32_t kMaxCwnd = 0x3fffffff;

} // namespace

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
    Transition(now, Input::Syn);
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
            Transition(now, Input::Rst);
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
        Transition(now, Input::SynAck);
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
    Transition(now, Input::Syn);
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
        Transition(now, Input::Rst);
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
        Transition(now, Input::AckOfSyn);
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
        Transition(now, Input::AckOfFin);
        if (m_state == TcpState::Closed)
        {
            return false; // LAST-ACK: the TCB is deleted
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
        seq = m_rcvNxt; // an acceptable FIN is never before RCV.NXT (IsAcceptable)
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
    Transition(now, Input::Fin);
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

} // namespace ns3
