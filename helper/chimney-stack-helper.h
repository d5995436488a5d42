/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_STACK_HELPER_H
#define CHIMNEY_STACK_HELPER_H

#include "ns3/attribute.h"
#include "ns3/chimney-host-stack.h"
#include "ns3/net-device-container.h"
#include "ns3/node.h"
#include "ns3/object-factory.h"

#include <string>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Installs ChimneyHostStack (and ChimneySocketFactory) on the nodes of chimney devices.
 *
 * Typical use, after ChimneyHelper wrapped the link devices, InternetStackHelper installed the
 * stacks and Ipv4AddressHelper assigned addresses on the chimney devices:
 * \code
 *   ChimneyStackHelper stacks;
 *   stacks.SetStackAttribute("OffloadPolicy", EnumValue(0));  // AtEstablished
 *   stacks.Install(chimneyDevices);
 *   BulkSendHelper bulk("ns3::ChimneySocketFactory", InetSocketAddress(peer, 9));
 * \endcode
 */
class ChimneyStackHelper
{
  public:
    ChimneyStackHelper();

    /**
     * \brief Set an attribute of every ChimneyHostStack created by Install().
     * \param name attribute name, e.g. "OffloadPolicy"
     * \param value its value
     */
    void SetStackAttribute(const std::string& name, const AttributeValue& value);

    /**
     * \brief Install one host stack per device, on the device's node: TCP on the device's
     *        interface, the device as the layer below, a ChimneySocketFactory on the node.
     * \param chimneyDevices ChimneyNetDevices with IPv4 addresses already assigned
     */
    void Install(NetDeviceContainer chimneyDevices) const;

    /**
     * \brief The stack installed on a node.
     * \param node the node
     * \returns the stack, or null
     */
    static Ptr<ChimneyHostStack> GetStack(Ptr<Node> node);

    /**
     * \brief Fix the random streams (initial sequence numbers) of the stacks on the devices'
     *        nodes.
     * \param chimneyDevices the devices given to Install()
     * \param stream first stream index
     * \returns the number of streams used
     */
    int64_t AssignStreams(NetDeviceContainer chimneyDevices, int64_t stream) const;

  private:
    ObjectFactory m_stackFactory; //!< creates the stacks
};

} // namespace ns3

#endif // CHIMNEY_STACK_HELPER_H
