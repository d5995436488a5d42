/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyVerifier's routing: each trace sink updates the shadow model
// (chimney-verifier-shadow.h) and hands the event to the checkers of the invariant families
// (chimney-verifier-*-checker.h). The order of the calls is the order of the checks, so that
// findings come out in a fixed order; a check that reads a fact as it was before the event runs
// before the shadow records the event.

#include "chimney-intermediate-driver.h"
#include "chimney-net-device.h"
#include "chimney-verifier.h"

#include "ns3/simulator.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace ns3
{

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceRequestObjects(ShadowDevice* d,
                                     ChimneyOp op,
                                     OffloadHandle handle,
                                     const Ptr<const NetBufferList>& nbl,
                                     const Ptr<const OffloadBlockList>& blocks,
                                     uint32_t flags)
{
    // Field by field: a whole new ShadowPendingCall would cost two more reference counts.
    d->call.valid = true;
    d->call.op = op;
    d->call.handle = handle;
    d->call.nbl = nbl;
    d->call.blocks = blocks;
    d->call.flags = flags;
    d->call.misuse.reset();
    if (nbl && d->device)
    {
        // A11: the NBL objects its offload client issued or passed down.
        const auto from = ClientBoundary(*d);
        for (const NetBufferList* n = PeekPointer(nbl); n != nullptr; n = PeekPointer(n->next))
        {
            m_identity.OnDeviceIn(*d, from, op, handle, *n);
            if (d->call.op == ChimneyOp::DISCONNECT)
            {
                break;
            }
        }
    }
}

void
ChimneyVerifier::TraceHostMisuse(ShadowDevice* d,
                                 const std::string& id,
                                 OffloadHandle handle,
                                 const std::string& text)
{
    d->call.misuse =
        m_misuse.Relay(*d, d->Find(handle), id, handle, text, d->expectedMisuse.has_value());
}

void
ChimneyVerifier::TraceRequest(ShadowDevice* d,
                              ChimneyOp op,
                              OffloadHandle handle,
                              uint64_t id,
                              uint32_t flags,
                              ChimneyStatus returned)
{
    ++m_requests;
    // The call in progress, used in place; cleared for the next one however this returns.
    ShadowPendingCall& call = d->call;
    if (!call.valid || call.op != op || call.handle != handle)
    {
        call.valid = false;
        call.op = op;
        call.handle = handle;
        call.nbl = nullptr;
        call.blocks = nullptr;
        call.flags = flags;
    }

    struct Clear
    {
        ShadowPendingCall& call; //!< the call

        ~Clear()
        {
            call.valid = false;
            call.nbl = nullptr;
            call.blocks = nullptr;
            call.misuse.reset();
        }
    } clear{call};

    const auto text = [&] { return ShadowCallText(op, handle, id, flags, returned); };
    const auto evidence = ChimneyEvidence::Deferred(text);
    const ShadowConnection* c = d->Find(handle);
    std::string why;
    const std::optional<ChimneyInvariantId> expected =
        call.valid ? m_misuse.ExpectedMisuse(*d, call, &why) : std::nullopt;
    // A misuse announced for this call (ExpectMisuse): its refusal is what was asked for.
    const std::optional<ChimneyInvariantId> announced = d->expectedMisuse;
    d->expectedMisuse.reset();
    if (announced && m_misuse.CheckExpected(*d, call, returned, *announced, evidence))
    {
        ++m_expectedMisuse;
    }
    if (returned == ChimneyStatus::PENDING)
    {
        m_interface.NoteAcceptedRequest(c, call);
        if (!announced)
        {
            m_misuse.CheckAccepted(*d, expected, why, handle, evidence);
        }
        m_connections += d->ApplyRequest(call, id);
        m_interface.OnDeviceRequest(*d, id, flags);
        return;
    }
    // A refusal: only host misuse may be refused, with a clear status (A1, H).
    m_interface.CheckRefusal(*d, c, call, returned, expected.has_value(), evidence);
    m_misuse.CheckRefused(*d, call, returned, expected, why, evidence);
}

// ---------------------------------------------------------------------------------------------
// Completions
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceCompletion(ShadowDevice* d,
                                 ChimneyOp op,
                                 OffloadHandle handle,
                                 uint64_t id,
                                 ChimneyStatus status,
                                 uint64_t bytes)
{
    ++m_completions;
    const auto text = [&] { return ShadowCompletionText(op, handle, id, status, bytes); };
    const auto evidence = ChimneyEvidence::Deferred(text);
    if (op == ChimneyOp::INITIATE_OFFLOAD || op == ChimneyOp::TERMINATE_OFFLOAD)
    {
        Ptr<const OffloadBlockList> list;
        auto range = d->lists.equal_range(id);
        if (range.first != range.second)
        {
            list = range.first->second;
            d->lists.erase(range.first);
        }
        if (!m_interface.CheckListCompletion(*d, op, PeekPointer(list), status, evidence))
        {
            return;
        }
        m_interface.OnDeviceCompletion(*d, id);
        if (op == ChimneyOp::TERMINATE_OFFLOAD)
        {
            ForEachListedConnection(*list, [&](const auto&, const auto& t) {
                const ShadowConnection* c = d->Find(t.handle);
                if (c == nullptr || c->phase != ShadowConnection::TERMINATED)
                {
                    return;
                }
                m_resources.CheckTerminateCompleted(*d, *c, evidence);
                m_resources.OnConnectionEnded(*d, *c);
                m_wire.CancelAckObligation(*c); // the record goes
                d->EndConnection(t.handle);
            });
        }
        return;
    }
    if (op == ChimneyOp::OFFLOAD_BLOCK)
    {
        CompleteOffloadBlock(*d, handle, status, evidence);
        return;
    }
    ShadowConnection* c = d->Find(handle);
    if (!m_interface.CheckConnectionLive(*d, c, handle, op, evidence))
    {
        return;
    }
    m_wire.PollAckObligation(*d, *c);
    if (op == ChimneyOp::TERMINATE_BLOCK)
    {
        CompleteTerminateBlock(*d, *c, status, evidence);
        return;
    }
    CompleteNbl(*d, *c, op, id, status, bytes, evidence);
    if (op != ChimneyOp::SEND_RETURNED)
    {
        m_interface.OnDeviceCompletion(*d, id);
    }
    else
    {
        m_interface.OnSendReturned(*d, id);
    }
    c->Compact();
}

void
ChimneyVerifier::CompleteNbl(ShadowDevice& d,
                             ShadowConnection& c,
                             ChimneyOp op,
                             uint64_t id,
                             ChimneyStatus status,
                             uint64_t bytes,
                             const ChimneyEvidence& evidence)
{
    if (op == ChimneyOp::SEND || op == ChimneyOp::SEND_RETURNED)
    {
        bool inOrder = true;
        ShadowSendRequest* r = c.FindSend(id, &inOrder);
        m_interface.CheckSendCompletion(d, c, r, inOrder, op, status, bytes, evidence);
        if (r != nullptr)
        {
            c.CompleteSend(*r, op == ChimneyOp::SEND_RETURNED);
        }
        return;
    }
    if (op == ChimneyOp::RECEIVE)
    {
        ShadowReceiveRequest* r = c.FindReceive(id);
        if (!m_interface.CheckReceiveCompletion(d, c, r, status, bytes, evidence))
        {
            return;
        }
        r->done = true;
        if (bytes == 0 || !m_endToEnd.CheckReceiveCompletion(d, c, *r, status, bytes, evidence))
        {
            return;
        }
        m_wire.CheckDeliveredAfterRst(d, c, bytes, evidence);
        if (!r->nbl || c.blind)
        {
            c.AddBlindDelivered(bytes);
            c.blind = true;
            return;
        }
        c.AddDelivered(*r->nbl, bytes);
        m_endToEnd.CheckDelivered(d, c, evidence);
        return;
    }
    if (op == ChimneyOp::DISCONNECT)
    {
        ShadowDisconnectRequest* r = c.FindDisconnect(id);
        const bool graceful = r == &c.graceful;
        if (r != nullptr)
        {
            r->outstanding = false;
        }
        if (m_interface.CheckDisconnectCompletion(d, c, r, graceful, status, bytes, evidence) &&
            !graceful)
        {
            m_endToEnd.CheckAbortiveCompletion(d, c, r, status, evidence);
        }
    }
}

void
ChimneyVerifier::CompleteOffloadBlock(ShadowDevice& d,
                                      OffloadHandle handle,
                                      ChimneyStatus status,
                                      const ChimneyEvidence& evidence)
{
    ShadowConnection* c = d.Find(handle);
    if (c == nullptr || c->phase != ShadowConnection::OFFLOADING)
    {
        m_interface.ReportOffloadNotOutstanding(d, c, handle, evidence);
        return;
    }
    if (status == ChimneyStatus::SUCCESS)
    {
        c->phase = ShadowConnection::OFFLOADED;
        return;
    }
    // SPEC 3.1: the connection stays in software, untouched.
    m_resources.OnOffloadFailed(d, *c, status, evidence);
    m_wire.CancelAckObligation(*c); // the record goes
    d.DropFailedOffload(handle);
}

void
ChimneyVerifier::CompleteTerminateBlock(ShadowDevice& d,
                                        ShadowConnection& c,
                                        ChimneyStatus status,
                                        const ChimneyEvidence& evidence)
{
    m_interface.CheckTerminateBlockStatus(d, c, status, evidence);
    m_endToEnd.CheckTerminateStatus(d, c, status, evidence);
    m_endToEnd.CheckAbortiveWithoutRst(d, c, evidence);
    m_interface.CheckTerminateOutstanding(d, c, evidence);
    if (status == ChimneyStatus::SUCCESS && c.terminateList && !c.blind)
    {
        const TcpOffloadBlock* block = nullptr;
        ForEachListedConnection(*c.terminateList, [&](const auto&, const TcpOffloadBlock& t) {
            if (t.handle == c.handle)
            {
                block = &t;
            }
        });
        if (block != nullptr)
        {
            CheckReturnedState(d, c, *block, evidence);
        }
    }
    c.phase = ShadowConnection::TERMINATED;
    m_wire.CancelAckObligation(c);
    // E3 from the host's side needs the host's handles: only with the host stack right on the
    // device (an intermediate driver maps handles).
    if (!d.device || ClientBoundary(d).kind == ChimneyVerifierNblIdentity::Boundary::HOST)
    {
        m_endToEnd.OnTerminated(d, c);
        if (c.hwFailure && d.host != nullptr && !d.host->phaseTraced)
        {
            TracePhasesOf(*d.host); // from now on the host's phase changes matter (E3)
        }
    }
}

void
ChimneyVerifier::CheckReturnedState(ShadowDevice& d,
                                    ShadowConnection& c,
                                    const TcpOffloadBlock& block,
                                    const ChimneyEvidence& evidence)
{
    if (!m_interface.CheckReturnedSendChain(d, c, block, evidence))
    {
        return; // the connection is dead: its data does not continue anywhere
    }
    const TcpDelegatedState& s = block.delegated;
    m_interface.CheckReturnedSendState(d, c, s, evidence);
    m_endToEnd.CheckReturnedSendData(d, c, s, evidence);
    if (m_interface.CheckReturnedFin(d, c, s, evidence))
    {
        m_wire.CheckReturnedFin(d, c, s, evidence);
    }
    // Receive side: everything received was delivered or is handed back (E1), and is
    // acknowledged (A9).
    m_interface.CheckReturnedRcvNxt(d, c, s, evidence);
    m_endToEnd.CheckReturnedReceiveData(d, c, s, evidence);
    m_interface.CheckReturnedAck(d, c, s, evidence);
}

// ---------------------------------------------------------------------------------------------
// Indications, ledger
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceIndication(ShadowDevice* d,
                                 OffloadHandle handle,
                                 ChimneyEvent event,
                                 ChimneyUploadReason reason)
{
    ++m_indications;
    const auto text = [&] {
        std::string e =
            std::string(ToString(event)) + " indication (h=" + std::to_string(handle) + ")";
        if (event == ChimneyEvent::RETRIEVE)
        {
            e.append(" reason ").append(ToString(reason));
        }
        return e;
    };
    const auto evidence = ChimneyEvidence::Deferred(text);
    ShadowConnection* found = d->Find(handle);
    if (!m_interface.CheckConnectionLive(*d, found, handle, std::nullopt, evidence))
    {
        return;
    }
    ShadowConnection& c = *found;
    m_wire.PollAckObligation(*d, c);
    switch (event)
    {
    case ChimneyEvent::DISCONNECT:
        if (m_interface.CheckDisconnectIndication(*d, c, evidence))
        {
            m_endToEnd.CheckDelivered(*d, c, evidence);
        }
        c.disconnectIndicated = true;
        break;
    case ChimneyEvent::ABORT:
        m_interface.CheckAbortIndication(*d, c, evidence);
        c.OnAbortIndicated();
        break;
    case ChimneyEvent::RETRIEVE:
        if (reason == ChimneyUploadReason::HARDWARE_FAILURE)
        {
            c.hwFailure = true;
        }
        else if (reason == ChimneyUploadReason::TIMEOUT_EXPIRATION ||
                 reason == ChimneyUploadReason::INVALID_STATE)
        {
            c.closedByTarget = true;
        }
        break;
    }
}

void
ChimneyVerifier::TraceAllocated(ShadowDevice* d,
                                OffloadHandle handle,
                                const ChimneyFourTuple& tuple,
                                uint64_t /* bytes */)
{
    const auto text = [&] {
        std::ostringstream e;
        e << "ResourceAllocated(h=" << handle << " " << tuple.LocalAddress() << ":"
          << tuple.localPort << " > " << tuple.RemoteAddress() << ":" << tuple.remotePort << ")";
        return e.str();
    };
    ShadowConnection* c = d->Find(handle);
    if (c != nullptr && c->phase == ShadowConnection::TERMINATED)
    {
        c = nullptr; // held by nobody
    }
    if (m_resources.OnAllocated(*d, c, handle, ChimneyEvidence::Deferred(text)))
    {
        c->allocated = true;
        c->freed = false;
    }
}

void
ChimneyVerifier::TraceFreed(ShadowDevice* d,
                            OffloadHandle handle,
                            const ChimneyFourTuple& tuple,
                            uint64_t /* bytes */)
{
    const auto text = [&] {
        std::ostringstream e;
        e << "ResourceFreed(h=" << handle << " " << tuple.LocalAddress() << ":" << tuple.localPort
          << " > " << tuple.RemoteAddress() << ":" << tuple.remotePort << ")";
        return e.str();
    };
    ShadowConnection* c = d->Find(handle);
    if (m_resources.OnFreed(*d, c, handle, ChimneyEvidence::Deferred(text)))
    {
        c->freed = true;
    }
}

// ---------------------------------------------------------------------------------------------
// The wire
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceHostSend(ShadowDevice* d, const Ptr<const Packet>& packet)
{
    // The inner device's MacTx for this packet follows at once, inside the same call.
    d->lastHost = ShadowFrameMark::Of(*packet);
}

void
ChimneyVerifier::TraceMacTx(ShadowDevice* d, const Ptr<const Packet>& frame)
{
    // Neither the host's own frames nor frames a fault injector forged at this end of the link
    // (peer.rst-*, peer.syn: AttachFaultInjector) are the target's behaviour.
    if (!d->lastHost.Is(*frame) && !d->lastSpoof.Is(*frame))
    {
        DoFrame(*d, frame, FrameDirection::TARGET_TX);
    }
}

void
ChimneyVerifier::TraceMacRx(ShadowDevice* d, const Ptr<const Packet>& frame)
{
    DoFrame(*d, frame, FrameDirection::RX);
}

void
ChimneyVerifier::DoFrame(ShadowDevice& d, const Ptr<const Packet>& frame, FrameDirection direction)
{
    if (direction == FrameDirection::HOST_TX)
    {
        return; // the host's own frames: not the target's behaviour
    }
    // A look at the tuple first: most frames belong to connections nobody tracks.
    const ShadowFrameCache::Bytes bytes = m_frames.Load(*frame);
    const uint8_t* b = bytes.data;
    const size_t n = bytes.size;
    size_t ip = SIZE_MAX;
    if (d.link == WireLinkType::PPP && n >= 2 && b[0] == 0x00 && b[1] == 0x21)
    {
        ip = 2;
    }
    else if (d.link == WireLinkType::ETHERNET && n >= 14)
    {
        const uint16_t type = static_cast<uint16_t>(b[12] << 8 | b[13]);
        if (type == 0x0800)
        {
            ip = 14;
        }
        else if (type <= 1500 && n >= 22 && b[14] == 0xaa && b[20] == 0x08 && b[21] == 0x00)
        {
            ip = 22;
        }
    }
    if (ip == SIZE_MAX && n >= 1 && (b[0] >> 4) == 4)
    {
        ip = 0; // a bare IPv4 datagram (SimpleNetDevice, synthetic frames)
    }
    if (ip == SIZE_MAX || n < ip + 24 || (b[ip] >> 4) != 4 || b[ip + 9] != 6)
    {
        return;
    }
    const size_t ihl = (b[ip] & 0x0f) * 4u;
    if (n < ip + ihl + 4)
    {
        return;
    }
    auto u32 = [&b](size_t o) {
        return static_cast<uint32_t>(b[o]) << 24 | static_cast<uint32_t>(b[o + 1]) << 16 |
               static_cast<uint32_t>(b[o + 2]) << 8 | b[o + 3];
    };
    const uint32_t src = u32(ip + 12);
    const uint32_t dst = u32(ip + 16);
    const uint16_t sport = static_cast<uint16_t>(b[ip + ihl] << 8 | b[ip + ihl + 1]);
    const uint16_t dport = static_cast<uint16_t>(b[ip + ihl + 2] << 8 | b[ip + ihl + 3]);
    const bool tx = direction != FrameDirection::RX;
    const ChimneyFourTuple key =
        tx ? ChimneyFourTuple{src, dst, sport, dport} : ChimneyFourTuple{dst, src, dport, sport};
    ShadowConnection* const* found = d.byTuple.Find(key);
    ShadowConnection* c = found == nullptr ? nullptr : *found;
    if (c == nullptr)
    {
        if (!tx && d.terminatedTuples.Contains(key))
        {
            // Coverage only: the target must stay silent for it (W8, A10).
            m_wire.NoteRemoteAfterTerminate();
            m_interface.NoteRemoteAfterTerminate();
            return;
        }
        if (direction != FrameDirection::TARGET_TX ||
            (!d.terminatedTuples.Contains(key) && !d.failedTuples.Contains(key)))
        {
            return;
        }
    }
    // Parsed once for both devices that see it (the sender's MacTx, the receiver's MacRx),
    // found again by bytes that differ from frame to frame and stay the same on the way, read
    // as they lie: the IPv4 identification (counted by each sender), flags, TTL, protocol and
    // checksum (0 unless ns-3's checksums are on), and the addresses (which sender).
    uint64_t fields;
    uint64_t addresses;
    std::memcpy(&fields, b + ip + 4, sizeof(fields));
    std::memcpy(&addresses, b + ip + 12, sizeof(addresses));
    const uint64_t slotKey = fields ^ (addresses << 17 | addresses >> 47);
    const WireSegment* w = m_frames.Parse(slotKey, ip == 0, d.link);
    if (w != nullptr)
    {
        DoSegment(d, *w, direction, key, c);
    }
}

void
ChimneyVerifier::DoSegment(ShadowDevice& d, const WireSegment& w, FrameDirection direction)
{
    const bool tx = direction != FrameDirection::RX;
    const ChimneyFourTuple key =
        tx ? ChimneyFourTuple{w.srcAddress, w.dstAddress, w.tcp.srcPort, w.tcp.dstPort}
           : ChimneyFourTuple{w.dstAddress, w.srcAddress, w.tcp.dstPort, w.tcp.srcPort};
    ShadowConnection* const* found = d.byTuple.Find(key);
    DoSegment(d, w, direction, key, found == nullptr ? nullptr : *found);
}

void
ChimneyVerifier::DoSegment(ShadowDevice& d,
                           const WireSegment& w,
                           FrameDirection direction,
                           const ChimneyFourTuple& key,
                           ShadowConnection* found)
{
    ++m_segments;
    if (found == nullptr)
    {
        if (direction != FrameDirection::TARGET_TX)
        {
            return;
        }
        // The target transmitting for a connection it does not hold.
        if (const OffloadHandle* term = d.terminatedTuples.Find(key))
        {
            m_wire.CheckTransmittedAfterTerminate(d,
                                                  nullptr,
                                                  *term,
                                                  "target sent " + w.tcp.ToString());
            return;
        }
        if (const OffloadHandle* failed = d.failedTuples.Find(key))
        {
            m_resources.CheckTransmissionAfterFailedOffload(d,
                                                            *failed,
                                                            "target sent " + w.tcp.ToString());
        }
        return;
    }
    ShadowConnection& c = *found;
    if (direction == FrameDirection::HOST_TX)
    {
        return; // the host's own frames: not the target's behaviour
    }
    m_wire.PollAckObligation(d, c);
    if (direction == FrameDirection::TARGET_TX)
    {
        TargetSegment(d, c, w);
    }
    else if (c.allocated || c.phase != ShadowConnection::OFFLOADING)
    {
        // Frames before the target took the connection went to the host (dropped there).
        RemoteSegment(d, c, w);
    }
}

void
ChimneyVerifier::TargetSegment(ShadowDevice& d, ShadowConnection& c, const WireSegment& w)
{
    const TcpSegment& s = w.tcp; // its payload: w's
    const auto text = [&w] { return "target sent " + w.WithPayload().ToString(); };
    const auto evidence = ChimneyEvidence::Deferred(text);
    m_resources.CheckTransmission(d, c, evidence);
    if (c.phase == ShadowConnection::TERMINATED)
    {
        m_wire.CheckTransmittedAfterTerminate(d, &c, c.handle, evidence);
        return;
    }
    m_endToEnd.CheckTransmission(d, c, evidence);
    if (!m_wire.CheckTargetSegment(d, c, w, evidence))
    {
        return; // after the target's RST
    }
    const int64_t o = c.SendOff(s.seq);
    const int64_t len = static_cast<int64_t>(w.PayloadSize());
    if (s.Has(TcpSegment::RST))
    {
        m_wire.CheckTargetRst(d, c, o, evidence);
        c.OnTargetRst();
    }
    if (len > 0 && !c.blind)
    {
        m_wire.CheckTargetPayload(d, c, o, len, evidence);
        m_endToEnd.CheckSentBytes(d, c, w, o, evidence);
    }
    if (s.Has(TcpSegment::FIN))
    {
        const int64_t f = o + len;
        m_wire.CheckTargetFin(d, c, f, evidence);
        if (c.finOff < 0)
        {
            c.finOff = f;
        }
    }
    c.maxSent = std::max(c.maxSent, o + static_cast<int64_t>(w.SeqLen()));
    if (s.Has(TcpSegment::ACK))
    {
        const int64_t a = c.RecvOff(s.ack);
        m_wire.CheckTargetAck(d, c, a, evidence);
        if (c.OnTargetAck(a, s.window))
        {
            m_wire.DischargeAckObligation(c);
        }
    }
}

void
ChimneyVerifier::RemoteSegment(ShadowDevice& d, ShadowConnection& c, const WireSegment& w)
{
    const TcpSegment& s = w.tcp; // its payload: w's
    const auto text = [&w] { return "remote sent " + w.WithPayload().ToString(); };
    const auto evidence = ChimneyEvidence::Deferred(text);
    if (s.Has(TcpSegment::ACK))
    {
        c.OnPeerAck(c.SendOff(s.ack));
    }
    const int64_t o = c.RecvOff(s.seq);
    m_wire.NoteRemoteSegment(c, w, o);
    if (s.Has(TcpSegment::RST))
    {
        c.remoteRst = true;
        // RFC 5961: acceptable when it is exactly RCV.NXT.
        if (o == c.RcvNxt() || (c.lastAck >= 0 && o == c.lastAck))
        {
            c.acceptableRst = true;
        }
        m_interface.NoteRemoteRst(c);
        return;
    }
    const size_t len = w.PayloadSize();
    if (len > 0)
    {
        c.AddRemoteData(o, w.PayloadData(), len);
    }
    if (s.Has(TcpSegment::FIN))
    {
        const int64_t f = o + static_cast<int64_t>(len);
        if (m_wire.CheckRemoteFin(d, c, f, evidence))
        {
            c.remoteFin = f;
        }
    }
    c.maxRemoteEnd = std::max(c.maxRemoteEnd, o + static_cast<int64_t>(w.SeqLen()));
    if (len > 0)
    {
        m_wire.ArmAckObligation(c);
    }
}

// ---------------------------------------------------------------------------------------------
// Host stack and intermediate drivers
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceHostCall(ShadowHost* h,
                               ChimneyOp op,
                               OffloadHandle handle,
                               uint64_t id,
                               uint32_t flags,
                               ChimneyStatus returned)
{
    m_interface.OnHostCall(*h, op, handle, id, flags, returned);
    m_identity.OnHostCallReturned(h->index, id, returned);
}

void
ChimneyVerifier::TraceHostUpcall(ShadowHost* h,
                                 ChimneyOp op,
                                 OffloadHandle handle,
                                 uint64_t id,
                                 ChimneyStatus status,
                                 uint64_t bytes)
{
    m_interface.OnHostUpcall(*h, op, handle, id, status, bytes);
}

void
ChimneyVerifier::TraceHostPhase(ShadowHost* h,
                                OffloadHandle handle,
                                const std::string& /* from */,
                                const std::string& to,
                                const std::string& detail)
{
    m_endToEnd.OnHostPhase(*h, handle, to, detail);
}

void
ChimneyVerifier::TraceLayerRequest(LayerIssuers* l,
                                   const std::string& upper,
                                   ChimneyOp /* op */,
                                   OffloadHandle /* handle */,
                                   uint64_t id,
                                   uint32_t /* flags */,
                                   ChimneyStatus returned)
{
    m_interface.OnLayerRequest(*l, upper, id, returned);
}

void
ChimneyVerifier::TraceLayerCompletion(LayerIssuers* l,
                                      const std::string& upper,
                                      ChimneyOp op,
                                      OffloadHandle handle,
                                      uint64_t id,
                                      ChimneyStatus status)
{
    m_interface.OnLayerCompletion(*l, upper, op, handle, id, status);
}

// ---------------------------------------------------------------------------------------------
// NBL identity (A11)
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceHostNblCall(ShadowHost* h,
                                  ChimneyOp /* op */,
                                  OffloadHandle /* handle */,
                                  const Ptr<const NetBufferList>& nbl)
{
    m_identity.OnHostCall(h->index, nbl);
}

void
ChimneyVerifier::TraceHostNblUpcall(ShadowHost* h,
                                    ChimneyOp op,
                                    OffloadHandle handle,
                                    const Ptr<const NetBufferList>& nbl)
{
    m_identity.OnHostUpcall(h->index, h->FirstDevice(), op, handle, PeekPointer(nbl));
}

void
ChimneyVerifier::TraceLayerNblRequest(LayerNbls* l,
                                      const std::string& upper,
                                      ChimneyOp op,
                                      OffloadHandle handle,
                                      const Ptr<const NetBufferList>& nbl)
{
    const auto from = BoundaryOf(l->driver->GetUpperProtocol(upper));
    m_identity.OnLayerIn(l->index, from, upper, op, handle, nbl);
}

void
ChimneyVerifier::TraceLayerNblCompletion(LayerNbls* l,
                                         const std::string& upper,
                                         ChimneyOp op,
                                         OffloadHandle handle,
                                         const Ptr<const NetBufferList>& nbl)
{
    m_identity.OnLayerUp(l->index, upper, op, handle, PeekPointer(nbl));
}

void
ChimneyVerifier::TraceLayerNblRefusal(LayerNbls* l,
                                      const std::string& upper,
                                      ChimneyOp op,
                                      OffloadHandle /* handle */,
                                      uint64_t id,
                                      uint32_t /* flags */,
                                      ChimneyStatus returned)
{
    if (returned != ChimneyStatus::PENDING && op != ChimneyOp::INITIATE_OFFLOAD &&
        op != ChimneyOp::TERMINATE_OFFLOAD)
    {
        m_identity.OnLayerRefused(l->index, upper, id);
    }
}

} // namespace ns3
