/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-example-options.h"

#include "ns3/command-line.h"
#include "ns3/packet.h"
#include "ns3/rng-seed-manager.h"

#include <iostream>

namespace ns3
{

ChimneyExampleOptions::ChimneyExampleOptions(const std::string& name)
    : m_name(name)
{
}

void
ChimneyExampleOptions::AddTo(CommandLine& cmd)
{
    cmd.AddValue("link", "p2p or csma", link);
    cmd.AddValue("pcap", "directory for pcap files of the wire (empty: none)", pcapDir);
    cmd.AddValue("ascii",
                 "directory for ascii traces of the wire, headers printed (empty: none)",
                 asciiDir);
    cmd.AddValue("allSegments", "print every segment, not only SYN/FIN/RST", allSegments);
    cmd.AddValue("dataCalls", "print every Send/Receive request and completion", dataCalls);
    cmd.AddValue("seed", "RNG seed (positive)", seed);
}

bool
ChimneyExampleOptions::Build(ChimneyPairBuilder& pair, bool chimneyPeer) const
{
    if (seed == 0)
    {
        std::cerr << "error: --seed must be positive\n";
        return false;
    }
    RngSeedManager::SetSeed(seed);
    if (!asciiDir.empty())
    {
        Packet::EnablePrinting(); // before the first packet, as ns-3 requires
    }
    std::string error;
    if (!pair.Build(link, chimneyPeer, &error))
    {
        std::cerr << "error: " << error << "\n";
        return false;
    }
    if (!pcapDir.empty())
    {
        pair.EnablePcap(pcapDir, m_name);
    }
    if (!asciiDir.empty())
    {
        pair.EnableAscii(asciiDir, m_name);
    }
    return true;
}

void
ChimneyExampleOptions::Configure(ChimneyTimeline& timeline) const
{
    timeline.SetWireDetail(allSegments);
    timeline.SetDataCalls(dataCalls);
}

} // namespace ns3
