/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// DataAfterFin — W1 broken: one payload byte at the FIN's sequence number, sent after the FIN.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded DataAfterFin defect (see the top of this file).
class DataAfterFinDefect : public ChimneyDefect
{
  public:
    void OnFinTransmitted(ChimneyOffloadConnection& c, const TcpSegment& fin) override
    {
        TcpSegment extra = fin;
        extra.flags = TcpSegment::ACK | TcpSegment::PSH;
        extra.seq = fin.seq + static_cast<uint32_t>(fin.payload.size());
        extra.payload.assign(1, 0x58);
        c.Transmit(extra);
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeDataAfterFinDefect()
{
    return std::make_unique<DataAfterFinDefect>();
}

} // namespace ns3
