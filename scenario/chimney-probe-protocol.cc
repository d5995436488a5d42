/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-probe-protocol.h"

#include "ns3/log.h"
#include "ns3/offload-state.h"

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyProbeProtocol");

namespace
{

constexpr OffloadHandle kProbeHandle = 1000;

} // namespace

ChimneyProbeProtocol::ChimneyProbeProtocol(ChimneyOffloadProvider* lower)
    : m_lower(lower)
{
}

void
ChimneyProbeProtocol::SetLower(ChimneyOffloadProvider* lower)
{
    m_lower = lower;
}

void
ChimneyProbeProtocol::Offload(Ipv4Address local,
                              uint16_t localPort,
                              Ipv4Address remote,
                              uint16_t remotePort,
                              const Address& remoteLink,
                              uint32_t receives,
                              uint32_t size)
{
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = remote;
    neighbor.linkAddress = remoteLink;
    PathOffloadBlock path;
    path.source = local;
    path.destination = remote;
    TcpOffloadBlock tcp;
    tcp.handle = kProbeHandle;
    tcp.localPort = localPort;
    tcp.remotePort = remotePort;
    // Established and idle: nothing sent or owed either way.
    TcpDelegatedState& s = tcp.delegated;
    s.state = TcpState::Established;
    s.iss = 1000;
    s.irs = 5000;
    s.sndUna = s.sndNxt = s.sndMax = s.sendDataSeq = s.sndWl2 = s.iss + 1;
    s.rcvNxt = s.sndWl1 = s.lastAckSent = s.irs + 1;
    s.rcvWnd = s.sndWnd = s.maxSndWnd = s.ssthresh = 65535;
    s.cwnd = 4 * s.sndMss;
    s.rtoNs = 1000000000;
    m_offload = OffloadBlockList::ForOneConnection(neighbor, path, tcp);
    m_offload->id = m_nextId++;
    m_receives = receives;
    m_size = size;
    const ChimneyStatus status = m_lower->InitiateOffload(m_offload);
    NS_LOG_INFO("probe offload -> " << status);
}

void
ChimneyProbeProtocol::Terminate()
{
    if (!m_offloaded || m_terminating || m_terminated)
    {
        return; // once: a Retrieve and an Abort may both come (hardware failure)
    }
    Ptr<OffloadBlockList> blocks = Create<OffloadBlockList>(*m_offload);
    blocks->id = m_nextId++;
    blocks->status = ChimneyStatus::PENDING;
    blocks->ForEachTcp([](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& t) {
        t.status = ChimneyStatus::PENDING;
        t.sendDataHead = nullptr;
    });
    const ChimneyStatus status = m_lower->TerminateOffload(blocks);
    m_terminating = status == ChimneyStatus::PENDING;
    NS_LOG_INFO("probe terminate -> " << status);
}

uint32_t
ChimneyProbeProtocol::GetOwnCompletions() const
{
    return m_own;
}

uint32_t
ChimneyProbeProtocol::GetForeignCompletions() const
{
    return m_foreign;
}

bool
ChimneyProbeProtocol::IsTerminated() const
{
    return m_terminated;
}

void
ChimneyProbeProtocol::InitiateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    if (blocks != m_offload || blocks->status != ChimneyStatus::SUCCESS)
    {
        return;
    }
    m_offloaded = true;
    for (uint32_t i = 0; i < m_receives; ++i)
    {
        Ptr<NetBufferList> nbl = NetBufferList::CreateReceive(m_size, m_nextId++);
        m_posted.insert(PeekPointer(nbl));
        if (m_lower->TcpOffloadReceive(kProbeHandle, nbl) != ChimneyStatus::PENDING)
        {
            m_posted.erase(PeekPointer(nbl));
        }
    }
}

void
ChimneyProbeProtocol::Count(Ptr<NetBufferList> nbls)
{
    for (NetBufferList* n = PeekPointer(nbls); n != nullptr; n = PeekPointer(n->next))
    {
        if (m_posted.erase(n) != 0)
        {
            ++m_own;
        }
        else
        {
            ++m_foreign;
        }
    }
}

void
ChimneyProbeProtocol::TcpOffloadSendComplete(OffloadHandle /* handle */, Ptr<NetBufferList> nbls)
{
    Count(nbls);
}

void
ChimneyProbeProtocol::TcpOffloadReceiveComplete(OffloadHandle /* handle */, Ptr<NetBufferList> nbls)
{
    Count(nbls);
}

void
ChimneyProbeProtocol::TcpOffloadDisconnectComplete(OffloadHandle /* handle */,
                                                   Ptr<NetBufferList> nbl)
{
    if (m_posted.erase(PeekPointer(nbl)) != 0)
    {
        ++m_own;
    }
    else
    {
        ++m_foreign;
    }
}

void
ChimneyProbeProtocol::TerminateOffloadComplete(Ptr<OffloadBlockList> /* blocks */)
{
    m_terminated = true;
}

void
ChimneyProbeProtocol::TcpOffloadEvent(OffloadHandle /* handle */,
                                      ChimneyEvent event,
                                      ChimneyUploadReason /* reason */)
{
    // An idle connection: only a Retrieve or an Abort can come; either way, give it back.
    if (event != ChimneyEvent::DISCONNECT)
    {
        Terminate();
    }
}

} // namespace ns3
