/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-scenario-workload.h"

#include "ns3/abort.h"
#include "ns3/chimney-socket-factory.h"
#include "ns3/chimney-socket.h"
#include "ns3/inet-socket-address.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace ns3
{

namespace
{

/// Scratch buffer for pattern bytes and received bytes (one simulation thread).
std::vector<uint8_t>&
Scratch(size_t n)
{
    static std::vector<uint8_t> buffer;
    if (buffer.size() < n)
    {
        buffer.resize(n);
    }
    return buffer;
}

/// Most bytes handed to a socket in one Send call: small enough that a full send buffer is
/// several writes, i.e. several send NBLs outstanding on one connection (A4, A9 exercised).
constexpr uint32_t kChunk = 16384;

/// How the peer's half of a stream ended, as its application saw it.
enum class PeerEnd : uint8_t
{
    OPEN,   //!< nothing yet
    FIN,    //!< our FIN arrived
    RESET,  //!< error close
    CLOSED, //!< closed without a FIN (ns-3 reports a RST in ESTABLISHED this way)
};

/// The three close types.
enum class CloseType : uint8_t
{
    GRACEFUL,
    ABORTIVE,
    HALF_CLOSE,
};

const char*
CloseName(CloseType t)
{
    switch (t)
    {
    case CloseType::GRACEFUL:
        return "graceful";
    case CloseType::ABORTIVE:
        return "abortive";
    case CloseType::HALF_CLOSE:
        return "half-close";
    }
    return "?";
}

/// Read everything readable from a socket into a pattern check.
void
Drain(Ptr<Socket> socket, ChimneyPatternCheck& check)
{
    if (!socket)
    {
        return;
    }
    while (Ptr<Packet> p = socket->Recv())
    {
        const uint32_t n = p->GetSize();
        if (n == 0)
        {
            break;
        }
        std::vector<uint8_t>& buffer = Scratch(n);
        p->CopyData(buffer.data(), n);
        check.Add(buffer.data(), n);
    }
}

/// Hand pattern bytes [*queued, target) to a socket as its buffer allows.
void
SendPattern(Ptr<Socket> socket, uint64_t* queued, uint64_t target, uint8_t salt)
{
    while (*queued < target)
    {
        const uint32_t room = socket->GetTxAvailable();
        if (room == 0)
        {
            return; // again on the next send callback
        }
        const uint32_t n =
            static_cast<uint32_t>(std::min<uint64_t>({room, target - *queued, kChunk}));
        std::vector<uint8_t>& buffer = Scratch(n);
        ChimneyPatternFill(*queued, salt, buffer.data(), n);
        const int sent = socket->Send(buffer.data(), n, 0);
        if (sent <= 0)
        {
            return;
        }
        *queued += static_cast<uint64_t>(sent);
    }
}

} // namespace

/// One connection: the client on the offloading host and the peer's side of it.
struct ChimneyScenarioWorkload::Connection
{
    ChimneyScenarioWorkload* owner = nullptr;
    uint32_t record = 0; //!< index into m_records
    uint32_t host = 0;
    CloseType close = CloseType::GRACEFUL;
    uint32_t bytes = 0;      //!< everything the client sends (graceful: final data included)
    uint32_t finalBytes = 0; //!< graceful: the last bytes, sent as Disconnect() data
    uint32_t abortAt = 0;    //!< abortive: Abort() once this many bytes are queued
    uint32_t peerBytes = 0;  //!< what the peer sends back
    bool terminate = false;  //!< upload mid-transfer
    Time think;              //!< from established to the first send
    Time terminateDelay;     //!< after the offload completed
    Ipv4Address peerAddress;
    uint8_t salt = 0;     //!< client -> peer pattern
    uint8_t peerSalt = 0; //!< peer -> client pattern

    // client
    Ptr<ChimneySocket> socket;
    OffloadHandle handle = INVALID_OFFLOAD_HANDLE;
    bool connected = false;
    bool closeIssued = false;
    bool ended = false;
    uint64_t queued = 0; //!< bytes handed down (final data included once accepted)
    ChimneyPatternCheck rx;

    // peer
    Ptr<Socket> peer;
    bool peerNative = false;
    bool peerFinState = false; //!< ns-3 entered a state that follows our FIN
    bool peerCloseWhenSent = false;
    bool peerClosed = false;
    bool peerSending = false;
    PeerEnd peerEnd = PeerEnd::OPEN;
    uint64_t peerQueued = 0;
    ChimneyPatternCheck peerRx;

    ChimneyConnectionRecord& Record()
    {
        return owner->m_records[record];
    }

    // --- client ---

    void Open()
    {
        ChimneyConnectionRecord& r = Record();
        Ptr<ChimneyHostStack> stack = owner->m_stacks[host];
        socket = DynamicCast<ChimneySocket>(
            Socket::CreateSocket(stack->GetNode(), ChimneySocketFactory::GetTypeId()));
        NS_ABORT_MSG_IF(!socket, "ChimneyScenarioWorkload: no ChimneySocket on host " << host);
        owner->AttachClient(socket, this);
        r.openTime = Simulator::Now().GetSeconds();
        if (socket->Connect(InetSocketAddress(peerAddress, kPort)) != 0)
        {
            r.outcome = "NOT_OPENED";
            MarkEnded();
            return;
        }
        handle = socket->GetHandle();
        Address local;
        socket->GetSockName(local);
        const InetSocketAddress inet = InetSocketAddress::ConvertFrom(local);
        r.local = ToText(inet.GetIpv4(), inet.GetPort());
        owner->m_byHandle[host][handle] = this;
        owner->m_byTuple[Key(inet.GetIpv4(), inet.GetPort())] = this;
        if (stack->GetPhase(handle) == ChimneyHostStack::Phase::ENDED)
        {
            // ended inside Connect(): its PhaseChange came before we knew the handle
            r.closedTime = Simulator::Now().GetSeconds();
            r.outcome = ChimneyHostStack::ToString(stack->GetOutcome(handle));
            MarkEnded();
        }
    }

    static std::string ToText(Ipv4Address a, uint16_t port)
    {
        std::ostringstream s;
        a.Print(s);
        s << ":" << port;
        return s.str();
    }

    void OnConnected(Ptr<Socket>)
    {
        Record().establishedTime = Simulator::Now().GetSeconds();
        Simulator::Schedule(think, &Connection::Start, this);
    }

    void Start()
    {
        connected = true;
        Pump();
    }

    void OnConnectFailed(Ptr<Socket>)
    {
    }

    void OnRecv(Ptr<Socket> s)
    {
        Drain(s, rx);
    }

    void OnSendSpace(Ptr<Socket>, uint32_t)
    {
        Pump();
    }

    void OnClose(Ptr<Socket> s)
    {
        Drain(s, rx);
    }

    /// Send what the workload says, then close as drawn.
    void Pump()
    {
        if (!connected || closeIssued || ended)
        {
            return;
        }
        uint64_t target = bytes;
        if (close == CloseType::GRACEFUL)
        {
            target = bytes - finalBytes;
        }
        else if (close == CloseType::ABORTIVE)
        {
            target = abortAt;
        }
        SendPattern(socket, &queued, target, salt);
        if (queued < target)
        {
            return;
        }
        closeIssued = true;
        ChimneyConnectionRecord& r = Record();
        const double now = Simulator::Now().GetSeconds();
        if (close == CloseType::GRACEFUL)
        {
            std::vector<uint8_t> data(finalBytes);
            ChimneyPatternFill(queued, salt, data.data(), finalBytes);
            if (socket->Disconnect(data) == 0)
            {
                queued += finalBytes;
            }
        }
        else if (close == CloseType::ABORTIVE)
        {
            socket->Abort();
        }
        else
        {
            socket->ShutdownSend();
        }
        if (r.disconnectTime < 0)
        {
            r.disconnectTime = now; // in software: no TcpOffloadDisconnect call to time
        }
    }

    void DoTerminate()
    {
        Ptr<ChimneyHostStack> stack = owner->m_stacks[host];
        if (!ended && stack->GetPhase(handle) == ChimneyHostStack::Phase::OFFLOADED)
        {
            stack->Terminate(handle);
        }
    }

    void MarkEnded()
    {
        if (ended)
        {
            return;
        }
        ended = true;
        ++owner->m_closed;
        if (owner->onClosed)
        {
            owner->onClosed();
        }
    }

    // --- peer ---

    void PeerAttach(Ptr<Socket> s, bool native)
    {
        peer = s;
        peerNative = native;
        owner->AttachPeer(s, this);
        if (native)
        {
            s->TraceConnectWithoutContext("State", MakeCallback(&Connection::PeerState, this));
        }
        if (close != CloseType::HALF_CLOSE)
        {
            peerSending = true;
            PeerPump();
        }
    }

    void PeerRecv(Ptr<Socket> s)
    {
        Drain(s, peerRx);
    }

    void PeerSendSpace(Ptr<Socket>, uint32_t)
    {
        PeerPump();
    }

    void PeerPump()
    {
        if (!peerSending || peerClosed || peerEnd == PeerEnd::RESET || peerEnd == PeerEnd::CLOSED)
        {
            return;
        }
        SendPattern(peer, &peerQueued, peerBytes, peerSalt);
        if (peerQueued == peerBytes && peerCloseWhenSent)
        {
            peerClosed = true;
            peer->Close();
        }
    }

    void PeerState(TcpSocket::TcpStates_t, TcpSocket::TcpStates_t state)
    {
        if (!peerFinState && (state == TcpSocket::CLOSE_WAIT || state == TcpSocket::LAST_ACK ||
                              state == TcpSocket::CLOSING || state == TcpSocket::TIME_WAIT))
        {
            peerFinState = true;
            // act outside ns-3's segment processing
            Simulator::ScheduleNow(&Connection::PeerFin, this);
        }
    }

    void PeerNormalClose(Ptr<Socket> s)
    {
        Drain(s, peerRx);
        if (peerNative)
        {
            // ns-3 notifies a RST in ESTABLISHED as a normal close: its state tells them apart
            Simulator::ScheduleNow(&Connection::PeerClassify, this);
        }
        else
        {
            Simulator::ScheduleNow(&Connection::PeerFin, this);
        }
    }

    void PeerClassify()
    {
        if (!peerFinState && peerEnd == PeerEnd::OPEN)
        {
            peerEnd = PeerEnd::CLOSED;
        }
    }

    void PeerErrorClose(Ptr<Socket> s)
    {
        Drain(s, peerRx);
        if (peerEnd == PeerEnd::OPEN)
        {
            peerEnd = PeerEnd::RESET;
        }
    }

    /// Our FIN arrived: send (half-close: start sending) and close once everything is queued.
    void PeerFin()
    {
        if (peerEnd != PeerEnd::OPEN)
        {
            return;
        }
        peerEnd = PeerEnd::FIN;
        peerSending = true;
        peerCloseWhenSent = true;
        PeerPump();
    }

    /// E1/E2 for this connection (SPEC 4 E), from what both applications saw.
    bool EndToEndOk() const
    {
        const ChimneyConnectionRecord& r = owner->m_records[record];
        bool ok = rx.Intact() && peerRx.Intact() && peerRx.Received() <= queued &&
                  rx.Received() <= peerQueued;
        if (r.outcome == "CLOSED" && close != CloseType::ABORTIVE)
        {
            // E1 both ways: everything, once, in order, then the FIN
            ok = ok && peerRx.Received() == queued && peerEnd == PeerEnd::FIN &&
                 rx.Received() == peerQueued && peerQueued == peerBytes;
        }
        else if (r.outcome == "ABORTED" && close == CloseType::ABORTIVE)
        {
            // E2: a prefix, never a FIN
            ok = ok && peerEnd != PeerEnd::FIN;
        }
        return ok;
    }
};

/// The socket callbacks of every connection, one of each for the whole workload: a callback
/// made per socket cost about 2 KB per connection, kept until the run's end (80,000
/// connections: 160 MB). Each finds its connection by the socket.
struct ChimneyScenarioWorkload::SocketCallbacks
{
    /// \param workload the owner \param method a Connection method \returns its callback
    template <typename... Args>
    static Callback<void, Ptr<Socket>, Args...> To(ChimneyScenarioWorkload* workload,
                                                   void (Connection::*method)(Ptr<Socket>, Args...))
    {
        return Callback<void, Ptr<Socket>, Args...>(
            [workload, method](Ptr<Socket> socket, Args... args) {
                if (Connection* c = workload->BySocket(socket))
                {
                    (c->*method)(socket, args...);
                }
            });
    }

    /// \param w the owner
    explicit SocketCallbacks(ChimneyScenarioWorkload* w)
        : connected(To(w, &Connection::OnConnected)),
          connectFailed(To(w, &Connection::OnConnectFailed)),
          recv(To(w, &Connection::OnRecv)),
          sendSpace(To(w, &Connection::OnSendSpace)),
          close(To(w, &Connection::OnClose)),
          peerRecv(To(w, &Connection::PeerRecv)),
          peerSendSpace(To(w, &Connection::PeerSendSpace)),
          peerNormalClose(To(w, &Connection::PeerNormalClose)),
          peerErrorClose(To(w, &Connection::PeerErrorClose))
    {
    }

    Callback<void, Ptr<Socket>> connected;               //!< client: connected
    Callback<void, Ptr<Socket>> connectFailed;           //!< client: connect failed
    Callback<void, Ptr<Socket>> recv;                    //!< client: data to read
    Callback<void, Ptr<Socket>, uint32_t> sendSpace;     //!< client: room to send
    Callback<void, Ptr<Socket>> close;                   //!< client: either close
    Callback<void, Ptr<Socket>> peerRecv;                //!< peer: data to read
    Callback<void, Ptr<Socket>, uint32_t> peerSendSpace; //!< peer: room to send
    Callback<void, Ptr<Socket>> peerNormalClose;         //!< peer: normal close
    Callback<void, Ptr<Socket>> peerErrorClose;          //!< peer: error close
};

ChimneyScenarioWorkload::ChimneyScenarioWorkload(const ChimneyScenarioConfig& config)
    : m_config(config),
      m_start(CreateObject<UniformRandomVariable>()),
      m_bytes(CreateObject<UniformRandomVariable>()),
      m_peerBytes(CreateObject<UniformRandomVariable>()),
      m_close(CreateObject<UniformRandomVariable>()),
      m_final(CreateObject<UniformRandomVariable>()),
      m_abort(CreateObject<UniformRandomVariable>()),
      m_terminate(CreateObject<UniformRandomVariable>()),
      m_think(CreateObject<UniformRandomVariable>()),
      m_socketCallbacks(std::make_unique<SocketCallbacks>(this))
{
}

ChimneyScenarioWorkload::~ChimneyScenarioWorkload() = default;

int64_t
ChimneyScenarioWorkload::AssignStreams(int64_t stream)
{
    int64_t used = 0;
    for (const auto& v :
         {m_start, m_bytes, m_peerBytes, m_close, m_final, m_abort, m_terminate, m_think})
    {
        v->SetStream(stream + used++);
    }
    return used;
}

uint64_t
ChimneyScenarioWorkload::Key(Ipv4Address address, uint16_t port)
{
    return (static_cast<uint64_t>(address.Get()) << 16) | port;
}

void
ChimneyScenarioWorkload::Install(const ChimneyScenarioTopology& topology)
{
    const auto& hosts = topology.GetHosts();
    const auto& peers = topology.GetPeers();
    const uint32_t m = m_config.connections;
    m_records.resize(static_cast<size_t>(hosts.size()) * m);
    m_connections.reserve(m_records.size());
    m_byHandle.resize(hosts.size());
    m_byTuple.reserve(m_records.size());
    m_bySocket.reserve(2 * m_records.size()); // a client and a peer socket each
    m_stacks.reserve(hosts.size());

    const double window = static_cast<double>(m_config.startWindow.GetNanoSeconds());
    const double terminateWindow = 10.0 * static_cast<double>(m_config.delay.GetNanoSeconds());
    const double thinkWindow = 4.0 * static_cast<double>(m_config.delay.GetNanoSeconds());
    const double weights = m_config.graceful + m_config.abortive + m_config.halfClose;
    for (uint32_t h = 0; h < hosts.size(); ++h)
    {
        const bool owned = topology.Owns(h);
        m_stacks.push_back(hosts[h].stack); // null for another shard's host (not built)
        m_hostOfNode[hosts[h].node->GetId()] = h;
        for (uint32_t k = 0; k < m; ++k)
        {
            auto c = std::make_unique<Connection>();
            c->owner = this;
            c->record = h * m + k;
            c->host = h;
            c->peerAddress = hosts[h].peerAddress;
            c->salt = static_cast<uint8_t>(h * 131 + k * 17 + 1);
            c->peerSalt = static_cast<uint8_t>(c->salt ^ 0x5a);
            c->rx = ChimneyPatternCheck(c->peerSalt);
            c->peerRx = ChimneyPatternCheck(c->salt);
            // every draw, in a fixed order, whatever the close type
            const Time open = NanoSeconds(static_cast<int64_t>(m_start->GetValue(0, window)));
            c->bytes = m_bytes->GetInteger(m_config.bytesMin, m_config.bytesMax);
            c->peerBytes = m_peerBytes->GetInteger(m_config.peerBytesMin, m_config.peerBytesMax);
            const double u = m_close->GetValue(0, weights);
            c->close = u < m_config.graceful                       ? CloseType::GRACEFUL
                       : u < m_config.graceful + m_config.abortive ? CloseType::ABORTIVE
                                                                   : CloseType::HALF_CLOSE;
            const uint32_t finalBytes = m_final->GetInteger(0, std::min<uint32_t>(c->bytes, 2048));
            const uint32_t abortAt = m_abort->GetInteger(std::min<uint32_t>(c->bytes, 1), c->bytes);
            c->terminate = m_terminate->GetValue() < m_config.terminateMidTransfer;
            c->terminateDelay =
                NanoSeconds(static_cast<int64_t>(m_terminate->GetValue(0, terminateWindow)));
            c->think = NanoSeconds(static_cast<int64_t>(m_think->GetValue(0, thinkWindow)));
            c->finalBytes = c->close == CloseType::GRACEFUL ? finalBytes : 0;
            c->abortAt = abortAt;

            ChimneyConnectionRecord& r = m_records[c->record];
            r.host = h;
            r.index = k;
            r.remote = Connection::ToText(c->peerAddress, kPort);
            r.closeType = CloseName(c->close);
            if (!owned)
            {
                continue; // another shard's: drawn all the same, so the streams stay in step
            }
            Simulator::Schedule(open, &Connection::Open, c.get());
            m_connections.push_back(std::move(c));
        }
        if (!owned)
        {
            continue; // another shard's host is not built here
        }
        Ptr<ChimneyHostStack> stack = hosts[h].stack;
        stack->TraceConnectWithoutContext(
            "PhaseChange",
            Callback<void, OffloadHandle, std::string, std::string, std::string>(
                [this, h](OffloadHandle handle, std::string from, std::string to, std::string d) {
                    OnPhase(h, handle, from, to, d);
                }));
        stack->TraceConnectWithoutContext(
            "Call",
            Callback<void, ChimneyOp, OffloadHandle, uint64_t, uint32_t, ChimneyStatus>(
                [this, h](ChimneyOp op,
                          OffloadHandle handle,
                          uint64_t id,
                          uint32_t flags,
                          ChimneyStatus returned) { OnCall(h, op, handle, id, flags, returned); }));
        stack->TraceConnectWithoutContext(
            "Upcall",
            Callback<void, ChimneyOp, OffloadHandle, uint64_t, ChimneyStatus, uint64_t>(
                [this, h](ChimneyOp op,
                          OffloadHandle handle,
                          uint64_t id,
                          ChimneyStatus status,
                          uint64_t bytes) { OnUpcall(h, op, handle, id, status, bytes); }));
    }

    for (uint32_t p = 0; p < peers.size(); ++p)
    {
        if (!topology.OwnsPeer(p))
        {
            continue;
        }
        const bool native = !peers[p].stack;
        const TypeId factory =
            native ? TcpSocketFactory::GetTypeId() : ChimneySocketFactory::GetTypeId();
        Ptr<Socket> listener = Socket::CreateSocket(peers[p].node, factory);
        if (native)
        {
            // ns-3.37's TcpSocketBase counts our data segments that carry an old ACK as
            // duplicate ACKs, fast-retransmits, and a Close() in CLOSE_WAIT during that recovery
            // never sends its FIN. The native peer recovers by retransmission timeout only
            // (accepted sockets inherit the listener's attributes).
            listener->SetAttribute("ReTxThreshold", UintegerValue(1000000));
        }
        NS_ABORT_MSG_IF(listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), kPort)) != 0 ||
                            listener->Listen() != 0,
                        "ChimneyScenarioWorkload: cannot listen on peer " << p);
        listener->SetAcceptCallback(
            MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
            Callback<void, Ptr<Socket>, const Address&>(
                [this, p](Ptr<Socket> s, const Address& from) { Accept(p, s, from); }));
        m_listeners.push_back(listener);
    }
}

void
ChimneyScenarioWorkload::Accept(uint32_t /* peer */, Ptr<Socket> socket, const Address& from)
{
    const InetSocketAddress inet = InetSocketAddress::ConvertFrom(from);
    auto it = m_byTuple.find(Key(inet.GetIpv4(), inet.GetPort()));
    if (it == m_byTuple.end() || it->second->peer)
    {
        socket->Close(); // not one of ours (e.g. an injected SYN): refuse politely
        return;
    }
    it->second->PeerAttach(socket, !DynamicCast<ChimneySocket>(socket));
}

void
ChimneyScenarioWorkload::AttachClient(const Ptr<Socket>& socket, Connection* connection)
{
    m_bySocket[PeekPointer(socket)] = connection;
    const SocketCallbacks& callbacks = *m_socketCallbacks;
    socket->SetConnectCallback(callbacks.connected, callbacks.connectFailed);
    socket->SetRecvCallback(callbacks.recv);
    socket->SetSendCallback(callbacks.sendSpace);
    socket->SetCloseCallbacks(callbacks.close, callbacks.close);
}

void
ChimneyScenarioWorkload::AttachPeer(const Ptr<Socket>& socket, Connection* connection)
{
    m_bySocket[PeekPointer(socket)] = connection;
    const SocketCallbacks& callbacks = *m_socketCallbacks;
    socket->SetRecvCallback(callbacks.peerRecv);
    socket->SetSendCallback(callbacks.peerSendSpace);
    socket->SetCloseCallbacks(callbacks.peerNormalClose, callbacks.peerErrorClose);
}

ChimneyScenarioWorkload::Connection*
ChimneyScenarioWorkload::BySocket(const Ptr<Socket>& socket) const
{
    auto it = m_bySocket.find(PeekPointer(socket));
    return it == m_bySocket.end() ? nullptr : it->second;
}

ChimneyScenarioWorkload::Connection*
ChimneyScenarioWorkload::Find(uint32_t host, OffloadHandle handle) const
{
    const auto& map = m_byHandle[host];
    auto it = map.find(handle);
    return it == map.end() ? nullptr : it->second;
}

void
ChimneyScenarioWorkload::OnPhase(uint32_t host,
                                 OffloadHandle handle,
                                 std::string /* from */,
                                 std::string to,
                                 std::string detail)
{
    Connection* c = Find(host, handle);
    if (!c)
    {
        return;
    }
    ChimneyConnectionRecord& r = c->Record();
    const double now = Simulator::Now().GetSeconds();
    if (to == "OFFLOADED" && r.offloadTime < 0)
    {
        r.offloadTime = now;
        if (c->terminate)
        {
            Simulator::Schedule(c->terminateDelay, &Connection::DoTerminate, c);
        }
    }
    else if (to == "ENDED" && !c->ended)
    {
        r.closedTime = now;
        r.outcome = detail;
        Drain(c->socket, c->rx); // the record goes once this event is over
        c->MarkEnded();
    }
}

void
ChimneyScenarioWorkload::OnCall(uint32_t host,
                                ChimneyOp operation,
                                OffloadHandle handle,
                                uint64_t /* id */,
                                uint32_t /* flags */,
                                ChimneyStatus /* returned */)
{
    Connection* c = Find(host, handle);
    if (!c)
    {
        return;
    }
    ChimneyConnectionRecord& r = c->Record();
    const double now = Simulator::Now().GetSeconds();
    if (operation == ChimneyOp::DISCONNECT && r.disconnectTime < 0)
    {
        r.disconnectTime = now;
    }
    else if (operation == ChimneyOp::TERMINATE && r.terminateTime < 0)
    {
        r.terminateTime = now;
    }
}

void
ChimneyScenarioWorkload::OnUpcall(uint32_t host,
                                  ChimneyOp operation,
                                  OffloadHandle handle,
                                  uint64_t /* id */,
                                  ChimneyStatus status,
                                  uint64_t /* bytes */)
{
    Connection* c = Find(host, handle);
    if (!c)
    {
        return;
    }
    ChimneyConnectionRecord& r = c->Record();
    const double now = Simulator::Now().GetSeconds();
    if (operation == ChimneyOp::DISCONNECT && r.disconnectCompleteTime < 0)
    {
        r.disconnectCompleteTime = now;
        r.disconnectStatus = ToString(status);
    }
    else if (operation == ChimneyOp::TERMINATE && r.terminateCompleteTime < 0)
    {
        r.terminateCompleteTime = now;
    }
}

void
ChimneyScenarioWorkload::NoteFault(const std::string& kind,
                                   uint32_t /* nodeId */,
                                   const std::string& detail)
{
    // Every "a.b.c.d:port" in the detail that is one of our connections' local ends.
    const size_t n = detail.size();
    for (size_t i = 0; i < n; ++i)
    {
        if (!std::isdigit(static_cast<unsigned char>(detail[i])) ||
            (i > 0 &&
             (std::isdigit(static_cast<unsigned char>(detail[i - 1])) || detail[i - 1] == '.')))
        {
            continue;
        }
        uint32_t parts[5] = {0, 0, 0, 0, 0};
        size_t j = i;
        int part = 0;
        bool ok = true;
        for (; part < 5 && ok; ++part)
        {
            const size_t begin = j;
            uint64_t v = 0;
            while (j < n && std::isdigit(static_cast<unsigned char>(detail[j])) && j - begin < 6)
            {
                v = v * 10 + static_cast<uint64_t>(detail[j] - '0');
                ++j;
            }
            ok = j > begin && v <= (part < 4 ? 255U : 65535U);
            parts[part] = static_cast<uint32_t>(v);
            if (!ok || part == 4)
            {
                break;
            }
            const char sep = part < 3 ? '.' : ':';
            ok = j < n && detail[j] == sep;
            ++j;
        }
        if (!ok || part != 4)
        {
            continue;
        }
        const Ipv4Address a((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]);
        auto it = m_byTuple.find(Key(a, static_cast<uint16_t>(parts[4])));
        if (it != m_byTuple.end())
        {
            auto& faults = it->second->Record().faults;
            if (std::find(faults.begin(), faults.end(), kind) == faults.end())
            {
                faults.push_back(kind);
            }
        }
        i = j;
    }
}

void
ChimneyScenarioWorkload::Finish()
{
    for (auto& c : m_connections)
    {
        if (!c->ended && c->socket)
        {
            Drain(c->socket, c->rx);
        }
        if (c->peer)
        {
            Drain(c->peer, c->peerRx);
        }
        ChimneyConnectionRecord& r = c->Record();
        r.bytesSent = c->queued;
        r.bytesReceived = c->rx.Received();
        r.peerBytesReceived = c->peerRx.Received();
        if (r.outcome.empty())
        {
            r.outcome = c->socket ? "OPEN" : "NOT_OPENED";
        }
        r.endToEndOk = c->EndToEndOk();
    }
}

void
ChimneyScenarioWorkload::Release()
{
    for (auto& c : m_connections)
    {
        c->socket = nullptr;
        c->peer = nullptr;
    }
    m_bySocket.clear();
    m_listeners.clear();
    m_stacks.clear();
}

uint64_t
ChimneyScenarioWorkload::GetClosed() const
{
    return m_closed;
}

uint64_t
ChimneyScenarioWorkload::GetTotal() const
{
    return m_connections.size();
}

std::vector<ChimneyConnectionRecord>&
ChimneyScenarioWorkload::Records()
{
    return m_records;
}

} // namespace ns3
