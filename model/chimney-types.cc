/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-types.h"

namespace ns3
{

bool
IsMandatoryUploadReason(ChimneyUploadReason reason)
{
    switch (reason)
    {
    case ChimneyUploadReason::HARDWARE_FAILURE:
    case ChimneyUploadReason::INVALID_STATE:
    case ChimneyUploadReason::RECEIVED_URGENT_DATA:
    case ChimneyUploadReason::TIMEOUT_EXPIRATION:
    case ChimneyUploadReason::UPLOAD_REQUESTED:
        return true;
    default:
        return false;
    }
}

const char*
ToString(ChimneyEvent event)
{
    switch (event)
    {
    case ChimneyEvent::DISCONNECT:
        return "Disconnect";
    case ChimneyEvent::ABORT:
        return "Abort";
    case ChimneyEvent::RETRIEVE:
        return "Retrieve";
    }
    return "UnknownEvent";
}

const char*
ToString(ChimneyOp op)
{
    switch (op)
    {
    case ChimneyOp::INITIATE_OFFLOAD:
        return "InitiateOffload";
    case ChimneyOp::TERMINATE_OFFLOAD:
        return "TerminateOffload";
    case ChimneyOp::TERMINATE:
        return "Terminate";
    case ChimneyOp::OFFLOAD_BLOCK:
        return "OffloadBlock";
    case ChimneyOp::TERMINATE_BLOCK:
        return "TerminateBlock";
    case ChimneyOp::SEND:
        return "Send";
    case ChimneyOp::SEND_RETURNED:
        return "SendReturned";
    case ChimneyOp::RECEIVE:
        return "Receive";
    case ChimneyOp::DISCONNECT:
        return "Disconnect";
    }
    return "UnknownOp";
}

const char*
ToString(ChimneyUploadReason reason)
{
    switch (reason)
    {
    case ChimneyUploadReason::NONE:
        return "None";
    case ChimneyUploadReason::HARDWARE_FAILURE:
        return "HardwareFailure";
    case ChimneyUploadReason::INVALID_STATE:
        return "InvalidState";
    case ChimneyUploadReason::RECEIVED_URGENT_DATA:
        return "ReceivedUrgentData";
    case ChimneyUploadReason::TIMEOUT_EXPIRATION:
        return "TimeoutExpiration";
    case ChimneyUploadReason::UPLOAD_REQUESTED:
        return "UploadRequested";
    case ChimneyUploadReason::HIGH_DROP_RATE:
        return "HighDropRate";
    case ChimneyUploadReason::LOW_ACTIVITY:
        return "LowActivity";
    case ChimneyUploadReason::SMALL_IO:
        return "SmallIO";
    }
    return "UnknownReason";
}

std::ostream&
operator<<(std::ostream& os, ChimneyEvent event)
{
    return os << ToString(event);
}

std::ostream&
operator<<(std::ostream& os, ChimneyOp op)
{
    return os << ToString(op);
}

std::ostream&
operator<<(std::ostream& os, ChimneyUploadReason reason)
{
    return os << ToString(reason);
}

} // namespace ns3
