/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// CompletionInsideCall — A1 broken: the connection's first send NBL completes from inside
// TcpOffloadSend (its data is still sent; its later completion is suppressed).

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

#include <unordered_map>
#include <unordered_set>

namespace ns3
{

namespace
{

/// The seeded CompletionInsideCall defect (see the top of this file).
class CompletionInsideCallDefect : public ChimneyDefect
{
  public:
    void OnSendAccepted(ChimneyOffloadConnection& c,
                        const std::vector<Ptr<NetBufferList>>& nbls) override
    {
        if (nbls.empty() || !m_fired.insert(c.serial).second)
        {
            return;
        }
        m_completed[c.serial] = nbls.front();
        c.CompleteSendInsideCall(nbls.front());
    }

    uint32_t SendCompletions(ChimneyOffloadConnection& c, Ptr<NetBufferList> nbl) override
    {
        auto it = m_completed.find(c.serial);
        if (it == m_completed.end() || it->second != nbl)
        {
            return 1;
        }
        m_completed.erase(it); // completed inside its call already
        return 0;
    }

  private:
    std::unordered_set<uint64_t> m_fired;                         //!< serials it acted on
    std::unordered_map<uint64_t, Ptr<NetBufferList>> m_completed; //!< NBL completed in call
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeCompletionInsideCallDefect()
{
    return std::make_unique<CompletionInsideCallDefect>();
}

} // namespace ns3
