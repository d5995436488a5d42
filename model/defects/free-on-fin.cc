/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// FreeOnFin — R1 broken: the connection's ledger entry is freed when our FIN is sent (and not again
// at terminate).

#include "free-ledger-early.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded FreeOnFin defect (see the top of this file).
class FreeOnFinDefect : public ChimneyFreeLedgerEarlyDefect
{
  public:
    void OnFinTransmitted(ChimneyOffloadConnection& c, const TcpSegment& /* fin */) override
    {
        FreeEarly(c);
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeFreeOnFinDefect()
{
    return std::make_unique<FreeOnFinDefect>();
}

} // namespace ns3
