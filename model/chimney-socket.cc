/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-socket.h"

#include "chimney-host-stack.h"

#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/packet.h"

#include <memory>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneySocket");

NS_OBJECT_ENSURE_REGISTERED(ChimneySocket);

TypeId
ChimneySocket::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ChimneySocket")
                            .SetParent<Socket>()
                            .SetGroupName("Chimney")
                            .AddConstructor<ChimneySocket>();
    return tid;
}

ChimneySocket::ChimneySocket() = default;

ChimneySocket::~ChimneySocket() = default;

void
ChimneySocket::SetStack(Ptr<ChimneyHostStack> stack)
{
    m_stack = stack;
}

Ptr<ChimneyHostStack>
ChimneySocket::GetStack() const
{
    return m_stack;
}

OffloadHandle
ChimneySocket::GetHandle() const
{
    return m_handle;
}

Socket::SocketErrno
ChimneySocket::GetErrno() const
{
    return m_errno;
}

Socket::SocketType
ChimneySocket::GetSocketType() const
{
    return NS3_SOCK_STREAM;
}

Ptr<Node>
ChimneySocket::GetNode() const
{
    return m_stack ? m_stack->GetNode() : nullptr;
}

int
ChimneySocket::Bind(const Address& address)
{
    NS_LOG_FUNCTION(this << address);
    if (!InetSocketAddress::IsMatchingType(address))
    {
        m_errno = ERROR_INVAL; // IPv4 only
        return -1;
    }
    const InetSocketAddress inet = InetSocketAddress::ConvertFrom(address);
    const Ipv4Address ip = inet.GetIpv4();
    if (m_bound || (ip != Ipv4Address::GetAny() && ip != m_stack->GetLocalAddress()))
    {
        m_errno = ERROR_INVAL;
        return -1;
    }
    m_localPort = inet.GetPort() != 0 ? inet.GetPort() : m_stack->AllocateEphemeralPort();
    if (m_localPort == 0)
    {
        m_errno = ERROR_ADDRINUSE;
        return -1;
    }
    m_bound = true;
    return 0;
}

int
ChimneySocket::Bind()
{
    return Bind(InetSocketAddress(Ipv4Address::GetAny(), 0));
}

int
ChimneySocket::Bind6()
{
    m_errno = ERROR_AFNOSUPPORT; // the chimney model is IPv4 only
    return -1;
}

int
ChimneySocket::Connect(const Address& address)
{
    NS_LOG_FUNCTION(this << address);
    if (!InetSocketAddress::IsMatchingType(address) || m_handle != INVALID_OFFLOAD_HANDLE ||
        m_listening)
    {
        m_errno = m_handle != INVALID_OFFLOAD_HANDLE ? ERROR_ISCONN : ERROR_INVAL;
        return -1;
    }
    if (!m_bound && Bind() != 0)
    {
        return -1;
    }
    const InetSocketAddress inet = InetSocketAddress::ConvertFrom(address);
    m_remote = inet.GetIpv4();
    m_remotePort = inet.GetPort();
    m_handle = m_stack->Connect(this, m_localPort, m_remote, m_remotePort);
    if (m_handle == INVALID_OFFLOAD_HANDLE)
    {
        m_errno = ERROR_ADDRINUSE;
        return -1;
    }
    return 0;
}

int
ChimneySocket::Listen()
{
    NS_LOG_FUNCTION(this);
    if (!m_bound || m_handle != INVALID_OFFLOAD_HANDLE || !m_stack->Listen(this, m_localPort))
    {
        m_errno = ERROR_INVAL;
        return -1;
    }
    m_listening = true;
    return 0;
}

int
ChimneySocket::Close()
{
    NS_LOG_FUNCTION(this);
    if (m_listening)
    {
        m_stack->Unlisten(m_localPort);
        m_listening = false;
        return 0;
    }
    // As TcpSocketBase: the receive half stays open until the peer's FIN (SPEC 3.4, W7).
    m_closed = true;
    return ShutdownSend();
}

int
ChimneySocket::ShutdownSend()
{
    NS_LOG_FUNCTION(this);
    if (m_shutdownSend)
    {
        return 0;
    }
    if (m_handle == INVALID_OFFLOAD_HANDLE)
    {
        m_errno = ERROR_NOTCONN;
        return -1;
    }
    m_shutdownSend = true;
    const ChimneyStatus s = m_stack->Disconnect(m_handle, {}, TCP_DISCONNECT_GRACEFUL_CLOSE);
    return s == ChimneyStatus::SUCCESS ? 0 : -1;
}

int
ChimneySocket::ShutdownRecv()
{
    m_shutdownRecv = true;
    if (m_handle != INVALID_OFFLOAD_HANDLE)
    {
        m_stack->ShutdownRecv(m_handle);
    }
    return 0;
}

int
ChimneySocket::Abort()
{
    NS_LOG_FUNCTION(this);
    if (m_handle == INVALID_OFFLOAD_HANDLE)
    {
        m_errno = ERROR_NOTCONN;
        return -1;
    }
    m_shutdownSend = true;
    const ChimneyStatus s = m_stack->Disconnect(m_handle, {}, TCP_DISCONNECT_ABORTIVE_CLOSE);
    return s == ChimneyStatus::SUCCESS ? 0 : -1;
}

int
ChimneySocket::Disconnect(const std::vector<uint8_t>& finalData)
{
    NS_LOG_FUNCTION(this << finalData.size());
    if (m_handle == INVALID_OFFLOAD_HANDLE || m_shutdownSend)
    {
        m_errno = m_shutdownSend ? ERROR_SHUTDOWN : ERROR_NOTCONN;
        return -1;
    }
    m_shutdownSend = true;
    const ChimneyStatus s = m_stack->Disconnect(m_handle, finalData, TCP_DISCONNECT_GRACEFUL_CLOSE);
    return s == ChimneyStatus::SUCCESS ? 0 : -1;
}

uint32_t
ChimneySocket::GetTxAvailable() const
{
    if (m_handle == INVALID_OFFLOAD_HANDLE || m_shutdownSend)
    {
        return 0;
    }
    return m_stack->GetTxAvailable(m_handle);
}

int
ChimneySocket::Send(Ptr<Packet> p, uint32_t /* flags */)
{
    if (m_handle == INVALID_OFFLOAD_HANDLE)
    {
        m_errno = ERROR_NOTCONN;
        return -1;
    }
    if (m_shutdownSend)
    {
        m_errno = ERROR_SHUTDOWN;
        return -1;
    }
    const uint32_t size = p->GetSize();
    if (size == 0)
    {
        return 0;
    }
    if (size > GetTxAvailable())
    {
        m_errno = ERROR_MSGSIZE; // as TcpSocketBase: all or nothing, retry on the send callback
        return -1;
    }
    // Not zero-filled first: CopyData writes all size bytes.
    const std::unique_ptr<uint8_t[]> bytes(new uint8_t[size]);
    p->CopyData(bytes.get(), size);
    if (m_stack->Send(m_handle, bytes.get(), size) != size)
    {
        m_errno = ERROR_NOTCONN;
        return -1;
    }
    return static_cast<int>(size);
}

int
ChimneySocket::SendTo(Ptr<Packet> p, uint32_t flags, const Address& /* toAddress */)
{
    return Send(p, flags); // connected stream socket: the address is ignored, as in TCP
}

uint32_t
ChimneySocket::GetRxAvailable() const
{
    return m_handle == INVALID_OFFLOAD_HANDLE ? 0 : m_stack->GetRxAvailable(m_handle);
}

Ptr<Packet>
ChimneySocket::Recv(uint32_t maxSize, uint32_t /* flags */)
{
    if (m_handle == INVALID_OFFLOAD_HANDLE)
    {
        return nullptr;
    }
    std::vector<uint8_t> data = m_stack->Read(m_handle, maxSize);
    if (data.empty())
    {
        return nullptr;
    }
    return Create<Packet>(data.data(), static_cast<uint32_t>(data.size()));
}

Ptr<Packet>
ChimneySocket::RecvFrom(uint32_t maxSize, uint32_t flags, Address& fromAddress)
{
    Ptr<Packet> p = Recv(maxSize, flags);
    if (p)
    {
        fromAddress = InetSocketAddress(m_remote, m_remotePort);
    }
    return p;
}

int
ChimneySocket::GetSockName(Address& address) const
{
    address = InetSocketAddress(m_stack->GetLocalAddress(), m_localPort);
    return 0;
}

int
ChimneySocket::GetPeerName(Address& address) const
{
    if (m_handle == INVALID_OFFLOAD_HANDLE)
    {
        m_errno = ERROR_NOTCONN;
        return -1;
    }
    address = InetSocketAddress(m_remote, m_remotePort);
    return 0;
}

bool
ChimneySocket::SetAllowBroadcast(bool allowBroadcast)
{
    return !allowBroadcast; // a stream socket cannot broadcast
}

bool
ChimneySocket::GetAllowBroadcast() const
{
    return false;
}

void
ChimneySocket::AttachAccepted(OffloadHandle handle,
                              Ipv4Address remote,
                              uint16_t remotePort,
                              uint16_t localPort)
{
    m_handle = handle;
    m_remote = remote;
    m_remotePort = remotePort;
    m_localPort = localPort;
    m_bound = true;
}

void
ChimneySocket::OnConnected()
{
    NotifyConnectionSucceeded();
}

void
ChimneySocket::OnConnectFailed()
{
    NotifyConnectionFailed();
}

void
ChimneySocket::OnNewConnection(Ptr<ChimneySocket> socket, const Address& from)
{
    NotifyNewConnectionCreated(socket, from);
}

bool
ChimneySocket::OnConnectionRequest(const Address& from)
{
    return NotifyConnectionRequest(from);
}

void
ChimneySocket::OnDataReadable()
{
    if (!m_shutdownRecv)
    {
        NotifyDataRecv();
    }
}

void
ChimneySocket::OnDataSent(uint32_t acked)
{
    NotifyDataSent(acked);
}

void
ChimneySocket::OnSendSpace(uint32_t available)
{
    if (!m_shutdownSend && available > 0)
    {
        NotifySend(available);
    }
}

void
ChimneySocket::OnNormalClose()
{
    NotifyNormalClose();
}

void
ChimneySocket::OnErrorClose()
{
    m_errno = ERROR_SHUTDOWN;
    NotifyErrorClose();
}

void
ChimneySocket::OnConnectionGone()
{
    m_shutdownSend = true;
}

void
ChimneySocket::DoDispose()
{
    if (m_stack && m_handle != INVALID_OFFLOAD_HANDLE)
    {
        m_stack->ReleaseSocket(m_handle);
    }
    m_stack = nullptr;
    Socket::DoDispose();
}

} // namespace ns3
