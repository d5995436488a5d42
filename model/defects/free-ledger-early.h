/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_FREE_LEDGER_EARLY_H
#define CHIMNEY_FREE_LEDGER_EARLY_H

// What FreeOnFin and FreeOnRst share (R1 broken): a connection's ledger entry freed at some
// moment before its terminate, and not freed again when the terminate comes.

#include "ns3/chimney-defect.h"
#include "ns3/chimney-offload-connection.h"

#include <unordered_set>

namespace ns3
{

/// A seeded defect that frees a connection's ledger entry early (the subclass says when).
class ChimneyFreeLedgerEarlyDefect : public ChimneyDefect
{
  public:
    bool FreesLedgerAtTerminate(const ChimneyOffloadConnection& c) override
    {
        return m_freed.count(c.serial) == 0;
    }

  protected:
    /// Free c's ledger entry now, once. \param c the connection
    void FreeEarly(ChimneyOffloadConnection& c)
    {
        if (m_freed.insert(c.serial).second)
        {
            c.FreeLedgerEntry();
        }
    }

  private:
    std::unordered_set<uint64_t> m_freed; //!< serials whose entry was freed early
};

} // namespace ns3

#endif // CHIMNEY_FREE_LEDGER_EARLY_H
