/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// RstBelowSndNxt — W10 broken: the abortive RST carries SND.UNA instead of SND.NXT. With data
// in flight it still lies between the peer's ACK and SND.MAX (what the loose W10 accepted), but
// an RFC 5961 peer answers it with a challenge ACK instead of resetting.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded RstBelowSndNxt defect (see the top of this file).
class RstBelowSndNxtDefect : public ChimneyDefect
{
  public:
    bool RewritesTransmitted() const override
    {
        return true;
    }

    void RewriteTransmitted(const ChimneyOffloadConnection& c, TcpSegment& segment) override
    {
        if (segment.Has(TcpSegment::RST))
        {
            segment.seq = c.engine.SndUna();
        }
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeRstBelowSndNxtDefect()
{
    return std::make_unique<RstBelowSndNxtDefect>();
}

} // namespace ns3
