/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_HOST_CONNECTION_H
#define CHIMNEY_HOST_CONNECTION_H

#include "chimney-byte-queue.h"
#include "chimney-engine-timer.h"
#include "chimney-interface.h"
#include "tcp-engine.h"

#include "ns3/address.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace ns3
{

class ChimneyHostStack;
class ChimneySocket;

/**
 * \ingroup chimney
 * \brief One connection of a ChimneyHostStack: its software engine (while the host runs it),
 *        the requests it has made of the layer below (while offloaded), and its lifecycle as
 *        explicit states.
 *
 * The states, each changed only through Enter() (one function, Change(), writes them all and
 * reports every change through the stack's "ConnectionState" trace source; a phase change also
 * through "PhaseChange"):
 * \verbatim
 Phase (where it runs)   SOFTWARE -> OFFLOADING -> OFFLOADED -> TERMINATING -> SOFTWARE ... ENDED
 Handshake               Connecting | Accepting -> Established
 GracefulClose (FIN)     None -> Requested -> FinInEngine | DisconnectIssued -> FinAcked
 AbortiveClose (RST)     None -> Requested -> DisconnectIssued -> Completed
 ReceiveHalf             Open -> RemoteFin -> RemoteFinDelivered
 Fault (worst stays)     None < TimedOut < Reset < Failed
 \endverbatim
 * The graceful and the abortive close are two states, not one: an application may ask for an
 * abortive close after a graceful one (SPEC H4 allows it), and the graceful disconnect already
 * issued may still complete SUCCESS, which counts for "both halves closed".
 *
 * The stack owns the connection (created at the first SYN, reaped after ENDED), finds it by
 * handle or 4-tuple, and routes completions and indications to it; the connection drives its
 * engine (ChimneyEngineDriver), posts send and receive NBLs, issues disconnects, decides when it
 * wants to be terminated and resumes in software after an upload.
 */
class ChimneyHostConnection
{
  public:
    /// Where the connection runs (the stack's PhaseChange trace).
    enum class Phase : uint8_t
    {
        SOFTWARE,    //!< run by the host's engine
        OFFLOADING,  //!< InitiateOffload pending; the host engine is frozen, not discarded
        OFFLOADED,   //!< run by the offload target
        TERMINATING, //!< TerminateOffload pending
        ENDED,       //!< closed, reset, timed out or failed; kept only until reaped
    };

    /// How a connection ended (for the application and for reports).
    enum class Outcome : uint8_t
    {
        OPEN,      //!< not ended yet
        CLOSED,    //!< both halves closed normally
        ABORTED,   //!< we sent RST (abortive disconnect)
        RESET,     //!< the peer sent an acceptable RST
        TIMED_OUT, //!< retransmission / FIN_WAIT_2 timeout
        FAILED,    //!< the offload target lost the connection (hardware failure, E3)
        REFUSED,   //!< the active open was refused or never answered
    };

    /// The opening handshake.
    enum class Handshake : uint8_t
    {
        Connecting,  //!< active open: our SYN
        Accepting,   //!< passive open: a listener's SYN; the listener is told once established
        Established, //!< the handshake completed (a connection that ends before was refused)
    };

    /// The application's graceful close of the send half (SPEC 3.4: FIN after the data).
    enum class GracefulClose : uint8_t
    {
        None,             //!< not asked for
        Requested,        //!< asked for: in software fed to the engine, offloaded issued
        FinInEngine,      //!< our FIN was asked of the host's engine (travels in the state)
        DisconnectIssued, //!< a graceful TcpOffloadDisconnect was made (never reissued)
        FinAcked,         //!< our FIN is acknowledged (engine, or the disconnect's SUCCESS)
    };

    /// The application's abortive close (SPEC 3.4: RST).
    enum class AbortiveClose : uint8_t
    {
        None,             //!< not asked for
        Requested,        //!< asked for: in software the engine's RST, offloaded issued
        DisconnectIssued, //!< an abortive TcpOffloadDisconnect was made
        Completed,        //!< that disconnect completed (the connection is then uploaded)
    };

    /// The receive half: the peer's FIN.
    enum class ReceiveHalf : uint8_t
    {
        Open,               //!< no FIN from the peer yet
        RemoteFin,          //!< the peer's FIN arrived (engine, or a Disconnect indication)
        RemoteFinDelivered, //!< the application was told (end of stream, after all data)
    };

    /// What the peer or the target reported that ends the connection; the worst one stays.
    enum class Fault : uint8_t
    {
        None,     //!< nothing
        TimedOut, //!< retransmission or FIN_WAIT_2 timeout (engine, Retrieve)
        Reset,    //!< an acceptable RST (engine, Abort indication, Retrieve(InvalidState))
        Failed,   //!< hardware failure (Retrieve, terminate FAILURE)
    };

    /**
     * \param stack the owner
     * \param handle the connection's handle (also its offload handle)
     * \param local our address
     * \param remote the peer's address
     * \param localPort our port
     * \param remotePort the peer's port
     * \param handshake Connecting or Accepting
     * \param engine the software engine
     */
    ChimneyHostConnection(ChimneyHostStack* stack,
                          OffloadHandle handle,
                          Ipv4Address local,
                          Ipv4Address remote,
                          uint16_t localPort,
                          uint16_t remotePort,
                          Handshake handshake,
                          std::unique_ptr<TcpEngine> engine);

    // --- states ---
    /// Every state of the connection, one of each type (read with Get<State>()).
    using States =
        std::tuple<Phase, Outcome, Handshake, GracefulClose, AbortiveClose, ReceiveHalf, Fault>;

    /// \tparam State one of the types of States \returns the connection's state of that kind
    template <typename State>
    State Get() const
    {
        return std::get<State>(m_states);
    }

    /// \returns where the connection runs
    Phase GetPhase() const
    {
        return Get<Phase>();
    }

    /// \returns how it ended (OPEN until ENDED)
    Outcome GetOutcome() const
    {
        return Get<Outcome>();
    }

    /// \returns true once a graceful close was asked for
    bool CloseRequested() const;
    /// \returns true once an abortive close was asked for
    bool AbortRequested() const;
    /// \returns true once the peer's FIN arrived
    bool RemoteFinReceived() const;
    /// \returns every state in one line, as the ConnectionState trace writes it
    std::string Describe() const;

    /**
     * \brief The only writer of the states: sets one (Change() reports it).
     * \tparam State one of the types of States
     * \param state the new value
     * \param detail for the PhaseChange trace (a Phase only), e.g. the TCP state
     */
    template <typename State>
    void Enter(State state, const std::string& detail = "");
    /// \param fault a fault; kept only if worse than the one already recorded
    void Enter(Fault fault);
    /// ENDED with an outcome: the timer stops, the phase change is reported.
    /// \param outcome how it ended
    void Enter(Outcome outcome);
    /// Report the connection's creation (PhaseChange from "", ConnectionState from "").
    void ReportOpened();

    /// \param phase a phase \returns its name, e.g. "OFFLOADED"
    static const char* ToString(Phase phase);
    /// \param outcome an outcome \returns its name, e.g. "CLOSED"
    static const char* ToString(Outcome outcome);
    /// \param handshake a state \returns its name
    static const char* ToString(Handshake handshake);
    /// \param graceful a state \returns its name
    static const char* ToString(GracefulClose graceful);
    /// \param abortive a state \returns its name
    static const char* ToString(AbortiveClose abortive);
    /// \param receive a state \returns its name
    static const char* ToString(ReceiveHalf receive);
    /// \param fault a fault \returns its name
    static const char* ToString(Fault fault);

    // --- in software (chimney-host-connection.cc) ---
    /// Run the engine to quiescence (ChimneyEngineDriver) and re-arm its timer.
    void Drive();
    /// The engine's timer fired (only acted on in SOFTWARE).
    void OnTimer();
    /// Arm the engine's timer (in SOFTWARE; otherwise it is only cancelled).
    void ArmTimer();
    /// \returns true while application bytes go to the engine (in SOFTWARE, not aborting)
    bool EngineTakesData() const;
    /// Hand queued application bytes, then a requested FIN, to the engine.
    void FeedEngine();
    /**
     * \brief Hand new application bytes to the engine behind those queued; what it has no room
     *        for is queued. Then FeedEngine().
     * \param data the bytes \param size how many
     */
    void FeedEngine(const uint8_t* data, size_t size);
    /// \returns true in SOFTWARE with an engine in a state SPEC section 2 lets offload
    bool CanOffload() const;
    /// \returns bytes the application may queue now
    uint32_t TxAvailable() const;
    /// \returns bytes readable now
    uint32_t RxAvailable() const;
    /// Tell the socket that data is readable (or drop it after ShutdownRecv).
    void NotifyReadable();
    /// Tell the socket how much it may send now.
    void NotifyWritable();
    /// Tell the socket how the connection ended (after Enter(Outcome)).
    void NotifyEnded();

    // --- offloaded (chimney-host-connection-offload.cc) ---
    /// The offload completed SUCCESS: the engine goes, held sends and the close are issued.
    void Offloaded();
    /**
     * \brief The offload failed: the connection continues in software from where it was.
     * \param status the block's status
     */
    void OffloadFailed(ChimneyStatus status);
    /// \param data bytes for one send NBL
    void PostSend(NetBufferBytes data);
    /// Keep ReceiveBuffersPosted receive NBLs posted (as far as the window allows).
    void PostReceives();
    /**
     * \brief One receive NBL down to the target (traced).
     * \param size bytes of the buffer
     * \returns what the request returned
     */
    ChimneyStatus PostReceiveNbl(uint32_t size);
    /// Issue the disconnect the application asked for, if it is due.
    void IssueDisconnect();
    /**
     * \param nbl a send NBL completed
     * \returns the bytes it reports acknowledged
     */
    uint64_t SendCompleted(const Ptr<NetBufferList>& nbl);
    /// \param acked bytes the send completions of one upcall acknowledged
    void SendsCompleted(uint64_t acked);
    /**
     * \param nbl a receive NBL completed (its buffer is recycled)
     * \returns the bytes it delivered
     */
    uint64_t ReceiveCompleted(const Ptr<NetBufferList>& nbl);
    /// \param delivered bytes the receive completions of one upcall delivered
    void ReceivesCompleted(uint64_t delivered);
    /// \param nbl a disconnect NBL completed
    void DisconnectCompleted(const Ptr<NetBufferList>& nbl);
    /**
     * \param event an indication (OFFLOADED or TERMINATING only)
     * \param reason the Retrieve reason
     */
    void Indicated(ChimneyEvent event, ChimneyUploadReason reason);
    /// Schedule a terminate if the connection wants one and it is OFFLOADED.
    void MaybeTerminate();
    /**
     * \brief The terminate completed SUCCESS: continue in software from the returned state, or
     *        end if it is CLOSED.
     * \param state the returned delegated state
     */
    void Resume(const TcpDelegatedState& state);

    OffloadHandle handle;                 //!< also the offload handle
    Ipv4Address local;                    //!< our address
    Ipv4Address remote;                   //!< the peer's address
    uint16_t localPort;                   //!< our port
    uint16_t remotePort;                  //!< the peer's port
    TcpState lastState{TcpState::Closed}; //!< last TCP state known to the host
    std::unique_ptr<TcpEngine> engine;    //!< software engine (null while offloaded)
    ChimneyEngineTimer timer;             //!< the engine's one timer
    Ptr<ChimneySocket> socket;            //!< the application's socket (may be null)

    // Facts, not states: each is independent of the states above and of the others.
    bool uploadedOnce{false}; //!< history: no automatic re-offload after an upload
    bool recvShutdown{false}; //!< the application's choice: received data is dropped
    /// Per offload: a receive completed non-SUCCESS, the target fills no more (reset on offload).
    bool receivesStopped{false};
    /// The host decided to take the connection back. Sticky, not a phase: it outlives the upload
    /// (a connection offloaded again by Offload() posts no receives and is terminated at its
    /// next completion), as it always has.
    bool terminateWanted{false};

    std::vector<uint8_t> closeData; //!< final data of a graceful Disconnect(), not yet issued
    ChimneyByteQueue pendingSend;   //!< bytes not yet in the engine or posted
    ChimneyByteQueue rx;            //!< delivered to the host, not yet read

    // offloaded bookkeeping
    uint64_t postedSendBytes{0};             //!< bytes in send NBLs not yet completed
    uint32_t receivesPosted{0};              //!< receive NBLs not yet completed
    Ptr<NetBufferList> gracefulNbl;          //!< the graceful disconnect request in progress
    Ptr<NetBufferList> abortNbl;             //!< the abortive disconnect request in progress
    Ipv4Address nextHop;                     //!< neighbor (offload block tree)
    Address linkAddress;                     //!< neighbor's link-layer address
    std::vector<Ptr<NetBufferList>> notSent; //!< sends completed UPLOAD_IN_PROGRESS
    Ptr<NetBufferList> unsentDisconnect;     //!< disconnect completed UPLOAD_IN_PROGRESS
    std::vector<TcpSegment> held;            //!< segments that reached the host mid-phase

    // counters (E1/E2 checks, reports)
    uint64_t bytesSent{0};     //!< accepted from the application
    uint64_t bytesAcked{0};    //!< acknowledged by the peer
    uint64_t bytesReceived{0}; //!< delivered in order to the host
    Time openedAt;             //!< first SYN
    Time offloadedAt{-1};      //!< last offload completion
    Time disconnectAt{-1};     //!< our close/abort was asked for
    Time endedAt{-1};          //!< ENDED

  private:
    friend class ChimneyEngineDriver; // Drive's rounds: DrivenEngine, Transmit, HandleEvent

    /**
     * \brief The one function that changes states: the PhaseChange trace when the phase
     *        changes, the ConnectionState trace for any change.
     * \param next the new states
     * \param detail for PhaseChange
     */
    void Change(const States& next, const std::string& detail);
    /// \param states states \returns them in one line
    static std::string Describe(const States& states);

    // the engine driver's hooks (Drive)
    /// \returns the engine, null once it went away
    TcpEngine* DrivenEngine();
    /// Nothing: the engine gets its input from the calls that made it run.
    void BeforeRound();
    /// Nothing.
    void AfterRound();
    /// \param segment put on the wire through IPv4
    void Transmit(const TcpSegment& segment);
    /// \param event an event of the software engine
    void HandleEvent(const TcpEvent& event);

    /// The peer's FIN arrived: tell the application unless it was told already.
    void RemoteFinArrived();
    /// Tell the application of the peer's FIN once (end of stream).
    void DeliverRemoteFin();
    /// OnNormalClose once.
    void TellNormalClose();
    /// \returns the outcome when the software engine closed
    Outcome OutcomeInSoftware() const;
    /// \returns the outcome when the target returned the connection CLOSED
    Outcome OutcomeOfUpload() const;
    /// Schedule MaybeOffloadByPolicy when the policy counts bytes.
    void CheckPolicyAfterBytes();
    /// \returns the send stream to continue with after an upload (see Resume)
    ChimneyByteQueue StreamAfterUpload(const TcpDelegatedState& state);

    ChimneyHostStack* m_stack; //!< the owner
    States m_states;           //!< see the class description (Get<State>(), Enter())
    // One-shot guards of socket callbacks; both can fire (end of stream, then an error).
    bool m_normalCloseNotified{false}; //!< OnNormalClose was called
    bool m_errorNotified{false};       //!< OnErrorClose was called
};

template <typename State>
void
ChimneyHostConnection::Enter(State state, const std::string& detail)
{
    States next = m_states;
    std::get<State>(next) = state;
    Change(next, detail);
}

} // namespace ns3

#endif // CHIMNEY_HOST_CONNECTION_H
