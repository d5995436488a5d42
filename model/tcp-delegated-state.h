/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_DELEGATED_STATE_H
#define TCP_DELEGATED_STATE_H

#include <cstdint>
#include <string>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * TCP connection states and the delegated TCP state (SPEC.md §2) that moves a connection between
 * the host stack and the offload target.
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The eleven connection states of RFC 9293 §3.3.2.
 */
enum class TcpState : uint8_t
{
    Closed,
    Listen,
    SynSent,
    SynRcvd,
    Established,
    FinWait1,
    FinWait2,
    CloseWait,
    Closing,
    LastAck,
    TimeWait,
};

/**
 * \ingroup chimney
 * \brief Name of a state, RFC 9293 spelling.
 * \param state the state
 * \returns e.g. "ESTABLISHED", "FIN_WAIT_1"
 */
const char* ToString(TcpState state);

/**
 * \ingroup chimney
 * \brief SPEC 2: the states in which a connection may be offloaded (ESTABLISHED through
 * LAST_ACK, TIME_WAIT excluded).
 * \param state the state
 * \returns true when a connection in this state may be offloaded
 */
bool IsOffloadableState(TcpState state);

/**
 * \ingroup chimney
 * \brief A counted timer as the delegated state carries it.
 */
struct TcpTimerState
{
    uint32_t count{0};       //!< expirations so far (retransmissions, keepalive probes)
    int64_t remainingNs{-1}; //!< time to expiry in ns; -1 = not running

    /**
     * \brief Field-wise equality.
     * \param o other
     * \returns true if equal
     */
    bool operator==(const TcpTimerState& o) const
    {
        return count == o.count && remainingNs == o.remainingNs;
    }
};

/**
 * \ingroup chimney
 * \brief A received segment held beyond a hole (RFC 9293 §3.10.7.4 "seventh, process the segment
 * text": segments beyond RCV.NXT are kept, not dropped).
 */
struct TcpOutOfOrderSegment
{
    uint32_t seq{0};           //!< sequence number of data[0]
    std::vector<uint8_t> data; //!< the bytes

    /**
     * \brief Field-wise equality.
     * \param o other
     * \returns true if equal
     */
    bool operator==(const TcpOutOfOrderSegment& o) const
    {
        return seq == o.seq && data == o.data;
    }
};

/**
 * \ingroup chimney
 * \brief Delegated TCP state (SPEC.md §2): every variable the offload target owns while a
 * connection is offloaded, plus what an exact continuation in another engine needs.
 *
 * Times are relative to the instant of the export (remaining time, age), so the importer, given
 * the same "now", continues exactly as the exporter would have. Sequence-space layout of the send
 * data: sendData[0] is the byte at SndUna (or at ISS+1 while the SYN is unacknowledged);
 * [SndUna, SndNxt) was sent and is unacknowledged, [SndNxt, SndMax) was sent before but must be
 * sent again first (go-back-N after a timeout), beyond SndMax is unsent.
 */
struct TcpDelegatedState
{
    // --- SPEC §2 delegated variables ---
    TcpState state{TcpState::Closed}; //!< connection state
    uint32_t rcvNxt{0};               //!< RCV.NXT
    uint32_t rcvWnd{0};               //!< receive window advertised (right edge - RCV.NXT), bytes
    uint32_t sndUna{0};               //!< SND.UNA
    uint32_t sndNxt{0};               //!< next sequence number to send (retransmission point)
    uint32_t sndMax{0};               //!< highest sequence number sent + 1
    uint32_t sndWnd{0};               //!< peer's window, bytes (scaled)
    uint32_t maxSndWnd{0};            //!< largest window the peer has offered
    uint32_t sndWl1{0};               //!< SND.WL1
    uint32_t sndWl2{0};               //!< SND.WL2
    uint32_t cwnd{0};                 //!< congestion window, bytes
    uint32_t ssthresh{0};             //!< slow-start threshold, bytes
    int64_t srttNs{0};                //!< smoothed RTT (RFC 6298)
    int64_t rttVarNs{0};              //!< RTT variation (RFC 6298)
    uint32_t tsRecent{0};             //!< TS.Recent (RFC 7323 §4.3)
    int64_t tsRecentAgeNs{0};         //!< time since TS.Recent was set
    uint32_t totalRt{0};              //!< total retransmissions of this connection
    uint32_t dupAckCount{0};          //!< consecutive duplicate ACKs
    uint32_t sndWndProbeCount{0};     //!< zero-window probes sent without an answer
    TcpTimerState retransmitTimer;    //!< retransmission timer (count = consecutive timeouts)
    TcpTimerState keepaliveTimer;     //!< keepalive timer (count = unanswered probes)
    std::vector<uint8_t> sendData;    //!< every byte from SndUna to the end of queued data
    std::vector<uint8_t> receiveData; //!< in-order bytes received, not yet read

    // --- what an exact continuation also needs ---
    uint32_t iss{0};                   //!< initial send sequence number
    uint32_t irs{0};                   //!< initial receive sequence number
    uint8_t sndWndShift{0};            //!< peer's window scale (RFC 7323 §2)
    uint8_t rcvWndShift{0};            //!< our window scale
    bool windowScaling{false};         //!< window scaling negotiated (RFC 7323 §2)
    uint32_t sendDataSeq{0};           //!< sequence number of sendData[0]
    bool timestamps{false};            //!< timestamps negotiated (RFC 7323 §3)
    uint32_t lastAckSent{0};           //!< Last.ACK.sent (RFC 7323 §4.3)
    uint16_t sndMss{536};              //!< effective send MSS (payload bytes per segment)
    bool passiveOpen{false};           //!< opened from LISTEN (RST in SYN-RECEIVED returns there)
    int64_t rtoNs{0};                  //!< current (possibly backed-off) RTO
    bool rttSampled{false};            //!< srtt/rttVar hold a measurement
    bool rttTiming{false};             //!< a segment is being timed (Karn)
    uint32_t rttSeq{0};                //!< ACK that completes the timed measurement
    int64_t rttElapsedNs{0};           //!< time since the timed segment was sent
    uint32_t recover{0};               //!< NewReno "recover" (RFC 6582 §3.2)
    bool inRecovery{false};            //!< in NewReno fast recovery
    bool finRequested{false};          //!< the application closed the send half
    uint32_t finSeq{0};                //!< sequence number of our FIN (valid if finRequested)
    bool remoteFinReceived{false};     //!< peer's FIN accepted in order
    bool remoteFinPending{false};      //!< peer's FIN received beyond a hole
    uint32_t remoteFinSeq{0};          //!< its sequence number
    uint32_t delayedAckSegments{0};    //!< in-order data segments not yet acknowledged
    bool ackPending{false};            //!< an ACK is owed (delayed)
    int64_t delayedAckRemainingNs{-1}; //!< delayed-ACK timer
    int64_t persistRemainingNs{-1};    //!< persist (zero-window probe) timer
    int64_t finWait2RemainingNs{-1};   //!< FIN_WAIT_2 timer
    int64_t timeWaitRemainingNs{-1};   //!< TIME_WAIT (2*MSL) timer
    std::vector<TcpOutOfOrderSegment> outOfOrder; //!< data beyond a hole, sorted, disjoint

    /**
     * \brief Field-wise equality.
     * \param o other
     * \returns true if every field is equal
     */
    bool operator==(const TcpDelegatedState& o) const;

    /**
     * \brief Field-wise inequality.
     * \param o other
     * \returns true if some field differs
     */
    bool operator!=(const TcpDelegatedState& o) const
    {
        return !(*this == o);
    }

    /**
     * \brief Multi-field description for logs (data shown by length only).
     * \returns "state=ESTABLISHED rcvNxt=... "
     */
    std::string ToString() const;
};

} // namespace ns3

#endif /* TCP_DELEGATED_STATE_H */
