/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The TCP engine fuzzer's moves: application calls on either side, deliveries, losses, and
// the mutated and raw segments forged towards the engine (test/fuzz/tcp-engine-fuzzer.h).

#include "tcp-engine-fuzzer.h"

namespace engine_fuzz
{

bool
Fuzzer::Busy(const Side& s)
{
    const TcpState st = s.eng->State();
    if (st == TcpState::Closed || st == TcpState::Listen || st == TcpState::TimeWait)
    {
        return false;
    }
    return s.eng->SndUna() != s.eng->SndMax() || s.eng->BytesInSendBuffer() > 0;
}

void
Fuzzer::AppSend(Side& s, uint32_t n)
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
        Fail(std::string(s.name) + ": the moved engine took another byte count than the unmoved");
    }
    if (took > n)
    {
        Fail(std::string(s.name) + ": Send() took more bytes than offered");
    }
    s.accepted += took;
    if (g_trace)
    {
        Trace((std::string(s.name) + " send " + std::to_string(n) + " took " + std::to_string(took))
                  .c_str());
    }
    Step();
}

void
Fuzzer::AppRead(Side& s, size_t max)
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

void
Fuzzer::Shutdown(Side& s)
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

void
Fuzzer::Abort(Side& s)
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

void
Fuzzer::Move(Side& s)
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

TcpSegment
Fuzzer::PopFront(std::deque<TcpSegment>& q)
{
    TcpSegment s = std::move(q.front());
    q.pop_front();
    return s;
}

void
Fuzzer::DeliverToEngine(const TcpSegment& seg)
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

void
Fuzzer::DeliverToPeer(const TcpSegment& seg)
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

void
Fuzzer::FixPayload(TcpSegment& s) const
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

void
Fuzzer::DeliverMutated()
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

void
Fuzzer::DeliverRaw()
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

void
Fuzzer::Step()
{
    ++m_steps;
    Drain(m_e, m_toP);
    Drain(m_p, m_toE);
    Check(m_e);
    Check(m_p);
}

} // namespace engine_fuzz
