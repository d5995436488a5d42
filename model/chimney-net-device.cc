/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-net-device.h"

#include "chimney-defect-registry.h"
#include "chimney-defect.h"
#include "chimney-ns3-compat.h"
#include "chimney-offload-connection.h"
#include "tcp-segment-packet.h"
#include "wire-segment.h"

#include "ns3/boolean.h"
#include "ns3/channel.h"
#include "ns3/enum.h"
#include "ns3/log.h"
#include "ns3/net-device-queue-interface.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/pointer.h"
#include "ns3/queue.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyNetDevice");

/// The device's log component, shared with chimney-net-device-requests.cc.
LogComponent&
ChimneyNetDeviceLogComponent()
{
    return g_log;
}

NS_OBJECT_ENSURE_REGISTERED(ChimneyNetDevice);

namespace
{

constexpr uint16_t kIpv4EtherType = 0x0800;
constexpr uint8_t kTcpProtocol = 6;

/// The Defect attribute's checker: every name of GetDefectNames(), "None" the default.
Ptr<const AttributeChecker>
MakeDefectChecker()
{
    using Defect = ChimneyNetDevice::Defect;
    const std::vector<std::string> names = ChimneyNetDevice::GetDefectNames(); // the registry
    auto checker = Create<CHIMNEY_ENUM_CHECKER(Defect)>();
    checker->AddDefault(ChimneyEnumArgument(Defect::None), names[0]);
    for (size_t i = 1; i < names.size(); ++i)
    {
        checker->Add(ChimneyEnumArgument(static_cast<Defect>(i)), names[i]);
    }
    return checker;
}

/// The Defect attribute's accessor (an EnumValue of the enum itself from ns-3 3.41 on).
Ptr<const AttributeAccessor>
MakeDefectAccessor()
{
#if CHIMNEY_NS3_VERSION_MINOR >= 41
    return MakeEnumAccessor<ChimneyNetDevice::Defect>(&ChimneyNetDevice::SetDefect,
                                                      &ChimneyNetDevice::GetDefect);
#else
    return MakeEnumAccessor(&ChimneyNetDevice::SetDefect, &ChimneyNetDevice::GetDefectValue);
#endif
}

} // namespace

TypeId
ChimneyNetDevice::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ChimneyNetDevice")
            .SetParent<NetDevice>()
            .SetGroupName("Chimney")
            .AddConstructor<ChimneyNetDevice>()
            .AddAttribute("RequestLatency",
                          "Time from a host request to the target acting on it.",
                          TimeValue(MicroSeconds(1)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_requestLatency),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("CompletionLatency",
                          "Time from the target completing a request to the host seeing it.",
                          TimeValue(MicroSeconds(1)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_completionLatency),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("InterruptModeration",
                          "Time completions and indications wait to go up together, as a NIC's "
                          "interrupt moderation gathers them: the first after a delivery waits "
                          "its latency plus this, the ones decided before it goes up join it. "
                          "0: each goes up at its own latency.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_interruptModeration),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("IndicationLatency",
                          "Time from an event on a connection to the host's indication.",
                          TimeValue(MicroSeconds(1)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_indicationLatency),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("SegmentProcessingTime",
                          "Time the TOE takes per received segment of an offloaded connection.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_segmentProcessingTime),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("MaxOffloadedConnections",
                          "Capacity of the TCP offload table; beyond it an offload fails with "
                          "OFFLOAD_TCP_ENTRIES (R5).",
                          UintegerValue(1024),
                          MakeUintegerAccessor(&ChimneyNetDevice::m_maxConnections),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("SndBufSize",
                          "Send buffer of each offloaded engine, bytes (posted data waits in "
                          "the send NBLs beyond it).",
                          UintegerValue(131072),
                          MakeUintegerAccessor(&ChimneyNetDevice::m_sndBufSize),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("RcvBufSize",
                          "Receive buffer of an offloaded engine when the cached InitialRcvWnd "
                          "is 0, bytes.",
                          UintegerValue(131072),
                          MakeUintegerAccessor(&ChimneyNetDevice::m_rcvBufSize),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("TimeWait",
                          "TIME_WAIT duration of an offloaded engine (the target requests the "
                          "upload on entering TIME_WAIT).",
                          TimeValue(Seconds(120)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_timeWait),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("DelayedAckTimeout",
                          "Delayed-ACK timeout of an offloaded engine.",
                          TimeValue(MilliSeconds(200)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_delayedAckTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("LowActivityTimeout",
                          "Time without a segment sent or received after which an ESTABLISHED "
                          "offloaded connection asks once for its upload, Retrieve(LowActivity) "
                          "(an optional reason, SPEC 3.5; never on a half-closed connection). "
                          "0: never.",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_lowActivityTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("HardwareFailureTime",
                          "Simulation time of a catastrophic hardware failure (0: never).",
                          TimeValue(Time(0)),
                          MakeTimeAccessor(&ChimneyNetDevice::m_hardwareFailureTime),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("Defect",
                          "Seeded defect for verifier tests: the target breaks one SPEC rule in "
                          "one way (see ChimneyNetDevice::Defect). None: correct behaviour.",
                          CHIMNEY_ENUM_VALUE(Defect)(ChimneyEnumArgument(Defect::None)),
                          MakeDefectAccessor(),
                          MakeDefectChecker())
            .AddTraceSource("HostMisuse",
                            "A refused host request: SPEC rule H1..H7 and a description.",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_hostMisuseTrace),
                            "ns3::ChimneyNetDevice::HostMisuseTracedCallback")
            .AddTraceSource("Request",
                            "Every host request with the status the call returned.",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_requestTrace),
                            "ns3::ChimneyNetDevice::RequestTracedCallback")
            .AddTraceSource("Completion",
                            "Every completion, when it reaches the host.",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_completionTrace),
                            "ns3::ChimneyNetDevice::CompletionTracedCallback")
            .AddTraceSource("Indication",
                            "Every event indication, when it reaches the host.",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_indicationTrace),
                            "ns3::ChimneyNetDevice::IndicationTracedCallback")
            .AddTraceSource("ResourceAllocated",
                            "A connection's ledger entry was allocated (offload success).",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_resourceAllocatedTrace),
                            "ns3::ChimneyNetDevice::ResourceTracedCallback")
            .AddTraceSource("ResourceFreed",
                            "A connection's ledger entry was freed (terminate completion).",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_resourceFreedTrace),
                            "ns3::ChimneyNetDevice::ResourceTracedCallback")
            .AddTraceSource("RequestObjects",
                            "Observation only: a request call begins, with its NBL or block "
                            "list (read-only), before any validation.",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_requestObjectsTrace),
                            "ns3::ChimneyNetDevice::RequestObjectsTracedCallback")
            .AddTraceSource("ConnectionState",
                            "An offloaded connection's lifecycle state changed: "
                            "\"<connection>/<send half>\" before and after "
                            "(ChimneyOffloadConnection).",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_connectionStateTrace),
                            "ns3::ChimneyNetDevice::ConnectionStateTracedCallback")
            .AddTraceSource("HostSend",
                            "Observation only: a packet of the node's own stack, before it goes "
                            "to the inner device (other transmitted frames are the target's).",
                            MakeTraceSourceAccessor(&ChimneyNetDevice::m_hostSendTrace),
                            "ns3::ChimneyNetDevice::HostSendTracedCallback");
    return tid;
}

ChimneyNetDevice::ChimneyNetDevice()
    : m_defect(std::make_unique<ChimneyDefect>())
{
    NS_LOG_FUNCTION(this);
}

ChimneyNetDevice::~ChimneyNetDevice()
{
    NS_LOG_FUNCTION(this);
}

void
ChimneyNetDevice::DoInitialize()
{
    if (m_hardwareFailureTime.IsStrictlyPositive())
    {
        Time delay = m_hardwareFailureTime - Simulator::Now();
        m_failureEvent = Simulator::Schedule(Max(delay, Time(0)),
                                             &ChimneyNetDevice::InjectHardwareFailure,
                                             this);
    }
    NetDevice::DoInitialize();
}

void
ChimneyNetDevice::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_failureEvent.Cancel();
    for (auto& entry : m_connections)
    {
        entry.second->timer.Cancel();
    }
    m_table.clear();
    m_connections.clear();
    m_offloadsInProgress.clear();
    m_client = nullptr;
    m_inner = nullptr;
    m_node = nullptr;
    m_rxCallback = NetDevice::ReceiveCallback();
    m_promiscRxCallback = NetDevice::PromiscReceiveCallback();
    NetDevice::DoDispose();
}

// ---------------------------------------------------------------------------------------------
// Inner device and NetDevice forwarding
// ---------------------------------------------------------------------------------------------

void
ChimneyNetDevice::SetInnerDevice(Ptr<NetDevice> inner)
{
    NS_LOG_FUNCTION(this << inner);
    NS_ABORT_MSG_IF(!inner, "ChimneyNetDevice::SetInnerDevice: null device");
    m_inner = inner;
    m_broadcast = inner->GetBroadcast();
    DetachInnerFlowControl(inner);
    m_inner->SetReceiveCallback(MakeCallback(&ChimneyNetDevice::ReceiveFromInner, this));
    if (m_promiscRxCallback.IsNull())
    {
        m_inner->SetPromiscReceiveCallback(NetDevice::PromiscReceiveCallback());
    }
    else
    {
        m_inner->SetPromiscReceiveCallback(
            MakeCallback(&ChimneyNetDevice::PromiscReceiveFromInner, this));
    }
}

void
ChimneyNetDevice::DetachInnerFlowControl(Ptr<NetDevice> inner)
{
    // Helpers such as PointToPointHelper give the link device a NetDeviceQueueInterface whose
    // queue traces stop and wake a queue disc above that device. Above the link device sits
    // this one, with no queue disc (it has no such interface), so nobody reads those stops and
    // wakes: they only cost three callbacks per frame. Queue, drops and traces stay as they are.
    Ptr<NetDeviceQueueInterface> ndqi = inner->GetObject<NetDeviceQueueInterface>();
    PointerValue txQueue;
    if (!ndqi || ndqi->GetNTxQueues() == 0 || !inner->GetAttributeFailSafe("TxQueue", txQueue))
    {
        return;
    }
    Ptr<Queue<Packet>> queue = txQueue.Get<Queue<Packet>>();
    if (!queue)
    {
        return;
    }
    using PacketQueue = Queue<Packet>;
    NetDeviceQueue* tx = PeekPointer(ndqi->GetTxQueue(0));
    PacketQueue* q = PeekPointer(queue);
    // The same callbacks NetDeviceQueue::ConnectQueueTraces connected (equal by components).
    queue->TraceDisconnectWithoutContext(
        "Enqueue",
        MakeCallback(&NetDeviceQueue::PacketEnqueued<PacketQueue>, tx).Bind(q));
    queue->TraceDisconnectWithoutContext(
        "Dequeue",
        MakeCallback(&NetDeviceQueue::PacketDequeued<PacketQueue>, tx).Bind(q));
    queue->TraceDisconnectWithoutContext(
        "DropBeforeEnqueue",
        MakeCallback(&NetDeviceQueue::PacketDiscarded<PacketQueue>, tx).Bind(q));
}

Ptr<NetDevice>
ChimneyNetDevice::GetInnerDevice() const
{
    return m_inner;
}

void
ChimneyNetDevice::SetIfIndex(const uint32_t index)
{
    m_ifIndex = index;
}

uint32_t
ChimneyNetDevice::GetIfIndex() const
{
    return m_ifIndex;
}

Ptr<Channel>
ChimneyNetDevice::GetChannel() const
{
    return m_inner ? m_inner->GetChannel() : nullptr;
}

void
ChimneyNetDevice::SetAddress(Address address)
{
    NS_ABORT_MSG_IF(!m_inner, "ChimneyNetDevice: no inner device");
    m_inner->SetAddress(address);
}

Address
ChimneyNetDevice::GetAddress() const
{
    NS_ABORT_MSG_IF(!m_inner, "ChimneyNetDevice: no inner device");
    return m_inner->GetAddress();
}

bool
ChimneyNetDevice::SetMtu(const uint16_t mtu)
{
    return m_inner && m_inner->SetMtu(mtu);
}

uint16_t
ChimneyNetDevice::GetMtu() const
{
    return m_inner ? m_inner->GetMtu() : 1500;
}

bool
ChimneyNetDevice::IsLinkUp() const
{
    return m_inner && m_inner->IsLinkUp();
}

void
ChimneyNetDevice::AddLinkChangeCallback(Callback<void> callback)
{
    NS_ABORT_MSG_IF(!m_inner, "ChimneyNetDevice: no inner device");
    m_inner->AddLinkChangeCallback(callback);
}

bool
ChimneyNetDevice::IsBroadcast() const
{
    return m_inner && m_inner->IsBroadcast();
}

Address
ChimneyNetDevice::GetBroadcast() const
{
    NS_ABORT_MSG_IF(!m_inner, "ChimneyNetDevice: no inner device");
    return m_broadcast;
}

bool
ChimneyNetDevice::IsMulticast() const
{
    return m_inner && m_inner->IsMulticast();
}

Address
ChimneyNetDevice::GetMulticast(Ipv4Address multicastGroup) const
{
    NS_ABORT_MSG_IF(!m_inner, "ChimneyNetDevice: no inner device");
    return m_inner->GetMulticast(multicastGroup);
}

Address
ChimneyNetDevice::GetMulticast(Ipv6Address addr) const
{
    NS_ABORT_MSG_IF(!m_inner, "ChimneyNetDevice: no inner device");
    return m_inner->GetMulticast(addr);
}

bool
ChimneyNetDevice::IsBridge() const
{
    return m_inner && m_inner->IsBridge();
}

bool
ChimneyNetDevice::IsPointToPoint() const
{
    return m_inner && m_inner->IsPointToPoint();
}

bool
ChimneyNetDevice::Send(Ptr<Packet> packet, const Address& dest, uint16_t protocolNumber)
{
    m_hostSendTrace(packet);
    return m_inner && m_inner->Send(packet, dest, protocolNumber);
}

bool
ChimneyNetDevice::SendFrom(Ptr<Packet> packet,
                           const Address& source,
                           const Address& dest,
                           uint16_t protocolNumber)
{
    m_hostSendTrace(packet);
    return m_inner && m_inner->SendFrom(packet, source, dest, protocolNumber);
}

Ptr<Node>
ChimneyNetDevice::GetNode() const
{
    return m_node;
}

void
ChimneyNetDevice::SetNode(Ptr<Node> node)
{
    m_node = node;
}

bool
ChimneyNetDevice::NeedsArp() const
{
    return m_inner && m_inner->NeedsArp();
}

void
ChimneyNetDevice::SetReceiveCallback(NetDevice::ReceiveCallback cb)
{
    m_rxCallback = cb;
}

void
ChimneyNetDevice::SetPromiscReceiveCallback(NetDevice::PromiscReceiveCallback cb)
{
    m_promiscRxCallback = cb;
    if (m_inner)
    {
        SetInnerDevice(m_inner);
    }
}

bool
ChimneyNetDevice::SupportsSendFrom() const
{
    return m_inner && m_inner->SupportsSendFrom();
}

// ---------------------------------------------------------------------------------------------
// Receive path: 4-tuple demultiplexing
// ---------------------------------------------------------------------------------------------

bool
ChimneyNetDevice::PeekFourTuple(Ptr<const Packet> packet,
                                ChimneyFourTuple& key,
                                uint8_t& tcpFlags) const
{
    uint8_t b[80]; // the largest IPv4 header (60) and the TCP header up to its flags
    const uint32_t n = packet->CopyData(b, sizeof(b));
    if (n < 20 || (b[0] >> 4) != 4 || b[9] != kTcpProtocol)
    {
        return false;
    }
    const uint32_t ihl = (b[0] & 0x0f) * 4u;
    const bool fragment = (b[6] & 0x20) != 0 || ((b[6] & 0x1f) << 8 | b[7]) != 0;
    if (ihl < 20 || fragment || n < ihl + 4)
    {
        return false;
    }
    auto u32 = [&b](uint32_t o) {
        return static_cast<uint32_t>(b[o]) << 24 | static_cast<uint32_t>(b[o + 1]) << 16 |
               static_cast<uint32_t>(b[o + 2]) << 8 | b[o + 3];
    };
    key.remote = u32(12);
    key.local = u32(16);
    key.remotePort = static_cast<uint16_t>(b[ihl] << 8 | b[ihl + 1]);
    key.localPort = static_cast<uint16_t>(b[ihl + 2] << 8 | b[ihl + 3]);
    tcpFlags = n >= ihl + 14 ? b[ihl + 13] : 0;
    return true;
}

ChimneyNetDevice::Connection*
ChimneyNetDevice::Lookup(Ptr<const Packet> packet, uint16_t protocol, uint8_t& tcpFlags)
{
    if (protocol != kIpv4EtherType || m_table.empty())
    {
        return nullptr;
    }
    ChimneyFourTuple key;
    if (!PeekFourTuple(packet, key, tcpFlags))
    {
        return nullptr;
    }
    auto it = m_table.find(key);
    return it == m_table.end() ? nullptr : it->second;
}

bool
ChimneyNetDevice::TakesFrame(const Connection& c, uint8_t tcpFlags) const
{
    if (c.HardwareFailed() || c.ResetSent())
    {
        return true; // dropped: a dead NIC, or W6 after our RST
    }
    // SPEC 3.5: data for a connection that is Closed goes up the ordinary path, and so does a
    // SYN in TIME_WAIT (it may open a new incarnation: the host decides).
    const TcpState state = c.engine.State();
    return state != TcpState::Closed &&
           !(state == TcpState::TimeWait && (tcpFlags & TcpSegment::SYN) != 0);
}

bool
ChimneyNetDevice::ReceiveFromInner(Ptr<NetDevice> /* device */,
                                   Ptr<const Packet> packet,
                                   uint16_t protocol,
                                   const Address& from)
{
    uint8_t tcpFlags = 0;
    Connection* c = Lookup(packet, protocol, tcpFlags);
    if (c != nullptr && TakesFrame(*c, tcpFlags))
    {
        if (!c->HardwareFailed() && (!c->ResetSent() || m_defect->TakesSegmentsAfterReset()))
        {
            DeliverToEngine(*c, packet);
        }
        return true;
    }
    if (m_rxCallback.IsNull())
    {
        return false;
    }
    return m_rxCallback(this, packet, protocol, from);
}

bool
ChimneyNetDevice::PromiscReceiveFromInner(Ptr<NetDevice> /* device */,
                                          Ptr<const Packet> packet,
                                          uint16_t protocol,
                                          const Address& from,
                                          const Address& to,
                                          PacketType type)
{
    if (type != NetDevice::PACKET_OTHERHOST)
    {
        uint8_t tcpFlags = 0;
        Connection* c = Lookup(packet, protocol, tcpFlags);
        if (c != nullptr && TakesFrame(*c, tcpFlags))
        {
            return true; // the TOE consumes it (in ReceiveFromInner)
        }
    }
    if (m_promiscRxCallback.IsNull())
    {
        return false;
    }
    return m_promiscRxCallback(this, packet, protocol, from, to, type);
}

void
ChimneyNetDevice::DeliverToEngine(Connection& c, Ptr<const Packet> packet)
{
    // The datagram's bytes copied once and parsed in place (link padding is cut by the IPv4
    // total length): a Packet copy, ns-3's Ipv4Header and a TCP parse of the rest cost several
    // times as much per frame.
    WireSegment w;
    const auto checksums = m_checksums.Get() ? WireChecksums::VERIFY : WireChecksums::IGNORE;
    if (!ParseIpv4TcpDatagram(packet, w, checksums))
    {
        NS_LOG_LOGIC("dropping a malformed datagram or one with a bad IPv4 or TCP checksum");
        return;
    }
    TcpSegment& segment = w.tcp;
    if (m_segmentProcessingTime.IsStrictlyPositive())
    {
        Simulator::Schedule(m_segmentProcessingTime,
                            &ChimneyNetDevice::ProcessSegment,
                            this,
                            c.handle,
                            c.serial,
                            std::move(segment));
        return;
    }
    c.FeedSegment(segment);
}

void
ChimneyNetDevice::ProcessSegment(OffloadHandle handle, uint64_t serial, TcpSegment segment)
{
    Connection* c = Find(handle, serial);
    if (c == nullptr || c->Uploading() || c->HardwareFailed() ||
        (c->ResetSent() && !m_defect->TakesSegmentsAfterReset()))
    {
        return; // W6: nothing taken in after our RST
    }
    c->FeedSegment(segment);
}

// ---------------------------------------------------------------------------------------------
// Connection machinery
// ---------------------------------------------------------------------------------------------

ChimneyNetDevice::Connection*
ChimneyNetDevice::Find(OffloadHandle handle, uint64_t serial)
{
    auto it = m_connections.find(handle);
    if (it == m_connections.end() || it->second->serial != serial)
    {
        return nullptr;
    }
    return it->second.get();
}

void
ChimneyNetDevice::Detach(Connection& c)
{
    auto it = m_table.find(KeyOf(c));
    if (it != m_table.end() && it->second == &c)
    {
        m_table.erase(it);
    }
}

ChimneyFourTuple
ChimneyNetDevice::KeyOf(const Connection& c)
{
    return ChimneyFourTuple{c.localAddress,
                            c.remoteAddress,
                            c.engine.LocalPort(),
                            c.engine.RemotePort()};
}

void
ChimneyNetDevice::SendSegment(Connection& c, const TcpSegment& segment)
{
    Ipv4PacketFields ip;
    ip.source = Ipv4Address(c.localAddress);
    ip.destination = Ipv4Address(c.remoteAddress);
    ip.ttl = c.ttl;
    ip.tos = c.tos;
    ip.identification = m_ipIdentification++;
    Ptr<Packet> packet = ToIpv4Packet(segment, ip, m_checksums.Get());
    m_inner->Send(packet, c.linkAddress, kIpv4EtherType);
}

TcpEngineConfig
ChimneyNetDevice::EngineConfig(const TcpOffloadBlock& block) const
{
    TcpEngineConfig config;
    config.mss = std::max<uint16_t>(block.delegated.sndMss, 1);
    config.sndBufSize = m_sndBufSize;
    config.rcvBufSize = block.cached.initialRcvWnd > 0 ? block.cached.initialRcvWnd : m_rcvBufSize;
    config.maxRetransmits = block.cached.maxRt;
    config.finWait2TimeoutNs = block.cached.finWait2Timeout.GetNanoSeconds();
    config.keepaliveIdleNs = block.cached.keepaliveIdle.GetNanoSeconds();
    config.timeWaitNs = m_timeWait.GetNanoSeconds();
    config.delayedAckTimeoutNs = m_delayedAckTimeout.GetNanoSeconds();
    config.timestamps = block.delegated.timestamps;
    config.windowScaling = block.delegated.windowScaling;
    return config;
}

void
ChimneyNetDevice::InjectHardwareFailure()
{
    NS_LOG_FUNCTION(this);
    if (m_failed)
    {
        return;
    }
    m_failed = true;
    for (auto& entry : m_connections)
    {
        Connection& c = *entry.second;
        if (c.Uploading())
        {
            continue;
        }
        c.Abort(Connection::AbortReason::HardwareFailure);
        c.timer.Cancel();
        c.Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::HARDWARE_FAILURE);
        c.Indicate(ChimneyEvent::ABORT, ChimneyUploadReason::NONE);
    }
}

bool
ChimneyNetDevice::HasFailed() const
{
    return m_failed;
}

bool
ChimneyNetDevice::IndicateRetrieve(OffloadHandle handle, ChimneyUploadReason reason)
{
    NS_LOG_FUNCTION(this << handle << reason);
    auto it = m_connections.find(handle);
    if (it == m_connections.end() || reason == ChimneyUploadReason::NONE ||
        reason == ChimneyUploadReason::HARDWARE_FAILURE)
    {
        return false;
    }
    Connection& c = *it->second;
    if (c.Uploading() || c.terminatePending || c.Aborted())
    {
        return false;
    }
    if (!IsMandatoryUploadReason(reason) && c.engine.State() != TcpState::Established)
    {
        return false; // SPEC 3.5: optional reasons never on a half-closed connection
    }
    c.Indicate(ChimneyEvent::RETRIEVE, reason);
    return true;
}

uint64_t
ChimneyNetDevice::GetResourcesHeld() const
{
    return m_resourcesHeld;
}

uint64_t
ChimneyNetDevice::GetResourceBytesHeld() const
{
    return m_resourceBytesHeld;
}

uint32_t
ChimneyNetDevice::GetOffloadedConnectionCount() const
{
    return static_cast<uint32_t>(m_table.size());
}

bool
ChimneyNetDevice::GetTcpState(OffloadHandle handle, TcpState& state) const
{
    auto it = m_connections.find(handle);
    if (it == m_connections.end())
    {
        return false;
    }
    state = it->second->engine.State();
    return true;
}

uint32_t
ChimneyNetDevice::GetConnectionStateSize()
{
    // The record, plus one node and one bucket pointer in each of the two hash tables
    // (libstdc++ nodes: next pointer, value, cached hash).
    const size_t handleNode = sizeof(void*) + sizeof(OffloadHandle) + sizeof(void*) + 8;
    const size_t tupleNode = sizeof(void*) + sizeof(ChimneyFourTuple) + sizeof(void*) + 8;
    return static_cast<uint32_t>(sizeof(Connection) + handleNode + tupleNode + 2 * sizeof(void*));
}

// ---------------------------------------------------------------------------------------------
// Seeded defects (attribute Defect)
// ---------------------------------------------------------------------------------------------

std::vector<std::string>
ChimneyNetDevice::GetDefectNames()
{
    std::vector<std::string> names{"None"};
    for (const ChimneyDefectInfo& info : ChimneyDefectRegistry::All())
    {
        names.emplace_back(info.name);
    }
    NS_ASSERT(names.size() == static_cast<size_t>(Defect::CompletionToWrongUpper) + 1);
    return names;
}

void
ChimneyNetDevice::SetDefect(Defect defect)
{
    m_defectId = defect;
    const ChimneyDefectInfo* info =
        defect == Defect::None
            ? nullptr
            : ChimneyDefectRegistry::Find(GetDefectNames()[static_cast<size_t>(defect)]);
    m_defect = info != nullptr ? info->create() : std::make_unique<ChimneyDefect>();
}

ChimneyNetDevice::Defect
ChimneyNetDevice::GetDefect() const
{
    return m_defectId;
}

int
ChimneyNetDevice::GetDefectValue() const
{
    return static_cast<int>(m_defectId);
}

void
ChimneyNetDevice::FreeLedgerEntry(OffloadHandle handle, const ChimneyFourTuple& tuple)
{
    const uint64_t bytes = GetConnectionStateSize();
    --m_resourcesHeld;
    m_resourceBytesHeld -= bytes;
    m_resourceFreedTrace(handle, tuple, bytes);
}

} // namespace ns3
