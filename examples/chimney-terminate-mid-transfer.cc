/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Terminate (upload) mid-transfer, then finish in software (SPEC 3.6).
//
// A chimney host streams --bytes to an ns-3 host over an offloaded connection and then closes.
// At --terminateAt the host terminates the offload: the target hands back the delegated state
// and the send NBLs not yet acknowledged (SndUna, SndNxt, SndMax), frees the connection, and
// the host continues in software: it retransmits what the peer has not acknowledged, sends the
// rest, closes and runs TIME_WAIT. E1 is checked on the ns-3 host: nothing lost or duplicated.
//
//   ./build/examples/chimney-terminate-mid-transfer --terminateAt=0.7 --pcap=out

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
    uint64_t bytes = 400000;
    double terminateAt = 0.7;

    ChimneyExampleOptions options("terminate-mid-transfer");
    CommandLine cmd(__FILE__);
    options.AddTo(cmd);
    cmd.AddValue("bytes", "bytes the application sends from 0.5 s on, then closes", bytes);
    cmd.AddValue("terminateAt", "when the host terminates the offload (s)", terminateAt);
    cmd.Parse(argc, argv);
    if (terminateAt <= 0.2)
    {
        std::cerr << "error: --terminateAt must be after 0.2 s\n";
        return 1;
    }

    ChimneyPairBuilder pair;
    pair.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
    if (!options.Build(pair, false))
    {
        return 1;
    }
    ChimneyTimeline timeline(&std::cout);
    options.Configure(timeline);
    timeline.Attach("chimney", pair.GetStack(0));

    Ptr<ChimneyStreamEndpoint> server = CreateObject<ChimneyStreamEndpoint>();
    pair.Listen(1, 9, server);
    server->SetEndCallback([](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); });
    Ptr<ChimneyStreamEndpoint> client = CreateObject<ChimneyStreamEndpoint>();
    Ptr<Socket> socket = pair.Connect(0, 9, client, Seconds(0.1));
    const std::vector<uint8_t> data = ChimneyStreamEndpoint::Pattern(bytes, 4);
    Simulator::Schedule(Seconds(0.5), [&]() { client->SendAll(data, [&]() { socket->Close(); }); });
    Ptr<ChimneyHostStack> stack = pair.GetStack(0);
    Simulator::Schedule(Seconds(terminateAt), [&]() {
        const OffloadHandle h = DynamicCast<ChimneySocket>(socket)->GetHandle();
        std::cout << "   host terminates the offload: " << ToString(stack->Terminate(h)) << "\n";
    });

    Simulator::Stop(Seconds(60));
    Simulator::Run();

    std::string why;
    const bool e1 = server->CheckE1(data, &why);
    std::cout << "\nE1 (ns-3 host received the " << data.size()
              << " bytes, in order, once, then FIN): " << (e1 ? "OK" : "FAILED: " + why)
              << "\nconnection outcome: " << ChimneyHostStack::ToString(stack->GetOutcome(1))
              << "\n";
    Simulator::Destroy();
    return e1 ? 0 : 1;
}
