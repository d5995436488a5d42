/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-engine-driver.h"

#include <algorithm>

namespace ns3
{

int64_t
ChimneyEngineDriver::Now()
{
    return Simulator::Now().GetNanoSeconds();
}

Time
ChimneyEngineDriver::DelayUntil(int64_t deadlineNs)
{
    return NanoSeconds(std::max<int64_t>(0, deadlineNs - Now()));
}

} // namespace ns3
