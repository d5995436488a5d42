/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "net-buffer-list.h"

#include "ns3/abort.h"

namespace ns3
{

Ptr<NetBufferList>
NetBufferList::CreateSend(NetBufferBytes data, uint64_t id)
{
    Ptr<NetBufferList> nbl = Create<NetBufferList>();
    nbl->id = id;
    nbl->buffers.push_back(NetBuffer{std::move(data)});
    return nbl;
}

Ptr<NetBufferList>
NetBufferList::CreateReceive(uint32_t capacity, uint64_t id)
{
    Ptr<NetBufferList> nbl = Create<NetBufferList>();
    nbl->id = id;
    nbl->buffers.push_back(NetBuffer{NetBufferBytes(capacity)});
    return nbl;
}

uint64_t
NetBufferList::DataLength() const
{
    uint64_t total = 0;
    for (const auto& buffer : buffers)
    {
        total += buffer.data.size();
    }
    return total;
}

uint32_t
NetBufferList::ChainLength() const
{
    uint32_t n = 1;
    for (const NetBufferList* p = PeekPointer(next); p != nullptr; p = PeekPointer(p->next))
    {
        ++n;
    }
    return n;
}

void
NetBufferList::PushContext(uint64_t context)
{
    m_contexts.push_back(context);
}

uint64_t
NetBufferList::PopContext()
{
    NS_ABORT_MSG_IF(m_contexts.empty(), "NetBufferList::PopContext: no context (layer bug)");
    uint64_t context = m_contexts.back();
    m_contexts.pop_back();
    return context;
}

size_t
NetBufferList::ContextDepth() const
{
    return m_contexts.size();
}

} // namespace ns3
