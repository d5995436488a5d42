/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_HEAP_SCHEDULER_H
#define CHIMNEY_HEAP_SCHEDULER_H

#include "ns3/scheduler.h"

#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief ns-3's event queue as a 4-ary heap in one array: the scheduler scenario runs use.
 *
 * Every ns-3 scheduler hands out events in (time, uid) order, a total order, so a run is event
 * for event the same with this one as with ns-3's MapScheduler or HeapScheduler. It is cheaper:
 * half as many levels as a binary heap (a level's four children share a cache line or two, which
 * matters when hundreds of thousands of events are pending), an element moves into a hole
 * instead of being swapped at every level, and no log call is made per step (ns-3's
 * HeapScheduler logs each swap and comparison).
 */
class ChimneyHeapScheduler : public Scheduler
{
  public:
    /**
     * \brief Get the TypeId.
     * \returns the TypeId
     */
    static TypeId GetTypeId();

    ChimneyHeapScheduler();
    ~ChimneyHeapScheduler() override;

    void Insert(const Event& ev) override;
    bool IsEmpty() const override;
    Event PeekNext() const override;
    Event RemoveNext() override;
    void Remove(const Event& ev) override;

  private:
    /// Move ev up from the hole at index i, then store it.
    void SiftUp(size_t i, const Event& ev);
    /// Move ev down from the hole at index i, then store it.
    void SiftDown(size_t i, const Event& ev);
    /// Remove the element at index i.
    void RemoveAt(size_t i);

    std::vector<Event> m_heap; //!< children of i: 4i + 1 .. 4i + 4
};

} // namespace ns3

#endif // CHIMNEY_HEAP_SCHEDULER_H
