/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-host-stack.h"

#include "chimney-net-device.h"
#include "chimney-ns3-compat.h"
#include "chimney-socket.h"
#include "tcp-segment-packet.h"

#include "ns3/abort.h"
#include "ns3/arp-cache.h"
#include "ns3/boolean.h"
#include "ns3/enum.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-route.h"
#include "ns3/ipv4-routing-protocol.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyHostStack");

NS_OBJECT_ENSURE_REGISTERED(ChimneyHostStack);

namespace
{

int64_t
NowNs()
{
    return Simulator::Now().GetNanoSeconds();
}

/// Appends the first `bytes` bytes of an NBL's buffers to a byte queue.
void
AppendNblData(const NetBufferList& nbl, uint64_t bytes, std::deque<uint8_t>& out)
{
    for (const NetBuffer& b : nbl.buffers)
    {
        const uint64_t take = std::min<uint64_t>(bytes, b.data.size());
        out.insert(out.end(), b.data.begin(), b.data.begin() + static_cast<ptrdiff_t>(take));
        bytes -= take;
        if (bytes == 0)
        {
            break;
        }
    }
}

/// Receive buffers of completed receive NBLs, for the next posts: a completed NBL belongs to the
/// host again (as in NDIS), and allocating and zeroing a fresh ReceiveBufferSize buffer for
/// every post was the offloaded receive path's largest cost. Bounded; contents are stale (the
/// target fills, and everyone reads, only the first bytesTransferred bytes).
std::vector<std::vector<uint8_t>>&
SpareReceiveBuffers()
{
    static std::vector<std::vector<uint8_t>> spares;
    return spares;
}

constexpr size_t kMaxSpareReceiveBuffers = 64;

/// A receive NBL of `capacity` bytes, on a spare buffer when one of that size is at hand.
Ptr<NetBufferList>
NewReceiveNbl(uint32_t capacity, uint64_t id)
{
    auto& spares = SpareReceiveBuffers();
    if (spares.empty() || spares.back().size() != capacity)
    {
        return NetBufferList::CreateReceive(capacity, id);
    }
    Ptr<NetBufferList> nbl = Create<NetBufferList>();
    nbl->id = id;
    nbl->buffers.push_back(NetBuffer{std::move(spares.back())});
    spares.pop_back();
    return nbl;
}

/// Keep the buffers of a completed receive NBL (already copied out) for NewReceiveNbl().
void
RecycleReceiveNbl(NetBufferList& nbl, uint32_t capacity)
{
    auto& spares = SpareReceiveBuffers();
    for (NetBuffer& b : nbl.buffers)
    {
        if (spares.size() < kMaxSpareReceiveBuffers && b.data.size() == capacity)
        {
            spares.push_back(std::move(b.data));
        }
    }
}

} // namespace

TypeId
ChimneyHostStack::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ChimneyHostStack")
            .SetParent<IpL4Protocol>()
            .SetGroupName("Chimney")
            .AddConstructor<ChimneyHostStack>()
            .AddAttribute("OffloadPolicy",
                          "When a connection established in software is offloaded.",
                          EnumValue(OffloadPolicy::AT_ESTABLISHED),
                          CHIMNEY_MAKE_ENUM_ACCESSOR(OffloadPolicy, &ChimneyHostStack::m_policy),
                          MakeEnumChecker(OffloadPolicy::AT_ESTABLISHED,
                                          "AtEstablished",
                                          OffloadPolicy::AFTER_BYTES,
                                          "AfterBytes",
                                          OffloadPolicy::NEVER,
                                          "Never"))
            .AddAttribute("OffloadAfterBytes",
                          "Policy AfterBytes: offload once this many bytes were acknowledged "
                          "plus received in software.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&ChimneyHostStack::m_offloadAfterBytes),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("SegmentSize",
                          "MSS announced and used in software (ns-3 TcpSocket default: 536).",
                          UintegerValue(536),
                          MakeUintegerAccessor(&ChimneyHostStack::m_segmentSize),
                          MakeUintegerChecker<uint32_t>(64, 65495))
            .AddAttribute("SndBufSize",
                          "Bytes an application may have queued or unacknowledged.",
                          UintegerValue(131072),
                          MakeUintegerAccessor(&ChimneyHostStack::m_sndBufSize),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("RcvBufSize",
                          "Receive buffer: the window offered in software and the initial "
                          "receive window handed to the offload target.",
                          UintegerValue(131072),
                          MakeUintegerAccessor(&ChimneyHostStack::m_rcvBufSize),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("ReceiveBufferSize",
                          "Bytes of each receive NBL posted to an offloaded connection.",
                          UintegerValue(16384),
                          MakeUintegerAccessor(&ChimneyHostStack::m_receiveBufferSize),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("ReceiveBuffersPosted",
                          "Receive NBLs kept posted to an offloaded connection (0: none, "
                          "only those posted with PostReceive).",
                          UintegerValue(4),
                          MakeUintegerAccessor(&ChimneyHostStack::m_receiveBuffersPosted),
                          MakeUintegerChecker<uint32_t>(0))
            .AddAttribute("TimeWait",
                          "TIME_WAIT duration (2*MSL) in software.",
                          TimeValue(Seconds(120)),
                          MakeTimeAccessor(&ChimneyHostStack::m_timeWait),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("DelayedAckTimeout",
                          "Delayed-ACK timeout in software.",
                          TimeValue(MilliSeconds(200)),
                          MakeTimeAccessor(&ChimneyHostStack::m_delayedAckTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("FinWait2Timeout",
                          "FIN_WAIT_2 timer, in software and handed to the target (0: none).",
                          TimeValue(Seconds(0)),
                          MakeTimeAccessor(&ChimneyHostStack::m_finWait2Timeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("MaxRetransmits",
                          "Retransmission timeouts before the connection times out "
                          "(offloaded: Retrieve(TimeoutExpiration)).",
                          UintegerValue(6),
                          MakeUintegerAccessor(&ChimneyHostStack::m_maxRetransmits),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("Timestamps",
                          "Offer RFC 7323 timestamps.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ChimneyHostStack::m_timestamps),
                          MakeBooleanChecker())
            .AddAttribute("WindowScaling",
                          "Offer RFC 7323 window scaling.",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ChimneyHostStack::m_windowScaling),
                          MakeBooleanChecker())
            .AddAttribute("HonourOptionalRetrieve",
                          "Upload on a Retrieve with an optional reason (LowActivity, ...); "
                          "mandatory reasons are always honoured.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&ChimneyHostStack::m_honourOptionalRetrieve),
                          MakeBooleanChecker())
            .AddTraceSource("Call",
                            "A request this stack made of the layer below, and its return.",
                            MakeTraceSourceAccessor(&ChimneyHostStack::m_callTrace),
                            "ns3::ChimneyHostStack::CallTracedCallback")
            .AddTraceSource("Upcall",
                            "A completion this stack received.",
                            MakeTraceSourceAccessor(&ChimneyHostStack::m_upcallTrace),
                            "ns3::ChimneyHostStack::UpcallTracedCallback")
            .AddTraceSource("NblCall",
                            "Observation only: each NBL object of a request, before the call.",
                            MakeTraceSourceAccessor(&ChimneyHostStack::m_nblCallTrace),
                            "ns3::ChimneyHostStack::NblTracedCallback")
            .AddTraceSource("NblUpcall",
                            "Observation only: each NBL object of a completion received.",
                            MakeTraceSourceAccessor(&ChimneyHostStack::m_nblUpcallTrace),
                            "ns3::ChimneyHostStack::NblTracedCallback")
            .AddTraceSource("Event",
                            "An indication (Disconnect, Abort, Retrieve) this stack received.",
                            MakeTraceSourceAccessor(&ChimneyHostStack::m_eventTrace),
                            "ns3::ChimneyHostStack::EventTracedCallback")
            .AddTraceSource("PhaseChange",
                            "A connection moved between software, offloaded and ended.",
                            MakeTraceSourceAccessor(&ChimneyHostStack::m_phaseTrace),
                            "ns3::ChimneyHostStack::PhaseTracedCallback");
    return tid;
}

ChimneyHostStack::ChimneyHostStack()
{
    m_issRandom = CreateObject<UniformRandomVariable>();
}

ChimneyHostStack::~ChimneyHostStack() = default;

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

void
ChimneyHostStack::Install(Ptr<ChimneyNetDevice> device)
{
    NS_ABORT_MSG_IF(!device, "ChimneyHostStack::Install: null device");
    NS_ABORT_MSG_IF(m_device, "ChimneyHostStack::Install: already installed (one per node)");
    m_node = device->GetNode();
    NS_ABORT_MSG_IF(!m_node, "ChimneyHostStack::Install: the device is not on a node");
    m_ipv4 = m_node->GetObject<Ipv4L3Protocol>();
    NS_ABORT_MSG_IF(!m_ipv4,
                    "ChimneyHostStack::Install: node " << m_node->GetId()
                                                       << " has no Internet stack");
    const int32_t ifIndex = m_ipv4->GetInterfaceForDevice(device);
    NS_ABORT_MSG_IF(ifIndex < 0,
                    "ChimneyHostStack::Install: the chimney device of node "
                        << m_node->GetId()
                        << " has no IPv4 interface (assign addresses on the chimney devices "
                           "before installing the stack)");
    m_device = device;
    m_ifIndex = static_cast<uint32_t>(ifIndex);
    // TCP on this interface only: other interfaces keep ns-3's TcpL4Protocol.
    m_ipv4->Insert(this, m_ifIndex);
    SetDownTarget(MakeCallback(&Ipv4::Send, PeekPointer(m_ipv4)));
    SetLowerLayer(PeekPointer(device));
}

void
ChimneyHostStack::SetLowerLayer(ChimneyOffloadProvider* lower)
{
    m_lower = lower;
    if (m_lower != nullptr)
    {
        m_lower->SetOffloadClient(this);
    }
}

ChimneyOffloadProvider*
ChimneyHostStack::GetLowerLayer() const
{
    return m_lower;
}

Ptr<ChimneyNetDevice>
ChimneyHostStack::GetDevice() const
{
    return m_device;
}

Ptr<Node>
ChimneyHostStack::GetNode() const
{
    return m_node;
}

Ipv4Address
ChimneyHostStack::GetLocalAddress() const
{
    NS_ABORT_MSG_IF(!m_ipv4, "ChimneyHostStack: not installed");
    return m_ipv4->GetAddress(m_ifIndex, 0).GetLocal();
}

Ptr<ChimneySocket>
ChimneyHostStack::CreateSocket()
{
    Ptr<ChimneySocket> socket = CreateObject<ChimneySocket>();
    socket->SetStack(this);
    return socket;
}

int64_t
ChimneyHostStack::AssignStreams(int64_t stream)
{
    m_issRandom->SetStream(stream);
    return 1;
}

void
ChimneyHostStack::DoDispose()
{
    for (auto& entry : m_connections)
    {
        entry.second->timer.Cancel();
        entry.second->socket = nullptr;
    }
    m_connections.clear();
    m_byTuple.clear();
    m_listeners.clear();
    m_blockOwners.clear();
    if (m_device && m_lower == PeekPointer(m_device))
    {
        m_device->SetOffloadClient(nullptr);
    }
    m_lower = nullptr;
    m_device = nullptr;
    m_ipv4 = nullptr;
    m_node = nullptr;
    m_down = DownTargetCallback();
    m_down6 = DownTargetCallback6();
    IpL4Protocol::DoDispose();
}

TcpEngineConfig
ChimneyHostStack::EngineConfig() const
{
    TcpEngineConfig config;
    config.mss = static_cast<uint16_t>(m_segmentSize);
    config.sndBufSize = m_sndBufSize;
    config.rcvBufSize = m_rcvBufSize;
    config.timeWaitNs = m_timeWait.GetNanoSeconds();
    config.delayedAckTimeoutNs = m_delayedAckTimeout.GetNanoSeconds();
    config.finWait2TimeoutNs = m_finWait2Timeout.GetNanoSeconds();
    config.maxRetransmits = m_maxRetransmits;
    config.timestamps = m_timestamps;
    config.windowScaling = m_windowScaling;
    return config;
}

uint64_t
ChimneyHostStack::Key(uint16_t localPort, Ipv4Address remote, uint16_t remotePort)
{
    return (static_cast<uint64_t>(remote.Get()) << 32) | (static_cast<uint64_t>(localPort) << 16) |
           remotePort;
}

uint64_t
ChimneyHostStack::NextNblId()
{
    return m_nextNblId++;
}

ChimneyHostStack::Connection*
ChimneyHostStack::Get(OffloadHandle handle)
{
    auto it = m_connections.find(handle);
    return it == m_connections.end() ? nullptr : it->second.get();
}

const ChimneyHostStack::Connection*
ChimneyHostStack::Get(OffloadHandle handle) const
{
    auto it = m_connections.find(handle);
    return it == m_connections.end() ? nullptr : it->second.get();
}

const ChimneyHostStack::Connection*
ChimneyHostStack::Find(OffloadHandle handle) const
{
    return Get(handle);
}

ChimneyHostStack::Phase
ChimneyHostStack::GetPhase(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    return c ? c->phase : Phase::ENDED;
}

ChimneyHostStack::Outcome
ChimneyHostStack::GetOutcome(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    if (c)
    {
        return c->outcome;
    }
    auto it = m_outcomes.find(handle);
    return it == m_outcomes.end() ? Outcome::OPEN : it->second;
}

TcpState
ChimneyHostStack::GetTcpState(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    if (!c)
    {
        return TcpState::Closed;
    }
    return c->engine ? c->engine->State() : c->lastState;
}

uint32_t
ChimneyHostStack::GetOpenConnectionCount() const
{
    uint32_t n = 0;
    for (const auto& entry : m_connections)
    {
        n += entry.second->phase != Phase::ENDED ? 1 : 0;
    }
    return n;
}

uint32_t
ChimneyHostStack::GetOffloadedConnectionCount() const
{
    return m_offloaded;
}

const char*
ChimneyHostStack::ToString(Phase phase)
{
    switch (phase)
    {
    case Phase::SOFTWARE:
        return "SOFTWARE";
    case Phase::OFFLOADING:
        return "OFFLOADING";
    case Phase::OFFLOADED:
        return "OFFLOADED";
    case Phase::TERMINATING:
        return "TERMINATING";
    case Phase::ENDED:
        return "ENDED";
    }
    return "?";
}

const char*
ChimneyHostStack::ToString(Outcome outcome)
{
    switch (outcome)
    {
    case Outcome::OPEN:
        return "OPEN";
    case Outcome::CLOSED:
        return "CLOSED";
    case Outcome::ABORTED:
        return "ABORTED";
    case Outcome::RESET:
        return "RESET";
    case Outcome::TIMED_OUT:
        return "TIMED_OUT";
    case Outcome::FAILED:
        return "FAILED";
    case Outcome::REFUSED:
        return "REFUSED";
    }
    return "?";
}

void
ChimneyHostStack::SetPhase(Connection& c, Phase phase, const std::string& detail)
{
    if (c.phase == phase)
    {
        return;
    }
    const Phase old = c.phase;
    c.phase = phase;
    m_phaseTrace(c.handle, ToString(old), ToString(phase), detail);
}

// ---------------------------------------------------------------------------------------------
// Opening
// ---------------------------------------------------------------------------------------------

uint16_t
ChimneyHostStack::AllocateEphemeralPort()
{
    for (uint32_t tries = 0; tries < 16384; ++tries)
    {
        const uint16_t port = m_nextEphemeral;
        m_nextEphemeral = m_nextEphemeral == 65535 ? 49152 : m_nextEphemeral + 1;
        if (m_listeners.count(port) == 0 && m_portsInUse.count(port) == 0)
        {
            return port;
        }
    }
    return 0;
}

ChimneyHostStack::Connection&
ChimneyHostStack::NewConnection(uint16_t localPort, Ipv4Address remote, uint16_t remotePort)
{
    auto c = std::make_unique<Connection>();
    c->handle = m_nextHandle++;
    if (m_nextHandle == INVALID_OFFLOAD_HANDLE)
    {
        m_nextHandle = 1;
    }
    c->local = GetLocalAddress();
    c->remote = remote;
    c->localPort = localPort;
    c->remotePort = remotePort;
    c->openedAt = Simulator::Now();
    c->engine = std::make_unique<TcpEngine>(EngineConfig(),
                                            localPort,
                                            remotePort,
                                            m_issRandom->GetInteger(0, 0xffffffffU));
    Connection& ref = *c;
    m_byTuple[Key(localPort, remote, remotePort)] = ref.handle;
    ++m_portsInUse[localPort];
    m_connections.emplace(ref.handle, std::move(c));
    m_phaseTrace(ref.handle, "", ToString(Phase::SOFTWARE), "opened");
    return ref;
}

OffloadHandle
ChimneyHostStack::Connect(Ptr<ChimneySocket> socket,
                          uint16_t localPort,
                          Ipv4Address remote,
                          uint16_t remotePort)
{
    NS_LOG_FUNCTION(this << localPort << remote << remotePort);
    if (localPort == 0)
    {
        localPort = AllocateEphemeralPort();
    }
    if (localPort == 0 || m_byTuple.count(Key(localPort, remote, remotePort)) != 0)
    {
        return INVALID_OFFLOAD_HANDLE;
    }
    Connection& c = NewConnection(localPort, remote, remotePort);
    c.socket = socket;
    c.engine->Connect(NowNs());
    Flush(c);
    return c.handle;
}

bool
ChimneyHostStack::Listen(Ptr<ChimneySocket> socket, uint16_t port)
{
    return m_listeners.emplace(port, socket).second;
}

void
ChimneyHostStack::Unlisten(uint16_t port)
{
    m_listeners.erase(port);
}

void
ChimneyHostStack::Accept(Connection& c)
{
    auto listener = m_listeners.find(c.localPort);
    if (listener == m_listeners.end())
    {
        // The listener closed during the handshake: nobody will ever read this connection.
        c.abortRequested = true;
        c.engine->Abort(NowNs());
        return;
    }
    Ptr<ChimneySocket> socket = CreateSocket();
    socket->AttachAccepted(c.handle, c.remote, c.remotePort, c.localPort);
    c.socket = socket;
    c.accepted = true;
    listener->second->OnNewConnection(socket, InetSocketAddress(c.remote, c.remotePort));
}

void
ChimneyHostStack::ReleaseSocket(OffloadHandle handle)
{
    if (Connection* c = Get(handle))
    {
        c->socket = nullptr;
        c->recvShutdown = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Software engine
// ---------------------------------------------------------------------------------------------

void
ChimneyHostStack::TransmitSegment(const Connection& c, const TcpSegment& segment)
{
    m_down(ToPacket(segment, c.local, c.remote), c.local, c.remote, 6, nullptr);
}

void
ChimneyHostStack::Flush(Connection& c)
{
    // Events may call back into the application, which may call into this connection again:
    // every pass re-checks that the engine is still here.
    for (int round = 0; round < 1000 && c.engine; ++round)
    {
        for (const TcpSegment& segment : c.engine->TakeSegments())
        {
            TransmitSegment(c, segment);
        }
        for (const TcpEvent& event : c.engine->TakeEvents())
        {
            HandleEngineEvent(c, event);
            if (!c.engine)
            {
                return;
            }
        }
        if (!c.engine->HasOutput())
        {
            break;
        }
    }
    ArmEngineTimer(c);
}

void
ChimneyHostStack::ArmEngineTimer(Connection& c)
{
    c.timer.Cancel();
    if (!c.engine || c.phase != Phase::SOFTWARE)
    {
        return;
    }
    const int64_t deadline = c.engine->NextDeadline();
    if (deadline >= 0)
    {
        const int64_t delay = std::max<int64_t>(0, deadline - NowNs());
        c.timer = Simulator::Schedule(NanoSeconds(delay),
                                      &ChimneyHostStack::OnEngineTimer,
                                      this,
                                      c.handle);
    }
}

void
ChimneyHostStack::OnEngineTimer(OffloadHandle handle)
{
    Connection* c = Get(handle);
    if (c && c->engine && c->phase == Phase::SOFTWARE)
    {
        c->engine->OnTimer(NowNs());
        Flush(*c);
    }
}

void
ChimneyHostStack::HandleEngineEvent(Connection& c, const TcpEvent& event)
{
    switch (event.kind)
    {
    case TcpEvent::Kind::Established:
        c.established = true;
        if (c.passive)
        {
            Accept(c);
        }
        else if (c.socket)
        {
            c.socket->OnConnected();
        }
        Simulator::ScheduleNow(&ChimneyHostStack::MaybeOffloadByPolicy, this, c.handle);
        break;
    case TcpEvent::Kind::DataReadable:
        c.bytesReceived += event.bytes;
        NotifyReadable(c);
        if (m_policy == OffloadPolicy::AFTER_BYTES)
        {
            Simulator::ScheduleNow(&ChimneyHostStack::MaybeOffloadByPolicy, this, c.handle);
        }
        break;
    case TcpEvent::Kind::BytesAcked:
        c.bytesAcked += event.bytes;
        FeedEngine(c);
        if (c.socket && event.bytes > 0)
        {
            c.socket->OnDataSent(static_cast<uint32_t>(event.bytes));
        }
        NotifyWritable(c);
        if (m_policy == OffloadPolicy::AFTER_BYTES)
        {
            Simulator::ScheduleNow(&ChimneyHostStack::MaybeOffloadByPolicy, this, c.handle);
        }
        break;
    case TcpEvent::Kind::FinAcked:
        c.gracefulDone = true;
        break;
    case TcpEvent::Kind::RemoteFin:
        c.remoteFin = true;
        if (!c.remoteFinDelivered)
        {
            c.remoteFinDelivered = true;
            if (c.socket && !c.normalCloseNotified)
            {
                c.normalCloseNotified = true;
                c.socket->OnNormalClose();
            }
        }
        break;
    case TcpEvent::Kind::Reset:
        // A RST in TIME_WAIT ends the wait (RFC 9293; Linux does the same with tcp_rfc1337=0),
        // but both halves had already closed normally: the outcome stays CLOSED. Seen against
        // Linux when a delayed old ACK draws our TIME_WAIT ACK and Linux, already CLOSED,
        // answers it with RST (issue 17).
        c.reset = c.lastState != TcpState::TimeWait;
        break;
    case TcpEvent::Kind::TimedOut:
        c.timedOut = true;
        break;
    case TcpEvent::Kind::StateChanged:
        c.lastState = event.newState;
        break;
    case TcpEvent::Kind::Closed: {
        Outcome outcome = Outcome::CLOSED;
        if (!c.established && (c.reset || c.timedOut))
        {
            outcome = Outcome::REFUSED;
        }
        else if (c.reset)
        {
            outcome = Outcome::RESET;
        }
        else if (c.timedOut)
        {
            outcome = Outcome::TIMED_OUT;
        }
        else if (c.abortRequested)
        {
            outcome = Outcome::ABORTED;
        }
        End(c, outcome);
        break;
    }
    }
}

void
ChimneyHostStack::FeedEngine(Connection& c)
{
    if (!c.engine || c.phase != Phase::SOFTWARE || c.abortRequested)
    {
        return;
    }
    const int64_t now = NowNs();
    while (!c.pendingSend.empty())
    {
        const size_t space = c.engine->SendBufferSpace();
        if (space == 0)
        {
            break;
        }
        const size_t n = std::min(space, c.pendingSend.size());
        std::vector<uint8_t> chunk(c.pendingSend.begin(),
                                   c.pendingSend.begin() + static_cast<ptrdiff_t>(n));
        const size_t taken = c.engine->Send(now, chunk.data(), chunk.size());
        c.pendingSend.erase(c.pendingSend.begin(),
                            c.pendingSend.begin() + static_cast<ptrdiff_t>(taken));
        if (taken < n)
        {
            break;
        }
    }
    if (c.closeRequested && c.pendingSend.empty() && !c.engine->FinRequested())
    {
        c.engine->ShutdownSend(now);
    }
}

void
ChimneyHostStack::MaybeOffloadByPolicy(OffloadHandle handle)
{
    Connection* c = Get(handle);
    if (!c || c->phase != Phase::SOFTWARE || !c->engine || c->uploadedOnce || c->abortRequested ||
        !IsOffloadableState(c->engine->State()))
    {
        return;
    }
    switch (m_policy)
    {
    case OffloadPolicy::AT_ESTABLISHED:
        break;
    case OffloadPolicy::AFTER_BYTES:
        if (c->bytesAcked + c->bytesReceived < m_offloadAfterBytes)
        {
            return;
        }
        break;
    case OffloadPolicy::NEVER:
        return;
    }
    Offload(handle);
}

// ---------------------------------------------------------------------------------------------
// Receive path (segments the device did not take)
// ---------------------------------------------------------------------------------------------

int
ChimneyHostStack::GetProtocolNumber() const
{
    return 6;
}

IpL4Protocol::RxStatus
ChimneyHostStack::Receive(Ptr<Packet> p, const Ipv4Header& header, Ptr<Ipv4Interface> /* iface */)
{
    TcpSegment segment;
    if (!FromPacket(p, header.GetSource(), header.GetDestination(), segment))
    {
        return RX_CSUM_FAILED;
    }
    auto it = m_byTuple.find(Key(segment.dstPort, header.GetSource(), segment.srcPort));
    if (it != m_byTuple.end())
    {
        Connection& c = *Get(it->second);
        if (c.phase == Phase::SOFTWARE)
        {
            c.engine->OnSegment(NowNs(), segment);
            Flush(c);
        }
        else
        {
            // Mid-offload, mid-upload, or passed up by the target (e.g. a SYN in TIME_WAIT):
            // processed by the software engine once the phase settles.
            c.held.push_back(std::move(segment));
        }
        return RX_OK;
    }
    auto listener = m_listeners.find(segment.dstPort);
    const bool syn = segment.Has(TcpSegment::SYN) && !segment.Has(TcpSegment::ACK) &&
                     !segment.Has(TcpSegment::RST);
    if (listener != m_listeners.end() && syn)
    {
        if (!listener->second->OnConnectionRequest(
                InetSocketAddress(header.GetSource(), segment.srcPort)))
        {
            ReplyRst(segment, header.GetDestination(), header.GetSource());
            return RX_OK;
        }
        Connection& c = NewConnection(segment.dstPort, header.GetSource(), segment.srcPort);
        c.passive = true;
        c.engine->Listen();
        c.engine->OnSegment(NowNs(), segment);
        Flush(c);
        return RX_OK;
    }
    // TCP answers a segment for no connection with RST (RFC 9293 3.10.7.1), not ICMP.
    ReplyRst(segment, header.GetDestination(), header.GetSource());
    return RX_OK;
}

IpL4Protocol::RxStatus
ChimneyHostStack::Receive(Ptr<Packet>, const Ipv6Header&, Ptr<Ipv6Interface>)
{
    return RX_ENDPOINT_UNREACH; // IPv4 only
}

void
ChimneyHostStack::ReplyRst(const TcpSegment& segment, Ipv4Address local, Ipv4Address remote)
{
    if (segment.Has(TcpSegment::RST))
    {
        return;
    }
    // A CLOSED engine answers exactly as RFC 9293 3.10.7.1 says.
    TcpEngine closed(EngineConfig(), segment.dstPort, segment.srcPort, 0);
    closed.OnSegment(NowNs(), segment);
    for (const TcpSegment& rst : closed.TakeSegments())
    {
        m_down(ToPacket(rst, local, remote), local, remote, 6, nullptr);
    }
}

void
ChimneyHostStack::SetDownTarget(DownTargetCallback cb)
{
    m_down = cb;
}

void
ChimneyHostStack::SetDownTarget6(DownTargetCallback6 cb)
{
    m_down6 = cb;
}

IpL4Protocol::DownTargetCallback
ChimneyHostStack::GetDownTarget() const
{
    return m_down;
}

IpL4Protocol::DownTargetCallback6
ChimneyHostStack::GetDownTarget6() const
{
    return m_down6;
}

// ---------------------------------------------------------------------------------------------
// Application calls
// ---------------------------------------------------------------------------------------------

uint32_t
ChimneyHostStack::GetTxAvailable(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    if (!c || c->phase == Phase::ENDED || c->closeRequested || c->abortRequested)
    {
        return 0;
    }
    uint64_t used = c->pendingSend.size() + c->postedSendBytes;
    if (c->engine && c->phase == Phase::SOFTWARE)
    {
        used += c->engine->BytesInSendBuffer();
    }
    return used >= m_sndBufSize ? 0 : static_cast<uint32_t>(m_sndBufSize - used);
}

uint32_t
ChimneyHostStack::Send(OffloadHandle handle, const uint8_t* data, uint32_t size)
{
    Connection* c = Get(handle);
    if (!c || size == 0 || size > GetTxAvailable(handle))
    {
        return 0;
    }
    c->bytesSent += size;
    switch (c->phase)
    {
    case Phase::SOFTWARE:
        c->pendingSend.insert(c->pendingSend.end(), data, data + size);
        FeedEngine(*c);
        Flush(*c);
        break;
    case Phase::OFFLOADED:
        PostSend(*c, std::vector<uint8_t>(data, data + size));
        break;
    default:
        // Offload or upload in progress: held here, posted or fed when the phase settles.
        c->pendingSend.insert(c->pendingSend.end(), data, data + size);
        break;
    }
    return size;
}

std::vector<uint8_t>
ChimneyHostStack::Read(OffloadHandle handle, uint32_t max)
{
    std::vector<uint8_t> out;
    Connection* c = Get(handle);
    if (!c)
    {
        return out;
    }
    const size_t fromRx = std::min<size_t>(max, c->rx.size());
    out.assign(c->rx.begin(), c->rx.begin() + static_cast<ptrdiff_t>(fromRx));
    c->rx.erase(c->rx.begin(), c->rx.begin() + static_cast<ptrdiff_t>(fromRx));
    if (out.size() < max && c->engine && c->phase == Phase::SOFTWARE)
    {
        std::vector<uint8_t> more = c->engine->Read(NowNs(), max - out.size());
        out.insert(out.end(), more.begin(), more.end());
        Flush(*c); // the window may have opened
    }
    else if (c->phase == Phase::OFFLOADED)
    {
        PostReceives(*c);
    }
    return out;
}

uint32_t
ChimneyHostStack::GetRxAvailable(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    if (!c)
    {
        return 0;
    }
    size_t n = c->rx.size();
    if (c->engine && c->phase == Phase::SOFTWARE)
    {
        n += c->engine->BytesReadable();
    }
    return static_cast<uint32_t>(n);
}

void
ChimneyHostStack::ShutdownRecv(OffloadHandle handle)
{
    if (Connection* c = Get(handle))
    {
        c->recvShutdown = true;
        c->rx.clear();
        NotifyReadable(*c); // drains what the software engine holds
    }
}

void
ChimneyHostStack::NotifyReadable(Connection& c)
{
    if (c.recvShutdown)
    {
        // Nobody reads: consume so that the window stays open and the peer is not stalled.
        c.rx.clear();
        if (c.engine && c.phase == Phase::SOFTWARE && c.engine->BytesReadable() > 0)
        {
            c.engine->Read(NowNs(), c.engine->BytesReadable());
        }
        return;
    }
    if (c.socket && GetRxAvailable(c.handle) > 0)
    {
        c.socket->OnDataReadable();
    }
}

void
ChimneyHostStack::NotifyWritable(Connection& c)
{
    if (c.socket)
    {
        const uint32_t available = GetTxAvailable(c.handle);
        if (available > 0)
        {
            c.socket->OnSendSpace(available);
        }
    }
}

ChimneyStatus
ChimneyHostStack::Disconnect(OffloadHandle handle, std::vector<uint8_t> data, uint32_t flags)
{
    Connection* c = Get(handle);
    if (!c || (flags != TCP_DISCONNECT_GRACEFUL_CLOSE && flags != TCP_DISCONNECT_ABORTIVE_CLOSE) ||
        (flags == TCP_DISCONNECT_ABORTIVE_CLOSE && !data.empty()))
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (c->phase == Phase::ENDED || c->abortRequested ||
        (flags == TCP_DISCONNECT_GRACEFUL_CLOSE && c->closeRequested))
    {
        return ChimneyStatus::INVALID_STATE;
    }
    if (c->disconnectAt.IsNegative())
    {
        c->disconnectAt = Simulator::Now();
    }
    if (flags == TCP_DISCONNECT_GRACEFUL_CLOSE)
    {
        c->closeRequested = true;
        c->bytesSent += data.size();
        switch (c->phase)
        {
        case Phase::SOFTWARE:
            c->pendingSend.insert(c->pendingSend.end(), data.begin(), data.end());
            FeedEngine(*c);
            Flush(*c);
            break;
        case Phase::OFFLOADED:
            c->closeData = std::move(data);
            IssueDisconnect(*c);
            break;
        default:
            c->closeData = std::move(data); // issued when the phase settles
            break;
        }
        return ChimneyStatus::SUCCESS;
    }
    c->abortRequested = true;
    c->pendingSend.clear();
    switch (c->phase)
    {
    case Phase::SOFTWARE:
        c->engine->Abort(NowNs());
        Flush(*c);
        break;
    case Phase::OFFLOADED:
        IssueDisconnect(*c);
        break;
    default:
        break; // issued when the phase settles
    }
    return ChimneyStatus::SUCCESS;
}

// ---------------------------------------------------------------------------------------------
// Offload
// ---------------------------------------------------------------------------------------------

bool
ChimneyHostStack::ResolveNeighbor(Connection& c) const
{
    Ptr<Ipv4RoutingProtocol> routing = m_ipv4->GetRoutingProtocol();
    if (!routing)
    {
        return false;
    }
    Ipv4Header header;
    header.SetSource(c.local);
    header.SetDestination(c.remote);
    header.SetProtocol(6);
    Socket::SocketErrno err = Socket::ERROR_NOTERROR;
    Ptr<Ipv4Route> route = routing->RouteOutput(nullptr, header, nullptr, err);
    if (!route || route->GetOutputDevice() != m_device)
    {
        return false; // the connection does not leave through the chimney device
    }
    const Ipv4Address gateway = route->GetGateway();
    c.nextHop = gateway == Ipv4Address::GetAny() ? c.remote : gateway;
    if (!m_device->NeedsArp())
    {
        c.linkAddress = m_device->GetBroadcast();
        return true;
    }
    Ptr<ArpCache> cache = m_ipv4->GetInterface(m_ifIndex)->GetArpCache();
    ArpCache::Entry* entry = cache ? cache->Lookup(c.nextHop) : nullptr;
    if (!entry || !(entry->IsAlive() || entry->IsPermanent()))
    {
        return false;
    }
    c.linkAddress = entry->GetMacAddress();
    return true;
}

Ptr<OffloadBlockList>
ChimneyHostStack::Blocks(const Connection& c, const TcpDelegatedState& state) const
{
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = c.nextHop;
    neighbor.linkAddress = c.linkAddress;
    PathOffloadBlock path;
    path.source = c.local;
    path.destination = c.remote;
    path.pathMtu = m_device->GetMtu();
    TcpOffloadBlock tcp;
    tcp.handle = c.handle;
    tcp.localPort = c.localPort;
    tcp.remotePort = c.remotePort;
    tcp.cached.initialRcvWnd = m_rcvBufSize;
    tcp.cached.maxRt = m_maxRetransmits;
    tcp.cached.finWait2Timeout = m_finWait2Timeout;
    tcp.delegated = state;
    return OffloadBlockList::ForOneConnection(neighbor, path, tcp);
}

ChimneyStatus
ChimneyHostStack::Offload(OffloadHandle handle)
{
    Connection* c = Get(handle);
    if (!c)
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (c->phase != Phase::SOFTWARE || !c->engine || !IsOffloadableState(c->engine->State()) ||
        m_lower == nullptr || !ResolveNeighbor(*c))
    {
        return ChimneyStatus::INVALID_STATE;
    }
    // Data already readable stays with the host; everything else crosses in the state.
    if (c->engine->BytesReadable() > 0)
    {
        std::vector<uint8_t> data = c->engine->Read(NowNs(), c->engine->BytesReadable());
        if (!c->recvShutdown)
        {
            c->rx.insert(c->rx.end(), data.begin(), data.end());
        }
    }
    Flush(*c);
    if (c->phase != Phase::SOFTWARE || !IsOffloadableState(c->engine->State()))
    {
        return ChimneyStatus::INVALID_STATE;
    }
    // A close already handed to the engine travels in the state: no disconnect request.
    c->finInState = c->engine->FinRequested();
    Ptr<OffloadBlockList> blocks = Blocks(*c, c->engine->Export(NowNs()));
    blocks->id = NextNblId();
    c->timer.Cancel(); // frozen, not discarded: a failed offload continues from here
    SetPhase(*c, Phase::OFFLOADING, ns3::ToString(c->engine->State()));
    m_blockOwners[PeekPointer(blocks)] = handle;
    const ChimneyStatus status = m_lower->InitiateOffload(blocks);
    m_callTrace("InitiateOffload", handle, blocks->id, 0, status);
    if (status != ChimneyStatus::PENDING)
    {
        m_blockOwners.erase(PeekPointer(blocks));
        SetPhase(*c, Phase::SOFTWARE, std::string("refused: ") + ns3::ToString(status));
        ArmEngineTimer(*c);
    }
    return status;
}

void
ChimneyHostStack::InitiateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    auto owner = m_blockOwners.find(PeekPointer(blocks));
    if (owner == m_blockOwners.end())
    {
        NS_LOG_WARN("offload completion for a block list this stack did not issue");
        return;
    }
    const OffloadHandle handle = owner->second;
    m_blockOwners.erase(owner);
    ChimneyStatus status = blocks->status;
    blocks->ForEachTcp([&status](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
        status = t.status;
    });
    m_upcallTrace("InitiateOffload", handle, blocks->id, status, 0);
    Connection* c = Get(handle);
    if (!c || c->phase != Phase::OFFLOADING)
    {
        return;
    }
    if (status != ChimneyStatus::SUCCESS)
    {
        // SPEC 3.1: the connection stays in software, untouched.
        SetPhase(*c, Phase::SOFTWARE, std::string("offload failed: ") + ns3::ToString(status));
        for (const TcpSegment& segment : c->held)
        {
            c->engine->OnSegment(NowNs(), segment);
        }
        c->held.clear();
        if (c->abortRequested)
        {
            c->engine->Abort(NowNs());
        }
        // The final data of a graceful Disconnect() made during the offload goes out in
        // software now, before the FIN (W2).
        c->pendingSend.insert(c->pendingSend.end(), c->closeData.begin(), c->closeData.end());
        c->closeData.clear();
        FeedEngine(*c);
        Flush(*c);
        return;
    }
    // Segments that reached the host in the instant between export and the target taking
    // the connection are dropped; the peer retransmits them to the target.
    c->held.clear();
    c->lastState = c->engine->State();
    c->engine.reset();
    c->offloadedAt = Simulator::Now();
    c->receivesStopped = false;
    ++m_offloaded;
    SetPhase(*c, Phase::OFFLOADED, ns3::ToString(c->lastState));
    if (!c->pendingSend.empty() && !c->abortRequested)
    {
        PostSend(*c, std::vector<uint8_t>(c->pendingSend.begin(), c->pendingSend.end()));
        c->pendingSend.clear();
    }
    PostReceives(*c);
    IssueDisconnect(*c);
    // The engine's send buffer went with the state: the application may send again.
    NotifyWritable(*c);
}

void
ChimneyHostStack::PostSend(Connection& c, std::vector<uint8_t> data)
{
    const uint64_t size = data.size();
    Ptr<NetBufferList> nbl = NetBufferList::CreateSend(std::move(data), NextNblId());
    c.postedSendBytes += size;
    m_nblCallTrace("Send", c.handle, nbl);
    const ChimneyStatus status = m_lower->TcpOffloadSend(c.handle, nbl);
    m_callTrace("Send", c.handle, nbl->id, 0, status);
    if (status != ChimneyStatus::PENDING)
    {
        // Refused (a host bug, reported by the target as a finding): keep the bytes, they
        // are sent in software after the upload.
        c.postedSendBytes -= size;
        c.notSent.push_back(nbl);
    }
}

void
ChimneyHostStack::PostReceives(Connection& c)
{
    if (c.phase != Phase::OFFLOADED || c.remoteFin || c.reset || c.failed || c.abortIssued ||
        c.terminateWanted || c.receivesStopped)
    {
        return;
    }
    while (c.receivesPosted < m_receiveBuffersPosted &&
           (c.recvShutdown ||
            c.rx.size() + static_cast<uint64_t>(c.receivesPosted + 1) * m_receiveBufferSize <=
                std::max(m_rcvBufSize, m_receiveBufferSize)))
    {
        if (PostReceiveNbl(c, m_receiveBufferSize) != ChimneyStatus::PENDING)
        {
            break;
        }
    }
}

ChimneyStatus
ChimneyHostStack::PostReceiveNbl(Connection& c, uint32_t size)
{
    Ptr<NetBufferList> nbl = NewReceiveNbl(size, NextNblId());
    ++c.receivesPosted;
    m_nblCallTrace("Receive", c.handle, nbl);
    const ChimneyStatus status = m_lower->TcpOffloadReceive(c.handle, nbl);
    m_callTrace("Receive", c.handle, nbl->id, 0, status);
    if (status != ChimneyStatus::PENDING)
    {
        --c.receivesPosted;
    }
    return status;
}

ChimneyStatus
ChimneyHostStack::PostReceive(OffloadHandle handle, uint32_t size)
{
    Connection* c = Get(handle);
    if (!c || size == 0)
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (c->phase != Phase::OFFLOADED)
    {
        return ChimneyStatus::INVALID_STATE;
    }
    return PostReceiveNbl(*c, size);
}

void
ChimneyHostStack::IssueDisconnect(Connection& c)
{
    if (c.phase != Phase::OFFLOADED)
    {
        return;
    }
    if (c.abortRequested && !c.abortIssued)
    {
        c.abortIssued = true;
        c.abortNbl = NetBufferList::CreateSend({}, NextNblId());
        m_nblCallTrace("Disconnect", c.handle, c.abortNbl);
        const ChimneyStatus status =
            m_lower->TcpOffloadDisconnect(c.handle, c.abortNbl, TCP_DISCONNECT_ABORTIVE_CLOSE);
        m_callTrace("Disconnect", c.handle, c.abortNbl->id, TCP_DISCONNECT_ABORTIVE_CLOSE, status);
        if (status != ChimneyStatus::PENDING)
        {
            c.abortNbl = nullptr;
            c.terminateWanted = true;
            MaybeTerminate(c);
        }
        return;
    }
    if (c.closeRequested && !c.gracefulIssued && !c.abortRequested && !c.finInState)
    {
        c.gracefulIssued = true;
        c.gracefulNbl = NetBufferList::CreateSend(std::move(c.closeData), NextNblId());
        c.closeData.clear();
        m_nblCallTrace("Disconnect", c.handle, c.gracefulNbl);
        const ChimneyStatus status =
            m_lower->TcpOffloadDisconnect(c.handle, c.gracefulNbl, TCP_DISCONNECT_GRACEFUL_CLOSE);
        m_callTrace("Disconnect",
                    c.handle,
                    c.gracefulNbl->id,
                    TCP_DISCONNECT_GRACEFUL_CLOSE,
                    status);
        if (status != ChimneyStatus::PENDING)
        {
            c.unsentDisconnect = c.gracefulNbl; // closed in software after the upload
            c.gracefulNbl = nullptr;
            c.terminateWanted = true;
            MaybeTerminate(c);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Completions and indications
// ---------------------------------------------------------------------------------------------

void
ChimneyHostStack::TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Connection* c = Get(handle);
    uint64_t acked = 0;
    for (Ptr<NetBufferList> nbl = nbls; nbl; nbl = nbl->next)
    {
        m_upcallTrace("Send", handle, nbl->id, nbl->status, nbl->bytesTransferred);
        m_nblUpcallTrace("Send", handle, nbl);
        if (!c)
        {
            continue;
        }
        c->postedSendBytes -= std::min<uint64_t>(c->postedSendBytes, nbl->DataLength());
        acked += nbl->bytesTransferred;
        if (nbl->status == ChimneyStatus::UPLOAD_IN_PROGRESS && nbl->bytesTransferred == 0)
        {
            c->notSent.push_back(nbl); // never reached the target's engine: sent in software
        }
        else if (nbl->status == ChimneyStatus::REQUEST_ABORTED && !c->abortRequested)
        {
            c->terminateWanted = true; // aborted by the target: take the connection back
        }
    }
    if (!c)
    {
        return;
    }
    c->bytesAcked += acked;
    if (c->socket && acked > 0)
    {
        c->socket->OnDataSent(static_cast<uint32_t>(acked));
    }
    if (c->phase == Phase::OFFLOADED)
    {
        NotifyWritable(*c);
    }
    MaybeTerminate(*c);
}

void
ChimneyHostStack::TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Connection* c = Get(handle);
    uint64_t delivered = 0;
    for (Ptr<NetBufferList> nbl = nbls; nbl; nbl = nbl->next)
    {
        m_upcallTrace("Receive", handle, nbl->id, nbl->status, nbl->bytesTransferred);
        m_nblUpcallTrace("Receive", handle, nbl);
        if (!c)
        {
            continue;
        }
        c->receivesPosted -= std::min<uint32_t>(c->receivesPosted, 1);
        if (nbl->status != ChimneyStatus::SUCCESS)
        {
            // The target will fill no more buffers (aborted, uploading, remote FIN): never
            // re-post into that, or host and target would trade completions forever.
            c->receivesStopped = true;
            if (nbl->status == ChimneyStatus::REQUEST_ABORTED)
            {
                c->terminateWanted = true; // the connection is dead: take it back
            }
        }
        if (nbl->status == ChimneyStatus::SUCCESS && nbl->bytesTransferred > 0)
        {
            delivered += nbl->bytesTransferred;
            if (!c->recvShutdown)
            {
                AppendNblData(*nbl, nbl->bytesTransferred, c->rx);
            }
        }
        RecycleReceiveNbl(*nbl, m_receiveBufferSize);
    }
    if (!c)
    {
        return;
    }
    c->bytesReceived += delivered;
    if (delivered > 0)
    {
        NotifyReadable(*c);
    }
    PostReceives(*c);
    MaybeTerminate(*c);
}

void
ChimneyHostStack::TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    m_upcallTrace("Disconnect", handle, nbl->id, nbl->status, nbl->bytesTransferred);
    m_nblUpcallTrace("Disconnect", handle, nbl);
    Connection* c = Get(handle);
    if (!c)
    {
        return;
    }
    if (nbl == c->gracefulNbl)
    {
        c->gracefulNbl = nullptr;
        if (nbl->status == ChimneyStatus::SUCCESS)
        {
            c->gracefulDone = true; // every byte and the FIN acknowledged
            c->bytesAcked += nbl->bytesTransferred;
            if (c->socket && nbl->bytesTransferred > 0)
            {
                c->socket->OnDataSent(static_cast<uint32_t>(nbl->bytesTransferred));
            }
        }
        else if (nbl->status == ChimneyStatus::UPLOAD_IN_PROGRESS)
        {
            c->unsentDisconnect = nbl; // SPEC 3.4: never reissued; finished in software
        }
    }
    else if (nbl == c->abortNbl)
    {
        c->abortNbl = nullptr;
        c->abortDone = nbl->status == ChimneyStatus::SUCCESS;
        c->terminateWanted = true; // RST sent (or aborted already): upload and forget
    }
    MaybeTerminate(*c);
}

void
ChimneyHostStack::TcpOffloadEvent(OffloadHandle handle,
                                  ChimneyEvent event,
                                  ChimneyUploadReason reason)
{
    m_eventTrace(handle, event, reason);
    Connection* c = Get(handle);
    if (!c || (c->phase != Phase::OFFLOADED && c->phase != Phase::TERMINATING))
    {
        return;
    }
    switch (event)
    {
    case ChimneyEvent::DISCONNECT:
        // SPEC 3.5: every byte before the FIN was delivered before this indication.
        c->remoteFin = true;
        if (!c->remoteFinDelivered)
        {
            c->remoteFinDelivered = true;
            if (c->socket && !c->normalCloseNotified)
            {
                c->normalCloseNotified = true;
                c->socket->OnNormalClose();
            }
        }
        break;
    case ChimneyEvent::ABORT:
        c->reset = true;
        c->terminateWanted = true; // SPEC 3.5: the host must then terminate
        break;
    case ChimneyEvent::RETRIEVE:
        if (reason == ChimneyUploadReason::HARDWARE_FAILURE)
        {
            c->failed = true;
        }
        else if (reason == ChimneyUploadReason::TIMEOUT_EXPIRATION)
        {
            c->timedOut = true;
        }
        else if (reason == ChimneyUploadReason::INVALID_STATE)
        {
            c->reset = true; // an in-order SYN: the target closed the connection
        }
        if (IsMandatoryUploadReason(reason) || m_honourOptionalRetrieve)
        {
            c->terminateWanted = true;
        }
        break;
    }
    MaybeTerminate(*c);
}

void
ChimneyHostStack::MaybeTerminate(Connection& c)
{
    if (c.phase != Phase::OFFLOADED)
    {
        return;
    }
    const bool bothHalvesClosed = c.gracefulDone && c.remoteFin;
    if (c.terminateWanted || bothHalvesClosed || c.abortDone)
    {
        // From an upcall, never from inside one of our own request calls (SPEC 3.6).
        Simulator::ScheduleNow(&ChimneyHostStack::TerminateIfOffloaded, this, c.handle);
    }
}

void
ChimneyHostStack::TerminateIfOffloaded(OffloadHandle handle)
{
    if (GetPhase(handle) == Phase::OFFLOADED)
    {
        Terminate(handle);
    }
}

ChimneyStatus
ChimneyHostStack::Terminate(OffloadHandle handle)
{
    Connection* c = Get(handle);
    if (!c)
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (c->phase != Phase::OFFLOADED)
    {
        return ChimneyStatus::INVALID_STATE;
    }
    Ptr<OffloadBlockList> blocks = Blocks(*c, TcpDelegatedState{});
    blocks->id = NextNblId();
    SetPhase(*c, Phase::TERMINATING, "");
    m_blockOwners[PeekPointer(blocks)] = handle;
    const ChimneyStatus status = m_lower->TerminateOffload(blocks);
    m_callTrace("Terminate", handle, blocks->id, 0, status);
    if (status != ChimneyStatus::PENDING)
    {
        m_blockOwners.erase(PeekPointer(blocks));
        SetPhase(*c, Phase::OFFLOADED, std::string("refused: ") + ns3::ToString(status));
    }
    return status;
}

void
ChimneyHostStack::TerminateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    auto owner = m_blockOwners.find(PeekPointer(blocks));
    if (owner == m_blockOwners.end())
    {
        NS_LOG_WARN("terminate completion for a block list this stack did not issue");
        return;
    }
    const OffloadHandle handle = owner->second;
    m_blockOwners.erase(owner);
    TcpOffloadBlock* tcp = nullptr;
    blocks->ForEachTcp(
        [&tcp](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) { tcp = &t; });
    const ChimneyStatus status = tcp ? tcp->status : ChimneyStatus::FAILURE;
    for (NetBufferList* n = tcp ? PeekPointer(tcp->sendDataHead) : nullptr; n != nullptr;
         n = PeekPointer(n->next))
    {
        m_nblUpcallTrace("SendReturned", handle, Ptr<const NetBufferList>(n));
    }
    m_upcallTrace("Terminate", handle, blocks->id, status, 0);
    Connection* c = Get(handle);
    if (!c || c->phase != Phase::TERMINATING)
    {
        return;
    }
    --m_offloaded;
    // Every send NBL was completed or handed back in the send chain (its bytes are in the
    // delegated state's send data): none is posted any more.
    c->postedSendBytes = 0;
    c->receivesPosted = 0;
    if (status != ChimneyStatus::SUCCESS)
    {
        // SPEC 3.6 FAILURE: the delegated state is lost; E3: the connection failed.
        c->failed = true;
        End(*c, Outcome::FAILED);
        return;
    }
    Resume(*c, *tcp);
}

void
ChimneyHostStack::Resume(Connection& c, const TcpOffloadBlock& block)
{
    const TcpDelegatedState& state = block.delegated;
    c.lastState = state.state;
    c.uploadedOnce = true;
    if (state.state == TcpState::Closed)
    {
        c.held.clear();
        Outcome outcome = Outcome::CLOSED;
        if (c.failed)
        {
            outcome = Outcome::FAILED;
        }
        else if (c.reset)
        {
            outcome = Outcome::RESET;
        }
        else if (c.timedOut)
        {
            outcome = Outcome::TIMED_OUT;
        }
        else if (c.abortIssued)
        {
            outcome = Outcome::ABORTED;
        }
        End(c, outcome);
        return;
    }
    const int64_t now = NowNs();
    c.engine = std::make_unique<TcpEngine>(
        TcpEngine::Import(EngineConfig(), c.localPort, c.remotePort, state, now));
    SetPhase(c, Phase::SOFTWARE, std::string("resumed in ") + ns3::ToString(state.state));
    // Bytes the target never took, in posting order, go before what the host held back since;
    // then the final data of a disconnect that was completed UPLOAD_IN_PROGRESS.
    std::sort(c.notSent.begin(), c.notSent.end(), [](const auto& a, const auto& b) {
        return a->id < b->id;
    });
    std::deque<uint8_t> stream;
    for (const auto& nbl : c.notSent)
    {
        AppendNblData(*nbl, nbl->DataLength(), stream);
    }
    c.notSent.clear();
    stream.insert(stream.end(), c.pendingSend.begin(), c.pendingSend.end());
    if (c.unsentDisconnect && !state.finRequested)
    {
        AppendNblData(*c.unsentDisconnect, c.unsentDisconnect->DataLength(), stream);
    }
    c.unsentDisconnect = nullptr;
    if (!state.finRequested)
    {
        stream.insert(stream.end(), c.closeData.begin(), c.closeData.end());
    }
    c.closeData.clear();
    c.pendingSend = std::move(stream);
    if (state.remoteFinReceived && !c.remoteFinDelivered)
    {
        c.remoteFin = true;
    }
    if (c.abortRequested)
    {
        c.engine->Abort(now);
    }
    else
    {
        for (const TcpSegment& segment : c.held)
        {
            c.engine->OnSegment(now, segment);
        }
        FeedEngine(c);
    }
    c.held.clear();
    NotifyReadable(c);
    Flush(c);
    if (c.engine && c.remoteFin && !c.remoteFinDelivered && c.engine->BytesReadable() == 0 &&
        c.rx.empty())
    {
        c.remoteFinDelivered = true;
        if (c.socket && !c.normalCloseNotified)
        {
            c.normalCloseNotified = true;
            c.socket->OnNormalClose();
        }
    }
    if (c.phase == Phase::SOFTWARE)
    {
        NotifyWritable(c);
    }
}

void
ChimneyHostStack::End(Connection& c, Outcome outcome)
{
    if (c.phase == Phase::ENDED)
    {
        return;
    }
    c.outcome = outcome;
    c.endedAt = Simulator::Now();
    c.timer.Cancel();
    SetPhase(c, Phase::ENDED, ToString(outcome));
    m_byTuple.erase(Key(c.localPort, c.remote, c.remotePort));
    auto port = m_portsInUse.find(c.localPort);
    if (port != m_portsInUse.end() && --port->second == 0)
    {
        m_portsInUse.erase(port);
    }
    m_outcomes[c.handle] = outcome;
    if (c.socket)
    {
        switch (outcome)
        {
        case Outcome::CLOSED:
            if (!c.normalCloseNotified)
            {
                c.normalCloseNotified = true;
                c.socket->OnNormalClose();
            }
            break;
        case Outcome::RESET:
        case Outcome::TIMED_OUT:
        case Outcome::FAILED:
            if (!c.errorNotified)
            {
                c.errorNotified = true;
                c.socket->OnErrorClose();
            }
            break;
        case Outcome::REFUSED:
            c.socket->OnConnectFailed();
            break;
        default:
            break;
        }
    }
    // The record goes once the current event is over: callers up the stack may still hold it.
    Simulator::ScheduleNow(&ChimneyHostStack::Reap, this, c.handle);
}

void
ChimneyHostStack::Reap(OffloadHandle handle)
{
    auto it = m_connections.find(handle);
    if (it == m_connections.end() || it->second->phase != Phase::ENDED)
    {
        return;
    }
    if (it->second->socket)
    {
        it->second->socket->OnConnectionGone();
    }
    m_connections.erase(it);
}

} // namespace ns3
