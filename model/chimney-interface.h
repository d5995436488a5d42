/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_INTERFACE_H
#define CHIMNEY_INTERFACE_H

#include "chimney-status.h"
#include "chimney-types.h"
#include "net-buffer-list.h"
#include "offload-state.h"

#include "ns3/ptr.h"

namespace ns3
{

class ChimneyOffloadClient;

/**
 * \ingroup chimney
 * \brief The lower edge of the chimney interface: the requests a host stack (or an
 *        intermediate driver above) makes of the layer below it.
 *
 * Implemented by the offload target (ChimneyNetDevice) and by intermediate drivers. Every
 * request returns PENDING and completes later through ChimneyOffloadClient, never from inside
 * the call (A1); a refused request (bad input, H1-H7) returns its error status at once, has no
 * completion and changes nothing.
 */
class ChimneyOffloadProvider
{
  public:
    virtual ~ChimneyOffloadProvider() = default;

    /**
     * \brief Set the layer above, which receives completions and indications.
     * \param client the upper layer
     */
    virtual void SetOffloadClient(ChimneyOffloadClient* client) = 0;

    /**
     * \brief Offload the connections of a block list (MiniportInitiateOffload).
     * \param blocks the list; each TCP block carries its delegated state
     * \returns PENDING, or the refusal status
     */
    virtual ChimneyStatus InitiateOffload(Ptr<OffloadBlockList> blocks) = 0;

    /**
     * \brief Post send data (MiniportTcpOffloadSend).
     * \param handle the connection
     * \param nbls one NBL or a chain
     * \returns PENDING, or the refusal status
     */
    virtual ChimneyStatus TcpOffloadSend(OffloadHandle handle, Ptr<NetBufferList> nbls) = 0;

    /**
     * \brief Post receive buffers (MiniportTcpOffloadReceive).
     * \param handle the connection
     * \param nbls one NBL or a chain
     * \returns PENDING, or the refusal status
     */
    virtual ChimneyStatus TcpOffloadReceive(OffloadHandle handle, Ptr<NetBufferList> nbls) = 0;

    /**
     * \brief Close the send half (MiniportTcpOffloadDisconnect, SPEC 3.4).
     * \param handle the connection
     * \param nbl exactly one NET_BUFFER: graceful data (may be empty); abortive: empty
     * \param flags TCP_DISCONNECT_GRACEFUL_CLOSE or TCP_DISCONNECT_ABORTIVE_CLOSE
     * \returns PENDING, or the refusal status
     */
    virtual ChimneyStatus TcpOffloadDisconnect(OffloadHandle handle,
                                               Ptr<NetBufferList> nbl,
                                               uint32_t flags) = 0;

    /**
     * \brief Upload the connections of a block list (MiniportTerminateOffload, SPEC 3.6).
     * \param blocks the list; the target writes status, delegated state and send data
     * \returns PENDING, or the refusal status
     */
    virtual ChimneyStatus TerminateOffload(Ptr<OffloadBlockList> blocks) = 0;
};

/**
 * \ingroup chimney
 * \brief The upper edge: completions and indications delivered to the layer above.
 *
 * Implemented by the host stack (ChimneyHostStack) and by intermediate drivers. Each
 * completion hands back the object of its request (A2).
 */
class ChimneyOffloadClient
{
  public:
    virtual ~ChimneyOffloadClient() = default;

    /// \param blocks the request's list, statuses written
    virtual void InitiateOffloadComplete(Ptr<OffloadBlockList> blocks) = 0;
    /// \param handle the connection \param nbls completed send NBLs, in posting order
    virtual void TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) = 0;
    /// \param handle the connection \param nbls completed receive NBLs, in posting order
    virtual void TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) = 0;
    /// \param handle the connection \param nbl the disconnect request's NBL
    virtual void TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl) = 0;
    /// \param blocks the request's list, statuses, delegated state and send data written
    virtual void TerminateOffloadComplete(Ptr<OffloadBlockList> blocks) = 0;

    /**
     * \brief An event on an offloaded connection (NdisTcpOffloadEventHandler).
     * \param handle the connection
     * \param event Disconnect, Abort or Retrieve
     * \param reason the Retrieve reason (NONE otherwise)
     */
    virtual void TcpOffloadEvent(OffloadHandle handle,
                                 ChimneyEvent event,
                                 ChimneyUploadReason reason) = 0;
};

} // namespace ns3

#endif // CHIMNEY_INTERFACE_H
