/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_H
#define CHIMNEY_VERIFIER_H

#include "chimney-finding.h"
#include "chimney-status.h"
#include "chimney-types.h"
#include "chimney-verifier-end-to-end-checker.h"
#include "chimney-verifier-interface-checker.h"
#include "chimney-verifier-misuse-checker.h"
#include "chimney-verifier-nbl-identity.h"
#include "chimney-verifier-reporter.h"
#include "chimney-verifier-resource-checker.h"
#include "chimney-verifier-shadow.h"
#include "chimney-verifier-wire-checker.h"
#include "net-buffer-list.h"
#include "offload-state.h"
#include "wire-segment.h"

#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <unordered_map>
#include <vector>

namespace ns3
{

class ChimneyNetDevice;
class NetDevice;
class ChimneyFaultInjector;
class ChimneyHostStack;
class ChimneyIntermediateDriver;
class ChimneyOffloadClient;

/**
 * \ingroup chimney
 * \brief Online checker of the SPEC.md section 4 invariants (W, A, R, E, H) of offload targets.
 *
 * It never asks a target's engine what it did. Per attached ChimneyNetDevice it reads three
 * streams, as ARCHITECTURE.md requires:
 *  1. the frames on the device's link, both directions, parsed by ParseWireFrame from the inner
 *     link device's MacTx (frames the node sends, as they enter the link device) and MacRx
 *     (frames it receives); the device's HostSend trace only tells which transmitted frames the
 *     node's own IP stack handed down, so that every other transmitted frame is the target's;
 *  2. the interface: the device's RequestObjects (the request's NBL / block list, read-only),
 *     Request, Completion, Indication and HostMisuse traces, and optionally the host stack's
 *     Call / Upcall / PhaseChange and intermediate drivers' Request / Completion;
 *  3. the device's resource ledger: ResourceAllocated / ResourceFreed.
 *
 * Every check runs as the event happens; Finish() adds the end-of-run audit (R4, requests never
 * completed, connections never terminated, W7 acknowledgements still owed). A violation is a
 * ChimneyFinding (invariant ID, time, node, device, 4-tuple, description, the segment or call),
 * fired on the "Finding" trace, counted per ID, and written by WriteJson() / PrintSummary().
 *
 * Per connection the verifier keeps a compact record: sequence bookkeeping, the outstanding
 * requests (references to the request's own NBLs, no copies), and for E1/E2:
 *  - send direction: each payload byte the target transmits is compared, at once, with the
 *    byte posted at that sequence number, read from the posted NBLs (and the offload's
 *    delegated send data) by reference; a reference is dropped once the peer acknowledged it;
 *  - receive direction: the remote's bytes, as they become contiguous on the wire, are kept
 *    until delivered (what the target itself holds), and each byte delivered in a receive
 *    completion is compared once with the wire's byte at its position (bytes delivered before
 *    the wire showed them are kept until it does); the result is reported whenever the
 *    delivered end meets a segment boundary of the wire stream (always at the remote FIN and
 *    at terminate). Per byte and direction that is one copy and one comparison.
 *
 * Structure (one file per concern, after TigerBeetle's checkers in testing/cluster):
 *  - chimney-verifier-shadow.h: the shadow model, per-connection facts derived from the three
 *    streams (ShadowConnection, ShadowDevice); it reports nothing;
 *  - one checker per invariant family, each stating the invariants it owns at its top and
 *    keeping its own state: chimney-verifier-wire-checker.h (W1-W10; W7's obligation is
 *    ChimneyAckObligation), chimney-verifier-interface-checker.h (A1-A11),
 *    chimney-verifier-resource-checker.h (R1-R5), chimney-verifier-end-to-end-checker.h
 *    (E1-E3), chimney-verifier-misuse-checker.h (H1-H7);
 *  - this class: the ns-3 Object users attach; it routes each event to the shadow and the
 *    checkers (chimney-verifier-routing.cc) and collects the findings (ChimneyVerifierReporter).
 *
 * The observation entry points (Observe*) are what the trace sinks call; tests may call them
 * to feed synthetic events.
 *
 * Limits (what the three streams cannot show):
 *  - wire checks (W1-W10) cover the target's frames from the offload to the terminate
 *    completion; after an upload the host's software frames are not checked (their data is not
 *    visible at the interface), only that the target sends nothing more (W8);
 *  - W6 "acknowledges nothing" is seen as: no pure ACK after the target's RST, and no data
 *    received after the RST delivered; W7 as: remote data after the target's FIN, within its
 *    advertised window, acknowledged within AckTimeout (and everything received accounted for
 *    at terminate);
 *  - W10: the peer's RCV.NXT is not observable: the RST must lie between the peer's highest ACK
 *    and the highest sequence the target sent;
 *  - A8 acceptability: an RST is acceptable when its sequence number is the remote stream's end
 *    on the wire (FIN included) or the target's last ACK;
 *  - E1/E2 receive: the comparison points are the wire's segment boundaries; a delivery that
 *    never meets one (only partial-segment window trims) is compared at the FIN / terminate;
 *  - H6 "terminate inside a disconnect or receive call": the call's return is not traced, so
 *    this case is only relayed from the target's HostMisuse report (every other H rule is also
 *    decided independently from the request stream; a misuse the target accepts is reported);
 *  - A11 end to end needs the host stack's traces (AttachHostStack) and compares request ids;
 *    per layer it needs the drivers' traces (AttachIntermediateDriver);
 *  - E3 "the host reports the connection failed" needs the host stack attached directly on the
 *    device (same handles); otherwise only the target's side (FAILURE, nothing sent or
 *    delivered after the failure) is checked;
 *  - ns-3's global ChecksumEnabled (whether a corrupted frame is a segment at all) is read once,
 *    at the first frame parsed: global values are set before a simulation runs.
 *
 * Cost: each frame is parsed once for both attached devices that see it (ShadowFrameCache),
 * evidence text is made only for a finding reported (ChimneyEvidence), and the trace sinks
 * take their arguments by reference through one std::function (BENCHMARKS.md has the figures).
 */
class ChimneyVerifier : public Object, private ChimneyVerifierReporter
{
  public:
    /// Which way a frame went, and who sent it.
    enum class FrameDirection : uint8_t
    {
        TARGET_TX, //!< transmitted by the offload target
        HOST_TX,   //!< transmitted by the node's own stack through the device
        RX,        //!< received from the link
    };

    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    ChimneyVerifier();
    ~ChimneyVerifier() override;

    /**
     * \brief Watch an offload target: its interface, ledger and link traces.
     * \param device the chimney device (its inner link device must be set)
     */
    void AttachDevice(Ptr<ChimneyNetDevice> device);

    /**
     * \brief Watch a host stack too (A1 seen from the caller, A11 end to end, E3).
     * \param stack the stack; its device should be attached as well
     */
    void AttachHostStack(Ptr<ChimneyHostStack> stack);

    /**
     * \brief Watch an intermediate driver's traces (A11: completions go to the upper protocol
     *        that issued the request).
     * \param layer the driver
     */
    void AttachIntermediateDriver(Ptr<ChimneyIntermediateDriver> layer);

    /**
     * \brief Take what a fault injector does on purpose for what it is: the misuse calls it
     *        issues (host.misuse) as expected (its "Misuse" trace to ExpectMisuse()), and the
     *        frames it forges at the far end of a link (peer.rst-*, peer.syn; its "Spoof"
     *        trace) as not sent by the offload target of an attached device there (a chimney
     *        peer's): such a frame is still seen where it is received.
     * \param injector the injector (attach the devices it misuses too)
     */
    void AttachFaultInjector(Ptr<ChimneyFaultInjector> injector);

    /**
     * \brief The next request call on a device breaks rule `id` on purpose (expected misuse):
     *        its refusal is counted as H `id` exercised, not reported; accepting it, another
     *        status or another rule is a finding with that ID (ChimneyVerifierMisuseChecker).
     * \param device the target the call goes to (attached; others are ignored)
     * \param id "H1" .. "H7"
     */
    void ExpectMisuse(Ptr<ChimneyNetDevice> device, std::string id);

    /// \returns expected misuse calls refused as announced (ExpectMisuse())
    uint64_t GetExpectedMisuseCount() const;

    /**
     * \brief End-of-run audit (R4; requests never completed; connections never terminated;
     *        W7 acknowledgements still owed; A11 completions never delivered). Idempotent.
     */
    void Finish();

    /// \returns findings reported (the counts; repeats suppressed per connection excluded)
    uint64_t GetFindingCount() const;
    /// \param id an invariant ID \returns its count
    uint64_t GetCount(const std::string& id) const;
    /// \returns count per ID, every catalog ID present
    std::map<std::string, uint64_t> GetCounts() const;
    /// \returns per invariant, how often its check was exercised non-trivially (what counts is
    ///          written at the top of each checker, chimney-verifier-*-checker.h)
    const ChimneyInvariantCoverage& GetExercised() const;
    /// \returns the findings kept (at most MaxStoredFindings), in order
    const std::vector<ChimneyFinding>& GetFindings() const;
    /// \returns connections with a live record (offload requested, terminate not completed)
    uint64_t GetTrackedConnectionCount() const;
    /// \returns bytes of one connection record without its outstanding requests
    static size_t GetConnectionRecordSize();

    /**
     * \brief Write the JSON report (schema: ChimneyFindingLog). The summary holds "devices",
     *        "connections" (offloads observed), "segments" (TCP frames parsed), "requests",
     *        "completions" and "indications"; "exercised" maps every invariant ID to how often
     *        its check was exercised non-trivially.
     * \param os the stream
     */
    void WriteJson(std::ostream& os) const;

    /**
     * \brief Write the human summary table (one row per invariant ID: findings, times
     *        exercised), the IDs never exercised, and the first findings.
     * \param os the stream
     */
    void PrintSummary(std::ostream& os) const;

    // --- observation entry points (trace sinks; tests may feed synthetic events) ---

    /**
     * \brief A request call begins: its objects (RequestObjects trace).
     * \param device the target
     * \param op INITIATE_OFFLOAD, SEND, RECEIVE, DISCONNECT or TERMINATE_OFFLOAD
     * \param handle the handle (0 for a block list)
     * \param nbl the NBL (chain), or null
     * \param blocks the block list, or null
     * \param flags disconnect flags
     */
    void ObserveRequestObjects(Ptr<ChimneyNetDevice> device,
                               ChimneyOp op,
                               OffloadHandle handle,
                               Ptr<const NetBufferList> nbl,
                               Ptr<const OffloadBlockList> blocks,
                               uint32_t flags);

    /**
     * \brief A request call and what it returned (Request trace).
     * \param device the target
     * \param op the operation
     * \param handle the handle
     * \param id the NBL's or list's id
     * \param flags disconnect flags
     * \param returned the returned status
     */
    void ObserveRequest(Ptr<ChimneyNetDevice> device,
                        ChimneyOp op,
                        OffloadHandle handle,
                        uint64_t id,
                        uint32_t flags,
                        ChimneyStatus returned);

    /**
     * \brief A completion reaching the host (Completion trace).
     * \param device the target
     * \param op SEND, SEND_RETURNED, RECEIVE, DISCONNECT, OFFLOAD_BLOCK, INITIATE_OFFLOAD,
     *        TERMINATE_BLOCK or TERMINATE_OFFLOAD
     * \param handle the handle (0 for a list)
     * \param id the NBL's or list's id
     * \param status the status
     * \param bytes bytesTransferred
     */
    void ObserveCompletion(Ptr<ChimneyNetDevice> device,
                           ChimneyOp op,
                           OffloadHandle handle,
                           uint64_t id,
                           ChimneyStatus status,
                           uint64_t bytes);

    /**
     * \brief An indication reaching the host (Indication trace).
     * \param device the target
     * \param handle the connection
     * \param event the event
     * \param reason the Retrieve reason
     */
    void ObserveIndication(Ptr<ChimneyNetDevice> device,
                           OffloadHandle handle,
                           ChimneyEvent event,
                           ChimneyUploadReason reason);

    /**
     * \brief The target refused a request as host misuse (HostMisuse trace): relayed as a
     *        finding with the target's H-ID.
     * \param device the target
     * \param id "H1" .. "H7"
     * \param handle the handle
     * \param description the target's description
     */
    void ObserveHostMisuse(Ptr<ChimneyNetDevice> device,
                           std::string id,
                           OffloadHandle handle,
                           std::string description);

    /**
     * \brief A ledger entry allocated or freed (ResourceAllocated / ResourceFreed).
     * \param device the target
     * \param allocated true: allocated; false: freed
     * \param handle the connection
     * \param tuple its 4-tuple, local = the target's node
     * \param bytes bytes accounted
     */
    void ObserveResource(Ptr<ChimneyNetDevice> device,
                         bool allocated,
                         OffloadHandle handle,
                         const ChimneyFourTuple& tuple,
                         uint64_t bytes);

    /**
     * \brief A frame on the device's link (link header included; a bare IPv4 datagram works).
     * \param device the target
     * \param frame the frame
     * \param direction who sent it
     */
    void ObserveFrame(Ptr<ChimneyNetDevice> device,
                      Ptr<const Packet> frame,
                      FrameDirection direction);

    /**
     * \brief A parsed TCP segment on the device's link.
     * \param device the target
     * \param segment the segment with its IPv4 addresses
     * \param direction who sent it
     */
    void ObserveSegment(Ptr<ChimneyNetDevice> device,
                        const WireSegment& segment,
                        FrameDirection direction);

    /**
     * \brief An intermediate driver passed a request down (its Request trace).
     * \param layer the driver (attached with AttachIntermediateDriver())
     * \param upper the upper protocol that issued it
     * \param op the operation
     * \param handle the upper's handle
     * \param id the NBL's or list's id
     * \param flags disconnect flags
     * \param returned what the upper got back
     */
    void ObserveLayerRequest(Ptr<ChimneyIntermediateDriver> layer,
                             std::string upper,
                             ChimneyOp op,
                             OffloadHandle handle,
                             uint64_t id,
                             uint32_t flags,
                             ChimneyStatus returned);

    /**
     * \brief An intermediate driver passed a completion up (its Completion trace).
     * \param layer the driver
     * \param upper the upper protocol it went to
     * \param op the operation
     * \param handle the upper's handle
     * \param id the NBL's or list's id
     * \param status the status
     */
    void ObserveLayerCompletion(Ptr<ChimneyIntermediateDriver> layer,
                                std::string upper,
                                ChimneyOp op,
                                OffloadHandle handle,
                                uint64_t id,
                                ChimneyStatus status);

    /**
     * TracedCallback signature of Finding.
     * \param finding the finding
     */
    typedef void (*FindingTracedCallback)(const ChimneyFinding& finding);

  protected:
    void DoDispose() override;

  private:
    /// \copydoc ChimneyVerifierReporter::DoReport
    void DoReport(ChimneyInvariantId id,
                  const ShadowDevice* d,
                  const ShadowConnection* c,
                  OffloadHandle handle,
                  const std::string& description,
                  const ChimneyEvidence& evidence) override;
    /// \copydoc ChimneyVerifierReporter::Exercised
    void Exercised(ChimneyInvariantId id) override;
    /// \copydoc ChimneyVerifierReporter::DoReportEveryTime
    void DoReportEveryTime(ChimneyInvariantId id,
                           const ShadowDevice* d,
                           const ShadowConnection* c,
                           OffloadHandle handle,
                           const std::string& description,
                           const ChimneyEvidence& evidence) override;

    using LayerIssuers = ChimneyVerifierInterfaceChecker::LayerIssuers; //!< a driver's state

    /// An attached intermediate driver, for its NBL identity traces (A11).
    struct LayerNbls
    {
        ChimneyIntermediateDriver* driver; //!< the driver
        uint32_t index;                    //!< its index in m_identity
    };

    /// \param client an offload client \returns its boundary (NONE: not attached)
    ChimneyVerifierNblIdentity::Boundary BoundaryOf(const ChimneyOffloadClient* client) const;
    /// \param d a target \returns the boundary of its offload client now (cached per device:
    /// asked on every request)
    ChimneyVerifierNblIdentity::Boundary ClientBoundary(ShadowDevice& d);

    ShadowDevice* GetState(Ptr<ChimneyNetDevice> device) const;
    LayerIssuers* GetLayer(Ptr<ChimneyIntermediateDriver> layer) const;

    // trace sinks (bound to the device's, host's or driver's state)
    void TraceRequestObjects(ShadowDevice* d,
                             ChimneyOp op,
                             OffloadHandle handle,
                             const Ptr<const NetBufferList>& nbl,
                             const Ptr<const OffloadBlockList>& blocks,
                             uint32_t flags);
    void TraceRequest(ShadowDevice* d,
                      ChimneyOp op,
                      OffloadHandle handle,
                      uint64_t id,
                      uint32_t flags,
                      ChimneyStatus returned);
    void TraceCompletion(ShadowDevice* d,
                         ChimneyOp op,
                         OffloadHandle handle,
                         uint64_t id,
                         ChimneyStatus status,
                         uint64_t bytes);
    void TraceIndication(ShadowDevice* d,
                         OffloadHandle handle,
                         ChimneyEvent event,
                         ChimneyUploadReason reason);
    void TraceHostMisuse(ShadowDevice* d,
                         const std::string& id,
                         OffloadHandle handle,
                         const std::string& text);
    void TraceAllocated(ShadowDevice* d,
                        OffloadHandle handle,
                        const ChimneyFourTuple& tuple,
                        uint64_t bytes);
    void TraceFreed(ShadowDevice* d,
                    OffloadHandle handle,
                    const ChimneyFourTuple& tuple,
                    uint64_t bytes);
    void TraceHostSend(ShadowDevice* d, const Ptr<const Packet>& packet);
    void TraceMacTx(ShadowDevice* d, const Ptr<const Packet>& frame);
    void TraceMacRx(ShadowDevice* d, const Ptr<const Packet>& frame);
    /// A fault injector forges a frame that leaves `device` (AttachFaultInjector)
    void TraceSpoof(Ptr<NetDevice> device, Ptr<const Packet> datagram);
    void TraceHostCall(ShadowHost* h,
                       ChimneyOp op,
                       OffloadHandle handle,
                       uint64_t id,
                       uint32_t flags,
                       ChimneyStatus returned);
    void TraceHostUpcall(ShadowHost* h,
                         ChimneyOp op,
                         OffloadHandle handle,
                         uint64_t id,
                         ChimneyStatus status,
                         uint64_t bytes);
    /// Connect the host's PhaseChange trace (at its first hardware failure). \param h the host
    void TracePhasesOf(ShadowHost& h);
    void TraceHostPhase(ShadowHost* h,
                        OffloadHandle handle,
                        const std::string& from,
                        const std::string& to,
                        const std::string& detail);
    void TraceLayerRequest(LayerIssuers* l,
                           const std::string& upper,
                           ChimneyOp op,
                           OffloadHandle handle,
                           uint64_t id,
                           uint32_t flags,
                           ChimneyStatus returned);
    void TraceLayerCompletion(LayerIssuers* l,
                              const std::string& upper,
                              ChimneyOp op,
                              OffloadHandle handle,
                              uint64_t id,
                              ChimneyStatus status);
    void TraceHostNblCall(ShadowHost* h,
                          ChimneyOp op,
                          OffloadHandle handle,
                          const Ptr<const NetBufferList>& nbl);
    void TraceHostNblUpcall(ShadowHost* h,
                            ChimneyOp op,
                            OffloadHandle handle,
                            const Ptr<const NetBufferList>& nbl);
    void TraceLayerNblRequest(LayerNbls* l,
                              const std::string& upper,
                              ChimneyOp op,
                              OffloadHandle handle,
                              const Ptr<const NetBufferList>& nbl);
    void TraceLayerNblCompletion(LayerNbls* l,
                                 const std::string& upper,
                                 ChimneyOp op,
                                 OffloadHandle handle,
                                 const Ptr<const NetBufferList>& nbl);
    void TraceLayerNblRefusal(LayerNbls* l,
                              const std::string& upper,
                              ChimneyOp op,
                              OffloadHandle handle,
                              uint64_t id,
                              uint32_t flags,
                              ChimneyStatus returned);

    // routing: each event updates the shadow and goes to the checkers, in the order of the
    // checks (findings come out in that order)
    void DoFrame(ShadowDevice& d, const Ptr<const Packet>& frame, FrameDirection direction);
    void DoSegment(ShadowDevice& d, const WireSegment& w, FrameDirection direction);
    /// \copydoc DoSegment \param key its tuple as seen from the target \param found its
    /// record (null: none)
    void DoSegment(ShadowDevice& d,
                   const WireSegment& w,
                   FrameDirection direction,
                   const ChimneyFourTuple& key,
                   ShadowConnection* found);
    void TargetSegment(ShadowDevice& d, ShadowConnection& c, const WireSegment& w);
    void RemoteSegment(ShadowDevice& d, ShadowConnection& c, const WireSegment& w);
    void CompleteNbl(ShadowDevice& d,
                     ShadowConnection& c,
                     ChimneyOp op,
                     uint64_t id,
                     ChimneyStatus status,
                     uint64_t bytes,
                     const ChimneyEvidence& evidence);
    void CompleteOffloadBlock(ShadowDevice& d,
                              OffloadHandle handle,
                              ChimneyStatus status,
                              const ChimneyEvidence& evidence);
    void CompleteTerminateBlock(ShadowDevice& d,
                                ShadowConnection& c,
                                ChimneyStatus status,
                                const ChimneyEvidence& evidence);
    void CheckReturnedState(ShadowDevice& d,
                            ShadowConnection& c,
                            const TcpOffloadBlock& block,
                            const ChimneyEvidence& evidence);

    std::vector<std::pair<std::string, uint64_t>> SummaryFields() const;

    // attributes (the checkers read them by reference)
    Time m_ackTimeout;
    Time m_requestTimeout;
    uint32_t m_maxStored{10000};
    bool m_oncePerConnection{true};
    bool m_requireTerminated{true};

    // the shadow model
    std::vector<std::unique_ptr<ShadowDevice>> m_devices;
    std::unordered_map<const ChimneyNetDevice*, ShadowDevice*> m_byDevice;
    std::unordered_map<const NetDevice*, ShadowDevice*> m_byLinkDevice; //!< by inner device
    /// Attached devices by node id, in attach order: a host stack finds its node's devices
    /// without a scan of every device (20,000 devices made the attaching quadratic).
    std::unordered_map<uint32_t, std::vector<ShadowDevice*>> m_devicesByNode;
    std::map<uint32_t, std::unique_ptr<ShadowHost>> m_hosts; //!< by node id
    std::vector<Ptr<ChimneyHostStack>> m_stacks;             //!< attached host stacks
    std::vector<std::pair<Ptr<ChimneyIntermediateDriver>, LayerIssuers*>> m_layers;
    std::vector<std::unique_ptr<LayerNbls>> m_layerNbls; //!< attached drivers (A11 identity)
    /// Attached host stacks and drivers, as the offload clients of the layer below them.
    std::unordered_map<const ChimneyOffloadClient*, ChimneyVerifierNblIdentity::Boundary> m_clients;
    uint64_t m_clientsEpoch = 1; //!< changes with m_clients (ClientBoundary()'s caches)

    /// A target's offload client when last asked, and its boundary.
    struct ClientCache
    {
        const ChimneyOffloadClient* client = nullptr;  //!< the client
        uint64_t epoch = 0;                            //!< m_clientsEpoch then
        ChimneyVerifierNblIdentity::Boundary boundary; //!< its boundary
    };

    std::vector<ClientCache> m_clientCache; //!< by ShadowDevice::index

    ShadowFrameCache m_frames; //!< frames parsed once for every attached device that sees them

    // the checkers, one per invariant family
    ChimneyVerifierWireChecker m_wire;
    ChimneyVerifierInterfaceChecker m_interface;
    ChimneyVerifierResourceChecker m_resources;
    ChimneyVerifierEndToEndChecker m_endToEnd;
    ChimneyVerifierMisuseChecker m_misuse;
    ChimneyVerifierNblIdentity m_identity; //!< A11 by NBL object

    ChimneyFindingLog m_log;
    bool m_finished{false};
    Time m_finishTime; //!< when Finish() ran (reports written after the simulation is gone)

    // counters for the report
    uint64_t m_connections{0};
    uint64_t m_segments{0};
    uint64_t m_requests{0};
    uint64_t m_completions{0};
    uint64_t m_indications{0};
    uint64_t m_expectedMisuse{0}; //!< announced misuse calls refused as announced

    TracedCallback<const ChimneyFinding&> m_findingTrace;
};

} // namespace ns3

#endif // CHIMNEY_VERIFIER_H
