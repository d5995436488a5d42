/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The TCP engine fuzzer's checks after every step: invariants, the reference stream, the
// segments on the wire, events, the never-moved shadow, liveness (test/fuzz/tcp-engine-fuzzer.h).

#include "tcp-engine-fuzzer.h"

namespace engine_fuzz
{

void
Fuzzer::Fail(const std::string& what)
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

void
Fuzzer::Trace(const char* what, const TcpSegment* seg)
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

void
Fuzzer::CheckLiveness()
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

void
Fuzzer::Observe(Side& s)
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

void
Fuzzer::Drain(Side& s, std::deque<TcpSegment>& wire)
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

void
Fuzzer::CompareStateWithShadow(const Side& s)
{
    if (s.shadow && s.shadow->Export(m_now) != s.eng->Export(m_now))
    {
        Fail(std::string(s.name) + " (moved): state differs from the unmoved engine's:\n    " +
             s.eng->Export(m_now).ToString() + "\n    " + s.shadow->Export(m_now).ToString());
    }
}

void
Fuzzer::CompareWithShadow(Side& s, const std::vector<TcpSegment>& segs)
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

void
Fuzzer::CheckOutgoing(Side& s, const TcpSegment& seg)
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
        if (s.sync && SeqGeq(seg.seq, s.lastMax) && SeqGt(seg.seq + len, e.SndUna() + e.SndWnd()) &&
            !(e.SndWnd() == 0 && len == 1))
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
            fail("acknowledges beyond what the other side sent (" + std::to_string(other.SndMax()) +
                 ")");
        }
        s.haveEdge = true;
        s.lastAck = seg.ack;
        s.lastEdge = edge;
    }
}

void
Fuzzer::CheckEvent(Side& s, const TcpEvent& ev)
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

void
Fuzzer::Check(Side& s)
{
    const TcpEngine& e = *s.eng;
    auto fail = [&s, this](const std::string& what) { Fail(std::string(s.name) + ": " + what); };
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

} // namespace engine_fuzz
