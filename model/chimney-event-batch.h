/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_EVENT_BATCH_H
#define CHIMNEY_EVENT_BATCH_H

#include "chimney-event-counts.h"
#include "chimney-inline-call.h"

#include "ns3/nstime.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief One scheduler event per instant for a stream of calls: every call due at the same
 *        time runs in one event, in the order it was scheduled.
 *
 * What NDIS does with completions (a chain of NBLs in one call) and what a NIC's interrupt
 * moderation does with its interrupts, at the level of the simulator: the offload target's
 * requests and upcalls, and an intermediate driver's calls, cost one event per instant instead
 * of one per call. A call scheduled while its instant's batch runs opens a new batch at the
 * same instant (it runs after the events already due then, as its own event would have).
 */
class ChimneyEventBatch
{
  public:
    /// \brief A batch whose events count as interface events only (e.g. a layer's).
    ChimneyEventBatch() = default;

    /**
     * \brief A batch whose events also count under one kind.
     * \param kind the ChimneyEventCounts field (requests or upcalls)
     */
    explicit ChimneyEventBatch(uint64_t ChimneyEventCounts::*kind)
        : m_kind(kind)
    {
    }

    /**
     * \brief Runs \p call after \p delay, after every call already scheduled for that instant.
     * \param delay not negative
     * \param call what to run
     */
    void Schedule(Time delay, ChimneyInlineCall call);

    /// \returns scheduler events this batch made (one per instant)
    uint64_t GetEvents() const
    {
        return m_events;
    }

    /// \returns calls scheduled through it
    uint64_t GetCalls() const
    {
        return m_calls;
    }

  private:
    /// Runs the batch due now.
    void Run(Time at);

    /// The calls due at one instant.
    struct Batch
    {
        Time at;                              //!< the instant
        std::vector<ChimneyInlineCall> calls; //!< in the order scheduled

        Batch() = default;
        // Moved, never copied (the calls are move-only); ns-3's Time does not promise a
        // noexcept move, which a vector needs to move rather than copy when it grows.
        Batch(Batch&&) noexcept = default;            //!< \brief move
        Batch& operator=(Batch&&) noexcept = default; //!< \brief move \returns this
    };

    /// Batches not run yet: a few at most (one per latency in use), so a short list, not a
    /// map with a node per instant.
    std::vector<Batch> m_pending;
    uint64_t m_events = 0;                          //!< see GetEvents
    uint64_t m_calls = 0;                           //!< see GetCalls
    uint64_t ChimneyEventCounts::*m_kind = nullptr; //!< the kind counted besides interface
};

} // namespace ns3

#endif // CHIMNEY_EVENT_BATCH_H
