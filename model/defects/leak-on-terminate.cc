/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// LeakOnTerminate — R2/R4 broken: the ledger entry is never freed, not even at terminate.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded LeakOnTerminate defect (see the top of this file).
class LeakOnTerminateDefect : public ChimneyDefect
{
  public:
    bool FreesLedgerAtTerminate(const ChimneyOffloadConnection& /* c */) override
    {
        return false;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeLeakOnTerminateDefect()
{
    return std::make_unique<LeakOnTerminateDefect>();
}

} // namespace ns3
