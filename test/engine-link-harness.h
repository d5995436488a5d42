/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef ENGINE_LINK_HARNESS_H
#define ENGINE_LINK_HARNESS_H

#include "ns3/tcp-engine.h"

#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

/**
 * \file
 * Two TcpEngines over an in-memory link with seeded loss, duplication, reordering and rate
 * limiting: a tiny discrete-event loop (deliveries, engine timers at NextDeadline(), application
 * ticks). Every random choice comes from one seed through named streams, so a failing run is
 * reproduced from (seed, moves) alone. Moves (Export/Import into a fresh engine) draw from their
 * own stream, so a run with moves must put exactly the same bytes on the wire as without.
 */

namespace ns3
{
namespace enginetest
{

/// SplitMix64: small, fast, good enough for fault injection.
class Rng
{
  public:
    /// \param seed seed \param stream stream id (named stream)
    Rng(uint64_t seed, uint64_t stream)
        : m_s(seed * 0x9E3779B97F4A7C15ULL ^ (stream + 1) * 0xD1B54A32D192ED03ULL)
    {
    }

    /// \returns next 64 random bits
    uint64_t Next()
    {
        uint64_t z = (m_s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    /// \param n bound \returns uniform in [0, n)
    uint64_t Below(uint64_t n)
    {
        return n == 0 ? 0 : Next() % n;
    }

    /// \param p probability \returns true with probability p
    bool Chance(double p)
    {
        return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0) < p;
    }

  private:
    uint64_t m_s;
};

/// Byte i of the stream sent in direction dir (0: A->B, 1: B->A) for a seed.
inline uint8_t
PatternByte(uint64_t seed, int dir, uint64_t i)
{
    uint64_t z = seed * 0x100000001B3ULL + static_cast<uint64_t>(dir) * 0x9E3779B97F4A7C15ULL + i;
    z = (z ^ (z >> 29)) * 0xBF58476D1CE4E5B9ULL;
    return static_cast<uint8_t>(z ^ (z >> 32));
}

/// What a run did and saw.
struct HarnessResult
{
    bool ok{true};              //!< every check passed
    std::string error;          //!< first failure
    uint64_t wireHash{0};       //!< FNV-1a over (time, direction, bytes) of every transmission
    uint64_t segments{0};       //!< transmissions
    uint64_t dropped{0};        //!< segments lost by the link
    uint64_t duplicated{0};     //!< segments duplicated by the link
    uint64_t retransmits{0};    //!< TotalRetransmits() of both engines at the end
    uint64_t moves{0};          //!< Export/Import moves performed
    uint64_t bytes[2]{0, 0};    //!< payload bytes per direction
    int64_t endTimeNs{0};       //!< simulated time at the end
    bool zeroWindowSeen{false}; //!< some engine advertised a zero window
};

/// Scenario knobs chosen from the seed.
struct HarnessOptions
{
    uint64_t seed{1};             //!< the seed
    bool moves{false};            //!< move engines at random points
    uint64_t maxBytes{100000};    //!< upper bound of each direction's transfer
    double moveProbability{0.02}; //!< per loop iteration
};

/// The harness.
class EngineLinkHarness
{
  public:
    /// \param o options
    explicit EngineLinkHarness(const HarnessOptions& o)
        : m_o(o),
          m_scenario(o.seed, 1),
          m_moveRng(o.seed, 7)
    {
        m_link[0] = Rng(o.seed, 2);
        m_link[1] = Rng(o.seed, 3);
        m_appRng[0] = Rng(o.seed, 4);
        m_appRng[1] = Rng(o.seed, 5);
    }

    /// \returns the reproduction line for a failure message
    std::string Repro() const
    {
        std::ostringstream os;
        os << "seed=" << m_o.seed << " moves=" << m_o.moves << " maxBytes=" << m_o.maxBytes;
        return os.str();
    }

    /// Run to completion. \returns the result
    HarnessResult Run()
    {
        Setup();
        int64_t now = 0;
        m_ep[0].eng->Connect(now);
        m_ep[1].eng->Listen();
        Drain(0, now);
        const int64_t limit = 3600LL * 1000000000LL;
        uint64_t iterations = 0;
        while (m_r.ok)
        {
            if (m_ep[0].eng->State() == TcpState::Closed &&
                m_ep[1].eng->State() == TcpState::Closed && m_ep[0].appDone && m_ep[1].appDone)
            {
                break;
            }
            if (++iterations > 20000000 || now > limit)
            {
                Fail(now, "no completion within the limits");
                break;
            }
            int64_t tDeliver = m_queue.empty() ? -1 : std::get<0>(m_queue.begin()->first);
            int64_t best = -1;
            int which = -1; // 0 deliver, 1/2 timer A/B, 3/4 app A/B
            auto consider = [&best, &which](int64_t t, int w) {
                if (t >= 0 && (best < 0 || t < best))
                {
                    best = t;
                    which = w;
                }
            };
            consider(tDeliver, 0);
            consider(m_ep[0].eng->NextDeadline(), 1);
            consider(m_ep[1].eng->NextDeadline(), 2);
            consider(m_ep[0].appActive ? m_ep[0].nextApp : -1, 3);
            consider(m_ep[1].appActive ? m_ep[1].nextApp : -1, 4);
            if (which < 0)
            {
                Fail(now, "deadlock: nothing scheduled");
                break;
            }
            now = std::max(now, best);
            if (m_o.moves && m_moveRng.Chance(m_o.moveProbability))
            {
                Move(static_cast<int>(m_moveRng.Below(2)), now);
            }
            switch (which)
            {
            case 0: {
                auto it = m_queue.begin();
                const int dst = std::get<2>(it->first);
                std::vector<uint8_t> bytes = std::move(it->second);
                m_queue.erase(it);
                TcpSegment seg;
                if (!TcpSegment::Parse(bytes.data(), bytes.size(), seg))
                {
                    Fail(now, "Parse failed on a serialized segment");
                    break;
                }
                m_ep[dst].eng->OnSegment(now, seg);
                Drain(dst, now);
                break;
            }
            case 1:
            case 2:
                m_ep[which - 1].eng->OnTimer(now);
                Drain(which - 1, now);
                break;
            default:
                AppTick(which - 3, now);
                break;
            }
            for (int i = 0; i < 2 && m_r.ok; ++i)
            {
                std::string why;
                if (!m_ep[i].eng->CheckInvariants(&why))
                {
                    Fail(now, std::string(i == 0 ? "A" : "B") + " invariant: " + why);
                }
            }
        }
        m_r.endTimeNs = now;
        if (m_r.ok)
        {
            FinalChecks();
        }
        m_r.retransmits = m_ep[0].eng->TotalRetransmits() + m_ep[1].eng->TotalRetransmits();
        return m_r;
    }

  private:
    struct Endpoint
    {
        TcpEngineConfig cfg;
        std::optional<TcpEngine> eng;
        uint16_t lport{0};
        uint16_t rport{0};
        uint64_t toSend{0};
        uint64_t queued{0};
        uint64_t received{0};
        uint64_t acked{0};
        bool shutdownDone{false};
        bool shutdownAfterRemoteFin{false};
        bool lazyReader{false};
        bool appActive{true};
        bool appDone{false};
        int64_t nextApp{0};
        int64_t appInterval{1000000};
        int64_t stallUntil{0};
        int established{0};
        int remoteFins{0};
        int finAcked{0};
        int closed{0};
        int resets{0};
        int timeouts{0};
        TcpState state{TcpState::Closed};
    };

    void Setup()
    {
        Rng& r = m_scenario;
        static const uint16_t kMss[] = {536, 1460, 100, 1000};
        static const uint32_t kRcv[] = {131072, 16384, 4096, 65535, 1000000};
        static const uint32_t kSnd[] = {131072, 8192, 65536, 3000};
        for (int i = 0; i < 2; ++i)
        {
            Endpoint& e = m_ep[i];
            TcpEngineConfig& c = e.cfg;
            c.mss = kMss[r.Below(4)];
            c.rcvBufSize = kRcv[r.Below(5)];
            c.sndBufSize = kSnd[r.Below(4)];
            c.timestamps = r.Below(4) != 0;
            c.windowScaling = r.Below(4) != 0;
            c.subtractOptionsFromMss = r.Below(2) != 0;
            c.delayedAckCount = 1 + static_cast<uint32_t>(r.Below(2));
            c.rtoMinNs = r.Below(2) ? 200000000 : 1000000000;
            c.rtoInitialNs = 1000000000;
            c.maxRetransmits = 15;
            c.maxSynRetransmits = 15;
            c.timeWaitNs = 60000000000LL;
            c.initialCwndSegments = 1 + static_cast<uint32_t>(r.Below(10));
            e.toSend = r.Below(5) == 0 ? 0 : r.Below(m_o.maxBytes + 1);
            e.lazyReader = r.Below(3) == 0;
            e.stallUntil = r.Below(2) ? static_cast<int64_t>(r.Below(5000000000ULL)) : 0;
            e.appInterval = 100000 + static_cast<int64_t>(r.Below(10000000));
            e.lport = i == 0 ? 49152 : 80;
            e.rport = i == 0 ? 80 : 49152;
            e.eng.emplace(c, e.lport, e.rport, static_cast<uint32_t>(r.Next()));
        }
        // One side may wait for the peer's FIN before closing (the other closes first).
        const uint64_t waitMode = r.Below(3);
        if (waitMode < 2)
        {
            m_ep[waitMode].shutdownAfterRemoteFin = true;
        }
        for (int d = 0; d < 2; ++d)
        {
            m_delay[d] = 1000000 + static_cast<int64_t>(r.Below(20000000));
            m_jitter[d] = r.Below(3) == 0 ? 0 : static_cast<int64_t>(r.Below(10000000));
            m_loss[d] = r.Below(4) == 0 ? 0.0 : static_cast<double>(r.Below(50)) / 1000.0;
            m_dup[d] = r.Below(4) == 0 ? 0.0 : static_cast<double>(r.Below(30)) / 1000.0;
            m_rateBps[d] = 1000000ULL * (1 + r.Below(100));
        }
    }

    void Fail(int64_t now, const std::string& what)
    {
        if (!m_r.ok)
        {
            return;
        }
        m_r.ok = false;
        std::ostringstream os;
        os << Repro() << " t=" << now << "ns: " << what << " | A "
           << m_ep[0].eng->Export(now).ToString() << " | B " << m_ep[1].eng->Export(now).ToString();
        m_r.error = os.str();
    }

    void Move(int i, int64_t now)
    {
        Endpoint& e = m_ep[i];
        const TcpState s = e.eng->State();
        if (s == TcpState::SynSent || s == TcpState::SynRcvd || s == TcpState::Listen)
        {
            return; // mid-handshake moves are not supported (SPEC §2 excludes them)
        }
        const TcpDelegatedState d = e.eng->Export(now);
        TcpEngine moved = TcpEngine::Import(e.cfg, e.lport, e.rport, d, now);
        if (moved.Export(now) != d)
        {
            Fail(now, "Export(Import(Export())) differs");
            return;
        }
        e.eng.emplace(std::move(moved));
        ++m_r.moves;
    }

    static void Fnv(uint64_t& h, uint64_t v)
    {
        for (int i = 0; i < 8; ++i)
        {
            h ^= (v >> (8 * i)) & 0xff;
            h *= 0x100000001B3ULL;
        }
    }

    void Transmit(int src, const TcpSegment& seg, int64_t now)
    {
        const int dst = 1 - src;
        std::vector<uint8_t> bytes = seg.Serialize();
        ++m_r.segments;
        m_r.bytes[src] += seg.payload.size();
        if (seg.window == 0 && !seg.Has(TcpSegment::RST))
        {
            m_r.zeroWindowSeen = true;
        }
        if (m_r.wireHash == 0)
        {
            m_r.wireHash = 0xcbf29ce484222325ULL;
        }
        Fnv(m_r.wireHash, static_cast<uint64_t>(now));
        Fnv(m_r.wireHash, static_cast<uint64_t>(src));
        for (uint8_t b : bytes)
        {
            m_r.wireHash = (m_r.wireHash ^ b) * 0x100000001B3ULL;
        }
        Rng& r = m_link[src];
        const int64_t txTime =
            static_cast<int64_t>((bytes.size() + 40) * 8ULL * 1000000000ULL / m_rateBps[src]);
        const int64_t depart = std::max(now, m_linkFree[src]) + txTime;
        m_linkFree[src] = depart;
        const bool lost = r.Chance(m_loss[src]);
        const bool dup = r.Chance(m_dup[src]);
        const int64_t j1 = m_jitter[src] ? static_cast<int64_t>(r.Below(m_jitter[src])) : 0;
        const int64_t j2 = m_jitter[src] ? static_cast<int64_t>(r.Below(m_jitter[src])) : 0;
        if (lost)
        {
            ++m_r.dropped;
            return;
        }
        if (dup)
        {
            ++m_r.duplicated;
            m_queue.emplace(std::make_tuple(depart + m_delay[src] + j2 + 1, m_order++, dst), bytes);
        }
        m_queue.emplace(std::make_tuple(depart + m_delay[src] + j1, m_order++, dst),
                        std::move(bytes));
    }

    void Drain(int i, int64_t now)
    {
        Endpoint& e = m_ep[i];
        for (const TcpSegment& s : e.eng->TakeSegments())
        {
            Transmit(i, s, now);
        }
        for (const TcpEvent& ev : e.eng->TakeEvents())
        {
            switch (ev.kind)
            {
            case TcpEvent::Kind::Established:
                ++e.established;
                break;
            case TcpEvent::Kind::RemoteFin:
                ++e.remoteFins;
                if (e.received + e.eng->BytesReadable() != m_ep[1 - i].toSend)
                {
                    Fail(now, "RemoteFin before all data was delivered");
                }
                break;
            case TcpEvent::Kind::FinAcked:
                ++e.finAcked;
                break;
            case TcpEvent::Kind::BytesAcked:
                e.acked += ev.bytes;
                break;
            case TcpEvent::Kind::Reset:
                if (e.state != TcpState::TimeWait) // RFC 1337 TIME-WAIT assassination is legal
                {
                    ++e.resets;
                    Fail(now, std::string(i == 0 ? "A" : "B") + " got an unexpected Reset");
                }
                break;
            case TcpEvent::Kind::TimedOut:
                ++e.timeouts;
                Fail(now, std::string(i == 0 ? "A" : "B") + " timed out");
                break;
            case TcpEvent::Kind::Closed:
                ++e.closed;
                break;
            case TcpEvent::Kind::StateChanged:
                e.state = ev.newState;
                break;
            case TcpEvent::Kind::DataReadable:
                break;
            }
        }
    }

    void AppTick(int i, int64_t now)
    {
        Endpoint& e = m_ep[i];
        Rng& r = m_appRng[i];
        e.nextApp = now + e.appInterval / 2 + static_cast<int64_t>(r.Below(e.appInterval));
        TcpEngine& eng = *e.eng;
        // send
        if (e.queued < e.toSend && eng.SendBufferSpace() > 0)
        {
            const uint64_t chunk = std::min<uint64_t>(e.toSend - e.queued, 1 + r.Below(30000));
            m_buf.resize(chunk);
            for (uint64_t k = 0; k < chunk; ++k)
            {
                m_buf[k] = PatternByte(m_o.seed, i, e.queued + k);
            }
            e.queued += eng.Send(now, m_buf.data(), chunk);
        }
        if (e.queued == e.toSend && !e.shutdownDone &&
            (eng.State() == TcpState::Established || eng.State() == TcpState::CloseWait) &&
            (!e.shutdownAfterRemoteFin || e.remoteFins > 0))
        {
            eng.ShutdownSend(now);
            e.shutdownDone = true;
        }
        // receive
        if (!e.lazyReader || (now >= e.stallUntil && r.Below(4) == 0))
        {
            const size_t want = e.lazyReader ? 1 + r.Below(4000) : eng.BytesReadable();
            std::vector<uint8_t> got = eng.Read(now, want);
            for (size_t k = 0; k < got.size(); ++k)
            {
                if (got[k] != PatternByte(m_o.seed, 1 - i, e.received + k))
                {
                    Fail(now,
                         "corrupted byte delivered at offset " + std::to_string(e.received + k));
                    break;
                }
            }
            e.received += got.size();
            if (e.received > m_ep[1 - i].toSend)
            {
                Fail(now, "more bytes delivered than sent");
            }
        }
        Drain(i, now);
        const bool closed = eng.State() == TcpState::Closed;
        if (eng.BytesReadable() == 0 && ((e.shutdownDone && e.remoteFins > 0) || closed))
        {
            e.appActive = false;
            e.appDone = true;
        }
    }

    void FinalChecks()
    {
        for (int i = 0; i < 2; ++i)
        {
            const Endpoint& e = m_ep[i];
            const Endpoint& peer = m_ep[1 - i];
            const std::string who = i == 0 ? "A" : "B";
            if (e.received != peer.toSend)
            {
                Fail(m_r.endTimeNs,
                     who + " received " + std::to_string(e.received) + " of " +
                         std::to_string(peer.toSend));
            }
            if (e.acked != e.toSend)
            {
                Fail(m_r.endTimeNs, who + " BytesAcked total differs from bytes sent");
            }
            if (e.established != 1 || e.remoteFins != 1 || e.finAcked != 1 || e.closed != 1)
            {
                Fail(m_r.endTimeNs,
                     who + " event counts: established=" + std::to_string(e.established) +
                         " remoteFin=" + std::to_string(e.remoteFins) + " finAcked=" +
                         std::to_string(e.finAcked) + " closed=" + std::to_string(e.closed));
            }
        }
    }

    HarnessOptions m_o;
    Rng m_scenario;
    Rng m_moveRng;
    Rng m_link[2]{Rng(0, 0), Rng(0, 0)};
    Rng m_appRng[2]{Rng(0, 0), Rng(0, 0)};
    Endpoint m_ep[2];
    int64_t m_delay[2]{0, 0};
    int64_t m_jitter[2]{0, 0};
    double m_loss[2]{0, 0};
    double m_dup[2]{0, 0};
    uint64_t m_rateBps[2]{1, 1};
    int64_t m_linkFree[2]{0, 0};
    uint64_t m_order{0};
    std::map<std::tuple<int64_t, uint64_t, int>, std::vector<uint8_t>> m_queue;
    std::vector<uint8_t> m_buf;
    HarnessResult m_r;
};

} // namespace enginetest
} // namespace ns3

#endif /* ENGINE_LINK_HARNESS_H */
