/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_STATUS_H
#define CHIMNEY_STATUS_H

#include <cstdint>
#include <ostream>
#include <string>

/**
 * \defgroup chimney TCP chimney offload
 *
 * An offload target (NIC with its own TCP engine), the host stack that offloads, disconnects
 * and terminates connections on it, and a verifier for the close and terminate contract of
 * the NDIS TCP chimney offload interface (see SPEC.md).
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Completion and request status of the chimney interface (NDIS_STATUS_* subset).
 *
 * Every request returns Pending and later completes with one of the final statuses.
 * The names follow SPEC.md, which gives the meaning of each in every operation.
 */
enum class ChimneyStatus : uint8_t
{
    SUCCESS,             //!< Completed; for a send or disconnect: sent and acknowledged.
    PENDING,             //!< The request was accepted and completes later.
    FAILURE,             //!< Catastrophic loss of state (terminate block status).
    RESOURCES,           //!< The target lacks a resource other than table space.
    INVALID_PARAMETER,   //!< Malformed request (H2, H3).
    INVALID_STATE,       //!< Request not allowed in the connection's state (H1, H4-H7, 3.3).
    REQUEST_ABORTED,     //!< The connection was aborted (RST sent or received, failure).
    UPLOAD_IN_PROGRESS,  //!< The connection is being terminated (uploaded) to the host.
    OFFLOAD_TCP_ENTRIES, //!< The target's TCP connection table is full (R5).
};

/**
 * \ingroup chimney
 * \brief Name of a status exactly as SPEC.md spells it.
 * \param status the status
 * \returns the name, e.g. "REQUEST_ABORTED"
 */
const char* ToString(ChimneyStatus status);

/**
 * \ingroup chimney
 * \brief Parse a status name as printed by ToString().
 * \param name the name, e.g. "SUCCESS"
 * \param[out] status the parsed status, untouched on failure
 * \returns true when name is a known status
 */
bool ParseChimneyStatus(const std::string& name, ChimneyStatus& status);

/**
 * \ingroup chimney
 * \brief Stream a status by name.
 * \param os the stream
 * \param status the status
 * \returns the stream
 */
std::ostream& operator<<(std::ostream& os, ChimneyStatus status);

} // namespace ns3

#endif // CHIMNEY_STATUS_H
