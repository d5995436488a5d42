/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "engine-ns3-adapter.h"

#include "ns3/chimney-engine-driver.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/simulator.h"
#include "ns3/tcp-segment-packet.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(EngineL4Adapter);

namespace
{
int64_t
NowNs()
{
    return ChimneyEngineDriver::Now();
}
} // namespace

TypeId
EngineL4Adapter::GetTypeId()
{
    static TypeId tid = TypeId("ns3::EngineL4Adapter")
                            .SetParent<IpL4Protocol>()
                            .SetGroupName("Chimney")
                            .AddConstructor<EngineL4Adapter>();
    return tid;
}

void
EngineL4Adapter::Install(Ptr<Node> node)
{
    Ptr<Ipv4L3Protocol> ipv4 = node->GetObject<Ipv4L3Protocol>();
    NS_ABORT_MSG_IF(!ipv4, "EngineL4Adapter::Install: the node has no Internet stack");
    ipv4->Insert(this); // replaces ns-3's TcpL4Protocol for protocol 6 on this node
    SetDownTarget(MakeCallback(&Ipv4::Send, PeekPointer(ipv4)));
}

EngineL4Adapter::Connection&
EngineL4Adapter::Connect(Ipv4Address local,
                         uint16_t localPort,
                         Ipv4Address remote,
                         uint16_t remotePort,
                         const TcpEngineConfig& config,
                         uint32_t iss)
{
    auto c = std::make_unique<Connection>();
    c->engine = std::make_unique<TcpEngine>(config, localPort, remotePort, iss);
    c->localAddress = local;
    c->remoteAddress = remote;
    Connection& ref = *c;
    m_connections[Key(localPort, remote.Get(), remotePort)] = std::move(c);
    ref.engine->Connect(NowNs());
    Flush(ref);
    return ref;
}

void
EngineL4Adapter::Listen(uint16_t port, const TcpEngineConfig& config, uint32_t iss)
{
    m_listeners[port] = {config, iss};
}

EngineL4Adapter::Connection*
EngineL4Adapter::First()
{
    return m_connections.empty() ? nullptr : m_connections.begin()->second.get();
}

size_t
EngineL4Adapter::Send(Connection& c, const std::vector<uint8_t>& data)
{
    size_t accepted = c.engine->Send(NowNs(), data.data(), data.size());
    Flush(c);
    return accepted;
}

void
EngineL4Adapter::ShutdownSend(Connection& c)
{
    c.engine->ShutdownSend(NowNs());
    Flush(c);
}

void
EngineL4Adapter::Abort(Connection& c)
{
    c.engine->Abort(NowNs());
    Flush(c);
}

void
EngineL4Adapter::ReadAll(Connection& c)
{
    std::vector<uint8_t> data = c.engine->Read(NowNs(), c.engine->BytesReadable());
    c.received.insert(c.received.end(), data.begin(), data.end());
    Flush(c);
}

void
EngineL4Adapter::Move(Connection& c)
{
    int64_t now = NowNs();
    TcpDelegatedState state = c.engine->Export(now);
    TcpEngineConfig config = c.engine->Config();
    uint16_t localPort = c.engine->LocalPort();
    uint16_t remotePort = c.engine->RemotePort();
    c.engine =
        std::make_unique<TcpEngine>(TcpEngine::Import(config, localPort, remotePort, state, now));
    ++c.moves;
    Flush(c);
}

TcpDelegatedState
EngineL4Adapter::Detach(Connection& c)
{
    Flush(c);
    TcpDelegatedState state = c.engine->Export(NowNs());
    c.timer.Cancel();
    m_connections.erase(Key(c.engine->LocalPort(), c.remoteAddress.Get(), c.engine->RemotePort()));
    return state;
}

EngineL4Adapter::Connection&
EngineL4Adapter::Adopt(Ipv4Address local,
                       uint16_t localPort,
                       Ipv4Address remote,
                       uint16_t remotePort,
                       const TcpEngineConfig& config,
                       const TcpDelegatedState& state)
{
    auto c = std::make_unique<Connection>();
    c->engine = std::make_unique<TcpEngine>(
        TcpEngine::Import(config, localPort, remotePort, state, NowNs()));
    c->localAddress = local;
    c->remoteAddress = remote;
    Connection& ref = *c;
    m_connections[Key(localPort, remote.Get(), remotePort)] = std::move(c);
    Flush(ref);
    return ref;
}

int
EngineL4Adapter::GetProtocolNumber() const
{
    return 6;
}

IpL4Protocol::RxStatus
EngineL4Adapter::Receive(Ptr<Packet> p, const Ipv4Header& header, Ptr<Ipv4Interface> /* iface */)
{
    TcpSegment segment;
    if (!FromPacket(p, header.GetSource(), header.GetDestination(), segment))
    {
        return RX_CSUM_FAILED;
    }
    Key key(segment.dstPort, header.GetSource().Get(), segment.srcPort);
    auto it = m_connections.find(key);
    if (it == m_connections.end())
    {
        auto listener = m_listeners.find(segment.dstPort);
        if (listener == m_listeners.end() || !(segment.flags & TcpSegment::SYN))
        {
            return RX_ENDPOINT_UNREACH;
        }
        auto c = std::make_unique<Connection>();
        c->engine = std::make_unique<TcpEngine>(listener->second.first,
                                                segment.dstPort,
                                                segment.srcPort,
                                                listener->second.second);
        c->engine->Listen();
        c->localAddress = header.GetDestination();
        c->remoteAddress = header.GetSource();
        it = m_connections.emplace(key, std::move(c)).first;
        if (onAccept)
        {
            onAccept(*it->second);
        }
    }
    Connection& c = *it->second;
    c.engine->OnSegment(NowNs(), segment);
    Flush(c);
    return RX_OK;
}

IpL4Protocol::RxStatus
EngineL4Adapter::Receive(Ptr<Packet>, const Ipv6Header&, Ptr<Ipv6Interface>)
{
    return RX_ENDPOINT_UNREACH; // IPv4 only
}

void
EngineL4Adapter::SetDownTarget(DownTargetCallback cb)
{
    m_down = cb;
}

void
EngineL4Adapter::SetDownTarget6(DownTargetCallback6 cb)
{
    m_down6 = cb;
}

IpL4Protocol::DownTargetCallback
EngineL4Adapter::GetDownTarget() const
{
    return m_down;
}

IpL4Protocol::DownTargetCallback6
EngineL4Adapter::GetDownTarget6() const
{
    return m_down6;
}

void
EngineL4Adapter::DoDispose()
{
    for (auto& entry : m_connections)
    {
        entry.second->timer.Cancel();
    }
    m_connections.clear();
    m_down = DownTargetCallback();
    m_down6 = DownTargetCallback6();
    IpL4Protocol::DoDispose();
}

void
EngineL4Adapter::Flush(Connection& c)
{
    // The driver's hooks: segments to IPv4, events recorded, data read after each round (a read
    // may open the window and emit a window update, which the next round sends).
    struct Rounds
    {
        EngineL4Adapter& adapter;
        Connection& c;

        TcpEngine* DrivenEngine()
        {
            return c.engine.get();
        }

        void BeforeRound()
        {
        }

        void Transmit(const TcpSegment& segment)
        {
            adapter.m_down(ToPacket(segment, c.localAddress, c.remoteAddress),
                           c.localAddress,
                           c.remoteAddress,
                           6,
                           nullptr);
        }

        void HandleEvent(const TcpEvent& event)
        {
            c.events.push_back(event);
            if (c.onEvent)
            {
                c.onEvent(c, event);
            }
        }

        void AfterRound()
        {
            if (c.autoRead && c.engine->BytesReadable() > 0)
            {
                std::vector<uint8_t> data = c.engine->Read(NowNs(), c.engine->BytesReadable());
                c.received.insert(c.received.end(), data.begin(), data.end());
            }
        }
    };

    Rounds rounds{*this, c};
    ChimneyEngineDriver::Run(rounds);
    ChimneyEngineDriver::ArmTimer(c.timer,
                                  c.engine->NextDeadline(),
                                  &EngineL4Adapter::Expire,
                                  this,
                                  &c);
}

void
EngineL4Adapter::Expire(Connection* c)
{
    c->engine->OnTimer(NowNs());
    Flush(*c);
}

} // namespace ns3
