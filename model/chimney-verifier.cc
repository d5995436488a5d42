/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier.h"

#include "chimney-host-stack.h"
#include "chimney-intermediate-driver.h"
#include "chimney-net-device.h"

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
// misuse H: chimney-verifier-*-checker.{h,cc}). This file attaches to the traces, updates the
// shadow and hands each event to the checkers in the order of their checks, so that findings
// come out in a fixed order; and it collects the findings.

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyVerifier");

NS_OBJECT_ENSURE_REGISTERED(ChimneyVerifier);

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
      m_misuse(*this)
{
}

ChimneyVerifier::~ChimneyVerifier() = default;

void
ChimneyVerifier::DoDispose()
{
    m_devices.clear();
    m_byDevice.clear();
    m_hosts.clear();
    m_stacks.clear();
    m_layers.clear();
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
            MakeCallback(&ChimneyVerifier::TraceRequestObjects, this).Bind(s));
    connect(device, "Request", MakeCallback(&ChimneyVerifier::TraceRequest, this).Bind(s));
    connect(device, "Completion", MakeCallback(&ChimneyVerifier::TraceCompletion, this).Bind(s));
    connect(device, "Indication", MakeCallback(&ChimneyVerifier::TraceIndication, this).Bind(s));
    connect(device, "HostMisuse", MakeCallback(&ChimneyVerifier::TraceHostMisuse, this).Bind(s));
    connect(device,
            "ResourceAllocated",
            MakeCallback(&ChimneyVerifier::TraceAllocated, this).Bind(s));
    connect(device, "ResourceFreed", MakeCallback(&ChimneyVerifier::TraceFreed, this).Bind(s));
    connect(device, "HostSend", MakeCallback(&ChimneyVerifier::TraceHostSend, this).Bind(s));
    Ptr<NetDevice> inner = device->GetInnerDevice();
    NS_ABORT_MSG_IF(!inner, "ChimneyVerifier::AttachDevice: no inner link device");
    s->link = inner->IsPointToPoint() ? WireLinkType::PPP : WireLinkType::ETHERNET;
    // MacTx: a frame as it enters the link device (PointToPoint and Csma both add the link
    // header first), at the instant the sender hands it down: what the target sent, in the
    // order it sent it (PhyTxBegin would be later, behind the queue, e.g. after a terminate).
    // MacRx: a received frame, link header included, before the target sees it.
    connect(inner, "MacTx", MakeCallback(&ChimneyVerifier::TraceMacTx, this).Bind(s));
    connect(inner, "MacRx", MakeCallback(&ChimneyVerifier::TraceMacRx, this).Bind(s));
    for (auto& entry : m_hosts)
    {
        if (entry.second->nodeId == s->nodeId)
        {
            entry.second->devices.push_back(s);
            s->host = entry.second.get();
        }
    }
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
    for (auto& d : m_devices)
    {
        if (d->nodeId == nodeId)
        {
            s->devices.push_back(d.get());
            d->host = s;
        }
    }
    stack->TraceConnectWithoutContext("Call",
                                      MakeCallback(&ChimneyVerifier::TraceHostCall, this).Bind(s));
    stack->TraceConnectWithoutContext(
        "Upcall",
        MakeCallback(&ChimneyVerifier::TraceHostUpcall, this).Bind(s));
    stack->TraceConnectWithoutContext("PhaseChange",
                                      MakeCallback(&ChimneyVerifier::TraceHostPhase, this).Bind(s));
}

void
ChimneyVerifier::AttachIntermediateDriver(Ptr<ChimneyIntermediateDriver> layer)
{
    NS_ABORT_MSG_IF(!layer, "ChimneyVerifier: null intermediate driver");
    LayerIssuers* s = m_interface.AddLayer();
    m_layers.emplace_back(layer, s);
    layer->TraceConnectWithoutContext(
        "Request",
        MakeCallback(&ChimneyVerifier::TraceLayerRequest, this).Bind(s));
    layer->TraceConnectWithoutContext(
        "Completion",
        MakeCallback(&ChimneyVerifier::TraceLayerCompletion, this).Bind(s));
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
ChimneyVerifier::Report(const std::string& id,
                        const ShadowDevice* d,
                        const ShadowConnection* c,
                        OffloadHandle handle,
                        const std::string& description,
                        const std::string& evidence)
{
    const auto& catalog = ChimneyInvariantCatalog();
    size_t index = 0;
    while (index < catalog.size() && id != catalog[index].id)
    {
        ++index;
    }
    NS_ABORT_MSG_IF(index == catalog.size(), "ChimneyVerifier: unknown invariant " << id);
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
    f.id = id;
    f.time = Simulator::Now();
    if (d != nullptr)
    {
        f.nodeId = d->nodeId;
        f.device = d->name;
    }
    f.handle = c != nullptr ? c->handle : handle;
    ShadowTuple t;
    bool haveTuple = false;
    if (c != nullptr)
    {
        t = c->tuple;
        haveTuple = true;
    }
    else if (d != nullptr && handle != INVALID_OFFLOAD_HANDLE)
    {
        auto it = d->terminated.find(handle);
        if (it != d->terminated.end())
        {
            t = it->second;
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
    f.evidence = evidence;
    NS_LOG_WARN(f);
    m_log.Add(f);
    m_findingTrace(f);
}

void
ChimneyVerifier::ReportEveryTime(const std::string& id,
                                 const ShadowDevice* d,
                                 const ShadowConnection* c,
                                 OffloadHandle handle,
                                 const std::string& description,
                                 const std::string& evidence)
{
    const bool once = m_oncePerConnection;
    m_oncePerConnection = false;
    Report(id, d, c, handle, description, evidence);
    m_oncePerConnection = once;
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
        n += d->byHandle.size();
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
// Requests
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceRequestObjects(ShadowDevice* d,
                                     std::string op,
                                     OffloadHandle handle,
                                     Ptr<const NetBufferList> nbl,
                                     Ptr<const OffloadBlockList> blocks,
                                     uint32_t flags)
{
    d->call = ShadowPendingCall();
    d->call.valid = true;
    d->call.op = op;
    d->call.handle = handle;
    d->call.nbl = nbl;
    d->call.blocks = blocks;
    d->call.flags = flags;
}

void
ChimneyVerifier::ObserveRequestObjects(Ptr<ChimneyNetDevice> device,
                                       std::string op,
                                       OffloadHandle handle,
                                       Ptr<const NetBufferList> nbl,
                                       Ptr<const OffloadBlockList> blocks,
                                       uint32_t flags)
{
    TraceRequestObjects(GetState(device), op, handle, nbl, blocks, flags);
}

void
ChimneyVerifier::TraceHostMisuse(ShadowDevice* d,
                                 std::string id,
                                 OffloadHandle handle,
                                 std::string text)
{
    d->call.misuse = m_misuse.Relay(*d, d->Find(handle), id, handle, text);
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
ChimneyVerifier::TraceRequest(ShadowDevice* d,
                              std::string op,
                              OffloadHandle handle,
                              uint64_t id,
                              uint32_t flags,
                              ChimneyStatus returned)
{
    ++m_requests;
    ShadowPendingCall call;
    if (d->call.valid && d->call.op == op && d->call.handle == handle)
    {
        call = d->call;
    }
    else
    {
        call.op = op;
        call.handle = handle;
        call.flags = flags;
        call.misuse = d->call.misuse;
    }
    d->call = ShadowPendingCall();
    const std::string evidence = ShadowCallText(op, handle, id, flags, returned);
    const ShadowConnection* c = d->Find(handle);
    std::string why;
    const std::string expected = call.valid ? m_misuse.ExpectedMisuse(*d, call, &why) : "";
    if (returned == ChimneyStatus::PENDING)
    {
        m_misuse.CheckAccepted(*d, expected, why, handle, evidence);
        m_connections += d->ApplyRequest(call, id);
        if (call.op == "TerminateOffload" && call.blocks)
        {
            // W7: the host takes over; what it owes is checked at the terminate's completion.
            ForEachListedConnection(*call.blocks, [this, d](const auto&, const auto& t) {
                if (const ShadowConnection* listed = d->Find(t.handle))
                {
                    m_wire.CancelAckObligation(*listed);
                }
            });
        }
        m_interface.OnDeviceRequest(*d, id, flags);
        return;
    }
    // A refusal: only host misuse may be refused, with a clear status (A1, H).
    m_interface.CheckRefusal(*d, c, call, returned, !expected.empty(), evidence);
    m_misuse.CheckRefused(*d, call, returned, expected, why, evidence);
}

void
ChimneyVerifier::ObserveRequest(Ptr<ChimneyNetDevice> device,
                                std::string op,
                                OffloadHandle handle,
                                uint64_t id,
                                uint32_t flags,
                                ChimneyStatus returned)
{
    TraceRequest(GetState(device), op, handle, id, flags, returned);
}

// ---------------------------------------------------------------------------------------------
// Completions
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceCompletion(ShadowDevice* d,
                                 std::string op,
                                 OffloadHandle handle,
                                 uint64_t id,
                                 ChimneyStatus status,
                                 uint64_t bytes)
{
    ++m_completions;
    const std::string evidence = ShadowCompletionText(op, handle, id, status, bytes);
    if (op == "InitiateOffload" || op == "TerminateOffload")
    {
        Ptr<const OffloadBlockList> list;
        auto range = d->lists.equal_range(id);
        if (range.first != range.second)
        {
            list = range.first->second;
            d->lists.erase(range.first);
        }
        if (!m_interface.CheckListCompletion(*d, op, PeekPointer(list), status, evidence))
        {
            return;
        }
        m_interface.OnDeviceCompletion(*d, id);
        if (op == "TerminateOffload")
        {
            ForEachListedConnection(*list, [&](const auto&, const auto& t) {
                const ShadowConnection* c = d->Find(t.handle);
                if (c == nullptr || c->phase != ShadowConnection::TERMINATED)
                {
                    return;
                }
                m_resources.CheckTerminateCompleted(*d, *c, evidence);
                m_resources.OnConnectionEnded(*d, *c);
                m_wire.CancelAckObligation(*c); // the record goes
                d->EndConnection(t.handle);
            });
        }
        return;
    }
    if (op == "OffloadBlock")
    {
        CompleteOffloadBlock(*d, handle, status, evidence);
        return;
    }
    ShadowConnection* c = d->Find(handle);
    if (!m_interface.CheckCompletionConnection(*d, c, handle, op, evidence))
    {
        return;
    }
    m_wire.PollAckObligation(*d, *c);
    if (op == "TerminateBlock")
    {
        CompleteTerminateBlock(*d, *c, status, evidence);
        return;
    }
    CompleteNbl(*d, *c, op, id, status, bytes, evidence);
    if (op != "SendReturned")
    {
        m_interface.OnDeviceCompletion(*d, id);
    }
    else
    {
        m_interface.OnSendReturned(*d, id);
    }
    c->Compact();
}

void
ChimneyVerifier::ObserveCompletion(Ptr<ChimneyNetDevice> device,
                                   std::string op,
                                   OffloadHandle handle,
                                   uint64_t id,
                                   ChimneyStatus status,
                                   uint64_t bytes)
{
    TraceCompletion(GetState(device), op, handle, id, status, bytes);
}

void
ChimneyVerifier::CompleteNbl(ShadowDevice& d,
                             ShadowConnection& c,
                             const std::string& op,
                             uint64_t id,
                             ChimneyStatus status,
                             uint64_t bytes,
                             const std::string& evidence)
{
    if (op == "Send" || op == "SendReturned")
    {
        bool inOrder = true;
        ShadowSendRequest* r = c.FindSend(id, &inOrder);
        m_interface.CheckSendCompletion(d, c, r, inOrder, op, status, bytes, evidence);
        if (r != nullptr)
        {
            c.CompleteSend(*r, op == "SendReturned");
        }
        return;
    }
    if (op == "Receive")
    {
        ShadowReceiveRequest* r = c.FindReceive(id);
        if (!m_interface.CheckReceiveCompletion(d, c, r, status, bytes, evidence))
        {
            return;
        }
        r->done = true;
        if (bytes == 0 || !m_endToEnd.CheckReceiveCompletion(d, c, *r, status, bytes, evidence))
        {
            return;
        }
        m_wire.CheckDeliveredAfterRst(d, c, bytes, evidence);
        if (!r->nbl || c.blind)
        {
            c.delivered += static_cast<int64_t>(bytes);
            c.blind = true;
            return;
        }
        c.AddDelivered(*r->nbl, bytes);
        m_endToEnd.CheckDelivered(d, c, evidence);
        return;
    }
    if (op == "Disconnect")
    {
        ShadowDisconnectRequest* r = c.FindDisconnect(id);
        const bool graceful = r == &c.graceful;
        if (r != nullptr)
        {
            r->outstanding = false;
        }
        if (m_interface.CheckDisconnectCompletion(d, c, r, graceful, status, bytes, evidence) &&
            !graceful)
        {
            m_endToEnd.CheckAbortiveCompletion(d, c, status, evidence);
        }
    }
}

void
ChimneyVerifier::CompleteOffloadBlock(ShadowDevice& d,
                                      OffloadHandle handle,
                                      ChimneyStatus status,
                                      const std::string& evidence)
{
    ShadowConnection* c = d.Find(handle);
    if (c == nullptr || c->phase != ShadowConnection::OFFLOADING)
    {
        m_interface.ReportOffloadNotOutstanding(d, c, handle, evidence);
        return;
    }
    if (status == ChimneyStatus::SUCCESS)
    {
        c->phase = ShadowConnection::OFFLOADED;
        return;
    }
    // SPEC 3.1: the connection stays in software, untouched.
    m_resources.OnOffloadFailed(d, *c, status, evidence);
    m_wire.CancelAckObligation(*c); // the record goes
    d.DropFailedOffload(handle);
}

void
ChimneyVerifier::CompleteTerminateBlock(ShadowDevice& d,
                                        ShadowConnection& c,
                                        ChimneyStatus status,
                                        const std::string& evidence)
{
    m_interface.CheckTerminateBlockStatus(d, c, status, evidence);
    m_endToEnd.CheckTerminateStatus(d, c, status, evidence);
    m_interface.CheckTerminateOutstanding(d, c, evidence);
    if (status == ChimneyStatus::SUCCESS && c.terminateList && !c.blind)
    {
        const TcpOffloadBlock* block = nullptr;
        ForEachListedConnection(*c.terminateList, [&](const auto&, const TcpOffloadBlock& t) {
            if (t.handle == c.handle)
            {
                block = &t;
            }
        });
        if (block != nullptr)
        {
            CheckReturnedState(d, c, *block, evidence);
        }
    }
    c.phase = ShadowConnection::TERMINATED;
    m_wire.CancelAckObligation(c);
    m_endToEnd.OnTerminated(d, c);
}

void
ChimneyVerifier::CheckReturnedState(ShadowDevice& d,
                                    ShadowConnection& c,
                                    const TcpOffloadBlock& block,
                                    const std::string& evidence)
{
    if (!m_interface.CheckReturnedSendChain(d, c, block, evidence))
    {
        return; // the connection is dead: its data does not continue anywhere
    }
    const TcpDelegatedState& s = block.delegated;
    m_interface.CheckReturnedSendState(d, c, s, evidence);
    m_endToEnd.CheckReturnedSendData(d, c, s, evidence);
    if (m_interface.CheckReturnedFin(d, c, s, evidence))
    {
        m_wire.CheckReturnedFin(d, c, s, evidence);
    }
    // Receive side: everything received was delivered or is handed back (E1), and is
    // acknowledged (A9).
    m_interface.CheckReturnedRcvNxt(d, c, s, evidence);
    m_endToEnd.CheckReturnedReceiveData(d, c, s, evidence);
    m_interface.CheckReturnedAck(d, c, s, evidence);
}

// ---------------------------------------------------------------------------------------------
// Indications, ledger
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceIndication(ShadowDevice* d,
                                 OffloadHandle handle,
                                 ChimneyEvent event,
                                 ChimneyUploadReason reason)
{
    ++m_indications;
    std::ostringstream e;
    e << ToString(event) << " indication (h=" << handle << ")";
    if (event == ChimneyEvent::RETRIEVE)
    {
        e << " reason " << ToString(reason);
    }
    const std::string evidence = e.str();
    ShadowConnection* found = d->Find(handle);
    if (!m_interface.CheckIndicationConnection(*d, found, handle, evidence))
    {
        return;
    }
    ShadowConnection& c = *found;
    m_wire.PollAckObligation(*d, c);
    switch (event)
    {
    case ChimneyEvent::DISCONNECT:
        if (m_interface.CheckDisconnectIndication(*d, c, evidence))
        {
            m_endToEnd.CheckDelivered(*d, c, evidence);
        }
        c.disconnectIndicated = true;
        break;
    case ChimneyEvent::ABORT:
        m_interface.CheckAbortIndication(*d, c, evidence);
        c.OnAbortIndicated();
        m_wire.CancelAckObligation(c);
        break;
    case ChimneyEvent::RETRIEVE:
        if (reason == ChimneyUploadReason::HARDWARE_FAILURE)
        {
            c.hwFailure = true;
            m_wire.CancelAckObligation(c);
        }
        else if (reason == ChimneyUploadReason::TIMEOUT_EXPIRATION ||
                 reason == ChimneyUploadReason::INVALID_STATE)
        {
            c.closedByTarget = true;
            m_wire.CancelAckObligation(c);
        }
        break;
    }
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
ChimneyVerifier::TraceAllocated(ShadowDevice* d,
                                OffloadHandle handle,
                                Ipv4Address local,
                                uint16_t localPort,
                                Ipv4Address remote,
                                uint16_t remotePort,
                                uint64_t /* bytes */)
{
    std::ostringstream e;
    e << "ResourceAllocated(h=" << handle << " " << local << ":" << localPort << " > " << remote
      << ":" << remotePort << ")";
    ShadowConnection* c = d->Find(handle);
    if (c != nullptr && c->phase == ShadowConnection::TERMINATED)
    {
        c = nullptr; // held by nobody
    }
    if (m_resources.OnAllocated(*d, c, handle, e.str()))
    {
        c->allocated = true;
        c->freed = false;
    }
}

void
ChimneyVerifier::TraceFreed(ShadowDevice* d,
                            OffloadHandle handle,
                            Ipv4Address local,
                            uint16_t localPort,
                            Ipv4Address remote,
                            uint16_t remotePort,
                            uint64_t /* bytes */)
{
    std::ostringstream e;
    e << "ResourceFreed(h=" << handle << " " << local << ":" << localPort << " > " << remote << ":"
      << remotePort << ")";
    ShadowConnection* c = d->Find(handle);
    if (m_resources.OnFreed(*d, c, handle, e.str()))
    {
        c->freed = true;
    }
}

void
ChimneyVerifier::ObserveResource(Ptr<ChimneyNetDevice> device,
                                 bool allocated,
                                 OffloadHandle handle,
                                 Ipv4Address local,
                                 uint16_t localPort,
                                 Ipv4Address remote,
                                 uint16_t remotePort,
                                 uint64_t bytes)
{
    ShadowDevice* d = GetState(device);
    if (allocated)
    {
        TraceAllocated(d, handle, local, localPort, remote, remotePort, bytes);
    }
    else
    {
        TraceFreed(d, handle, local, localPort, remote, remotePort, bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// The wire
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceHostSend(ShadowDevice* d, Ptr<const Packet> packet)
{
    // The inner device's MacTx for this packet follows at once, inside the same call.
    d->lastHostUid = packet->GetUid();
}

void
ChimneyVerifier::TraceMacTx(ShadowDevice* d, Ptr<const Packet> frame)
{
    const bool host = frame->GetUid() == d->lastHostUid;
    DoFrame(*d, frame, host ? FrameDirection::HOST_TX : FrameDirection::TARGET_TX);
}

void
ChimneyVerifier::TraceMacRx(ShadowDevice* d, Ptr<const Packet> frame)
{
    DoFrame(*d, frame, FrameDirection::RX);
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
ChimneyVerifier::DoFrame(ShadowDevice& d, Ptr<const Packet> frame, FrameDirection direction)
{
    // Cheap look at the tuple first: most frames belong to connections nobody tracks.
    uint8_t b[96];
    const uint32_t n = frame->CopyData(b, sizeof(b));
    size_t ip = SIZE_MAX;
    if (d.link == WireLinkType::PPP && n >= 2 && b[0] == 0x00 && b[1] == 0x21)
    {
        ip = 2;
    }
    else if (d.link == WireLinkType::ETHERNET && n >= 14)
    {
        const uint16_t type = static_cast<uint16_t>(b[12] << 8 | b[13]);
        if (type == 0x0800)
        {
            ip = 14;
        }
        else if (type <= 1500 && n >= 22 && b[14] == 0xaa && b[20] == 0x08 && b[21] == 0x00)
        {
            ip = 22;
        }
    }
    if (ip == SIZE_MAX && n >= 1 && (b[0] >> 4) == 4)
    {
        ip = 0; // a bare IPv4 datagram (SimpleNetDevice, synthetic frames)
    }
    if (ip == SIZE_MAX || n < ip + 24 || (b[ip] >> 4) != 4 || b[ip + 9] != 6)
    {
        return;
    }
    const size_t ihl = (b[ip] & 0x0f) * 4u;
    if (n < ip + ihl + 4)
    {
        return;
    }
    auto u32 = [&b](size_t o) {
        return static_cast<uint32_t>(b[o]) << 24 | static_cast<uint32_t>(b[o + 1]) << 16 |
               static_cast<uint32_t>(b[o + 2]) << 8 | b[o + 3];
    };
    const uint32_t src = u32(ip + 12);
    const uint32_t dst = u32(ip + 16);
    const uint16_t sport = static_cast<uint16_t>(b[ip + ihl] << 8 | b[ip + ihl + 1]);
    const uint16_t dport = static_cast<uint16_t>(b[ip + ihl + 2] << 8 | b[ip + ihl + 3]);
    if (direction == FrameDirection::HOST_TX)
    {
        return; // the host's own frames: not the target's behaviour
    }
    const bool tx = direction != FrameDirection::RX;
    const ShadowTuple key =
        tx ? ShadowTuple{src, dst, sport, dport} : ShadowTuple{dst, src, dport, sport};
    if (d.byTuple.count(key) == 0 &&
        (direction != FrameDirection::TARGET_TX ||
         (d.terminatedTuples.count(key) == 0 && d.failedTuples.count(key) == 0)))
    {
        return;
    }
    WireSegment w;
    bool parsed = false;
    if (ip == 0)
    {
        std::vector<uint8_t> bytes(frame->GetSize());
        frame->CopyData(bytes.data(), bytes.size());
        parsed = ParseIpv4TcpDatagram(bytes.data(), bytes.size(), w);
    }
    else
    {
        parsed = ParseWireFrame(frame, d.link, w);
    }
    if (parsed)
    {
        DoSegment(d, w, direction);
    }
}

void
ChimneyVerifier::DoSegment(ShadowDevice& d, const WireSegment& w, FrameDirection direction)
{
    ++m_segments;
    const bool tx = direction != FrameDirection::RX;
    const ShadowTuple key =
        tx ? ShadowTuple{w.srcAddress, w.dstAddress, w.tcp.srcPort, w.tcp.dstPort}
           : ShadowTuple{w.dstAddress, w.srcAddress, w.tcp.dstPort, w.tcp.srcPort};
    auto it = d.byTuple.find(key);
    if (it == d.byTuple.end())
    {
        if (direction != FrameDirection::TARGET_TX)
        {
            return;
        }
        // The target transmitting for a connection it does not hold.
        auto term = d.terminatedTuples.find(key);
        if (term != d.terminatedTuples.end())
        {
            m_wire.CheckTransmittedAfterTerminate(d,
                                                  nullptr,
                                                  term->second,
                                                  "target sent " + w.tcp.ToString());
            return;
        }
        auto failed = d.failedTuples.find(key);
        if (failed != d.failedTuples.end())
        {
            m_resources.CheckTransmissionAfterFailedOffload(d,
                                                            failed->second,
                                                            "target sent " + w.tcp.ToString());
        }
        return;
    }
    ShadowConnection& c = *it->second;
    if (direction == FrameDirection::HOST_TX)
    {
        return; // the host's own frames: not the target's behaviour
    }
    m_wire.PollAckObligation(d, c);
    if (direction == FrameDirection::TARGET_TX)
    {
        TargetSegment(d, c, w.tcp);
    }
    else if (c.allocated || c.phase != ShadowConnection::OFFLOADING)
    {
        // Frames before the target took the connection went to the host (dropped there).
        RemoteSegment(d, c, w.tcp);
    }
}

void
ChimneyVerifier::TargetSegment(ShadowDevice& d, ShadowConnection& c, const TcpSegment& s)
{
    const std::string evidence = "target sent " + s.ToString();
    m_resources.CheckTransmission(d, c, evidence);
    if (c.phase == ShadowConnection::TERMINATED)
    {
        m_wire.CheckTransmittedAfterTerminate(d, &c, c.handle, evidence);
        return;
    }
    m_endToEnd.CheckTransmission(d, c, evidence);
    if (!m_wire.CheckTargetSegment(d, c, s, evidence))
    {
        return; // after the target's RST
    }
    const int64_t o = c.SendOff(s.seq);
    const int64_t len = static_cast<int64_t>(s.payload.size());
    if (s.Has(TcpSegment::RST))
    {
        m_wire.CheckTargetRst(d, c, o, evidence);
        c.OnTargetRst();
        m_wire.CancelAckObligation(c);
    }
    if (len > 0 && !c.blind)
    {
        m_wire.CheckTargetPayload(d, c, o, len, evidence);
        m_endToEnd.CheckSentBytes(d, c, s, o, evidence);
    }
    if (s.Has(TcpSegment::FIN))
    {
        const int64_t f = o + len;
        m_wire.CheckTargetFin(d, c, f, evidence);
        if (c.finOff < 0)
        {
            c.finOff = f;
        }
    }
    c.maxSent = std::max(c.maxSent, o + static_cast<int64_t>(s.SeqLen()));
    if (s.Has(TcpSegment::ACK))
    {
        const int64_t a = c.RecvOff(s.ack);
        m_wire.CheckTargetAck(d, c, a, evidence);
        if (c.OnTargetAck(a, s.window))
        {
            m_wire.DischargeAckObligation(c);
        }
    }
}

void
ChimneyVerifier::RemoteSegment(ShadowDevice& d, ShadowConnection& c, const TcpSegment& s)
{
    const std::string evidence = "remote sent " + s.ToString();
    if (s.Has(TcpSegment::ACK))
    {
        c.OnPeerAck(c.SendOff(s.ack));
    }
    const int64_t o = c.RecvOff(s.seq);
    if (s.Has(TcpSegment::RST))
    {
        c.remoteRst = true;
        // RFC 5961: acceptable when it is exactly RCV.NXT.
        if (o == c.RcvNxt() || (c.lastAck >= 0 && o == c.lastAck))
        {
            c.acceptableRst = true;
            m_wire.CancelAckObligation(c);
        }
        return;
    }
    if (!s.payload.empty())
    {
        c.AddRemoteData(o, s.payload.data(), s.payload.size());
    }
    if (s.Has(TcpSegment::FIN))
    {
        const int64_t f = o + static_cast<int64_t>(s.payload.size());
        if (m_wire.CheckRemoteFin(d, c, f, evidence))
        {
            c.remoteFin = f;
        }
    }
    c.maxRemoteEnd = std::max(c.maxRemoteEnd, o + static_cast<int64_t>(s.SeqLen()));
    if (!s.payload.empty())
    {
        m_wire.ArmAckObligation(c);
    }
}

// ---------------------------------------------------------------------------------------------
// Host stack and intermediate drivers
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceHostCall(ShadowHost* h,
                               std::string op,
                               OffloadHandle handle,
                               uint64_t id,
                               uint32_t flags,
                               ChimneyStatus returned)
{
    m_interface.OnHostCall(*h, op, handle, id, flags, returned);
}

void
ChimneyVerifier::TraceHostUpcall(ShadowHost* h,
                                 std::string op,
                                 OffloadHandle handle,
                                 uint64_t id,
                                 ChimneyStatus status,
                                 uint64_t bytes)
{
    m_interface.OnHostUpcall(*h, op, handle, id, status, bytes);
}

void
ChimneyVerifier::TraceHostPhase(ShadowHost* h,
                                OffloadHandle handle,
                                std::string /* from */,
                                std::string to,
                                std::string detail)
{
    m_endToEnd.OnHostPhase(*h, handle, to, detail);
}

void
ChimneyVerifier::TraceLayerRequest(LayerIssuers* l,
                                   std::string upper,
                                   std::string /* op */,
                                   OffloadHandle /* handle */,
                                   uint64_t id,
                                   uint32_t /* flags */,
                                   ChimneyStatus returned)
{
    m_interface.OnLayerRequest(*l, upper, id, returned);
}

void
ChimneyVerifier::TraceLayerCompletion(LayerIssuers* l,
                                      std::string upper,
                                      std::string op,
                                      OffloadHandle handle,
                                      uint64_t id,
                                      ChimneyStatus status)
{
    m_interface.OnLayerCompletion(*l, upper, op, handle, id, status);
}

void
ChimneyVerifier::ObserveLayerRequest(Ptr<ChimneyIntermediateDriver> layer,
                                     std::string upper,
                                     std::string op,
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
                                        std::string op,
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
    for (auto& dp : m_devices)
    {
        ShadowDevice& d = *dp;
        std::vector<OffloadHandle> handles;
        for (const auto& e : d.byHandle)
        {
            handles.push_back(e.first);
        }
        std::sort(handles.begin(), handles.end()); // reports in a stable order
        for (OffloadHandle h : handles)
        {
            const ShadowConnection& c = *d.byHandle[h];
            m_wire.PollAckObligation(d, c);
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
