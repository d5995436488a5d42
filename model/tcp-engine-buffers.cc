/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// TcpEngine: the storage of its byte buffers. A connection in TIME_WAIT or CLOSED neither sends
// nor receives data again, yet it may wait for seconds (2 MSL) and a campaign keeps tens of
// thousands of them: it holds no storage for data it no longer has.

#include "tcp-engine.h"

namespace ns3
{

size_t
TcpEngine::StorageBytes() const
{
    return m_sndBuf.capacity() + m_rcvBuf.capacity() +
           m_ooo.capacity() * sizeof(TcpOutOfOrderSegment);
}

void
TcpEngine::ClearReceiveBuffer()
{
    if (m_remoteFin || m_state == TcpState::Closed)
    {
        std::vector<uint8_t>().swap(m_rcvBuf); // nothing more arrives: the storage goes too
    }
    else
    {
        m_rcvBuf.clear(); // the storage stays for the next bytes
    }
}

void
TcpEngine::ReleaseSpentBuffers()
{
    if (m_sndHead == m_sndBuf.size())
    {
        std::vector<uint8_t>().swap(m_sndBuf);
        m_sndHead = 0;
    }
    if (m_rcvHead == m_rcvBuf.size())
    {
        ClearReceiveBuffer();
        m_rcvHead = 0;
    }
    if (m_ooo.empty())
    {
        std::vector<TcpOutOfOrderSegment>().swap(m_ooo);
    }
}

} // namespace ns3
