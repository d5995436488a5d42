/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// DropDisconnectData — W2/E1 broken: the graceful disconnect's data is never sent (its FIN is).

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded DropDisconnectData defect (see the top of this file).
class DropDisconnectDataDefect : public ChimneyDefect
{
  public:
    bool SendsDisconnectData(const ChimneyOffloadConnection& /* c */) override
    {
        return false;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeDropDisconnectDataDefect()
{
    return std::make_unique<DropDisconnectDataDefect>();
}

} // namespace ns3
