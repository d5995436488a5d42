/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyFaultInjector: bookkeeping, observing frames, and the public API; what each fault
// does is in chimney-fault-injector-faults.cc.

#include "chimney-fault-injector-impl.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyFaultInjector");
NS_OBJECT_ENSURE_REGISTERED(ChimneyFaultInjector);

using namespace chimney_fault;

// ---------------------------------------------------------------------------------------------
// Bookkeeping
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::Fire(const std::string& kind,
                                 uint32_t nodeId,
                                 const std::string& detail)
{
    NS_LOG_INFO(Simulator::Now().As(Time::S)
                << " " << kind << " node " << nodeId << ": " << detail);
    ++fired[kind];
    owner->m_faultTrace(kind, nodeId, detail);
}

ChimneyFaultInjector::Impl::Link&
ChimneyFaultInjector::Impl::GetLink(Ptr<NetDevice> hostDevice)
{
    for (auto& link : links)
    {
        if (link->hostDevice == hostDevice)
        {
            return *link;
        }
    }
    links.push_back(std::make_unique<Link>());
    Link& link = *links.back();
    link.hostDevice = hostDevice;
    link.hostNode = hostDevice->GetNode() ? hostDevice->GetNode()->GetId() : 0;
    return link;
}

bool
ChimneyFaultInjector::Impl::Draw(double rate)
{
    // Always draw, so one fault's rate never shifts another's picks.
    return pickRv->GetValue() < rate;
}

uint32_t
ChimneyFaultInjector::Impl::DrawAfter(uint32_t first, uint32_t last, uint32_t base)
{
    return base + timeRv->GetInteger(first, last);
}

ChimneyFaultInjector::Impl::Conn*
ChimneyFaultInjector::Impl::Find(Link& link, const ChimneyFourTuple& t)
{
    auto it = link.conns.find(t);
    return it == link.conns.end() ? nullptr : it->second.get();
}

ChimneyFourTuple
ChimneyFaultInjector::Impl::TupleOf(const WireSegment& w, bool fromHost)
{
    ChimneyFourTuple t;
    t.local = fromHost ? w.srcAddress : w.dstAddress;
    t.remote = fromHost ? w.dstAddress : w.srcAddress;
    t.localPort = fromHost ? w.tcp.srcPort : w.tcp.dstPort;
    t.remotePort = fromHost ? w.tcp.dstPort : w.tcp.srcPort;
    return t;
}

void
ChimneyFaultInjector::Impl::LearnHostAddress(Link& link)
{
    // The address is on the chimney device (or on the link device itself).
    Ptr<Node> node = link.hostDevice->GetNode();
    Ptr<Ipv4> ipv4 = node ? node->GetObject<Ipv4>() : nullptr;
    if (!ipv4)
    {
        return;
    }
    for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
    {
        Ptr<NetDevice> device = ipv4->GetNetDevice(i);
        auto chimney = DynamicCast<ChimneyNetDevice>(device);
        if ((device == link.hostDevice ||
             (chimney && chimney->GetInnerDevice() == link.hostDevice)) &&
            ipv4->GetNAddresses(i) > 0)
        {
            link.hostAddress = ipv4->GetAddress(i, 0).GetLocal().Get();
            return;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Observation: frames as they enter a link device (MacTx)
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::OnHostTx(Link* link, Ptr<const Packet> frame)
{
    ChimneyFaultFrame f;
    if (!f.Parse(frame, link->hostModel->GetLinkType()))
    {
        return;
    }
    if (link->hostAddress == 0)
    {
        link->hostAddress = f.wire.srcAddress;
    }
    if (f.wire.srcAddress == link->hostAddress)
    {
        OnSent(*link, f, true);
    }
}

void
ChimneyFaultInjector::Impl::OnFarTx(Far* far, Ptr<const Packet> frame)
{
    if (injected.count(frame->GetUid()) != 0)
    {
        return; // our own spoofed frame: the peer never sent it
    }
    ChimneyFaultFrame f;
    if (!f.Parse(frame, far->model->GetLinkType()))
    {
        return;
    }
    for (Link* link : far->links)
    {
        if (link->hostAddress != 0 && f.wire.dstAddress == link->hostAddress)
        {
            OnSent(*link, f, false);
            return;
        }
    }
}

ChimneyFaultInjector::Impl::Conn&
ChimneyFaultInjector::Impl::NewConn(Link& link, const ChimneyFourTuple& t)
{
    auto c = std::make_unique<Conn>(t);
    const uint32_t base = 0;
    // Fixed draw order, whatever the rates (determinism across plans of equal shape).
    c->targeted = Draw(plan.targetedDropRate);
    const double spoofRates[5] = {plan.rstExactRate,
                                  plan.rstInWindowRate,
                                  plan.rstOutOfWindowRate,
                                  plan.synRate,
                                  plan.terminateRacingRstRate};
    for (int k = 0; k < 5; ++k)
    {
        c->spoof[k].on = Draw(spoofRates[k]);
    }
    c->blackHole = Draw(plan.blackHoleRate);
    c->retrieve.on = Draw(plan.retrieveRate);
    c->terminatePending = Draw(plan.terminatePendingDisconnectRate);
    c->terminateAfterFin = Draw(plan.terminateAfterFinRate);
    c->abortAfterGraceful = Draw(plan.abortAfterGracefulRate);
    for (auto& pick : c->spoof)
    {
        if (pick.on)
        {
            pick.after = DrawAfter(kConnFirst, kConnLast, base);
        }
    }
    if (c->spoof[static_cast<int>(Spoof::RST_RACING)].on)
    {
        c->racingTerminateNow = timeRv->GetValue() < 0.5;
    }
    if (c->retrieve.on)
    {
        c->retrieve.after = DrawAfter(kConnFirst, kConnLast, base);
        const auto& reasons = plan.retrieveReasons;
        uint32_t i = timeRv->GetInteger(0, static_cast<uint32_t>(reasons.size()) - 1);
        c->reason = reasons[i];
    }
    // host.misuse from its own stream: plans without it draw exactly as before.
    c->misuse.on = misuseRv->GetValue() < plan.hostMisuseRate;
    if (c->misuse.on)
    {
        c->misuse.after = base + misuseRv->GetInteger(kConnFirst, kConnLast);
    }
    Conn& ref = *c;
    link.conns[t] = std::move(c);
    return ref;
}

void
ChimneyFaultInjector::Impl::OnSent(Link& link, const ChimneyFaultFrame& f, bool fromHost)
{
    const TcpSegment& s = f.wire.tcp;
    const ChimneyFourTuple t = TupleOf(f.wire, fromHost);
    Conn* c = Find(link, t);
    const bool opening = s.Has(TcpSegment::SYN) && !s.Has(TcpSegment::ACK);
    if (opening && (!c || c->wire.Finished() || c->wire.Frames() > 2))
    {
        c = &NewConn(link, t); // a new connection (or a new incarnation of the 4-tuple)
    }
    ++link.frames;
    if (link.peer)
    {
        ++link.peer->frames;
    }
    if (c)
    {
        c->wire.Learn(s, fromHost);
        ConnTriggers(link, *c, s, fromHost);
    }
    LinkTriggers(link);
}

void
ChimneyFaultInjector::Impl::LinkTriggers(Link& link)
{
    Peer* peer = link.peer;
    if (peer && peer->crashPicked && !peer->crashed && peer->frames >= peer->crashAfter)
    {
        peer->crashed = true;
        std::ostringstream detail;
        detail << "peer silent after " << peer->frames << " frames";
        Fire("peer.crash", peer->node->GetId(), detail.str());
    }
    if (link.target && link.hardwareFailure.on && !link.hardwareFailure.done &&
        link.frames >= link.hardwareFailure.after && link.target->GetOffloadedConnectionCount() > 0)
    {
        link.hardwareFailure.done = true;
        Simulator::ScheduleNow(&Impl::HardwareFailure, this, &link);
    }
    if (link.stack && link.uploadAll.on && !link.uploadAll.done &&
        link.frames >= link.uploadAll.after && link.stack->GetOffloadedConnectionCount() > 0)
    {
        link.uploadAll.done = true;
        Simulator::ScheduleNow(&Impl::UploadAll, this, &link);
    }
}

void
ChimneyFaultInjector::Impl::ConnTriggers(Link& link, Conn& c, const TcpSegment& s, bool fromHost)
{
    const ChimneyFourTuple& t = c.wire.Tuple();
    if (fromHost && s.Has(TcpSegment::FIN) && c.terminateAfterFin && !c.finTriggerDone)
    {
        auto handle = link.hostHandles.find(t);
        if (link.stack && handle != link.hostHandles.end() &&
            link.stack->GetPhase(handle->second) == ChimneyHostStack::Phase::OFFLOADED)
        {
            c.finTriggerDone = true;
            Simulator::ScheduleNow(&Impl::TerminateFault,
                                   this,
                                   &link,
                                   handle->second,
                                   std::string("host.terminate-after-fin"));
        }
    }
    if (c.wire.Finished())
    {
        return;
    }
    for (int k = 0; k < 5; ++k)
    {
        Pick& pick = c.spoof[k];
        if (!pick.on || pick.done || c.wire.Frames() < pick.after)
        {
            continue;
        }
        if (static_cast<Spoof>(k) == Spoof::RST_RACING)
        {
            // Only a race with an upload in progress is interesting: wait for the offload.
            auto handle = link.hostHandles.find(t);
            if (!link.stack || handle == link.hostHandles.end() ||
                link.stack->GetPhase(handle->second) != ChimneyHostStack::Phase::OFFLOADED)
            {
                continue;
            }
        }
        pick.done = true;
        Simulator::ScheduleNow(&Impl::SendSpoof, this, &link, t, static_cast<Spoof>(k));
    }
    if (c.retrieve.on && !c.retrieve.done && c.wire.Frames() >= c.retrieve.after &&
        link.targetHandles.count(t) != 0)
    {
        c.retrieve.done = true;
        Simulator::ScheduleNow(&Impl::Retrieve, this, &link, t);
    }
    if (c.misuse.on && !c.misuse.done && c.wire.Frames() >= c.misuse.after &&
        link.targetHandles.count(t) != 0)
    {
        c.misuse.done = true;
        Simulator::ScheduleNow(&Impl::MisuseNow, this, &link, t);
    }
}

// ---------------------------------------------------------------------------------------------
// ChimneyFaultInjector
// ---------------------------------------------------------------------------------------------

TypeId
ChimneyFaultInjector::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ChimneyFaultInjector")
            .SetParent<Object>()
            .SetGroupName("Chimney")
            .AddConstructor<ChimneyFaultInjector>()
            .AddTraceSource("Fault",
                            "A fault fired: kind, node id, detail.",
                            MakeTraceSourceAccessor(&ChimneyFaultInjector::m_faultTrace),
                            "ns3::ChimneyFaultInjector::FaultTracedCallback")
            .AddTraceSource("Misuse",
                            "host.misuse is about to issue a bad call: the device, the H-ID.",
                            MakeTraceSourceAccessor(&ChimneyFaultInjector::m_misuseTrace),
                            "ns3::ChimneyFaultInjector::MisuseTracedCallback")
            .AddTraceSource("Spoof",
                            "A spoofed frame is about to leave the far end of a link: the far "
                            "link device, the forged datagram.",
                            MakeTraceSourceAccessor(&ChimneyFaultInjector::m_spoofTrace),
                            "ns3::ChimneyFaultInjector::SpoofTracedCallback");
    return tid;
}

ChimneyFaultInjector::ChimneyFaultInjector()
    : m_impl(std::make_unique<Impl>())
{
    m_impl->owner = this;
}

ChimneyFaultInjector::~ChimneyFaultInjector() = default;

void
ChimneyFaultInjector::SetPlan(const ChimneyFaultPlan& plan)
{
    std::string error;
    NS_ABORT_MSG_IF(!plan.Validate(&error), error);
    m_impl->plan = plan;
}

const ChimneyFaultPlan&
ChimneyFaultInjector::GetPlan() const
{
    return m_impl->plan;
}

int64_t
ChimneyFaultInjector::AssignStreams(int64_t stream)
{
    m_impl->frameRv->SetStream(stream);
    m_impl->pickRv->SetStream(stream + 1);
    m_impl->timeRv->SetStream(stream + 2);
    m_impl->misuseRv->SetStream(stream + 3);
    return 4;
}

void
ChimneyFaultInjector::AttachLink(Ptr<NetDevice> hostDevice,
                                 Ptr<NetDevice> farDevice,
                                 Ptr<Node> peer)
{
    NS_ABORT_MSG_IF(!hostDevice || !farDevice || !peer, "ChimneyFaultInjector::AttachLink: null");
    const ChimneyFaultPlan& plan = m_impl->plan;
    NS_ABORT_MSG_IF(plan.corruptRate > 0 && !Node::ChecksumEnabled(),
                    "ChimneyFaultInjector: corruptRate needs checksums: set the GlobalValue "
                    "ChecksumEnabled to true before building the scenario");
    Impl::Link& link = m_impl->GetLink(hostDevice);
    NS_ABORT_MSG_IF(link.farDevice, "ChimneyFaultInjector::AttachLink: link attached twice");
    link.farDevice = farDevice;
    m_impl->LearnHostAddress(link);

    // The peer: one crash decision per node, at its first link.
    for (auto& p : m_impl->peers)
    {
        link.peer = p->node == peer ? p.get() : link.peer;
    }
    if (!link.peer)
    {
        m_impl->peers.push_back(std::make_unique<Impl::Peer>());
        link.peer = m_impl->peers.back().get();
        link.peer->node = peer;
        link.peer->crashPicked = m_impl->Draw(plan.peerCrashRate);
        link.peer->crashAfter =
            link.peer->crashPicked ? m_impl->DrawAfter(kLinkFirst, kLinkLast, 0) : 0;
    }

    // Nothing on the wire to do: leave the link alone (no per-frame cost).
    const bool wire = plan.lossRate > 0 || plan.burstRate > 0 || plan.corruptRate > 0 ||
                      plan.duplicateRate > 0 || plan.reorderRate > 0 || plan.targetedDropRate > 0 ||
                      plan.peerCrashRate > 0 || plan.rstExactRate > 0 || plan.rstInWindowRate > 0 ||
                      plan.rstOutOfWindowRate > 0 || plan.synRate > 0 || plan.blackHoleRate > 0 ||
                      plan.hardwareFailureRate > 0 || plan.retrieveRate > 0 ||
                      plan.terminatePendingDisconnectRate > 0 || plan.terminateAfterFinRate > 0 ||
                      plan.terminateRacingRstRate > 0 || plan.abortAfterGracefulRate > 0 ||
                      plan.uploadAllRate > 0 || plan.hostMisuseRate > 0;
    if (!wire)
    {
        return;
    }

    // The receive models at both ends (one per far device, shared by its links).
    link.hostModel = CreateObject<ChimneyLinkFaultModel>();
    link.hostModel->Install(hostDevice, farDevice);
    link.hostModel->SetJudge([impl = m_impl.get(), l = &link](Ptr<const Packet> frame) {
        return impl->JudgeAtHost(l, frame);
    });
    hostDevice->TraceConnectWithoutContext("MacTx",
                                           MakeCallback(&Impl::OnHostTx, m_impl.get()).Bind(&link));
    Impl::Far* far = nullptr;
    for (auto& f : m_impl->fars)
    {
        far = f->device == farDevice ? f.get() : far;
    }
    if (!far)
    {
        m_impl->fars.push_back(std::make_unique<Impl::Far>());
        far = m_impl->fars.back().get();
        far->device = farDevice;
        far->model = CreateObject<ChimneyLinkFaultModel>();
        far->model->Install(farDevice, hostDevice);
        far->model->SetJudge([impl = m_impl.get(), far](Ptr<const Packet> frame) {
            return impl->JudgeAtFar(far, frame);
        });
        farDevice->TraceConnectWithoutContext("MacTx",
                                              MakeCallback(&Impl::OnFarTx, m_impl.get()).Bind(far));
    }
    far->links.push_back(&link);
}

void
ChimneyFaultInjector::AttachTarget(Ptr<ChimneyNetDevice> device)
{
    NS_ABORT_MSG_IF(!device || !device->GetInnerDevice(),
                    "ChimneyFaultInjector::AttachTarget: a chimney device with its inner device");
    const ChimneyFaultPlan& plan = m_impl->plan;
    Impl::Link& link = m_impl->GetLink(device->GetInnerDevice());
    NS_ABORT_MSG_IF(link.target, "ChimneyFaultInjector::AttachTarget: attached twice");
    link.target = device;
    link.hardwareFailure.on = m_impl->Draw(plan.hardwareFailureRate);
    link.slow = m_impl->Draw(plan.slowCompletionRate);
    if (link.hardwareFailure.on)
    {
        link.hardwareFailure.after = m_impl->DrawAfter(kLinkFirst, kLinkLast, 0);
    }
    if (plan.capacity > 0)
    {
        device->SetAttribute("MaxOffloadedConnections", UintegerValue(plan.capacity));
    }
    if (link.slow)
    {
        device->SetAttribute("CompletionLatency", TimeValue(plan.slowCompletion));
    }
    Impl* impl = m_impl.get();
    device->TraceConnectWithoutContext("ResourceAllocated",
                                       MakeCallback(&Impl::OnResourceAllocated, impl).Bind(&link));
    device->TraceConnectWithoutContext("ResourceFreed",
                                       MakeCallback(&Impl::OnResourceFreed, impl).Bind(&link));
    device->TraceConnectWithoutContext("Completion",
                                       MakeCallback(&Impl::OnTargetCompletion, impl).Bind(&link));
    if (plan.hostMisuseRate > 0)
    {
        device->TraceConnectWithoutContext(
            "RequestObjects",
            MakeCallback(&Impl::OnTargetRequestObjects, impl).Bind(&link));
        device->TraceConnectWithoutContext("Request",
                                           MakeCallback(&Impl::OnTargetRequest, impl).Bind(&link));
    }
}

void
ChimneyFaultInjector::AttachHost(Ptr<ChimneyHostStack> stack)
{
    NS_ABORT_MSG_IF(!stack || !stack->GetDevice(),
                    "ChimneyFaultInjector::AttachHost: an installed host stack");
    Impl::Link& link = m_impl->GetLink(stack->GetDevice()->GetInnerDevice());
    NS_ABORT_MSG_IF(link.stack, "ChimneyFaultInjector::AttachHost: attached twice");
    link.stack = stack;
    link.uploadAll.on = m_impl->Draw(m_impl->plan.uploadAllRate);
    if (link.uploadAll.on)
    {
        link.uploadAll.after = m_impl->DrawAfter(kLinkFirst, kLinkLast, 0);
    }
    Impl* impl = m_impl.get();
    stack->TraceConnectWithoutContext("PhaseChange",
                                      MakeCallback(&Impl::OnHostPhase, impl).Bind(&link));
    stack->TraceConnectWithoutContext("Call", MakeCallback(&Impl::OnHostCall, impl).Bind(&link));
}

std::map<std::string, uint64_t>
ChimneyFaultInjector::GetFired() const
{
    std::map<std::string, uint64_t> fired;
    for (const auto& kind : ChimneyFaultPlan::Kinds())
    {
        auto it = m_impl->fired.find(kind);
        fired[kind] = it == m_impl->fired.end() ? 0 : it->second;
    }
    return fired;
}

void
ChimneyFaultInjector::DoDispose()
{
    for (auto& link : m_impl->links)
    {
        if (link->hostModel)
        {
            link->hostModel->SetJudge(nullptr);
        }
    }
    for (auto& far : m_impl->fars)
    {
        far->model->SetJudge(nullptr);
    }
    Object::DoDispose();
}

} // namespace ns3
