/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// FreeOnFin — R1 broken: the connection's ledger entry is freed when our FIN is sent (and not again
// at terminate).

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

#include <unordered_set>

namespace ns3
{

namespace
{

/// The seeded FreeOnFin defect (see the top of this file).
class FreeOnFinDefect : public ChimneyDefect
{
  public:
    void OnFinTransmitted(ChimneyOffloadConnection& c, const TcpSegment& /* fin */) override
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
MakeFreeOnFinDefect()
{
    return std::make_unique<FreeOnFinDefect>();
}

} // namespace ns3
