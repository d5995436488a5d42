/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-intermediate-driver.h"

#include "chimney-defect.h"
#include "chimney-net-device.h"

#include "ns3/abort.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyIntermediateDriver");

NS_OBJECT_ENSURE_REGISTERED(ChimneyIntermediateDriver);

namespace
{

/// Context layout: layer tag (16 bits) | binding index (16 bits) | upper handle (32 bits).
constexpr unsigned kTagShift = 48;
constexpr unsigned kBindingShift = 32;
constexpr uint32_t kMaxBindings = 0xffff;

/// A tag per driver instance, so that a context popped by the wrong layer is caught.
uint16_t
NextLayerTag()
{
    static uint16_t next = 0;
    if (++next == 0)
    {
        ++next;
    }
    return next;
}

} // namespace

/**
 * \brief The ChimneyOffloadProvider one upper protocol makes its requests on.
 *
 * Owned by its driver. Requests go to the driver's shared paths with the binding's index; the
 * driver hands completions and indications to the binding's current upper.
 */
class ChimneyIntermediateDriver::Binding : public ChimneyOffloadProvider
{
  public:
    /**
     * \param driver the owning driver
     * \param index the binding's index in the driver
     * \param name the upper's name in traces
     * \param upper the upper protocol (may be nullptr)
     */
    Binding(ChimneyIntermediateDriver* driver,
            uint32_t index,
            std::string name,
            ChimneyOffloadClient* upper)
        : m_driver(driver),
          m_index(index),
          m_name(std::move(name)),
          m_upper(upper)
    {
    }

    void SetOffloadClient(ChimneyOffloadClient* client) override
    {
        m_upper = client;
    }

    ChimneyStatus InitiateOffload(Ptr<OffloadBlockList> blocks) override
    {
        return m_driver->RequestBlocks(m_index, false, blocks);
    }

    ChimneyStatus TcpOffloadSend(OffloadHandle handle, Ptr<NetBufferList> nbls) override
    {
        return m_driver->RequestNbl(m_index, NblOp::SEND, handle, nbls, 0);
    }

    ChimneyStatus TcpOffloadReceive(OffloadHandle handle, Ptr<NetBufferList> nbls) override
    {
        return m_driver->RequestNbl(m_index, NblOp::RECEIVE, handle, nbls, 0);
    }

    ChimneyStatus TcpOffloadDisconnect(OffloadHandle handle,
                                       Ptr<NetBufferList> nbl,
                                       uint32_t flags) override
    {
        return m_driver->RequestNbl(m_index, NblOp::DISCONNECT, handle, nbl, flags);
    }

    ChimneyStatus TerminateOffload(Ptr<OffloadBlockList> blocks) override
    {
        return m_driver->RequestBlocks(m_index, true, blocks);
    }

    ChimneyIntermediateDriver* m_driver; //!< the owning driver
    uint32_t m_index;                    //!< index in m_bindings, part of the NBL context
    std::string m_name;                  //!< the upper's name in traces
    ChimneyOffloadClient* m_upper;       //!< receives completions and indications
};

TypeId
ChimneyIntermediateDriver::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ChimneyIntermediateDriver")
            .SetParent<Object>()
            .SetGroupName("Chimney")
            .AddConstructor<ChimneyIntermediateDriver>()
            .AddAttribute("LayerLatency",
                          "Time a request takes to reach the lower layer, and a completion or "
                          "indication the upper protocol, through this layer (0: synchronous).",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ChimneyIntermediateDriver::m_layerLatency),
                          MakeTimeChecker(Time(0)))
            .AddTraceSource("Request",
                            "Every request an upper protocol makes, with the status returned.",
                            MakeTraceSourceAccessor(&ChimneyIntermediateDriver::m_requestTrace),
                            "ns3::ChimneyIntermediateDriver::RequestTracedCallback")
            .AddTraceSource("Completion",
                            "Every completion, when it is passed to the upper protocol.",
                            MakeTraceSourceAccessor(&ChimneyIntermediateDriver::m_completionTrace),
                            "ns3::ChimneyIntermediateDriver::CompletionTracedCallback")
            .AddTraceSource("Indication",
                            "Every event indication, when it is passed to the upper protocol.",
                            MakeTraceSourceAccessor(&ChimneyIntermediateDriver::m_indicationTrace),
                            "ns3::ChimneyIntermediateDriver::IndicationTracedCallback")
            .AddTraceSource("NblRequest",
                            "Observation only: each NBL object as it enters from an upper.",
                            MakeTraceSourceAccessor(&ChimneyIntermediateDriver::m_nblRequestTrace),
                            "ns3::ChimneyIntermediateDriver::NblTracedCallback")
            .AddTraceSource(
                "NblCompletion",
                "Observation only: each NBL object as it is passed to an upper.",
                MakeTraceSourceAccessor(&ChimneyIntermediateDriver::m_nblCompletionTrace),
                "ns3::ChimneyIntermediateDriver::NblTracedCallback");
    return tid;
}

ChimneyIntermediateDriver::ChimneyIntermediateDriver()
    : m_layerTag(NextLayerTag())
{
    NS_LOG_FUNCTION(this);
}

ChimneyIntermediateDriver::~ChimneyIntermediateDriver()
{
    NS_LOG_FUNCTION(this);
}

void
ChimneyIntermediateDriver::DoDispose()
{
    NS_LOG_FUNCTION(this);
    // The bindings stay (upper layers may hold them as their lower layer) but lose their uppers.
    for (auto& binding : m_bindings)
    {
        binding->m_upper = nullptr;
    }
    m_lower = nullptr;
    m_toLower.clear();
    m_toUpper.clear();
    m_pendingLists.clear();
    Object::DoDispose();
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

void
ChimneyIntermediateDriver::SetLowerLayer(ChimneyOffloadProvider* lower)
{
    NS_LOG_FUNCTION(this << lower);
    m_lower = lower;
    // The device at the bottom of the stack, whose seeded defect this layer shares.
    m_device = dynamic_cast<ChimneyNetDevice*>(lower);
    if (auto* binding = dynamic_cast<Binding*>(lower))
    {
        m_device = binding->m_driver->m_device;
    }
    if (m_lower != nullptr)
    {
        m_lower->SetOffloadClient(this);
    }
}

ChimneyDefect&
ChimneyIntermediateDriver::Defect() const
{
    static ChimneyDefect none;
    return m_device != nullptr ? m_device->GetDefectHooks() : none;
}

ChimneyOffloadClient*
ChimneyIntermediateDriver::GetUpperProtocol(const std::string& name) const
{
    for (const auto& b : m_bindings)
    {
        if (b->m_name == name)
        {
            return b->m_upper;
        }
    }
    return nullptr;
}

ChimneyOffloadProvider*
ChimneyIntermediateDriver::GetLowerLayer() const
{
    return m_lower;
}

ChimneyOffloadProvider*
ChimneyIntermediateDriver::AddUpperProtocol(ChimneyOffloadClient* upper, std::string name)
{
    NS_LOG_FUNCTION(this << upper << name);
    NS_ABORT_MSG_IF(m_bindings.size() >= kMaxBindings,
                    "ChimneyIntermediateDriver: too many upper protocols");
    const auto index = static_cast<uint32_t>(m_bindings.size());
    m_bindings.push_back(std::make_unique<Binding>(this, index, std::move(name), upper));
    return m_bindings.back().get();
}

uint32_t
ChimneyIntermediateDriver::GetNUpperProtocols() const
{
    return static_cast<uint32_t>(m_bindings.size());
}

OffloadHandle
ChimneyIntermediateDriver::GetLowerHandle(const ChimneyOffloadProvider* binding,
                                          OffloadHandle upperHandle) const
{
    for (const auto& b : m_bindings)
    {
        if (b.get() == binding)
        {
            return ToLower(b->m_index, upperHandle);
        }
    }
    return INVALID_OFFLOAD_HANDLE;
}

size_t
ChimneyIntermediateDriver::GetMappedHandleCount() const
{
    return m_toUpper.size();
}

size_t
ChimneyIntermediateDriver::GetPendingBlockListCount() const
{
    return m_pendingLists.size();
}

// ---------------------------------------------------------------------------------------------
// Handles and contexts
// ---------------------------------------------------------------------------------------------

OffloadHandle
ChimneyIntermediateDriver::ToLower(uint32_t binding, OffloadHandle upper) const
{
    auto it = m_toLower.find({binding, upper});
    return it == m_toLower.end() ? INVALID_OFFLOAD_HANDLE : it->second;
}

OffloadHandle
ChimneyIntermediateDriver::AllocateLowerHandle()
{
    // Monotonic (a handle is not reused soon after its terminate), skipping 0 and live ones.
    NS_ABORT_MSG_IF(m_toUpper.size() >= 0xfffffffeU,
                    "ChimneyIntermediateDriver: lower handles exhausted");
    while (m_nextLowerHandle == INVALID_OFFLOAD_HANDLE || m_toUpper.count(m_nextLowerHandle) != 0)
    {
        ++m_nextLowerHandle;
    }
    return m_nextLowerHandle++;
}

void
ChimneyIntermediateDriver::Unmap(OffloadHandle lower)
{
    auto it = m_toUpper.find(lower);
    if (it == m_toUpper.end())
    {
        return;
    }
    m_toLower.erase({it->second.binding, it->second.upper});
    m_toUpper.erase(it);
}

uint64_t
ChimneyIntermediateDriver::MakeContext(uint32_t binding, OffloadHandle upper) const
{
    return (static_cast<uint64_t>(m_layerTag) << kTagShift) |
           (static_cast<uint64_t>(binding) << kBindingShift) | upper;
}

ChimneyIntermediateDriver::Owner
ChimneyIntermediateDriver::PopContext(NetBufferList& nbl) const
{
    const uint64_t context = nbl.PopContext();
    NS_ABORT_MSG_IF(static_cast<uint16_t>(context >> kTagShift) != m_layerTag,
                    "ChimneyIntermediateDriver: NBL " << nbl.id
                                                      << " carries another layer's context "
                                                         "on top (a layer did not pop its own)");
    const auto binding = static_cast<uint32_t>((context >> kBindingShift) & kMaxBindings);
    NS_ABORT_MSG_IF(binding >= m_bindings.size(),
                    "ChimneyIntermediateDriver: NBL context names an unknown binding");
    return Owner{binding, static_cast<OffloadHandle>(context & 0xffffffffU)};
}

// ---------------------------------------------------------------------------------------------
// Requests (upper -> lower)
// ---------------------------------------------------------------------------------------------

ChimneyOp
ChimneyIntermediateDriver::ToOp(NblOp op)
{
    switch (op)
    {
    case NblOp::SEND:
        return ChimneyOp::SEND;
    case NblOp::RECEIVE:
        return ChimneyOp::RECEIVE;
    case NblOp::DISCONNECT:
        break;
    }
    return ChimneyOp::DISCONNECT;
}

ChimneyStatus
ChimneyIntermediateDriver::CallLower(NblOp op,
                                     OffloadHandle lower,
                                     Ptr<NetBufferList> nbls,
                                     uint32_t flags)
{
    NS_ABORT_MSG_IF(m_lower == nullptr, "ChimneyIntermediateDriver: request without lower layer");
    switch (op)
    {
    case NblOp::SEND:
        return m_lower->TcpOffloadSend(lower, nbls);
    case NblOp::RECEIVE:
        return m_lower->TcpOffloadReceive(lower, nbls);
    case NblOp::DISCONNECT:
        break;
    }
    return m_lower->TcpOffloadDisconnect(lower, nbls, flags);
}

ChimneyStatus
ChimneyIntermediateDriver::CallLower(bool terminate, Ptr<OffloadBlockList> blocks)
{
    NS_ABORT_MSG_IF(m_lower == nullptr, "ChimneyIntermediateDriver: request without lower layer");
    return terminate ? m_lower->TerminateOffload(blocks) : m_lower->InitiateOffload(blocks);
}

ChimneyStatus
ChimneyIntermediateDriver::RequestNbl(uint32_t binding,
                                      NblOp op,
                                      OffloadHandle handle,
                                      Ptr<NetBufferList> nbls,
                                      uint32_t flags)
{
    NS_LOG_FUNCTION(this << binding << ToOp(op) << handle << nbls << flags);
    NS_ABORT_MSG_IF(m_lower == nullptr, "ChimneyIntermediateDriver: request without lower layer");
    // A handle this upper does not own goes down invalid: the target refuses it (H1).
    const OffloadHandle lower = ToLower(binding, handle);
    const uint64_t context = MakeContext(binding, handle);
    for (NetBufferList* n = PeekPointer(nbls); n != nullptr; n = PeekPointer(n->next))
    {
        m_nblRequestTrace(m_bindings[binding]->m_name,
                          ToOp(op),
                          handle,
                          Ptr<const NetBufferList>(n));
        if (Defect().LayerRoutesById())
        {
            m_issuerById[n->id] = binding;
        }
        if (op == NblOp::DISCONNECT)
        {
            break;
        }
    }
    if (nbls)
    {
        if (op == NblOp::DISCONNECT)
        {
            nbls->PushContext(context); // one NBL; a chain is the target's to refuse (H2)
        }
        else
        {
            for (NetBufferList* n = PeekPointer(nbls); n != nullptr; n = PeekPointer(n->next))
            {
                n->PushContext(context);
            }
        }
    }
    const std::string& name = m_bindings[binding]->m_name;
    const uint64_t id = nbls ? nbls->id : 0;
    if (m_layerLatency.IsZero())
    {
        const ChimneyStatus status = CallLower(op, lower, nbls, flags);
        if (status != ChimneyStatus::PENDING)
        {
            UndoNbl(op, nbls);
        }
        m_requestTrace(name, ToOp(op), handle, id, flags, status);
        return status;
    }
    m_requestTrace(name, ToOp(op), handle, id, flags, ChimneyStatus::PENDING);
    Ptr<ChimneyIntermediateDriver> self(this);
    m_calls.Schedule(m_layerLatency, [self, binding, op, handle, lower, nbls, flags]() {
        const ChimneyStatus status = self->CallLower(op, lower, nbls, flags);
        if (status == ChimneyStatus::PENDING)
        {
            return;
        }
        // Refused after this layer returned PENDING: undo, then complete with the refusal.
        NS_LOG_WARN("lower layer refused a delayed " << ToOp(op) << " (handle " << handle
                                                     << "): " << status);
        self->UndoNbl(op, nbls);
        if (!nbls)
        {
            return; // nothing to complete
        }
        for (NetBufferList* n = PeekPointer(nbls); n != nullptr; n = PeekPointer(n->next))
        {
            n->status = status;
            n->bytesTransferred = 0;
            if (op == NblOp::DISCONNECT)
            {
                break;
            }
        }
        self->PassUpNbl(op, Owner{binding, handle}, nbls);
    });
    return ChimneyStatus::PENDING;
}

void
ChimneyIntermediateDriver::UndoNbl(NblOp op, Ptr<NetBufferList> nbls)
{
    for (NetBufferList* n = PeekPointer(nbls); n != nullptr; n = PeekPointer(n->next))
    {
        PopContext(*n);
        if (op == NblOp::DISCONNECT)
        {
            break;
        }
    }
}

ChimneyStatus
ChimneyIntermediateDriver::RequestBlocks(uint32_t binding,
                                         bool terminate,
                                         Ptr<OffloadBlockList> blocks)
{
    NS_LOG_FUNCTION(this << binding << terminate << blocks);
    NS_ABORT_MSG_IF(m_lower == nullptr, "ChimneyIntermediateDriver: request without lower layer");
    const ChimneyOp op = terminate ? ChimneyOp::TERMINATE_OFFLOAD : ChimneyOp::INITIATE_OFFLOAD;
    const std::string& name = m_bindings[binding]->m_name;
    const uint64_t id = blocks ? blocks->id : 0;
    // No list, or a list already down (its handles are rewritten): the lower layer judges it
    // as it is (H1 / H6 / H7); there is nothing to translate or remember.
    const bool passThrough = !blocks || m_pendingLists.count(PeekPointer(blocks)) != 0;
    if (!passThrough)
    {
        PendingList pending;
        pending.blocks = blocks;
        pending.binding = binding;
        pending.terminate = terminate;
        blocks->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
            pending.upper.push_back(tcp.handle);
            OffloadHandle lower = ToLower(binding, tcp.handle);
            if (!terminate && lower == INVALID_OFFLOAD_HANDLE &&
                tcp.handle != INVALID_OFFLOAD_HANDLE)
            {
                // New connection of this upper. An owned handle keeps its lower handle, so
                // that the target sees the duplicate and refuses it (H7).
                lower = AllocateLowerHandle();
                m_toLower[{binding, tcp.handle}] = lower;
                m_toUpper[lower] = Owner{binding, tcp.handle};
                pending.created.push_back(lower);
            }
            tcp.handle = lower;
        });
        m_pendingLists.emplace(PeekPointer(blocks), std::move(pending));
    }
    if (m_layerLatency.IsZero())
    {
        const ChimneyStatus status = CallLower(terminate, blocks);
        if (status != ChimneyStatus::PENDING && !passThrough)
        {
            UndoBlocks(PeekPointer(blocks));
        }
        m_requestTrace(name, op, 0, id, 0, status);
        return status;
    }
    m_requestTrace(name, op, 0, id, 0, ChimneyStatus::PENDING);
    Ptr<ChimneyIntermediateDriver> self(this);
    m_calls.Schedule(m_layerLatency, [self, binding, terminate, blocks, passThrough, op]() {
        const ChimneyStatus status = self->CallLower(terminate, blocks);
        if (status == ChimneyStatus::PENDING)
        {
            return;
        }
        NS_LOG_WARN("lower layer refused a delayed " << op << ": " << status);
        if (passThrough)
        {
            return; // no list, or the list's own completion is still to come
        }
        // Refused after this layer returned PENDING: undo, then complete with the refusal.
        self->UndoBlocks(PeekPointer(blocks));
        blocks->status = status;
        blocks->ForEachTcp([status](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
            t.status = status;
        });
        self->PassUpBlocks(terminate, binding, blocks);
    });
    return ChimneyStatus::PENDING;
}

void
ChimneyIntermediateDriver::UndoBlocks(OffloadBlockList* key)
{
    auto it = m_pendingLists.find(key);
    if (it == m_pendingLists.end())
    {
        return;
    }
    const PendingList& pending = it->second;
    size_t i = 0;
    key->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
        RestoreUpperHandle(tcp, pending, i);
    });
    for (OffloadHandle lower : pending.created)
    {
        Unmap(lower);
    }
    m_pendingLists.erase(it);
}

OffloadHandle
ChimneyIntermediateDriver::RestoreUpperHandle(TcpOffloadBlock& tcp,
                                              const PendingList& pending,
                                              size_t& index)
{
    const OffloadHandle lower = tcp.handle;
    if (index < pending.upper.size())
    {
        tcp.handle = pending.upper[index];
    }
    ++index;
    return lower;
}

// ---------------------------------------------------------------------------------------------
// Completions and indications (lower -> upper)
// ---------------------------------------------------------------------------------------------

bool
ChimneyIntermediateDriver::TakePendingList(Ptr<OffloadBlockList> blocks,
                                           bool terminate,
                                           PendingList& pending)
{
    auto it = blocks ? m_pendingLists.find(PeekPointer(blocks)) : m_pendingLists.end();
    if (it == m_pendingLists.end() || it->second.terminate != terminate)
    {
        NS_LOG_WARN((terminate ? "terminate" : "offload")
                    << " completion for a block list this layer did not pass down");
        return false;
    }
    pending = std::move(it->second);
    m_pendingLists.erase(it);
    return true;
}

void
ChimneyIntermediateDriver::InitiateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    NS_LOG_FUNCTION(this << blocks);
    PendingList pending;
    if (!TakePendingList(blocks, false, pending))
    {
        return;
    }
    size_t i = 0;
    blocks->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
        const OffloadHandle lower = RestoreUpperHandle(tcp, pending, i);
        if (tcp.status != ChimneyStatus::SUCCESS)
        {
            // The connection stays in software: its handle is free again at this layer.
            for (OffloadHandle created : pending.created)
            {
                if (created == lower)
                {
                    Unmap(lower);
                    break;
                }
            }
        }
    });
    PassUpBlocks(false, pending.binding, blocks);
}

void
ChimneyIntermediateDriver::TerminateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    NS_LOG_FUNCTION(this << blocks);
    PendingList pending;
    if (!TakePendingList(blocks, true, pending))
    {
        return;
    }
    size_t i = 0;
    blocks->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
        const OffloadHandle lower = RestoreUpperHandle(tcp, pending, i);
        // A10: the connection is gone, whatever the block's status.
        auto owner = m_toUpper.find(lower);
        if (owner != m_toUpper.end() && owner->second.binding == pending.binding)
        {
            Unmap(lower);
        }
        // Send NBLs handed back carry this layer's context: free it before passing them up.
        for (NetBufferList* n = PeekPointer(tcp.sendDataHead); n != nullptr;
             n = PeekPointer(n->next))
        {
            const Owner o = PopContext(*n);
            if (o.binding != pending.binding)
            {
                NS_LOG_WARN("returned send NBL " << n->id << " was posted by another upper");
            }
        }
    });
    PassUpBlocks(true, pending.binding, blocks);
}

void
ChimneyIntermediateDriver::TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    NS_LOG_FUNCTION(this << handle << nbls);
    CompleteChain(NblOp::SEND, nbls);
}

void
ChimneyIntermediateDriver::TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    NS_LOG_FUNCTION(this << handle << nbls);
    CompleteChain(NblOp::RECEIVE, nbls);
}

void
ChimneyIntermediateDriver::TcpOffloadDisconnectComplete(OffloadHandle handle,
                                                        Ptr<NetBufferList> nbl)
{
    NS_LOG_FUNCTION(this << handle << nbl);
    if (!nbl)
    {
        NS_LOG_WARN("disconnect completion without NBL");
        return;
    }
    Owner owner = PopContext(*nbl);
    RouteById(*nbl, owner);
    PassUpNbl(NblOp::DISCONNECT, owner, nbl);
}

void
ChimneyIntermediateDriver::RouteById(const NetBufferList& nbl, Owner& owner)
{
    if (!Defect().LayerRoutesById())
    {
        return;
    }
    // Seeded defect CompletionToWrongUpper: the binding that issued this id last, else the
    // first one; the context's handle is kept.
    auto it = m_issuerById.find(nbl.id);
    owner.binding = it == m_issuerById.end() ? 0 : it->second;
    if (it != m_issuerById.end())
    {
        m_issuerById.erase(it);
    }
}

void
ChimneyIntermediateDriver::CompleteChain(NblOp op, Ptr<NetBufferList> nbls)
{
    // Every NBL is routed by its own context; a chain of one owner goes up as it came (the
    // lower layer completes one connection's NBLs together, so it never splits in practice).
    std::vector<std::pair<Ptr<NetBufferList>, Owner>> items;
    for (Ptr<NetBufferList> n = nbls; n; n = n->next)
    {
        items.emplace_back(n, PopContext(*n));
        RouteById(*n, items.back().second);
    }
    size_t start = 0;
    for (size_t i = 1; i <= items.size(); ++i)
    {
        const Owner& first = items[start].second;
        if (i < items.size() && items[i].second.binding == first.binding &&
            items[i].second.upper == first.upper)
        {
            continue;
        }
        if (i < items.size())
        {
            items[i - 1].first->next = nullptr; // end of this owner's run
        }
        PassUpNbl(op, first, items[start].first);
        start = i;
    }
}

void
ChimneyIntermediateDriver::TcpOffloadEvent(OffloadHandle handle,
                                           ChimneyEvent event,
                                           ChimneyUploadReason reason)
{
    NS_LOG_FUNCTION(this << handle << event << reason);
    auto it = m_toUpper.find(handle);
    if (it == m_toUpper.end())
    {
        NS_LOG_WARN("indication " << event << " for unmapped lower handle " << handle);
        return;
    }
    const Owner owner = it->second;
    Later([this, owner, event, reason]() {
        Binding& binding = *m_bindings[owner.binding];
        m_indicationTrace(binding.m_name, owner.upper, event, reason);
        if (binding.m_upper != nullptr)
        {
            binding.m_upper->TcpOffloadEvent(owner.upper, event, reason);
        }
    });
}

void
ChimneyIntermediateDriver::Later(std::function<void()> f)
{
    if (m_layerLatency.IsZero())
    {
        f(); // a completion already runs outside the request call (A1)
        return;
    }
    Ptr<ChimneyIntermediateDriver> self(this); // kept alive until the event runs
    m_calls.Schedule(m_layerLatency, [self, f]() { f(); });
}

void
ChimneyIntermediateDriver::PassUpNbl(NblOp op, Owner owner, Ptr<NetBufferList> nbls)
{
    Later([this, op, owner, nbls]() {
        Binding& binding = *m_bindings[owner.binding];
        for (NetBufferList* n = PeekPointer(nbls); n != nullptr; n = PeekPointer(n->next))
        {
            m_completionTrace(binding.m_name, ToOp(op), owner.upper, n->id, n->status);
            if (op == NblOp::DISCONNECT)
            {
                break;
            }
        }
        // A11: the same NBL object goes up (a seeded defect may pass another).
        const Ptr<NetBufferList> up =
            op == NblOp::DISCONNECT ? nbls : Defect().PassedUpByLayer(nbls);
        for (NetBufferList* n = PeekPointer(up); n != nullptr; n = PeekPointer(n->next))
        {
            m_nblCompletionTrace(binding.m_name,
                                 ToOp(op),
                                 owner.upper,
                                 Ptr<const NetBufferList>(n));
            if (op == NblOp::DISCONNECT)
            {
                break;
            }
        }
        if (binding.m_upper == nullptr)
        {
            NS_LOG_WARN("completion for upper " << binding.m_name << " which has no client");
            return;
        }
        switch (op)
        {
        case NblOp::SEND:
            binding.m_upper->TcpOffloadSendComplete(owner.upper, up);
            break;
        case NblOp::RECEIVE:
            binding.m_upper->TcpOffloadReceiveComplete(owner.upper, up);
            break;
        case NblOp::DISCONNECT:
            binding.m_upper->TcpOffloadDisconnectComplete(owner.upper, up);
            break;
        }
    });
}

void
ChimneyIntermediateDriver::PassUpBlocks(bool terminate,
                                        uint32_t bindingIndex,
                                        Ptr<OffloadBlockList> blocks)
{
    Later([this, terminate, bindingIndex, blocks]() {
        Binding& binding = *m_bindings[bindingIndex];
        blocks->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
            if (terminate)
            {
                for (NetBufferList* n = PeekPointer(tcp.sendDataHead); n != nullptr;
                     n = PeekPointer(n->next))
                {
                    m_completionTrace(binding.m_name,
                                      ChimneyOp::SEND_RETURNED,
                                      tcp.handle,
                                      n->id,
                                      n->status);
                    m_nblCompletionTrace(binding.m_name,
                                         ChimneyOp::SEND_RETURNED,
                                         tcp.handle,
                                         Ptr<const NetBufferList>(n));
                }
            }
            m_completionTrace(binding.m_name,
                              terminate ? ChimneyOp::TERMINATE_BLOCK : ChimneyOp::OFFLOAD_BLOCK,
                              tcp.handle,
                              blocks->id,
                              tcp.status);
        });
        m_completionTrace(binding.m_name,
                          terminate ? ChimneyOp::TERMINATE_OFFLOAD : ChimneyOp::INITIATE_OFFLOAD,
                          0,
                          blocks->id,
                          blocks->status);
        if (binding.m_upper == nullptr)
        {
            NS_LOG_WARN("completion for upper " << binding.m_name << " which has no client");
            return;
        }
        if (terminate)
        {
            binding.m_upper->TerminateOffloadComplete(blocks);
        }
        else
        {
            binding.m_upper->InitiateOffloadComplete(blocks);
        }
    });
}

} // namespace ns3
