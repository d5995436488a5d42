/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_TAP_LINK_H
#define CHIMNEY_TAP_LINK_H

#include "ns3/chimney-helper.h"
#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-stack-helper.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node.h"

#include <memory>
#include <string>
#include <utility>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief One chimney host whose link is a Linux TAP device: an FdNetDevice on a file
 *        descriptor opened here (TUNSETIFF, IFF_TAP | IFF_NO_PI), wrapped in a
 *        ChimneyNetDevice exactly as a point-to-point or CSMA device is (Ethernet, ARP).
 *
 * The far side of the TAP is the Linux kernel of the namespace the program runs in: its TCP is
 * the peer. Debian's ns-3 has no usable TapFdNetDeviceHelper creator, so the descriptor is
 * opened directly, which needs root (CAP_NET_ADMIN) and /dev/net/tun. Run the simulation with
 * RealtimeSimulatorImpl (Configure()) and checksums on.
 * \code
 *   ChimneyTapLink::Configure();                 // before any other ns-3 object
 *   ChimneyTapLink tap;
 *   std::string error;
 *   if (!tap.Build("chtap0", "10.77.0.2", "255.255.255.0", &error)) { ... }
 * \endcode
 */
class ChimneyTapLink
{
  public:
    ChimneyTapLink();
    ~ChimneyTapLink();

    /// Select RealtimeSimulatorImpl (best effort: a loaded machine runs late, never aborts) and
    /// turn checksums on; call before any other ns-3 object is made.
    static void Configure();

    /**
     * \brief Whether this process can open a TAP at all.
     * \param why receives the reason when it cannot (not root, no /dev/net/tun)
     * \returns true when root and /dev/net/tun exists
     */
    static bool CanOpenTap(std::string* why);

    /**
     * \brief Fault the emulated link: each frame, in each direction, is lost with probability
     *        `loss` or held 5 ms (so that frames behind it overtake it) with probability
     *        `reorder`. A relay thread between the TAP and the FdNetDevice applies them, so the
     *        FdNetDevice's traces (pcap, verifier) see our frames before the fault and Linux's
     *        frames after it, as a receive error model on a point-to-point link would. Call
     *        before Build(); both zero (the default): the FdNetDevice reads the TAP itself.
     * \param loss loss probability, in [0, 1)
     * \param reorder hold probability, in [0, 1)
     * \param seed seed of the relay's own generator (it runs outside the simulator thread)
     */
    void SetLinkFaults(double loss, double reorder, uint32_t seed);

    /// \returns frames the relay dropped, then frames it held (zero without faults)
    std::pair<uint64_t, uint64_t> GetFaultCounts() const;

    /// \returns the device helper (attributes of the chimney device)
    ChimneyHelper& Chimney();
    /// \returns the stack helper (attributes of the host stack)
    ChimneyStackHelper& Stacks();

    /**
     * \brief Open (or create) the TAP, build the node, its FdNetDevice, chimney device, IPv4
     *        address and chimney host stack.
     * \param tapName interface name (an existing persistent TAP is attached to)
     * \param address this host's IPv4 address
     * \param mask its network mask
     * \param error receives a one-line message on failure
     * \returns false (and nothing built) on failure
     */
    bool Build(const std::string& tapName, Ipv4Address address, Ipv4Mask mask, std::string* error);

    /// \returns the chimney host's node
    Ptr<Node> GetNode() const;
    /// \returns its chimney host stack
    Ptr<ChimneyHostStack> GetStack() const;
    /// \returns the chimney device (one entry)
    NetDeviceContainer GetChimneyDevices() const;
    /// \returns the FdNetDevice under it
    Ptr<NetDevice> GetLinkDevice() const;

    /**
     * \brief Write the TAP's wire (the FdNetDevice's frames, both directions) as Ethernet pcap
     *        to DIR/NAME-NODE-DEVICE.pcap.
     * \param dir directory, created if missing
     * \param name file name prefix
     */
    void EnablePcap(const std::string& dir, const std::string& name) const;

  private:
    ChimneyHelper m_chimney;
    ChimneyStackHelper m_stacks;
    Ptr<Node> m_node;
    Ptr<NetDevice> m_link;
    NetDeviceContainer m_chimneyDevices;
    double m_loss{0};                               //!< SetLinkFaults()
    double m_reorder{0};                            //!< SetLinkFaults()
    uint32_t m_seed{1};                             //!< SetLinkFaults()
    std::unique_ptr<class ChimneyTapRelay> m_relay; //!< with faults: TAP <-> FdNetDevice
};

} // namespace ns3

#endif // CHIMNEY_TAP_LINK_H
