/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_HELPER_H
#define CHIMNEY_HELPER_H

#include "ns3/attribute.h"
#include "ns3/net-device-container.h"
#include "ns3/object-factory.h"

#include <string>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Installs ChimneyNetDevice offload targets in front of existing link devices.
 *
 * \code
 *   NetDeviceContainer links = p2p.Install(nodes);
 *   ChimneyHelper chimney;
 *   chimney.SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(256));
 *   NetDeviceContainer targets = chimney.Install(NetDeviceContainer(links.Get(0)));
 *   internet.Install(nodes);
 *   address.Assign(NetDeviceContainer(targets.Get(0), links.Get(1)));
 * \endcode
 */
class ChimneyHelper
{
  public:
    ChimneyHelper();

    /**
     * \brief Set an attribute of every ChimneyNetDevice created by Install().
     * \param name attribute name, e.g. "RequestLatency"
     * \param value its value
     */
    void SetDeviceAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Wrap each link device in a ChimneyNetDevice added to the same node.
     *
     * The link device stays on the node but its frames now reach the node through the chimney
     * device; assign IP addresses on the returned devices.
     * \param inner link devices already added to their nodes
     * \returns the chimney devices, in the same order
     */
    NetDeviceContainer Install(NetDeviceContainer inner) const;

    /**
     * \brief Write the wire of each chimney device's link, both directions, to
     *        PREFIX-NODE-DEVICE.pcap (PPP for point-to-point, Ethernet for CSMA links), which
     *        Wireshark and tshark read.
     * \param prefix file name prefix, e.g. "out/graceful"
     * \param chimneyDevices devices returned by Install()
     */
    void EnablePcap(const std::string& prefix, NetDeviceContainer chimneyDevices) const;

    /**
     * \brief Write the wire of each chimney device's link as text to PREFIX-NODE-DEVICE.tr, one
     *        line per frame: time, direction-agnostic sniffer event, and the packet printed.
     * \param prefix file name prefix
     * \param chimneyDevices devices returned by Install()
     */
    void EnableAscii(const std::string& prefix, NetDeviceContainer chimneyDevices) const;

    /**
     * \brief Assign random-variable streams. The chimney device draws no random numbers.
     * \param devices the devices
     * \param stream first stream index
     * \returns the number of streams used (0)
     */
    int64_t AssignStreams(NetDeviceContainer devices, int64_t stream);

  private:
    ObjectFactory m_deviceFactory; //!< creates the ChimneyNetDevices
};

} // namespace ns3

#endif // CHIMNEY_HELPER_H
