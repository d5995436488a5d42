/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_FOUR_TUPLE_H
#define CHIMNEY_FOUR_TUPLE_H

#include "ns3/ipv4-address.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <tuple>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The 4-tuple of a TCP connection as seen from one node ("local" is that node): the key
 *        the device demultiplexes by, the verifier's shadow and the fault injectors look
 *        connections up by, and what the ResourceAllocated / ResourceFreed traces carry.
 *
 * Addresses are kept as Ipv4Address::Get() values so that the tuple is 12 bytes, hashes fast
 * and brace-initialises from a frame's fields: ChimneyFourTuple{local, remote, lport, rport}.
 */
struct ChimneyFourTuple
{
    uint32_t local = 0;      //!< this node's IPv4 address (Ipv4Address::Get())
    uint32_t remote = 0;     //!< the peer's IPv4 address
    uint16_t localPort = 0;  //!< this node's port
    uint16_t remotePort = 0; //!< the peer's port

    /// \returns the local address as an Ipv4Address
    Ipv4Address LocalAddress() const
    {
        return Ipv4Address(local);
    }

    /// \returns the remote address as an Ipv4Address
    Ipv4Address RemoteAddress() const
    {
        return Ipv4Address(remote);
    }

    /// \param o other \returns true if equal
    bool operator==(const ChimneyFourTuple& o) const
    {
        return local == o.local && remote == o.remote && localPort == o.localPort &&
               remotePort == o.remotePort;
    }

    /// \param o other \returns a strict weak order (deterministic map keys)
    bool operator<(const ChimneyFourTuple& o) const
    {
        return std::tie(local, remote, localPort, remotePort) <
               std::tie(o.local, o.remote, o.localPort, o.remotePort);
    }

    /// \returns "10.1.1.1:49153>10.1.1.2:9"
    std::string ToString() const;
};

/**
 * \ingroup chimney
 * \brief splitmix64 over the packed tuple (unordered containers keyed by ChimneyFourTuple).
 */
struct ChimneyFourTupleHash
{
    /// \param t the tuple \returns its hash
    size_t operator()(const ChimneyFourTuple& t) const
    {
        uint64_t x = (static_cast<uint64_t>(t.local) << 32) ^ t.remote;
        x ^= (static_cast<uint64_t>(t.localPort) << 48) ^ static_cast<uint64_t>(t.remotePort);
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return static_cast<size_t>(x ^ (x >> 31));
    }
};

} // namespace ns3

#endif // CHIMNEY_FOUR_TUPLE_H
