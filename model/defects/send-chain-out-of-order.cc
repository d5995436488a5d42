/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// SendChainOutOfOrder — A9 broken: the terminate's send chain holds the original NBLs but the
// first two swapped (the returned send data stays in order). The loose A9 compared the chain
// with the order in which the target traced them, which the defect swaps alike.

#include "../chimney-defect.h"
#include "../chimney-offload-connection.h"
#include "seeded-defects.h"

#include <utility>

namespace ns3
{

namespace
{

/// The seeded SendChainOutOfOrder defect (see the top of this file).
class SendChainOutOfOrderDefect : public ChimneyDefect
{
  public:
    void OrderSendChain(const ChimneyOffloadConnection& /* c */,
                        std::vector<Ptr<NetBufferList>>& chain) override
    {
        if (chain.size() >= 2)
        {
            std::swap(chain[0], chain[1]);
        }
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeSendChainOutOfOrderDefect()
{
    return std::make_unique<SendChainOutOfOrderDefect>();
}

} // namespace ns3
