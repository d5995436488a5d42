/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-fault-injector.h"

#include "chimney-fault-connection.h"
#include "chimney-host-stack.h"
#include "chimney-link-fault-model.h"
#include "chimney-net-device.h"

#include "ns3/abort.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/random-variable-stream.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyFaultInjector");
NS_OBJECT_ENSURE_REGISTERED(ChimneyFaultInjector);

namespace
{

constexpr uint16_t kIpv4EtherType = 0x0800;

/// "Busy" for the timed faults: they fire after a random number of frames on the link, in
/// [first, last], so they hit connections that are running. Per connection they count that
/// connection's frames (the handshake is three).
constexpr uint32_t kConnFirst = 4;
constexpr uint32_t kConnLast = 15;
constexpr uint32_t kLinkFirst = 5;
constexpr uint32_t kLinkLast = 100;

/// Upload reason from its SPEC name (the plan was validated: the name exists).
ChimneyUploadReason
ReasonFromName(const std::string& name)
{
    for (int r = static_cast<int>(ChimneyUploadReason::NONE);
         r <= static_cast<int>(ChimneyUploadReason::SMALL_IO);
         ++r)
    {
        if (name == ToString(static_cast<ChimneyUploadReason>(r)))
        {
            return static_cast<ChimneyUploadReason>(r);
        }
    }
    return ChimneyUploadReason::NONE;
}

} // namespace

/// Everything the injectors keep: per peer, per offloading host's link, per connection.
struct ChimneyFaultInjector::Impl
{
    /// The spoofed segments a peer fault sends.
    enum class Spoof : uint8_t
    {
        RST_EXACT,
        RST_IN_WINDOW,
        RST_OUT_OF_WINDOW,
        SYN,
        RST_RACING, //!< exact RST; the host terminates as it arrives
    };

    /// A fault picked for a connection, and the frame count at which it fires.
    struct Pick
    {
        bool on = false;    //!< picked
        bool done = false;  //!< acted (fired or found moot)
        uint32_t after = 0; //!< the connection's frame count that triggers it
    };

    /// One connection (one incarnation of a 4-tuple).
    struct Conn
    {
        explicit Conn(const ChimneyFaultTuple& t)
            : wire(t)
        {
        }

        ChimneyFaultConnection wire;     //!< learned from the frames sent
        bool targeted = false;           //!< link.drop-* apply
        uint32_t fins = 0;               //!< FIN segments that reached a receiver
        uint32_t rsts = 0;               //!< RST segments that reached a receiver
        uint32_t finAcks = 0;            //!< segments acknowledging a FIN that reached a receiver
        bool blackHole = false;          //!< peer.black-hole picked
        bool blackHoleOn = false;        //!< our FIN went into the hole
        Pick spoof[5];                   //!< by Spoof
        Pick retrieve;                   //!< target.retrieve
        std::string reason;              //!< its reason
        bool terminatePending = false;   //!< host.terminate-pending-disconnect picked
        bool terminateAfterFin = false;  //!< host.terminate-after-fin picked
        bool abortAfterGraceful = false; //!< host.abort-after-graceful picked
        bool hostFaultDone = false;      //!< a disconnect-triggered host fault acted
        bool finTriggerDone = false;     //!< the after-FIN terminate acted
        bool racingTerminateNow = false; //!< racing RST: terminate before the RST is processed
        bool spoofedReset = false;       //!< an acceptable RST was spoofed: no more spoofs
    };

    /// A peer node (crash applies to it across all its links).
    struct Peer
    {
        Ptr<Node> node;           //!< the node
        bool crashPicked = false; //!< peer.crash picked
        uint32_t crashAfter = 0;  //!< frames on its links before the crash
        uint32_t frames = 0;      //!< frames seen on its links
        bool crashed = false;     //!< silent from now on
    };

    /// One offloading host's link, with its target and host stack when attached.
    struct Link
    {
        Ptr<NetDevice> hostDevice;            //!< the inner link device of the chimney device
        Ptr<NetDevice> farDevice;             //!< the other end of the link
        Peer* peer = nullptr;                 //!< who answers
        uint32_t hostNode = 0;                //!< the host's node id
        uint32_t hostAddress = 0;             //!< the host's IPv4 address (0: not known yet)
        Ptr<ChimneyLinkFaultModel> hostModel; //!< at hostDevice
        std::map<ChimneyFaultTuple, std::unique_ptr<Conn>> conns; //!< current incarnations
        uint32_t frames = 0;                                      //!< TCP frames sent on the link
        uint32_t burstLeft[2] = {0, 0}; //!< frames still lost in a burst, per direction

        Ptr<ChimneyNetDevice> target;                             //!< the offload target
        std::map<ChimneyFaultTuple, OffloadHandle> targetHandles; //!< offloaded connections
        Pick hardwareFailure;                                     //!< target.hardware-failure
        bool slow = false;                                        //!< target.slow-completion picked
        bool slowFired = false; //!< ... and a completion was delayed

        Ptr<ChimneyHostStack> stack;                            //!< the host stack
        std::map<ChimneyFaultTuple, OffloadHandle> hostHandles; //!< host stack connections
        Pick uploadAll;                                         //!< host.upload-all
    };

    /// A far device's model: it may serve several links (a CSMA segment's peer, a router).
    struct Far
    {
        Ptr<NetDevice> device;            //!< the far device
        Ptr<ChimneyLinkFaultModel> model; //!< its receive model
        std::vector<Link*> links;         //!< the links it ends
    };

    ChimneyFaultInjector* owner = nullptr;
    ChimneyFaultPlan plan;
    std::map<std::string, uint64_t> fired;
    Ptr<UniformRandomVariable> frameRv = CreateObject<UniformRandomVariable>(); //!< per frame
    Ptr<UniformRandomVariable> pickRv = CreateObject<UniformRandomVariable>();  //!< who is hit
    Ptr<UniformRandomVariable> timeRv = CreateObject<UniformRandomVariable>();  //!< when, how
    std::vector<std::unique_ptr<Link>> links;
    std::vector<std::unique_ptr<Peer>> peers;
    std::vector<std::unique_ptr<Far>> fars;
    std::set<uint64_t> injected; //!< packet uids of spoofed frames (no link faults on them)
    std::set<uint64_t> racing;   //!< ... of those, the racing RSTs

    // --- bookkeeping ---
    void Fire(const std::string& kind, uint32_t nodeId, const std::string& detail);
    Link& GetLink(Ptr<NetDevice> hostDevice);
    bool Draw(double rate);
    uint32_t DrawAfter(uint32_t first, uint32_t last, uint32_t base);
    Conn* Find(Link& link, const ChimneyFaultTuple& t);
    static ChimneyFaultTuple TupleOf(const WireSegment& w, bool fromHost);
    void LearnHostAddress(Link& link);

    // --- observation (frames as sent) ---
    void OnHostTx(Link* link, Ptr<const Packet> frame);
    void OnFarTx(Far* far, Ptr<const Packet> frame);
    void OnSent(Link& link, const ChimneyFaultFrame& f, bool fromHost);
    Conn& NewConn(Link& link, const ChimneyFaultTuple& t);
    void LinkTriggers(Link& link);
    void ConnTriggers(Link& link, Conn& c, const TcpSegment& s, bool fromHost);

    // --- link faults (frames as they arrive) ---
    ChimneyLinkFaultModel::Verdict JudgeAtHost(Link* link, Ptr<const Packet> frame);
    ChimneyLinkFaultModel::Verdict JudgeAtFar(Far* far, Ptr<const Packet> frame);
    ChimneyLinkFaultModel::Verdict Judge(Link& link, const ChimneyFaultFrame& f, bool fromHost);

    // --- peer, target and host actions ---
    void SendSpoof(Link* link, ChimneyFaultTuple t, Spoof kind);
    void RacingTerminate(Link* link, ChimneyFaultTuple t);
    void HardwareFailure(Link* link);
    void Retrieve(Link* link, ChimneyFaultTuple t);
    void UploadAll(Link* link);
    void TerminateFault(Link* link, OffloadHandle handle, std::string kind);
    void AbortFault(Link* link, OffloadHandle handle);
    void OnResourceAllocated(Link* link,
                             OffloadHandle handle,
                             Ipv4Address local,
                             uint16_t localPort,
                             Ipv4Address remote,
                             uint16_t remotePort,
                             uint64_t bytes);
    void OnResourceFreed(Link* link,
                         OffloadHandle handle,
                         Ipv4Address local,
                         uint16_t localPort,
                         Ipv4Address remote,
                         uint16_t remotePort,
                         uint64_t bytes);
    void OnTargetCompletion(Link* link,
                            std::string operation,
                            OffloadHandle handle,
                            uint64_t id,
                            ChimneyStatus status,
                            uint64_t bytes);
    void OnHostPhase(Link* link,
                     OffloadHandle handle,
                     std::string from,
                     std::string to,
                     std::string detail);
    void OnHostCall(Link* link,
                    std::string operation,
                    OffloadHandle handle,
                    uint64_t id,
                    uint32_t flags,
                    ChimneyStatus returned);
};

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
ChimneyFaultInjector::Impl::Find(Link& link, const ChimneyFaultTuple& t)
{
    auto it = link.conns.find(t);
    return it == link.conns.end() ? nullptr : it->second.get();
}

ChimneyFaultTuple
ChimneyFaultInjector::Impl::TupleOf(const WireSegment& w, bool fromHost)
{
    ChimneyFaultTuple t;
    t.host = fromHost ? w.srcAddress : w.dstAddress;
    t.peer = fromHost ? w.dstAddress : w.srcAddress;
    t.hostPort = fromHost ? w.tcp.srcPort : w.tcp.dstPort;
    t.peerPort = fromHost ? w.tcp.dstPort : w.tcp.srcPort;
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
ChimneyFaultInjector::Impl::NewConn(Link& link, const ChimneyFaultTuple& t)
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
    Conn& ref = *c;
    link.conns[t] = std::move(c);
    return ref;
}

void
ChimneyFaultInjector::Impl::OnSent(Link& link, const ChimneyFaultFrame& f, bool fromHost)
{
    const TcpSegment& s = f.wire.tcp;
    const ChimneyFaultTuple t = TupleOf(f.wire, fromHost);
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
    const ChimneyFaultTuple& t = c.wire.Tuple();
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
}

// ---------------------------------------------------------------------------------------------
// Link faults: frames as they arrive at a receiving device
// ---------------------------------------------------------------------------------------------

ChimneyLinkFaultModel::Verdict
ChimneyFaultInjector::Impl::JudgeAtHost(Link* link, Ptr<const Packet> frame)
{
    ChimneyLinkFaultModel::Verdict pass;
    const bool spoofed = injected.count(frame->GetUid()) != 0;
    if (spoofed && racing.count(frame->GetUid()) != 0)
    {
        // The racing RST arrives: the host terminates at this very instant.
        racing.erase(frame->GetUid());
        ChimneyFaultFrame f;
        if (f.Parse(frame, link->hostModel->GetLinkType()))
        {
            const ChimneyFaultTuple t = TupleOf(f.wire, false);
            Conn* c = Find(*link, t);
            auto handle = link->hostHandles.find(t);
            if (c && handle != link->hostHandles.end())
            {
                if (c->racingTerminateNow)
                {
                    TerminateFault(link, handle->second, "host.terminate-racing-rst");
                }
                else
                {
                    Simulator::ScheduleNow(&Impl::TerminateFault,
                                           this,
                                           link,
                                           handle->second,
                                           std::string("host.terminate-racing-rst"));
                }
            }
        }
    }
    if (spoofed)
    {
        return pass;
    }
    ChimneyFaultFrame f;
    if (!f.Parse(frame, link->hostModel->GetLinkType()) ||
        (link->hostAddress != 0 && f.wire.dstAddress != link->hostAddress))
    {
        return pass;
    }
    return Judge(*link, f, false);
}

ChimneyLinkFaultModel::Verdict
ChimneyFaultInjector::Impl::JudgeAtFar(Far* far, Ptr<const Packet> frame)
{
    ChimneyLinkFaultModel::Verdict pass;
    ChimneyFaultFrame f;
    if (!f.Parse(frame, far->model->GetLinkType()))
    {
        return pass;
    }
    for (Link* link : far->links)
    {
        if (link->hostAddress != 0 && f.wire.srcAddress == link->hostAddress)
        {
            return Judge(*link, f, true);
        }
    }
    return pass;
}

ChimneyLinkFaultModel::Verdict
ChimneyFaultInjector::Impl::Judge(Link& link, const ChimneyFaultFrame& f, bool fromHost)
{
    using Action = ChimneyLinkFaultModel::Action;
    ChimneyLinkFaultModel::Verdict v;
    const TcpSegment& s = f.wire.tcp;
    const ChimneyFaultTuple t = TupleOf(f.wire, fromHost);
    Conn* c = Find(link, t);
    const uint32_t node = link.hostNode;
    auto describe = [&t, &s, fromHost]() {
        return t.ToString() + (fromHost ? " host->peer " : " peer->host ") + s.ToString();
    };
    if (link.peer && link.peer->crashed)
    {
        v.action = Action::DROP; // the crashed peer: silence both ways (fired once, at the crash)
        return v;
    }
    if (c && fromHost && c->blackHole && (c->blackHoleOn || s.Has(TcpSegment::FIN)))
    {
        if (!c->blackHoleOn)
        {
            c->blackHoleOn = true;
            Fire("peer.black-hole", node, describe());
        }
        v.action = Action::DROP;
        return v;
    }
    if (c && c->targeted)
    {
        const char* hit = nullptr;
        if (s.Has(TcpSegment::FIN) && ++c->fins == plan.dropFin)
        {
            hit = "link.drop-fin";
        }
        if (s.Has(TcpSegment::RST) && ++c->rsts == plan.dropRst && !hit)
        {
            hit = "link.drop-rst";
        }
        if (c->wire.AcksFin(s, fromHost) && ++c->finAcks == plan.dropFinAck && !hit)
        {
            hit = "link.drop-fin-ack";
        }
        if (hit)
        {
            Fire(hit, node, describe());
            v.action = Action::DROP;
            return v;
        }
    }
    uint32_t& burst = link.burstLeft[fromHost ? 0 : 1];
    if (burst > 0)
    {
        --burst;
        v.action = Action::DROP;
        return v;
    }
    if (plan.burstRate > 0 && frameRv->GetValue() < plan.burstRate)
    {
        burst = plan.burstLength - 1;
        Fire("link.burst", node, describe());
        v.action = Action::DROP;
        return v;
    }
    if (plan.lossRate > 0 && frameRv->GetValue() < plan.lossRate)
    {
        Fire("link.loss", node, describe());
        v.action = Action::DROP;
        return v;
    }
    if (plan.corruptRate > 0 && frameRv->GetValue() < plan.corruptRate)
    {
        // One byte of the TCP segment; checksums on, so every receiver drops the frame. Not
        // the data offset nor an option byte: ns-3.37's TcpHeader (the ns-3 peer's TCP) parses
        // options before anything checks the checksum, and loops forever on a corrupted option
        // length.
        v.action = Action::CORRUPT;
        const uint32_t payload = f.tcpLength - f.tcpHeaderLength;
        const uint32_t k = frameRv->GetInteger(0, 19 + payload - 1);
        v.offset = f.tcpOffset + (k < 12 ? k : k < 19 ? k + 1 : f.tcpHeaderLength + (k - 19));
        v.mask = static_cast<uint8_t>(frameRv->GetInteger(1, 255));
        Fire("link.corrupt", node, describe());
        return v;
    }
    if (plan.reorderRate > 0 && frameRv->GetValue() < plan.reorderRate)
    {
        v.action = Action::HOLD;
        v.delay = Max(NanoSeconds(1), plan.jitter * frameRv->GetValue());
        Fire("link.reorder",
             node,
             describe() + " held " + std::to_string(v.delay.GetMicroSeconds()) + "us");
        return v;
    }
    if (plan.duplicateRate > 0 && frameRv->GetValue() < plan.duplicateRate)
    {
        v.action = Action::DUPLICATE;
        v.delay = Max(NanoSeconds(1), plan.jitter * frameRv->GetValue());
        Fire("link.duplicate", node, describe());
        return v;
    }
    return v;
}

// ---------------------------------------------------------------------------------------------
// Peer faults: spoofed segments from the far end of the link
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::SendSpoof(Link* link, ChimneyFaultTuple t, Spoof kind)
{
    Conn* c = Find(*link, t);
    if (!c || c->wire.Finished() || c->spoofedReset || !link->farDevice ||
        (link->stack && link->hostHandles.count(t) == 0))
    {
        // Only on a connection both ends still hold: once the host let go of it, it answers a
        // spoofed SYN with RST|ACK, and ns-3's TcpSocketBase (the peer) crashes on that in
        // ESTABLISHED (its persist timer fires on an empty send buffer, ns-3.37).
        return;
    }
    const uint32_t next = c->wire.PeerNext();
    const uint32_t window = c->wire.HostWindow();
    uint32_t seq = next;
    uint8_t flags = TcpSegment::RST;
    const char* name = "peer.rst-exact";
    switch (kind)
    {
    case Spoof::RST_EXACT:
    case Spoof::RST_RACING:
        break;
    case Spoof::RST_IN_WINDOW: {
        // Inside RCV.WND, not at RCV.NXT: RFC 5961 asks for a challenge ACK.
        const uint32_t span = std::min<uint32_t>(window, 1000);
        seq = next + 1 + (span > 2 ? timeRv->GetInteger(0, span - 2) : 0);
        name = "peer.rst-in-window";
        break;
    }
    case Spoof::RST_OUT_OF_WINDOW:
        seq = next + std::max<uint32_t>(window, 65535) + 1 + timeRv->GetInteger(0, 1u << 20);
        name = "peer.rst-out-of-window";
        break;
    case Spoof::SYN:
        flags = TcpSegment::SYN;
        name = "peer.syn";
        break;
    }
    c->spoofedReset = kind == Spoof::RST_EXACT || kind == Spoof::RST_RACING;
    const TcpSegment segment = c->wire.Spoof(flags, seq);
    Ptr<Packet> packet = c->wire.ToDatagram(segment);
    injected.insert(packet->GetUid());
    if (kind == Spoof::RST_RACING)
    {
        racing.insert(packet->GetUid());
    }
    link->farDevice->Send(packet, link->hostDevice->GetAddress(), kIpv4EtherType);
    if (kind != Spoof::RST_RACING)
    {
        std::ostringstream detail;
        detail << t.ToString() << " spoofed " << segment.ToString() << " (peer next " << next
               << ", host window " << window << ")";
        Fire(name, link->hostNode, detail.str());
    }
}

// ---------------------------------------------------------------------------------------------
// Target faults
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::HardwareFailure(Link* link)
{
    if (link->target->HasFailed())
    {
        return;
    }
    const uint32_t offloaded = link->target->GetOffloadedConnectionCount();
    link->target->InjectHardwareFailure();
    Fire("target.hardware-failure",
         link->hostNode,
         std::to_string(offloaded) + " offloaded connections lost");
}

void
ChimneyFaultInjector::Impl::Retrieve(Link* link, ChimneyFaultTuple t)
{
    auto handle = link->targetHandles.find(t);
    Conn* c = Find(*link, t);
    if (!c || handle == link->targetHandles.end())
    {
        return;
    }
    if (link->target->IndicateRetrieve(handle->second, ReasonFromName(c->reason)))
    {
        Fire("target.retrieve", link->hostNode, t.ToString() + " Retrieve(" + c->reason + ")");
    }
}

void
ChimneyFaultInjector::Impl::OnResourceAllocated(Link* link,
                                                OffloadHandle handle,
                                                Ipv4Address local,
                                                uint16_t localPort,
                                                Ipv4Address remote,
                                                uint16_t remotePort,
                                                uint64_t /* bytes */)
{
    link->targetHandles[ChimneyFaultTuple{local.Get(), remote.Get(), localPort, remotePort}] =
        handle;
}

void
ChimneyFaultInjector::Impl::OnResourceFreed(Link* link,
                                            OffloadHandle /* handle */,
                                            Ipv4Address local,
                                            uint16_t localPort,
                                            Ipv4Address remote,
                                            uint16_t remotePort,
                                            uint64_t /* bytes */)
{
    link->targetHandles.erase(ChimneyFaultTuple{local.Get(), remote.Get(), localPort, remotePort});
}

void
ChimneyFaultInjector::Impl::OnTargetCompletion(Link* link,
                                               std::string operation,
                                               OffloadHandle handle,
                                               uint64_t /* id */,
                                               ChimneyStatus status,
                                               uint64_t /* bytes */)
{
    if (link->slow && !link->slowFired)
    {
        link->slowFired = true;
        Fire("target.slow-completion",
             link->hostNode,
             "completions take " + std::to_string(plan.slowCompletion.GetMicroSeconds()) + "us");
    }
    if (plan.capacity > 0 && operation == "OffloadBlock" &&
        status == ChimneyStatus::OFFLOAD_TCP_ENTRIES)
    {
        Fire("target.capacity",
             link->hostNode,
             "offload of handle " + std::to_string(handle) + " refused: table full (" +
                 std::to_string(plan.capacity) + ")");
    }
}

// ---------------------------------------------------------------------------------------------
// Host faults
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::TerminateFault(Link* link, OffloadHandle handle, std::string kind)
{
    if (link->stack->GetPhase(handle) != ChimneyHostStack::Phase::OFFLOADED)
    {
        return;
    }
    const ChimneyStatus status = link->stack->Terminate(handle);
    if (status == ChimneyStatus::PENDING)
    {
        std::ostringstream detail;
        detail << "Terminate(" << handle << ") in "
               << ns3::ToString(link->stack->GetTcpState(handle));
        Fire(kind, link->hostNode, detail.str());
    }
}

void
ChimneyFaultInjector::Impl::AbortFault(Link* link, OffloadHandle handle)
{
    if (link->stack->Disconnect(handle, {}, TCP_DISCONNECT_ABORTIVE_CLOSE) ==
        ChimneyStatus::SUCCESS)
    {
        Fire("host.abort-after-graceful",
             link->hostNode,
             "abortive Disconnect(" + std::to_string(handle) + ") after a graceful one");
    }
}

void
ChimneyFaultInjector::Impl::UploadAll(Link* link)
{
    uint32_t terminated = 0;
    for (const auto& [tuple, handle] : link->hostHandles) // tuple order: deterministic
    {
        if (link->stack->GetPhase(handle) == ChimneyHostStack::Phase::OFFLOADED &&
            link->stack->Terminate(handle) == ChimneyStatus::PENDING)
        {
            ++terminated;
        }
    }
    if (terminated > 0)
    {
        Fire("host.upload-all",
             link->hostNode,
             "terminated " + std::to_string(terminated) + " offloaded connections");
    }
}

void
ChimneyFaultInjector::Impl::OnHostPhase(Link* link,
                                        OffloadHandle handle,
                                        std::string /* from */,
                                        std::string to,
                                        std::string /* detail */)
{
    const ChimneyHostStack::Connection* c = link->stack->Find(handle);
    if (!c)
    {
        return;
    }
    const ChimneyFaultTuple t{c->local.Get(), c->remote.Get(), c->localPort, c->remotePort};
    if (to == "ENDED")
    {
        auto it = link->hostHandles.find(t);
        if (it != link->hostHandles.end() && it->second == handle)
        {
            link->hostHandles.erase(it);
        }
        return;
    }
    link->hostHandles[t] = handle;
}

void
ChimneyFaultInjector::Impl::OnHostCall(Link* link,
                                       std::string operation,
                                       OffloadHandle handle,
                                       uint64_t /* id */,
                                       uint32_t flags,
                                       ChimneyStatus returned)
{
    if (operation != "Disconnect" || flags != TCP_DISCONNECT_GRACEFUL_CLOSE ||
        returned != ChimneyStatus::PENDING)
    {
        return;
    }
    const ChimneyHostStack::Connection* hc = link->stack->Find(handle);
    if (!hc)
    {
        return;
    }
    Conn* c =
        Find(*link,
             ChimneyFaultTuple{hc->local.Get(), hc->remote.Get(), hc->localPort, hc->remotePort});
    if (!c || c->hostFaultDone)
    {
        return;
    }
    c->hostFaultDone = true;
    // After the call returned (SPEC 3.6: never terminate from inside a disconnect call).
    if (c->terminatePending)
    {
        Simulator::ScheduleNow(&Impl::TerminateFault,
                               this,
                               link,
                               handle,
                               std::string("host.terminate-pending-disconnect"));
    }
    if (c->abortAfterGraceful)
    {
        Simulator::ScheduleNow(&Impl::AbortFault, this, link, handle);
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
                            "ns3::ChimneyFaultInjector::FaultTracedCallback");
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
    return 3;
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
                      plan.uploadAllRate > 0;
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
