/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef NET_BUFFER_LIST_H
#define NET_BUFFER_LIST_H

#include "chimney-status.h"
#include "net-buffer-allocator.h"

#include "ns3/ptr.h"
#include "ns3/simple-ref-count.h"

#include <cstdint>
#include <vector>

namespace ns3
{

/// The bytes of one NET_BUFFER.
using NetBufferBytes = std::vector<uint8_t, NetBufferAllocator<uint8_t>>;

/**
 * \ingroup chimney
 * \brief One NET_BUFFER: a run of bytes to send, or room for bytes to receive.
 */
struct NetBuffer
{
    NetBufferBytes data; //!< send: the bytes; receive: sized to the room offered (not zeroed)
};

/**
 * \ingroup chimney
 * \brief Model of an NDIS NET_BUFFER_LIST as it crosses the chimney interface.
 *
 * A request carries one NBL (or a chain, linked by next); its completion hands the *same*
 * object back (A2, A11), with status and bytesTransferred filled in. Intermediate layers keep
 * their per-request context on a stack: push on the way down, pop on the way up.
 */
class NetBufferList : public SimpleRefCount<NetBufferList>
{
  public:
    /**
     * \brief An NBL with one NET_BUFFER holding data (a send, or disconnect data).
     * \param data the bytes; may be empty (a disconnect without data)
     * \param id identifier for traces and reports, chosen by the creator
     * \returns the NBL
     */
    static Ptr<NetBufferList> CreateSend(NetBufferBytes data, uint64_t id = 0);

    /**
     * \brief The same from a byte vector of another allocator (copied).
     * \param data the bytes
     * \param id identifier for traces and reports
     * \returns the NBL
     */
    template <typename Allocator>
    static Ptr<NetBufferList> CreateSend(const std::vector<uint8_t, Allocator>& data,
                                         uint64_t id = 0)
    {
        return CreateSend(NetBufferBytes(data.begin(), data.end()), id);
    }

    /**
     * \brief An NBL with one NET_BUFFER offering room for received data.
     * \param capacity bytes of room (0 is legal: it completes like any other, SPEC 3.3)
     * \param id identifier for traces and reports, chosen by the creator
     * \returns the NBL
     */
    static Ptr<NetBufferList> CreateReceive(uint32_t capacity, uint64_t id = 0);

    /// \returns the total number of bytes in (or room offered by) all NET_BUFFERs
    uint64_t DataLength() const;

    /// \returns the number of NBLs in the chain starting here (at least 1)
    uint32_t ChainLength() const;

    /**
     * \brief Push an intermediate layer's context (on the way down).
     * \param context the layer's value
     */
    void PushContext(uint64_t context);

    /**
     * \brief Pop the top context (on the way up).
     * \returns the context; aborts if there is none (a layer bug)
     */
    uint64_t PopContext();

    /// \returns the number of contexts currently pushed
    size_t ContextDepth() const;

    uint64_t id = 0;                               //!< creator's identifier
    std::vector<NetBuffer> buffers;                //!< the NET_BUFFERs
    ChimneyStatus status = ChimneyStatus::PENDING; //!< completion status
    uint64_t bytesTransferred = 0; //!< bytes sent-and-acknowledged, or received into it
    Ptr<NetBufferList> next;       //!< next NBL of a chain

  private:
    std::vector<uint64_t> m_contexts; //!< intermediate layers' contexts, innermost last
};

} // namespace ns3

#endif // NET_BUFFER_LIST_H
