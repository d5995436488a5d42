/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The lifecycle benchmark's workload: host pairs, each running M sequential connections
// (connect, send B bytes, graceful close), every lifecycle checked. Included by the run of a
// mode (lifecycle-run.cc) and the scale run (lifecycle-scale.cc).

#ifndef CHIMNEY_LIFECYCLE_WORKLOAD_H
#define CHIMNEY_LIFECYCLE_WORKLOAD_H

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace chimney_bench
{

using namespace ns3;

/// What one mode's run counted.
struct Counters
{
    uint64_t started = 0;
    uint64_t completed = 0; //!< passed every check
    uint64_t failed = 0;
    std::vector<std::string> reasons; //!< the first few failures, for the report

    void Fail(const std::string& why)
    {
        ++failed;
        if (reasons.size() < 5)
        {
            reasons.push_back(why);
        }
    }
};

/// One side of a lifecycle: the socket and what it saw.
struct Side
{
    Ptr<Socket> socket;
    bool chimney = false;                             //!< a ChimneySocket (else TcpSocketBase)
    TcpSocket::TcpStates_t state = TcpSocket::CLOSED; //!< last TcpSocketBase state
    bool peerFin = false;                             //!< the peer's FIN was seen
    bool reset = false;                               //!< an error close was seen
};

class Lifecycle;

/// One host pair: its connections run one after another.
struct Pair
{
    Ptr<Node> client;
    Ptr<Node> server;
    Ipv4Address serverAddress;
    bool clientChimney = false;
    bool serverChimney = false;
    uint32_t connections = 0;     //!< M: lifecycles to run
    uint32_t bytes = 0;           //!< B
    Counters* counters = nullptr; //!< shared by all pairs of the mode
    Ptr<Socket> listener;
    std::deque<Lifecycle> lifecycles; //!< stable addresses: sockets call back into them

    void StartNext();
    void Accept(Ptr<Socket> socket, const Address& from);
};

/// \returns the TypeId of the socket factory for a chimney or ns-3 host
inline TypeId
Factory(bool chimney)
{
    return chimney ? ChimneySocketFactory::GetTypeId() : TcpSocketFactory::GetTypeId();
}

/// One connection: connect, send B bytes, close; the server closes on the client's FIN.
class Lifecycle
{
  public:
    /// \param pair the pair \param index which of its connections
    Lifecycle(Pair* pair, uint32_t index)
        : m_pair(pair),
          m_index(index)
    {
    }

    /// Open the connection now from an ephemeral port to port 9; send at once.
    void Start()
    {
        StartBound(0, 9, Time(0));
    }

    /**
     * \brief Open the connection now.
     * \param localPort the client's port (0: ephemeral)
     * \param remotePort the server's port
     * \param sendAt when to start sending (at once if already past)
     */
    void StartBound(uint16_t localPort, uint16_t remotePort, Time sendAt)
    {
        ++m_pair->counters->started;
        m_sendAt = sendAt;
        m_client.chimney = m_pair->clientChimney;
        m_client.socket = Socket::CreateSocket(m_pair->client, Factory(m_client.chimney));
        Watch(m_client, true);
        m_client.socket->SetConnectCallback(MakeCallback(&Lifecycle::OnConnected, this),
                                            MakeCallback(&Lifecycle::OnConnectFailed, this));
        if ((localPort != 0 &&
             m_client.socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), localPort)) != 0) ||
            m_client.socket->Connect(InetSocketAddress(m_pair->serverAddress, remotePort)) != 0)
        {
            Finish("connect refused locally");
        }
    }

    /// The server side was accepted.
    void Accepted(Ptr<Socket> socket)
    {
        m_server.chimney = m_pair->serverChimney;
        m_server.socket = socket;
        Watch(m_server, false);
    }

  private:
    void Watch(Side& side, bool client)
    {
        Ptr<Socket> s = side.socket;
        s->SetRecvCallback(client ? MakeCallback(&Lifecycle::OnClientRecv, this)
                                  : MakeCallback(&Lifecycle::OnServerRecv, this));
        s->SetCloseCallbacks(client ? MakeCallback(&Lifecycle::OnClientNormalClose, this)
                                    : MakeCallback(&Lifecycle::OnServerNormalClose, this),
                             client ? MakeCallback(&Lifecycle::OnClientErrorClose, this)
                                    : MakeCallback(&Lifecycle::OnServerErrorClose, this));
        if (!side.chimney)
        {
            side.state = client ? TcpSocket::SYN_SENT : TcpSocket::ESTABLISHED;
            s->TraceConnectWithoutContext("State",
                                          client ? MakeCallback(&Lifecycle::OnClientState, this)
                                                 : MakeCallback(&Lifecycle::OnServerState, this));
        }
    }

    void OnConnected(Ptr<Socket>)
    {
        m_client.socket->SetSendCallback(MakeCallback(&Lifecycle::OnSendSpace, this));
        if (m_sendAt > Simulator::Now())
        {
            Simulator::Schedule(m_sendAt - Simulator::Now(), &Lifecycle::Pump, this);
            return;
        }
        Pump();
    }

    void OnConnectFailed(Ptr<Socket>)
    {
        Finish("connect failed");
    }

    void OnSendSpace(Ptr<Socket>, uint32_t)
    {
        if (Simulator::Now() >= m_sendAt)
        {
            Pump(); // (the scale run holds its data until m_sendAt)
        }
    }

    /// Queue as much of the B bytes as the send buffer takes; Close() after the last.
    void Pump()
    {
        Ptr<Socket> s = m_client.socket;
        while (m_sent < m_pair->bytes)
        {
            const uint32_t room = s->GetTxAvailable();
            if (room == 0)
            {
                return;
            }
            const uint32_t n = std::min(room, m_pair->bytes - m_sent);
            const int sent = s->Send(Create<Packet>(n));
            if (sent <= 0)
            {
                return;
            }
            m_sent += static_cast<uint32_t>(sent);
        }
        if (!m_closeIssued)
        {
            m_closeIssued = true;
            s->Close();
        }
    }

    static void Drain(Ptr<Socket> s, uint64_t* count)
    {
        while (Ptr<Packet> p = s->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            *count += p->GetSize();
        }
    }

    void OnClientRecv(Ptr<Socket> s)
    {
        Drain(s, &m_clientReceived);
    }

    void OnServerRecv(Ptr<Socket> s)
    {
        Drain(s, &m_serverReceived);
    }

    // TcpSocketBase notifies a close before it changes state: act on the next event.
    void OnServerNormalClose(Ptr<Socket> s)
    {
        Drain(s, &m_serverReceived);
        Simulator::ScheduleNow(&Lifecycle::ServerPeerClosed, this);
    }

    void OnClientNormalClose(Ptr<Socket>)
    {
        if (m_client.chimney)
        {
            Simulator::ScheduleNow(&Lifecycle::ClientPeerClosed, this);
        }
        // ns-3: TIME_WAIT (OnClientState) says the server's FIN came.
    }

    void OnServerErrorClose(Ptr<Socket>)
    {
        m_server.reset = true;
        Finish("server saw a reset");
    }

    void OnClientErrorClose(Ptr<Socket>)
    {
        m_client.reset = true;
        Finish("client saw a reset");
    }

    void OnServerState(TcpSocket::TcpStates_t, TcpSocket::TcpStates_t now)
    {
        m_server.state = now;
    }

    void OnClientState(TcpSocket::TcpStates_t, TcpSocket::TcpStates_t now)
    {
        m_client.state = now;
        if (now == TcpSocket::TIME_WAIT)
        {
            Simulator::ScheduleNow(&Lifecycle::ClientPeerClosed, this);
        }
    }

    void ServerPeerClosed()
    {
        if (m_server.peerFin || m_done)
        {
            return;
        }
        // ns-3 reports an RST in ESTABLISHED as a normal close: only CLOSE_WAIT is a FIN.
        if (!m_server.chimney && m_server.state != TcpSocket::CLOSE_WAIT)
        {
            Finish("server closed without the client's FIN");
            return;
        }
        m_server.peerFin = true;
        if (m_serverReceived != m_pair->bytes)
        {
            Finish("server received " + std::to_string(m_serverReceived) + " of " +
                   std::to_string(m_pair->bytes) + " bytes before the FIN");
            return;
        }
        m_server.socket->Close();
    }

    void ClientPeerClosed()
    {
        if (m_client.peerFin || m_done)
        {
            return;
        }
        m_client.peerFin = true;
        if (!m_server.peerFin)
        {
            Finish("client saw the server's FIN before the server saw the client's");
            return;
        }
        m_done = true;
        // Both FINs are through; the server's LAST_ACK ends one ACK later. Check after a margin.
        Simulator::Schedule(Seconds(5), &Lifecycle::CheckClosed, this);
        Simulator::ScheduleNow(&Pair::StartNext, m_pair);
    }

    /// \returns true if the side is closed (the client may still be in TIME_WAIT)
    static bool IsClosed(const Side& side, bool client)
    {
        if (!side.chimney)
        {
            return side.state == TcpSocket::CLOSED ||
                   (client && side.state == TcpSocket::TIME_WAIT);
        }
        Ptr<ChimneySocket> cs = DynamicCast<ChimneySocket>(side.socket);
        Ptr<ChimneyHostStack> stack = cs->GetStack();
        const OffloadHandle h = cs->GetHandle();
        if (stack->GetOutcome(h) == ChimneyHostStack::Outcome::CLOSED)
        {
            return true;
        }
        const TcpState state = stack->GetTcpState(h);
        return client && state == TcpState::TimeWait &&
               stack->GetOutcome(h) == ChimneyHostStack::Outcome::OPEN;
    }

    void CheckClosed()
    {
        const bool server = IsClosed(m_server, false);
        const bool client = IsClosed(m_client, true);
        if (server && client)
        {
            ++m_pair->counters->completed;
        }
        else
        {
            m_pair->counters->Fail(std::string("pair lifecycle ") + std::to_string(m_index) + ": " +
                                   (server ? "" : "server not CLOSED ") +
                                   (client ? "" : "client not in TIME_WAIT/CLOSED"));
        }
        // The stacks keep what they still need (TIME_WAIT); the benchmark keeps nothing.
        m_client.socket = nullptr;
        m_server.socket = nullptr;
    }

    /// A failed lifecycle: count it and go on with the next.
    void Finish(const std::string& why)
    {
        if (m_done)
        {
            return;
        }
        m_done = true;
        m_pair->counters->Fail(why);
        Simulator::ScheduleNow(&Pair::StartNext, m_pair);
    }

    Pair* m_pair;
    uint32_t m_index;
    Side m_client;
    Side m_server;
    Time m_sendAt;
    uint32_t m_sent = 0;
    bool m_closeIssued = false;
    bool m_done = false;
    uint64_t m_serverReceived = 0;
    uint64_t m_clientReceived = 0;
};

inline void
Pair::StartNext()
{
    if (lifecycles.size() == connections)
    {
        return;
    }
    lifecycles.emplace_back(this, static_cast<uint32_t>(lifecycles.size()));
    lifecycles.back().Start();
}

inline void
Pair::Accept(Ptr<Socket> socket, const Address&)
{
    // Sequential: the connection being accepted is the last one started.
    lifecycles.back().Accepted(socket);
}

} // namespace chimney_bench

#endif // CHIMNEY_LIFECYCLE_WORKLOAD_H
