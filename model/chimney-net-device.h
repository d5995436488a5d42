/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_NET_DEVICE_H
#define CHIMNEY_NET_DEVICE_H

#include "chimney-event-batch.h"
#include "chimney-four-tuple.h"
#include "chimney-interface.h"
#include "chimney-traced-callback.h"
#include "tcp-engine.h"
#include "tcp-segment-packet.h"

#include "ns3/address.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device.h"
#include "ns3/nstime.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace ns3
{

class ChimneyDefect;
class ChimneyOffloadConnection;

/**
 * \ingroup chimney
 * \brief The offload target: a NIC with its own TCP engine (NDIS miniport side of TCP chimney).
 *
 * Wraps an inner link device (PointToPointNetDevice, CsmaNetDevice, ...) that is already on the
 * node. The node's Internet stack uses this device (addresses are assigned on it); every
 * NetDevice method forwards to the inner device, and frames the node sends go straight to it.
 *
 * Received IPv4/TCP frames are looked up by 4-tuple in the offload table (O(1)): a hit goes to
 * that connection's TcpEngine, a miss goes up the node's ordinary receive path unchanged, and so
 * do frames of a connection that is Closed on the target and SYNs in TIME_WAIT (SPEC 3.5).
 * An in-order SYN closes the connection on the target and asks for its upload,
 * Retrieve(InvalidState); the optional Retrieve(LowActivity) is asked once after
 * LowActivityTimeout without traffic on an ESTABLISHED connection.
 * Offloaded connections transmit through the inner device with an IPv4 header built here.
 *
 * As a ChimneyOffloadProvider it accepts the host's requests (SPEC.md section 3): each is
 * validated at once (refusal: INVALID_PARAMETER / INVALID_STATE, a HostMisuse finding with the
 * SPEC H-ID, nothing changed), otherwise returns PENDING and acts after RequestLatency.
 * Completions and indications reach the client after CompletionLatency / IndicationLatency,
 * never from inside a call (A1), and in the order they were decided.
 *
 * Each offloaded connection's lifecycle and its requests live in a ChimneyOffloadConnection;
 * this device keeps the NetDevice face, the demultiplexing, the request validation, the ledger
 * and the attributes.
 *
 * Every offloaded connection holds one resource-ledger entry from offload success until its
 * terminate completes (R1, R2), observable through ResourceAllocated / ResourceFreed.
 */
class ChimneyNetDevice : public NetDevice, public ChimneyOffloadProvider
{
  public:
    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    ChimneyNetDevice();
    ~ChimneyNetDevice() override;

    /**
     * \brief Wrap a link device: its receive and promiscuous callbacks are replaced by this
     *        device's own, and its transmit queue no longer feeds the flow control
     *        (NetDeviceQueueInterface) a helper may have given it, which only a queue disc
     *        installed on the link device itself would read.
     * \param inner the link device (already added to the same node)
     */
    void SetInnerDevice(Ptr<NetDevice> inner);

    /// \returns the wrapped link device
    Ptr<NetDevice> GetInnerDevice() const;

    /**
     * \brief Simulate a catastrophic hardware failure: every offloaded connection stops
     *        transmitting and receiving; Retrieve(HardwareFailure) and Abort are indicated; the
     *        host's terminate then completes with status FAILURE (SPEC 3.6).
     */
    void InjectHardwareFailure();

    /// \returns true after InjectHardwareFailure()
    bool HasFailed() const;

    /**
     * \brief The target asks the host to upload a connection: Retrieve(reason) is indicated
     *        after IndicationLatency, nothing else changes (fault injection, SPEC 3.5).
     *
     * Refused (false, nothing indicated) for an unknown handle, a connection being uploaded or
     * already dead on the target, reason NONE or HARDWARE_FAILURE (see InjectHardwareFailure),
     * and an optional reason on a connection that is not ESTABLISHED (SPEC 3.5: never on a
     * half-closed one).
     * \param handle the connection
     * \param reason the reason
     * \returns true when the indication was made
     */
    bool IndicateRetrieve(OffloadHandle handle, ChimneyUploadReason reason);

    /// \returns the number of resource-ledger entries held (one per offloaded connection)
    uint64_t GetResourcesHeld() const;

    /// \returns the bytes the ledger entries account for (connection state, without payload)
    uint64_t GetResourceBytesHeld() const;

    /// \returns the number of connections in the offload table (receiving from the wire)
    uint32_t GetOffloadedConnectionCount() const;

    /**
     * \brief The TCP state of an offloaded connection, as the target's engine has it.
     * \param handle the connection
     * \param state receives the state
     * \returns false if the target holds no such connection
     */
    bool GetTcpState(OffloadHandle handle, TcpState& state) const;

    /**
     * \param handle the host's offload handle
     * \returns true while the handle's offload is in progress for the host: requested, and its
     *          completion not yet delivered (requests for it are refused, H1)
     */
    bool IsOffloadInProgress(OffloadHandle handle) const;

    /**
     * \brief Bytes of target memory one offloaded connection costs, payload excluded: the
     *        connection record (engine included) and its share of the two lookup tables.
     * \returns the bytes
     */
    static uint32_t GetConnectionStateSize();

    /**
     * Seeded defects (attribute Defect): each makes the target break one SPEC rule in one way,
     * so that a verifier can be shown to catch it. None (the default) is the correct target.
     * Each is a ChimneyDefect subclass in model/defects/; ChimneyDefectRegistry lists them in
     * this order with the scenario that exposes each and the invariant IDs it must trip.
     */
    enum class Defect : uint8_t
    {
        None = 0,                  //!< correct behaviour
        FreeOnFin,                 //!< R1: ledger entry freed when our FIN is sent
        FreeOnRst,                 //!< R1: ledger entry freed when an RST is sent or received
        DataAfterFin,              //!< W1: one payload byte at the FIN's sequence, after the FIN
        DropDisconnectData,        //!< W2/E1: the graceful disconnect's data is never sent
        CompleteGracefulOnFinSent, //!< A3: graceful SUCCESS when the FIN is sent, not acked
        DoubleCompletion,          //!< A2: the connection's first send completion is given twice
        CompletionInsideCall,      //!< A1: the first send NBL completes inside TcpOffloadSend
        RstOnGraceful,             //!< W4: RST instead of FIN on a graceful disconnect
        AckAfterAbort,             //!< W6/W5: received data acknowledged after the abortive RST
        TransmitAfterTerminate,    //!< W8: a pure ACK 1 ms after the terminate completed
        LeakOnTerminate,           //!< R2/R4: the ledger entry is not freed at terminate
        LoseSendDataOnTerminate,   //!< A9/E1: the last send NBL and its bytes are not returned
        WrongSndUnaOnTerminate,    //!< A9: returned SndUna is one too high
        DisconnectBeforeSends,     //!< A4: acked sends held back until the disconnect completed
        DropRemoteDataAfterFin,    //!< W7: remote data after our FIN neither acked nor delivered
        IndicateFinBeforeData,     //!< A7: Disconnect indicated before earlier data is delivered
        OffloadBeyondCapacity,     //!< R5: offloads accepted beyond MaxOffloadedConnections
        RstBelowSndNxt,            //!< W10: the abortive RST carries SND.UNA, not SND.NXT
        AckAcrossHole,             //!< W9: a remote segment dropped, the ACK jumps the hole
        SendChainOutOfOrder,       //!< A9: the terminate's send chain, first two NBLs swapped
        CopyNblThroughLayer,       //!< A11: a layer passes a copy of each completed NBL up
        CompletionToWrongUpper,    //!< A11: a layer routes completions by request id
    };

    /**
     * \brief The attribute value names of the defects, indexed by the Defect value
     *        ("None" first).
     * \returns the names
     */
    static std::vector<std::string> GetDefectNames();

    /// \param defect the seeded defect (attribute Defect)
    void SetDefect(Defect defect);

    /// \returns the seeded defect (attribute Defect)
    Defect GetDefect() const;
    /// \returns the seeded defect as an int (the Defect attribute's value before ns-3 3.41)
    int GetDefectValue() const;

    /**
     * \brief The seeded defect's hooks, for the intermediate drivers stacked on this device
     *        (a layer's seeded defects are the device's: one Defect attribute per stack).
     * \returns the hooks (no-ops when Defect is None)
     */
    ChimneyDefect& GetDefectHooks() const;

    /// \returns the offload client (the host stack or the lowest intermediate driver), or null
    ChimneyOffloadClient* GetOffloadClient() const;

    // ChimneyOffloadProvider
    void SetOffloadClient(ChimneyOffloadClient* client) override;
    ChimneyStatus InitiateOffload(Ptr<OffloadBlockList> blocks) override;
    ChimneyStatus TcpOffloadSend(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    ChimneyStatus TcpOffloadReceive(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    ChimneyStatus TcpOffloadDisconnect(OffloadHandle handle,
                                       Ptr<NetBufferList> nbl,
                                       uint32_t flags) override;
    ChimneyStatus TerminateOffload(Ptr<OffloadBlockList> blocks) override;

    // NetDevice: everything forwards to the inner device
    void SetIfIndex(const uint32_t index) override;
    uint32_t GetIfIndex() const override;
    Ptr<Channel> GetChannel() const override;
    void SetAddress(Address address) override;
    Address GetAddress() const override;
    bool SetMtu(const uint16_t mtu) override;
    uint16_t GetMtu() const override;
    bool IsLinkUp() const override;
    void AddLinkChangeCallback(Callback<void> callback) override;
    bool IsBroadcast() const override;
    Address GetBroadcast() const override;
    bool IsMulticast() const override;
    Address GetMulticast(Ipv4Address multicastGroup) const override;
    Address GetMulticast(Ipv6Address addr) const override;
    bool IsBridge() const override;
    bool IsPointToPoint() const override;
    bool Send(Ptr<Packet> packet, const Address& dest, uint16_t protocolNumber) override;
    bool SendFrom(Ptr<Packet> packet,
                  const Address& source,
                  const Address& dest,
                  uint16_t protocolNumber) override;
    Ptr<Node> GetNode() const override;
    void SetNode(Ptr<Node> node) override;
    bool NeedsArp() const override;
    void SetReceiveCallback(NetDevice::ReceiveCallback cb) override;
    void SetPromiscReceiveCallback(NetDevice::PromiscReceiveCallback cb) override;
    bool SupportsSendFrom() const override;

    /**
     * TracedCallback signature of HostMisuse.
     * \param id the SPEC rule, "H1" .. "H7"
     * \param handle the connection (0 for a block list)
     * \param description one line
     */
    typedef void (*HostMisuseTracedCallback)(std::string id,
                                             OffloadHandle handle,
                                             std::string description);

    /**
     * TracedCallback signature of Request.
     * \param operation e.g. ChimneyOp::SEND, DISCONNECT, INITIATE_OFFLOAD (ToString gives the
     *        name, e.g. "Send")
     * \param handle the connection (0 for a block list)
     * \param id the NBL's or block list's id
     * \param flags disconnect flags (0 otherwise)
     * \param returned PENDING or the refusal
     */
    typedef void (*RequestTracedCallback)(ChimneyOp operation,
                                          OffloadHandle handle,
                                          uint64_t id,
                                          uint32_t flags,
                                          ChimneyStatus returned);

    /**
     * TracedCallback signature of Completion.
     * \param operation e.g. SEND; SEND_RETURNED for a send NBL handed back in a terminate's
     *        send chain; OFFLOAD_BLOCK / TERMINATE_BLOCK for one TCP block of a list, then
     *        INITIATE_OFFLOAD / TERMINATE_OFFLOAD for the list
     * \param handle the connection (0 for a block list)
     * \param id the NBL's or block list's id
     * \param status completion status
     * \param bytes bytesTransferred
     */
    typedef void (*CompletionTracedCallback)(ChimneyOp operation,
                                             OffloadHandle handle,
                                             uint64_t id,
                                             ChimneyStatus status,
                                             uint64_t bytes);

    /**
     * TracedCallback signature of Indication.
     * \param handle the connection
     * \param event the event
     * \param reason the Retrieve reason (NONE otherwise)
     */
    typedef void (*IndicationTracedCallback)(OffloadHandle handle,
                                             ChimneyEvent event,
                                             ChimneyUploadReason reason);

    /**
     * TracedCallback signature of ResourceAllocated and ResourceFreed.
     * \param handle the connection
     * \param tuple its 4-tuple, local = this node
     * \param bytes bytes the entry accounts for
     */
    typedef void (*ResourceTracedCallback)(OffloadHandle handle,
                                           const ChimneyFourTuple& tuple,
                                           uint64_t bytes);

    /**
     * TracedCallback signature of RequestObjects (observation only, for verifiers): fired as a
     * request call begins, with the objects the interface carries, before any validation.
     * \param operation INITIATE_OFFLOAD, SEND, RECEIVE, DISCONNECT or TERMINATE_OFFLOAD
     * \param handle the connection (0 for a block list)
     * \param nbl the NBL (chain) of an NBL request, else null
     * \param blocks the block list of an offload or terminate request, else null
     * \param flags disconnect flags (0 otherwise)
     */
    typedef void (*RequestObjectsTracedCallback)(ChimneyOp operation,
                                                 OffloadHandle handle,
                                                 const Ptr<const NetBufferList>& nbl,
                                                 const Ptr<const OffloadBlockList>& blocks,
                                                 uint32_t flags);

    /**
     * TracedCallback signature of ConnectionState: an offloaded connection's lifecycle state
     * changed (ChimneyOffloadConnection), written "<connection>/<send half>", e.g.
     * "Live/Open" -> "Live/FinIssued", "Live/FinAcked" -> "Aborted(ResetReceived)/FinAcked".
     * \param handle the connection
     * \param before the state before
     * \param after the state after
     */
    typedef void (*ConnectionStateTracedCallback)(OffloadHandle handle,
                                                  std::string before,
                                                  std::string after);

    /**
     * TracedCallback signature of HostSend (observation only): a packet the node's own stack
     * handed to this device (Send / SendFrom), just before it goes to the inner device; every
     * other frame the inner device transmits is the offload target's.
     * \param packet the packet
     */
    typedef void (*HostSendTracedCallback)(Ptr<const Packet> packet);

  protected:
    void DoInitialize() override;
    void DoDispose() override;

  private:
    friend class ChimneyOffloadConnection; // completes, indicates and transmits through us
    using Connection = ChimneyOffloadConnection;

    /// Disconnect the link device's queue from its unread flow control (see the .cc).
    static void DetachInnerFlowControl(Ptr<NetDevice> inner);

    /// A terminate request in progress.
    struct PendingTerminate
    {
        Ptr<OffloadBlockList> blocks; //!< the request
        uint32_t waiting = 0;         //!< connections whose late requests are still in flight
        bool acted = false;           //!< the terminate work was done
    };

    // --- receive path ---
    bool ReceiveFromInner(Ptr<NetDevice> device,
                          Ptr<const Packet> packet,
                          uint16_t protocol,
                          const Address& from);
    bool PromiscReceiveFromInner(Ptr<NetDevice> device,
                                 Ptr<const Packet> packet,
                                 uint16_t protocol,
                                 const Address& from,
                                 const Address& to,
                                 PacketType type);
    bool PeekFourTuple(Ptr<const Packet> packet, ChimneyFourTuple& key, uint8_t& tcpFlags) const;
    Connection* Lookup(Ptr<const Packet> packet, uint16_t protocol, uint8_t& tcpFlags);
    bool TakesFrame(const Connection& c, uint8_t tcpFlags) const;
    void DeliverToEngine(Connection& c, Ptr<const Packet> packet);
    void ProcessSegment(OffloadHandle handle, uint64_t serial, TcpSegment segment);

    // --- connection machinery ---
    Connection* Find(OffloadHandle handle, uint64_t serial);
    /// \param c a connection leaving the offload table (terminate acted on)
    void Detach(Connection& c);
    /// \param c a connection \returns its offload-table key
    static ChimneyFourTuple KeyOf(const Connection& c);
    /**
     * \brief Put one of an offloaded connection's segments on the wire (IPv4 header built here).
     * \param c the connection
     * \param segment the segment
     */
    void SendSegment(Connection& c, const TcpSegment& segment);
    TcpEngineConfig EngineConfig(const TcpOffloadBlock& block) const;
    /// R2: release one connection's ledger entry and report it through ResourceFreed.
    void FreeLedgerEntry(OffloadHandle handle, const ChimneyFourTuple& tuple);
    // --- request actions (after RequestLatency) ---
    void DoInitiateOffload(Ptr<OffloadBlockList> blocks);
    void DoSend(OffloadHandle handle, uint64_t serial, std::vector<Ptr<NetBufferList>> nbls);
    void DoReceive(OffloadHandle handle,
                   uint64_t serial,
                   std::vector<Ptr<NetBufferList>> nbls,
                   bool postedAfterFinIndication);
    void DoDisconnect(OffloadHandle handle,
                      uint64_t serial,
                      Ptr<NetBufferList> nbl,
                      uint32_t flags);
    void DoTerminate(Ptr<OffloadBlockList> blocks);
    void CompleteTerminate(Ptr<OffloadBlockList> blocks);

    // --- upcalls (chimney-net-device-upcalls.cc) ---
    /// \returns when an upcall decided now with this latency goes up (decision order,
    ///          InterruptModeration)
    Time UpcallAt(Time latency) const;
    /// Run \p call on the host's side \p latency from now (UpcallAt), in decision order.
    void Upcall(Time latency, ChimneyInlineCall call);
    /**
     * \brief Complete a send or receive NBL; the ones of the same operation on the same
     *        connection that go up at the same instant, with no other upcall between them, go
     *        up as one NBL chain in one call (NdisTcpOffloadSendComplete and
     *        NdisTcpOffloadReceiveComplete take chains).
     * \param operation ChimneyOp::SEND or ChimneyOp::RECEIVE
     * \param handle the connection
     * \param nbl the NBL, its status and bytesTransferred set
     */
    void CompleteInChain(ChimneyOp operation, OffloadHandle handle, Ptr<NetBufferList> nbl);

    /// One NBL of a chain being gathered, with what its completion reports.
    struct ChainEntry
    {
        Ptr<NetBufferList> nbl; //!< the NBL
        ChimneyStatus status;   //!< its status when completed
        uint64_t bytes;         //!< its bytesTransferred when completed
    };

    /// The chain the last upcall carries, while NBLs may still join it.
    struct OpenChain
    {
        ChimneyOp operation = ChimneyOp::SEND;            //!< what it completes
        OffloadHandle handle = INVALID_OFFLOAD_HANDLE;    //!< on which connection
        Time at;                                          //!< when it goes up
        uint64_t upcall = 0;                              //!< which upcall carries it
        std::shared_ptr<std::vector<ChainEntry>> entries; //!< null: none open
    };

    /**
     * \brief H1 check shared by send, receive and disconnect.
     * \param operation the request, for the traces
     * \param handle the request's handle
     * \param id the request's NBL id
     * \param flags the request's flags (for the trace)
     * \param[out] connection the connection when the handle is usable
     * \returns PENDING when usable, else the refusal status (already reported)
     */
    ChimneyStatus CheckHandle(ChimneyOp operation,
                              OffloadHandle handle,
                              uint64_t id,
                              uint32_t flags,
                              Connection*& connection);
    /**
     * \brief Checks shared by send and receive: the RequestObjects trace, H1 and a null NBL (H2).
     * \param operation the request, for the traces
     * \param handle the request's handle
     * \param nbls the request's NBL chain
     * \param withoutNbl the H2 description when nbls is null
     * \param[out] connection the connection when the request may go on
     * \returns PENDING when the request may go on, else the refusal status (already reported)
     */
    ChimneyStatus CheckNblRequest(ChimneyOp operation,
                                  OffloadHandle handle,
                                  Ptr<NetBufferList> nbls,
                                  const char* withoutNbl,
                                  Connection*& connection);
    ChimneyStatus Refuse(ChimneyOp operation,
                         const char* rule,
                         OffloadHandle handle,
                         uint64_t id,
                         uint32_t flags,
                         ChimneyStatus status,
                         const std::string& description);
    Connection* FindForRequest(OffloadHandle handle);

    Ptr<NetDevice> m_inner;
    /// The inner device's broadcast address, asked once: IPv4 asks for it with every datagram
    /// the host sends, and ns-3's point-to-point and CSMA devices parse it from a string.
    Address m_broadcast;
    Ptr<Node> m_node;
    uint32_t m_ifIndex{0};
    NetDevice::ReceiveCallback m_rxCallback;
    NetDevice::PromiscReceiveCallback m_promiscRxCallback;
    ChimneyOffloadClient* m_client{nullptr};

    // attributes
    Time m_requestLatency;
    Time m_completionLatency;
    Time m_interruptModeration; //!< gathers upcalls (0: none)
    Time m_indicationLatency;
    Time m_segmentProcessingTime;
    uint32_t m_maxConnections{1024};
    uint32_t m_sndBufSize{131072};
    uint32_t m_rcvBufSize{131072};
    Time m_timeWait;
    Time m_delayedAckTimeout;
    Time m_lowActivityTimeout;
    Time m_hardwareFailureTime;
    Defect m_defectId{Defect::None}; //!< seeded defect (attribute Defect)
    /// Its hooks (the no-op base class for None); never null.
    std::unique_ptr<ChimneyDefect> m_defect;

    /// Owner of every connection from offload success to terminate completion, by handle.
    std::unordered_map<OffloadHandle, std::unique_ptr<Connection>> m_connections;
    /// The offload table: connections that receive from the wire.
    std::unordered_map<ChimneyFourTuple, Connection*, ChimneyFourTupleHash> m_table;
    /// Handles whose offload was requested and has not been acted on yet.
    std::unordered_set<OffloadHandle> m_offloadsInProgress;
    /// Terminates accepted and not yet completed.
    std::vector<std::unique_ptr<PendingTerminate>> m_terminates;

    uint64_t m_nextSerial{1};
    uint16_t m_ipIdentification{0};
    ChecksumSetting m_checksums; //!< ns-3's ChecksumEnabled, read at the first frame
    uint64_t m_resourcesHeld{0};
    uint64_t m_resourceBytesHeld{0};
    bool m_failed{false};
    uint32_t m_callDepth{0};    //!< disconnect / receive calls currently inside the call
    Time m_lastUpcall;          //!< completions and indications are delivered in decision order
    uint64_t m_upcallCount = 0; //!< upcalls scheduled so far
    OpenChain m_chain;          //!< see CompleteInChain
    /// host requests reaching the target, one event per instant
    ChimneyEventBatch m_requests{&ChimneyEventCounts::requests};
    /// completions and indications, one event per instant
    ChimneyEventBatch m_upcalls{&ChimneyEventCounts::upcalls};
    EventId m_failureEvent;

    ChimneyTracedCallback<std::string, OffloadHandle, std::string> m_hostMisuseTrace;
    ChimneyTracedCallback<ChimneyOp, OffloadHandle, uint64_t, uint32_t, ChimneyStatus>
        m_requestTrace;
    ChimneyTracedCallback<ChimneyOp, OffloadHandle, uint64_t, ChimneyStatus, uint64_t>
        m_completionTrace;
    ChimneyTracedCallback<OffloadHandle, ChimneyEvent, ChimneyUploadReason> m_indicationTrace;
    ChimneyTracedCallback<OffloadHandle, const ChimneyFourTuple&, uint64_t>
        m_resourceAllocatedTrace;
    ChimneyTracedCallback<OffloadHandle, const ChimneyFourTuple&, uint64_t> m_resourceFreedTrace;
    /// Observation only: the request objects (RequestObjects).
    ChimneyTracedCallback<ChimneyOp,
                          OffloadHandle,
                          const Ptr<const NetBufferList>&,
                          const Ptr<const OffloadBlockList>&,
                          uint32_t>
        m_requestObjectsTrace;
    /// Lifecycle state changes of offloaded connections (ConnectionState).
    TracedCallback<OffloadHandle, std::string, std::string> m_connectionStateTrace;
    /// Observation only: packets of the node's own stack (HostSend).
    ChimneyTracedCallback<Ptr<const Packet>> m_hostSendTrace;
};

} // namespace ns3

#endif // CHIMNEY_NET_DEVICE_H
