/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-stream-endpoint.h"

#include "ns3/boolean.h"
#include "ns3/chimney-pattern.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(ChimneyStreamEndpoint);

TypeId
ChimneyStreamEndpoint::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ChimneyStreamEndpoint")
            .SetParent<Application>()
            .SetGroupName("Chimney")
            .AddConstructor<ChimneyStreamEndpoint>()
            .AddAttribute("Read",
                          "Read received data (false: leave it unread; an ns-3 socket then "
                          "closes with RST).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ChimneyStreamEndpoint::m_read),
                          MakeBooleanChecker())
            .AddAttribute("WriteSize",
                          "Bytes per socket Send() call of SendAll (0: as much as the socket "
                          "takes). Small writes on an offloaded chimney socket are one send NBL "
                          "each, so that several are outstanding at once.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&ChimneyStreamEndpoint::m_writeSize),
                          MakeUintegerChecker<uint32_t>())
            .AddTraceSource("Rx",
                            "A packet of the stream was read.",
                            MakeTraceSourceAccessor(&ChimneyStreamEndpoint::m_rxTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("Tx",
                            "Bytes were queued on the socket.",
                            MakeTraceSourceAccessor(&ChimneyStreamEndpoint::m_txTrace),
                            "ns3::TracedValueCallback::Uint32")
            .AddTraceSource("End",
                            "The peer's half of the stream ended (FIN, reset or close).",
                            MakeTraceSourceAccessor(&ChimneyStreamEndpoint::m_endTrace),
                            "ns3::ChimneyStreamEndpoint::EndTracedCallback");
    return tid;
}

ChimneyStreamEndpoint::ChimneyStreamEndpoint() = default;

ChimneyStreamEndpoint::~ChimneyStreamEndpoint() = default;

void
ChimneyStreamEndpoint::DoDispose()
{
    // What was received and how it ended stay readable (E1/E2 after Simulator::Destroy()).
    m_socket = nullptr;
    m_onEnd = nullptr;
    m_done = nullptr;
    Application::DoDispose();
}

void
ChimneyStreamEndpoint::StartApplication()
{
    // The socket comes from Attach() / Accept(): nothing starts on a timer.
}

void
ChimneyStreamEndpoint::StopApplication()
{
}

std::vector<uint8_t>
ChimneyStreamEndpoint::Pattern(size_t n, uint8_t salt)
{
    return ChimneyPattern(n, salt);
}

void
ChimneyStreamEndpoint::SetRead(bool read)
{
    m_read = read;
}

void
ChimneyStreamEndpoint::SetEndCallback(std::function<void(ChimneyStreamEndpoint&)> onEnd)
{
    m_onEnd = std::move(onEnd);
}

void
ChimneyStreamEndpoint::Attach(Ptr<Socket> socket)
{
    m_socket = socket;
    socket->SetRecvCallback(MakeCallback(&ChimneyStreamEndpoint::OnRecv, this));
    socket->SetSendCallback(MakeCallback(&ChimneyStreamEndpoint::OnSendSpace, this));
    socket->SetCloseCallbacks(MakeCallback(&ChimneyStreamEndpoint::OnNormalClose, this),
                              MakeCallback(&ChimneyStreamEndpoint::OnErrorClose, this));
    // ns-3's TcpSocketBase reports a RST in ESTABLISHED as a normal close: its state trace
    // tells the two apart.
    m_tcpStates =
        socket->TraceConnectWithoutContext("State",
                                           MakeCallback(&ChimneyStreamEndpoint::OnTcpState, this));
}

void
ChimneyStreamEndpoint::OnTcpState(TcpSocket::TcpStates_t /* oldState */,
                                  TcpSocket::TcpStates_t newState)
{
    if (newState == TcpSocket::CLOSE_WAIT || newState == TcpSocket::LAST_ACK ||
        newState == TcpSocket::CLOSING || newState == TcpSocket::TIME_WAIT)
    {
        m_sawPeerFin = true;
    }
}

void
ChimneyStreamEndpoint::ClassifyNormalClose()
{
    SetEnd(m_sawPeerFin ? End::FIN : End::CLOSED);
}

void
ChimneyStreamEndpoint::Accept(Ptr<Socket> socket, const Address& /* from */)
{
    // A forked socket inherits its listener's accept callback, which holds this endpoint:
    // endpoint -> socket -> endpoint would never be freed. The accepted socket needs none.
    socket->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                              MakeNullCallback<void, Ptr<Socket>, const Address&>());
    Attach(socket);
}

void
ChimneyStreamEndpoint::SendAll(std::vector<uint8_t> data, std::function<void()> done)
{
    m_toSend = std::move(data);
    m_offset = 0;
    m_done = std::move(done);
    OnSendSpace(m_socket, m_socket->GetTxAvailable());
}

void
ChimneyStreamEndpoint::OnSendSpace(Ptr<Socket> socket, uint32_t /* available */)
{
    while (m_offset < m_toSend.size())
    {
        const uint32_t room = socket->GetTxAvailable();
        if (room == 0)
        {
            return; // retried on the next send callback
        }
        uint32_t n = std::min<uint32_t>(room, m_toSend.size() - m_offset);
        if (m_writeSize > 0)
        {
            n = std::min(n, m_writeSize);
        }
        const int sent = socket->Send(m_toSend.data() + m_offset, n, 0);
        if (sent <= 0)
        {
            return;
        }
        m_offset += static_cast<size_t>(sent);
        m_txTrace(static_cast<uint32_t>(sent));
    }
    if (m_done)
    {
        auto done = std::move(m_done);
        m_done = nullptr;
        done();
    }
}

void
ChimneyStreamEndpoint::OnRecv(Ptr<Socket> socket)
{
    if (!m_read)
    {
        return;
    }
    while (Ptr<Packet> p = socket->Recv())
    {
        if (p->GetSize() == 0)
        {
            break;
        }
        const size_t old = m_received.size();
        m_received.resize(old + p->GetSize());
        p->CopyData(m_received.data() + old, p->GetSize());
        m_rxTrace(p);
    }
}

void
ChimneyStreamEndpoint::SetEnd(End e)
{
    if (m_end != End::OPEN)
    {
        return;
    }
    m_end = e;
    m_endTime = Simulator::Now();
    m_endTrace(e);
    if (m_onEnd)
    {
        m_onEnd(*this);
    }
}

void
ChimneyStreamEndpoint::OnNormalClose(Ptr<Socket> socket)
{
    OnRecv(socket); // anything still buffered came before the end
    if (!m_tcpStates)
    {
        SetEnd(End::FIN);
        return;
    }
    // TcpSocketBase notifies before it moves to its next state.
    Simulator::ScheduleNow(&ChimneyStreamEndpoint::ClassifyNormalClose, this);
}

void
ChimneyStreamEndpoint::OnErrorClose(Ptr<Socket> /* socket */)
{
    SetEnd(End::RESET);
}

Ptr<Socket>
ChimneyStreamEndpoint::GetSocket() const
{
    return m_socket;
}

const std::vector<uint8_t>&
ChimneyStreamEndpoint::Received() const
{
    return m_received;
}

uint64_t
ChimneyStreamEndpoint::BytesQueued() const
{
    return m_offset;
}

ChimneyStreamEndpoint::End
ChimneyStreamEndpoint::GetEnd() const
{
    return m_end;
}

Time
ChimneyStreamEndpoint::GetEndTime() const
{
    return m_endTime;
}

const char*
ChimneyStreamEndpoint::ToString(End e)
{
    switch (e)
    {
    case End::OPEN:
        return "OPEN";
    case End::FIN:
        return "FIN";
    case End::RESET:
        return "RESET";
    case End::CLOSED:
        return "CLOSED";
    }
    return "?";
}

bool
ChimneyStreamEndpoint::IsPrefix(const std::vector<uint8_t>& sent, std::string* why) const
{
    if (m_received.size() > sent.size())
    {
        if (why)
        {
            *why = "received " + std::to_string(m_received.size()) + " bytes, more than the " +
                   std::to_string(sent.size()) + " sent";
        }
        return false;
    }
    auto mismatch = std::mismatch(m_received.begin(), m_received.end(), sent.begin());
    if (mismatch.first != m_received.end())
    {
        if (why)
        {
            *why = "byte " + std::to_string(mismatch.first - m_received.begin()) +
                   " differs from what was sent";
        }
        return false;
    }
    return true;
}

bool
ChimneyStreamEndpoint::CheckE1(const std::vector<uint8_t>& sent, std::string* why) const
{
    if (!IsPrefix(sent, why))
    {
        return false;
    }
    if (m_received.size() != sent.size())
    {
        if (why)
        {
            *why = "received " + std::to_string(m_received.size()) + " of " +
                   std::to_string(sent.size()) + " bytes";
        }
        return false;
    }
    if (m_end != End::FIN)
    {
        if (why)
        {
            *why = std::string("stream ended with ") + ToString(m_end) + ", not FIN";
        }
        return false;
    }
    return true;
}

bool
ChimneyStreamEndpoint::CheckE2(const std::vector<uint8_t>& sent, std::string* why) const
{
    if (!IsPrefix(sent, why))
    {
        return false;
    }
    if (m_end == End::FIN || m_end == End::OPEN)
    {
        if (why)
        {
            *why = std::string("stream ended with ") + ToString(m_end) + ", not a reset";
        }
        return false;
    }
    return true;
}

} // namespace ns3
