/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-four-tuple.h"

#include <sstream>

namespace ns3
{

std::string
ChimneyFourTuple::ToString() const
{
    std::ostringstream os;
    os << Ipv4Address(local) << ':' << localPort << '>' << Ipv4Address(remote) << ':' << remotePort;
    return os.str();
}

} // namespace ns3
