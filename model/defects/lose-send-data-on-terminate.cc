/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// LoseSendDataOnTerminate — A9/E1 broken: at terminate the last send NBL is neither returned nor
// completed, and its bytes are cut out of sendData (the engine's part; the rest is not appended).

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

#include <algorithm>

namespace ns3
{

namespace
{

/// The seeded LoseSendDataOnTerminate defect (see the top of this file).
class LoseSendDataOnTerminateDefect : public ChimneyDefect
{
  public:
    bool ReturnsSend(const ChimneyOffloadConnection& c, uint32_t i, TcpDelegatedState& d) override
    {
        if (i + 1 != c.sends.size())
        {
            return true;
        }
        const uint64_t length = c.sends[i]->DataLength();
        const uint64_t ackedHead = c.acked > c.headStart ? c.acked - c.headStart : 0;
        uint64_t pos = c.headStart > c.acked ? c.headStart - c.acked : 0;
        for (uint32_t j = c.sendHead; j < i; ++j)
        {
            pos += c.sends[j]->DataLength();
        }
        uint64_t inEngine = i < c.handIndex ? length : (i == c.handIndex ? c.handOffset : 0);
        if (i == c.sendHead)
        {
            inEngine -= std::min(inEngine, ackedHead);
        }
        else
        {
            pos -= std::min(ackedHead, c.sends[c.sendHead]->DataLength());
        }
        const uint64_t from = std::min<uint64_t>(pos, d.sendData.size());
        const uint64_t to = std::min<uint64_t>(pos + inEngine, d.sendData.size());
        d.sendData.erase(d.sendData.begin() + static_cast<ptrdiff_t>(from),
                         d.sendData.begin() + static_cast<ptrdiff_t>(to));
        return false;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeLoseSendDataOnTerminateDefect()
{
    return std::make_unique<LoseSendDataOnTerminateDefect>();
}

} // namespace ns3
