/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_ENGINE_DRIVER_H
#define CHIMNEY_ENGINE_DRIVER_H

#include "chimney-engine-timer.h"
#include "tcp-engine.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief The one ns-3 driver of a sans-I/O TcpEngine: runs it to quiescence and keeps its one
 *        timer on the simulator.
 *
 * The engine takes input and returns segments, events and one deadline; the driver puts them on
 * ns-3. The host stack (connections in software, ChimneyHostConnection), the offload target
 * (ChimneyOffloadConnection) and the tests' EngineL4Adapter all drive their engines with it.
 *
 * A run is rounds of: the owner's input for the engine (BeforeRound), every queued segment to
 * the owner's Transmit, every queued event to the owner's HandleEvent, the owner's AfterRound.
 * It ends when a round moved nothing and the engine has no output queued, or after MAX_ROUNDS
 * (a guard: an owner that fed the engine forever would otherwise hang the simulation).
 *
 * Stateless: the owner keeps the engine and its ChimneyEngineTimer (the offload target reports the
 * size of its per-connection record as a resource, so the driver adds nothing to it).
 */
class ChimneyEngineDriver
{
  public:
    /// Rounds of one run, at most.
    static constexpr int MAX_ROUNDS = 1000;

    /**
     * \brief Run an engine until it has nothing more to say.
     * \tparam Owner a type with these members (the driver may be its friend):
     *   - `TcpEngine* DrivenEngine()`: the engine now; null once it went away (an event handler
     *     may hand it over, e.g. the host stack's offload): the run stops there;
     *   - `void BeforeRound()`: input for the engine (queued sends, posted receive buffers);
     *   - `void Transmit(const TcpSegment&)`: a segment the engine sends;
     *   - `void HandleEvent(const TcpEvent&)`: an event the engine reported;
     *   - `void AfterRound()`: work on what the round changed (completions, reads).
     * \param owner the engine's owner
     */
    template <typename Owner>
    static void Run(Owner& owner);

    /**
     * \brief Re-arm an engine's one timer: obj->fn(args...) runs at the deadline (at once if
     *        it is past), and not at the deadline given before.
     * \param timer the owner's timer
     * \param deadlineNs absolute time in ns (TcpEngine::NextDeadline()); negative: no timer
     * \param fn the member function to call
     * \param obj the object to call it on
     * \param args its arguments
     */
    template <typename FN, typename OBJ, typename... Ts>
    static void ArmTimer(ChimneyEngineTimer& timer, int64_t deadlineNs, FN fn, OBJ obj, Ts... args);

    /// \returns the simulator's time in ns: the engine's clock
    static int64_t Now();
};

template <typename Owner>
void
ChimneyEngineDriver::Run(Owner& owner)
{
    TcpEngine* engine = owner.DrivenEngine();
    for (int round = 0; round < MAX_ROUNDS && engine != nullptr; ++round)
    {
        owner.BeforeRound();
        bool any = false;
        std::vector<TcpSegment> segments = engine->TakeSegments();
        for (const TcpSegment& segment : segments)
        {
            owner.Transmit(segment);
            any = true;
        }
        TcpEngine::Recycle(std::move(segments));
        std::vector<TcpEvent> events = engine->TakeEvents();
        for (const TcpEvent& event : events)
        {
            // An event may call back into the owner (the application, the host stack) and
            // that may take the engine away: every event re-checks.
            owner.HandleEvent(event);
            any = true;
            engine = owner.DrivenEngine();
            if (engine == nullptr)
            {
                return;
            }
        }
        TcpEngine::Recycle(std::move(events));
        owner.AfterRound();
        if (!any && !engine->HasOutput())
        {
            break;
        }
    }
}

template <typename FN, typename OBJ, typename... Ts>
void
ChimneyEngineDriver::ArmTimer(ChimneyEngineTimer& timer,
                              int64_t deadlineNs,
                              FN fn,
                              OBJ obj,
                              Ts... args)
{
    if (!timer.HasCall()) // once: no std::function built on every round
    {
        timer.SetCall([fn, obj, args...]() { ((*obj).*fn)(args...); });
    }
    timer.Arm(deadlineNs);
}

} // namespace ns3

#endif // CHIMNEY_ENGINE_DRIVER_H
