/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// host.misuse: bad host calls (SPEC.md section 4, H1-H7) issued on purpose straight to the
// offload target, each announced on the "Misuse" trace just before it is made. The target must
// refuse every one with INVALID_PARAMETER / INVALID_STATE and change nothing: the connection
// goes on, and the verifier's other checks (E1/E2 included) still hold.
//
// Each call is built so that exactly one rule, the announced one, is the first the target's
// checks (ChimneyNetDevice requests, in SPEC order) meet: a live handle for H2, H3, H4, H5
// and H7; a handle the target does not hold for H1; a terminate pending for H6.

#include "chimney-fault-injector-impl.h"

namespace ns3
{

using namespace chimney_fault;

const ChimneyFourTuple*
ChimneyFaultInjector::Impl::TupleOfHandle(const Link& link, OffloadHandle handle) const
{
    for (const auto& [tuple, h] : link.targetHandles)
    {
        if (h == handle)
        {
            return &tuple;
        }
    }
    return nullptr;
}

Ptr<OffloadBlockList>
ChimneyFaultInjector::Impl::MisuseBlocks(const ChimneyFourTuple& t,
                                         OffloadHandle handle,
                                         TcpState state)
{
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = Ipv4Address(t.remote);
    PathOffloadBlock path;
    path.source = Ipv4Address(t.local);
    path.destination = Ipv4Address(t.remote);
    TcpOffloadBlock tcp;
    tcp.handle = handle;
    tcp.localPort = t.localPort;
    tcp.remotePort = t.remotePort;
    tcp.delegated.state = state;
    Ptr<OffloadBlockList> list = OffloadBlockList::ForOneConnection(neighbor, path, tcp);
    list->id = misuseIds++;
    return list;
}

void
ChimneyFaultInjector::Impl::Misuse(Link& link,
                                   const std::string& id,
                                   const ChimneyFourTuple& t,
                                   const std::string& call,
                                   const std::function<ChimneyStatus()>& issue)
{
    owner->m_misuseTrace(link.target, id); // before the call: its refusal is expected
    const ChimneyStatus returned = issue();
    Fire("host.misuse",
         link.hostNode,
         t.ToString() + " " + id + " " + call + " returned " + ns3::ToString(returned));
}

void
ChimneyFaultInjector::Impl::MisuseNow(Link* link, ChimneyFourTuple t)
{
    auto live = link->targetHandles.find(t);
    if (!link->target || live == link->targetHandles.end())
    {
        return; // terminated in between: nothing live to misuse
    }
    const OffloadHandle handle = live->second;
    Ptr<ChimneyNetDevice> target = link->target;
    if (target->IsOffloadInProgress(handle))
    {
        // The target runs the connection already, but the host has not got the offload's
        // completion: every call would be refused as H1 first. Go on when it has
        // (OnTargetCompletion).
        link->misuseAwaitingCompletion[handle] = t;
        return;
    }

    // H1: a send on the handle the target freed last, or on the never-offloaded handle 0 when
    // that one is live again (re-offloaded).
    OffloadHandle gone = link->lastFreed;
    for (const auto& [tuple, h] : link->targetHandles)
    {
        gone = h == gone ? INVALID_OFFLOAD_HANDLE : gone;
    }
    Misuse(*link, "H1", t, "Send(h=" + std::to_string(gone) + ")", [&]() {
        return target->TcpOffloadSend(gone, NetBufferList::CreateSend({1, 2, 3}, misuseIds++));
    });

    // H2: a disconnect NBL with two NET_BUFFERs.
    Misuse(*link, "H2", t, "Disconnect(h=" + std::to_string(handle) + ", 2 buffers)", [&]() {
        Ptr<NetBufferList> two = NetBufferList::CreateSend({1}, misuseIds++);
        two->buffers.push_back(NetBuffer{{2}});
        return target->TcpOffloadDisconnect(handle, two, TCP_DISCONNECT_GRACEFUL_CLOSE);
    });

    // H3: both flags at once.
    const uint32_t flags = TCP_DISCONNECT_GRACEFUL_CLOSE | TCP_DISCONNECT_ABORTIVE_CLOSE;
    Misuse(*link, "H3", t, "Disconnect(h=" + std::to_string(handle) + ", flags 0x3)", [&]() {
        return target->TcpOffloadDisconnect(handle,
                                            NetBufferList::CreateSend({}, misuseIds++),
                                            flags);
    });

    // H7: the connection offloaded again, in a forbidden state, then in an allowed one.
    for (TcpState state : {TcpState::TimeWait, TcpState::Established})
    {
        Misuse(*link,
               "H7",
               t,
               "InitiateOffload(h=" + std::to_string(handle) + ", " + ns3::ToString(state) + ")",
               [&]() { return target->InitiateOffload(MisuseBlocks(t, handle, state)); });
    }
}

void
ChimneyFaultInjector::Impl::MisuseAfterDisconnect(Link* link, ChimneyFourTuple t, bool graceful)
{
    auto live = link->targetHandles.find(t);
    if (!link->target || live == link->targetHandles.end())
    {
        return;
    }
    const OffloadHandle handle = live->second;
    Ptr<ChimneyNetDevice> target = link->target;
    // H4: a graceful disconnect again (a second graceful one, or one after an abortive one).
    Misuse(*link, "H4", t, "Disconnect(h=" + std::to_string(handle) + ", graceful)", [&]() {
        return target->TcpOffloadDisconnect(handle,
                                            NetBufferList::CreateSend({}, misuseIds++),
                                            TCP_DISCONNECT_GRACEFUL_CLOSE);
    });
    if (graceful)
    {
        // H5: a send after the graceful disconnect.
        Misuse(*link, "H5", t, "Send(h=" + std::to_string(handle) + ")", [&]() {
            return target->TcpOffloadSend(handle, NetBufferList::CreateSend({7}, misuseIds++));
        });
    }
}

void
ChimneyFaultInjector::Impl::MisuseAfterTerminate(Link* link, ChimneyFourTuple t)
{
    auto live = link->targetHandles.find(t);
    if (!link->target || live == link->targetHandles.end())
    {
        return;
    }
    const OffloadHandle handle = live->second;
    Ptr<ChimneyNetDevice> target = link->target;
    // H6: a second terminate while the first is pending (it completes after RequestLatency
    // and CompletionLatency, both scheduled after this event).
    Misuse(*link, "H6", t, "TerminateOffload(h=" + std::to_string(handle) + ")", [&]() {
        return target->TerminateOffload(MisuseBlocks(t, handle, TcpState::Established));
    });
}

void
ChimneyFaultInjector::Impl::OnTargetRequestObjects(Link* link,
                                                   ChimneyOp operation,
                                                   OffloadHandle /* handle */,
                                                   const Ptr<const NetBufferList>& /* nbl */,
                                                   const Ptr<const OffloadBlockList>& blocks,
                                                   uint32_t /* flags */)
{
    // The Request trace of a list request carries no handle: keep the list until it returns.
    link->terminating = operation == ChimneyOp::TERMINATE_OFFLOAD ? blocks : nullptr;
}

void
ChimneyFaultInjector::Impl::OnTargetRequest(Link* link,
                                            ChimneyOp operation,
                                            OffloadHandle handle,
                                            uint64_t /* id */,
                                            uint32_t flags,
                                            ChimneyStatus returned)
{
    Ptr<const OffloadBlockList> terminating = link->terminating;
    link->terminating = nullptr;
    if (returned != ChimneyStatus::PENDING)
    {
        return;
    }
    // After the call returned (ScheduleNow): never from inside a request call.
    if (operation == ChimneyOp::DISCONNECT)
    {
        const ChimneyFourTuple* t = TupleOfHandle(*link, handle);
        Conn* c = t ? Find(*link, *t) : nullptr;
        if (c && c->misuse.on && !c->misuseDisconnect)
        {
            c->misuseDisconnect = true;
            Simulator::ScheduleNow(&Impl::MisuseAfterDisconnect,
                                   this,
                                   link,
                                   *t,
                                   flags == TCP_DISCONNECT_GRACEFUL_CLOSE);
        }
        return;
    }
    if (operation != ChimneyOp::TERMINATE_OFFLOAD || !terminating)
    {
        return;
    }
    for (const auto& neighbor : terminating->neighbors)
    {
        for (const auto& path : neighbor.paths)
        {
            for (const auto& tcp : path.connections)
            {
                const ChimneyFourTuple* t = TupleOfHandle(*link, tcp.handle);
                Conn* c = t ? Find(*link, *t) : nullptr;
                if (c && c->misuse.on && !c->misuseTerminate)
                {
                    c->misuseTerminate = true;
                    Simulator::ScheduleNow(&Impl::MisuseAfterTerminate, this, link, *t);
                }
            }
        }
    }
}

} // namespace ns3
