/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-event-batch.h"

#include "chimney-event-counts.h"
#include "chimney-spare-vectors.h"

#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

namespace
{

using CallList = std::vector<ChimneyInlineCall>;

/// Emptied call lists: their room serves the next instants instead of being allocated again.
using SpareLists = ChimneySpareVectors<ChimneyInlineCall>;

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
    SpareLists::Take(batch.calls);
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
    SpareLists::Keep(std::move(calls));
}

} // namespace ns3
