/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// DoubleCompletion — A2 broken: the connection's first send completion reaches the host twice.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

#include <unordered_set>

namespace ns3
{

namespace
{

/// The seeded DoubleCompletion defect (see the top of this file).
class DoubleCompletionDefect : public ChimneyDefect
{
  public:
    uint32_t SendCompletions(ChimneyOffloadConnection& c, Ptr<NetBufferList> /* nbl */) override
    {
        return m_fired.insert(c.serial).second ? 2 : 1;
    }

  private:
    std::unordered_set<uint64_t> m_fired; //!< serials whose first completion was doubled
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeDoubleCompletionDefect()
{
    return std::make_unique<DoubleCompletionDefect>();
}

} // namespace ns3
