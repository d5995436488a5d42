/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-engine-timer.h"

#include "chimney-event-counts.h"

#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

ChimneyEngineTimer::~ChimneyEngineTimer()
{
    m_event.Cancel(); // a no-op once the simulator is destroyed
}

void
ChimneyEngineTimer::SetCall(std::function<void()> fire)
{
    m_fire = std::move(fire);
}

void
ChimneyEngineTimer::Arm(int64_t deadlineNs)
{
    if (deadlineNs < 0)
    {
        m_due = -1; // a pending event finds nothing due
        return;
    }
    m_due = std::max(deadlineNs, Simulator::Now().GetNanoSeconds());
    if (m_eventAt >= 0 && m_eventAt <= m_due)
    {
        return; // the pending event comes first and waits again if it must
    }
    m_event.Cancel();
    ScheduleAtDue();
}

void
ChimneyEngineTimer::Cancel()
{
    m_due = -1;
    m_event.Cancel();
    m_eventAt = -1;
}

void
ChimneyEngineTimer::ScheduleAtDue()
{
    ++ChimneyEventCounts::Get().timers;
    m_eventAt = m_due;
    m_event = Simulator::Schedule(NanoSeconds(m_due) - Simulator::Now(),
                                  &ChimneyEngineTimer::Expire,
                                  this);
}

void
ChimneyEngineTimer::Expire()
{
    m_eventAt = -1;
    if (m_due < 0)
    {
        return;
    }
    if (Simulator::Now().GetNanoSeconds() < m_due)
    {
        ScheduleAtDue(); // the deadline moved back since this event was scheduled
        return;
    }
    m_due = -1;
    m_fire();
}

} // namespace ns3
