/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_STREAM_ENDPOINT_H
#define CHIMNEY_STREAM_ENDPOINT_H

#include "ns3/application.h"
#include "ns3/nstime.h"
#include "ns3/socket.h"
#include "ns3/tcp-socket.h"
#include "ns3/traced-callback.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief One end of a TCP stream in an example or test, as an ns-3 Application: sends
 *        pattern data (ChimneyPattern()) as the socket's buffer allows, records every byte it
 *        receives and how the stream ended, and checks the SPEC's end-to-end rules E1
 *        (graceful: exactly the bytes sent, in order, once, then end of stream) and E2
 *        (abortive: a prefix, then a reset).
 *
 * Works on any ns-3 stream socket: ChimneySocket and TcpSocketBase alike. The socket is given
 * by Attach() or Accept() (ChimneyPairBuilder::Listen / Connect do it); installing the
 * application on a node is not needed.
 */
class ChimneyStreamEndpoint : public Application
{
  public:
    /// How the peer's half of the stream ended, as this endpoint saw it.
    enum class End : uint8_t
    {
        OPEN,   //!< nothing yet
        FIN,    //!< end of stream (normal close)
        RESET,  //!< reset / error close
        CLOSED, //!< closed without a FIN seen (ns-3 reports a RST in ESTABLISHED this way)
    };

    /**
     * \brief Get the type ID.
     * \returns the object TypeId
     */
    static TypeId GetTypeId();

    ChimneyStreamEndpoint();
    ~ChimneyStreamEndpoint() override;

    /// TracedCallback signature of the "End" trace source.
    typedef void (*EndTracedCallback)(End end);

    /**
     * \brief Pattern data (ChimneyPattern()): every byte depends on its offset, so loss,
     *        duplication and reordering all show.
     * \param n bytes
     * \param salt varies the pattern between streams
     * \returns the bytes
     */
    static std::vector<uint8_t> Pattern(size_t n, uint8_t salt);

    /**
     * \brief Take over a socket's receive, send and close callbacks.
     * \param socket the socket (connected or accepted)
     */
    void Attach(Ptr<Socket> socket);

    /**
     * \brief Listener accept callback: attaches the accepted socket.
     * \param socket the new socket
     * \param from the peer
     */
    void Accept(Ptr<Socket> socket, const Address& from);

    /**
     * \brief Send bytes as buffer space allows, then call done (e.g. to close).
     * \param data the bytes
     * \param done called once, right after the last byte was queued (may be empty)
     */
    void SendAll(std::vector<uint8_t> data, std::function<void()> done = {});

    /**
     * \brief Read received data or leave it unread (attribute "Read").
     * \param read false: leave it unread (an ns-3 socket then closes with RST)
     */
    void SetRead(bool read);

    /**
     * \brief Set what to do once the peer's half ended (FIN or reset), e.g. close our half.
     * \param onEnd called once, after the "End" trace source
     */
    void SetEndCallback(std::function<void(ChimneyStreamEndpoint&)> onEnd);

    /// \returns the socket
    Ptr<Socket> GetSocket() const;
    /// \returns the bytes received so far
    const std::vector<uint8_t>& Received() const;
    /// \returns bytes queued so far by SendAll
    uint64_t BytesQueued() const;
    /// \returns how the peer's half ended
    End GetEnd() const;
    /// \returns when it ended (negative while OPEN)
    Time GetEndTime() const;
    /// \param e an end \returns "FIN", "RESET", ...
    static const char* ToString(End e);

    /**
     * \brief E1: received exactly `sent`, then end of stream.
     * \param sent what the other application sent (sends plus disconnect data)
     * \param why receives a one-line reason when false (may be null)
     * \returns true if E1 holds
     */
    bool CheckE1(const std::vector<uint8_t>& sent, std::string* why) const;

    /**
     * \brief E2: received a prefix of `sent`, then a reset (or a close without FIN).
     * \param sent what the other application sent
     * \param why receives a one-line reason when false (may be null)
     * \returns true if E2 holds
     */
    bool CheckE2(const std::vector<uint8_t>& sent, std::string* why) const;

  protected:
    void DoDispose() override;

  private:
    void StartApplication() override;
    void StopApplication() override;
    void OnRecv(Ptr<Socket> socket);
    void OnSendSpace(Ptr<Socket> socket, uint32_t available);
    void OnNormalClose(Ptr<Socket> socket);
    void OnErrorClose(Ptr<Socket> socket);
    void OnTcpState(TcpSocket::TcpStates_t oldState, TcpSocket::TcpStates_t newState);
    void ClassifyNormalClose();
    void SetEnd(End e);
    bool IsPrefix(const std::vector<uint8_t>& sent, std::string* why) const;

    bool m_read{true};       //!< attribute "Read"
    uint32_t m_writeSize{0}; //!< attribute "WriteSize" (0: as much as the socket takes)
    std::function<void(ChimneyStreamEndpoint&)> m_onEnd;
    TracedCallback<Ptr<const Packet>> m_rxTrace; //!< "Rx": every packet read
    TracedCallback<uint32_t> m_txTrace;          //!< "Tx": bytes queued by each Send
    TracedCallback<End> m_endTrace;              //!< "End": how the peer's half ended
    Ptr<Socket> m_socket;
    std::vector<uint8_t> m_received;
    std::vector<uint8_t> m_toSend;
    size_t m_offset{0};
    std::function<void()> m_done;
    bool m_tcpStates{false};  //!< the socket reports TcpSocketBase states
    bool m_sawPeerFin{false}; //!< it entered a state that follows the peer's FIN
    End m_end{End::OPEN};
    Time m_endTime{-1};
};

} // namespace ns3

#endif // CHIMNEY_STREAM_ENDPOINT_H
