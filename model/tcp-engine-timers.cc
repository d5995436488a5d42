/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Timers (RFC 9293 §3.10.8): retransmission (RFC 6298), persist, delayed ACK, keepalive,
// FIN_WAIT_2 and TIME_WAIT, and the RTT estimator that sets the RTO.

#include "tcp-engine.h"

#include <algorithm>

namespace ns3
{

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
        Transition(now, Input::TimeWaitEnd); // delete the TCB
        return;
    }
    if (m_finWait2Deadline >= 0 && now >= m_finWait2Deadline)
    {
        m_finWait2Deadline = -1;
        if (m_state == TcpState::FinWait2)
        {
            Transition(now, Input::GiveUp);
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
            Transition(now, Input::GiveUp);
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
        Transition(now, Input::GiveUp); // RFC 9293 §3.8.3 R2: give up
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
        Transition(now, Input::GiveUp); // probes unanswered: the peer is gone
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
        Transition(now, Input::GiveUp);
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

} // namespace ns3
