/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_OFFLOAD_CONNECTION_H
#define CHIMNEY_OFFLOAD_CONNECTION_H

#include "chimney-engine-timer.h"
#include "chimney-interface.h"
#include "tcp-engine.h"

#include "ns3/address.h"
#include "ns3/event-id.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ns3
{

class ChimneyNetDevice;
class ChimneyDefect;

/**
 * \ingroup chimney
 * \brief One connection offloaded to a ChimneyNetDevice: its TcpEngine, the host's requests it
 *        is working on, and its lifecycle as two explicit states.
 *
 * The send half: Open -> GracefulPending (a graceful disconnect acted on, data before its FIN
 * still to hand over) -> FinIssued (the engine was told to send FIN) -> FinAcked; Reset after
 * an abortive disconnect (RST sent) from any of them. The connection: Live, Aborted (with the
 * reason; requests then fail REQUEST_ABORTED), Uploading (terminate acted on; the abort reason,
 * if any, is kept). Every change goes through SetSendHalf / Abort / StartUpload, which report
 * it through the device's "ConnectionState" trace source.
 *
 * The device owns the connection (from offload success to terminate completion), demultiplexes
 * segments to it and validates requests; the connection drives its engine (Pump), completes
 * requests and indicates events through the device. Kept small (no ns-3 Object, no
 * std::function): ChimneyNetDevice::GetConnectionStateSize() reports its cost.
 */
class ChimneyOffloadConnection
{
  public:
    /// The send half of the connection.
    enum class SendHalf : uint8_t
    {
        Open,            //!< no graceful disconnect acted on
        GracefulPending, //!< a graceful disconnect acted on; its FIN not issued yet
        FinIssued,       //!< the engine was told to send our FIN
        FinAcked,        //!< the engine reported our FIN acknowledged
        Reset,           //!< abortive disconnect done: RST sent (W6: nothing more taken in)
    };

    /// Why a connection is dead on the target (requests then fail REQUEST_ABORTED).
    enum class AbortReason : uint8_t
    {
        None,               //!< not aborted
        AbortiveDisconnect, //!< the host's abortive disconnect (RST sent)
        ResetReceived,      //!< an acceptable RST was received
        TimedOut,           //!< the retransmission limit was reached
        ClosedBySyn,        //!< an in-order SYN closed it (SPEC 3.5)
        HardwareFailure,    //!< the NIC failed (overrides any other reason)
    };

    /// The connection as a whole.
    enum class Life : uint8_t
    {
        Live,      //!< working
        Aborted,   //!< dead on the target (AbortReason says why)
        Uploading, //!< terminate acted on: detached, awaiting its completion
    };

    /**
     * \param device the owner
     * \param engine the imported engine
     */
    ChimneyOffloadConnection(ChimneyNetDevice* device, TcpEngine&& engine);

    /// \returns the send half's state
    SendHalf GetSendHalf() const
    {
        return m_sendHalf;
    }

    /// \returns the connection's state
    Life GetLife() const
    {
        return m_life;
    }

    /// \returns why the connection is dead on the target (None when it is not)
    AbortReason GetAbortReason() const
    {
        return m_abortReason;
    }

    /// \returns true when the connection is dead on the target: requests fail REQUEST_ABORTED
    bool Aborted() const
    {
        return m_abortReason != AbortReason::None;
    }

    /// \returns true once the terminate was acted on
    bool Uploading() const
    {
        return m_life == Life::Uploading;
    }

    /// \returns true after a hardware failure
    bool HardwareFailed() const
    {
        return m_abortReason == AbortReason::HardwareFailure;
    }

    /// \returns true after our abortive disconnect (RST sent)
    bool ResetSent() const
    {
        return m_sendHalf == SendHalf::Reset;
    }

    /// \returns true when the engine was told to send our FIN (FinIssued, FinAcked)
    bool FinIssued() const
    {
        return m_sendHalf == SendHalf::FinIssued || m_sendHalf == SendHalf::FinAcked;
    }

    /**
     * \param state a send-half state
     * \returns its name
     */
    static const char* ToString(SendHalf state);

    /**
     * \param life a connection state
     * \param reason the abort reason
     * \returns e.g. "Live", "Aborted(ResetReceived)"
     */
    static std::string ToString(Life life, AbortReason reason);

    // --- state changes (the only writers of the three states) ---
    /// \param next the new send-half state
    void SetSendHalf(SendHalf next);
    /// \param reason why the connection is dead (the first reason stays, but HardwareFailure)
    void Abort(AbortReason reason);
    /// Terminate acted on: leave the offload table, stop the timer.
    void StartUpload();

    // --- the machinery (called by the device) ---
    /// Drive the engine to quiescence (ChimneyEngineDriver): hand it sends, fill receives,
    /// transmit, handle events, complete what is done, indicate what happened, arm the timer.
    void Pump();
    /// \param segment a parsed segment for this connection (not after our RST, W6)
    void FeedSegment(const TcpSegment& segment);
    /// Our abortive disconnect: RST now, send half Reset.
    /// \param now the time, ns
    void AbortSend(int64_t now);
    /// \param status the status of every outstanding send, graceful disconnect and receive
    void AbortOutstanding(ChimneyStatus status);
    /// The pending graceful disconnect completes SUCCESS with its bytes.
    void CompleteGracefulDisconnect();
    /// Disconnect indicated (at most once, A7).
    void IndicateDisconnect();
    /**
     * \param nbl the head of the send queue
     * \param status its status
     */
    void CompleteSend(Ptr<NetBufferList> nbl, ChimneyStatus status);
    /**
     * \param nbl the head of the receive queue
     * \param status its status
     */
    void CompleteReceive(Ptr<NetBufferList> nbl, ChimneyStatus status);
    /**
     * \param nbl the disconnect NBL
     * \param status its status
     * \param bytes bytesTransferred
     */
    void CompleteDisconnect(Ptr<NetBufferList> nbl, ChimneyStatus status, uint64_t bytes);
    /**
     * \param event the event
     * \param reason the Retrieve reason (NONE otherwise)
     */
    void Indicate(ChimneyEvent event, ChimneyUploadReason reason);
    /// \param segment a segment of ours, on the wire unless uploading, failed or closed by SYN
    void Transmit(const TcpSegment& segment);
    /**
     * \brief The terminate's work (SPEC 3.6): outstanding requests completed, delegated state
     *        and send chain into the block, the connection detached.
     * \param block the connection's TCP block
     */
    void Terminate(TcpOffloadBlock& block);
    /// \returns the time of the low-activity Retrieve, ns (-1: none due)
    int64_t LowActivityDeadline() const;

    // --- for seeded defects (ChimneyDefect); never called on the correct path ---
    /// \param segment transmitted even though the connection is uploading
    void TransmitAfterDetach(const TcpSegment& segment);
    /// \param nbl a send NBL completed to the host at once, inside the request call
    void CompleteSendInsideCall(Ptr<NetBufferList> nbl);
    /// The connection's ledger entry is freed now (the device reports it).
    void FreeLedgerEntry();

    ChimneyNetDevice* device;   //!< the owner
    TcpEngine engine;           //!< the TOE's TCP engine for this connection
    ChimneyEngineTimer timer;   //!< the one event for engine.NextDeadline()
    Address linkAddress;        //!< neighbor's link-layer address
    uint64_t serial = 0;        //!< unique per offload (a handle may be reused after terminate)
    uint32_t localAddress = 0;  //!< our IPv4 address
    uint32_t remoteAddress = 0; //!< the peer's IPv4 address
    OffloadHandle handle = INVALID_OFFLOAD_HANDLE; //!< host's handle
    uint8_t ttl = 64;                              //!< cached
    uint8_t tos = 0;                               //!< cached

    // Request-time flags (set when a request is accepted, for H4-H6).
    bool gracefulIssued = false;   //!< a graceful disconnect was accepted
    bool abortiveIssued = false;   //!< an abortive disconnect was accepted
    bool terminatePending = false; //!< a terminate was accepted
    // Receive half and indications.
    bool remoteFin = false;            //!< peer's FIN accepted
    bool disconnectIndicated = false;  //!< Disconnect indicated (A7: at most once)
    bool disconnectDelivered = false;  //!< the host has received that indication
    bool timeWaitEntered = false;      //!< the engine entered TIME_WAIT
    bool timeWaitRetrieved = false;    //!< Retrieve(UploadRequested) indicated for it
    bool lowActivityIndicated = false; //!< Retrieve(LowActivity) indicated (at most once)
    bool finSent = false;              //!< a FIN of ours went on the wire
    int64_t lastActivityNs = 0;        //!< last segment sent or received (LowActivityTimeout)

    // Send side: NBLs in posting order; [sendHead, handIndex) handed to the engine (the one at
    // handIndex possibly in part); byte offsets are cumulative since the offload.
    std::vector<Ptr<NetBufferList>> sends; //!< send NBLs not yet completed, from sendHead
    uint32_t sendHead = 0;                 //!< first not completed
    uint32_t handIndex = 0;                //!< first not fully handed to the engine
    uint64_t handOffset = 0;               //!< bytes of sends[handIndex] handed
    uint64_t headStart = 0;                //!< stream offset of sends[sendHead]
    uint64_t acked = 0;                    //!< stream bytes acknowledged
    Ptr<NetBufferList> graceful;           //!< pending graceful disconnect
    uint64_t gracefulOffset = 0;           //!< its bytes handed to the engine
    /// Disconnects posted while the sends or the graceful disconnect of an aborted connection
    /// wait for the terminate (hardware failure, Retrieve): completed there, after them (A4, A5).
    std::vector<Ptr<NetBufferList>> heldDisconnects;

    // Receive side: posted NBLs, filled FIFO.
    std::vector<Ptr<NetBufferList>> receives; //!< posted receive NBLs, from recvHead
    uint32_t recvHead = 0;                    //!< first not completed
    uint64_t recvFill = 0;                    //!< bytes written into receives[recvHead]

    /// Requests accepted after the terminate: completed just before it (UPLOAD_IN_PROGRESS).
    std::vector<std::pair<ChimneyOp, Ptr<NetBufferList>>> late;

  private:
    friend class ChimneyEngineDriver; // Pump's rounds: DrivenEngine, Before/AfterRound, HandleEvent

    /// \returns the engine (ChimneyEngineDriver)
    TcpEngine* DrivenEngine();
    /// Before each round of Pump: hand the engine sends and fill receives (not after our RST).
    void BeforeRound();
    /// After each round of Pump: complete acknowledged sends and a finished graceful disconnect.
    void AfterRound();
    /// Hand posted send data (and the graceful disconnect's, then its FIN) to the engine.
    void FeedSend(int64_t now);
    /// Fill posted receive NBLs from the engine.
    void DeliverReceives(int64_t now);
    /// A4: complete sends the peer acknowledged, in posting order.
    void CompleteAckedSends();
    /// \param event an engine event
    void HandleEvent(const TcpEvent& event);
    /// SPEC 3.5: an in-order SYN closes the connection and asks for its upload.
    void CloseOnInOrderSyn();
    /// One event for the engine's deadline or the low-activity one.
    void ArmTimer();
    /// The timer fired.
    void OnTimer();
    /// \param segment put on the wire (the device builds the IPv4 header)
    void Emit(const TcpSegment& segment);
    /// Report a state change through the device's trace source.
    /// \param before the state before, as ToString() writes it
    void ReportChange(const std::string& before);
    /// \returns the two states, e.g. "Live/Open"
    std::string Describe() const;

    SendHalf m_sendHalf{SendHalf::Open};          //!< the send half
    Life m_life{Life::Live};                      //!< the connection
    AbortReason m_abortReason{AbortReason::None}; //!< why it is dead (kept when Uploading)
};

} // namespace ns3

#endif // CHIMNEY_OFFLOAD_CONNECTION_H
