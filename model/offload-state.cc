/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "offload-state.h"

#include <utility>

namespace ns3
{

void
OffloadBlockList::ForEachTcp(
    const std::function<void(NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock&)>& f)
{
    for (auto& neighbor : neighbors)
    {
        for (auto& path : neighbor.paths)
        {
            for (auto& tcp : path.connections)
            {
                f(neighbor, path, tcp);
            }
        }
    }
}

size_t
OffloadBlockList::TcpBlockCount() const
{
    size_t n = 0;
    for (const auto& neighbor : neighbors)
    {
        for (const auto& path : neighbor.paths)
        {
            n += path.connections.size();
        }
    }
    return n;
}

Ptr<OffloadBlockList>
OffloadBlockList::ForOneConnection(NeighborOffloadBlock neighbor,
                                   PathOffloadBlock path,
                                   TcpOffloadBlock tcp)
{
    Ptr<OffloadBlockList> list = Create<OffloadBlockList>();
    path.connections.clear();
    path.connections.push_back(std::move(tcp));
    neighbor.paths.clear();
    neighbor.paths.push_back(std::move(path));
    list->neighbors.push_back(std::move(neighbor));
    return list;
}

} // namespace ns3
