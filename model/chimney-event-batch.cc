/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-event-batch.h"

#include "chimney-event-counts.h"

#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

namespace
{

using CallList = std::vector<ChimneyInlineCall>;

/// Emptied call lists, shared by every batch of the thread: their room serves the next
/// instants instead of being allocated again. Shared, not one per batch, so that ten thousand
/// idle devices do not each keep one (a few batches run at a time).
std::vector<CallList>&
SpareLists()
{
    static thread_local std::vector<CallList> spares;
    return spares;
}

constexpr size_t kSpareLists = 16; //!< emptied call lists kept at most

} // namespace

void
ChimneyEventBatch::Schedule(Time delay, ChimneyInlineCall call)
{
    const Time at = Simulator::Now() + delay;
    ++m_calls;
    for (Batch& batch : m_pending)
    {
        if (batch.at == at)
        {
            batch.calls.push_back(std::move(call));
            return;
        }
    }
    Batch& batch = m_pending.emplace_back();
    batch.at = at;
    if (auto& spares = SpareLists(); !spares.empty())
    {
        batch.calls = std::move(spares.back());
        spares.pop_back();
    }
    batch.calls.push_back(std::move(call));
    ++m_events;
    ChimneyEventCounts& counts = ChimneyEventCounts::Get();
    ++counts.interface;
    if (m_kind != nullptr)
    {
        ++(counts.*m_kind);
    }
    Simulator::Schedule(delay, &ChimneyEventBatch::Run, this, at);
}

void
ChimneyEventBatch::Run(Time at)
{
    // Taken out first: a call it makes for this same instant opens the next batch.
    auto batch = std::find_if(m_pending.begin(), m_pending.end(), [at](const Batch& b) {
        return b.at == at;
    });
    CallList calls = std::move(batch->calls);
    m_pending.erase(batch);
    for (auto& call : calls)
    {
        call();
    }
    calls.clear();
    if (auto& spares = SpareLists(); spares.size() < kSpareLists)
    {
        spares.push_back(std::move(calls));
    }
}

} // namespace ns3
