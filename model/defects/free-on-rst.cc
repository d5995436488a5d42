/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// FreeOnRst — R1 broken: the connection's ledger entry is freed when an RST is sent or received
// (and not again at terminate).

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

#include <unordered_set>

namespace ns3
{

namespace
{

/// The seeded FreeOnRst defect (see the top of this file).
class FreeOnRstDefect : public ChimneyDefect
{
  public:
    void OnReset(ChimneyOffloadConnection& c) override
    {
        if (m_freed.insert(c.serial).second)
        {
            c.FreeLedgerEntry();
        }
    }

    bool FreesLedgerAtTerminate(const ChimneyOffloadConnection& c) override
    {
        return m_freed.count(c.serial) == 0;
    }

  private:
    std::unordered_set<uint64_t> m_freed; //!< serials whose entry was freed early
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeFreeOnRstDefect()
{
    return std::make_unique<FreeOnRstDefect>();
}

} // namespace ns3
