/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_HOST_STACK_H
#define CHIMNEY_HOST_STACK_H

#include "chimney-host-connection.h"
#include "chimney-interface.h"
#include "chimney-traced-callback.h"
#include "tcp-engine.h"
#include "tcp-segment-packet.h"

#include "ns3/address.h"
#include "ns3/event-id.h"
#include "ns3/ip-l4-protocol.h"
#include "ns3/ipv4-address.h"
#include "ns3/node.h"
#include "ns3/nstime.h"
#include "ns3/random-variable-stream.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ns3
{

class ChimneyNetDevice;
class ChimneySocket;
class Ipv4L3Protocol;
class Packet;

/**
 * \ingroup chimney
 * \brief The host stack of a chimney node: TCP on the chimney interface, in software and
 *        offloaded (SPEC.md section 1, "Host stack").
 *
 * Registered with `Ipv4::Insert(l4, ifIndex)` for the chimney device's interface only, so other
 * interfaces keep ns-3's TcpL4Protocol. Every connection starts in software (a TcpEngine here):
 * the handshake, and everything before the offload policy fires. Offload exports the engine's
 * delegated state into an InitiateOffload block list; from then on sends, receive buffers,
 * disconnects and terminates go to the layer below (the device or an intermediate driver) as
 * chimney requests, and completions and indications come back through ChimneyOffloadClient.
 * A terminate (upload) brings the connection back: the returned delegated state is imported
 * into a new engine and the connection continues in software (retransmits the returned send
 * data, TIME_WAIT), losing and duplicating nothing.
 *
 * Applications use it through ChimneySocket (ChimneySocketFactory), so ns-3's BulkSend,
 * PacketSink and OnOff run unchanged; protocol tests use the connection-level calls below.
 *
 * Each connection is a ChimneyHostConnection, with its phase (SOFTWARE, OFFLOADING, OFFLOADED,
 * TERMINATING, ENDED) and the states of its handshake, graceful and abortive close, receive half
 * and faults, traced by "PhaseChange" and "ConnectionState". The stack's code, one concept per
 * file: chimney-host-stack.cc (attributes, setup, opening, segments from IPv4, the end of a
 * connection), chimney-host-stack-socket.cc (the calls ChimneySocket makes),
 * chimney-host-stack-offload.cc (offload and terminate requests, completions and indications
 * routed to the connection).
 */
class ChimneyHostStack : public IpL4Protocol, public ChimneyOffloadClient
{
  public:
    /// When a connection in software is offloaded (plain enum: ns-3 EnumValue holds an int).
    enum OffloadPolicy : uint8_t
    {
        AT_ESTABLISHED, //!< as soon as the handshake completes
        AFTER_BYTES,    //!< once OffloadAfterBytes bytes were sent + received in software
        NEVER,          //!< only through an explicit Offload() call
    };

    /// Where a connection runs (ChimneyHostConnection::Phase).
    using Phase = ChimneyHostConnection::Phase;

    /// How a connection ended (ChimneyHostConnection::Outcome).
    using Outcome = ChimneyHostConnection::Outcome;

    /// Everything the host stack knows about one connection.
    using Connection = ChimneyHostConnection;

    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    ChimneyHostStack();
    ~ChimneyHostStack() override;

    /**
     * \brief Take over TCP on the device's IPv4 interface and become the device's offload
     *        client (unless an intermediate layer is put in between with SetLowerLayer()).
     * \param device the chimney device; the node's Internet stack must already have an
     *        interface for it (assign addresses first)
     */
    void Install(Ptr<ChimneyNetDevice> device);

    /**
     * \brief Use another layer below (an intermediate driver's binding). Call after Install().
     * \param lower the layer; it must deliver completions and indications to this stack
     */
    void SetLowerLayer(ChimneyOffloadProvider* lower);

    /// \returns the layer requests go to
    ChimneyOffloadProvider* GetLowerLayer() const;

    /// \returns the chimney device (null before Install)
    Ptr<ChimneyNetDevice> GetDevice() const;

    /// \returns the node (null before Install)
    Ptr<Node> GetNode() const;

    /// \returns the local IPv4 address on the chimney interface
    Ipv4Address GetLocalAddress() const;

    /**
     * \brief Create a stream socket on this stack (what ChimneySocketFactory calls).
     * \returns the socket
     */
    Ptr<ChimneySocket> CreateSocket();

    /**
     * \brief Assign the random stream for initial sequence numbers.
     * \param stream first stream index
     * \returns the number of streams used (1)
     */
    int64_t AssignStreams(int64_t stream);

    // --- connection-level calls (ChimneySocket uses these; protocol tests may too) ---

    /**
     * \brief Offload a connection now (policy NEVER, or to re-offload after an upload).
     * \param handle the connection
     * \returns PENDING if the InitiateOffload request was made, else why not
     *          (INVALID_STATE: wrong phase or TCP state; INVALID_PARAMETER: unknown handle)
     */
    ChimneyStatus Offload(OffloadHandle handle);

    /**
     * \brief Upload (terminate the offload of) a connection; it continues in software.
     * \param handle the connection
     * \returns PENDING if the TerminateOffload request was made, else why not
     */
    ChimneyStatus Terminate(OffloadHandle handle);

    /**
     * \brief Upload every offloaded connection (Terminate() on each, in handle order); each
     *        continues in software. Connections whose offload or terminate is pending are left
     *        alone. E.g. at the end of a run, so that no offload still holds the target's
     *        resources (R4).
     * \returns connections whose terminate was requested
     */
    uint32_t TerminateAll();

    /**
     * \brief Post one receive NBL of \p size bytes to an offloaded connection, besides the
     *        ReceiveBuffersPosted the stack keeps posted itself (0 there: only these). Its
     *        data reaches the socket as any receive completion's.
     * \param handle the connection
     * \param size bytes of the buffer (1 or more)
     * \returns PENDING if the TcpOffloadReceive request was made, else why not
     *          (INVALID_STATE: not offloaded; INVALID_PARAMETER: unknown handle, size 0)
     */
    ChimneyStatus PostReceive(OffloadHandle handle, uint32_t size);

    /**
     * \brief Close the send half: graceful (FIN after data, which may be non-empty) or
     *        abortive (RST; data must be empty). Works in every phase: offloaded it is a
     *        TcpOffloadDisconnect, in software the engine's close, in between it is issued
     *        when the phase settles.
     * \param handle the connection
     * \param data final data sent before the FIN (graceful only)
     * \param flags TCP_DISCONNECT_GRACEFUL_CLOSE or TCP_DISCONNECT_ABORTIVE_CLOSE
     * \returns SUCCESS (done or queued), or INVALID_STATE / INVALID_PARAMETER if refused
     */
    ChimneyStatus Disconnect(OffloadHandle handle, std::vector<uint8_t> data, uint32_t flags);

    /**
     * \brief Queue application data.
     * \param handle the connection
     * \param data the bytes
     * \returns bytes accepted (all or nothing: 0 when there is not room for all)
     */
    uint32_t Send(OffloadHandle handle, const uint8_t* data, uint32_t size);

    /**
     * \brief Bytes the application may queue now.
     * \param handle the connection
     * \returns bytes
     */
    uint32_t GetTxAvailable(OffloadHandle handle) const;

    /**
     * \brief Read in-order received data.
     * \param handle the connection
     * \param max most bytes
     * \returns the bytes (empty when none)
     */
    std::vector<uint8_t> Read(OffloadHandle handle, uint32_t max);

    /**
     * \brief Bytes readable now.
     * \param handle the connection
     * \returns bytes
     */
    uint32_t GetRxAvailable(OffloadHandle handle) const;

    /**
     * \brief Stop delivering received data to the application (it is read and dropped).
     * \param handle the connection
     */
    void ShutdownRecv(OffloadHandle handle);

    /**
     * \brief Active open.
     * \param socket the socket that owns the connection
     * \param localPort 0: an ephemeral port
     * \param remote peer address
     * \param remotePort peer port
     * \returns the connection's handle, or INVALID_OFFLOAD_HANDLE (port in use)
     */
    OffloadHandle Connect(Ptr<ChimneySocket> socket,
                          uint16_t localPort,
                          Ipv4Address remote,
                          uint16_t remotePort);

    /**
     * \brief Passive open: accept connections on a port for a listening socket.
     * \param socket the listener
     * \param port local port
     * \returns false if the port already has a listener
     */
    bool Listen(Ptr<ChimneySocket> socket, uint16_t port);

    /**
     * \brief Stop listening on a port.
     * \param port local port
     */
    void Unlisten(uint16_t port);

    /**
     * \brief Allocate an unused ephemeral port (49152-65535).
     * \returns the port, 0 if none is free
     */
    uint16_t AllocateEphemeralPort();

    /**
     * \brief The socket no longer wants callbacks (closed and released by the application).
     * \param handle the connection
     */
    void ReleaseSocket(OffloadHandle handle);

    /**
     * \brief Look up a connection.
     * \param handle the handle
     * \returns the connection, or nullptr once it ended and was reaped
     */
    const Connection* Find(OffloadHandle handle) const;

    /// \param handle the connection \returns its phase (ENDED when unknown)
    Phase GetPhase(OffloadHandle handle) const;

    /// \param handle the connection \returns its outcome (OPEN while running)
    Outcome GetOutcome(OffloadHandle handle) const;

    /// \param handle the connection \returns the TCP state (of the engine, or last known)
    TcpState GetTcpState(OffloadHandle handle) const;

    /// \returns connections not yet ended
    uint32_t GetOpenConnectionCount() const;

    /// \returns connections currently offloaded (OFFLOADED or TERMINATING)
    uint32_t GetOffloadedConnectionCount() const;

    /// \param phase a phase \returns its name, e.g. "OFFLOADED"
    static const char* ToString(Phase phase);

    /// \param outcome an outcome \returns its name, e.g. "CLOSED"
    static const char* ToString(Outcome outcome);

    // ChimneyOffloadClient
    void InitiateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl) override;
    void TerminateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadEvent(OffloadHandle handle,
                         ChimneyEvent event,
                         ChimneyUploadReason reason) override;

    // IpL4Protocol
    int GetProtocolNumber() const override;
    RxStatus Receive(Ptr<Packet> p, const Ipv4Header& header, Ptr<Ipv4Interface> iface) override;
    RxStatus Receive(Ptr<Packet> p, const Ipv6Header& header, Ptr<Ipv6Interface> iface) override;
    void SetDownTarget(DownTargetCallback cb) override;
    void SetDownTarget6(DownTargetCallback6 cb) override;
    DownTargetCallback GetDownTarget() const override;
    DownTargetCallback6 GetDownTarget6() const override;

    /**
     * TracedCallback signature of NblCall and NblUpcall (observation only, for verifiers: NBL
     * identity, A11): one NBL object of a request, just before the call (every NBL of a send
     * or receive chain, the disconnect NBL), or of a completion this stack received (SEND,
     * RECEIVE, DISCONNECT; SEND_RETURNED for each NBL of a terminate's send chain).
     * \param operation the operation
     * \param handle the connection
     * \param nbl the NBL object
     */
    typedef void (*NblTracedCallback)(ChimneyOp operation,
                                      OffloadHandle handle,
                                      const Ptr<const NetBufferList>& nbl);

    /**
     * TracedCallback signature of Call: a request this stack made of the layer below.
     * \param operation INITIATE_OFFLOAD, SEND, RECEIVE, DISCONNECT or TERMINATE ("Terminate")
     * \param handle the connection
     * \param id the NBL's or block list's id
     * \param flags disconnect flags (0 otherwise)
     * \param returned what the call returned
     */
    typedef void (*CallTracedCallback)(ChimneyOp operation,
                                       OffloadHandle handle,
                                       uint64_t id,
                                       uint32_t flags,
                                       ChimneyStatus returned);

    /**
     * TracedCallback signature of Upcall: a completion this stack received.
     * \param operation INITIATE_OFFLOAD, SEND, RECEIVE, DISCONNECT or TERMINATE ("Terminate")
     * \param handle the connection
     * \param id the NBL's or block list's id
     * \param status the completion status (the TCP block's, for block lists)
     * \param bytes bytesTransferred
     */
    typedef void (*UpcallTracedCallback)(ChimneyOp operation,
                                         OffloadHandle handle,
                                         uint64_t id,
                                         ChimneyStatus status,
                                         uint64_t bytes);

    /**
     * TracedCallback signature of Event: an indication this stack received.
     * \param handle the connection
     * \param event Disconnect, Abort or Retrieve
     * \param reason the Retrieve reason
     */
    typedef void (*EventTracedCallback)(OffloadHandle handle,
                                        ChimneyEvent event,
                                        ChimneyUploadReason reason);

    /**
     * TracedCallback signature of PhaseChange.
     * \param handle the connection
     * \param from old phase name
     * \param to new phase name
     * \param detail e.g. the TCP state, or the outcome when ENDED
     */
    typedef void (*PhaseTracedCallback)(OffloadHandle handle,
                                        std::string from,
                                        std::string to,
                                        std::string detail);

    /**
     * TracedCallback signature of ConnectionState: any of a connection's states changed
     * (ChimneyHostConnection::Describe(), e.g. "OFFLOADED/Established graceful=Requested
     * abortive=None receive=Open fault=None" -> "... graceful=DisconnectIssued ..."); from ""
     * when the connection is created.
     * \param handle the connection
     * \param before the states before
     * \param after the states after
     */
    typedef void (*ConnectionStateTracedCallback)(OffloadHandle handle,
                                                  std::string before,
                                                  std::string after);

  protected:
    void DoDispose() override;

  private:
    friend class ChimneyHostConnection; // transmits, requests, traces and ends through us

    // --- chimney-host-stack.cc ---
    Connection& NewConnection(uint16_t localPort,
                              Ipv4Address remote,
                              uint16_t remotePort,
                              Connection::Handshake handshake);
    void OnEngineTimer(OffloadHandle handle);
    void ReplyRst(const TcpSegment& segment, Ipv4Address local, Ipv4Address remote);
    /// Hand one segment to IPv4 with its route, as TcpL4Protocol does.
    void SendToIp(const TcpSegment& segment, Ipv4Address local, Ipv4Address remote);
    /// \returns the routing protocol's route from \p local to \p remote (null: none)
    Ptr<Ipv4Route> RouteTo(Ipv4Address local, Ipv4Address remote, Ptr<Packet> packet) const;
    void Accept(Connection& c);
    void MaybeOffloadByPolicy(OffloadHandle handle);
    Connection* Get(OffloadHandle handle);
    const Connection* Get(OffloadHandle handle) const;
    void End(Connection& c, Outcome outcome);
    void Reap(OffloadHandle handle);
    uint64_t NextNblId();
    static uint64_t Key(uint16_t localPort, Ipv4Address remote, uint16_t remotePort);
    TcpEngineConfig EngineConfig() const;

    // --- chimney-host-stack-offload.cc ---
    void TerminateIfOffloaded(OffloadHandle handle);
    bool ResolveNeighbor(Connection& c) const;
    Ptr<OffloadBlockList> Blocks(const Connection& c, TcpDelegatedState state) const;
    /// InitiateOffload or TerminateOffload of the layer below.
    using BlockRequest = ChimneyStatus (ChimneyOffloadProvider::*)(Ptr<OffloadBlockList>);
    /**
     * \brief Make an offload or terminate request: the connection is in \p pending while it
     *        runs, back in \p refused if the layer below refuses it (traced as Call).
     * \returns what the request returned
     */
    ChimneyStatus RequestWithBlocks(Connection& c,
                                    Ptr<OffloadBlockList> blocks,
                                    ChimneyOp operation,
                                    BlockRequest request,
                                    Phase pending,
                                    const std::string& detail,
                                    Phase refused);
    /// Forget which connection a block list of ours was for. \returns false if it was not ours
    bool TakeBlockOwner(const Ptr<OffloadBlockList>& blocks,
                        const char* operation,
                        OffloadHandle& handle);
    /// Both traces of one NBL of a completion (Upcall, NblUpcall).
    void TraceUpcall(ChimneyOp operation, OffloadHandle handle, Ptr<NetBufferList> nbl);
    /// A send or receive completion: each NBL traced and handed to the connection (\p each,
    /// which returns its bytes), then the connection told the total (\p all).
    void CompleteChain(ChimneyOp operation,
                       OffloadHandle handle,
                       Ptr<NetBufferList> nbls,
                       uint64_t (Connection::*each)(const Ptr<NetBufferList>&),
                       void (Connection::*all)(uint64_t));

    Ptr<Node> m_node;
    Ptr<ChimneyNetDevice> m_device;
    Ptr<Ipv4L3Protocol> m_ipv4;
    uint32_t m_ifIndex{0};
    ChimneyOffloadProvider* m_lower{nullptr};
    DownTargetCallback m_down;
    ChecksumSetting m_checksums; //!< ns-3's ChecksumEnabled, read at the first segment
    DownTargetCallback6 m_down6;
    Ptr<UniformRandomVariable> m_issRandom;

    // attributes
    OffloadPolicy m_policy{OffloadPolicy::AT_ESTABLISHED};
    uint64_t m_offloadAfterBytes{0};
    uint32_t m_segmentSize{536};
    uint32_t m_sndBufSize{131072};
    uint32_t m_rcvBufSize{131072};
    uint32_t m_receiveBufferSize{16384};
    uint32_t m_receiveBuffersPosted{4};
    Time m_timeWait;
    Time m_delayedAckTimeout;
    Time m_finWait2Timeout;
    uint32_t m_maxRetransmits{6};
    bool m_timestamps{true};
    bool m_windowScaling{true};
    bool m_honourOptionalRetrieve{false};

    std::unordered_map<OffloadHandle, std::unique_ptr<Connection>> m_connections;
    std::unordered_map<uint64_t, OffloadHandle> m_byTuple;
    std::unordered_map<uint16_t, Ptr<ChimneySocket>> m_listeners;
    std::unordered_map<const OffloadBlockList*, OffloadHandle> m_blockOwners;
    std::unordered_map<uint16_t, uint32_t> m_portsInUse;   //!< connections per local port
    std::unordered_map<OffloadHandle, Outcome> m_outcomes; //!< of connections already reaped
    OffloadHandle m_nextHandle{1};
    uint64_t m_nextNblId{1};
    uint16_t m_nextEphemeral{49152};
    uint32_t m_offloaded{0};

    ChimneyTracedCallback<ChimneyOp, OffloadHandle, uint64_t, uint32_t, ChimneyStatus> m_callTrace;
    ChimneyTracedCallback<ChimneyOp, OffloadHandle, uint64_t, ChimneyStatus, uint64_t>
        m_upcallTrace;
    TracedCallback<OffloadHandle, ChimneyEvent, ChimneyUploadReason> m_eventTrace;
    ChimneyTracedCallback<OffloadHandle, std::string, std::string, std::string> m_phaseTrace;
    TracedCallback<OffloadHandle, std::string, std::string> m_connectionStateTrace;
    /// Observation only: each NBL object of a request (NblCall) and of a completion (NblUpcall).
    ChimneyTracedCallback<ChimneyOp, OffloadHandle, const Ptr<const NetBufferList>&> m_nblCallTrace;
    ChimneyTracedCallback<ChimneyOp, OffloadHandle, const Ptr<const NetBufferList>&>
        m_nblUpcallTrace;
};

} // namespace ns3

#endif // CHIMNEY_HOST_STACK_H
