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

#include "chimney-example-options.h"

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <iostream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    uint64_t bytes = 50000;
    double closeAt = 1.0;

    ChimneyExampleOptions options("simultaneous-close");
    CommandLine cmd(__FILE__);
    options.AddTo(cmd);
    cmd.AddValue("bytes", "bytes each side sends at 0.5 s", bytes);
    cmd.AddValue("closeAt", "when both applications close (s)", closeAt);
    cmd.Parse(argc, argv);
    if (closeAt <= 0.5)
    {
        std::cerr << "error: --closeAt must be after 0.5 s\n";
        return 1;
    }

    ChimneyPairBuilder pair;
    pair.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
    if (!options.Build(pair, true))
    {
        return 1;
    }
    ChimneyTimeline timeline(&std::cout);
    options.Configure(timeline);
    timeline.Attach("host0", pair.GetStack(0));
    timeline.Attach("host1", pair.GetStack(1));

    Ptr<ChimneyStreamEndpoint> server = CreateObject<ChimneyStreamEndpoint>();
    pair.Listen(1, 9, server);
    Ptr<ChimneyStreamEndpoint> client = CreateObject<ChimneyStreamEndpoint>();
    pair.Connect(0, 9, client, Seconds(0.1));
    const std::vector<uint8_t> up = ChimneyStreamEndpoint::Pattern(bytes, 7);
    const std::vector<uint8_t> down = ChimneyStreamEndpoint::Pattern(bytes, 8);
    Simulator::Schedule(Seconds(0.5), [&]() {
        client->SendAll(up);
        server->SendAll(down);
    });
    Simulator::Schedule(Seconds(closeAt), [&]() {
        client->GetSocket()->Close();
        server->GetSocket()->Close();
    });

    Simulator::Stop(Seconds(30));
    Simulator::Run();

    std::string whyUp;
    std::string whyDown;
    const bool e1Up = server->CheckE1(up, &whyUp);
    const bool e1Down = client->CheckE1(down, &whyDown);
    std::cout << "\nE1 host0 -> host1: " << (e1Up ? "OK" : "FAILED: " + whyUp)
              << "\nE1 host1 -> host0: " << (e1Down ? "OK" : "FAILED: " + whyDown)
              << "\nconnection outcomes: "
              << ChimneyHostStack::ToString(pair.GetStack(0)->GetOutcome(1)) << ", "
              << ChimneyHostStack::ToString(pair.GetStack(1)->GetOutcome(1)) << "\n";
    Simulator::Destroy();
    return e1Up && e1Down ? 0 : 1;
}
