/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The offload target's upcalls: completions and indications reach the host in the order the
// target decided them, each its latency later (plus InterruptModeration), one scheduler event
// per instant; completions of sends or receives on one connection that go up together form one
// NBL chain, as NDIS hands them up.

#include "chimney-net-device.h"

#include "ns3/simulator.h"

namespace ns3
{

Time
ChimneyNetDevice::UpcallAt(Time latency) const
{
    const Time now = Simulator::Now();
    const Time due = now + latency;
    if (m_interruptModeration.IsStrictlyPositive() && !(m_lastUpcall > now && m_lastUpcall >= due))
    {
        // No batch still to go up that this one may join (never before its own latency):
        // open one.
        return Max(due + m_interruptModeration, m_lastUpcall);
    }
    return Max(due, m_lastUpcall);
}

void
ChimneyNetDevice::Upcall(Time latency, ChimneyInlineCall call)
{
    const Time at = UpcallAt(latency);
    m_lastUpcall = at;
    ++m_upcallCount;
    m_upcalls.Schedule(at - Simulator::Now(), std::move(call));
}

void
ChimneyNetDevice::CompleteInChain(ChimneyOp operation, OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    const ChainEntry entry{nbl, nbl->status, nbl->bytesTransferred};
    if (m_chain.entries && m_chain.upcall == m_upcallCount && m_chain.operation == operation &&
        m_chain.handle == handle && m_chain.at == UpcallAt(m_completionLatency))
    {
        m_chain.entries->push_back(entry); // the last upcall, not gone up yet: join it
        return;
    }
    auto entries = std::make_shared<std::vector<ChainEntry>>(1, entry);
    Upcall(m_completionLatency, [this, operation, handle, entries]() {
        if (m_chain.entries == entries)
        {
            m_chain.entries = nullptr; // going up: nothing joins it any more
        }
        const std::vector<ChainEntry>& chain = *entries;
        for (size_t i = 0; i < chain.size(); ++i)
        {
            // Linked only now: until it goes up, each NBL is the device's alone.
            chain[i].nbl->next = i + 1 < chain.size() ? chain[i + 1].nbl : nullptr;
            m_completionTrace(operation, handle, chain[i].nbl->id, chain[i].status, chain[i].bytes);
        }
        if (m_client == nullptr)
        {
            return;
        }
        if (operation == ChimneyOp::SEND)
        {
            m_client->TcpOffloadSendComplete(handle, chain.front().nbl);
        }
        else
        {
            m_client->TcpOffloadReceiveComplete(handle, chain.front().nbl);
        }
    });
    m_chain = OpenChain{operation, handle, m_lastUpcall, m_upcallCount, entries};
}

} // namespace ns3
