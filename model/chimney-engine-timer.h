/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_ENGINE_TIMER_H
#define CHIMNEY_ENGINE_TIMER_H

#include "ns3/event-id.h"

#include <cstdint>
#include <functional>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The one scheduler event of a driven TcpEngine's timers (ChimneyEngineDriver::ArmTimer).
 *
 * The engine's deadline moves after nearly every round (each ACK pushes the retransmission
 * timeout back); cancelling and scheduling again each time costs the scheduler an event per
 * round, cancelled or not. So a later deadline keeps the event already due earlier: it fires,
 * finds the deadline moved and waits again. An earlier deadline replaces it. The call runs at
 * the deadline either way.
 */
class ChimneyEngineTimer
{
  public:
    ChimneyEngineTimer() = default;
    ChimneyEngineTimer(const ChimneyEngineTimer&) = delete;
    ChimneyEngineTimer& operator=(const ChimneyEngineTimer&) = delete;
    ~ChimneyEngineTimer();

    /// \returns whether the call is set (SetCall)
    bool HasCall() const
    {
        return static_cast<bool>(m_fire);
    }

    /// \param fire what the timer runs: set once, an owner's timer always calls the same thing
    void SetCall(std::function<void()> fire);

    /**
     * \brief Run the call at \p deadlineNs (at once if past), not at the deadline given before.
     * \param deadlineNs absolute time in ns; negative: not at all
     */
    void Arm(int64_t deadlineNs);

    /// Nothing runs until the next Arm.
    void Cancel();

  private:
    /// The event fired: run the call if its deadline has come, else wait for it.
    void Expire();

    /// Schedule the event at m_due.
    void ScheduleAtDue();

    EventId m_event;              //!< the scheduler event (due at or before m_due)
    int64_t m_eventAt = -1;       //!< when m_event is due, in ns (-1: none pending)
    int64_t m_due = -1;           //!< when the call is due, in ns (-1: none)
    std::function<void()> m_fire; //!< the call
};

} // namespace ns3

#endif // CHIMNEY_ENGINE_TIMER_H
