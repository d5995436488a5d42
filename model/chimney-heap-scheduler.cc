/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-heap-scheduler.h"

#include "ns3/assert.h"
#include "ns3/event-impl.h"

namespace ns3
{

NS_OBJECT_ENSURE_REGISTERED(ChimneyHeapScheduler);

namespace
{

constexpr size_t kArity = 4;

} // namespace

TypeId
ChimneyHeapScheduler::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ChimneyHeapScheduler")
                            .SetParent<Scheduler>()
                            .SetGroupName("Chimney")
                            .AddConstructor<ChimneyHeapScheduler>();
    return tid;
}

ChimneyHeapScheduler::ChimneyHeapScheduler() = default;

ChimneyHeapScheduler::~ChimneyHeapScheduler() = default;

void
ChimneyHeapScheduler::SiftUp(size_t i, const Event& ev)
{
    while (i > 0)
    {
        const size_t parent = (i - 1) / kArity;
        if (!(ev.key < m_heap[parent].key))
        {
            break;
        }
        m_heap[i] = m_heap[parent];
        i = parent;
    }
    m_heap[i] = ev;
}

void
ChimneyHeapScheduler::SiftDown(size_t i, const Event& ev)
{
    const size_t n = m_heap.size();
    while (true)
    {
        const size_t first = kArity * i + 1;
        if (first >= n)
        {
            break;
        }
        const size_t end = first + kArity < n ? first + kArity : n;
        size_t least = first;
        for (size_t c = first + 1; c < end; ++c)
        {
            if (m_heap[c].key < m_heap[least].key)
            {
                least = c;
            }
        }
        if (!(m_heap[least].key < ev.key))
        {
            break;
        }
        m_heap[i] = m_heap[least];
        i = least;
    }
    m_heap[i] = ev;
}

void
ChimneyHeapScheduler::Insert(const Event& ev)
{
    m_heap.emplace_back();
    SiftUp(m_heap.size() - 1, ev);
}

bool
ChimneyHeapScheduler::IsEmpty() const
{
    return m_heap.empty();
}

Scheduler::Event
ChimneyHeapScheduler::PeekNext() const
{
    NS_ASSERT(!m_heap.empty());
    return m_heap.front();
}

void
ChimneyHeapScheduler::RemoveAt(size_t i)
{
    const Event last = m_heap.back();
    m_heap.pop_back();
    if (i == m_heap.size())
    {
        return; // it was the last element
    }
    // The last element takes the hole: up when it is earlier than the hole's parent, else down.
    if (i > 0 && last.key < m_heap[(i - 1) / kArity].key)
    {
        SiftUp(i, last);
    }
    else
    {
        SiftDown(i, last);
    }
}

Scheduler::Event
ChimneyHeapScheduler::RemoveNext()
{
    NS_ASSERT(!m_heap.empty());
    const Event next = m_heap.front();
    RemoveAt(0);
    return next;
}

void
ChimneyHeapScheduler::Remove(const Event& ev)
{
    // Simulator::Remove is rare (a cancelled event stays queued until its time): a linear
    // search, as in ns-3's HeapScheduler.
    for (size_t i = 0; i < m_heap.size(); ++i)
    {
        if (m_heap[i].key.m_uid == ev.key.m_uid)
        {
            NS_ASSERT(m_heap[i].impl == ev.impl);
            RemoveAt(i);
            return;
        }
    }
    NS_ASSERT_MSG(false, "ChimneyHeapScheduler::Remove: event not queued");
}

} // namespace ns3
