/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHostStack: attributes and traces, setup, lookups, opening connections, segments from
// IPv4, and the end of a connection. The socket-facing calls are in chimney-host-stack-socket.cc,
// offload and terminate in chimney-host-stack-offload.cc; each connection's own machinery is
// ChimneyHostConnection.

#include "chimney-host-stack.h"

#include "chimney-engine-driver.h"
#include "chimney-event-counts.h"
#include "chimney-net-device.h"
#include "chimney-ns3-compat.h"
#include "chimney-socket.h"
#include "tcp-segment-packet.h"

#include "ns3/abort.h"
#include "ns3/boolean.h"
#include "ns3/enum.h"
#include "ns3/inet-socket-address.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-routing-protocol.h"
#include "ns3/log.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyHostStack");

/// The stack's log component, shared with chimney-host-stack-offload.cc.
LogComponent&
ChimneyHostStackLogComponent()
{
    return g_log;
}

NS_OBJECT_ENSURE_REGISTERED(ChimneyHostStack);

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
                            "ns3::ChimneyHostStack::PhaseTracedCallback")
            .AddTraceSource("ConnectionState",
                            "Any of a connection's states changed (phase, handshake, graceful "
                            "and abortive close, receive half, fault): ChimneyHostConnection.",
                            MakeTraceSourceAccessor(&ChimneyHostStack::m_connectionStateTrace),
                            "ns3::ChimneyHostStack::ConnectionStateTracedCallback");
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
    return c ? c->GetPhase() : Phase::ENDED;
}

ChimneyHostStack::Outcome
ChimneyHostStack::GetOutcome(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    if (c)
    {
        return c->GetOutcome();
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
        n += entry.second->GetPhase() != Phase::ENDED ? 1 : 0;
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
    return Connection::ToString(phase);
}

const char*
ChimneyHostStack::ToString(Outcome outcome)
{
    return Connection::ToString(outcome);
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
ChimneyHostStack::NewConnection(uint16_t localPort,
                                Ipv4Address remote,
                                uint16_t remotePort,
                                Connection::Handshake handshake)
{
    const OffloadHandle handle = m_nextHandle++;
    if (m_nextHandle == INVALID_OFFLOAD_HANDLE)
    {
        m_nextHandle = 1;
    }
    auto engine = std::make_unique<TcpEngine>(EngineConfig(),
                                              localPort,
                                              remotePort,
                                              m_issRandom->GetInteger(0, 0xffffffffU));
    auto c = std::make_unique<Connection>(this,
                                          handle,
                                          GetLocalAddress(),
                                          remote,
                                          localPort,
                                          remotePort,
                                          handshake,
                                          std::move(engine));
    Connection& ref = *c;
    m_byTuple[Key(localPort, remote, remotePort)] = handle;
    ++m_portsInUse[localPort];
    m_connections.emplace(handle, std::move(c));
    ref.ReportOpened();
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
    Connection& c = NewConnection(localPort, remote, remotePort, Connection::Handshake::Connecting);
    c.socket = socket;
    c.engine->Connect(ChimneyEngineDriver::Now());
    c.Drive();
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
        c.Enter(Connection::AbortiveClose::Requested);
        c.engine->Abort(ChimneyEngineDriver::Now());
        return;
    }
    Ptr<ChimneySocket> socket = CreateSocket();
    socket->AttachAccepted(c.handle, c.remote, c.remotePort, c.localPort);
    c.socket = socket;
    listener->second->OnNewConnection(socket, InetSocketAddress(c.remote, c.remotePort));
}

void
ChimneyHostStack::OnEngineTimer(OffloadHandle handle)
{
    if (Connection* c = Get(handle))
    {
        c->OnTimer();
    }
}

void
ChimneyHostStack::MaybeOffloadByPolicy(OffloadHandle handle)
{
    Connection* c = Get(handle);
    if (!c || !c->CanOffload() || c->uploadedOnce || c->AbortRequested())
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
    if (!FromPacket(p, header.GetSource(), header.GetDestination(), segment, m_checksums.Get()))
    {
        return RX_CSUM_FAILED;
    }
    auto it = m_byTuple.find(Key(segment.dstPort, header.GetSource(), segment.srcPort));
    if (it != m_byTuple.end())
    {
        Connection& c = *Get(it->second);
        if (c.GetPhase() == Phase::SOFTWARE)
        {
            c.engine->OnSegment(ChimneyEngineDriver::Now(), segment);
            c.Drive();
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
        Connection& c = NewConnection(segment.dstPort,
                                      header.GetSource(),
                                      segment.srcPort,
                                      Connection::Handshake::Accepting);
        c.engine->Listen();
        c.engine->OnSegment(ChimneyEngineDriver::Now(), segment);
        c.Drive();
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
    closed.OnSegment(ChimneyEngineDriver::Now(), segment);
    for (const TcpSegment& rst : closed.TakeSegments())
    {
        SendToIp(rst, local, remote);
    }
}

void
ChimneyHostStack::SendToIp(const TcpSegment& segment, Ipv4Address local, Ipv4Address remote)
{
    Ptr<Packet> packet = ToPacket(segment, local, remote, m_checksums.Get());
    // The route goes down with the datagram: without one, Ipv4L3Protocol::Send looks for a
    // broadcast destination among every interface address and routes the datagram itself, then
    // sends it again with that route (the same datagram on the wire, twice the work).
    Ptr<Ipv4Route> route = RouteTo(local, remote, packet);
    m_down(packet, local, remote, 6, route);
}

Ptr<Ipv4Route>
ChimneyHostStack::RouteTo(Ipv4Address local, Ipv4Address remote, Ptr<Packet> packet) const
{
    Ptr<Ipv4RoutingProtocol> routing = m_ipv4 ? m_ipv4->GetRoutingProtocol() : nullptr;
    if (!routing)
    {
        return nullptr;
    }
    Ipv4Header header;
    header.SetSource(local);
    header.SetDestination(remote);
    header.SetProtocol(6);
    Socket::SocketErrno err = Socket::ERROR_NOTERROR;
    return routing->RouteOutput(packet, header, nullptr, err);
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
// The end of a connection
// ---------------------------------------------------------------------------------------------

void
ChimneyHostStack::End(Connection& c, Outcome outcome)
{
    if (c.GetPhase() == Phase::ENDED)
    {
        return;
    }
    c.Enter(outcome);
    m_byTuple.erase(Key(c.localPort, c.remote, c.remotePort));
    auto port = m_portsInUse.find(c.localPort);
    if (port != m_portsInUse.end() && --port->second == 0)
    {
        m_portsInUse.erase(port);
    }
    m_outcomes[c.handle] = outcome;
    c.NotifyEnded(); // after the tables: the application may open the same 4-tuple again
    // The record goes once the current event is over: callers up the stack may still hold it.
    ++ChimneyEventCounts::Get().host;
    Simulator::ScheduleNow(&ChimneyHostStack::Reap, this, c.handle);
}

void
ChimneyHostStack::Reap(OffloadHandle handle)
{
    auto it = m_connections.find(handle);
    if (it == m_connections.end() || it->second->GetPhase() != Phase::ENDED)
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
