/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-status.h"

#include <array>

namespace ns3
{

namespace
{
// Indexed by the enum value; kept in declaration order.
constexpr std::array<const char*, 9> kStatusNames = {
    "SUCCESS",
    "PENDING",
    "FAILURE",
    "RESOURCES",
    "INVALID_PARAMETER",
    "INVALID_STATE",
    "REQUEST_ABORTED",
    "UPLOAD_IN_PROGRESS",
    "OFFLOAD_TCP_ENTRIES",
};
} // namespace

const char*
ToString(ChimneyStatus status)
{
    auto index = static_cast<size_t>(status);
    return index < kStatusNames.size() ? kStatusNames[index] : "UNKNOWN_STATUS";
}

bool
ParseChimneyStatus(const std::string& name, ChimneyStatus& status)
{
    for (size_t i = 0; i < kStatusNames.size(); ++i)
    {
        if (name == kStatusNames[i])
        {
            status = static_cast<ChimneyStatus>(i);
            return true;
        }
    }
    return false;
}

std::ostream&
operator<<(std::ostream& os, ChimneyStatus status)
{
    return os << ToString(status);
}

} // namespace ns3
