/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-offload-connection.h"

#include "chimney-defect.h"
#include "chimney-engine-driver.h"
#include "chimney-net-device.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyOffloadConnection");

namespace
{

int64_t
NowNs()
{
    return Simulator::Now().GetNanoSeconds();
}

/// Append the bytes of an NBL from offset on.
void
AppendFrom(const NetBufferList& nbl, uint64_t offset, std::vector<uint8_t>& out)
{
    for (const NetBuffer& buffer : nbl.buffers)
    {
        if (offset >= buffer.data.size())
        {
            offset -= buffer.data.size();
            continue;
        }
        out.insert(out.end(),
                   buffer.data.begin() + static_cast<ptrdiff_t>(offset),
                   buffer.data.end());
        offset = 0;
    }
}

} // namespace

ChimneyOffloadConnection::ChimneyOffloadConnection(ChimneyNetDevice* owner, TcpEngine&& e)
    : device(owner),
      engine(std::move(e))
{
}

// ---------------------------------------------------------------------------------------------
// States
// ---------------------------------------------------------------------------------------------

const char*
ChimneyOffloadConnection::ToString(SendHalf state)
{
    switch (state)
    {
    case SendHalf::Open:
        return "Open";
    case SendHalf::GracefulPending:
        return "GracefulPending";
    case SendHalf::FinIssued:
        return "FinIssued";
    case SendHalf::FinAcked:
        return "FinAcked";
    case SendHalf::Reset:
        return "Reset";
    }
    return "?";
}

std::string
ChimneyOffloadConnection::ToString(Life life, AbortReason reason)
{
    static const char* const reasons[] = {"None",
                                          "AbortiveDisconnect",
                                          "ResetReceived",
                                          "TimedOut",
                                          "ClosedBySyn",
                                          "HardwareFailure"};
    const std::string why = reason == AbortReason::None
                                ? ""
                                : std::string("(") + reasons[static_cast<int>(reason)] + ")";
    switch (life)
    {
    case Life::Live:
        return "Live";
    case Life::Aborted:
        return "Aborted" + why;
    case Life::Uploading:
        return "Uploading" + why;
    }
    return "?";
}

std::string
ChimneyOffloadConnection::Describe() const
{
    return ToString(m_life, m_abortReason) + "/" + ToString(m_sendHalf);
}

void
ChimneyOffloadConnection::ReportChange(const std::string& before)
{
    const std::string after = Describe();
    NS_LOG_LOGIC("handle " << handle << ": " << before << " -> " << after);
    device->m_connectionStateTrace(handle, before, after);
}

void
ChimneyOffloadConnection::SetSendHalf(SendHalf next)
{
    if (next == m_sendHalf)
    {
        return;
    }
    const std::string before = Describe();
    m_sendHalf = next;
    ReportChange(before);
}

void
ChimneyOffloadConnection::Abort(AbortReason reason)
{
    // The first reason stays; a hardware failure overrides any (the NIC is gone).
    if (reason == AbortReason::None ||
        (m_abortReason != AbortReason::None && reason != AbortReason::HardwareFailure) ||
        m_abortReason == reason)
    {
        return;
    }
    const std::string before = Describe();
    m_abortReason = reason;
    if (m_life == Life::Live)
    {
        m_life = Life::Aborted;
    }
    ReportChange(before);
}

void
ChimneyOffloadConnection::StartUpload()
{
    timer.Cancel();
    device->Detach(*this);
    if (m_life == Life::Uploading)
    {
        return;
    }
    const std::string before = Describe();
    m_life = Life::Uploading;
    ReportChange(before);
}

// ---------------------------------------------------------------------------------------------
// Receive path
// ---------------------------------------------------------------------------------------------

void
ChimneyOffloadConnection::FeedSegment(const TcpSegment& segment)
{
    if (ResetSent())
    {
        // Reached only when a seeded defect lets segments in after our RST (W6).
        device->m_defect->OnSegmentAfterReset(*this, segment);
        return;
    }
    const TcpState state = engine.State();
    if (state == TcpState::Closed)
    {
        // Closed while the segment waited for processing: a closed engine would answer with a
        // RST, which the target never sends on its own (W4).
        return;
    }
    lastActivityNs = NowNs();
    if (std::optional<TcpSegment> replaced = device->m_defect->ReplaceReceived(*this, segment))
    {
        engine.OnSegment(lastActivityNs, *replaced);
        Pump();
        return;
    }
    if (segment.Has(TcpSegment::SYN) && !segment.Has(TcpSegment::RST) &&
        state != TcpState::TimeWait && segment.seq == engine.RcvNxt())
    {
        CloseOnInOrderSyn();
        return;
    }
    // Any other SYN: the engine's RFC 5961 challenge ACK.
    engine.OnSegment(lastActivityNs, segment);
    Pump();
}

void
ChimneyOffloadConnection::CloseOnInOrderSyn()
{
    // SPEC 3.5 [model choice]: an in-order SYN means the peer restarted; the target uploads the
    // connection in Closed state. The engine is closed without the RST its ABORT would send
    // (W4: the target sends RST only after an abortive disconnect); what the peer is told is
    // the host's decision after the upload. Requests now fail REQUEST_ABORTED (Aborted()).
    Abort(AbortReason::ClosedBySyn);
    engine.Abort(NowNs());
    engine.TakeSegments();
    timer.Cancel();
    Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::INVALID_STATE);
    Pump();
}

// ---------------------------------------------------------------------------------------------
// The pump
// ---------------------------------------------------------------------------------------------

void
ChimneyOffloadConnection::Pump()
{
    if (Uploading() || HardwareFailed())
    {
        return;
    }
    ChimneyEngineDriver::Run(*this); // BeforeRound, Transmit, HandleEvent, AfterRound below
    device->m_defect->BeforeDisconnectIndication(*this);
    // A7: Disconnect once, after every byte before the FIN reached posted receive buffers.
    if (remoteFin && !disconnectIndicated && m_abortReason != AbortReason::ResetReceived &&
        !ResetSent() && engine.BytesReadable() == 0)
    {
        IndicateDisconnect();
        // Receives still posted can never be filled: they complete empty (end of stream).
        while (recvHead < receives.size())
        {
            CompleteReceive(receives[recvHead], ChimneyStatus::SUCCESS);
        }
    }
    // SPEC 3.5: on entering TIME_WAIT the target requests termination (once).
    if (timeWaitEntered && !timeWaitRetrieved)
    {
        timeWaitRetrieved = true;
        Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::UPLOAD_REQUESTED);
    }
    ArmTimer();
}

TcpEngine*
ChimneyOffloadConnection::DrivenEngine()
{
    return &engine;
}

void
ChimneyOffloadConnection::BeforeRound()
{
    if (!ResetSent())
    {
        const int64_t now = NowNs();
        FeedSend(now);
        DeliverReceives(now);
    }
}

void
ChimneyOffloadConnection::AfterRound()
{
    CompleteAckedSends();
    device->m_defect->OnPumpRound(*this);
    // A3: graceful SUCCESS once our FIN is acknowledged and every send completed.
    if (graceful && m_sendHalf == SendHalf::FinAcked && sendHead == sends.size())
    {
        CompleteGracefulDisconnect();
    }
}

void
ChimneyOffloadConnection::FeedSend(int64_t now)
{
    while (handIndex < sends.size())
    {
        const NetBufferList& nbl = *sends[handIndex];
        uint64_t skip = handOffset;
        for (const NetBuffer& buffer : nbl.buffers)
        {
            if (skip >= buffer.data.size())
            {
                skip -= buffer.data.size();
                continue;
            }
            const size_t want = buffer.data.size() - skip;
            const size_t n = engine.Send(now, buffer.data.data() + skip, want);
            handOffset += n;
            if (n < want)
            {
                return; // the engine's send buffer is full
            }
            skip = 0;
        }
        ++handIndex;
        handOffset = 0;
    }
    if (m_sendHalf != SendHalf::GracefulPending || !graceful)
    {
        return; // no graceful disconnect, its FIN issued, or it was aborted (A8)
    }
    const uint64_t length = graceful->DataLength();
    if (!device->m_defect->SendsDisconnectData(*this))
    {
        gracefulOffset = length;
    }
    if (gracefulOffset < length)
    {
        std::vector<uint8_t> rest;
        AppendFrom(*graceful, gracefulOffset, rest);
        gracefulOffset += engine.Send(now, rest.data(), rest.size());
    }
    if (gracefulOffset == length && !device->m_defect->ReplacesFin(*this, now))
    {
        engine.ShutdownSend(now); // SPEC 3.4: FIN after all data, without waiting for ACKs
        SetSendHalf(SendHalf::FinIssued);
    }
}

void
ChimneyOffloadConnection::DeliverReceives(int64_t now)
{
    while (recvHead < receives.size())
    {
        Ptr<NetBufferList> nbl = receives[recvHead];
        const uint64_t capacity = nbl->DataLength();
        uint64_t offset = recvFill;
        for (NetBuffer& buffer : nbl->buffers)
        {
            if (engine.BytesReadable() == 0)
            {
                break;
            }
            if (offset >= buffer.data.size())
            {
                offset -= buffer.data.size();
                continue;
            }
            const size_t n = engine.Read(now,
                                         buffer.data.data() + offset,
                                         buffer.data.size() - static_cast<size_t>(offset));
            recvFill += n;
            offset = 0;
        }
        // Complete when full, when it holds data and nothing more is readable, or when empty.
        if (recvFill == capacity || (recvFill > 0 && engine.BytesReadable() == 0))
        {
            CompleteReceive(nbl, ChimneyStatus::SUCCESS);
            continue;
        }
        break;
    }
}

void
ChimneyOffloadConnection::CompleteAckedSends()
{
    if (!device->m_defect->CompletesAckedSends(*this))
    {
        return;
    }
    // A4: in posting order, each once the peer acknowledged all of it.
    while (sendHead < handIndex)
    {
        Ptr<NetBufferList> nbl = sends[sendHead];
        const uint64_t length = nbl->DataLength();
        if (acked < headStart + length)
        {
            break;
        }
        CompleteSend(nbl, ChimneyStatus::SUCCESS);
    }
}

void
ChimneyOffloadConnection::HandleEvent(const TcpEvent& event)
{
    switch (event.kind)
    {
    case TcpEvent::Kind::BytesAcked:
        acked += event.bytes;
        break;
    case TcpEvent::Kind::FinAcked:
        if (m_sendHalf == SendHalf::FinIssued)
        {
            SetSendHalf(SendHalf::FinAcked);
        }
        break;
    case TcpEvent::Kind::RemoteFin:
        remoteFin = true;
        break;
    case TcpEvent::Kind::Reset:
        // A8: acceptable RST: Abort, then every outstanding request REQUEST_ABORTED.
        Abort(AbortReason::ResetReceived);
        device->m_defect->OnReset(*this);
        Indicate(ChimneyEvent::ABORT, ChimneyUploadReason::NONE);
        AbortOutstanding(ChimneyStatus::REQUEST_ABORTED);
        break;
    case TcpEvent::Kind::TimedOut:
        Abort(AbortReason::TimedOut);
        Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::TIMEOUT_EXPIRATION);
        break;
    case TcpEvent::Kind::StateChanged:
        if (event.newState == TcpState::TimeWait)
        {
            timeWaitEntered = true; // Retrieve after the Disconnect indication (end of Pump)
        }
        break;
    default:
        break;
    }
}

void
ChimneyOffloadConnection::Transmit(const TcpSegment& segment)
{
    if (Uploading())
    {
        return; // W8: nothing more on the wire after the terminate
    }
    Emit(segment);
}

void
ChimneyOffloadConnection::TransmitAfterDetach(const TcpSegment& segment)
{
    Emit(segment);
}

void
ChimneyOffloadConnection::Emit(const TcpSegment& segment)
{
    if (HardwareFailed() || m_abortReason == AbortReason::ClosedBySyn || !device->m_inner)
    {
        return; // hardware failure, closed by a SYN: nothing more on the wire
    }
    lastActivityNs = NowNs();
    if (device->m_defect->RewritesTransmitted())
    {
        TcpSegment rewritten = segment;
        device->m_defect->RewriteTransmitted(*this, rewritten);
        device->SendSegment(*this, rewritten);
    }
    else
    {
        device->SendSegment(*this, segment);
    }
    if (segment.Has(TcpSegment::FIN) && !finSent)
    {
        finSent = true;
        device->m_defect->OnFinTransmitted(*this, segment);
    }
    if (segment.Has(TcpSegment::RST))
    {
        device->m_defect->OnReset(*this);
    }
}

void
ChimneyOffloadConnection::ArmTimer()
{
    int64_t deadline = -1;
    if (!Uploading() && !HardwareFailed() && !ResetSent())
    {
        // One event per connection: the engine's deadline or the low-activity one.
        deadline = engine.NextDeadline();
        const int64_t idle = LowActivityDeadline();
        if (idle >= 0 && (deadline < 0 || idle < deadline))
        {
            deadline = idle;
        }
    }
    ChimneyEngineDriver::ArmTimer(timer, deadline, &ChimneyOffloadConnection::OnTimer, this);
}

int64_t
ChimneyOffloadConnection::LowActivityDeadline() const
{
    // SPEC 3.5: LowActivity is optional: asked once, only on a fully open connection (never
    // half-closed), and not once the host is terminating it anyway.
    const Time timeout = device->m_lowActivityTimeout;
    if (!timeout.IsStrictlyPositive() || lowActivityIndicated || terminatePending || Aborted() ||
        engine.State() != TcpState::Established)
    {
        return -1;
    }
    return lastActivityNs + timeout.GetNanoSeconds();
}

void
ChimneyOffloadConnection::OnTimer()
{
    const int64_t now = NowNs();
    const int64_t idle = LowActivityDeadline();
    if (idle >= 0 && now >= idle)
    {
        // The host may ignore it: nothing else changes, the connection keeps working.
        lowActivityIndicated = true;
        Indicate(ChimneyEvent::RETRIEVE, ChimneyUploadReason::LOW_ACTIVITY);
    }
    const int64_t due = engine.NextDeadline();
    if (due >= 0 && now >= due)
    {
        engine.OnTimer(now);
    }
    Pump();
}

void
ChimneyOffloadConnection::AbortSend(int64_t now)
{
    engine.Abort(now);
    SetSendHalf(SendHalf::Reset);
    Abort(AbortReason::AbortiveDisconnect);
}

// ---------------------------------------------------------------------------------------------
// Completions and indications
// ---------------------------------------------------------------------------------------------

void
ChimneyOffloadConnection::AbortOutstanding(ChimneyStatus status)
{
    while (sendHead < sends.size())
    {
        CompleteSend(sends[sendHead], status);
    }
    if (graceful)
    {
        Ptr<NetBufferList> nbl = graceful;
        graceful = nullptr;
        CompleteDisconnect(nbl, status, 0);
    }
    for (Ptr<NetBufferList>& nbl : heldDisconnects)
    {
        CompleteDisconnect(nbl, status, 0);
    }
    heldDisconnects.clear();
    while (recvHead < receives.size())
    {
        CompleteReceive(receives[recvHead], status);
    }
}

void
ChimneyOffloadConnection::CompleteGracefulDisconnect()
{
    Ptr<NetBufferList> nbl = graceful;
    graceful = nullptr;
    CompleteDisconnect(nbl, ChimneyStatus::SUCCESS, nbl->DataLength());
}

void
ChimneyOffloadConnection::IndicateDisconnect()
{
    disconnectIndicated = true;
    Indicate(ChimneyEvent::DISCONNECT, ChimneyUploadReason::NONE);
}

void
ChimneyOffloadConnection::CompleteSend(Ptr<NetBufferList> nbl, ChimneyStatus status)
{
    // Always the head of the queue.
    const uint64_t length = nbl->DataLength();
    const uint64_t ackedHere = acked > headStart ? acked - headStart : 0;
    nbl->status = status;
    nbl->bytesTransferred = std::min(ackedHere, length);
    headStart += length;
    sends[sendHead] = nullptr;
    ++sendHead;
    if (handIndex < sendHead)
    {
        handIndex = sendHead;
        handOffset = 0;
    }
    if (sendHead == sends.size())
    {
        std::vector<Ptr<NetBufferList>>().swap(sends);
        sendHead = handIndex = 0;
        handOffset = 0;
    }
    ChimneyNetDevice* d = device;
    const OffloadHandle h = handle;
    const uint64_t bytes = nbl->bytesTransferred;
    const uint32_t times = d->m_defect->SendCompletions(*this, nbl);
    if (times == 1)
    {
        d->CompleteInChain(ChimneyOp::SEND, h, nbl);
        return;
    }
    for (uint32_t i = 0; i < times; ++i) // a seeded defect: each its own upcall, never chained
    {
        d->Upcall(d->m_completionLatency, [d, h, nbl, status, bytes]() {
            d->m_completionTrace(ChimneyOp::SEND, h, nbl->id, status, bytes);
            if (d->m_client != nullptr)
            {
                d->m_client->TcpOffloadSendComplete(h, nbl);
            }
        });
    }
}

void
ChimneyOffloadConnection::CompleteSendInsideCall(Ptr<NetBufferList> nbl)
{
    nbl->status = ChimneyStatus::SUCCESS;
    nbl->bytesTransferred = nbl->DataLength();
    device->m_completionTrace(ChimneyOp::SEND, handle, nbl->id, nbl->status, nbl->bytesTransferred);
    if (device->m_client != nullptr)
    {
        device->m_client->TcpOffloadSendComplete(handle, nbl);
    }
}

void
ChimneyOffloadConnection::CompleteReceive(Ptr<NetBufferList> nbl, ChimneyStatus status)
{
    // Always the head of the queue.
    nbl->status = status;
    nbl->bytesTransferred = recvFill;
    recvFill = 0;
    receives[recvHead] = nullptr;
    ++recvHead;
    if (recvHead == receives.size())
    {
        std::vector<Ptr<NetBufferList>>().swap(receives);
        recvHead = 0;
    }
    device->CompleteInChain(ChimneyOp::RECEIVE, handle, nbl);
}

void
ChimneyOffloadConnection::CompleteDisconnect(Ptr<NetBufferList> nbl,
                                             ChimneyStatus status,
                                             uint64_t bytes)
{
    nbl->status = status;
    nbl->bytesTransferred = bytes;
    ChimneyNetDevice* d = device;
    const OffloadHandle h = handle;
    d->Upcall(d->m_completionLatency, [d, h, nbl, status, bytes]() {
        d->m_completionTrace(ChimneyOp::DISCONNECT, h, nbl->id, status, bytes);
        if (d->m_client != nullptr)
        {
            d->m_client->TcpOffloadDisconnectComplete(h, nbl);
        }
    });
}

void
ChimneyOffloadConnection::Indicate(ChimneyEvent event, ChimneyUploadReason reason)
{
    ChimneyNetDevice* d = device;
    const OffloadHandle h = handle;
    const uint64_t s = serial;
    d->Upcall(d->m_indicationLatency, [d, h, s, event, reason]() {
        if (ChimneyOffloadConnection* delivered = d->Find(h, s);
            delivered != nullptr && event == ChimneyEvent::DISCONNECT)
        {
            delivered->disconnectDelivered = true;
        }
        d->m_indicationTrace(h, event, reason);
        if (d->m_client != nullptr)
        {
            d->m_client->TcpOffloadEvent(h, event, reason);
        }
    });
}

void
ChimneyOffloadConnection::FreeLedgerEntry()
{
    device->FreeLedgerEntry(handle, ChimneyNetDevice::KeyOf(*this));
}

// ---------------------------------------------------------------------------------------------
// Terminate
// ---------------------------------------------------------------------------------------------

void
ChimneyOffloadConnection::Terminate(TcpOffloadBlock& block)
{
    // SPEC 3.6: status, delegated state, send chain; every outstanding request completed first.
    block.sendDataHead = nullptr;
    if (HardwareFailed())
    {
        block.status = ChimneyStatus::FAILURE; // the state is lost; the host may abort
        AbortOutstanding(ChimneyStatus::REQUEST_ABORTED);
        StartUpload();
        return;
    }
    ChimneyDefect& defect = *device->m_defect;
    const int64_t now = NowNs();
    // SPEC 3.6: the delayed-ACK timer stops and a pending ACK goes on the wire now, so the
    // returned state owes none (a closed engine owes none).
    engine.FlushPendingAck(now);
    for (const TcpSegment& segment : engine.TakeSegments())
    {
        Transmit(segment);
    }
    TcpDelegatedState d = engine.Export(now);
    defect.OnExport(*this, d);
    if (Aborted())
    {
        AbortOutstanding(ChimneyStatus::REQUEST_ABORTED);
    }
    else
    {
        // Outstanding sends go back as a chain of the original NBLs, in posting order (A9);
        // sendData holds every byte from SndUna: the engine's, then what it did not take yet.
        std::vector<Ptr<NetBufferList>> chain;
        for (uint32_t i = sendHead; i < sends.size(); ++i)
        {
            if (!defect.ReturnsSend(*this, i, d))
            {
                break;
            }
            Ptr<NetBufferList> nbl = sends[i];
            if (i == handIndex)
            {
                AppendFrom(*nbl, handOffset, d.sendData);
            }
            else if (i > handIndex)
            {
                AppendFrom(*nbl, 0, d.sendData);
            }
            const uint64_t ackedHere = acked > headStart ? acked - headStart : 0;
            nbl->status = ChimneyStatus::UPLOAD_IN_PROGRESS;
            nbl->bytesTransferred = i == sendHead ? std::min(ackedHere, nbl->DataLength()) : 0;
            nbl->next = nullptr;
            chain.push_back(nbl);
        }
        defect.OrderSendChain(*this, chain);
        Ptr<NetBufferList> head;
        NetBufferList* tail = nullptr;
        for (const Ptr<NetBufferList>& nbl : chain)
        {
            device->m_completionTrace(ChimneyOp::SEND_RETURNED,
                                      handle,
                                      nbl->id,
                                      nbl->status,
                                      nbl->bytesTransferred);
            if (tail == nullptr)
            {
                head = nbl;
            }
            else
            {
                tail->next = nbl;
            }
            tail = PeekPointer(nbl);
        }
        std::vector<Ptr<NetBufferList>>().swap(sends);
        sendHead = handIndex = 0;
        handOffset = 0;
        if (graceful)
        {
            if (!FinIssued())
            {
                // The FIN was not queued yet: hand the rest of the disconnect data and the FIN
                // back as the engine would hold them after ShutdownSend().
                AppendFrom(*graceful, gracefulOffset, d.sendData);
                d.finRequested = true;
                d.finSeq = d.sendDataSeq + static_cast<uint32_t>(d.sendData.size());
                if (d.state == TcpState::Established)
                {
                    d.state = TcpState::FinWait1;
                }
                else if (d.state == TcpState::CloseWait)
                {
                    d.state = TcpState::LastAck;
                }
            }
            Ptr<NetBufferList> nbl = graceful;
            graceful = nullptr;
            CompleteDisconnect(nbl, ChimneyStatus::UPLOAD_IN_PROGRESS, 0);
        }
        while (recvHead < receives.size())
        {
            CompleteReceive(receives[recvHead], ChimneyStatus::UPLOAD_IN_PROGRESS);
        }
        block.sendDataHead = head;
    }
    block.delegated = std::move(d);
    block.status = ChimneyStatus::SUCCESS;
    StartUpload();
}

} // namespace ns3
