/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyNetDevice as a ChimneyOffloadProvider: each host request validated at once (H1-H7),
// acted on after RequestLatency by the connection it names, completed through Upcall.

#include "chimney-defect.h"
#include "chimney-net-device.h"
#include "chimney-offload-connection.h"

#include "ns3/log.h"
#include "ns3/simulator.h"

#include <sstream>
#include <unordered_set>

namespace ns3
{

LogComponent& ChimneyNetDeviceLogComponent(); // chimney-net-device.cc

namespace
{

/// NS_LOG=ChimneyNetDevice covers the requests too.
LogComponent& g_log = ChimneyNetDeviceLogComponent();

int64_t
NowNs()
{
    return Simulator::Now().GetNanoSeconds();
}

/// Split a chain into its NBLs, unlinking them (each completes on its own, A2).
std::vector<Ptr<NetBufferList>>
Unchain(Ptr<NetBufferList> head)
{
    std::vector<Ptr<NetBufferList>> out;
    while (head)
    {
        Ptr<NetBufferList> next = head->next;
        head->next = nullptr;
        out.push_back(head);
        head = next;
    }
    return out;
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Requests (host -> NIC)
// ---------------------------------------------------------------------------------------------

void
ChimneyNetDevice::SetOffloadClient(ChimneyOffloadClient* client)
{
    m_client = client;
}

ChimneyOffloadClient*
ChimneyNetDevice::GetOffloadClient() const
{
    return m_client;
}

ChimneyDefect&
ChimneyNetDevice::GetDefectHooks() const
{
    return *m_defect;
}

bool
ChimneyNetDevice::IsOffloadInProgress(OffloadHandle handle) const
{
    return m_offloadsInProgress.count(handle) != 0;
}

ChimneyStatus
ChimneyNetDevice::CheckHandle(ChimneyOp operation,
                              OffloadHandle handle,
                              uint64_t id,
                              uint32_t flags,
                              Connection*& connection)
{
    // H1: a request needs a connection whose offload has completed and that is not terminated.
    if (m_offloadsInProgress.count(handle) != 0)
    {
        return Refuse(operation,
                      "H1",
                      handle,
                      id,
                      flags,
                      ChimneyStatus::INVALID_STATE,
                      std::string(ToString(operation)) + " while the offload is in progress");
    }
    connection = FindForRequest(handle);
    if (connection == nullptr)
    {
        return Refuse(operation,
                      "H1",
                      handle,
                      id,
                      flags,
                      ChimneyStatus::INVALID_STATE,
                      std::string(ToString(operation)) + " on an unknown or terminated handle");
    }
    return ChimneyStatus::PENDING;
}

ChimneyStatus
ChimneyNetDevice::CheckNblRequest(ChimneyOp operation,
                                  OffloadHandle handle,
                                  Ptr<NetBufferList> nbls,
                                  const char* withoutNbl,
                                  Connection*& connection)
{
    m_requestObjectsTrace(operation, handle, nbls, nullptr, 0);
    const uint64_t id = nbls ? nbls->id : 0;
    if (ChimneyStatus refusal = CheckHandle(operation, handle, id, 0, connection);
        refusal != ChimneyStatus::PENDING)
    {
        return refusal;
    }
    if (!nbls)
    {
        return Refuse(operation, "H2", handle, id, 0, ChimneyStatus::INVALID_PARAMETER, withoutNbl);
    }
    return ChimneyStatus::PENDING;
}

ChimneyStatus
ChimneyNetDevice::Refuse(ChimneyOp operation,
                         const char* rule,
                         OffloadHandle handle,
                         uint64_t id,
                         uint32_t flags,
                         ChimneyStatus status,
                         const std::string& description)
{
    NS_LOG_WARN("host misuse " << rule << " (" << operation << ", handle " << handle
                               << "): " << description);
    m_hostMisuseTrace(rule, handle, description);
    m_requestTrace(operation, handle, id, flags, status);
    return status;
}

ChimneyNetDevice::Connection*
ChimneyNetDevice::FindForRequest(OffloadHandle handle)
{
    auto it = m_connections.find(handle);
    return it == m_connections.end() ? nullptr : it->second.get();
}

ChimneyStatus
ChimneyNetDevice::InitiateOffload(Ptr<OffloadBlockList> blocks)
{
    NS_LOG_FUNCTION(this << blocks);
    const ChimneyOp op = ChimneyOp::INITIATE_OFFLOAD;
    m_requestObjectsTrace(op, 0, nullptr, blocks, 0);
    if (!blocks || blocks->TcpBlockCount() == 0)
    {
        return Refuse(op,
                      "H7",
                      0,
                      blocks ? blocks->id : 0,
                      0,
                      ChimneyStatus::INVALID_PARAMETER,
                      "offload request without a TCP block");
    }
    std::unordered_set<OffloadHandle> handles;
    std::unordered_set<ChimneyFourTuple, ChimneyFourTupleHash> tuples;
    for (const auto& neighbor : blocks->neighbors)
    {
        for (const auto& path : neighbor.paths)
        {
            for (const auto& tcp : path.connections)
            {
                if (tcp.handle == INVALID_OFFLOAD_HANDLE)
                {
                    return Refuse(op,
                                  "H1",
                                  tcp.handle,
                                  blocks->id,
                                  0,
                                  ChimneyStatus::INVALID_PARAMETER,
                                  "offload of the invalid handle 0");
                }
                if (!IsOffloadableState(tcp.delegated.state))
                {
                    std::ostringstream why; // built on a refusal only: a stream is costly
                    why << "offload in the forbidden TCP state " << ToString(tcp.delegated.state);
                    return Refuse(op,
                                  "H7",
                                  tcp.handle,
                                  blocks->id,
                                  0,
                                  ChimneyStatus::INVALID_STATE,
                                  why.str());
                }
                const ChimneyFourTuple key{path.source.Get(),
                                           path.destination.Get(),
                                           tcp.localPort,
                                           tcp.remotePort};
                if (m_connections.count(tcp.handle) != 0 ||
                    m_offloadsInProgress.count(tcp.handle) != 0 ||
                    !handles.insert(tcp.handle).second || m_table.count(key) != 0 ||
                    !tuples.insert(key).second)
                {
                    std::ostringstream why; // built on a refusal only: a stream is costly
                    why << "offload of handle " << tcp.handle << " (" << path.source << ":"
                        << tcp.localPort << " > " << path.destination << ":" << tcp.remotePort
                        << ") which is already offloaded";
                    return Refuse(op,
                                  "H7",
                                  tcp.handle,
                                  blocks->id,
                                  0,
                                  ChimneyStatus::INVALID_STATE,
                                  why.str());
                }
            }
        }
    }
    m_offloadsInProgress.insert(handles.begin(), handles.end());
    m_requestTrace(op, 0, blocks->id, 0, ChimneyStatus::PENDING);
    m_requests.Schedule(m_requestLatency, [this, blocks]() { DoInitiateOffload(blocks); });
    return ChimneyStatus::PENDING;
}

void
ChimneyNetDevice::DoInitiateOffload(Ptr<OffloadBlockList> blocks)
{
    const int64_t now = NowNs();
    std::vector<Connection*> created;
    ChimneyStatus overall = ChimneyStatus::SUCCESS;
    for (auto& neighbor : blocks->neighbors)
    {
        neighbor.status = ChimneyStatus::SUCCESS;
        for (auto& path : neighbor.paths)
        {
            path.status = ChimneyStatus::SUCCESS;
            for (auto& tcp : path.connections)
            {
                const ChimneyFourTuple key{path.source.Get(),
                                           path.destination.Get(),
                                           tcp.localPort,
                                           tcp.remotePort};
                const bool full =
                    m_connections.size() >= m_maxConnections && !m_defect->IgnoresCapacity();
                if (m_failed)
                {
                    tcp.status = ChimneyStatus::FAILURE;
                }
                else if (full)
                {
                    tcp.status = ChimneyStatus::OFFLOAD_TCP_ENTRIES; // R5: left untouched
                }
                else if (m_table.count(key) != 0 || m_connections.count(tcp.handle) != 0)
                {
                    tcp.status = ChimneyStatus::INVALID_STATE; // raced with another offload
                }
                else
                {
                    auto c = std::make_unique<Connection>(this,
                                                          TcpEngine::Import(EngineConfig(tcp),
                                                                            tcp.localPort,
                                                                            tcp.remotePort,
                                                                            tcp.delegated,
                                                                            now));
                    c->linkAddress = neighbor.linkAddress;
                    c->serial = m_nextSerial++;
                    c->localAddress = key.local;
                    c->remoteAddress = key.remote;
                    c->handle = tcp.handle;
                    c->ttl = tcp.cached.ttl;
                    c->tos = tcp.cached.tos;
                    c->lastActivityNs = now;
                    // Data the host sent before the offload is acknowledged first.
                    c->headStart = tcp.delegated.sendData.size();
                    c->gracefulIssued = tcp.delegated.finRequested;
                    if (tcp.delegated.finRequested)
                    {
                        c->SetSendHalf(Connection::SendHalf::FinIssued);
                    }
                    c->remoteFin = tcp.delegated.remoteFinReceived;
                    c->disconnectIndicated = tcp.delegated.remoteFinReceived;
                    Connection* raw = c.get();
                    m_table.emplace(key, raw);
                    m_connections.emplace(tcp.handle, std::move(c));
                    const uint64_t bytes = GetConnectionStateSize();
                    ++m_resourcesHeld;
                    m_resourceBytesHeld += bytes;
                    m_resourceAllocatedTrace(tcp.handle, key, bytes);
                    created.push_back(raw);
                    tcp.status = ChimneyStatus::SUCCESS;
                }
                if (tcp.status != ChimneyStatus::SUCCESS && overall == ChimneyStatus::SUCCESS)
                {
                    overall = tcp.status;
                }
            }
        }
    }
    blocks->status = overall;
    Upcall(m_completionLatency, [this, blocks]() {
        // The offload is in progress for the host until it holds the completion: a request
        // before then is refused (H1), even though the connection already runs here.
        blocks->ForEachTcp(
            [this, &blocks](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
                m_offloadsInProgress.erase(tcp.handle);
                m_completionTrace(ChimneyOp::OFFLOAD_BLOCK, tcp.handle, blocks->id, tcp.status, 0);
            });
        m_completionTrace(ChimneyOp::INITIATE_OFFLOAD, 0, blocks->id, blocks->status, 0);
        if (m_client != nullptr)
        {
            m_client->InitiateOffloadComplete(blocks);
        }
    });
    for (Connection* c : created)
    {
        c->Pump();
    }
}

ChimneyStatus
ChimneyNetDevice::TcpOffloadSend(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    NS_LOG_FUNCTION(this << handle << nbls);
    const ChimneyOp op = ChimneyOp::SEND;
    const uint64_t id = nbls ? nbls->id : 0;
    Connection* c = nullptr;
    if (ChimneyStatus refusal = CheckNblRequest(op, handle, nbls, "send without NBL", c);
        refusal != ChimneyStatus::PENDING)
    {
        return refusal;
    }
    if (c->gracefulIssued)
    {
        return Refuse(op,
                      "H5",
                      handle,
                      id,
                      0,
                      ChimneyStatus::INVALID_STATE,
                      "send after a graceful disconnect was issued");
    }
    m_requestTrace(op, handle, id, 0, ChimneyStatus::PENDING);
    std::vector<Ptr<NetBufferList>> list = Unchain(nbls);
    if (c->terminatePending)
    {
        for (auto& nbl : list)
        {
            c->late.emplace_back(ChimneyOp::SEND, nbl);
        }
        return ChimneyStatus::PENDING;
    }
    m_defect->OnSendAccepted(*c, list);
    m_requests.Schedule(m_requestLatency,
                        [this, handle, serial = c->serial, list = std::move(list)]() mutable {
                            DoSend(handle, serial, std::move(list));
                        });
    return ChimneyStatus::PENDING;
}

void
ChimneyNetDevice::DoSend(OffloadHandle handle,
                         uint64_t serial,
                         std::vector<Ptr<NetBufferList>> nbls)
{
    Connection* c = Find(handle, serial);
    if (c == nullptr)
    {
        return;
    }
    // Sends a hardware failure or a Retrieve left outstanding wait for the terminate (3.6);
    // a later send waits behind them (A4). Otherwise an aborted connection completes it now.
    const bool aborted = c->Aborted() && c->sendHead == c->sends.size();
    for (auto& nbl : nbls)
    {
        c->sends.push_back(nbl);
        if (c->Uploading() || aborted)
        {
            // Completed at once: 3.2 (REQUEST_ABORTED after abort, UPLOAD_IN_PROGRESS).
            while (c->sendHead < c->sends.size())
            {
                c->CompleteSend(c->sends[c->sendHead],
                                c->Uploading() ? ChimneyStatus::UPLOAD_IN_PROGRESS
                                               : ChimneyStatus::REQUEST_ABORTED);
            }
        }
    }
    c->Pump();
}

ChimneyStatus
ChimneyNetDevice::TcpOffloadReceive(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    NS_LOG_FUNCTION(this << handle << nbls);
    const ChimneyOp op = ChimneyOp::RECEIVE;
    const uint64_t id = nbls ? nbls->id : 0;
    Connection* c = nullptr;
    if (ChimneyStatus refusal = CheckNblRequest(op, handle, nbls, "receive without NBL", c);
        refusal != ChimneyStatus::PENDING)
    {
        return refusal;
    }
    ++m_callDepth;
    m_requestTrace(op, handle, id, 0, ChimneyStatus::PENDING);
    std::vector<Ptr<NetBufferList>> list = Unchain(nbls);
    if (c->terminatePending)
    {
        for (auto& nbl : list)
        {
            c->late.emplace_back(ChimneyOp::RECEIVE, nbl);
        }
    }
    else
    {
        m_requests.Schedule(m_requestLatency,
                            [this,
                             handle,
                             serial = c->serial,
                             list = std::move(list),
                             afterFin = c->disconnectDelivered]() mutable {
                                DoReceive(handle, serial, std::move(list), afterFin);
                            });
    }
    --m_callDepth;
    return ChimneyStatus::PENDING;
}

void
ChimneyNetDevice::DoReceive(OffloadHandle handle,
                            uint64_t serial,
                            std::vector<Ptr<NetBufferList>> nbls,
                            bool postedAfterFinIndication)
{
    Connection* c = Find(handle, serial);
    if (c == nullptr)
    {
        return;
    }
    for (auto& nbl : nbls)
    {
        ChimneyStatus status = ChimneyStatus::PENDING;
        if (c->Uploading())
        {
            status = ChimneyStatus::UPLOAD_IN_PROGRESS;
        }
        else if (c->Aborted())
        {
            status = ChimneyStatus::REQUEST_ABORTED;
        }
        else if (c->disconnectIndicated && c->engine.BytesReadable() == 0)
        {
            // SPEC 3.3: INVALID_STATE only for a receive posted after the host got the
            // Disconnect indication; one posted while it was on its way is end of stream.
            status =
                postedAfterFinIndication ? ChimneyStatus::INVALID_STATE : ChimneyStatus::SUCCESS;
        }
        c->receives.push_back(nbl);
        // In these states no posted buffer can be filled any more: complete them in order.
        while (status != ChimneyStatus::PENDING && c->recvHead < c->receives.size())
        {
            c->CompleteReceive(c->receives[c->recvHead], status);
        }
    }
    c->Pump();
}

ChimneyStatus
ChimneyNetDevice::TcpOffloadDisconnect(OffloadHandle handle, Ptr<NetBufferList> nbl, uint32_t flags)
{
    NS_LOG_FUNCTION(this << handle << nbl << flags);
    const ChimneyOp op = ChimneyOp::DISCONNECT;
    m_requestObjectsTrace(op, handle, nbl, nullptr, flags);
    const uint64_t id = nbl ? nbl->id : 0;
    Connection* c = nullptr;
    if (ChimneyStatus refusal = CheckHandle(op, handle, id, flags, c);
        refusal != ChimneyStatus::PENDING)
    {
        return refusal;
    }
    if (flags != TCP_DISCONNECT_GRACEFUL_CLOSE && flags != TCP_DISCONNECT_ABORTIVE_CLOSE)
    {
        std::ostringstream why;
        why << "disconnect flags 0x" << std::hex << flags
            << " are neither GRACEFUL_CLOSE nor ABORTIVE_CLOSE";
        return Refuse(op, "H3", handle, id, flags, ChimneyStatus::INVALID_PARAMETER, why.str());
    }
    if (!nbl || nbl->buffers.size() != 1 || nbl->next)
    {
        return Refuse(op,
                      "H2",
                      handle,
                      id,
                      flags,
                      ChimneyStatus::INVALID_PARAMETER,
                      "disconnect NBL without exactly one NET_BUFFER");
    }
    if (flags == TCP_DISCONNECT_ABORTIVE_CLOSE && nbl->DataLength() > 0)
    {
        return Refuse(op,
                      "H2",
                      handle,
                      id,
                      flags,
                      ChimneyStatus::INVALID_PARAMETER,
                      "abortive disconnect carrying data");
    }
    if (c->abortiveIssued)
    {
        return Refuse(op,
                      "H4",
                      handle,
                      id,
                      flags,
                      ChimneyStatus::INVALID_STATE,
                      "disconnect after an abortive disconnect");
    }
    if (flags == TCP_DISCONNECT_GRACEFUL_CLOSE && c->gracefulIssued)
    {
        return Refuse(op,
                      "H4",
                      handle,
                      id,
                      flags,
                      ChimneyStatus::INVALID_STATE,
                      "second graceful disconnect");
    }
    ++m_callDepth;
    if (flags == TCP_DISCONNECT_GRACEFUL_CLOSE)
    {
        c->gracefulIssued = true;
    }
    else
    {
        c->abortiveIssued = true;
    }
    m_requestTrace(op, handle, id, flags, ChimneyStatus::PENDING);
    if (c->terminatePending)
    {
        c->late.emplace_back(ChimneyOp::DISCONNECT, nbl);
    }
    else
    {
        m_requests.Schedule(m_requestLatency, [this, handle, serial = c->serial, nbl, flags]() {
            DoDisconnect(handle, serial, nbl, flags);
        });
    }
    --m_callDepth;
    return ChimneyStatus::PENDING;
}

void
ChimneyNetDevice::DoDisconnect(OffloadHandle handle,
                               uint64_t serial,
                               Ptr<NetBufferList> nbl,
                               uint32_t flags)
{
    Connection* c = Find(handle, serial);
    if (c == nullptr)
    {
        return;
    }
    // A6: a disconnect fails only because of an upload or an abort.
    if (c->Uploading())
    {
        c->CompleteDisconnect(nbl, ChimneyStatus::UPLOAD_IN_PROGRESS, 0);
        return;
    }
    if (c->Aborted() && (c->sendHead < c->sends.size() || c->graceful))
    {
        // The sends and the graceful disconnect posted before it wait for the terminate (3.6):
        // so does it (A4, A5).
        c->heldDisconnects.push_back(nbl);
        return;
    }
    if (c->Aborted())
    {
        c->CompleteDisconnect(nbl, ChimneyStatus::REQUEST_ABORTED, 0);
        return;
    }
    if (flags == TCP_DISCONNECT_GRACEFUL_CLOSE)
    {
        c->graceful = nbl;
        c->gracefulOffset = 0;
        c->SetSendHalf(Connection::SendHalf::GracefulPending);
        c->Pump();
        return;
    }
    // Abortive (SPEC 3.4): RST now, then stop processing received segments (W6); outstanding
    // sends and a pending graceful disconnect complete REQUEST_ABORTED before this one (A5).
    c->AbortSend(NowNs());
    c->Pump(); // transmits the RST
    c->timer.Cancel();
    c->AbortOutstanding(ChimneyStatus::REQUEST_ABORTED);
    c->CompleteDisconnect(nbl, ChimneyStatus::SUCCESS, 0);
}

ChimneyStatus
ChimneyNetDevice::TerminateOffload(Ptr<OffloadBlockList> blocks)
{
    NS_LOG_FUNCTION(this << blocks);
    const ChimneyOp op = ChimneyOp::TERMINATE_OFFLOAD;
    m_requestObjectsTrace(op, 0, nullptr, blocks, 0);
    const uint64_t id = blocks ? blocks->id : 0;
    if (!blocks || blocks->TcpBlockCount() == 0)
    {
        return Refuse(op,
                      "H1",
                      0,
                      id,
                      0,
                      ChimneyStatus::INVALID_PARAMETER,
                      "terminate without a TCP block");
    }
    if (m_callDepth > 0)
    {
        return Refuse(op,
                      "H6",
                      0,
                      id,
                      0,
                      ChimneyStatus::INVALID_STATE,
                      "terminate while a disconnect or receive call is inside its call");
    }
    std::unordered_set<OffloadHandle> handles;
    std::vector<Connection*> targets;
    for (const auto& neighbor : blocks->neighbors)
    {
        for (const auto& path : neighbor.paths)
        {
            for (const auto& tcp : path.connections)
            {
                Connection* c = m_offloadsInProgress.count(tcp.handle) != 0
                                    ? nullptr
                                    : FindForRequest(tcp.handle);
                if (c == nullptr)
                {
                    std::ostringstream why; // built on a refusal only: a stream is costly
                    why << "terminate of handle " << tcp.handle
                        << " which is unknown, not offloaded or already terminated";
                    return Refuse(op,
                                  "H1",
                                  tcp.handle,
                                  id,
                                  0,
                                  ChimneyStatus::INVALID_STATE,
                                  why.str());
                }
                if (c->terminatePending || !handles.insert(tcp.handle).second)
                {
                    std::ostringstream why; // built on a refusal only: a stream is costly
                    why << "second terminate of handle " << tcp.handle << " while one is pending";
                    return Refuse(op,
                                  "H6",
                                  tcp.handle,
                                  id,
                                  0,
                                  ChimneyStatus::INVALID_STATE,
                                  why.str());
                }
                targets.push_back(c);
            }
        }
    }
    for (Connection* c : targets)
    {
        c->terminatePending = true;
    }
    m_requestTrace(op, 0, id, 0, ChimneyStatus::PENDING);
    m_requests.Schedule(m_requestLatency, [this, blocks]() { DoTerminate(blocks); });
    return ChimneyStatus::PENDING;
}

void
ChimneyNetDevice::DoTerminate(Ptr<OffloadBlockList> blocks)
{
    for (auto& neighbor : blocks->neighbors)
    {
        neighbor.status = ChimneyStatus::SUCCESS;
        for (auto& path : neighbor.paths)
        {
            path.status = ChimneyStatus::SUCCESS;
            for (auto& tcp : path.connections)
            {
                Connection* c = FindForRequest(tcp.handle);
                NS_ABORT_MSG_IF(c == nullptr || c->Uploading(),
                                "ChimneyNetDevice: terminate of a connection that vanished");
                c->Terminate(tcp);
            }
        }
    }
    blocks->status = ChimneyStatus::SUCCESS;
    Upcall(m_completionLatency, [this, blocks]() { CompleteTerminate(blocks); });
}

void
ChimneyNetDevice::CompleteTerminate(Ptr<OffloadBlockList> blocks)
{
    blocks->ForEachTcp(
        [this, &blocks](NeighborOffloadBlock&, PathOffloadBlock& path, TcpOffloadBlock& tcp) {
            auto it = m_connections.find(tcp.handle);
            if (it == m_connections.end())
            {
                return;
            }
            Connection& c = *it->second;
            // Requests accepted after the terminate complete before it (3.2: UPLOAD_IN_PROGRESS).
            const ChimneyStatus late =
                c.Aborted() ? ChimneyStatus::REQUEST_ABORTED : ChimneyStatus::UPLOAD_IN_PROGRESS;
            for (auto& entry : c.late)
            {
                Ptr<NetBufferList> nbl = entry.second;
                nbl->status = late;
                nbl->bytesTransferred = 0;
                m_completionTrace(entry.first, c.handle, nbl->id, late, 0);
                if (m_client == nullptr)
                {
                    continue;
                }
                const ChimneyOp kind = entry.first;
                if (kind == ChimneyOp::SEND)
                {
                    m_client->TcpOffloadSendComplete(c.handle, nbl);
                }
                else if (kind == ChimneyOp::RECEIVE)
                {
                    m_client->TcpOffloadReceiveComplete(c.handle, nbl);
                }
                else
                {
                    m_client->TcpOffloadDisconnectComplete(c.handle, nbl);
                }
            }
            m_completionTrace(ChimneyOp::TERMINATE_BLOCK, tcp.handle, blocks->id, tcp.status, 0);
            // R2: every resource of the connection is freed when its terminate completes.
            if (m_defect->FreesLedgerAtTerminate(c))
            {
                FreeLedgerEntry(tcp.handle,
                                ChimneyFourTuple{path.source.Get(),
                                                 path.destination.Get(),
                                                 tcp.localPort,
                                                 tcp.remotePort});
            }
            c.timer.Cancel();
            m_defect->OnTerminated(it->second);
            m_connections.erase(it);
        });
    m_completionTrace(ChimneyOp::TERMINATE_OFFLOAD, 0, blocks->id, blocks->status, 0);
    if (m_client != nullptr)
    {
        m_client->TerminateOffloadComplete(blocks);
    }
}

} // namespace ns3
