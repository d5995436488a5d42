/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHostConnection while the target runs it: NBL posting, disconnects, what completions and
// indications do to it, when it wants to be terminated, and the resume after the upload.

#include "chimney-engine-driver.h"
#include "chimney-event-counts.h"
#include "chimney-host-connection.h"
#include "chimney-host-stack.h"
#include "chimney-socket.h"

#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

namespace
{

/// Appends the first `bytes` bytes of an NBL's buffers to a byte queue.
void
AppendNblData(const NetBufferList& nbl, uint64_t bytes, ChimneyByteQueue& out)
{
    for (const NetBuffer& b : nbl.buffers)
    {
        const uint64_t take = std::min<uint64_t>(bytes, b.data.size());
        out.Append(b.data.begin(), b.data.begin() + static_cast<ptrdiff_t>(take));
        bytes -= take;
        if (bytes == 0)
        {
            break;
        }
    }
}

/// Receive buffers of completed receive NBLs, for the next posts: a completed NBL belongs to the
/// host again (as in NDIS), and allocating and zeroing a fresh ReceiveBufferSize buffer for
/// every post was the offloaded receive path's largest cost. Bounded; contents are stale (the
/// target fills, and everyone reads, only the first bytesTransferred bytes).
std::vector<NetBufferBytes>&
SpareReceiveBuffers()
{
    static std::vector<NetBufferBytes> spares;
    return spares;
}

constexpr size_t kMaxSpareReceiveBuffers = 64;

/// A receive NBL of `capacity` bytes, on a spare buffer when one of that size is at hand.
Ptr<NetBufferList>
NewReceiveNbl(uint32_t capacity, uint64_t id)
{
    auto& spares = SpareReceiveBuffers();
    if (spares.empty() || spares.back().size() != capacity)
    {
        return NetBufferList::CreateReceive(capacity, id);
    }
    Ptr<NetBufferList> nbl = Create<NetBufferList>();
    nbl->id = id;
    nbl->buffers.push_back(NetBuffer{std::move(spares.back())});
    spares.pop_back();
    return nbl;
}

/// Keep the buffers of a completed receive NBL (already copied out) for NewReceiveNbl().
void
RecycleReceiveNbl(NetBufferList& nbl, uint32_t capacity)
{
    auto& spares = SpareReceiveBuffers();
    for (NetBuffer& b : nbl.buffers)
    {
        if (spares.size() < kMaxSpareReceiveBuffers && b.data.size() == capacity)
        {
            spares.push_back(std::move(b.data));
        }
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Offload completed
// ---------------------------------------------------------------------------------------------

void
ChimneyHostConnection::Offloaded()
{
    // Segments that reached the host in the instant between export and the target taking
    // the connection are dropped; the peer retransmits them to the target.
    held.clear();
    lastState = engine->State();
    engine.reset();
    offloadedAt = Simulator::Now();
    receivesStopped = false;
    Enter(Phase::OFFLOADED, ns3::ToString(lastState));
    if (!pendingSend.empty() && !AbortRequested())
    {
        PostSend(NetBufferBytes(pendingSend.begin(), pendingSend.end()));
        pendingSend.clear();
    }
    PostReceives();
    IssueDisconnect();
    // The engine's send buffer went with the state: the application may send again.
    NotifyWritable();
}

void
ChimneyHostConnection::OffloadFailed(ChimneyStatus status)
{
    // SPEC 3.1: the connection stays in software, untouched.
    Enter(Phase::SOFTWARE, std::string("offload failed: ") + ns3::ToString(status));
    const int64_t now = ChimneyEngineDriver::Now();
    for (const TcpSegment& segment : held)
    {
        engine->OnSegment(now, segment);
    }
    held.clear();
    if (AbortRequested())
    {
        engine->Abort(now);
    }
    // The final data of a graceful Disconnect() made during the offload goes out in
    // software now, before the FIN (W2).
    pendingSend.Append(closeData.begin(), closeData.end());
    closeData = std::vector<uint8_t>(); // the storage too: a closed connection keeps none
    FeedEngine();
    Drive();
}

// ---------------------------------------------------------------------------------------------
// Requests: NBL posting and disconnects
// ---------------------------------------------------------------------------------------------

void
ChimneyHostConnection::PostSend(NetBufferBytes data)
{
    const uint64_t size = data.size();
    Ptr<NetBufferList> nbl = NetBufferList::CreateSend(std::move(data), m_stack->NextNblId());
    postedSendBytes += size;
    m_stack->m_nblCallTrace(ChimneyOp::SEND, handle, nbl);
    const ChimneyStatus status = m_stack->m_lower->TcpOffloadSend(handle, nbl);
    m_stack->m_callTrace(ChimneyOp::SEND, handle, nbl->id, 0, status);
    if (status != ChimneyStatus::PENDING)
    {
        // Refused (a host bug, reported by the target as a finding): keep the bytes, they
        // are sent in software after the upload.
        postedSendBytes -= size;
        notSent.push_back(nbl);
    }
}

void
ChimneyHostConnection::PostReceives()
{
    // Nothing more will be filled after the remote FIN, a reset or failure, our RST, or once the
    // connection is on its way back.
    if (Get<Phase>() != Phase::OFFLOADED || RemoteFinReceived() || Get<Fault>() >= Fault::Reset ||
        Get<AbortiveClose>() >= AbortiveClose::DisconnectIssued || terminateWanted ||
        receivesStopped)
    {
        return;
    }
    const uint32_t size = m_stack->m_receiveBufferSize;
    while (receivesPosted < m_stack->m_receiveBuffersPosted &&
           (recvShutdown || rx.size() + static_cast<uint64_t>(receivesPosted + 1) * size <=
                                std::max(m_stack->m_rcvBufSize, size)))
    {
        if (PostReceiveNbl(size) != ChimneyStatus::PENDING)
        {
            break;
        }
    }
}

ChimneyStatus
ChimneyHostConnection::PostReceiveNbl(uint32_t size)
{
    Ptr<NetBufferList> nbl = NewReceiveNbl(size, m_stack->NextNblId());
    ++receivesPosted;
    m_stack->m_nblCallTrace(ChimneyOp::RECEIVE, handle, nbl);
    const ChimneyStatus status = m_stack->m_lower->TcpOffloadReceive(handle, nbl);
    m_stack->m_callTrace(ChimneyOp::RECEIVE, handle, nbl->id, 0, status);
    if (status != ChimneyStatus::PENDING)
    {
        --receivesPosted;
    }
    return status;
}

void
ChimneyHostConnection::IssueDisconnect()
{
    if (Get<Phase>() != Phase::OFFLOADED)
    {
        return;
    }
    if (Get<AbortiveClose>() == AbortiveClose::Requested)
    {
        Enter(AbortiveClose::DisconnectIssued);
        abortNbl = NetBufferList::CreateSend({}, m_stack->NextNblId());
        m_stack->m_nblCallTrace(ChimneyOp::DISCONNECT, handle, abortNbl);
        const ChimneyStatus status =
            m_stack->m_lower->TcpOffloadDisconnect(handle, abortNbl, TCP_DISCONNECT_ABORTIVE_CLOSE);
        m_stack->m_callTrace(ChimneyOp::DISCONNECT,
                             handle,
                             abortNbl->id,
                             TCP_DISCONNECT_ABORTIVE_CLOSE,
                             status);
        if (status != ChimneyStatus::PENDING)
        {
            abortNbl = nullptr;
            terminateWanted = true;
            MaybeTerminate();
        }
        return;
    }
    // Not when our FIN is already in the state (FinInEngine) or was issued once (SPEC 3.4).
    if (Get<GracefulClose>() == GracefulClose::Requested && !AbortRequested())
    {
        Enter(GracefulClose::DisconnectIssued);
        gracefulNbl = NetBufferList::CreateSend(std::move(closeData), m_stack->NextNblId());
        closeData = std::vector<uint8_t>(); // the storage too: a closed connection keeps none
        m_stack->m_nblCallTrace(ChimneyOp::DISCONNECT, handle, gracefulNbl);
        const ChimneyStatus status =
            m_stack->m_lower->TcpOffloadDisconnect(handle,
                                                   gracefulNbl,
                                                   TCP_DISCONNECT_GRACEFUL_CLOSE);
        m_stack->m_callTrace(ChimneyOp::DISCONNECT,
                             handle,
                             gracefulNbl->id,
                             TCP_DISCONNECT_GRACEFUL_CLOSE,
                             status);
        if (status != ChimneyStatus::PENDING)
        {
            unsentDisconnect = gracefulNbl; // closed in software after the upload
            gracefulNbl = nullptr;
            terminateWanted = true;
            MaybeTerminate();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Completions and indications
// ---------------------------------------------------------------------------------------------

uint64_t
ChimneyHostConnection::SendCompleted(const Ptr<NetBufferList>& nbl)
{
    postedSendBytes -= std::min<uint64_t>(postedSendBytes, nbl->DataLength());
    if (nbl->status == ChimneyStatus::UPLOAD_IN_PROGRESS && nbl->bytesTransferred == 0)
    {
        notSent.push_back(nbl); // never reached the target's engine: sent in software
    }
    else if (nbl->status == ChimneyStatus::REQUEST_ABORTED && !AbortRequested())
    {
        terminateWanted = true; // aborted by the target: take the connection back
    }
    return nbl->bytesTransferred;
}

void
ChimneyHostConnection::SendsCompleted(uint64_t acked)
{
    bytesAcked += acked;
    if (socket && acked > 0)
    {
        socket->OnDataSent(static_cast<uint32_t>(acked));
    }
    if (Get<Phase>() == Phase::OFFLOADED)
    {
        NotifyWritable();
    }
    MaybeTerminate();
}

uint64_t
ChimneyHostConnection::ReceiveCompleted(const Ptr<NetBufferList>& nbl)
{
    receivesPosted -= std::min<uint32_t>(receivesPosted, 1);
    uint64_t delivered = 0;
    if (nbl->status != ChimneyStatus::SUCCESS)
    {
        // The target will fill no more buffers (aborted, uploading, remote FIN): never
        // re-post into that, or host and target would trade completions forever.
        receivesStopped = true;
        if (nbl->status == ChimneyStatus::REQUEST_ABORTED)
        {
            terminateWanted = true; // the connection is dead: take it back
        }
    }
    if (nbl->status == ChimneyStatus::SUCCESS && nbl->bytesTransferred > 0)
    {
        delivered = nbl->bytesTransferred;
        if (!recvShutdown)
        {
            AppendNblData(*nbl, nbl->bytesTransferred, rx);
        }
    }
    RecycleReceiveNbl(*nbl, m_stack->m_receiveBufferSize);
    return delivered;
}

void
ChimneyHostConnection::ReceivesCompleted(uint64_t delivered)
{
    bytesReceived += delivered;
    if (delivered > 0)
    {
        NotifyReadable();
    }
    PostReceives();
    MaybeTerminate();
}

void
ChimneyHostConnection::DisconnectCompleted(const Ptr<NetBufferList>& nbl)
{
    if (nbl == gracefulNbl)
    {
        gracefulNbl = nullptr;
        if (nbl->status == ChimneyStatus::SUCCESS)
        {
            Enter(GracefulClose::FinAcked); // every byte and the FIN acknowledged
            bytesAcked += nbl->bytesTransferred;
            if (socket && nbl->bytesTransferred > 0)
            {
                socket->OnDataSent(static_cast<uint32_t>(nbl->bytesTransferred));
            }
        }
        else if (nbl->status == ChimneyStatus::UPLOAD_IN_PROGRESS)
        {
            unsentDisconnect = nbl; // SPEC 3.4: never reissued; finished in software
        }
    }
    else if (nbl == abortNbl)
    {
        abortNbl = nullptr;
        Enter(AbortiveClose::Completed);
        terminateWanted = true; // RST sent (or aborted already): upload and forget
    }
    MaybeTerminate();
}

void
ChimneyHostConnection::Indicated(ChimneyEvent event, ChimneyUploadReason reason)
{
    switch (event)
    {
    case ChimneyEvent::DISCONNECT:
        // SPEC 3.5: every byte before the FIN was delivered before this indication.
        RemoteFinArrived();
        break;
    case ChimneyEvent::ABORT:
        Enter(Fault::Reset);
        terminateWanted = true; // SPEC 3.5: the host must then terminate
        break;
    case ChimneyEvent::RETRIEVE:
        if (reason == ChimneyUploadReason::HARDWARE_FAILURE)
        {
            Enter(Fault::Failed);
        }
        else if (reason == ChimneyUploadReason::TIMEOUT_EXPIRATION)
        {
            Enter(Fault::TimedOut);
        }
        else if (reason == ChimneyUploadReason::INVALID_STATE)
        {
            Enter(Fault::Reset); // an in-order SYN: the target closed the connection
        }
        if (IsMandatoryUploadReason(reason) || m_stack->m_honourOptionalRetrieve)
        {
            terminateWanted = true;
        }
        break;
    }
    MaybeTerminate();
}

void
ChimneyHostConnection::MaybeTerminate()
{
    if (Get<Phase>() != Phase::OFFLOADED)
    {
        return;
    }
    // A completed abortive disconnect sets terminateWanted too.
    const bool bothHalvesClosed =
        Get<GracefulClose>() == GracefulClose::FinAcked && RemoteFinReceived();
    if (terminateWanted || bothHalvesClosed)
    {
        // From an upcall, never from inside one of our own request calls (SPEC 3.6).
        ++ChimneyEventCounts::Get().host;
        Simulator::ScheduleNow(&ChimneyHostStack::TerminateIfOffloaded, m_stack, handle);
    }
}

// ---------------------------------------------------------------------------------------------
// Upload: resume in software
// ---------------------------------------------------------------------------------------------

void
ChimneyHostConnection::Resume(const TcpDelegatedState& state)
{
    lastState = state.state;
    uploadedOnce = true;
    if (state.state == TcpState::Closed)
    {
        held.clear();
        m_stack->End(*this, OutcomeOfUpload());
        return;
    }
    const int64_t now = ChimneyEngineDriver::Now();
    engine = std::make_unique<TcpEngine>(
        TcpEngine::Import(m_stack->EngineConfig(), localPort, remotePort, state, now));
    Enter(Phase::SOFTWARE, std::string("resumed in ") + ns3::ToString(state.state));
    pendingSend = StreamAfterUpload(state);
    if (state.remoteFinReceived && Get<ReceiveHalf>() == ReceiveHalf::Open)
    {
        Enter(ReceiveHalf::RemoteFin);
    }
    if (AbortRequested())
    {
        engine->Abort(now);
    }
    else
    {
        for (const TcpSegment& segment : held)
        {
            engine->OnSegment(now, segment);
        }
        FeedEngine();
    }
    held.clear();
    NotifyReadable();
    Drive();
    if (engine && engine->BytesReadable() == 0 && rx.empty())
    {
        DeliverRemoteFin(); // the FIN came back in the state, after every byte was read
    }
    if (Get<Phase>() == Phase::SOFTWARE)
    {
        NotifyWritable();
    }
}

ChimneyByteQueue
ChimneyHostConnection::StreamAfterUpload(const TcpDelegatedState& state)
{
    // Bytes the target never took, in posting order, go before what the host held back since;
    // then the final data of a disconnect that was completed UPLOAD_IN_PROGRESS.
    std::sort(notSent.begin(), notSent.end(), [](const auto& a, const auto& b) {
        return a->id < b->id;
    });
    ChimneyByteQueue stream;
    for (const auto& nbl : notSent)
    {
        AppendNblData(*nbl, nbl->DataLength(), stream);
    }
    notSent.clear();
    stream.Append(pendingSend.begin(), pendingSend.end());
    if (unsentDisconnect && !state.finRequested)
    {
        AppendNblData(*unsentDisconnect, unsentDisconnect->DataLength(), stream);
    }
    unsentDisconnect = nullptr;
    if (!state.finRequested)
    {
        stream.Append(closeData.begin(), closeData.end());
    }
    closeData = std::vector<uint8_t>(); // the storage too: a closed connection keeps none
    return stream;
}

} // namespace ns3
