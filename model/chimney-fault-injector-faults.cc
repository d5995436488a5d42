/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// What each fault kind does: link faults (a verdict per frame), peer faults (spoofed segments),
// target faults and host faults.

#include "chimney-fault-injector-impl.h"

namespace ns3
{

using namespace chimney_fault;

// ---------------------------------------------------------------------------------------------
// Link faults: frames as they arrive at a receiving device
// ---------------------------------------------------------------------------------------------

ChimneyLinkFaultModel::Verdict
ChimneyFaultInjector::Impl::JudgeAtHost(Link* link, Ptr<const Packet> frame)
{
    ChimneyLinkFaultModel::Verdict pass;
    const bool spoofed = injected.count(frame->GetUid()) != 0;
    if (spoofed && racing.count(frame->GetUid()) != 0)
    {
        // The racing RST arrives: the host terminates at this very instant.
        racing.erase(frame->GetUid());
        ChimneyFaultFrame f;
        if (f.Parse(frame, link->hostModel->GetLinkType()))
        {
            const ChimneyFourTuple t = TupleOf(f.wire, false);
            Conn* c = Find(*link, t);
            auto handle = link->hostHandles.find(t);
            if (c && handle != link->hostHandles.end())
            {
                if (c->racingTerminateNow)
                {
                    TerminateFault(link, handle->second, "host.terminate-racing-rst");
                }
                else
                {
                    Simulator::ScheduleNow(&Impl::TerminateFault,
                                           this,
                                           link,
                                           handle->second,
                                           std::string("host.terminate-racing-rst"));
                }
            }
        }
    }
    if (spoofed)
    {
        return pass;
    }
    ChimneyFaultFrame f;
    if (!f.Parse(frame, link->hostModel->GetLinkType()) ||
        (link->hostAddress != 0 && f.wire.dstAddress != link->hostAddress))
    {
        return pass;
    }
    return Judge(*link, f, false);
}

ChimneyLinkFaultModel::Verdict
ChimneyFaultInjector::Impl::JudgeAtFar(Far* far, Ptr<const Packet> frame)
{
    ChimneyLinkFaultModel::Verdict pass;
    ChimneyFaultFrame f;
    if (!f.Parse(frame, far->model->GetLinkType()))
    {
        return pass;
    }
    for (Link* link : far->links)
    {
        if (link->hostAddress != 0 && f.wire.srcAddress == link->hostAddress)
        {
            return Judge(*link, f, true);
        }
    }
    return pass;
}

ChimneyLinkFaultModel::Verdict
ChimneyFaultInjector::Impl::Judge(Link& link, const ChimneyFaultFrame& f, bool fromHost)
{
    using Action = ChimneyLinkFaultModel::Action;
    ChimneyLinkFaultModel::Verdict v;
    const TcpSegment& s = f.wire.tcp;
    const ChimneyFourTuple t = TupleOf(f.wire, fromHost);
    Conn* c = Find(link, t);
    const uint32_t node = link.hostNode;
    auto describe = [&t, &s, fromHost]() {
        return t.ToString() + (fromHost ? " host->peer " : " peer->host ") + s.ToString();
    };
    if (link.peer && link.peer->crashed)
    {
        v.action = Action::DROP; // the crashed peer: silence both ways (fired once, at the crash)
        return v;
    }
    if (c && fromHost && c->blackHole && (c->blackHoleOn || s.Has(TcpSegment::FIN)))
    {
        if (!c->blackHoleOn)
        {
            c->blackHoleOn = true;
            Fire("peer.black-hole", node, describe());
        }
        v.action = Action::DROP;
        return v;
    }
    if (c && c->targeted)
    {
        const char* hit = nullptr;
        if (s.Has(TcpSegment::FIN) && ++c->fins == plan.dropFin)
        {
            hit = "link.drop-fin";
        }
        if (s.Has(TcpSegment::RST) && ++c->rsts == plan.dropRst && !hit)
        {
            hit = "link.drop-rst";
        }
        if (c->wire.AcksFin(s, fromHost) && ++c->finAcks == plan.dropFinAck && !hit)
        {
            hit = "link.drop-fin-ack";
        }
        if (hit)
        {
            Fire(hit, node, describe());
            v.action = Action::DROP;
            return v;
        }
    }
    uint32_t& burst = link.burstLeft[fromHost ? 0 : 1];
    if (burst > 0)
    {
        --burst;
        v.action = Action::DROP;
        return v;
    }
    if (plan.burstRate > 0 && frameRv->GetValue() < plan.burstRate)
    {
        burst = plan.burstLength - 1;
        Fire("link.burst", node, describe());
        v.action = Action::DROP;
        return v;
    }
    if (plan.lossRate > 0 && frameRv->GetValue() < plan.lossRate)
    {
        Fire("link.loss", node, describe());
        v.action = Action::DROP;
        return v;
    }
    if (plan.corruptRate > 0 && frameRv->GetValue() < plan.corruptRate)
    {
        // One byte of the TCP segment; checksums on, so every receiver drops the frame. Not
        // the data offset nor an option byte: ns-3.37's TcpHeader (the ns-3 peer's TCP) parses
        // options before anything checks the checksum, and loops forever on a corrupted option
        // length.
        v.action = Action::CORRUPT;
        const uint32_t payload = f.tcpLength - f.tcpHeaderLength;
        const uint32_t k = frameRv->GetInteger(0, 19 + payload - 1);
        v.offset = f.tcpOffset + (k < 12 ? k : k < 19 ? k + 1 : f.tcpHeaderLength + (k - 19));
        v.mask = static_cast<uint8_t>(frameRv->GetInteger(1, 255));
        Fire("link.corrupt", node, describe());
        return v;
    }
    if (plan.reorderRate > 0 && frameRv->GetValue() < plan.reorderRate)
    {
        v.action = Action::HOLD;
        v.delay = Max(NanoSeconds(1), plan.jitter * frameRv->GetValue());
        Fire("link.reorder",
             node,
             describe() + " held " + std::to_string(v.delay.GetMicroSeconds()) + "us");
        return v;
    }
    if (plan.duplicateRate > 0 && frameRv->GetValue() < plan.duplicateRate)
    {
        v.action = Action::DUPLICATE;
        v.delay = Max(NanoSeconds(1), plan.jitter * frameRv->GetValue());
        Fire("link.duplicate", node, describe());
        return v;
    }
    return v;
}

// ---------------------------------------------------------------------------------------------
// Peer faults: spoofed segments from the far end of the link
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::SendSpoof(Link* link, ChimneyFourTuple t, Spoof kind)
{
    Conn* c = Find(*link, t);
    if (!c || c->wire.Finished() || c->spoofedReset || !link->farDevice ||
        (link->stack && link->hostHandles.count(t) == 0))
    {
        // Only on a connection both ends still hold: once the host let go of it, it answers a
        // spoofed SYN with RST|ACK, and ns-3's TcpSocketBase (the peer) crashes on that in
        // ESTABLISHED (its persist timer fires on an empty send buffer, ns-3.37).
        return;
    }
    const uint32_t next = c->wire.PeerNext();
    const uint32_t window = c->wire.HostWindow();
    uint32_t seq = next;
    uint8_t flags = TcpSegment::RST;
    const char* name = "peer.rst-exact";
    switch (kind)
    {
    case Spoof::RST_EXACT:
    case Spoof::RST_RACING:
        break;
    case Spoof::RST_IN_WINDOW: {
        // Inside RCV.WND, not at RCV.NXT: RFC 5961 asks for a challenge ACK.
        const uint32_t span = std::min<uint32_t>(window, 1000);
        seq = next + 1 + (span > 2 ? timeRv->GetInteger(0, span - 2) : 0);
        name = "peer.rst-in-window";
        break;
    }
    case Spoof::RST_OUT_OF_WINDOW:
        seq = next + std::max<uint32_t>(window, 65535) + 1 + timeRv->GetInteger(0, 1u << 20);
        name = "peer.rst-out-of-window";
        break;
    case Spoof::SYN:
        flags = TcpSegment::SYN;
        name = "peer.syn";
        break;
    }
    c->spoofedReset = kind == Spoof::RST_EXACT || kind == Spoof::RST_RACING;
    const TcpSegment segment = c->wire.Spoof(flags, seq);
    Ptr<Packet> packet = c->wire.ToDatagram(segment);
    injected.insert(packet->GetUid());
    if (kind == Spoof::RST_RACING)
    {
        racing.insert(packet->GetUid());
    }
    // Announced first: the far end's MacTx sees the frame inside Send(), and a verifier
    // watching a chimney peer there must not take it for its target's own.
    owner->m_spoofTrace(link->farDevice, packet);
    link->farDevice->Send(packet, link->hostDevice->GetAddress(), kIpv4EtherType);
    if (kind != Spoof::RST_RACING)
    {
        std::ostringstream detail;
        detail << t.ToString() << " spoofed " << segment.ToString() << " (peer next " << next
               << ", host window " << window << ")";
        Fire(name, link->hostNode, detail.str());
    }
}

// ---------------------------------------------------------------------------------------------
// Target faults
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::HardwareFailure(Link* link)
{
    if (link->target->HasFailed())
    {
        return;
    }
    const uint32_t offloaded = link->target->GetOffloadedConnectionCount();
    link->target->InjectHardwareFailure();
    Fire("target.hardware-failure",
         link->hostNode,
         std::to_string(offloaded) + " offloaded connections lost");
}

void
ChimneyFaultInjector::Impl::Retrieve(Link* link, ChimneyFourTuple t)
{
    auto handle = link->targetHandles.find(t);
    Conn* c = Find(*link, t);
    if (!c || handle == link->targetHandles.end())
    {
        return;
    }
    if (link->target->IndicateRetrieve(handle->second, ReasonFromName(c->reason)))
    {
        Fire("target.retrieve", link->hostNode, t.ToString() + " Retrieve(" + c->reason + ")");
    }
}

void
ChimneyFaultInjector::Impl::OnResourceAllocated(Link* link,
                                                OffloadHandle handle,
                                                const ChimneyFourTuple& tuple,
                                                uint64_t /* bytes */)
{
    link->targetHandles[tuple] = handle;
}

void
ChimneyFaultInjector::Impl::OnResourceFreed(Link* link,
                                            OffloadHandle handle,
                                            const ChimneyFourTuple& tuple,
                                            uint64_t /* bytes */)
{
    link->lastFreed = handle; // host.misuse's terminated handle (H1)
    link->targetHandles.erase(tuple);
    link->misuseAwaitingCompletion.erase(handle); // freed before its completion: nothing to misuse
}

void
ChimneyFaultInjector::Impl::OnTargetCompletion(Link* link,
                                               ChimneyOp operation,
                                               OffloadHandle handle,
                                               uint64_t /* id */,
                                               ChimneyStatus status,
                                               uint64_t /* bytes */)
{
    if (link->slow && !link->slowFired)
    {
        link->slowFired = true;
        Fire("target.slow-completion",
             link->hostNode,
             "completions take " + std::to_string(plan.slowCompletion.GetMicroSeconds()) + "us");
    }
    if (plan.capacity > 0 && operation == ChimneyOp::OFFLOAD_BLOCK &&
        status == ChimneyStatus::OFFLOAD_TCP_ENTRIES)
    {
        Fire("target.capacity",
             link->hostNode,
             "offload of handle " + std::to_string(handle) + " refused: table full (" +
                 std::to_string(plan.capacity) + ")");
    }
    if (operation == ChimneyOp::OFFLOAD_BLOCK)
    {
        auto awaiting = link->misuseAwaitingCompletion.find(handle);
        if (awaiting != link->misuseAwaitingCompletion.end())
        {
            // After this event the host holds the completion (MisuseNow waited for it).
            Simulator::ScheduleNow(&Impl::MisuseNow, this, link, awaiting->second);
            link->misuseAwaitingCompletion.erase(awaiting);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Host faults
// ---------------------------------------------------------------------------------------------

void
ChimneyFaultInjector::Impl::TerminateFault(Link* link, OffloadHandle handle, std::string kind)
{
    if (link->stack->GetPhase(handle) != ChimneyHostStack::Phase::OFFLOADED)
    {
        return;
    }
    const ChimneyStatus status = link->stack->Terminate(handle);
    if (status == ChimneyStatus::PENDING)
    {
        std::ostringstream detail;
        detail << "Terminate(" << handle << ") in "
               << ns3::ToString(link->stack->GetTcpState(handle));
        Fire(kind, link->hostNode, detail.str());
    }
}

void
ChimneyFaultInjector::Impl::AbortFault(Link* link, OffloadHandle handle)
{
    if (link->stack->Disconnect(handle, {}, TCP_DISCONNECT_ABORTIVE_CLOSE) ==
        ChimneyStatus::SUCCESS)
    {
        Fire("host.abort-after-graceful",
             link->hostNode,
             "abortive Disconnect(" + std::to_string(handle) + ") after a graceful one");
    }
}

void
ChimneyFaultInjector::Impl::UploadAll(Link* link)
{
    uint32_t terminated = 0;
    for (const auto& [tuple, handle] : link->hostHandles) // tuple order: deterministic
    {
        if (link->stack->GetPhase(handle) == ChimneyHostStack::Phase::OFFLOADED &&
            link->stack->Terminate(handle) == ChimneyStatus::PENDING)
        {
            ++terminated;
        }
    }
    if (terminated > 0)
    {
        Fire("host.upload-all",
             link->hostNode,
             "terminated " + std::to_string(terminated) + " offloaded connections");
    }
}

void
ChimneyFaultInjector::Impl::OnHostPhase(Link* link,
                                        OffloadHandle handle,
                                        std::string /* from */,
                                        std::string to,
                                        std::string /* detail */)
{
    const ChimneyHostStack::Connection* c = link->stack->Find(handle);
    if (!c)
    {
        return;
    }
    const ChimneyFourTuple t{c->local.Get(), c->remote.Get(), c->localPort, c->remotePort};
    if (to == "ENDED")
    {
        auto it = link->hostHandles.find(t);
        if (it != link->hostHandles.end() && it->second == handle)
        {
            link->hostHandles.erase(it);
        }
        return;
    }
    link->hostHandles[t] = handle;
}

void
ChimneyFaultInjector::Impl::OnHostCall(Link* link,
                                       ChimneyOp operation,
                                       OffloadHandle handle,
                                       uint64_t /* id */,
                                       uint32_t flags,
                                       ChimneyStatus returned)
{
    if (operation != ChimneyOp::DISCONNECT || flags != TCP_DISCONNECT_GRACEFUL_CLOSE ||
        returned != ChimneyStatus::PENDING)
    {
        return;
    }
    const ChimneyHostStack::Connection* hc = link->stack->Find(handle);
    if (!hc)
    {
        return;
    }
    Conn* c =
        Find(*link,
             ChimneyFourTuple{hc->local.Get(), hc->remote.Get(), hc->localPort, hc->remotePort});
    if (!c || c->hostFaultDone)
    {
        return;
    }
    c->hostFaultDone = true;
    // After the call returned (SPEC 3.6: never terminate from inside a disconnect call).
    if (c->terminatePending)
    {
        Simulator::ScheduleNow(&Impl::TerminateFault,
                               this,
                               link,
                               handle,
                               std::string("host.terminate-pending-disconnect"));
    }
    if (c->abortAfterGraceful)
    {
        Simulator::ScheduleNow(&Impl::AbortFault, this, link, handle);
    }
}

} // namespace ns3
