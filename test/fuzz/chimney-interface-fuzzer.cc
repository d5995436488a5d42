/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * libFuzzer target for the offload target's host interface (ChimneyOffloadProvider of
 * ChimneyNetDevice, SPEC.md section 3): one input is one simulation.
 *
 * Node 0: the chimney device over a point-to-point link (CSMA when byte 0 bit 0 is set), node
 * 0's TCP in software (EngineL4Adapter, test/engine-ns3-adapter.h) and this file as the host
 * (a ChimneyOffloadClient). Node 1: ns-3's own TCP listening on port 80. Byte 1 gives the number
 * of connections (1-4) opened in software; then every byte is an operation followed by its
 * arguments (see Op): offload a connection (Detach from software, InitiateOffload), send NBL
 * chains, post receive chains, graceful and abortive disconnects, terminate one or every
 * connection, advance time, the peer sends / closes, a raw segment reaches the target (RST
 * exact, in window, out of window, SYN, data at a wrong place), a hardware failure, and an
 * invalid host call (H1-H7) chosen so that it is invalid in the host's current state.
 *
 * Checked, abort() with a message on failure:
 *  * every invalid call is refused at once with its status (INVALID_PARAMETER / INVALID_STATE),
 *    the device reports the expected H ID through HostMisuse, the verifier counts exactly one
 *    finding of that ID, nothing changes (ledger entries and bytes, offloaded connections, each
 *    connection's TCP state, completions, indications, ConnectionState and resource traces),
 *    and the refused NBL never completes;
 *  * no completion or indication inside a call; every completion is for a request made;
 *  * after the final terminates (every connection still offloaded is terminated, then time runs
 *    until they complete): the resource ledger is empty, no connection is offloaded, and the
 *    verifier (attached to the device, end-of-run audit included) has no finding but the H
 *    findings of the invalid calls: valid calls never trip it.
 *
 * CHIMNEY_FUZZ_TRACE=1 prints every operation (use it to replay a crash file).
 */

#include "chimney-interface-harness.h"

#include <cstdint>
#include <cstdlib>

using namespace ns3;
using namespace chimney_fuzz;

namespace chimney_fuzz
{

/// One invalid call, chosen by kind among those the host's state makes invalid for sure.
void
Harness::Invalid(uint8_t kind, Reader& in)
{
    Slot* live = nullptr;       // Offloaded
    Slot* graceful = nullptr;   // Offloaded, graceful disconnect issued
    Slot* abortive = nullptr;   // Offloaded, abortive disconnect issued
    Slot* done = nullptr;       // terminated
    Slot* offloading = nullptr; // offload pending
    Slot* terminating = nullptr;
    const uint8_t which = in.U8();
    for (size_t k = 0; k < m_slots.size(); ++k)
    {
        Slot& s = m_slots[(k + which) % m_slots.size()];
        switch (s.phase)
        {
        case Slot::Phase::Offloaded:
            live = live ? live : &s;
            graceful = (!graceful && s.graceful) ? &s : graceful;
            abortive = (!abortive && s.abortive) ? &s : abortive;
            break;
        case Slot::Phase::Done:
            done = done ? done : &s;
            break;
        case Slot::Phase::Offloading:
            offloading = offloading ? offloading : &s;
            break;
        case Slot::Phase::Terminating:
            terminating = terminating ? terminating : &s;
            break;
        default:
            break;
        }
    }
    std::string id = "H1";
    ChimneyStatus expected = ChimneyStatus::INVALID_STATE;
    std::string what;
    std::function<ChimneyStatus()> call;
    Ptr<NetBufferList> nbl;
    auto sendNbl = [&](size_t n) {
        nbl = NetBufferList::CreateSend(Data(n), m_nextId++);
        return nbl;
    };
    switch (kind % 12)
    {
    case 1: // H5: send after a graceful disconnect
        if (graceful && !graceful->abortive)
        {
            id = "H5";
            Slot* s = graceful;
            sendNbl(10);
            what = "Send after graceful h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadSend(s->handle, nbl); };
        }
        break;
    case 2: // H4: a second graceful disconnect, or any after an abortive one
        if (abortive || graceful)
        {
            id = "H4";
            Slot* s = abortive ? abortive : graceful;
            const uint32_t flags = (abortive && (which & 1)) ? TCP_DISCONNECT_ABORTIVE_CLOSE
                                                             : TCP_DISCONNECT_GRACEFUL_CLOSE;
            sendNbl(0);
            what = "Disconnect again h=" + std::to_string(s->handle);
            call = [&, s, flags]() {
                return m_target->TcpOffloadDisconnect(s->handle, nbl, flags);
            };
        }
        break;
    case 3: // H3: flags neither GRACEFUL nor ABORTIVE
        if (live)
        {
            id = "H3";
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot* s = live;
            const uint32_t flags = (which % 3 == 0) ? 0u : (which % 3 == 1 ? 3u : 0x10u);
            sendNbl(0);
            what = "Disconnect flags " + std::to_string(flags) + " h=" + std::to_string(s->handle);
            call = [&, s, flags]() {
                return m_target->TcpOffloadDisconnect(s->handle, nbl, flags);
            };
        }
        break;
    case 4: // H2: disconnect NBL without exactly one NET_BUFFER, or abortive with data
        if (live)
        {
            id = "H2";
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot* s = live;
            uint32_t flags = TCP_DISCONNECT_GRACEFUL_CLOSE;
            sendNbl(which % 3 == 2 ? 5 : 0);
            if (which % 3 == 0)
            {
                nbl->buffers.clear();
            }
            else if (which % 3 == 1)
            {
                const std::vector<uint8_t> more = Data(3);
                nbl->buffers.push_back(NetBuffer{NetBufferBytes(more.begin(), more.end())});
            }
            else
            {
                flags = TCP_DISCONNECT_ABORTIVE_CLOSE;
            }
            what = "Disconnect malformed h=" + std::to_string(s->handle);
            call = [&, s, flags]() {
                return m_target->TcpOffloadDisconnect(s->handle, nbl, flags);
            };
        }
        break;
    case 5: // H2: send without an NBL
        if (live)
        {
            id = "H2";
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot* s = live;
            what = "Send null NBL h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadSend(s->handle, nullptr); };
        }
        break;
    case 6: // H6: a second terminate while one is pending
        if (terminating)
        {
            id = "H6";
            Ptr<OffloadBlockList> list = TerminateList({terminating});
            what = "Terminate again h=" + std::to_string(terminating->handle);
            call = [this, list]() { return m_target->TerminateOffload(list); };
        }
        break;
    case 7: // H7: offload in a forbidden TCP state (a fresh port)
    {
        id = "H7";
        static const TcpState forbidden[] = {TcpState::Closed,
                                             TcpState::Listen,
                                             TcpState::SynSent,
                                             TcpState::SynRcvd,
                                             TcpState::TimeWait};
        Slot fresh;
        fresh.port = static_cast<uint16_t>(kFirstPort + 100 + which % 8);
        fresh.handle = 5000 + which;
        TcpDelegatedState state;
        state.state = forbidden[which % 5];
        Ptr<OffloadBlockList> list = Blocks(fresh, state, m_nextId++);
        what = std::string("Offload in ") + ToString(state.state);
        call = [this, list]() { return m_target->InitiateOffload(list); };
        break;
    }
    case 8: // H7: offload of a connection already offloaded (or being offloaded)
    {
        Slot* s = live ? live : (offloading ? offloading : terminating);
        if (s)
        {
            id = "H7";
            Ptr<OffloadBlockList> list =
                Blocks(*s,
                       s->offloadList->neighbors[0].paths[0].connections[0].delegated,
                       m_nextId++);
            what = "Offload again h=" + std::to_string(s->handle);
            call = [this, list]() { return m_target->InitiateOffload(list); };
        }
        break;
    }
    case 9: // H1: a request on a connection whose offload is in progress
        if (offloading)
        {
            Slot* s = offloading;
            sendNbl(4);
            what = "Send while offloading h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadSend(s->handle, nbl); };
        }
        break;
    case 10: // H1: a request on a terminated connection
        if (done)
        {
            Slot* s = done;
            nbl = NetBufferList::CreateReceive(100, m_nextId++);
            what = "Receive after terminate h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadReceive(s->handle, nbl); };
        }
        break;
    case 11: // H1: offload of the invalid handle 0
    {
        if (Slot* s = Pick(which); s && s->phase == Slot::Phase::Software && Offloadable(*s))
        {
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot copy = *s;
            copy.handle = INVALID_OFFLOAD_HANDLE;
            TcpDelegatedState state =
                s->software->engine->Export(Simulator::Now().GetNanoSeconds());
            Ptr<OffloadBlockList> list = Blocks(copy, state, m_nextId++);
            what = "Offload of handle 0";
            call = [this, list]() { return m_target->InitiateOffload(list); };
        }
        break;
    }
    default:
        break;
    }
    if (!call) // H1: an unknown handle (always invalid)
    {
        id = "H1";
        expected = ChimneyStatus::INVALID_STATE;
        switch (which % 4)
        {
        case 0:
            sendNbl(8);
            what = "Send on an unknown handle";
            call = [&]() { return m_target->TcpOffloadSend(kUnknownHandle, nbl); };
            break;
        case 1:
            nbl = NetBufferList::CreateReceive(64, m_nextId++);
            what = "Receive on an unknown handle";
            call = [&]() { return m_target->TcpOffloadReceive(kUnknownHandle, nbl); };
            break;
        case 2:
            sendNbl(0);
            what = "Disconnect on an unknown handle";
            call = [&]() {
                return m_target->TcpOffloadDisconnect(kUnknownHandle,
                                                      nbl,
                                                      TCP_DISCONNECT_GRACEFUL_CLOSE);
            };
            break;
        default: {
            Slot unknown;
            unknown.handle = kUnknownHandle;
            unknown.port = 1;
            Ptr<OffloadBlockList> list = TerminateList({&unknown});
            what = "Terminate of an unknown handle";
            call = [this, list]() { return m_target->TerminateOffload(list); };
            break;
        }
        }
    }
    if (nbl)
    {
        m_keep.push_back(nbl);
        m_refused.insert(PeekPointer(nbl));
    }
    const Snapshot before = Snap();
    const size_t misuseBefore = m_misuse.size();
    const uint64_t countBefore = m_verifier->GetCount(id);
    const ChimneyStatus status = Call(call);
    Trace("invalid " + what + " -> " + ToString(status) + " (expected " + id + ")");
    if (status != expected)
    {
        Fail("invalid call '" + what + "' returned " + ToString(status) + ", expected " +
             ToString(expected) + " (" + id + ")");
    }
    if (m_misuse.size() != misuseBefore + 1 || m_misuse.back() != id)
    {
        Fail("invalid call '" + what + "': HostMisuse did not report exactly " + id);
    }
    if (m_lastRequestStatus != status)
    {
        Fail("invalid call '" + what + "': the Request trace shows another status");
    }
    if (m_verifier->GetCount(id) != countBefore + 1)
    {
        Fail("invalid call '" + what + "': the verifier did not count one " + id + " finding");
    }
    if (!(Snap() == before))
    {
        Fail("invalid call '" + what + "' changed the target's state");
    }
    ++m_expectedMisuse[id];
}

// --- the operation loop ---------------------------------------------------------------------

void
Harness::RunOps(Reader& in)
{
    for (size_t n = 0; n < kMaxOps && !in.Empty(); ++n)
    {
        const uint8_t op = in.U8() % OP_COUNT;
        const uint8_t a = in.U8();
        Slot* s = Pick(a);
        switch (op)
        {
        case OFFLOAD:
            if (s && s->phase == Slot::Phase::Software && Offloadable(*s))
            {
                Offload(*s);
            }
            break;
        case SEND:
            if (s && s->phase == Slot::Phase::Offloaded && !s->graceful)
            {
                const uint8_t b = in.U8();
                Ptr<NetBufferList> head;
                Ptr<NetBufferList> tail;
                for (int k = 0; k <= b % 3; ++k) // one to three NBLs in a chain
                {
                    auto nbl =
                        NetBufferList::CreateSend(Data(1 + (b >> 2) * 97u + k * 13u), m_nextId++);
                    m_keep.push_back(nbl);
                    m_issued.insert(PeekPointer(nbl));
                    (tail ? tail->next : head) = nbl;
                    tail = nbl;
                }
                Valid("Send h=" + std::to_string(s->handle),
                      Call([&]() { return m_target->TcpOffloadSend(s->handle, head); }));
            }
            break;
        case RECEIVE:
            if (s && s->phase == Slot::Phase::Offloaded)
            {
                const uint8_t b = in.U8();
                Ptr<NetBufferList> head;
                Ptr<NetBufferList> tail;
                for (int k = 0; k <= b % 2; ++k)
                {
                    auto nbl = NetBufferList::CreateReceive((b >> 1) * 50u, m_nextId++);
                    m_keep.push_back(nbl);
                    m_issued.insert(PeekPointer(nbl));
                    (tail ? tail->next : head) = nbl;
                    tail = nbl;
                }
                Valid("Receive h=" + std::to_string(s->handle),
                      Call([&]() { return m_target->TcpOffloadReceive(s->handle, head); }));
            }
            break;
        case GRACEFUL:
            if (s && s->phase == Slot::Phase::Offloaded && !s->graceful && !s->abortive)
            {
                auto nbl = NetBufferList::CreateSend(Data(in.U8() % 4 == 0 ? 0 : in.U8() * 3u),
                                                     m_nextId++);
                m_keep.push_back(nbl);
                m_issued.insert(PeekPointer(nbl));
                s->graceful = true;
                ++s->disconnectsPending;
                Valid("Disconnect graceful h=" + std::to_string(s->handle), Call([&]() {
                          return m_target->TcpOffloadDisconnect(s->handle,
                                                                nbl,
                                                                TCP_DISCONNECT_GRACEFUL_CLOSE);
                      }));
            }
            break;
        case ABORTIVE:
            if (s && s->phase == Slot::Phase::Offloaded && !s->abortive)
            {
                auto nbl = NetBufferList::CreateSend({}, m_nextId++);
                m_keep.push_back(nbl);
                m_issued.insert(PeekPointer(nbl));
                s->abortive = true;
                ++s->disconnectsPending;
                Valid("Disconnect abortive h=" + std::to_string(s->handle), Call([&]() {
                          return m_target->TcpOffloadDisconnect(s->handle,
                                                                nbl,
                                                                TCP_DISCONNECT_ABORTIVE_CLOSE);
                      }));
            }
            break;
        case TERMINATE:
            if (s && s->phase == Slot::Phase::Offloaded)
            {
                Terminate({s});
            }
            break;
        case TERMINATE_ALL: {
            std::vector<Slot*> slots;
            for (Slot& t : m_slots)
            {
                if (t.phase == Slot::Phase::Offloaded)
                {
                    slots.push_back(&t);
                }
            }
            Terminate(slots);
            break;
        }
        case ADVANCE:
            Advance(MicroSeconds(1 + a * 40));
            break;
        case ADVANCE_LONG:
            Advance(MilliSeconds(1 + a * 8));
            break;
        case PEER_SEND:
            if (PeerFor(s ? s->port : 0) != nullptr)
            {
                PeerApp* p = PeerFor(s->port);
                Trace("peer sends on port " + std::to_string(s->port));
                const std::vector<uint8_t> bytes = Data(1 + in.U8() * 20u);
                p->socket->Send(Create<Packet>(bytes.data(), static_cast<uint32_t>(bytes.size())));
            }
            break;
        case PEER_CLOSE:
            if (PeerFor(s ? s->port : 0) != nullptr)
            {
                Trace("peer closes port " + std::to_string(s->port));
                PeerFor(s->port)->socket->Close();
            }
            break;
        case RAW_SEGMENT:
            if (s)
            {
                RawSegment(*s, in.U8(), in.U8());
            }
            break;
        case HARDWARE_FAILURE:
            if (a % 8 == 0 && !m_target->HasFailed())
            {
                Trace("hardware failure");
                m_target->InjectHardwareFailure();
            }
            break;
        case INVALID:
        case INVALID_AGAIN:
            Invalid(a, in);
            break;
        case RUN_QUIET:
            Advance(MilliSeconds(300));
            break;
        default:
            break;
        }
    }
}

void
Harness::Finish()
{
    // The final terminates: every connection still on the target is uploaded.
    for (int round = 0; round < 40; ++round)
    {
        std::vector<Slot*> slots;
        bool waiting = false;
        for (Slot& s : m_slots)
        {
            if (s.phase == Slot::Phase::Offloaded)
            {
                slots.push_back(&s);
            }
            waiting = waiting || s.phase == Slot::Phase::Offloading ||
                      s.phase == Slot::Phase::Terminating;
        }
        Terminate(slots);
        if (!waiting && slots.empty())
        {
            break;
        }
        Advance(MilliSeconds(500));
    }
    for (const Slot& s : m_slots)
    {
        if (s.phase == Slot::Phase::Offloading || s.phase == Slot::Phase::Terminating)
        {
            Fail("a request never completed for handle " + std::to_string(s.handle) + " (A2)");
        }
    }
    // Outstanding requests of terminated connections were all completed before the terminate.
    if (!m_issued.empty())
    {
        Fail(std::to_string(m_issued.size()) +
             " NBL(s) never completed after the final terminates");
    }
    if (m_target->GetResourcesHeld() != 0 || m_target->GetResourceBytesHeld() != 0 ||
        m_target->GetOffloadedConnectionCount() != 0)
    {
        Fail("resources still held after the final terminates: " +
             std::to_string(m_target->GetResourcesHeld()) + " entries, " +
             std::to_string(m_target->GetOffloadedConnectionCount()) + " connections (R2, R4)");
    }
    if (g_trace)
    {
        for (const WireEntry& e : m_wire) // the target's frames, for a replayed failure
        {
            Trace("wire " + std::to_string(e.time.GetSeconds()) + " " +
                  std::to_string(e.tcp.srcPort) + " flags " + std::to_string(e.tcp.flags) +
                  " seq " + std::to_string(e.tcp.seq) + " ack " + std::to_string(e.tcp.ack) +
                  " len " + std::to_string(e.tcp.payload.size()));
        }
    }
    m_verifier->Finish();
    for (const auto& [id, count] : m_verifier->GetCounts())
    {
        const uint64_t expected = m_expectedMisuse.count(id) != 0 ? m_expectedMisuse.at(id) : 0;
        if (count != expected)
        {
            std::string detail;
            for (const ChimneyFinding& f : m_verifier->GetFindings())
            {
                if (f.id == id)
                {
                    detail = f.description;
                    break;
                }
            }
            Fail("verifier: " + std::to_string(count) + " " + id + " finding(s), expected " +
                 std::to_string(expected) + ": " + detail);
        }
    }
}

} // namespace chimney_fuzz

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const bool init = []() {
        g_trace = std::getenv("CHIMNEY_FUZZ_TRACE") != nullptr;
        return true;
    }();
    (void)init;
    if (size < 2)
    {
        return 0;
    }
    Reader in(data, size);
    const uint8_t options = in.U8();
    const uint32_t connections = 1 + in.U8() % 4;
    {
        Harness h(options & 1);
        h.Build(connections);
        h.RunOps(in);
        h.Finish();
        Simulator::Destroy();
    }
    Config::Reset();
    return 0;
}
