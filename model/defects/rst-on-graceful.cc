/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// RstOnGraceful — W4 broken: the graceful disconnect ends with RST instead of FIN (outstanding
// sends REQUEST_ABORTED, the disconnect SUCCESS).

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded RstOnGraceful defect (see the top of this file).
class RstOnGracefulDefect : public ChimneyDefect
{
  public:
    bool ReplacesFin(ChimneyOffloadConnection& c, int64_t now) override
    {
        c.AbortSend(now);
        Ptr<NetBufferList> nbl = c.graceful;
        c.graceful = nullptr;
        c.AbortOutstanding(ChimneyStatus::REQUEST_ABORTED);
        c.CompleteDisconnect(nbl, ChimneyStatus::SUCCESS, 0);
        return true;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeRstOnGracefulDefect()
{
    return std::make_unique<RstOnGracefulDefect>();
}

} // namespace ns3
