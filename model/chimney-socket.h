/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SOCKET_H
#define CHIMNEY_SOCKET_H

#include "chimney-types.h"

#include "ns3/ipv4-address.h"
#include "ns3/socket.h"

#include <cstdint>
#include <vector>

namespace ns3
{

class ChimneyHostStack;

/**
 * \ingroup chimney
 * \brief A stream socket on ChimneyHostStack, so that ns-3 applications (BulkSend, PacketSink,
 *        OnOff) run unchanged on a chimney host.
 *
 * The socket is thin: the connection lives in the host stack (in software or offloaded) and
 * the socket forwards calls by handle. Closing maps onto the chimney disconnect:
 * Close() and ShutdownSend() are a graceful disconnect (FIN after every byte sent), Abort() an
 * abortive one (RST), and Disconnect() a graceful one carrying final data in the disconnect
 * buffer. As with TcpSocketBase, data the peer sends after Close() is still delivered.
 * Callbacks follow ns-3's TcpSocketBase: NormalClose when the peer's FIN arrives (after its
 * data) or at the end of our own close, ErrorClose on a reset, timeout or hardware failure.
 */
class ChimneySocket : public Socket
{
  public:
    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    ChimneySocket();
    ~ChimneySocket() override;

    /**
     * \brief Attach to a stack (done by ChimneyHostStack::CreateSocket).
     * \param stack the stack
     */
    void SetStack(Ptr<ChimneyHostStack> stack);

    /**
     * \brief Abortive close: RST, outstanding sends are discarded.
     * \returns 0, or -1 (not connected)
     */
    int Abort();

    /**
     * \brief Graceful close with final data in the disconnect request's buffer.
     * \param finalData bytes sent after everything sent before, then FIN
     * \returns 0, or -1 (not connected or already closed)
     */
    int Disconnect(const std::vector<uint8_t>& finalData);

    /// \returns the connection's offload handle (INVALID_OFFLOAD_HANDLE before connecting)
    OffloadHandle GetHandle() const;

    /// \returns the stack
    Ptr<ChimneyHostStack> GetStack() const;

    // Socket
    enum SocketErrno GetErrno() const override;
    enum SocketType GetSocketType() const override;
    Ptr<Node> GetNode() const override;
    int Bind(const Address& address) override;
    int Bind() override;
    int Bind6() override;
    int Close() override;
    int ShutdownSend() override;
    int ShutdownRecv() override;
    int Connect(const Address& address) override;
    int Listen() override;
    uint32_t GetTxAvailable() const override;
    int Send(Ptr<Packet> p, uint32_t flags) override;
    int SendTo(Ptr<Packet> p, uint32_t flags, const Address& toAddress) override;
    uint32_t GetRxAvailable() const override;
    Ptr<Packet> Recv(uint32_t maxSize, uint32_t flags) override;
    Ptr<Packet> RecvFrom(uint32_t maxSize, uint32_t flags, Address& fromAddress) override;
    int GetSockName(Address& address) const override;
    int GetPeerName(Address& address) const override;
    bool SetAllowBroadcast(bool allowBroadcast) override;
    bool GetAllowBroadcast() const override;

    // --- called by ChimneyHostStack (the connection's events) ---

    /**
     * \brief A listener's connection was accepted: this socket now owns it.
     * \param handle the connection
     * \param remote the peer
     * \param remotePort the peer's port
     * \param localPort our port
     */
    void AttachAccepted(OffloadHandle handle,
                        Ipv4Address remote,
                        uint16_t remotePort,
                        uint16_t localPort);
    /// The handshake completed (active open).
    void OnConnected();
    /// The active open failed.
    void OnConnectFailed();
    /// \param socket the new connection's socket \param from the peer
    void OnNewConnection(Ptr<ChimneySocket> socket, const Address& from);
    /// \param from the peer \returns false to refuse the connection
    bool OnConnectionRequest(const Address& from);
    /// Received data is readable.
    void OnDataReadable();
    /// \param acked bytes newly acknowledged
    void OnDataSent(uint32_t acked);
    /// \param available room to send
    void OnSendSpace(uint32_t available);
    /// The peer closed its send half (after all its data), or our close finished.
    void OnNormalClose();
    /// Reset, timeout or failure.
    void OnErrorClose();
    /// The connection ended and was forgotten by the stack.
    void OnConnectionGone();

  protected:
    void DoDispose() override;

  private:
    Ptr<ChimneyHostStack> m_stack;
    OffloadHandle m_handle{INVALID_OFFLOAD_HANDLE};
    mutable SocketErrno m_errno{ERROR_NOTERROR};
    uint16_t m_localPort{0};
    Ipv4Address m_remote;
    uint16_t m_remotePort{0};
    bool m_bound{false};
    bool m_listening{false};
    bool m_shutdownSend{false};
    bool m_shutdownRecv{false};
    bool m_closed{false};
};

} // namespace ns3

#endif // CHIMNEY_SOCKET_H
