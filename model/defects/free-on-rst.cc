/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// FreeOnRst — R1 broken: the connection's ledger entry is freed when an RST is sent or received
// (and not again at terminate).

#include "free-ledger-early.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded FreeOnRst defect (see the top of this file).
class FreeOnRstDefect : public ChimneyFreeLedgerEarlyDefect
{
  public:
    void OnReset(ChimneyOffloadConnection& c) override
    {
        FreeEarly(c);
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeFreeOnRstDefect()
{
    return std::make_unique<FreeOnRstDefect>();
}

} // namespace ns3
