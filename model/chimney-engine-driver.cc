/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-engine-driver.h"

namespace ns3
{

int64_t
ChimneyEngineDriver::Now()
{
    return Simulator::Now().GetNanoSeconds();
}

} // namespace ns3
