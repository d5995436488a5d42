/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef ENGINE_NS3_ADAPTER_H
#define ENGINE_NS3_ADAPTER_H

// Minimal test adapter that runs TcpEngine connections on an ns-3 node, in place of ns-3's own
// TCP, so that the engine can be tested on a real ns-3 link against TcpSocketBase. It is a test
// fixture, not the host stack: no offload, no socket API, one engine per 4-tuple.

#include "ns3/chimney-engine-timer.h"
#include "ns3/event-id.h"
#include "ns3/ip-l4-protocol.h"
#include "ns3/ipv4-address.h"
#include "ns3/node.h"
#include "ns3/tcp-engine.h"

#include <functional>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

namespace ns3
{

/**
 * \brief IpL4Protocol (TCP, protocol 6) whose connections are TcpEngine objects.
 */
class EngineL4Adapter : public IpL4Protocol
{
  public:
    /// One connection: the engine plus what its "application" saw.
    struct Connection
    {
        std::unique_ptr<TcpEngine> engine; //!< the engine (replaced by Move())
        Ipv4Address localAddress;          //!< our address
        Ipv4Address remoteAddress;         //!< the peer's address
        ChimneyEngineTimer timer;          //!< the one simulator event for NextDeadline()
        std::vector<uint8_t> received;     //!< bytes read from the engine, in order
        std::vector<TcpEvent> events;      //!< every event the engine emitted
        bool autoRead = true;              //!< read data as soon as it is readable
        uint32_t moves = 0;                //!< Export/Import moves done
        /// Called for each event after it is recorded (schedule work; do not re-enter).
        std::function<void(Connection&, const TcpEvent&)> onEvent;
    };

    /// \returns the TypeId
    static TypeId GetTypeId();

    /**
     * \brief Take over TCP on the node's IPv4 (every interface).
     * \param node a node with an Internet stack
     */
    void Install(Ptr<Node> node);

    /**
     * \brief Open a connection actively.
     * \returns the connection (owned by the adapter)
     */
    Connection& Connect(Ipv4Address local,
                        uint16_t localPort,
                        Ipv4Address remote,
                        uint16_t remotePort,
                        const TcpEngineConfig& config,
                        uint32_t iss);

    /**
     * \brief Accept connections on a port: each SYN creates an engine with this config.
     */
    void Listen(uint16_t port, const TcpEngineConfig& config, uint32_t iss);

    /// Called for every connection a listener creates, before its SYN is processed.
    std::function<void(Connection&)> onAccept;

    /// \returns the first connection (tests use one), or nullptr
    Connection* First();

    /// Queue application data; \returns bytes accepted.
    size_t Send(Connection& c, const std::vector<uint8_t>& data);
    /// Graceful half-close (FIN after queued data).
    void ShutdownSend(Connection& c);
    /// Abortive close (RST).
    void Abort(Connection& c);
    /// Read what is readable into c.received.
    void ReadAll(Connection& c);
    /// Move the connection to a fresh engine through Export/Import (delegated state).
    void Move(Connection& c);

    /**
     * \brief Export a connection's delegated state and forget the connection (it is handed to
     *        an offload target). Pending output is flushed first; c is invalid afterwards.
     * \returns the state
     */
    TcpDelegatedState Detach(Connection& c);

    /**
     * \brief Continue a connection in software from a delegated state (after an upload).
     * \returns the connection (owned by the adapter)
     */
    Connection& Adopt(Ipv4Address local,
                      uint16_t localPort,
                      Ipv4Address remote,
                      uint16_t remotePort,
                      const TcpEngineConfig& config,
                      const TcpDelegatedState& state);

    // IpL4Protocol
    int GetProtocolNumber() const override;
    RxStatus Receive(Ptr<Packet> p, const Ipv4Header& header, Ptr<Ipv4Interface> iface) override;
    RxStatus Receive(Ptr<Packet> p, const Ipv6Header& header, Ptr<Ipv6Interface> iface) override;
    void SetDownTarget(DownTargetCallback cb) override;
    void SetDownTarget6(DownTargetCallback6 cb) override;
    DownTargetCallback GetDownTarget() const override;
    DownTargetCallback6 GetDownTarget6() const override;

  protected:
    void DoDispose() override;

  private:
    /// (local port, remote address, remote port)
    using Key = std::tuple<uint16_t, uint32_t, uint16_t>;

    /// Hand the engine's segments to IPv4, record its events, re-arm its timer.
    void Flush(Connection& c);
    /// The engine's timer fired.
    void Expire(Connection* c);

    DownTargetCallback m_down;
    DownTargetCallback6 m_down6;
    std::map<Key, std::unique_ptr<Connection>> m_connections;
    std::map<uint16_t, std::pair<TcpEngineConfig, uint32_t>> m_listeners;
};

} // namespace ns3

#endif // ENGINE_NS3_ADAPTER_H
