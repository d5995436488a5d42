/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// DropRemoteDataAfterFin — W7 broken: after our FIN, remote data is neither acknowledged nor
// delivered; only the segment's ACK field is processed (as a pure ACK at RCV.NXT).

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded DropRemoteDataAfterFin defect (see the top of this file).
class DropRemoteDataAfterFinDefect : public ChimneyDefect
{
  public:
    std::optional<TcpSegment> ReplaceReceived(const ChimneyOffloadConnection& c,
                                              const TcpSegment& segment) override
    {
        if (!c.finSent || segment.payload.empty())
        {
            return std::nullopt;
        }
        TcpSegment stripped = segment;
        stripped.payload.clear();
        stripped.flags &= static_cast<uint8_t>(~TcpSegment::FIN);
        stripped.seq = c.engine.RcvNxt();
        return stripped;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeDropRemoteDataAfterFinDefect()
{
    return std::make_unique<DropRemoteDataAfterFinDefect>();
}

} // namespace ns3
