/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// DisconnectBeforeSends — A4 broken: acknowledged sends are held back until the graceful disconnect
// has completed.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded DisconnectBeforeSends defect (see the top of this file).
class DisconnectBeforeSendsDefect : public ChimneyDefect
{
  public:
    bool CompletesAckedSends(ChimneyOffloadConnection& c) override
    {
        if (!c.graceful)
        {
            return true;
        }
        if (c.GetSendHalf() != ChimneyOffloadConnection::SendHalf::FinAcked)
        {
            return false;
        }
        c.CompleteGracefulDisconnect();
        return true;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeDisconnectBeforeSendsDefect()
{
    return std::make_unique<DisconnectBeforeSendsDefect>();
}

} // namespace ns3
