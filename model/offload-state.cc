/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "offload-state.h"

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
OffloadBlockList::ForOneConnection(const NeighborOffloadBlock& neighbor,
                                   const PathOffloadBlock& path,
                                   const TcpOffloadBlock& tcp)
{
    Ptr<OffloadBlockList> list = Create<OffloadBlockList>();
    list->neighbors.push_back(neighbor);
    list->neighbors.back().paths.clear();
    list->neighbors.back().paths.push_back(path);
    list->neighbors.back().paths.back().connections.clear();
    list->neighbors.back().paths.back().connections.push_back(tcp);
    return list;
}

} // namespace ns3
