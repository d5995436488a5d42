/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// CompleteGracefulOnFinSent — A3 broken: the graceful disconnect completes SUCCESS as soon as its
// FIN is on the wire, before it is acknowledged.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded CompleteGracefulOnFinSent defect (see the top of this file).
class CompleteGracefulOnFinSentDefect : public ChimneyDefect
{
  public:
    void OnPumpRound(ChimneyOffloadConnection& c) override
    {
        if (c.graceful && c.finSent && c.sendHead == c.sends.size())
        {
            c.CompleteGracefulDisconnect();
        }
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeCompleteGracefulOnFinSentDefect()
{
    return std::make_unique<CompleteGracefulOnFinSentDefect>();
}

} // namespace ns3
