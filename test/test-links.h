/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_TEST_LINKS_H
#define CHIMNEY_TEST_LINKS_H

// The two links the system tests run over, for typed tests: point-to-point and CSMA.

#include "ns3/csma-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/string.h"
#include "ns3/wire-segment.h"

#include <string>

namespace ns3
{

/// Point-to-point link, 10 Mb/s, 5 ms.
struct P2pLink
{
    static constexpr WireLinkType kWire = WireLinkType::PPP;

    static NetDeviceContainer Install(NodeContainer& nodes)
    {
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("5ms"));
        return p2p.Install(nodes);
    }
};

/// CSMA (Ethernet) link, 10 Mb/s, 50 us (ns-3's CSMA channel stays busy for the propagation
/// delay of every frame, so a LAN-like delay keeps it from throttling the transfers).
struct CsmaLink
{
    static constexpr WireLinkType kWire = WireLinkType::ETHERNET;

    static NetDeviceContainer Install(NodeContainer& nodes)
    {
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", StringValue("10Mbps"));
        csma.SetChannelAttribute("Delay", StringValue("50us"));
        NetDeviceContainer devices = csma.Install(nodes);
        // Fixed streams: a test's backoffs must not depend on the tests run before it in the
        // same process (ns-3's test runner and test.py run every case in one process).
        csma.AssignStreams(devices, 1000);
        return devices;
    }
};

/// Names typed tests "P2p" and "Csma".
struct LinkNames
{
    template <typename T>
    static std::string GetName(int)
    {
        return std::is_same<T, P2pLink>::value ? "P2p" : "Csma";
    }
};

} // namespace ns3

#endif // CHIMNEY_TEST_LINKS_H
