/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_TYPES_H
#define CHIMNEY_TYPES_H

#include <cstdint>
#include <ostream>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Identifies one offloaded TCP connection at the interface (an NDIS offload handle).
 *
 * Chosen by the host stack when it initiates the offload; every later request, completion and
 * indication for the connection carries it. 0 is never a valid handle.
 */
using OffloadHandle = uint32_t;

/// The invalid handle.
constexpr OffloadHandle INVALID_OFFLOAD_HANDLE = 0;

/**
 * \ingroup chimney
 * \brief Flags of a disconnect request (TCP_DISCONNECT_*). Exactly one must be set (H3).
 */
enum ChimneyDisconnectFlags : uint32_t
{
    TCP_DISCONNECT_GRACEFUL_CLOSE = 0x1, //!< FIN after all posted data (SPEC 3.4)
    TCP_DISCONNECT_ABORTIVE_CLOSE = 0x2, //!< RST at once; outstanding sends are aborted
};

/**
 * \ingroup chimney
 * \brief Events the offload target indicates to the host (NdisTcpOffloadEventHandler).
 */
enum class ChimneyEvent : uint8_t
{
    DISCONNECT, //!< the remote sent FIN: the receive half is closed (A7)
    ABORT,      //!< an acceptable RST arrived: the host must terminate (A8)
    RETRIEVE,   //!< the target asks the host to terminate (upload) the connection
};

/**
 * \ingroup chimney
 * \brief Reason carried by a Retrieve indication (SPEC 3.5).
 */
enum class ChimneyUploadReason : uint8_t
{
    NONE,                 //!< not a Retrieve indication
    HARDWARE_FAILURE,     //!< mandatory: the target lost the connection's state
    INVALID_STATE,        //!< mandatory: e.g. an in-order SYN on an offloaded connection
    RECEIVED_URGENT_DATA, //!< mandatory: urgent data is handled by the host
    TIMEOUT_EXPIRATION,   //!< mandatory: retransmission limit or FIN_WAIT_2 timer
    UPLOAD_REQUESTED,     //!< mandatory: generic request, e.g. on entering TIME_WAIT
    HIGH_DROP_RATE,       //!< optional
    LOW_ACTIVITY,         //!< optional
    SMALL_IO,             //!< optional
};

/**
 * \ingroup chimney
 * \brief An operation of the offload interface, as the request and completion traces name it
 *        (ChimneyNetDevice Request / Completion / RequestObjects, ChimneyIntermediateDriver
 *        Request / Completion / NblRequest / NblCompletion, ChimneyHostStack Call / Upcall /
 *        NblCall / NblUpcall).
 *
 * ToString gives the name the traces carried as a string before (e.g. "InitiateOffload").
 */
enum class ChimneyOp : uint8_t
{
    INITIATE_OFFLOAD,  //!< "InitiateOffload": a block-list offload request, or its completion
    TERMINATE_OFFLOAD, //!< "TerminateOffload": a block-list terminate request, or its completion
    TERMINATE,         //!< "Terminate": the host stack's name of its terminate call and upcall
    OFFLOAD_BLOCK,     //!< "OffloadBlock": the completion of one TCP block of an offload
    TERMINATE_BLOCK,   //!< "TerminateBlock": the completion of one TCP block of a terminate
    SEND,              //!< "Send": a send request, or the completion of one send NBL
    SEND_RETURNED,     //!< "SendReturned": a send NBL handed back in a terminate's send chain
    RECEIVE,           //!< "Receive": a receive request, or the completion of one receive NBL
    DISCONNECT,        //!< "Disconnect": a disconnect request, or its completion
};

/// Number of ChimneyOp values (for tables and loops).
constexpr uint8_t CHIMNEY_OP_COUNT = static_cast<uint8_t>(ChimneyOp::DISCONNECT) + 1;

/**
 * \ingroup chimney
 * \brief Whether the host must honour a Retrieve with this reason (SPEC 3.5).
 * \param reason the reason
 * \returns true for the mandatory reasons
 */
bool IsMandatoryUploadReason(ChimneyUploadReason reason);

/**
 * \ingroup chimney
 * \brief Name of an event as SPEC.md spells it.
 * \param event the event
 * \returns e.g. "Disconnect"
 */
const char* ToString(ChimneyEvent event);

/**
 * \ingroup chimney
 * \brief Name of an operation as the traces spell it.
 * \param op the operation
 * \returns e.g. "InitiateOffload", "SendReturned"
 */
const char* ToString(ChimneyOp op);

/**
 * \ingroup chimney
 * \brief Name of an upload reason as SPEC.md spells it.
 * \param reason the reason
 * \returns e.g. "TimeoutExpiration"
 */
const char* ToString(ChimneyUploadReason reason);

/**
 * \ingroup chimney
 * \brief Stream an event by name.
 * \param os the stream
 * \param event the event
 * \returns the stream
 */
std::ostream& operator<<(std::ostream& os, ChimneyEvent event);

/**
 * \ingroup chimney
 * \brief Stream an operation by name.
 * \param os the stream
 * \param op the operation
 * \returns the stream
 */
std::ostream& operator<<(std::ostream& os, ChimneyOp op);

/**
 * \ingroup chimney
 * \brief Stream an upload reason by name.
 * \param os the stream
 * \param reason the reason
 * \returns the stream
 */
std::ostream& operator<<(std::ostream& os, ChimneyUploadReason reason);

} // namespace ns3

#endif // CHIMNEY_TYPES_H
