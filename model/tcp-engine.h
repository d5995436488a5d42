/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef TCP_ENGINE_H
#define TCP_ENGINE_H

#include "tcp-delegated-state.h"
#include "tcp-segment.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * A sans-I/O TCP engine (RFC 9293, 5681, 6298, 6582, 7323, 5961). It runs in the host stack and
 * inside the simulated offload NIC; a connection moves between the two by Export()/Import() of
 * its delegated state.
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Engine parameters. Times in nanoseconds. Defaults follow ns-3's TcpSocketBase where it
 * has one, the RFCs otherwise.
 */
struct TcpEngineConfig
{
    /// MSS we announce and the largest payload we send (ns-3 SegmentSize default: 536).
    uint16_t mss{536};
    /// RFC 9293 §3.7.1: the payload of a segment is MSS minus the TCP options it carries
    /// (12 bytes with timestamps). false: every segment carries a full MSS of payload, as ns-3.
    bool subtractOptionsFromMss{true};
    uint32_t sndBufSize{131072}; //!< bytes the send buffer holds (queued + unacknowledged)
    uint32_t rcvBufSize{131072}; //!< bytes the receive buffer holds (offered window)
    bool windowScaling{true};    //!< offer RFC 7323 window scaling
    bool timestamps{true};       //!< offer RFC 7323 timestamps
    int64_t delayedAckTimeoutNs{200000000}; //!< delayed-ACK timeout (RFC 9293 §3.8.6.3)
    uint32_t delayedAckCount{2};            //!< ACK at least every this many data segments
    int64_t rtoInitialNs{1000000000};       //!< RFC 6298 §2.1 initial RTO
    int64_t rtoMinNs{1000000000};           //!< RFC 6298 §2.4 lower bound (ns-3 MinRto 1 s)
    int64_t rtoMaxNs{60000000000};          //!< RFC 6298 §2.5 upper bound
    int64_t clockGranularityNs{1000000};    //!< G in RFC 6298 §2 (ns-3: 1 ms)
    uint32_t maxRetransmits{6};             //!< timeouts of data/FIN before TimedOut (RFC 9293 R2)
    uint32_t maxSynRetransmits{6};          //!< timeouts of SYN / SYN-ACK before TimedOut
    uint32_t dupAckThreshold{3};            //!< RFC 5681 §3.2 duplicate ACKs for fast retransmit
    uint32_t initialCwndSegments{10};       //!< initial window in segments (RFC 6928, ns-3: 10)
    int64_t timeWaitNs{120000000000};       //!< TIME_WAIT duration, 2*MSL (ns-3: MSL 60 s)
    /// FIN_WAIT_2 idle timeout (restarted by every received segment); <= 0 disables it, so the
    /// receive half stays open indefinitely (RFC 9293 has no such timer).
    int64_t finWait2TimeoutNs{0};
    int64_t keepaliveIdleNs{0};               //!< idle time before keepalive probes; <= 0: off
    int64_t keepaliveIntervalNs{75000000000}; //!< between unanswered probes (RFC 1122 4.2.3.6)
    uint32_t keepaliveProbes{9};              //!< unanswered probes before TimedOut
};

/**
 * \ingroup chimney
 * \brief Something the application or the offload wrapper must learn about.
 */
struct TcpEvent
{
    /// Event kinds.
    enum class Kind : uint8_t
    {
        Established,  //!< handshake completed
        DataReadable, //!< bytes = in-order bytes newly available to Read()
        BytesAcked,   //!< bytes = payload bytes newly acknowledged by the peer
        FinAcked,     //!< our FIN was acknowledged
        RemoteFin,    //!< the peer's FIN was accepted in order, after all earlier data
        Reset,        //!< an acceptable RST was received; the connection is CLOSED
        TimedOut,     //!< retransmission / probe limit reached; the connection is CLOSED
        StateChanged, //!< oldState -> newState
        Closed,       //!< entered CLOSED (after Reset, TimedOut, Abort or a graceful close)
    };

    Kind kind{Kind::StateChanged};       //!< what happened
    uint64_t bytes{0};                   //!< byte count for DataReadable / BytesAcked
    TcpState oldState{TcpState::Closed}; //!< for StateChanged
    TcpState newState{TcpState::Closed}; //!< for StateChanged

    /**
     * \brief Short description.
     * \returns e.g. "StateChanged(ESTABLISHED->FIN_WAIT_1)"
     */
    std::string ToString() const;
};

/**
 * \ingroup chimney
 * \brief Sans-I/O TCP connection engine.
 *
 * Time comes in as a value (`now`, ns), parsed segments come in through OnSegment(), segments to
 * transmit and events come out through TakeSegments() / TakeEvents(). The caller schedules one
 * timer event at NextDeadline() and calls OnTimer() then. There is no randomness inside: the ISS
 * is given. The segment-arrival steps follow RFC 9293 §3.10.7 (tcp-engine-input.cc); every state
 * change is made by Transition() from the (state x input) table in tcp-engine-transitions.cc.
 * The send path is in tcp-engine-output.cc, the timers in tcp-engine-timers.cc.
 */
class TcpEngine
{
  public:
    /**
     * \brief Create a CLOSED connection.
     * \param config parameters
     * \param localPort our port
     * \param remotePort peer's port
     * \param iss initial send sequence number (chosen by the caller, RFC 9293 §3.4.1)
     */
    TcpEngine(const TcpEngineConfig& config, uint16_t localPort, uint16_t remotePort, uint32_t iss);

    /**
     * \brief Active OPEN (RFC 9293 §3.10.1): send SYN, enter SYN-SENT.
     * \param now current time
     */
    void Connect(int64_t now);

    /**
     * \brief Passive OPEN: enter LISTEN; a SYN given to OnSegment() opens the connection.
     */
    void Listen();

    /**
     * \brief SEND (RFC 9293 §3.10.2): queue data. Allowed in SYN-SENT, SYN-RECEIVED (queued),
     * ESTABLISHED and CLOSE-WAIT, before ShutdownSend().
     * \param now current time
     * \param data bytes
     * \param len number of bytes
     * \returns bytes accepted (bounded by the free send-buffer space), 0 if not allowed
     */
    size_t Send(int64_t now, const uint8_t* data, size_t len);

    /**
     * \brief CLOSE (RFC 9293 §3.10.4) of the send half: FIN after all queued data. The receive
     * half stays open until the peer's FIN or RST.
     * \param now current time
     */
    void ShutdownSend(int64_t now);

    /**
     * \brief ABORT (RFC 9293 §3.10.5): RST (seq = SND.NXT, i.e. SndMax) when synchronized,
     * then CLOSED. In CLOSING and LAST-ACK only while our FIN is unsent (as Linux does; the RFC
     * sends nothing there). The send buffer is discarded, readable data stays readable.
     * \param now current time
     */
    void Abort(int64_t now);

    /**
     * \brief RECEIVE (RFC 9293 §3.10.3): consume in-order data. Sends a window update when the
     * window opens by min(rcvBufSize/2, MSS) or more (RFC 9293 §3.8.6.2.2).
     * \param now current time
     * \param buf destination
     * \param max capacity of buf
     * \returns bytes copied
     */
    size_t Read(int64_t now, uint8_t* buf, size_t max);

    /**
     * \brief RECEIVE into a new vector.
     * \param now current time
     * \param max most bytes to return
     * \returns the bytes
     */
    std::vector<uint8_t> Read(int64_t now, size_t max);

    /**
     * \brief Send a pending delayed ACK now and stop the delayed-ACK timer (RFC 9293 §3.8.6.3).
     * Used before the connection's state is handed elsewhere, so the ACK is not left owed by
     * whoever imports it. Nothing is sent when no ACK is pending or the state is not
     * synchronized.
     * \param now current time
     */
    void FlushPendingAck(int64_t now);

    /**
     * \brief SEGMENT ARRIVES (RFC 9293 §3.10.7). The caller has demultiplexed it to this
     * connection (ports are not checked).
     * \param now current time
     * \param seg the segment
     */
    void OnSegment(int64_t now, const TcpSegment& seg);

    /**
     * \brief Handle every timer whose deadline is <= now (RFC 9293 §3.10.8).
     * \param now current time
     */
    void OnTimer(int64_t now);

    /**
     * \brief Earliest armed timer.
     * \returns absolute time in ns, -1 if no timer is armed
     */
    int64_t NextDeadline() const;

    /**
     * \brief Segments to transmit, oldest first; the internal queue is emptied.
     * \returns the segments
     */
    std::vector<TcpSegment> TakeSegments();

    /**
     * \brief Events, oldest first; the internal queue is emptied.
     * \returns the events
     */
    std::vector<TcpEvent> TakeEvents();

    /**
     * \brief Give a vector TakeSegments() returned back, emptied, for any engine's next output.
     *
     * An engine's output queues are empty between runs; without this, each run's first segment
     * and first event would allocate them again. Kept per thread, a few at most.
     * \param segments the vector (its elements are destroyed)
     */
    static void Recycle(std::vector<TcpSegment>&& segments);

    /// \brief TakeEvents()' vector back (see Recycle(std::vector<TcpSegment>&&)).
    /// \param events the vector
    static void Recycle(std::vector<TcpEvent>&& events);

    /**
     * \brief Whether TakeSegments() or TakeEvents() has something.
     * \returns true if output is queued
     */
    bool HasOutput() const
    {
        return !m_out.empty() || !m_events.empty();
    }

    /// \brief Connection state. \returns the state
    TcpState State() const
    {
        return m_state;
    }

    /// \brief SND.UNA. \returns oldest unacknowledged sequence number
    uint32_t SndUna() const
    {
        return m_sndUna;
    }

    /// \brief Next sequence number to send. \returns SndNxt
    uint32_t SndNxt() const
    {
        return m_sndNxt;
    }

    /// \brief Highest sequence number sent + 1. \returns SndMax
    uint32_t SndMax() const
    {
        return m_sndMax;
    }

    /// \brief RCV.NXT. \returns next expected sequence number
    uint32_t RcvNxt() const
    {
        return m_rcvNxt;
    }

    /// \brief Peer's send window. \returns bytes
    uint32_t SndWnd() const
    {
        return m_sndWnd;
    }

    /// \brief Congestion window. \returns bytes
    uint32_t Cwnd() const
    {
        return m_cwnd;
    }

    /// \brief Slow-start threshold. \returns bytes
    uint32_t Ssthresh() const
    {
        return m_ssthresh;
    }

    /// \brief Current retransmission timeout. \returns ns
    int64_t Rto() const
    {
        return m_rto;
    }

    /// \brief Effective send MSS (payload bytes per segment). \returns bytes
    uint32_t SndMss() const
    {
        return m_sndMss;
    }

    /// \brief Total retransmissions so far. \returns count
    uint32_t TotalRetransmits() const
    {
        return m_totalRt;
    }

    /// \brief In-order bytes waiting for Read(). \returns bytes
    size_t BytesReadable() const
    {
        return m_rcvBuf.size() - m_rcvHead;
    }

    /// \brief Bytes queued or unacknowledged in the send buffer. \returns bytes
    size_t BytesInSendBuffer() const
    {
        return m_sndBuf.size() - m_sndHead;
    }

    /// \brief Free send-buffer space (0 once the send half is closed). \returns bytes
    size_t SendBufferSpace() const;

    /**
     * \brief Storage the byte buffers hold (send, receive, out-of-order), used or not: none
     *        once TIME_WAIT or CLOSED is reached and every received byte was read.
     * \returns bytes
     */
    size_t StorageBytes() const;

    /// \brief Whether the peer's FIN has been accepted. \returns true after RemoteFin
    bool RemoteFinReceived() const
    {
        return m_remoteFin;
    }

    /// \brief Whether ShutdownSend() was called. \returns true if our FIN is queued or sent
    bool FinRequested() const
    {
        return m_finRequested;
    }

    /// \brief Whether timestamps were negotiated. \returns true if so
    bool TimestampsEnabled() const
    {
        return m_tsEnabled;
    }

    /// \brief Local port. \returns port
    uint16_t LocalPort() const
    {
        return m_localPort;
    }

    /// \brief Remote port. \returns port
    uint16_t RemotePort() const
    {
        return m_remotePort;
    }

    /// \brief The configuration. \returns config
    const TcpEngineConfig& Config() const
    {
        return m_cfg;
    }

    /**
     * \brief Snapshot the delegated state (SPEC §2). Queued output (TakeSegments/TakeEvents)
     * is not part of it: drain it first.
     * \param now current time (timers and ages are exported relative to it)
     * \returns the state
     */
    TcpDelegatedState Export(int64_t now) const;

    /**
     * \brief Build an engine that continues a connection exactly where Export() left it.
     * \param config parameters (should equal the exporter's for an exact continuation)
     * \param localPort our port
     * \param remotePort peer's port
     * \param state exported state
     * \param now current time
     * \returns the engine
     */
    static TcpEngine Import(const TcpEngineConfig& config,
                            uint16_t localPort,
                            uint16_t remotePort,
                            const TcpDelegatedState& state,
                            int64_t now);

    /**
     * \brief Self-check for fuzzers: sequence-variable ordering, buffer/sequence consistency,
     * state-specific facts.
     * \param why receives the first violation found (may be null)
     * \returns true if every invariant holds
     */
    bool CheckInvariants(std::string* why) const;

  private:
    /**
     * What moves the connection from one state to another (RFC 9293 §3.10). Segment inputs are
     * what a segment means once it passed the checks of §3.10.7; the (state x input) table is in
     * tcp-engine-transitions.cc.
     */
    enum class Input : uint8_t
    {
        OpenActive,  //!< OPEN, active (§3.10.1)
        OpenPassive, //!< OPEN, passive (§3.10.1)
        Close,       //!< CLOSE (§3.10.4), or a CLOSE queued in SYN-SENT / SYN-RECEIVED
        Abort,       //!< ABORT (§3.10.5)
        Syn,         //!< a SYN that opens: LISTEN third, SYN-SENT fourth without an ACK
        SynAck,      //!< SYN-SENT fourth: a SYN whose ACK acknowledges our SYN
        AckOfSyn,    //!< SYN-RECEIVED fifth: an ACK of our SYN
        AckOfFin,    //!< fifth: our FIN is acknowledged
        Fin,         //!< eighth: the peer's FIN, in order after all its data
        Rst,         //!< second: an acceptable RST
        GiveUp,      //!< §3.10.8 user timeout: retransmission, probe or FIN_WAIT_2 limit
        TimeWaitEnd, //!< §3.10.8 time-wait timeout
    };

    /// Retransmission pieces handed to SendDataSegment().
    enum class TxKind : uint8_t
    {
        New,        //!< regular output from SndNxt
        Retransmit, //!< fast / partial-ACK retransmission at SndUna
        Probe,      //!< zero-window probe
    };

    // --- SEGMENT ARRIVES, RFC 9293 §3.10.7 ---
    void SegmentInClosed(int64_t now, const TcpSegment& seg);
    void SegmentInListen(int64_t now, const TcpSegment& seg);
    void SegmentInSynSent(int64_t now, const TcpSegment& seg);
    void SegmentInSynchronized(int64_t now, const TcpSegment& seg);
    bool IsAcceptable(const TcpSegment& seg) const;
    bool ProcessAck(int64_t now, const TcpSegment& seg);
    void OnNewAck(int64_t now, uint32_t ack);
    void OnDuplicateAck(int64_t now);
    void ProcessText(int64_t now, const TcpSegment& seg, uint32_t seq);
    void ProcessFin(int64_t now);
    void AcceptSyn(int64_t now, const TcpSegment& seg);

    // --- output ---
    void Output(int64_t now);
    void SendDataSegment(int64_t now, uint32_t seq, uint32_t len, bool fin, TxKind kind);
    void RetransmitFirst(int64_t now);
    void SendSyn(int64_t now, bool withAck);
    void SendAck(int64_t now);
    void SendRstFor(int64_t now, const TcpSegment& seg);
    void SendAbortReset(int64_t now); // ABORT's <SEQ=SND.NXT><CTL=RST>
    TcpSegment& NewSegment(int64_t now, uint8_t flags, uint32_t seq);
    uint16_t WindowField(bool syn);
    uint32_t PureAckSeq() const;
    void UpdateSendTimers(int64_t now);

    // --- timers ---
    void OnRetransmitTimeout(int64_t now);
    void OnPersistTimeout(int64_t now);
    void OnKeepaliveTimeout(int64_t now);
    void RestartIdleTimers(int64_t now);
    void StopAllTimers();
    void RttSample(int64_t rtt);

    // --- transitions (tcp-engine-transitions.cc) ---
    void Transition(int64_t now, Input input);

    // --- helpers ---
    static bool IsSynchronized(TcpState s);
    static bool CanSend(TcpState s);
    static bool CanReceive(TcpState s);
    void Emit(TcpEvent::Kind kind, uint64_t bytes = 0);

    /// \brief Queue an event (m_events, room from a recycled vector when it has none).
    /// \param e the event
    void PushEvent(const TcpEvent& e);

    /// \brief Queue an empty segment (m_out, as PushEvent). \returns it
    TcpSegment& PushSegment();
    void NegotiateOptions(int64_t now, const TcpSegment& syn);
    uint8_t OurWindowShift() const;
    uint32_t RcvWnd() const;
    int64_t PersistInterval() const;
    void InsertOutOfOrder(uint32_t seq, const uint8_t* data, uint32_t len);
    uint32_t DataEnd() const;
    bool FinAcked() const;
    uint32_t Flight() const;
    uint32_t InitialCwnd() const;
    static uint32_t TsClock(int64_t now);
    void CompactSendBuffer();

    // --- buffer storage (tcp-engine-buffers.cc) ---
    void ClearReceiveBuffer();
    void ReleaseSpentBuffers();

    TcpEngineConfig m_cfg;
    uint16_t m_localPort;
    uint16_t m_remotePort;
    TcpState m_state{TcpState::Closed};
    bool m_passiveOpen{false};
    bool m_finRequested{false};
    bool m_remoteFin{false};
    bool m_remoteFinPending{false};
    bool m_tsEnabled{false};
    bool m_wsEnabled{false};
    bool m_inRecovery{false};
    bool m_rttTiming{false};
    bool m_rttSampled{false};
    bool m_ackNow{false};     // transient: an immediate ACK is owed
    bool m_ackPending{false}; // a delayed ACK is owed
    uint8_t m_sndWndShift{0};
    uint8_t m_rcvWndShift{0};
    uint16_t m_sndMss;

    uint32_t m_iss;
    uint32_t m_irs{0};
    uint32_t m_sndUna;
    uint32_t m_sndNxt;
    uint32_t m_sndMax;
    uint32_t m_sndDataSeq; // sequence number of m_sndBuf[m_sndHead]
    uint32_t m_sndWnd{0};
    uint32_t m_maxSndWnd{0};
    uint32_t m_sndWl1{0};
    uint32_t m_sndWl2{0};
    uint32_t m_finSeq{0};
    uint32_t m_rcvNxt{0};
    uint32_t m_rcvAdvEdge{0}; // RCV.NXT + RCV.WND as last advertised
    uint32_t m_remoteFinSeq{0};
    uint32_t m_cwnd;
    uint32_t m_ssthresh{0xffffffff};
    uint32_t m_recover;
    uint32_t m_dupAcks{0};
    uint32_t m_totalRt{0};
    uint32_t m_rttSeq{0};
    uint32_t m_tsRecent{0};
    uint32_t m_lastAckSent{0};
    uint32_t m_rtxCount{0};
    uint32_t m_probeCount{0};
    uint32_t m_keepCount{0};
    uint32_t m_delAckSegs{0};

    int64_t m_srtt{0};
    int64_t m_rttvar{0};
    int64_t m_rto;
    int64_t m_rttStart{0};
    int64_t m_tsRecentTime{0};
    int64_t m_rtxDeadline{-1};
    int64_t m_persistDeadline{-1};
    int64_t m_delAckDeadline{-1};
    int64_t m_keepDeadline{-1};
    int64_t m_finWait2Deadline{-1};
    int64_t m_timeWaitDeadline{-1};

    std::vector<uint8_t> m_sndBuf; // [m_sndHead, size) = send data from m_sndDataSeq
    size_t m_sndHead{0};
    std::vector<uint8_t> m_rcvBuf; // [m_rcvHead, size) = readable data
    size_t m_rcvHead{0};
    std::vector<TcpOutOfOrderSegment> m_ooo;
    std::vector<TcpSegment> m_out;
    std::vector<TcpEvent> m_events;
};

} // namespace ns3

#endif /* TCP_ENGINE_H */
