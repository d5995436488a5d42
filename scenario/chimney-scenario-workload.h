/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCENARIO_WORKLOAD_H
#define CHIMNEY_SCENARIO_WORKLOAD_H

#include "ns3/chimney-pattern.h"
#include "ns3/chimney-scenario-topology.h"
#include "ns3/chimney-scenario.h"
#include "ns3/chimney-status.h"
#include "ns3/random-variable-stream.h"
#include "ns3/socket.h"
#include "ns3/tcp-socket.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The applications of a scenario: per connection, a client on the offloading host
 *        (ChimneySocket) and the peer's server side (ns-3 TcpSocketBase or ChimneySocket),
 *        with the workload drawn from named random streams.
 *
 * Client: connects at a time in [0, startWindow), waits a drawn think time in
 * [0, 4 x delay) after the handshake (so that most data flows offloaded, some while the
 * offload is still in progress), sends its pattern bytes as the socket allows, then closes as
 * drawn: graceful (the last bytes go as the data of Disconnect()), abortive (Abort() right after a
 * drawn number of bytes was queued: sends outstanding) or half-close (ShutdownSend() after all
 * bytes; the peer only starts sending then, and closes later). A drawn share of connections is
 * uploaded mid-transfer (ChimneyHostStack::Terminate a drawn time after the offload completed) and
 * finishes in software. It reads and checks everything the peer sends.
 *
 * Peer: accepts on port 5000, reads and checks everything, sends its own pattern bytes back
 * (at once, or after our FIN for a half-close) and closes once it saw our FIN and queued its
 * bytes.
 *
 * The connection record (ChimneyConnectionRecord) is filled from the host stack's traces
 * (Call, Upcall, PhaseChange) and the sockets' callbacks; Finish() decides E1/E2.
 */
class ChimneyScenarioWorkload
{
  public:
    /// The TCP port peers listen on.
    static constexpr uint16_t kPort = 5000;

    /**
     * \param config the scenario (its workload fields)
     */
    explicit ChimneyScenarioWorkload(const ChimneyScenarioConfig& config);
    ~ChimneyScenarioWorkload();

    ChimneyScenarioWorkload(const ChimneyScenarioWorkload&) = delete;
    ChimneyScenarioWorkload& operator=(const ChimneyScenarioWorkload&) = delete;

    /**
     * \brief Use fixed random streams, one per named draw ("workload.start", "workload.bytes",
     *        "workload.peerBytes", "workload.close", "workload.final", "workload.abort",
     *        "workload.terminate", "workload.think").
     * \param stream first stream index
     * \returns streams used
     */
    int64_t AssignStreams(int64_t stream);

    /**
     * \brief Draw every connection's workload (host by host, connection by connection), listen
     *        on every peer, hook the host stacks' traces and schedule the opens of the hosts
     *        this process simulates (ChimneyScenarioTopology::Owns()).
     * \param topology the built network
     */
    void Install(const ChimneyScenarioTopology& topology);

    /// Called (inside the simulation) whenever a connection ended on its host stack.
    std::function<void()> onClosed;

    /**
     * \brief Note a fired fault on the connection it names: `detail` is searched for the
     *        connection's "address:port" on that node.
     * \param kind the fault kind
     * \param nodeId the node it hit
     * \param detail the injector's one-line detail
     */
    void NoteFault(const std::string& kind, uint32_t nodeId, const std::string& detail);

    /**
     * \brief Read what is left on the sockets and decide E1/E2 for every record. Call after
     *        Simulator::Run(), before Simulator::Destroy().
     */
    void Finish();

    /**
     * \brief Drop every socket (before Simulator::Destroy()).
     */
    void Release();

    /// \returns connections ended on their host stacks so far
    uint64_t GetClosed() const;
    /// \returns connections this process simulates (every one, unless sharded)
    uint64_t GetTotal() const;
    /// \returns the records (one per connection, host then index)
    std::vector<ChimneyConnectionRecord>& Records();

  private:
    struct Connection;
    struct SocketCallbacks;

    void OnPhase(uint32_t host,
                 OffloadHandle handle,
                 std::string from,
                 std::string to,
                 std::string detail);
    void OnCall(uint32_t host,
                ChimneyOp operation,
                OffloadHandle handle,
                uint64_t id,
                uint32_t flags,
                ChimneyStatus returned);
    void OnUpcall(uint32_t host,
                  ChimneyOp operation,
                  OffloadHandle handle,
                  uint64_t id,
                  ChimneyStatus status,
                  uint64_t bytes);
    Connection* Find(uint32_t host, OffloadHandle handle) const;
    void Accept(uint32_t peer, Ptr<Socket> socket, const Address& from);
    static uint64_t Key(Ipv4Address address, uint16_t port);
    /**
     * \brief Give a client socket the shared callbacks, which reach its connection.
     * \param socket the connection's socket on its host
     * \param connection its connection
     */
    void AttachClient(const Ptr<Socket>& socket, Connection* connection);
    /**
     * \brief Give a peer socket the shared callbacks, which reach its connection.
     * \param socket the accepted socket on the peer
     * \param connection its connection
     */
    void AttachPeer(const Ptr<Socket>& socket, Connection* connection);
    /// \param socket a socket \returns its connection, null for a socket not attached
    Connection* BySocket(const Ptr<Socket>& socket) const;

    const ChimneyScenarioConfig& m_config;
    Ptr<UniformRandomVariable> m_start;
    Ptr<UniformRandomVariable> m_bytes;
    Ptr<UniformRandomVariable> m_peerBytes;
    Ptr<UniformRandomVariable> m_close;
    Ptr<UniformRandomVariable> m_final;
    Ptr<UniformRandomVariable> m_abort;
    Ptr<UniformRandomVariable> m_terminate;
    Ptr<UniformRandomVariable> m_think;

    std::vector<ChimneyConnectionRecord> m_records;
    std::vector<std::unique_ptr<Connection>> m_connections;
    std::vector<std::unordered_map<OffloadHandle, Connection*>> m_byHandle; //!< per host
    std::unordered_map<uint64_t, Connection*> m_byTuple; //!< host address:port -> connection
    std::unordered_map<uint32_t, uint32_t> m_hostOfNode; //!< node id -> host index
    std::vector<Ptr<Socket>> m_listeners;
    std::vector<Ptr<ChimneyHostStack>> m_stacks;               //!< per host
    std::unique_ptr<SocketCallbacks> m_socketCallbacks;        //!< shared by every connection
    std::unordered_map<const Socket*, Connection*> m_bySocket; //!< client and peer sockets
    uint64_t m_closed{0};
};

} // namespace ns3

#endif // CHIMNEY_SCENARIO_WORKLOAD_H
