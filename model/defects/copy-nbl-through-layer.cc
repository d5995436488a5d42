/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// CopyNblThroughLayer — A11 broken: every intermediate driver above the device passes a copy of
// each completed send and receive NBL up (same id, status, bytes and data; another object). The
// loose A11 compared request ids, which the copy keeps.

#include "../chimney-defect.h"
#include "seeded-defects.h"

namespace ns3
{

namespace
{

/// The seeded CopyNblThroughLayer defect (see the top of this file).
class CopyNblThroughLayerDefect : public ChimneyDefect
{
  public:
    Ptr<NetBufferList> PassedUpByLayer(Ptr<NetBufferList> nbl) override
    {
        Ptr<NetBufferList> head;
        NetBufferList* tail = nullptr;
        for (NetBufferList* n = PeekPointer(nbl); n != nullptr; n = PeekPointer(n->next))
        {
            Ptr<NetBufferList> copy = Create<NetBufferList>(*n);
            copy->next = nullptr;
            if (tail == nullptr)
            {
                head = copy;
            }
            else
            {
                tail->next = copy;
            }
            tail = PeekPointer(copy);
        }
        return head;
    }
};

} // namespace

std::unique_ptr<ChimneyDefect>
MakeCopyNblThroughLayerDefect()
{
    return std::make_unique<CopyNblThroughLayerDefect>();
}

} // namespace ns3
