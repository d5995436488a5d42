/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef OFFLOAD_STATE_H
#define OFFLOAD_STATE_H

#include "chimney-status.h"
#include "chimney-types.h"
#include "net-buffer-list.h"
#include "tcp-delegated-state.h"

#include "ns3/address.h"
#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"
#include "ns3/ptr.h"
#include "ns3/simple-ref-count.h"

#include <functional>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Host-owned TCP variables the target may read but never change (SPEC 2, "cached").
 */
struct TcpCachedState
{
    uint8_t ttl = 64;                  //!< IPv4 TTL of transmitted segments
    uint8_t tos = 0;                   //!< IPv4 type of service
    uint32_t initialRcvWnd = 131072;   //!< receive buffer the target offers (bytes)
    uint32_t maxRt = 6;                //!< retransmissions before Retrieve(TimeoutExpiration)
    Time finWait2Timeout = Seconds(0); //!< FIN_WAIT_2 timer (0: none)
    Time keepaliveIdle = Seconds(0);   //!< keepalive idle time (0: off)
};

/**
 * \ingroup chimney
 * \brief TCP offload block: one connection's state at the interface.
 *
 * Const (ports), cached (TcpCachedState) and delegated (TcpDelegatedState) variables, the
 * per-block status written by the target, and on terminate the returned send data.
 */
struct TcpOffloadBlock
{
    OffloadHandle handle = INVALID_OFFLOAD_HANDLE; //!< chosen by the host
    uint16_t localPort = 0;                        //!< const
    uint16_t remotePort = 0;                       //!< const
    TcpCachedState cached;                         //!< cached
    TcpDelegatedState delegated;                   //!< delegated (offload: in; terminate: out)
    ChimneyStatus status = ChimneyStatus::PENDING; //!< written by the target
    /// Terminate: outstanding send NBLs in original order, null when none (A9).
    Ptr<NetBufferList> sendDataHead;
};

/**
 * \ingroup chimney
 * \brief Path offload block: an IPv4 source/destination pair and its TCP blocks.
 */
struct PathOffloadBlock
{
    Ipv4Address source;                            //!< const: local address
    Ipv4Address destination;                       //!< const: remote address
    uint32_t pathMtu = 1500;                       //!< cached
    ChimneyStatus status = ChimneyStatus::PENDING; //!< written by the target
    std::vector<TcpOffloadBlock> connections;      //!< dependents
};

/**
 * \ingroup chimney
 * \brief Neighbor offload block: the link-layer next hop and the paths through it.
 */
struct NeighborOffloadBlock
{
    Ipv4Address neighbor;                          //!< const: next-hop IPv4 address
    Address linkAddress;                           //!< cached: next-hop link-layer address
    ChimneyStatus status = ChimneyStatus::PENDING; //!< written by the target
    std::vector<PathOffloadBlock> paths;           //!< dependents
};

/**
 * \ingroup chimney
 * \brief The block list of an initiate-offload or terminate-offload request.
 *
 * A tree, neighbor <- path <- TCP, as the NDIS offload state tree (SPEC 2). The same object is
 * handed back by the completion (A2); it stays valid until then.
 */
class OffloadBlockList : public SimpleRefCount<OffloadBlockList>
{
  public:
    /// Visit every TCP block with its path and neighbor.
    void ForEachTcp(
        const std::function<void(NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock&)>& f);

    /// \returns the number of TCP blocks in the tree
    size_t TcpBlockCount() const;

    /**
     * \brief Build a list holding one connection (the common case).
     *
     * Taken by value: a caller passing temporaries (std::move) hands the delegated state's
     * send and receive data over without a copy.
     * \param neighbor next-hop address and link address (its paths are dropped)
     * \param path the IPv4 pair (its connections are dropped)
     * \param tcp the TCP block
     * \returns the list
     */
    static Ptr<OffloadBlockList> ForOneConnection(NeighborOffloadBlock neighbor,
                                                  PathOffloadBlock path,
                                                  TcpOffloadBlock tcp);

    uint64_t id = 0;                               //!< creator's identifier
    std::vector<NeighborOffloadBlock> neighbors;   //!< the tree's roots
    ChimneyStatus status = ChimneyStatus::PENDING; //!< overall completion status
};

} // namespace ns3

#endif // OFFLOAD_STATE_H
