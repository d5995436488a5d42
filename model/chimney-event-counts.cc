/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-event-counts.h"

namespace ns3
{

ChimneyEventCounts&
ChimneyEventCounts::Get()
{
    static ChimneyEventCounts counts;
    return counts;
}

} // namespace ns3
