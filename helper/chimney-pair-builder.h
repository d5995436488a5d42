/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_PAIR_BUILDER_H
#define CHIMNEY_PAIR_BUILDER_H

#include "ns3/chimney-helper.h"
#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-stack-helper.h"
#include "ns3/chimney-stream-endpoint.h"
#include "ns3/ipv4-interface-container.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"

#include <string>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Two hosts on one link (point-to-point or CSMA): host 0 is a chimney host (chimney
 *        device + ChimneyHostStack), host 1 is plain ns-3 TCP or a chimney host too.
 *
 * The topology of the examples and of many tests. Configure the device and stack helpers
 * (Chimney(), Stacks()) before Build().
 * \code
 *   ChimneyPairBuilder pair;
 *   pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
 *   std::string error;
 *   if (!pair.Build("csma", false, &error)) { std::cerr << error; return 1; }
 *   Ptr<Socket> s = Socket::CreateSocket(pair.GetNode(0), pair.GetSocketFactory(0));
 * \endcode
 */
class ChimneyPairBuilder
{
  public:
    ChimneyPairBuilder();

    /// \returns the device helper (attributes of the chimney devices)
    ChimneyHelper& Chimney();
    /// \returns the stack helper (attributes of the host stacks)
    ChimneyStackHelper& Stacks();

    /**
     * \brief Set a link attribute: "DataRate" (default "10Mbps") or "Delay" (default 5 ms for
     *        point-to-point, 50 us for CSMA, whose channel is busy for the delay of every frame).
     * \param name attribute name
     * \param value its value
     */
    void SetLinkAttribute(const std::string& name, const std::string& value);

    /**
     * \brief Build the two hosts.
     * \param link "p2p" or "csma"
     * \param chimneyPeer host 1 is a chimney host too
     * \param error receives a one-line message when the configuration is bad
     * \returns false (and nothing built) on a bad configuration
     */
    bool Build(const std::string& link, bool chimneyPeer, std::string* error);

    /// \param i host 0 or 1 \returns the node
    Ptr<Node> GetNode(uint32_t i) const;
    /// \param i host 0 or 1 \returns its IPv4 address
    Ipv4Address GetAddress(uint32_t i) const;
    /// \param i host 0 or 1 \returns its chimney stack (null for a plain ns-3 host)
    Ptr<ChimneyHostStack> GetStack(uint32_t i) const;
    /// \param i host 0 or 1 \returns the socket factory TypeId applications should use there
    TypeId GetSocketFactory(uint32_t i) const;
    /// \returns the chimney devices (host 0 first)
    NetDeviceContainer GetChimneyDevices() const;
    /// \returns the link devices (host 0, host 1)
    NetDeviceContainer GetLinkDevices() const;

    /**
     * \brief Listen on a host; each accepted connection is attached to the endpoint.
     * \param host 0 or 1
     * \param port the port
     * \param endpoint receives the accepted socket
     * \returns the listening socket
     */
    Ptr<Socket> Listen(uint32_t host, uint16_t port, Ptr<ChimneyStreamEndpoint> endpoint) const;

    /**
     * \brief Open a connection from a host to the other host's port, at a time.
     * \param host 0 or 1 (the connecting side)
     * \param port the other host's port
     * \param endpoint attached to the new socket now
     * \param at when to connect
     * \returns the socket
     */
    Ptr<Socket> Connect(uint32_t host,
                        uint16_t port,
                        Ptr<ChimneyStreamEndpoint> endpoint,
                        Time at) const;

    /**
     * \brief Write pcap files of the wire of every chimney device's link into a directory
     *        (created if missing): DIR/NAME-NODE-DEVICE.pcap.
     * \param dir the directory
     * \param name file name prefix inside it
     */
    void EnablePcap(const std::string& dir, const std::string& name) const;

    /**
     * \brief Write an ascii trace of each chimney device's link (DIR/NAME-NODE-DEVICE.tr); with
     *        Packet::EnablePrinting() called first, each frame's headers are printed.
     * \param dir the directory
     * \param name file name prefix inside it
     */
    void EnableAscii(const std::string& dir, const std::string& name) const;

  private:
    ChimneyHelper m_chimney;
    ChimneyStackHelper m_stacks;
    std::string m_dataRate{"10Mbps"};
    std::string m_delay; //!< empty: 5 ms point-to-point, 50 us CSMA
    NodeContainer m_nodes;
    NetDeviceContainer m_links;
    NetDeviceContainer m_chimneyDevices;
    Ipv4InterfaceContainer m_interfaces;
};

} // namespace ns3

#endif // CHIMNEY_PAIR_BUILDER_H
