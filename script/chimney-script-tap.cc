/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-script-tap.h"

#include "ns3/simulator.h"

namespace ns3
{

void
ChimneyScriptTap::SetLowerLayer(ChimneyOffloadProvider* lower)
{
    m_lower = lower;
    m_lower->SetOffloadClient(this);
}

std::deque<ChimneyScriptTap::Observed>&
ChimneyScriptTap::Pending()
{
    return m_pending;
}

const std::vector<ChimneyScriptTap::Request>&
ChimneyScriptTap::Requests() const
{
    return m_requests;
}

void
ChimneyScriptTap::SetNotify(std::function<void()> f)
{
    m_notify = std::move(f);
}

void
ChimneyScriptTap::SetOffloadClient(ChimneyOffloadClient* client)
{
    m_client = client;
}

ChimneyStatus
ChimneyScriptTap::InitiateOffload(Ptr<OffloadBlockList> blocks)
{
    const ChimneyStatus s = m_lower->InitiateOffload(blocks);
    OffloadHandle handle = 0;
    blocks->ForEachTcp([&handle](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
        handle = t.handle;
    });
    m_requests.push_back(Request{"offload", handle, s});
    return s;
}

ChimneyStatus
ChimneyScriptTap::TcpOffloadSend(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    const ChimneyStatus s = m_lower->TcpOffloadSend(handle, nbls);
    m_requests.push_back(Request{"send", handle, s});
    return s;
}

ChimneyStatus
ChimneyScriptTap::TcpOffloadReceive(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    const ChimneyStatus s = m_lower->TcpOffloadReceive(handle, nbls);
    m_requests.push_back(Request{"receive", handle, s});
    return s;
}

ChimneyStatus
ChimneyScriptTap::TcpOffloadDisconnect(OffloadHandle handle, Ptr<NetBufferList> nbl, uint32_t flags)
{
    const ChimneyStatus s = m_lower->TcpOffloadDisconnect(handle, nbl, flags);
    m_requests.push_back(Request{"disconnect", handle, s});
    return s;
}

ChimneyStatus
ChimneyScriptTap::TerminateOffload(Ptr<OffloadBlockList> blocks)
{
    const ChimneyStatus s = m_lower->TerminateOffload(blocks);
    OffloadHandle handle = 0;
    blocks->ForEachTcp([&handle](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
        handle = t.handle;
    });
    m_requests.push_back(Request{"terminate", handle, s});
    return s;
}

uint64_t
ChimneyScriptTap::ChainBytes(Ptr<const NetBufferList> nbls)
{
    uint64_t bytes = 0;
    for (Ptr<const NetBufferList> n = nbls; n; n = n->next)
    {
        bytes += n->bytesTransferred;
    }
    return bytes;
}

void
ChimneyScriptTap::Record(Observed o)
{
    o.at = Simulator::Now();
    m_pending.push_back(std::move(o));
    if (m_notify)
    {
        m_notify();
    }
}

void
ChimneyScriptTap::RecordBlocks(const std::string& what, Ptr<OffloadBlockList> blocks)
{
    blocks->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
        Observed o;
        o.what = what;
        o.handle = t.handle;
        o.status = t.status;
        if (what == "terminate")
        {
            o.hasState = true;
            o.state = t.delegated;
            for (Ptr<NetBufferList> n = t.sendDataHead; n; n = n->next)
            {
                o.sendChainBytes += n->DataLength();
                ++o.sendChainLength;
            }
        }
        Record(o);
    });
}

void
ChimneyScriptTap::InitiateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    RecordBlocks("offload", blocks);
    m_client->InitiateOffloadComplete(blocks);
}

void
ChimneyScriptTap::TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Observed o;
    o.what = "send";
    o.handle = handle;
    o.status = nbls->status;
    o.bytes = ChainBytes(nbls);
    Record(o);
    m_client->TcpOffloadSendComplete(handle, nbls);
}

void
ChimneyScriptTap::TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Observed o;
    o.what = "receive";
    o.handle = handle;
    o.status = nbls->status;
    o.bytes = ChainBytes(nbls);
    Record(o);
    m_client->TcpOffloadReceiveComplete(handle, nbls);
}

void
ChimneyScriptTap::TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    Observed o;
    o.what = "disconnect";
    o.handle = handle;
    o.status = nbl->status;
    o.bytes = ChainBytes(nbl);
    Record(o);
    m_client->TcpOffloadDisconnectComplete(handle, nbl);
}

void
ChimneyScriptTap::TerminateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    RecordBlocks("terminate", blocks);
    m_client->TerminateOffloadComplete(blocks);
}

void
ChimneyScriptTap::TcpOffloadEvent(OffloadHandle handle,
                                  ChimneyEvent event,
                                  ChimneyUploadReason reason)
{
    Observed o;
    o.completion = false;
    o.what = event == ChimneyEvent::DISCONNECT ? "disconnect"
             : event == ChimneyEvent::ABORT    ? "abort"
                                               : "retrieve";
    o.handle = handle;
    o.reason = reason;
    Record(o);
    m_client->TcpOffloadEvent(handle, event, reason);
}

} // namespace ns3
