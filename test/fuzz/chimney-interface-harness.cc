/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The host-interface fuzzer's Harness: building the world, the upcalls it answers, the valid
// calls it makes (test/fuzz/chimney-interface-harness.h).

#include "chimney-interface-harness.h"

namespace chimney_fuzz
{

bool g_trace = false;

[[noreturn]] void
Fail(const std::string& what)
{
    std::fprintf(stderr, "chimney-interface-fuzzer: %s\n", what.c_str());
    std::abort();
}

void
Trace(const std::string& what)
{
    if (g_trace)
    {
        std::fprintf(stderr, "%12.6f %s\n", Simulator::Now().GetSeconds(), what.c_str());
    }
}

void
Harness::OnAccept(Harness* h, Ptr<Socket> s, const Address&)
{
    h->m_peers.push_back(std::make_unique<PeerApp>());
    h->m_peers.back()->Attach(s);
}

void
Harness::OnMisuse(Harness* h, std::string id, OffloadHandle, std::string text)
{
    Trace("  HostMisuse " + id + ": " + text);
    h->m_misuse.push_back(id);
}

void
Harness::OnStateChange(Harness* h, OffloadHandle, std::string, std::string)
{
    ++h->m_stateChanges;
}

void
Harness::OnResource(Harness* h, OffloadHandle, const ChimneyFourTuple&, uint64_t)
{
    ++h->m_resourceEvents;
}

void
Harness::OnRequest(Harness* h,
                   ChimneyOp op,
                   OffloadHandle,
                   uint64_t,
                   uint32_t,
                   ChimneyStatus status)
{
    h->m_lastRequestOp = op;
    h->m_lastRequestStatus = status;
}

void
Harness::Build(uint32_t connections)
{
    // ns-3 3.37's TcpSocketBase (the peer) dereferences an empty send buffer in PersistTimeout
    // when it closes during a zero-window probe; no run lasts long enough to reach it now.
    Config::SetDefault("ns3::TcpSocket::PersistTimeout", TimeValue(Seconds(100000)));
    m_nodes.Create(2);
    if (m_csma)
    {
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", StringValue("10Mbps"));
        csma.SetChannelAttribute("Delay", StringValue("50us"));
        m_links = csma.Install(m_nodes);
        csma.AssignStreams(m_links, 1000); // backoffs independent of earlier inputs
    }
    else
    {
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("2ms"));
        m_links = p2p.Install(m_nodes);
    }
    ChimneyHelper chimney;
    chimney.SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    if (const char* defect = std::getenv("CHIMNEY_FUZZ_DEFECT")) // the harness's self-test
    {
        chimney.SetDeviceAttribute("Defect", StringValue(defect));
    }
    m_target =
        DynamicCast<ChimneyNetDevice>(chimney.Install(NetDeviceContainer(m_links.Get(0))).Get(0));
    InternetStackHelper internet;
    internet.Install(m_nodes);
    internet.AssignStreams(m_nodes, 2000); // independent of earlier inputs (libFuzzer: one process)
    Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
    NetDeviceContainer ipDevices(m_target);
    ipDevices.Add(m_links.Get(1));
    m_ifaces = address.Assign(ipDevices);
    void (*capture)(std::vector<WireEntry>*, bool, Ptr<const Packet>) =
        m_csma ? &CaptureWire<CsmaLink> : &CaptureWire<P2pLink>;
    m_links.Get(0)->TraceConnectWithoutContext("PhyTxBegin",
                                               MakeBoundCallback(capture, &m_wire, true));

    m_verifier = CreateObject<ChimneyVerifier>();
    m_verifier->AttachDevice(m_target);
    m_target->SetOffloadClient(this);
    m_target->TraceConnectWithoutContext("HostMisuse", MakeBoundCallback(&OnMisuse, this));
    m_target->TraceConnectWithoutContext("ConnectionState",
                                         MakeBoundCallback(&OnStateChange, this));
    m_target->TraceConnectWithoutContext("ResourceAllocated", MakeBoundCallback(&OnResource, this));
    m_target->TraceConnectWithoutContext("ResourceFreed", MakeBoundCallback(&OnResource, this));
    m_target->TraceConnectWithoutContext("Request", MakeBoundCallback(&OnRequest, this));

    m_adapter = CreateObject<EngineL4Adapter>();
    m_adapter->Install(m_nodes.Get(0));
    m_config.timestamps = false; // raw segments need no TS option to be acceptable
    m_config.timeWaitNs = 2'000'000'000;
    for (uint32_t i = 0; i < 2; ++i)
    {
        m_nodes.Get(i)->Initialize();
    }
    m_listener = ListenTcp(m_nodes.Get(1), kPeerPort, MakeBoundCallback(&OnAccept, this));
    m_slots.resize(connections);
    for (uint32_t i = 0; i < connections; ++i)
    {
        Slot& s = m_slots[i];
        s.port = static_cast<uint16_t>(kFirstPort + i);
        s.handle = 100 + i;
        s.software = &m_adapter->Connect(m_ifaces.GetAddress(0),
                                         s.port,
                                         m_ifaces.GetAddress(1),
                                         kPeerPort,
                                         m_config,
                                         1000000u * (i + 1));
    }
    Advance(MilliSeconds(50));
    for (Slot& s : m_slots)
    {
        if (s.software->engine->State() == TcpState::Established)
        {
            s.phase = Slot::Phase::Software;
        }
    }
}

void
Harness::Advance(Time t)
{
    Simulator::Stop(t);
    Simulator::Run();
}

Slot*
Harness::Pick(uint8_t b)
{
    return m_slots.empty() ? nullptr : &m_slots[b % m_slots.size()];
}

Slot*
Harness::FindSlot(OffloadHandle handle)
{
    for (Slot& s : m_slots)
    {
        if (s.handle == handle)
        {
            return &s;
        }
    }
    return nullptr;
}

PeerApp*
Harness::PeerFor(uint16_t port)
{
    for (auto& p : m_peers)
    {
        Address a;
        if (p->socket->GetPeerName(a) == 0 && InetSocketAddress::ConvertFrom(a).GetPort() == port)
        {
            return p.get();
        }
    }
    return nullptr;
}

std::vector<uint8_t>
Harness::Data(size_t n)
{
    std::vector<uint8_t> out(n);
    for (auto& b : out)
    {
        b = static_cast<uint8_t>(m_byte++ * 131u + 7u);
    }
    return out;
}

Ptr<OffloadBlockList>
Harness::Blocks(const Slot& s, const TcpDelegatedState& state, uint64_t id)
{
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = m_ifaces.GetAddress(1);
    neighbor.linkAddress = m_links.Get(1)->GetAddress();
    PathOffloadBlock path;
    path.source = m_ifaces.GetAddress(0);
    path.destination = m_ifaces.GetAddress(1);
    TcpOffloadBlock tcp;
    tcp.handle = s.handle;
    tcp.localPort = s.port;
    tcp.remotePort = kPeerPort;
    tcp.cached.initialRcvWnd = m_config.rcvBufSize;
    tcp.delegated = state;
    auto list = OffloadBlockList::ForOneConnection(neighbor, path, tcp);
    list->id = id;
    return list;
}

Ptr<OffloadBlockList>
Harness::TerminateList(const std::vector<Slot*>& slots)
{
    auto list = Create<OffloadBlockList>();
    list->id = m_nextId++;
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = m_ifaces.GetAddress(1);
    PathOffloadBlock path;
    path.source = m_ifaces.GetAddress(0);
    path.destination = m_ifaces.GetAddress(1);
    for (Slot* s : slots)
    {
        TcpOffloadBlock tcp;
        tcp.handle = s->handle;
        tcp.localPort = s->port;
        tcp.remotePort = kPeerPort;
        path.connections.push_back(tcp);
    }
    neighbor.paths.push_back(path);
    list->neighbors.push_back(neighbor);
    return list;
}

// --- upcalls -----------------------------------------------------------------------------

void
Harness::Upcall(const char* what, OffloadHandle handle)
{
    Trace(std::string("  upcall ") + what + " h=" + std::to_string(handle));
    if (m_inCall)
    {
        Fail(std::string(what) + " upcall from inside a request call (A1)");
    }
    ++m_upcalls;
}

void
Harness::Completed(const char* what, OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    for (Ptr<NetBufferList> n = nbl; n; n = n->next)
    {
        if (m_refused.count(PeekPointer(n)) != 0)
        {
            Fail(std::string(what) + " completion of a refused NBL (h=" + std::to_string(handle) +
                 ")");
        }
        if (m_issued.erase(PeekPointer(n)) == 0)
        {
            Fail(std::string(what) + " completion of an NBL never posted or already completed");
        }
    }
}

void
Harness::InitiateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    Upcall("OffloadComplete", 0);
    blocks->ForEachTcp([this](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
        Slot* s = FindSlot(tcp.handle);
        if (s == nullptr || s->phase != Slot::Phase::Offloading)
        {
            Fail("offload completion for a connection not being offloaded");
        }
        if (tcp.status == ChimneyStatus::SUCCESS)
        {
            s->phase = Slot::Phase::Offloaded;
            return;
        }
        // SPEC 3.1: the connection stays in software, untouched.
        s->software = &m_adapter->Adopt(m_ifaces.GetAddress(0),
                                        s->port,
                                        m_ifaces.GetAddress(1),
                                        kPeerPort,
                                        m_config,
                                        tcp.delegated);
        s->phase = Slot::Phase::Software;
    });
}

void
Harness::TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Upcall("SendComplete", handle);
    Completed("Send", handle, nbls);
}

void
Harness::TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Upcall("ReceiveComplete", handle);
    Completed("Receive", handle, nbls);
}

void
Harness::TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    Upcall("DisconnectComplete", handle);
    Completed("Disconnect", handle, nbl);
    if (Slot* s = FindSlot(handle))
    {
        --s->disconnectsPending;
        s->finAcked = s->finAcked || (nbl->status == ChimneyStatus::SUCCESS && !s->abortive);
    }
}

void
Harness::TerminateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    Upcall("TerminateComplete", 0);
    blocks->ForEachTcp([this](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
        Slot* s = FindSlot(tcp.handle);
        if (s == nullptr || s->phase != Slot::Phase::Terminating)
        {
            Fail("terminate completion for a connection not being terminated");
        }
        // The returned send chain completes the NBLs it holds (A9).
        Completed("SendReturned", tcp.handle, tcp.sendDataHead);
        s->phase = Slot::Phase::Done;
    });
}

void
Harness::TcpOffloadEvent(OffloadHandle handle, ChimneyEvent event, ChimneyUploadReason reason)
{
    Upcall(event == ChimneyEvent::DISCONNECT ? "Event Disconnect"
           : event == ChimneyEvent::ABORT    ? "Event Abort"
                                             : "Event Retrieve",
           handle);
    Slot* s = FindSlot(handle);
    if (s && event == ChimneyEvent::DISCONNECT)
    {
        s->remoteFin = true;
    }
    if (s && event == ChimneyEvent::ABORT)
    {
        s->aborted = true;
    }
    if (s && event == ChimneyEvent::RETRIEVE && reason != ChimneyUploadReason::NONE)
    {
        s->retrieved = true;
    }
    if (s == nullptr ||
        (s->phase != Slot::Phase::Offloaded && s->phase != Slot::Phase::Terminating))
    {
        Fail("indication for a connection that is not offloaded (A10)");
    }
}

// --- calls -------------------------------------------------------------------------------

ChimneyStatus
Harness::Call(const std::function<ChimneyStatus()>& f)
{
    m_inCall = true;
    const ChimneyStatus status = f();
    m_inCall = false;
    return status;
}

void
Harness::Valid(const std::string& what, ChimneyStatus status)
{
    Trace(what + " -> " + ToString(status));
    if (status != ChimneyStatus::PENDING)
    {
        Fail("valid call " + what + " returned " + ToString(status) + " (A1)");
    }
}

Snapshot
Harness::Snap() const
{
    Snapshot s;
    s.held = m_target->GetResourcesHeld();
    s.bytes = m_target->GetResourceBytesHeld();
    s.offloaded = m_target->GetOffloadedConnectionCount();
    for (const Slot& slot : m_slots)
    {
        TcpState state;
        s.states.push_back(m_target->GetTcpState(slot.handle, state) ? static_cast<int>(state)
                                                                     : -1);
    }
    s.upcalls = m_upcalls;
    s.stateChanges = m_stateChanges;
    s.resourceEvents = m_resourceEvents;
    return s;
}

bool
Harness::Offloadable(const Slot& s) const
{
    switch (s.software->engine->State())
    {
    case TcpState::Established:
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::CloseWait:
    case TcpState::Closing:
    case TcpState::LastAck:
        return true; // SPEC 2: the states an offload may start in
    default:
        return false;
    }
}

void
Harness::Offload(Slot& s)
{
    const TcpDelegatedState state = m_adapter->Detach(*s.software);
    s.software = nullptr;
    // The remote's FIN arrived in software: no Disconnect indication will say so.
    s.remoteFin = state.state == TcpState::CloseWait || state.state == TcpState::Closing ||
                  state.state == TcpState::LastAck;
    s.offloadList = Blocks(s, state, m_nextId++);
    s.phase = Slot::Phase::Offloading;
    Ptr<OffloadBlockList> list = s.offloadList;
    Valid("InitiateOffload h=" + std::to_string(s.handle),
          Call([&]() { return m_target->InitiateOffload(list); }));
}

void
Harness::Terminate(const std::vector<Slot*>& slots)
{
    if (slots.empty())
    {
        return;
    }
    Ptr<OffloadBlockList> list = TerminateList(slots);
    std::string what = "TerminateOffload";
    for (Slot* s : slots)
    {
        s->phase = Slot::Phase::Terminating;
        what += " h=" + std::to_string(s->handle);
    }
    Valid(what, Call([&]() { return m_target->TerminateOffload(list); }));
}

void
Harness::RawSegment(Slot& s, uint8_t kind, uint8_t arg)
{
    // The target's last segment on this connection gives RCV.NXT (its ACK) and SND.NXT.
    const WireEntry* last = nullptr;
    for (auto it = m_wire.rbegin(); it != m_wire.rend(); ++it)
    {
        if (it->fromTarget && it->tcp.srcPort == s.port)
        {
            last = &*it;
            break;
        }
    }
    if (last == nullptr)
    {
        return;
    }
    TcpSegment seg;
    seg.srcPort = kPeerPort;
    seg.dstPort = s.port;
    seg.seq = last->tcp.ack;
    seg.ack = last->tcp.seq + static_cast<uint32_t>(last->tcp.payload.size());
    seg.window = 65535;
    switch (kind % 8)
    {
    case 0: // RST exactly at RCV.NXT: acceptable (A8)
        seg.flags = TcpSegment::RST;
        break;
    case 1: // RST in the window, not exact: a challenge ACK (RFC 5961)
        seg.flags = TcpSegment::RST;
        seg.seq += 1 + arg;
        break;
    case 2: // RST outside the window: dropped
        seg.flags = TcpSegment::RST;
        seg.seq -= 1000000u + arg;
        break;
    case 3: // in-order SYN: Retrieve(InvalidState)
        seg.flags = TcpSegment::SYN;
        break;
    case 4: // data beyond the receive window: dropped (bytes the peer never sent, so never
            // inside the window, where they would differ from the peer's stream)
        seg.flags = TcpSegment::ACK;
        seg.seq += 400000u + arg * 7u;
        seg.payload.assign(1 + arg % 64, 0x5a);
        break;
    case 5: // old data wholly below RCV.NXT: trimmed away, acknowledged again
        seg.flags = TcpSegment::ACK;
        seg.payload.assign(1 + arg % 32, 0x33);
        seg.seq -= static_cast<uint32_t>(seg.payload.size()) + 100000u + arg;
        break;
    case 6: // ACK of something never sent: the target answers with an ACK (W10 ignores it)
        seg.flags = TcpSegment::ACK;
        seg.ack += 1 + arg * 1000u;
        break;
    default: // duplicate ACK
        seg.flags = TcpSegment::ACK;
        break;
    }
    Trace("raw segment kind " + std::to_string(kind % 8) + " to port " + std::to_string(s.port));
    Ptr<Packet> p = ToPacket(seg, m_ifaces.GetAddress(1), m_ifaces.GetAddress(0));
    m_nodes.Get(1)->GetObject<Ipv4L3Protocol>()->Send(p,
                                                      m_ifaces.GetAddress(1),
                                                      m_ifaces.GetAddress(0),
                                                      6,
                                                      nullptr);
}

} // namespace chimney_fuzz
