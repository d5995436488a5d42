/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_INTERMEDIATE_DRIVER_H
#define CHIMNEY_INTERMEDIATE_DRIVER_H

#include "chimney-event-batch.h"
#include "chimney-interface.h"
#include "chimney-traced-callback.h"

#include "ns3/nstime.h"
#include "ns3/object.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ns3
{

class ChimneyDefect;
class ChimneyNetDevice;

/**
 * \ingroup chimney
 * \brief An NDIS intermediate driver between protocol drivers and the offload target
 *        (SPEC.md section 1, invariant A11).
 *
 * One layer of the chimney stack: it is the ChimneyOffloadClient of the layer below (the
 * ChimneyNetDevice, or the upper binding of another intermediate driver) and offers one
 * ChimneyOffloadProvider binding to each upper protocol (AddUpperProtocol()). Layers stack:
 *
 * \code
 *   Ptr<ChimneyIntermediateDriver> low = CreateObject<ChimneyIntermediateDriver>();
 *   low->SetLowerLayer(PeekPointer(device));
 *   Ptr<ChimneyIntermediateDriver> high = CreateObject<ChimneyIntermediateDriver>();
 *   high->SetLowerLayer(low->AddUpperProtocol(nullptr, "high"));
 *   ChimneyOffloadProvider* edge = high->AddUpperProtocol(&hostStack, "host");
 * \endcode
 *
 * Pass-through (A11):
 * - every request goes down with the *same* NBL or block list pointer and the *same* flags;
 * - per NBL the layer pushes one context on the NBL's context stack (on every NBL of a send or
 *   receive chain; on the one disconnect NBL). The context names the binding that issued the
 *   request and the upper's handle; the completion pops it, and is routed by it, before the same
 *   NBL goes up. Send NBLs handed back in a terminate's send chain are popped the same way;
 * - block lists have no context stack: they are routed by a map keyed by the list pointer,
 *   erased on completion.
 *
 * Handles: every upper chooses its own handles (two uppers may both use handle 1). The layer
 * allocates a lower handle for each (binding, upper handle) at InitiateOffload, rewrites
 * TcpOffloadBlock::handle in the list on the way down and restores it on the way up. The mapping
 * is forgotten when an offload block fails and when a terminate completes (A10). Indications are
 * routed by handle to the owning upper, with the upper's handle. A request on a handle the upper
 * does not own goes down as INVALID_OFFLOAD_HANDLE, so that the target refuses it (H1); an
 * offload of a handle the upper already owns goes down with the handle it is mapped to, so that
 * the target refuses it (H7). The layer never refuses a request itself.
 *
 * Returns: a request returns what the lower layer returned; on a refusal the context pushes,
 * handle rewrites and new mappings are undone, so nothing changed.
 *
 * LayerLatency: when non-zero, every request reaches the lower layer, and every completion and
 * indication the upper, that much later (Simulator::Schedule). A delayed request returns PENDING
 * to the upper at once; if the lower layer then refuses it, the refusal is undone as above and
 * the request completes upward with the refusal status in NetBufferList::status (every NBL of
 * the chain) or OffloadBlockList::status and each TCP block's status **[model choice]**: the
 * upper was promised a completion (A2), and a real NDIS intermediate driver reports a late
 * failure through the completion path.
 */
class ChimneyIntermediateDriver : public Object, public ChimneyOffloadClient
{
  public:
    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    ChimneyIntermediateDriver();
    ~ChimneyIntermediateDriver() override;

    /**
     * \brief Bind to the layer below and become its offload client
     *        (calls lower->SetOffloadClient(this)).
     * \param lower the offload target, or another intermediate driver's upper binding
     */
    void SetLowerLayer(ChimneyOffloadProvider* lower);

    /// \returns the layer below (nullptr before SetLowerLayer())
    ChimneyOffloadProvider* GetLowerLayer() const;

    /**
     * \brief Add an upper protocol: returns the binding it makes its requests on.
     *
     * The binding is owned by this driver and lives as long as it. Its SetOffloadClient() sets
     * or changes the upper protocol that receives the binding's completions and indications.
     *
     * \param upper the upper protocol (may be nullptr and set later on the binding)
     * \param name the upper's name in the Request / Completion / Indication traces
     * \returns the binding
     */
    ChimneyOffloadProvider* AddUpperProtocol(ChimneyOffloadClient* upper, std::string name);

    /// \returns the number of upper protocols added
    uint32_t GetNUpperProtocols() const;

    /**
     * \brief The upper protocol bound under a name (observation: verifiers tell a host stack or
     *        another layer above from a protocol they do not watch).
     * \param name a name given to AddUpperProtocol()
     * \returns its current client, or null (no such binding, or no client yet)
     */
    ChimneyOffloadClient* GetUpperProtocol(const std::string& name) const;

    /**
     * \brief The lower handle an upper's handle is mapped to.
     * \param binding a binding returned by AddUpperProtocol()
     * \param upperHandle the upper's handle
     * \returns the lower handle, or INVALID_OFFLOAD_HANDLE when the upper does not own it
     */
    OffloadHandle GetLowerHandle(const ChimneyOffloadProvider* binding,
                                 OffloadHandle upperHandle) const;

    /// \returns the number of (upper, handle) mappings held (offloaded or offload in progress)
    size_t GetMappedHandleCount() const;

    /// \returns the number of block lists passed down whose completion has not come back yet
    size_t GetPendingBlockListCount() const;

    // ChimneyOffloadClient: completions and indications from the layer below
    void InitiateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl) override;
    void TerminateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadEvent(OffloadHandle handle,
                         ChimneyEvent event,
                         ChimneyUploadReason reason) override;

    /**
     * TracedCallback signature of Request: one per request an upper makes on its binding.
     * \param upper the upper protocol's name
     * \param operation INITIATE_OFFLOAD, SEND, RECEIVE, DISCONNECT or TERMINATE_OFFLOAD
     * \param handle the upper's handle (0 for a block list)
     * \param id the (head) NBL's or block list's id
     * \param flags disconnect flags (0 otherwise), as passed down unchanged
     * \param returned the status returned to the upper (the lower layer's)
     */
    typedef void (*RequestTracedCallback)(std::string upper,
                                          ChimneyOp operation,
                                          OffloadHandle handle,
                                          uint64_t id,
                                          uint32_t flags,
                                          ChimneyStatus returned);

    /**
     * TracedCallback signature of Completion: fired when a completion is passed to the upper.
     * \param upper the upper protocol's name
     * \param operation SEND, RECEIVE, DISCONNECT (one per NBL); SEND_RETURNED for a send NBL in a
     *        terminate's send chain; OFFLOAD_BLOCK / TERMINATE_BLOCK for one TCP block, then
     *        INITIATE_OFFLOAD / TERMINATE_OFFLOAD for the list
     * \param handle the upper's handle (0 for a whole block list)
     * \param id the NBL's or block list's id
     * \param status the completion status
     */
    typedef void (*CompletionTracedCallback)(std::string upper,
                                             ChimneyOp operation,
                                             OffloadHandle handle,
                                             uint64_t id,
                                             ChimneyStatus status);

    /**
     * TracedCallback signature of Indication: fired when an event is passed to the upper.
     * \param upper the upper protocol's name
     * \param handle the upper's handle
     * \param event the event
     * \param reason the Retrieve reason (NONE otherwise)
     */
    typedef void (*IndicationTracedCallback)(std::string upper,
                                             OffloadHandle handle,
                                             ChimneyEvent event,
                                             ChimneyUploadReason reason);

    /**
     * TracedCallback signature of NblRequest and NblCompletion (observation only, for
     * verifiers: NBL identity, A11): one NBL object as it enters the layer from an upper
     * (NblRequest, every NBL of a send or receive chain, the disconnect NBL) or as it is passed
     * to an upper (NblCompletion, also SEND_RETURNED for each NBL of a terminate's chain).
     * \param upper the upper protocol's name
     * \param operation SEND, RECEIVE, DISCONNECT or SEND_RETURNED
     * \param handle the upper's handle
     * \param nbl the NBL object
     */
    typedef void (*NblTracedCallback)(std::string upper,
                                      ChimneyOp operation,
                                      OffloadHandle handle,
                                      const Ptr<const NetBufferList>& nbl);

  protected:
    void DoDispose() override;

  private:
    class Binding;

    /// The (binding, upper handle) a lower handle belongs to.
    struct Owner
    {
        uint32_t binding;    //!< index of the binding
        OffloadHandle upper; //!< the upper's handle
    };

    /// A block list passed down and not completed yet.
    struct PendingList
    {
        Ptr<OffloadBlockList> blocks;       //!< the list (keeps the key's address alive)
        uint32_t binding = 0;               //!< the binding that issued it
        bool terminate = false;             //!< terminate (true) or initiate offload
        std::vector<OffloadHandle> upper;   //!< upper handle of each TCP block, ForEachTcp order
        std::vector<OffloadHandle> created; //!< lower handles this offload request mapped anew
    };

    /// The NBL requests.
    enum class NblOp : uint8_t
    {
        SEND,       //!< TcpOffloadSend
        RECEIVE,    //!< TcpOffloadReceive
        DISCONNECT, //!< TcpOffloadDisconnect
    };

    /// \param op the operation \returns the operation the traces carry (ChimneyOp::SEND, ...)
    static ChimneyOp ToOp(NblOp op);

    /**
     * \brief Shared path of send, receive and disconnect: translate the handle, push contexts,
     *        call the lower layer (now, or after LayerLatency), undo on refusal.
     * \param binding the issuing binding
     * \param op the operation
     * \param handle the upper's handle
     * \param nbls the NBL (chain)
     * \param flags disconnect flags (0 otherwise), passed down unchanged
     * \returns the lower layer's status (PENDING when delayed)
     */
    ChimneyStatus RequestNbl(uint32_t binding,
                             NblOp op,
                             OffloadHandle handle,
                             Ptr<NetBufferList> nbls,
                             uint32_t flags);

    /// Call the lower layer for an NBL request. \returns its status
    ChimneyStatus CallLower(NblOp op, OffloadHandle lower, Ptr<NetBufferList> nbls, uint32_t flags);

    /**
     * \brief Shared path of initiate and terminate offload: rewrite handles, remember the list,
     *        call the lower layer (now, or after LayerLatency), undo on refusal.
     * \param binding the issuing binding
     * \param terminate true: TerminateOffload; false: InitiateOffload
     * \param blocks the list
     * \returns the lower layer's status (PENDING when delayed)
     */
    ChimneyStatus RequestBlocks(uint32_t binding, bool terminate, Ptr<OffloadBlockList> blocks);

    /// Call the lower layer for a block-list request. \returns its status
    ChimneyStatus CallLower(bool terminate, Ptr<OffloadBlockList> blocks);

    /// Undo the handle rewrites and new mappings of a pending list, and forget it.
    void UndoBlocks(OffloadBlockList* key);
    /**
     * \brief Give a TCP block of a pending list its upper handle back.
     * \param tcp the block
     * \param pending the list's record
     * \param[in,out] index the block's position in ForEachTcp order; advanced by one
     * \returns the block's handle at this layer (before the restore)
     */
    static OffloadHandle RestoreUpperHandle(TcpOffloadBlock& tcp,
                                            const PendingList& pending,
                                            size_t& index);
    /**
     * \brief Forget a completed list this layer passed down, keeping its record.
     * \param blocks the completed list
     * \param terminate the completion's kind (a list of the other kind is not taken)
     * \param[out] pending the list's record
     * \returns false (and a warning) when the list is not one this layer passed down
     */
    bool TakePendingList(Ptr<OffloadBlockList> blocks, bool terminate, PendingList& pending);
    /// Pop this layer's context from the NBLs a refused request pushed it on.
    void UndoNbl(NblOp op, Ptr<NetBufferList> nbls);

    /// \returns the lower handle of (binding, upper), INVALID_OFFLOAD_HANDLE if not owned
    OffloadHandle ToLower(uint32_t binding, OffloadHandle upper) const;
    /// \returns a fresh lower handle (never 0, never in use)
    OffloadHandle AllocateLowerHandle();
    /// Forget the mapping of a lower handle (nothing if there is none).
    void Unmap(OffloadHandle lower);

    /// \returns the context value for (binding, upper handle)
    uint64_t MakeContext(uint32_t binding, OffloadHandle upper) const;
    /// Pop and check this layer's context; \returns (binding, upper handle)
    Owner PopContext(NetBufferList& nbl) const;

    /// Seeded defect CompletionToWrongUpper only: reroute by request id. \param nbl the NBL
    /// \param[in,out] owner its owner from the context
    void RouteById(const NetBufferList& nbl, Owner& owner);

    /// Pop the contexts of a send/receive completion chain and pass it up in runs by owner.
    void CompleteChain(NblOp op, Ptr<NetBufferList> nbls);

    /// Run f now (LayerLatency 0) or after LayerLatency.
    void Later(std::function<void()> f);

    /// Pass an NBL completion to a binding's upper (after LayerLatency).
    void PassUpNbl(NblOp op, Owner owner, Ptr<NetBufferList> nbls);
    /// Pass a block-list completion to a binding's upper (after LayerLatency).
    void PassUpBlocks(bool terminate, uint32_t binding, Ptr<OffloadBlockList> blocks);

    /// \returns the seeded defect's hooks of the device below (no-ops when none)
    ChimneyDefect& Defect() const;

    ChimneyOffloadProvider* m_lower{nullptr};
    ChimneyNetDevice* m_device{nullptr}; //!< the device at the bottom of the stack, if known
    /// Seeded defect CompletionToWrongUpper only: request id -> binding that issued it last.
    std::unordered_map<uint64_t, uint32_t> m_issuerById;
    std::vector<std::unique_ptr<Binding>> m_bindings;
    Time m_layerLatency;
    ChimneyEventBatch m_calls; //!< this layer's calls after m_layerLatency, one event per instant
    uint16_t m_layerTag;       //!< distinguishes this layer's contexts from other layers'

    std::map<std::pair<uint32_t, OffloadHandle>, OffloadHandle> m_toLower;
    std::unordered_map<OffloadHandle, Owner> m_toUpper;
    OffloadHandle m_nextLowerHandle{1};
    std::unordered_map<const OffloadBlockList*, PendingList> m_pendingLists;

    ChimneyTracedCallback<std::string, ChimneyOp, OffloadHandle, uint64_t, uint32_t, ChimneyStatus>
        m_requestTrace;
    ChimneyTracedCallback<std::string, ChimneyOp, OffloadHandle, uint64_t, ChimneyStatus>
        m_completionTrace;
    TracedCallback<std::string, OffloadHandle, ChimneyEvent, ChimneyUploadReason> m_indicationTrace;
    ChimneyTracedCallback<std::string, ChimneyOp, OffloadHandle, const Ptr<const NetBufferList>&>
        m_nblRequestTrace; //!< NblRequest (observation only)
    ChimneyTracedCallback<std::string, ChimneyOp, OffloadHandle, const Ptr<const NetBufferList>&>
        m_nblCompletionTrace; //!< NblCompletion (observation only)
};

} // namespace ns3

#endif // CHIMNEY_INTERMEDIATE_DRIVER_H
