/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Chimney to chimney, simultaneous close (SPEC 3.4, 3.5).
//
// Two chimney hosts exchange data over one connection, offloaded at both ends, and both
// applications close at the same instant (--closeAt): both FINs cross on the wire, each target
// keeps its receive half open until the other FIN arrives, completes its graceful disconnect
// when its FIN is acknowledged and indicates Disconnect; both hosts terminate and run
// TIME_WAIT in software. E1 is checked in both directions.
//
//   ./build/examples/chimney-simultaneous-close --link=p2p --pcap=out

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <iostream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    std::string link = "p2p";
    uint64_t bytes = 50000;
    double closeAt = 1.0;
    std::string pcapDir;
    bool allSegments = false;
    bool dataCalls = false;
    uint32_t seed = 1;

    CommandLine cmd(__FILE__);
    cmd.AddValue("link", "p2p or csma", link);
    cmd.AddValue("bytes", "bytes each side sends at 0.5 s", bytes);
    cmd.AddValue("closeAt", "when both applications close (s)", closeAt);
    cmd.AddValue("pcap", "directory for pcap files of the wire (empty: none)", pcapDir);
    cmd.AddValue("allSegments", "print every segment, not only SYN/FIN/RST", allSegments);
    cmd.AddValue("dataCalls", "print every Send/Receive request and completion", dataCalls);
    cmd.AddValue("seed", "RNG seed", seed);
    cmd.Parse(argc, argv);
    if (seed == 0 || closeAt <= 0.5)
    {
        std::cerr << "error: --seed must be positive and --closeAt after 0.5 s\n";
        return 2;
    }
    RngSeedManager::SetSeed(seed);

    ChimneyPairBuilder pair;
    pair.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
    std::string error;
    if (!pair.Build(link, true, &error))
    {
        std::cerr << "error: " << error << "\n";
        return 2;
    }
    if (!pcapDir.empty())
    {
        pair.EnablePcap(pcapDir, "simultaneous-close");
    }
    ChimneyTimeline timeline(&std::cout);
    timeline.SetWireDetail(allSegments);
    timeline.SetDataCalls(dataCalls);
    timeline.Attach("host0", pair.GetStack(0));
    timeline.Attach("host1", pair.GetStack(1));

    ChimneyStreamEndpoint server;
    pair.Listen(1, 9, server);
    ChimneyStreamEndpoint client;
    pair.Connect(0, 9, client, Seconds(0.1));
    const std::vector<uint8_t> up = ChimneyStreamEndpoint::Pattern(bytes, 7);
    const std::vector<uint8_t> down = ChimneyStreamEndpoint::Pattern(bytes, 8);
    Simulator::Schedule(Seconds(0.5), [&]() {
        client.SendAll(up);
        server.SendAll(down);
    });
    Simulator::Schedule(Seconds(closeAt), [&]() {
        client.GetSocket()->Close();
        server.GetSocket()->Close();
    });

    Simulator::Stop(Seconds(30));
    Simulator::Run();

    std::string whyUp;
    std::string whyDown;
    const bool e1Up = server.CheckE1(up, &whyUp);
    const bool e1Down = client.CheckE1(down, &whyDown);
    std::cout << "\nE1 host0 -> host1: " << (e1Up ? "OK" : "FAILED: " + whyUp)
              << "\nE1 host1 -> host0: " << (e1Down ? "OK" : "FAILED: " + whyDown)
              << "\nconnection outcomes: "
              << ChimneyHostStack::ToString(pair.GetStack(0)->GetOutcome(1)) << ", "
              << ChimneyHostStack::ToString(pair.GetStack(1)->GetOutcome(1)) << "\n";
    Simulator::Destroy();
    return e1Up && e1Down ? 0 : 1;
}
