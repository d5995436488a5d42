/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// OffloadBeyondCapacity — R5 broken: offloads are accepted beyond MaxOffloadedConnections.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded OffloadBeyondCapacity defect (see the top of this file).
class OffloadBeyondCapacityDefect : public ChimneyDefect
{
  public:
    bool IgnoresCapacity() const override
    {
        return true;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeOffloadBeyondCapacityDefect()
{
    return std::make_unique<OffloadBeyondCapacityDefect>();
}

} // namespace ns3
