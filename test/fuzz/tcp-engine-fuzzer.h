/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * The TCP engine fuzzer's pieces (test/fuzz/tcp-engine-fuzzer.cc says what one input is and
 * what is checked): the input reader, the reference stream, each endpoint's outside view and
 * the Fuzzer. Its methods live in three files: tcp-engine-fuzzer.cc (set-up and the operation
 * loop), tcp-engine-fuzzer-moves.cc (application calls, deliveries, forged segments) and
 * tcp-engine-fuzzer-checks.cc (the checks after every step).
 */

#ifndef TCP_ENGINE_FUZZER_H
#define TCP_ENGINE_FUZZER_H

#include "fuzz-input-reader.h"
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

namespace engine_fuzz
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

extern bool g_trace; ///< CHIMNEY_FUZZ_TRACE set (tcp-engine-fuzzer.cc)

/**
 * \brief Byte of a reference stream at a sequence number.
 * \param dir 0: peer to engine, 1: engine to peer
 * \param seq sequence number of the byte
 * \returns the byte
 */
inline uint8_t
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

using fuzz_input::Reader;

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
inline bool
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
    void Run();

  private:
    // ------------------------------------------------------------------------- reporting

    /// Reports a violated check with both engines' state, then aborts (libFuzzer keeps the input).
    [[noreturn]] void Fail(const std::string& what);

    /// Prints one step when CHIMNEY_FUZZ_TRACE is set.
    void Trace(const char* what, const TcpSegment* seg = nullptr);

    /**
     * Liveness: when the input only lost, duplicated or reordered segments (nothing forged) and
     * neither side aborted, reset or timed out, a healed link must deliver every byte sent.
     */
    void CheckLiveness();

    // ------------------------------------------------------------------------- set-up

    /// Reads the option bytes and drives both engines to the target state (kTargets).
    void Setup();

    /// Handshake, optional data both ways, everything acknowledged.
    void Open(bool engineActive, uint32_t engineBytes, uint32_t peerBytes);

    /// From ESTABLISHED to a closing state.
    void Close(TcpState target);

    // ------------------------------------------------------------------------- operations

    /// Reads one opcode and its arguments and performs it.
    void Op();

    /// Drop, duplicate or reorder a queued segment.
    void Link();

    /// An application call on the peer side.
    void PeerOp();

    /// Moves the clock forward (a fixed step or to the next deadline, as the input chooses),
    /// then fires due timers.
    void AdvanceTime();

    /// Runs OnTimer on both engines when their deadline has come.
    void FireTimers();

    /// Deliver queued segments in order (no loss); optionally advance to timers while a side
    /// still has data or a FIN outstanding; the applications read when readApps is set.
    void Settle(int maxSteps, bool timers, bool readApps);

    /// Whether a side still has data or a FIN not acknowledged.
    static bool Busy(const Side& s);

    // ------------------------------------------------------------------------- application

    /// The application writes n reference-stream bytes.
    void AppSend(Side& s, uint32_t n);

    /// The application reads up to max bytes and checks them against the reference stream.
    void AppRead(Side& s, size_t max);

    /// The application shuts down its send half (a FIN).
    void Shutdown(Side& s);

    /// The application aborts (a RST).
    void Abort(Side& s);

    /// Export/Import move of an engine; a never-moved copy keeps running beside it.
    void Move(Side& s);

    // ------------------------------------------------------------------------- segments

    /// Takes the first segment of a queue.
    static TcpSegment PopFront(std::deque<TcpSegment>& q);

    /// One segment into the engine under test (and its never-moved copy).
    void DeliverToEngine(const TcpSegment& seg);

    /// One segment into the peer.
    void DeliverToPeer(const TcpSegment& seg);

    /// Reference-stream payload bytes (the SYN occupies the first sequence number).
    void FixPayload(TcpSegment& s) const;

    /// A peer segment (queued, or a fresh pure ACK from the peer) with fields pushed to the
    /// edges of the engine's windows.
    void DeliverMutated();

    /// Raw bytes through the parser, fields optionally anchored to the engine's variables.
    void DeliverRaw();

    // ------------------------------------------------------------------------- checks

    /// Drain both engines' output, check it and both engines. Called after every step.
    void Step();

    /// Learns a side's connection view (IRS, window shift, SND.UNA, RCV.NXT) once synchronized;
    /// forgets it when the engine returns to LISTEN.
    void Observe(Side& s);

    /// Takes a side's output segments, checks them and queues them towards the other side.
    void Drain(Side& s, std::deque<TcpSegment>& wire);

    /// The whole delegated state of a moved engine equals the never-moved copy's (once per
    /// operation: Export copies the buffers).
    void CompareStateWithShadow(const Side& s);

    /// The moved engine must do exactly what the never-moved copy does.
    void CompareWithShadow(Side& s, const std::vector<TcpSegment>& segs);

    /// The rules for a segment a side sends (window, payload, FIN, RST).
    void CheckOutgoing(Side& s, const TcpSegment& seg);

    /// The rules for one event (totals, states, nothing after CLOSED).
    void CheckEvent(Side& s, const TcpEvent& ev);

    /// The engine's invariants and its sequence variables against what was seen.
    void Check(Side& s);

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

} // namespace engine_fuzz

#endif // TCP_ENGINE_FUZZER_H
