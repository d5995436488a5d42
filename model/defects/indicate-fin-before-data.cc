/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// IndicateFinBeforeData — A7 broken: Disconnect indicated while data received before the FIN is
// still undelivered.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded IndicateFinBeforeData defect (see the top of this file).
class IndicateFinBeforeDataDefect : public ChimneyDefect
{
  public:
    void BeforeDisconnectIndication(ChimneyOffloadConnection& c) override
    {
        if (c.remoteFin && !c.disconnectIndicated &&
            c.GetAbortReason() != ChimneyOffloadConnection::AbortReason::ResetReceived &&
            !c.ResetSent() && c.engine.BytesReadable() > 0)
        {
            c.IndicateDisconnect();
        }
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeIndicateFinBeforeDataDefect()
{
    return std::make_unique<IndicateFinBeforeDataDefect>();
}

} // namespace ns3
