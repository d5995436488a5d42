/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHostStack: offload and terminate (the block lists, the requests, their completions) and
// the ChimneyOffloadClient face: every completion and indication is traced here and handed to
// its ChimneyHostConnection.

#include "chimney-engine-driver.h"
#include "chimney-host-stack.h"
#include "chimney-net-device.h"

#include "ns3/arp-cache.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-route.h"
#include "ns3/ipv4-routing-protocol.h"
#include "ns3/log.h"

#include <algorithm>
#include <utility>
#include <vector>

namespace ns3
{

LogComponent& ChimneyHostStackLogComponent(); // chimney-host-stack.cc

namespace
{
/// NS_LOG=ChimneyHostStack covers offload and terminate too.
LogComponent& g_log = ChimneyHostStackLogComponent();
} // namespace

// ---------------------------------------------------------------------------------------------
// Block lists
// ---------------------------------------------------------------------------------------------

bool
ChimneyHostStack::ResolveNeighbor(Connection& c) const
{
    Ptr<Ipv4Route> route = RouteTo(c.local, c.remote, nullptr);
    if (!route || route->GetOutputDevice() != m_device)
    {
        return false; // the connection does not leave through the chimney device
    }
    const Ipv4Address gateway = route->GetGateway();
    c.nextHop = gateway == Ipv4Address::GetAny() ? c.remote : gateway;
    if (!m_device->NeedsArp())
    {
        c.linkAddress = m_device->GetBroadcast();
        return true;
    }
    Ptr<ArpCache> cache = m_ipv4->GetInterface(m_ifIndex)->GetArpCache();
    ArpCache::Entry* entry = cache ? cache->Lookup(c.nextHop) : nullptr;
    if (!entry || !(entry->IsAlive() || entry->IsPermanent()))
    {
        return false;
    }
    c.linkAddress = entry->GetMacAddress();
    return true;
}

Ptr<OffloadBlockList>
ChimneyHostStack::Blocks(const Connection& c, TcpDelegatedState state) const
{
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = c.nextHop;
    neighbor.linkAddress = c.linkAddress;
    PathOffloadBlock path;
    path.source = c.local;
    path.destination = c.remote;
    path.pathMtu = m_device->GetMtu();
    TcpOffloadBlock tcp;
    tcp.handle = c.handle;
    tcp.localPort = c.localPort;
    tcp.remotePort = c.remotePort;
    tcp.cached.initialRcvWnd = m_rcvBufSize;
    tcp.cached.maxRt = m_maxRetransmits;
    tcp.cached.finWait2Timeout = m_finWait2Timeout;
    tcp.delegated = std::move(state);
    return OffloadBlockList::ForOneConnection(std::move(neighbor), std::move(path), std::move(tcp));
}

ChimneyStatus
ChimneyHostStack::RequestWithBlocks(Connection& c,
                                    Ptr<OffloadBlockList> blocks,
                                    ChimneyOp operation,
                                    BlockRequest request,
                                    Phase pending,
                                    const std::string& detail,
                                    Phase refused)
{
    blocks->id = NextNblId();
    c.Enter(pending, detail);
    m_blockOwners[PeekPointer(blocks)] = c.handle;
    const ChimneyStatus status = (m_lower->*request)(blocks);
    m_callTrace(operation, c.handle, blocks->id, 0, status);
    if (status != ChimneyStatus::PENDING)
    {
        m_blockOwners.erase(PeekPointer(blocks));
        c.Enter(refused, std::string("refused: ") + ns3::ToString(status));
    }
    return status;
}

bool
ChimneyHostStack::TakeBlockOwner(const Ptr<OffloadBlockList>& blocks,
                                 const char* operation,
                                 OffloadHandle& handle)
{
    auto owner = m_blockOwners.find(PeekPointer(blocks));
    if (owner == m_blockOwners.end())
    {
        NS_LOG_WARN(operation << " completion for a block list this stack did not issue");
        return false;
    }
    handle = owner->second;
    m_blockOwners.erase(owner);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Offload
// ---------------------------------------------------------------------------------------------

ChimneyStatus
ChimneyHostStack::Offload(OffloadHandle handle)
{
    Connection* c = Get(handle);
    if (!c)
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (!c->CanOffload() || m_lower == nullptr || !ResolveNeighbor(*c))
    {
        return ChimneyStatus::INVALID_STATE;
    }
    const int64_t now = ChimneyEngineDriver::Now();
    // Data already readable stays with the host; everything else crosses in the state.
    if (c->engine->BytesReadable() > 0)
    {
        std::vector<uint8_t> data = c->engine->Read(now, c->engine->BytesReadable());
        if (!c->recvShutdown)
        {
            c->rx.Append(data.begin(), data.end());
        }
    }
    c->Drive();
    if (!c->CanOffload())
    {
        return ChimneyStatus::INVALID_STATE;
    }
    // A close already handed to the engine travels in the state (GracefulClose::FinInEngine):
    // no disconnect request is made for it.
    c->timer.Cancel(); // frozen, not discarded: a failed offload continues from here
    const ChimneyStatus status = RequestWithBlocks(*c,
                                                   Blocks(*c, c->engine->Export(now)),
                                                   ChimneyOp::INITIATE_OFFLOAD,
                                                   &ChimneyOffloadProvider::InitiateOffload,
                                                   Phase::OFFLOADING,
                                                   ns3::ToString(c->engine->State()),
                                                   Phase::SOFTWARE);
    if (status != ChimneyStatus::PENDING)
    {
        c->ArmTimer();
    }
    return status;
}

void
ChimneyHostStack::InitiateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    OffloadHandle handle = INVALID_OFFLOAD_HANDLE;
    if (!TakeBlockOwner(blocks, "offload", handle))
    {
        return;
    }
    ChimneyStatus status = blocks->status;
    blocks->ForEachTcp([&status](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
        status = t.status;
    });
    m_upcallTrace(ChimneyOp::INITIATE_OFFLOAD, handle, blocks->id, status, 0);
    Connection* c = Get(handle);
    if (!c || c->GetPhase() != Phase::OFFLOADING)
    {
        return;
    }
    if (status != ChimneyStatus::SUCCESS)
    {
        c->OffloadFailed(status);
        return;
    }
    ++m_offloaded;
    c->Offloaded();
}

// ---------------------------------------------------------------------------------------------
// Terminate (upload)
// ---------------------------------------------------------------------------------------------

void
ChimneyHostStack::TerminateIfOffloaded(OffloadHandle handle)
{
    if (GetPhase(handle) == Phase::OFFLOADED)
    {
        Terminate(handle);
    }
}

ChimneyStatus
ChimneyHostStack::Terminate(OffloadHandle handle)
{
    Connection* c = Get(handle);
    if (!c)
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (c->GetPhase() != Phase::OFFLOADED)
    {
        return ChimneyStatus::INVALID_STATE;
    }
    return RequestWithBlocks(*c,
                             Blocks(*c, TcpDelegatedState{}),
                             ChimneyOp::TERMINATE,
                             &ChimneyOffloadProvider::TerminateOffload,
                             Phase::TERMINATING,
                             "",
                             Phase::OFFLOADED);
}

uint32_t
ChimneyHostStack::TerminateAll()
{
    std::vector<OffloadHandle> handles;
    for (const auto& entry : m_connections)
    {
        if (entry.second->GetPhase() == Phase::OFFLOADED)
        {
            handles.push_back(entry.first);
        }
    }
    std::sort(handles.begin(), handles.end()); // not the hash map's order: deterministic
    uint32_t requested = 0;
    for (OffloadHandle handle : handles)
    {
        const ChimneyStatus status = Terminate(handle);
        if (status == ChimneyStatus::PENDING || status == ChimneyStatus::SUCCESS)
        {
            ++requested;
        }
    }
    return requested;
}

void
ChimneyHostStack::TerminateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    OffloadHandle handle = INVALID_OFFLOAD_HANDLE;
    if (!TakeBlockOwner(blocks, "terminate", handle))
    {
        return;
    }
    TcpOffloadBlock* tcp = nullptr;
    blocks->ForEachTcp(
        [&tcp](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) { tcp = &t; });
    const ChimneyStatus status = tcp ? tcp->status : ChimneyStatus::FAILURE;
    for (NetBufferList* n = tcp ? PeekPointer(tcp->sendDataHead) : nullptr; n != nullptr;
         n = PeekPointer(n->next))
    {
        m_nblUpcallTrace(ChimneyOp::SEND_RETURNED, handle, Ptr<const NetBufferList>(n));
    }
    m_upcallTrace(ChimneyOp::TERMINATE, handle, blocks->id, status, 0);
    Connection* c = Get(handle);
    if (!c || c->GetPhase() != Phase::TERMINATING)
    {
        return;
    }
    --m_offloaded;
    // Every send NBL was completed or handed back in the send chain (its bytes are in the
    // delegated state's send data): none is posted any more.
    c->postedSendBytes = 0;
    c->receivesPosted = 0;
    if (status != ChimneyStatus::SUCCESS)
    {
        // SPEC 3.6 FAILURE: the delegated state is lost; E3: the connection failed.
        c->Enter(Connection::Fault::Failed);
        End(*c, Outcome::FAILED);
        return;
    }
    c->Resume(tcp->delegated);
}

// ---------------------------------------------------------------------------------------------
// Completions and indications of the connection's requests
// ---------------------------------------------------------------------------------------------

void
ChimneyHostStack::TraceUpcall(ChimneyOp operation, OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    m_upcallTrace(operation, handle, nbl->id, nbl->status, nbl->bytesTransferred);
    m_nblUpcallTrace(operation, handle, nbl);
}

void
ChimneyHostStack::CompleteChain(ChimneyOp operation,
                                OffloadHandle handle,
                                Ptr<NetBufferList> nbls,
                                uint64_t (Connection::*each)(const Ptr<NetBufferList>&),
                                void (Connection::*all)(uint64_t))
{
    Connection* c = Get(handle);
    uint64_t bytes = 0;
    for (Ptr<NetBufferList> nbl = nbls, next; nbl; nbl = next)
    {
        next = nbl->next;
        nbl->next = nullptr; // taken apart: each NBL is the host's own again (it may repost it)
        TraceUpcall(operation, handle, nbl);
        if (c)
        {
            bytes += (c->*each)(nbl);
        }
    }
    if (c)
    {
        (c->*all)(bytes);
    }
}

void
ChimneyHostStack::TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    CompleteChain(ChimneyOp::SEND,
                  handle,
                  nbls,
                  &Connection::SendCompleted,
                  &Connection::SendsCompleted);
}

void
ChimneyHostStack::TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    CompleteChain(ChimneyOp::RECEIVE,
                  handle,
                  nbls,
                  &Connection::ReceiveCompleted,
                  &Connection::ReceivesCompleted);
}

void
ChimneyHostStack::TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    TraceUpcall(ChimneyOp::DISCONNECT, handle, nbl);
    if (Connection* c = Get(handle))
    {
        c->DisconnectCompleted(nbl);
    }
}

void
ChimneyHostStack::TcpOffloadEvent(OffloadHandle handle,
                                  ChimneyEvent event,
                                  ChimneyUploadReason reason)
{
    m_eventTrace(handle, event, reason);
    Connection* c = Get(handle);
    if (c && (c->GetPhase() == Phase::OFFLOADED || c->GetPhase() == Phase::TERMINATING))
    {
        c->Indicated(event, reason);
    }
}

} // namespace ns3
