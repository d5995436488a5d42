/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-event-batch.h"

#include "chimney-event-counts.h"

#include "ns3/simulator.h"

namespace ns3
{

void
ChimneyEventBatch::Schedule(Time delay, std::function<void()> call)
{
    const Time at = Simulator::Now() + delay;
    ++m_calls;
    auto [batch, opened] = m_pending.try_emplace(at);
    batch->second.push_back(std::move(call));
    if (opened)
    {
        ++m_events;
        ChimneyEventCounts& counts = ChimneyEventCounts::Get();
        ++counts.interface;
        if (m_kind != nullptr)
        {
            ++(counts.*m_kind);
        }
        Simulator::Schedule(delay, &ChimneyEventBatch::Run, this, at);
    }
}

void
ChimneyEventBatch::Run(Time at)
{
    // Taken out first: a call it makes for this same instant opens the next batch.
    auto batch = m_pending.find(at);
    std::vector<std::function<void()>> calls = std::move(batch->second);
    m_pending.erase(batch);
    for (auto& call : calls)
    {
        call();
    }
}

} // namespace ns3
