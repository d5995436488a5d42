/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_EVENT_COUNTS_H
#define CHIMNEY_EVENT_COUNTS_H

#include <cstdint>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Scheduler events the module itself makes, by kind, in this process: what the
 *        lifecycle benchmark splits Simulator::GetEventCount() by (the rest is the wire and
 *        ns-3's own: links, queues, applications, ns-3's TCP timers).
 *
 * Counted when scheduled; a cancelled event still costs the scheduler one pop, so it counts.
 */
struct ChimneyEventCounts
{
    uint64_t interface = 0; //!< offload interface: requests reaching targets, upcalls, layers
    uint64_t requests = 0;  //!< of interface: host requests reaching a target
    uint64_t upcalls = 0;   //!< of interface: a target's completions and indications
    uint64_t timers = 0;    //!< TCP engine timers (offloaded and in software)
    uint64_t host = 0;      //!< host stacks' calls deferred to the end of the current instant

    /// \returns the process's counts
    static ChimneyEventCounts& Get();
};

} // namespace ns3

#endif // CHIMNEY_EVENT_COUNTS_H
