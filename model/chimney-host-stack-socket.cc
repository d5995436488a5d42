/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyHostStack: the calls ChimneySocket makes (and protocol tests may), by handle. Each one
// works in every phase: in software on the host's engine, offloaded as chimney requests, in
// between held until the phase settles.

#include "chimney-engine-driver.h"
#include "chimney-host-stack.h"
#include "chimney-socket.h"

#include "ns3/simulator.h"

#include <algorithm>

namespace ns3
{

uint32_t
ChimneyHostStack::GetTxAvailable(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    return c ? c->TxAvailable() : 0;
}

uint32_t
ChimneyHostStack::Send(OffloadHandle handle, const uint8_t* data, uint32_t size)
{
    Connection* c = Get(handle);
    if (!c || size == 0 || size > c->TxAvailable())
    {
        return 0;
    }
    c->bytesSent += size;
    switch (c->GetPhase())
    {
    case Phase::SOFTWARE:
        c->FeedEngine(data, size);
        c->Drive();
        break;
    case Phase::OFFLOADED:
        c->PostSend(NetBufferBytes(data, data + size));
        break;
    default:
        // Offload or upload in progress: held here, posted or fed when the phase settles.
        c->pendingSend.Append(data, data + size);
        break;
    }
    return size;
}

std::vector<uint8_t>
ChimneyHostStack::Read(OffloadHandle handle, uint32_t max)
{
    std::vector<uint8_t> out;
    Connection* c = Get(handle);
    if (!c)
    {
        return out;
    }
    const size_t fromRx = std::min<size_t>(max, c->rx.size());
    out.assign(c->rx.begin(), c->rx.begin() + fromRx);
    c->rx.Pop(fromRx);
    if (out.size() < max && c->engine && c->GetPhase() == Phase::SOFTWARE)
    {
        std::vector<uint8_t> more = c->engine->Read(ChimneyEngineDriver::Now(), max - out.size());
        out.insert(out.end(), more.begin(), more.end());
        c->Drive(); // the window may have opened
    }
    else if (c->GetPhase() == Phase::OFFLOADED)
    {
        c->PostReceives();
    }
    return out;
}

uint32_t
ChimneyHostStack::GetRxAvailable(OffloadHandle handle) const
{
    const Connection* c = Get(handle);
    return c ? c->RxAvailable() : 0;
}

void
ChimneyHostStack::ShutdownRecv(OffloadHandle handle)
{
    if (Connection* c = Get(handle))
    {
        c->recvShutdown = true;
        c->rx.clear();
        c->NotifyReadable(); // drains what the software engine holds
    }
}

void
ChimneyHostStack::ReleaseSocket(OffloadHandle handle)
{
    if (Connection* c = Get(handle))
    {
        c->socket = nullptr;
        c->recvShutdown = true;
    }
}

ChimneyStatus
ChimneyHostStack::Disconnect(OffloadHandle handle, std::vector<uint8_t> data, uint32_t flags)
{
    Connection* c = Get(handle);
    if (!c || (flags != TCP_DISCONNECT_GRACEFUL_CLOSE && flags != TCP_DISCONNECT_ABORTIVE_CLOSE) ||
        (flags == TCP_DISCONNECT_ABORTIVE_CLOSE && !data.empty()))
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (c->GetPhase() == Phase::ENDED || c->AbortRequested() ||
        (flags == TCP_DISCONNECT_GRACEFUL_CLOSE && c->CloseRequested()))
    {
        return ChimneyStatus::INVALID_STATE;
    }
    if (c->disconnectAt.IsNegative())
    {
        c->disconnectAt = Simulator::Now();
    }
    if (flags == TCP_DISCONNECT_GRACEFUL_CLOSE)
    {
        c->Enter(Connection::GracefulClose::Requested);
        c->bytesSent += data.size();
        switch (c->GetPhase())
        {
        case Phase::SOFTWARE:
            c->pendingSend.Append(data.begin(), data.end());
            c->FeedEngine();
            c->Drive();
            break;
        case Phase::OFFLOADED:
            c->closeData = std::move(data);
            c->IssueDisconnect();
            break;
        default:
            c->closeData = std::move(data); // issued when the phase settles
            break;
        }
        return ChimneyStatus::SUCCESS;
    }
    c->Enter(Connection::AbortiveClose::Requested);
    c->pendingSend.clear();
    switch (c->GetPhase())
    {
    case Phase::SOFTWARE:
        c->engine->Abort(ChimneyEngineDriver::Now());
        c->Drive();
        break;
    case Phase::OFFLOADED:
        c->IssueDisconnect();
        break;
    default:
        break; // issued when the phase settles
    }
    return ChimneyStatus::SUCCESS;
}

ChimneyStatus
ChimneyHostStack::PostReceive(OffloadHandle handle, uint32_t size)
{
    Connection* c = Get(handle);
    if (!c || size == 0)
    {
        return ChimneyStatus::INVALID_PARAMETER;
    }
    if (c->GetPhase() != Phase::OFFLOADED)
    {
        return ChimneyStatus::INVALID_STATE;
    }
    return c->PostReceiveNbl(size);
}

} // namespace ns3
