/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// AckAcrossHole — W9 broken: once remote data arrives beyond a hole, one ACK acknowledges up to
// the end of that data, across the hole. It never exceeds the highest remote sequence seen
// (what the loose W9 compared), but the remote then never retransmits the missing bytes.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "../tcp-seq.h"
#include "seeded-defects.h"

#include <unordered_map>

namespace ns3
{

namespace
{

/// The seeded AckAcrossHole defect (see the top of this file).
class AckAcrossHoleDefect : public ChimneyDefect
{
  public:
    std::optional<TcpSegment> ReplaceReceived(const ChimneyOffloadConnection& c,
                                              const TcpSegment& segment) override
    {
        Jump& j = m_jumps[&c];
        const uint32_t end = segment.seq + static_cast<uint32_t>(segment.payload.size());
        if (!j.done && !segment.payload.empty() && SeqGt(segment.seq, c.engine.RcvNxt()))
        {
            j.to = j.armed && SeqGt(j.to, end) ? j.to : end; // data beyond a hole
            j.armed = true;
        }
        return std::nullopt;
    }

    bool RewritesTransmitted() const override
    {
        return true;
    }

    void RewriteTransmitted(const ChimneyOffloadConnection& c, TcpSegment& segment) override
    {
        auto it = m_jumps.find(&c);
        if (it == m_jumps.end() || !it->second.armed || it->second.done ||
            !segment.Has(TcpSegment::ACK) || !SeqLt(segment.ack, it->second.to))
        {
            return;
        }
        segment.ack = it->second.to;
        it->second.done = true;
    }

  private:
    /// Per connection: the ACK across the hole, once.
    struct Jump
    {
        bool armed = false; //!< data beyond a hole arrived
        bool done = false;  //!< the ACK went out
        uint32_t to = 0;    //!< the end of that data
    };

    std::unordered_map<const ChimneyOffloadConnection*, Jump> m_jumps; //!< by connection
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeAckAcrossHoleDefect()
{
    return std::make_unique<AckAcrossHoleDefect>();
}

} // namespace ns3
