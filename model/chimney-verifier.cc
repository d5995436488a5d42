/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier.h"

#include "chimney-fault-injector.h"
#include "chimney-host-stack.h"
#include "chimney-intermediate-driver.h"
#include "chimney-net-device.h"
#include "chimney-traced-callback.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/names.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <sstream>

// What lives where: the facts about each connection in chimney-verifier-shadow.{h,cc}; the
// checks in one checker per invariant family (wire W, interface A, resources R, end to end E,
// misuse H: chimney-verifier-*-checker.{h,cc}); the trace sinks, which update the shadow and
// hand each event to the checkers in the order of their checks, in chimney-verifier-routing.cc.
// This file: the ns-3 Object (attributes, attaching to the traces), the findings collected,
// the public observation entry points and the end-of-run audit.

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyVerifier");

NS_OBJECT_ENSURE_REGISTERED(ChimneyVerifier);

namespace
{

/**
 * The sink of a trace source with arguments Ts...: (verifier->*Member)(state, args...), the
 * member taking them by const reference. MakeCallback(member, verifier).Bind(state) puts three
 * std::function calls between the source and the member, each copying every argument (strings,
 * Ptrs); on every frame, request and completion that dispatch cost as much as the checks. Here
 * there is one, and none from a ChimneyTracedCallback (the module's own sources), which calls the
 * member through one function pointer.
 */
template <auto Member, typename... Ts, typename S>
Callback<void, Ts...>
Sink(ChimneyVerifier* verifier, S* state)
{
    // The direct call's context: this object, owned by the Callback (so by the source).
    struct Impl : ChimneyDirectSinkImpl<Ts...>
    {
        Impl(ChimneyVerifier* v, S* s)
            : ChimneyDirectSinkImpl<Ts...>([this](const Ts&... args) { Direct(this, args...); },
                                           {std::make_shared<CallbackComponent<const void*>>(this)},
                                           &Impl::Direct,
                                           this),
              verifier(v),
              state(s)
        {
        }

        static void Direct(const void* context, ChimneyTraceArg<Ts>... args)
        {
            const Impl* self = static_cast<const Impl*>(context);
            (self->verifier->*Member)(self->state, args...);
        }

        ChimneyVerifier* verifier; //!< whose member
        S* state;                  //!< its first argument
    };

    return Callback<void, Ts...>(Ptr<CallbackImpl<void, Ts...>>(Create<Impl>(verifier, state)));
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

TypeId
ChimneyVerifier::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ChimneyVerifier")
            .SetParent<Object>()
            .SetGroupName("Chimney")
            .AddConstructor<ChimneyVerifier>()
            .AddAttribute("AckTimeout",
                          "W7: time within which the target must acknowledge remote data it "
                          "accepted after its FIN (restarted on every advance of its ACK).",
                          TimeValue(MilliSeconds(500)),
                          MakeTimeAccessor(&ChimneyVerifier::m_ackTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("RequestTimeout",
                          "A11 at Finish(): a host request older than this that never reached "
                          "the target, or whose completion never reached the host, is reported.",
                          TimeValue(Seconds(1)),
                          MakeTimeAccessor(&ChimneyVerifier::m_requestTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("MaxStoredFindings",
                          "Findings kept for the report (the counts are always complete).",
                          UintegerValue(10000),
                          MakeUintegerAccessor(&ChimneyVerifier::m_maxStored),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("OncePerConnection",
                          "Report each invariant at most once per connection (repeats are "
                          "counted as suppressed).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ChimneyVerifier::m_oncePerConnection),
                          MakeBooleanChecker())
            .AddAttribute("RequireTerminated",
                          "Finish() reports connections still offloaded (R4).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ChimneyVerifier::m_requireTerminated),
                          MakeBooleanChecker())
            .AddTraceSource("Finding",
                            "An invariant violation (SPEC.md section 4).",
                            MakeTraceSourceAccessor(&ChimneyVerifier::m_findingTrace),
                            "ns3::ChimneyVerifier::FindingTracedCallback");
    return tid;
}

ChimneyVerifier::ChimneyVerifier()
    : m_wire(*this, m_ackTimeout),
      m_interface(*this, m_requestTimeout),
      m_resources(*this, m_requireTerminated),
      m_endToEnd(*this),
      m_misuse(*this),
      m_identity(*this)
{
}

ChimneyVerifier::~ChimneyVerifier() = default;

void
ChimneyVerifier::DoDispose()
{
    m_devices.clear();
    m_byDevice.clear();
    m_byLinkDevice.clear();
    m_devicesByNode.clear();
    m_hosts.clear();
    m_stacks.clear();
    m_layers.clear();
    m_layerNbls.clear();
    m_clients.clear();
    m_clientCache.clear();
    m_identity.Clear();
    m_frames = ShadowFrameCache();
    m_wire.Clear();
    m_interface.Clear();
    m_resources.Clear();
    m_endToEnd.Clear();
    Object::DoDispose();
}

size_t
ChimneyVerifier::GetConnectionRecordSize()
{
    return sizeof(ShadowConnection);
}

ShadowDevice*
ChimneyVerifier::GetState(Ptr<ChimneyNetDevice> device) const
{
    auto it = m_byDevice.find(PeekPointer(device));
    NS_ABORT_MSG_IF(it == m_byDevice.end(), "ChimneyVerifier: device not attached");
    return it->second;
}

void
ChimneyVerifier::AttachDevice(Ptr<ChimneyNetDevice> device)
{
    NS_ABORT_MSG_IF(!device, "ChimneyVerifier::AttachDevice: null device");
    if (m_byDevice.count(PeekPointer(device)) != 0)
    {
        return;
    }
    m_log.SetMaxStored(m_maxStored);
    auto d = std::make_unique<ShadowDevice>();
    ShadowDevice* s = d.get();
    s->device = device;
    s->index = static_cast<uint32_t>(m_devices.size());
    s->nodeId = device->GetNode() ? device->GetNode()->GetId() : 0;
    s->name = Names::FindName(device);
    if (s->name.empty())
    {
        s->name =
            "node" + std::to_string(s->nodeId) + "/dev" + std::to_string(device->GetIfIndex());
    }
    UintegerValue capacity;
    device->GetAttribute("MaxOffloadedConnections", capacity);
    s->capacity = static_cast<uint32_t>(capacity.Get());
    m_devices.push_back(std::move(d));
    m_byDevice[PeekPointer(device)] = s;

    // Every source must exist: a verifier that silently missed one would check nothing.
    auto connect = [](Ptr<Object> source, const char* name, const CallbackBase& callback) {
        NS_ABORT_MSG_IF(!source->TraceConnectWithoutContext(name, callback),
                        "ChimneyVerifier: cannot connect to trace source " << name);
    };
    connect(device,
            "RequestObjects",
            Sink<&ChimneyVerifier::TraceRequestObjects,
                 ChimneyOp,
                 OffloadHandle,
                 const Ptr<const NetBufferList>&,
                 const Ptr<const OffloadBlockList>&,
                 uint32_t>(this, s));
    connect(device,
            "Request",
            Sink<&ChimneyVerifier::TraceRequest,
                 ChimneyOp,
                 OffloadHandle,
                 uint64_t,
                 uint32_t,
                 ChimneyStatus>(this, s));
    connect(device,
            "Completion",
            Sink<&ChimneyVerifier::TraceCompletion,
                 ChimneyOp,
                 OffloadHandle,
                 uint64_t,
                 ChimneyStatus,
                 uint64_t>(this, s));
    connect(
        device,
        "Indication",
        Sink<&ChimneyVerifier::TraceIndication, OffloadHandle, ChimneyEvent, ChimneyUploadReason>(
            this,
            s));
    connect(
        device,
        "HostMisuse",
        Sink<&ChimneyVerifier::TraceHostMisuse, std::string, OffloadHandle, std::string>(this, s));
    connect(
        device,
        "ResourceAllocated",
        Sink<&ChimneyVerifier::TraceAllocated, OffloadHandle, const ChimneyFourTuple&, uint64_t>(
            this,
            s));
    connect(
        device,
        "ResourceFreed",
        Sink<&ChimneyVerifier::TraceFreed, OffloadHandle, const ChimneyFourTuple&, uint64_t>(this,
                                                                                             s));
    connect(device, "HostSend", Sink<&ChimneyVerifier::TraceHostSend, Ptr<const Packet>>(this, s));
    Ptr<NetDevice> inner = device->GetInnerDevice();
    NS_ABORT_MSG_IF(!inner, "ChimneyVerifier::AttachDevice: no inner link device");
    s->link = inner->IsPointToPoint() ? WireLinkType::PPP : WireLinkType::ETHERNET;
    m_byLinkDevice[PeekPointer(inner)] = s;
    // MacTx: a frame as it enters the link device (PointToPoint and Csma both add the link
    // header first), at the instant the sender hands it down: what the target sent, in the
    // order it sent it (PhyTxBegin would be later, behind the queue, e.g. after a terminate).
    // MacRx: a received frame, link header included, before the target sees it.
    connect(inner, "MacTx", Sink<&ChimneyVerifier::TraceMacTx, Ptr<const Packet>>(this, s));
    connect(inner, "MacRx", Sink<&ChimneyVerifier::TraceMacRx, Ptr<const Packet>>(this, s));
    m_devicesByNode[s->nodeId].push_back(s);
    auto host = m_hosts.find(s->nodeId);
    if (host != m_hosts.end())
    {
        host->second->devices.push_back(s);
        s->host = host->second.get();
    }
}

void
ChimneyVerifier::TracePhasesOf(ShadowHost& h)
{
    // Connected at the first hardware failure, not at attach: only then do phase changes
    // matter (E3), and the trace passes three strings by value for every change of every
    // connection.
    h.phaseTraced = true;
    m_stacks[h.index]->TraceConnectWithoutContext("PhaseChange",
                                                  Sink<&ChimneyVerifier::TraceHostPhase,
                                                       OffloadHandle,
                                                       std::string,
                                                       std::string,
                                                       std::string>(this, &h));
}

void
ChimneyVerifier::AttachHostStack(Ptr<ChimneyHostStack> stack)
{
    NS_ABORT_MSG_IF(!stack || !stack->GetNode(), "ChimneyVerifier: host stack not installed");
    const uint32_t nodeId = stack->GetNode()->GetId();
    if (m_hosts.count(nodeId) != 0)
    {
        return;
    }
    auto n = std::make_unique<ShadowHost>();
    ShadowHost* s = n.get();
    s->index = static_cast<uint32_t>(m_stacks.size());
    s->nodeId = nodeId;
    m_hosts[nodeId] = std::move(n);
    m_stacks.push_back(stack);
    auto devices = m_devicesByNode.find(nodeId);
    if (devices != m_devicesByNode.end())
    {
        for (ShadowDevice* d : devices->second)
        {
            s->devices.push_back(d);
            d->host = s;
        }
    }
    stack->TraceConnectWithoutContext("Call",
                                      Sink<&ChimneyVerifier::TraceHostCall,
                                           ChimneyOp,
                                           OffloadHandle,
                                           uint64_t,
                                           uint32_t,
                                           ChimneyStatus>(this, s));
    stack->TraceConnectWithoutContext("Upcall",
                                      Sink<&ChimneyVerifier::TraceHostUpcall,
                                           ChimneyOp,
                                           OffloadHandle,
                                           uint64_t,
                                           ChimneyStatus,
                                           uint64_t>(this, s));
    stack->TraceConnectWithoutContext("NblCall",
                                      Sink<&ChimneyVerifier::TraceHostNblCall,
                                           ChimneyOp,
                                           OffloadHandle,
                                           const Ptr<const NetBufferList>&>(this, s));
    stack->TraceConnectWithoutContext("NblUpcall",
                                      Sink<&ChimneyVerifier::TraceHostNblUpcall,
                                           ChimneyOp,
                                           OffloadHandle,
                                           const Ptr<const NetBufferList>&>(this, s));
    ++m_clientsEpoch;
    m_clients[static_cast<const ChimneyOffloadClient*>(PeekPointer(stack))] =
        ChimneyVerifierNblIdentity::Boundary{ChimneyVerifierNblIdentity::Boundary::HOST, s->index};
}

void
ChimneyVerifier::AttachIntermediateDriver(Ptr<ChimneyIntermediateDriver> layer)
{
    NS_ABORT_MSG_IF(!layer, "ChimneyVerifier: null intermediate driver");
    LayerIssuers* s = m_interface.AddLayer();
    m_layers.emplace_back(layer, s);
    using Upper = std::string;
    layer->TraceConnectWithoutContext("Request",
                                      Sink<&ChimneyVerifier::TraceLayerRequest,
                                           Upper,
                                           ChimneyOp,
                                           OffloadHandle,
                                           uint64_t,
                                           uint32_t,
                                           ChimneyStatus>(this, s));
    layer->TraceConnectWithoutContext("Completion",
                                      Sink<&ChimneyVerifier::TraceLayerCompletion,
                                           Upper,
                                           ChimneyOp,
                                           OffloadHandle,
                                           uint64_t,
                                           ChimneyStatus>(this, s));
    // A11 by NBL object.
    const uint32_t index = m_identity.AddLayer("layer " + std::to_string(m_layerNbls.size()));
    m_layerNbls.push_back(std::make_unique<LayerNbls>(LayerNbls{PeekPointer(layer), index}));
    LayerNbls* n = m_layerNbls.back().get();
    layer->TraceConnectWithoutContext("NblRequest",
                                      Sink<&ChimneyVerifier::TraceLayerNblRequest,
                                           Upper,
                                           ChimneyOp,
                                           OffloadHandle,
                                           const Ptr<const NetBufferList>&>(this, n));
    layer->TraceConnectWithoutContext("NblCompletion",
                                      Sink<&ChimneyVerifier::TraceLayerNblCompletion,
                                           Upper,
                                           ChimneyOp,
                                           OffloadHandle,
                                           const Ptr<const NetBufferList>&>(this, n));
    layer->TraceConnectWithoutContext("Request",
                                      Sink<&ChimneyVerifier::TraceLayerNblRefusal,
                                           Upper,
                                           ChimneyOp,
                                           OffloadHandle,
                                           uint64_t,
                                           uint32_t,
                                           ChimneyStatus>(this, n));
    ++m_clientsEpoch;
    m_clients[static_cast<const ChimneyOffloadClient*>(PeekPointer(layer))] =
        ChimneyVerifierNblIdentity::Boundary{ChimneyVerifierNblIdentity::Boundary::LAYER, index};
}

void
ChimneyVerifier::AttachFaultInjector(Ptr<ChimneyFaultInjector> injector)
{
    NS_ABORT_MSG_IF(!injector, "ChimneyVerifier: null fault injector");
    injector->TraceConnectWithoutContext("Misuse",
                                         MakeCallback(&ChimneyVerifier::ExpectMisuse, this));
    injector->TraceConnectWithoutContext("Spoof", MakeCallback(&ChimneyVerifier::TraceSpoof, this));
}

void
ChimneyVerifier::TraceSpoof(Ptr<NetDevice> device, Ptr<const Packet> datagram)
{
    // The link device's MacTx for this frame follows at once, inside the injector's Send().
    auto it = m_byLinkDevice.find(PeekPointer(device));
    if (it != m_byLinkDevice.end())
    {
        it->second->lastSpoof = ShadowFrameMark::Of(*datagram);
    }
}

void
ChimneyVerifier::ExpectMisuse(Ptr<ChimneyNetDevice> device, std::string id)
{
    ChimneyInvariantId parsed;
    NS_ABORT_MSG_IF(!ChimneyInvariantIdFromString(id, &parsed) || id[0] != 'H',
                    "ChimneyVerifier::ExpectMisuse: '" << id << "' is not H1 .. H7");
    auto it = m_byDevice.find(PeekPointer(device));
    if (it != m_byDevice.end())
    {
        it->second->expectedMisuse = parsed;
    }
}

uint64_t
ChimneyVerifier::GetExpectedMisuseCount() const
{
    return m_expectedMisuse;
}

ChimneyVerifierNblIdentity::Boundary
ChimneyVerifier::BoundaryOf(const ChimneyOffloadClient* client) const
{
    auto it = client == nullptr ? m_clients.end() : m_clients.find(client);
    return it == m_clients.end() ? ChimneyVerifierNblIdentity::Boundary() : it->second;
}

ChimneyVerifierNblIdentity::Boundary
ChimneyVerifier::ClientBoundary(ShadowDevice& d)
{
    const ChimneyOffloadClient* client = d.device ? d.device->GetOffloadClient() : nullptr;
    if (d.index >= m_clientCache.size())
    {
        m_clientCache.resize(d.index + 1);
    }
    ClientCache& cache = m_clientCache[d.index];
    if (client != cache.client || cache.epoch != m_clientsEpoch)
    {
        cache.client = client;
        cache.epoch = m_clientsEpoch;
        cache.boundary = BoundaryOf(client);
    }
    return cache.boundary;
}

ChimneyVerifier::LayerIssuers*
ChimneyVerifier::GetLayer(Ptr<ChimneyIntermediateDriver> layer) const
{
    for (const auto& l : m_layers)
    {
        if (l.first == layer)
        {
            return l.second;
        }
    }
    NS_ABORT_MSG("ChimneyVerifier: intermediate driver not attached");
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::DoReport(ChimneyInvariantId id,
                          const ShadowDevice* d,
                          const ShadowConnection* c,
                          OffloadHandle handle,
                          const std::string& description,
                          const ChimneyEvidence& evidence)
{
    const size_t index = static_cast<size_t>(id); // the enum is in catalog order
    if (c != nullptr && m_oncePerConnection)
    {
        const uint64_t bit = 1ULL << index;
        if ((c->reported & bit) != 0)
        {
            m_log.AddSuppressed();
            return;
        }
        c->reported |= bit;
    }
    ChimneyFinding f;
    f.id = ToString(id);
    f.time = Simulator::Now();
    if (d != nullptr)
    {
        f.nodeId = d->nodeId;
        f.device = d->name;
    }
    f.handle = c != nullptr ? c->handle : handle;
    ChimneyFourTuple t;
    bool haveTuple = false;
    if (c != nullptr)
    {
        t = c->tuple;
        haveTuple = true;
    }
    else if (d != nullptr && handle != INVALID_OFFLOAD_HANDLE)
    {
        if (const ChimneyFourTuple* terminated = d->terminated.Find(handle))
        {
            t = *terminated;
            haveTuple = true;
        }
    }
    if (haveTuple)
    {
        f.localAddress = Ipv4Address(t.local);
        f.localPort = t.localPort;
        f.remoteAddress = Ipv4Address(t.remote);
        f.remotePort = t.remotePort;
    }
    f.description = description;
    f.evidence = evidence.Text();
    NS_LOG_WARN(f);
    m_log.Add(f);
    m_findingTrace(f);
}

void
ChimneyVerifier::DoReportEveryTime(ChimneyInvariantId id,
                                   const ShadowDevice* d,
                                   const ShadowConnection* c,
                                   OffloadHandle handle,
                                   const std::string& description,
                                   const ChimneyEvidence& evidence)
{
    const bool once = m_oncePerConnection;
    m_oncePerConnection = false;
    DoReport(id, d, c, handle, description, evidence);
    m_oncePerConnection = once;
}

void
ChimneyVerifier::Exercised(ChimneyInvariantId id)
{
    m_log.NoteExercised(id);
}

const ChimneyInvariantCoverage&
ChimneyVerifier::GetExercised() const
{
    return m_log.GetExercised();
}

uint64_t
ChimneyVerifier::GetFindingCount() const
{
    return m_log.GetTotal();
}

uint64_t
ChimneyVerifier::GetCount(const std::string& id) const
{
    return m_log.GetCount(id);
}

std::map<std::string, uint64_t>
ChimneyVerifier::GetCounts() const
{
    return m_log.GetCounts();
}

const std::vector<ChimneyFinding>&
ChimneyVerifier::GetFindings() const
{
    return m_log.GetFindings();
}

uint64_t
ChimneyVerifier::GetTrackedConnectionCount() const
{
    uint64_t n = 0;
    for (const auto& d : m_devices)
    {
        n += d->byHandle.Size();
    }
    return n;
}

std::vector<std::pair<std::string, uint64_t>>
ChimneyVerifier::SummaryFields() const
{
    return {{"devices", m_devices.size()},
            {"connections", m_connections},
            {"segments", m_segments},
            {"requests", m_requests},
            {"completions", m_completions},
            {"indications", m_indications}};
}

void
ChimneyVerifier::WriteJson(std::ostream& os) const
{
    m_log.WriteJson(os, m_finished ? m_finishTime : Simulator::Now(), SummaryFields());
}

void
ChimneyVerifier::PrintSummary(std::ostream& os) const
{
    m_log.PrintSummary(os, SummaryFields());
}

// ---------------------------------------------------------------------------------------------
// Observation entry points (tests feed synthetic events; the trace sinks are in
// chimney-verifier-routing.cc)
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::ObserveRequestObjects(Ptr<ChimneyNetDevice> device,
                                       ChimneyOp op,
                                       OffloadHandle handle,
                                       Ptr<const NetBufferList> nbl,
                                       Ptr<const OffloadBlockList> blocks,
                                       uint32_t flags)
{
    TraceRequestObjects(GetState(device), op, handle, nbl, blocks, flags);
}

void
ChimneyVerifier::ObserveHostMisuse(Ptr<ChimneyNetDevice> device,
                                   std::string id,
                                   OffloadHandle handle,
                                   std::string description)
{
    TraceHostMisuse(GetState(device), id, handle, description);
}

void
ChimneyVerifier::ObserveRequest(Ptr<ChimneyNetDevice> device,
                                ChimneyOp op,
                                OffloadHandle handle,
                                uint64_t id,
                                uint32_t flags,
                                ChimneyStatus returned)
{
    TraceRequest(GetState(device), op, handle, id, flags, returned);
}

void
ChimneyVerifier::ObserveCompletion(Ptr<ChimneyNetDevice> device,
                                   ChimneyOp op,
                                   OffloadHandle handle,
                                   uint64_t id,
                                   ChimneyStatus status,
                                   uint64_t bytes)
{
    TraceCompletion(GetState(device), op, handle, id, status, bytes);
}

void
ChimneyVerifier::ObserveIndication(Ptr<ChimneyNetDevice> device,
                                   OffloadHandle handle,
                                   ChimneyEvent event,
                                   ChimneyUploadReason reason)
{
    TraceIndication(GetState(device), handle, event, reason);
}

void
ChimneyVerifier::ObserveResource(Ptr<ChimneyNetDevice> device,
                                 bool allocated,
                                 OffloadHandle handle,
                                 const ChimneyFourTuple& tuple,
                                 uint64_t bytes)
{
    ShadowDevice* d = GetState(device);
    if (allocated)
    {
        TraceAllocated(d, handle, tuple, bytes);
    }
    else
    {
        TraceFreed(d, handle, tuple, bytes);
    }
}

void
ChimneyVerifier::ObserveFrame(Ptr<ChimneyNetDevice> device,
                              Ptr<const Packet> frame,
                              FrameDirection direction)
{
    DoFrame(*GetState(device), frame, direction);
}

void
ChimneyVerifier::ObserveSegment(Ptr<ChimneyNetDevice> device,
                                const WireSegment& segment,
                                FrameDirection direction)
{
    DoSegment(*GetState(device), segment, direction);
}

void
ChimneyVerifier::ObserveLayerRequest(Ptr<ChimneyIntermediateDriver> layer,
                                     std::string upper,
                                     ChimneyOp op,
                                     OffloadHandle handle,
                                     uint64_t id,
                                     uint32_t flags,
                                     ChimneyStatus returned)
{
    TraceLayerRequest(GetLayer(layer), upper, op, handle, id, flags, returned);
}

void
ChimneyVerifier::ObserveLayerCompletion(Ptr<ChimneyIntermediateDriver> layer,
                                        std::string upper,
                                        ChimneyOp op,
                                        OffloadHandle handle,
                                        uint64_t id,
                                        ChimneyStatus status)
{
    TraceLayerCompletion(GetLayer(layer), upper, op, handle, id, status);
}

// ---------------------------------------------------------------------------------------------
// End of run
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::Finish()
{
    if (m_finished)
    {
        return;
    }
    m_finished = true;
    m_finishTime = Simulator::Now();
    // How often a frame's second observation found its parse (BENCHMARKS.md, "The verifier's
    // frame cache at scale"): NS_LOG=ChimneyVerifier=info.
    NS_LOG_INFO("frame cache: " << m_frames.GetReused() << " of " << m_frames.GetLookups()
                                << " lookups reused a parse");
    for (auto& dp : m_devices)
    {
        ShadowDevice& d = *dp;
        std::vector<OffloadHandle> handles;
        d.byHandle.ForEach([&handles](OffloadHandle h, const auto&) { handles.push_back(h); });
        std::sort(handles.begin(), handles.end()); // reports in a stable order
        for (OffloadHandle h : handles)
        {
            const ShadowConnection& c = *d.Find(h);
            m_wire.PollAckObligation(d, c);
            m_endToEnd.CheckAbortiveWithoutRst(d, c, "at the end of the run");
            m_resources.FinishConnection(d, c);
        }
        m_resources.FinishDevice(d);
    }
    for (auto& entry : m_hosts)
    {
        m_interface.FinishHost(*entry.second);
        m_endToEnd.FinishHost(*entry.second);
    }
}

} // namespace ns3
