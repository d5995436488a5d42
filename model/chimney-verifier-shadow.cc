/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-shadow.h"

#include "tcp-seq.h"

#include "ns3/simulator.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <utility>

namespace ns3
{

namespace
{

constexpr size_t kReceivesReserved = 16; //!< a connection's receive requests kept room for

} // namespace

std::string
ShadowCallText(ChimneyOp op,
               OffloadHandle handle,
               uint64_t id,
               uint32_t flags,
               ChimneyStatus returned)
{
    // Built for every request (findings quote it): plain appends, no ostringstream.
    std::string s;
    s.reserve(64);
    s.append(ToString(op)).append("(h=").append(std::to_string(handle));
    s.append(" id=").append(std::to_string(id));
    if (flags != 0)
    {
        char hex[16];
        std::snprintf(hex, sizeof(hex), "%x", flags);
        s.append(" flags=0x").append(hex);
    }
    s.append(") -> ").append(ToString(returned));
    return s;
}

std::string
ShadowCompletionText(ChimneyOp op,
                     OffloadHandle handle,
                     uint64_t id,
                     ChimneyStatus status,
                     uint64_t bytes)
{
    // Built for every completion (findings quote it): plain appends, no ostringstream.
    std::string s;
    s.reserve(64);
    s.append(ToString(op)).append(" completion (h=").append(std::to_string(handle));
    s.append(" id=").append(std::to_string(id)).append(") ").append(ToString(status));
    s.append(" bytes=").append(std::to_string(bytes));
    return s;
}

// ---------------------------------------------------------------------------------------------
// ShadowConnection
// ---------------------------------------------------------------------------------------------

bool
ShadowConnection::AnyOutstanding() const
{
    for (uint32_t i = sendHead; i < sends.size(); ++i)
    {
        if (!sends[i].done)
        {
            return true;
        }
    }
    for (uint32_t i = recvHead; i < receives.size(); ++i)
    {
        if (!receives[i].done)
        {
            return true;
        }
    }
    return graceful.outstanding || abortive.outstanding;
}

void
ShadowConnection::Compact()
{
    while (sendHead < sends.size() && sends[sendHead].done)
    {
        sends[sendHead].nbl = nullptr;
        ++sendHead;
    }
    if (sendHead == sends.size())
    {
        ShadowDrain(sends, 4);
        sendHead = 0;
    }
    while (recvHead < receives.size() && receives[recvHead].done)
    {
        receives[recvHead].nbl = nullptr;
        ++recvHead;
    }
    if (recvHead == receives.size())
    {
        ShadowDrain(receives, kReceivesReserved);
        recvHead = 0;
    }
}

void
ShadowConnection::AddRemoteData(int64_t offset, const uint8_t* data, size_t n)
{
    int64_t start = offset;
    const int64_t end = offset + static_cast<int64_t>(n);
    if (end <= wire)
    {
        return;
    }
    start = std::max(start, wire);
    if (ooo.empty() && start == wire)
    {
        // In order (the common case): straight onto the contiguous stream.
        ExtendWire(data + (start - offset), static_cast<size_t>(end - start));
        AddSnapshot();
        return;
    }
    // Insert the parts of [start, end) not already held beyond the hole.
    int64_t pos = start;
    auto it = ooo.upper_bound(pos);
    if (it != ooo.begin())
    {
        auto prev = std::prev(it);
        const int64_t prevEnd = prev->first + static_cast<int64_t>(prev->second.size());
        if (prevEnd > pos)
        {
            pos = prevEnd;
        }
    }
    while (pos < end)
    {
        it = ooo.lower_bound(pos);
        const int64_t gapEnd = (it == ooo.end()) ? end : std::min(end, it->first);
        if (pos < gapEnd)
        {
            ooo.emplace(pos, std::vector<uint8_t>(data + (pos - offset), data + (gapEnd - offset)));
        }
        if (it == ooo.end() || it->first >= end)
        {
            break;
        }
        pos = it->first + static_cast<int64_t>(it->second.size());
    }
    // Merge what became contiguous into the wire stream.
    bool advanced = false;
    for (auto f = ooo.begin(); f != ooo.end() && f->first <= wire;)
    {
        const int64_t pieceEnd = f->first + static_cast<int64_t>(f->second.size());
        if (pieceEnd > wire)
        {
            ExtendWire(f->second.data() + (wire - f->first), static_cast<size_t>(pieceEnd - wire));
            advanced = true;
        }
        f = ooo.erase(f);
    }
    if (advanced)
    {
        AddSnapshot();
    }
}

void
ShadowConnection::ExtendWire(const uint8_t* p, size_t n)
{
    wire += static_cast<int64_t>(n);
    const size_t early = std::min(n, ahead.Size());
    if (early > 0)
    {
        // Delivered before the wire showed them: compared now.
        deliveredDiffers |= std::memcmp(p, ahead.Data(), early) != 0;
        ahead.Pop(early);
    }
    undelivered.Append(p + early, n - early);
}

void
ShadowConnection::AddSnapshot()
{
    if (snaps.size() - snapHead > 65536)
    {
        ++snapHead; // bounded: the oldest comparison point is given up
    }
    if (snapHead > 1024 && snapHead * 2 > snaps.size())
    {
        snaps.erase(snaps.begin(), snaps.begin() + snapHead);
        snapHead = 0;
    }
    snaps.push_back(wire);
}

void
ShadowConnection::OnPeerAck(int64_t a)
{
    if (a <= acked)
    {
        return;
    }
    acked = a;
    // References to acknowledged posted data are no longer needed.
    while (chunkHead < chunks.size() &&
           chunks[chunkHead].start + static_cast<int64_t>(chunks[chunkHead].length) <= acked)
    {
        chunks[chunkHead].nbl = nullptr;
        ++chunkHead;
    }
    if (chunkHead == chunks.size())
    {
        ShadowDrain(chunks, 4);
        chunkHead = 0;
        offloadList = nullptr;
    }
}

ShadowSendRequest*
ShadowConnection::FindSend(uint64_t id, bool* inOrder)
{
    // A4: sends complete in posting order; a returned one is the next not completed too.
    *inOrder = true;
    for (uint32_t i = sendHead; i < sends.size(); ++i)
    {
        ShadowSendRequest& s = sends[i];
        if (s.done)
        {
            continue;
        }
        if (s.id == id && (!s.nbl || s.nbl->id == id))
        {
            return &s;
        }
        *inOrder = false;
    }
    return nullptr;
}

ShadowReceiveRequest*
ShadowConnection::FindReceive(uint64_t id)
{
    for (uint32_t i = recvHead; i < receives.size(); ++i)
    {
        ShadowReceiveRequest& q = receives[i];
        if (!q.done && q.id == id && (!q.nbl || q.nbl->id == id))
        {
            return &q;
        }
    }
    return nullptr;
}

ShadowDisconnectRequest*
ShadowConnection::FindDisconnect(uint64_t id)
{
    if (graceful.outstanding && graceful.id == id)
    {
        return &graceful;
    }
    if (abortive.outstanding && abortive.id == id)
    {
        return &abortive;
    }
    return nullptr;
}

void
ShadowConnection::CompleteSend(ShadowSendRequest& r, bool isReturned)
{
    r.done = true;
    if (isReturned)
    {
        r.returned = true;
        returned.emplace_back(r.order, r.nbl);
    }
}

void
ShadowConnection::AddDelivered(const NetBufferList& nbl, uint64_t bytes)
{
    // Each byte once: compared with the wire's byte at its position, or kept until the wire
    // shows it.
    ForEachNblRun(nbl, bytes, [this](const uint8_t* p, size_t n) {
        const size_t known = std::min(n, undelivered.Size());
        if (known > 0)
        {
            deliveredDiffers |= std::memcmp(p, undelivered.Data(), known) != 0;
            undelivered.Pop(known);
        }
        ahead.Append(p + known, n - known);
    });
    delivered += static_cast<int64_t>(bytes);
}

void
ShadowConnection::AddBlindDelivered(uint64_t bytes)
{
    if (bytes == 0)
    {
        return;
    }
    deliveredDiffers = true;
    const size_t known = static_cast<size_t>(std::min<uint64_t>(bytes, undelivered.Size()));
    undelivered.Pop(known);
    const std::vector<uint8_t> unknown(static_cast<size_t>(bytes) - known);
    ahead.Append(unknown.data(), unknown.size());
    delivered += static_cast<int64_t>(bytes);
}

void
ShadowConnection::OnTargetRst()
{
    rstSent = true;
    rcvLimit = wire;
    for (uint32_t i = sendHead; i < sends.size(); ++i)
    {
        sends[i].mustAbortA5 = !sends[i].done && !sends[i].late;
    }
}

bool
ShadowConnection::OnTargetAck(int64_t a, uint16_t window)
{
    const int64_t shift = windowScaling ? rcvWndShift : 0;
    rightEdge = a + (static_cast<int64_t>(window) << shift);
    if (a > lastAck)
    {
        lastAck = a;
        return true;
    }
    return false;
}

void
ShadowConnection::OnAbortIndicated()
{
    abortIndicated = true;
    for (uint32_t i = sendHead; i < sends.size(); ++i)
    {
        sends[i].mustAbortA8 = !sends[i].done;
    }
    for (uint32_t i = recvHead; i < receives.size(); ++i)
    {
        receives[i].mustAbortA8 = !receives[i].done;
    }
    graceful.mustAbortA8 = graceful.outstanding;
    abortive.mustAbortA8 = abortive.outstanding;
}

bool
ShadowConnection::SnapshotAtDelivered()
{
    while (snapHead < snaps.size() && snaps[snapHead] < delivered)
    {
        ++snapHead;
    }
    return snapHead < snaps.size() && snaps[snapHead] == delivered;
}

void
ShadowConnection::ReleaseSnapshots(bool compared)
{
    if (compared)
    {
        ++snapHead;
    }
    if (snapHead == snaps.size())
    {
        ShadowDrain(snaps, 8);
        snapHead = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// ShadowFrameCache
// ---------------------------------------------------------------------------------------------

ShadowFrameCache::Bytes
ShadowFrameCache::Load(const Packet& frame)
{
    m_frame.size = frame.GetSize();
    if (m_frame.store.size() < m_frame.size)
    {
        m_frame.store.resize(m_frame.size);
    }
    frame.CopyData(m_frame.store.data(), static_cast<uint32_t>(m_frame.size));
    return {m_frame.store.data(), m_frame.size};
}

bool
ShadowFrameCache::ParseLoaded(WireSegment& segment, bool bare, WireLinkType link)
{
    const auto checksums = m_checksums.Get() ? WireChecksums::VERIFY : WireChecksums::IGNORE;
    const uint8_t* bytes = m_frame.store.data();
    return bare ? ParseIpv4TcpDatagram(bytes, m_frame.size, segment, checksums, WirePayload::VIEW)
                : ParseWireFrame(bytes, m_frame.size, link, segment, checksums, WirePayload::VIEW);
}

const WireSegment*
ShadowFrameCache::Parse(uint64_t key, bool bare, WireLinkType link)
{
    // Checksums cover the payload: with them on, nothing is reused. With many links, a frame's
    // second observation (the receiver's) comes hundreds of frames after its first: the table
    // rarely hits, and each slot it touches is cold memory (a tenth of the last-level cache
    // misses of a 500-host campaign). Either way every observation is parsed, into one segment
    // that stays in the cache.
    if (m_bypass || m_checksums.Get())
    {
        const bool parsed = ParseLoaded(m_parsed, bare, link);
        EndParse();
        return parsed ? &m_parsed : nullptr;
    }
    if (m_slots.empty())
    {
        m_slots.resize(kSlots);
    }
    const uint8_t* bytes = m_frame.store.data();
    const size_t size = m_frame.size;
    const size_t head = std::min(size, kHeadBytes);
    const uint8_t framing = bare ? 0 : 1 + static_cast<uint8_t>(link);
    Slot& slot = SlotFor(key);
    // A parse reads the frame's length and its bytes before the payload, and only those: a
    // frame with the same length and the same header bytes parses the same.
    if (slot.key == key && slot.framing == framing && slot.size == size &&
        std::memcmp(bytes, slot.head.data(), slot.parsed ? slot.payloadOffset : head) == 0)
    {
        ++m_reused; // seen before, by another device, with the same headers
        ++m_windowReused;
        EndParse();
        if (!slot.parsed)
        {
            return nullptr;
        }
        slot.segment.payloadView = bytes + slot.payloadOffset; // this observation's payload
        return &slot.segment;
    }
    slot.key = key;
    slot.stamp = ++m_stamp;
    slot.framing = framing;
    slot.size = size;
    slot.parsed = ParseLoaded(slot.segment, bare, link);
    if (slot.parsed)
    {
        slot.payloadOffset = static_cast<size_t>(slot.segment.payloadView - bytes);
    }
    std::memcpy(slot.head.data(), bytes, slot.parsed ? slot.payloadOffset : head);
    EndParse();
    return slot.parsed ? &slot.segment : nullptr;
}

ShadowFrameCache::Slot&
ShadowFrameCache::SlotFor(uint64_t key)
{
    // Two places for each key (two-choice hashing): the one holding it, else the one written
    // longer ago. With one place, a frame's slot was taken before its second observation as
    // often as not once a few hundred frames from many links were in flight in between.
    const uint64_t h = key * 0x9e3779b97f4a7c15ULL;
    Slot& a = m_slots[h >> (64 - kSlotBits)];
    Slot& b = m_slots[(h >> (64 - 2 * kSlotBits)) & (kSlots - 1)];
    if (a.key == key)
    {
        return a;
    }
    if (b.key == key)
    {
        return b;
    }
    return a.stamp <= b.stamp ? a : b;
}

void
ShadowFrameCache::EndParse()
{
    ++m_lookups;
    if (++m_windowParses < kWindow)
    {
        return;
    }
    // Bypass after a window with under kMinReusedPercent reused: a reuse saves a parse of hot
    // bytes, but every frame the table keeps is written to a cold slot and read back from one,
    // and parsing the headers again costs about as much (BENCHMARKS.md, "The frame cache pays
    // only when nearly every frame is seen twice"). After kBypassWindows, one window with the
    // table again tells whether frames are seen twice soon enough now. Decided by the frames
    // alone, so a run is the same each time; the parses are the same either way.
    if (m_bypass)
    {
        m_bypass = --m_bypassLeft > 0;
    }
    else if (m_windowReused * 100 < m_windowParses * kMinReusedPercent)
    {
        m_bypass = true;
        m_bypassLeft = kBypassWindows;
    }
    m_windowParses = 0;
    m_windowReused = 0;
}

// ---------------------------------------------------------------------------------------------
// ShadowDevice
// ---------------------------------------------------------------------------------------------

uint32_t
ShadowDevice::ApplyRequest(const ShadowPendingCall& call, uint64_t id)
{
    const uint64_t event = Simulator::GetEventCount();
    if (call.op == ChimneyOp::INITIATE_OFFLOAD)
    {
        if (!call.blocks)
        {
            return 0; // nothing to learn without the list
        }
        lists.emplace(id, call.blocks);
        uint32_t created = 0;
        ForEachListedConnection(*call.blocks, [&](const auto& p, const TcpOffloadBlock& t) {
            if (byHandle.Contains(t.handle))
            {
                return; // misuse accepted: the existing record stays authoritative
            }
            auto c = std::make_unique<ShadowConnection>();
            c->handle = t.handle;
            c->tuple =
                ChimneyFourTuple{p.source.Get(), p.destination.Get(), t.localPort, t.remotePort};
            const TcpDelegatedState& s = t.delegated;
            c->offloadList = call.blocks;
            c->finAtOffload = s.finRequested;
            c->windowScaling = s.windowScaling;
            c->rcvWndShift = s.windowScaling ? s.rcvWndShift : 0;
            // Send stream: offset 0 is sendData[0]; the offload's data is posted data.
            c->sendSeq0 = s.sendDataSeq;
            c->posted = static_cast<int64_t>(s.sendData.size());
            c->maxSent = ShadowOffset(s.sndMax, c->sendSeq0, 0);
            c->acked = ShadowOffset(s.sndUna, c->sendSeq0, 0);
            if (!s.sendData.empty())
            {
                c->chunks.push_back(ShadowChunk{0, s.sendData.size(), nullptr, &s.sendData});
            }
            if (s.finRequested)
            {
                c->expectedFin = ShadowOffset(s.finSeq, c->sendSeq0, 0);
                if (SeqLt(s.finSeq, s.sndMax))
                {
                    c->finOff = c->expectedFin; // the host sent the FIN already
                }
            }
            // Receive stream: offset 0 is the first byte handed over undelivered.
            const uint32_t dataEnd = s.rcvNxt - (s.remoteFinReceived ? 1 : 0);
            c->recvSeq0 = dataEnd - static_cast<uint32_t>(s.receiveData.size());
            c->wire = static_cast<int64_t>(s.receiveData.size());
            c->undelivered.Append(s.receiveData.data(), s.receiveData.size());
            c->snaps.push_back(c->wire);
            c->maxRemoteEnd = ShadowOffset(s.rcvNxt, c->recvSeq0, c->wire);
            c->offloadRcvNxt = c->maxRemoteEnd;
            if (s.remoteFinReceived)
            {
                c->remoteFin = c->wire;
                c->remoteFinAtOffload = true;
            }
            for (const auto& seg : s.outOfOrder)
            {
                c->AddRemoteData(c->RecvOff(seg.seq), seg.data.data(), seg.data.size());
            }
            ShadowConnection* raw = c.get();
            byTuple[c->tuple] = raw;
            byHandle[t.handle] = std::move(c);
            failedTuples.Erase(raw->tuple);
            ++created;
        });
        return created;
    }
    if (call.op == ChimneyOp::TERMINATE_OFFLOAD)
    {
        if (!call.blocks)
        {
            return 0;
        }
        lists.emplace(id, call.blocks);
        ForEachListedConnection(*call.blocks, [&](const auto&, const TcpOffloadBlock& t) {
            ShadowConnection* c = Find(t.handle);
            if (c == nullptr)
            {
                return;
            }
            c->terminateRequested = true;
            c->terminateList = call.blocks;
            if (c->phase == ShadowConnection::OFFLOADED || c->phase == ShadowConnection::OFFLOADING)
            {
                c->phase = ShadowConnection::TERMINATING;
            }
        });
        return 0;
    }
    ShadowConnection* found = Find(call.handle);
    if (found == nullptr)
    {
        return 0;
    }
    ShadowConnection& c = *found;
    if (!call.valid)
    {
        c.blind = true; // lengths unknown from here on: data checks stop
    }
    const bool late = c.terminateRequested;
    if (call.op == ChimneyOp::SEND)
    {
        if (!call.nbl)
        {
            ShadowSendRequest r;
            r.id = id;
            r.order = c.sendsPosted++;
            r.event = event;
            r.late = late;
            r.end = c.posted;
            c.sends.push_back(r);
            return 0;
        }
        for (const NetBufferList* n = PeekPointer(call.nbl); n != nullptr; n = PeekPointer(n->next))
        {
            ShadowSendRequest r;
            r.nbl = n;
            r.id = n->id;
            r.order = c.sendsPosted++;
            r.length = n->DataLength();
            r.event = event;
            r.late = late;
            if (!late)
            {
                if (r.length > 0)
                {
                    c.chunks.push_back(ShadowChunk{c.posted, r.length, n, nullptr});
                }
                c.posted += static_cast<int64_t>(r.length);
            }
            r.end = c.posted;
            c.sends.push_back(std::move(r));
        }
        return 0;
    }
    if (call.op == ChimneyOp::RECEIVE)
    {
        if (!call.nbl)
        {
            ShadowReceiveRequest r;
            r.id = id;
            r.event = event;
            c.receives.push_back(r);
            return 0;
        }
        if (c.receives.capacity() == 0)
        {
            // A connection's receives pile up behind one outstanding (Compact() empties the
            // queue only once all are done): room for a few at once, not a regrowth per
            // doubling (each moving the entries' Ptrs, which ns-3.37 copies).
            c.receives.reserve(kReceivesReserved);
        }
        else if (c.receives.size() == c.receives.capacity() && c.recvHead > 0)
        {
            // Full, with done ones in front: move the outstanding ones to the front instead
            // of doubling the room (a regrowth copies every entry; the done ones hold nothing).
            c.receives.erase(c.receives.begin(), c.receives.begin() + c.recvHead);
            c.recvHead = 0;
        }
        for (const NetBufferList* n = PeekPointer(call.nbl); n != nullptr; n = PeekPointer(n->next))
        {
            ShadowReceiveRequest r;
            r.nbl = n;
            r.id = n->id;
            r.event = event;
            c.receives.push_back(std::move(r));
        }
        return 0;
    }
    if (call.op == ChimneyOp::DISCONNECT)
    {
        const bool graceful = call.flags == TCP_DISCONNECT_GRACEFUL_CLOSE;
        ShadowDisconnectRequest& r = graceful ? c.graceful : c.abortive;
        r = ShadowDisconnectRequest();
        r.nbl = call.nbl;
        r.id = id;
        r.event = event;
        r.outstanding = true;
        r.late = late;
        r.length = call.nbl ? call.nbl->DataLength() : 0;
        r.sendsBefore = c.sendsPosted;
        if (graceful)
        {
            c.gracefulIssued = true;
            if (!late)
            {
                c.gracefulActive = true;
                if (r.length > 0 && call.nbl)
                {
                    c.chunks.push_back(ShadowChunk{c.posted, r.length, call.nbl, nullptr});
                }
                c.posted += static_cast<int64_t>(r.length);
                c.expectedFin = c.posted;
            }
        }
        else if (call.flags == TCP_DISCONNECT_ABORTIVE_CLOSE)
        {
            c.abortiveIssued = true;
            c.abortiveActive = !late;
            r.afterRemoteFin = c.remoteFin >= 0 && c.wire >= c.remoteFin;
        }
    }
    return 0;
}

void
ShadowDevice::DropFailedOffload(OffloadHandle handle)
{
    const ShadowConnection* c = Find(handle);
    if (c == nullptr)
    {
        return;
    }
    const ChimneyFourTuple tuple = c->tuple;
    failedTuples[tuple] = handle;
    byTuple.Erase(tuple);
    byHandle.Erase(handle); // the record goes last: tuple was copied out of it
}

void
ShadowDevice::EndConnection(OffloadHandle handle)
{
    const ShadowConnection* c = Find(handle);
    if (c == nullptr)
    {
        return;
    }
    terminated[handle] = c->tuple;
    terminatedTuples[c->tuple] = handle;
    ShadowConnection* const* byThisTuple = byTuple.Find(c->tuple);
    if (byThisTuple != nullptr && *byThisTuple == c)
    {
        byTuple.Erase(c->tuple);
    }
    byHandle.Erase(handle); // destroys *c
}

} // namespace ns3
