/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// AckAfterAbort — W6/W5 broken: after the abortive RST, received data is still acknowledged.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded AckAfterAbort defect (see the top of this file).
class AckAfterAbortDefect : public ChimneyDefect
{
  public:
    bool TakesSegmentsAfterReset() const override
    {
        return true;
    }

    void OnSegmentAfterReset(ChimneyOffloadConnection& c, const TcpSegment& segment) override
    {
        if (segment.payload.empty())
        {
            return;
        }
        TcpSegment ack;
        ack.srcPort = c.engine.LocalPort();
        ack.dstPort = c.engine.RemotePort();
        ack.seq = c.engine.SndMax();
        ack.ack = segment.seq + segment.SeqLen();
        ack.flags = TcpSegment::ACK;
        ack.window = 65535;
        c.Transmit(ack);
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeAckAfterAbortDefect()
{
    return std::make_unique<AckAfterAbortDefect>();
}

} // namespace ns3
