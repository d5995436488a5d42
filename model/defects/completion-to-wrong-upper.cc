/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// CompletionToWrongUpper — A11 broken: an intermediate driver routes each NBL completion to the
// upper protocol that last issued a request with the NBL's id (the first one when none), not by
// the context stored with the NBL. Upper protocols number their NBLs each from 1, so with two of
// them a completion reaches the other. The loose A11 keyed the layer's requests by id as well.

#include "../chimney-defect.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded CompletionToWrongUpper defect (see the top of this file).
class CompletionToWrongUpperDefect : public ChimneyDefect
{
  public:
    bool LayerRoutesById() const override
    {
        return true;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeCompletionToWrongUpperDefect()
{
    return std::make_unique<CompletionToWrongUpperDefect>();
}

} // namespace ns3
