/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Abortive close with sends outstanding (SPEC 3.4).
//
// A chimney host streams --bytes to an ns-3 host over an offloaded connection and calls
// ChimneySocket::Abort() at --abortAt, while much of the data is still posted: the offload
// target sends one RST, stops acknowledging, completes every outstanding send with
// REQUEST_ABORTED and then the disconnect with SUCCESS; the host terminates the offload.
// E2 is checked on the ns-3 host: it received a prefix of the stream, then the reset.
//
//   ./build/examples/chimney-abortive-close --link=p2p --abortAt=0.6 --pcap=out

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
    double abortAt = 0.6;

    ChimneyExampleOptions options("abortive-close");
    CommandLine cmd(__FILE__);
    options.AddTo(cmd);
    cmd.AddValue("bytes", "bytes the application queues from 0.5 s on", bytes);
    cmd.AddValue("abortAt", "when the application aborts (s, after 0.5)", abortAt);
    cmd.Parse(argc, argv);
    if (abortAt <= 0.5)
    {
        std::cerr << "error: --abortAt must be after 0.5 s\n";
        return 1;
    }

    ChimneyPairBuilder pair;
    if (!options.Build(pair, false))
    {
        return 1;
    }
    ChimneyTimeline timeline(&std::cout);
    options.Configure(timeline);
    timeline.Attach("chimney", pair.GetStack(0));

    Ptr<ChimneyStreamEndpoint> server = CreateObject<ChimneyStreamEndpoint>();
    pair.Listen(1, 9, server);
    Ptr<ChimneyStreamEndpoint> client = CreateObject<ChimneyStreamEndpoint>();
    Ptr<Socket> socket = pair.Connect(0, 9, client, Seconds(0.1));
    const std::vector<uint8_t> data = ChimneyStreamEndpoint::Pattern(bytes, 3);
    Simulator::Schedule(Seconds(0.5), [&]() { client->SendAll(data); });
    Simulator::Schedule(Seconds(abortAt), [&]() {
        std::cout << "   application aborts with " << client->BytesQueued()
                  << " bytes queued so far\n";
        DynamicCast<ChimneySocket>(socket)->Abort();
    });

    Simulator::Stop(Seconds(30));
    Simulator::Run();

    std::string why;
    const bool e2 = server->CheckE2(data, &why);
    std::cout << "\nE2 (ns-3 host received a prefix of the stream, " << server->Received().size()
              << " of " << data.size()
              << " bytes, then the reset): " << (e2 ? "OK" : "FAILED: " + why)
              << "\nconnection outcome: "
              << ChimneyHostStack::ToString(pair.GetStack(0)->GetOutcome(1)) << "\n";
    Simulator::Destroy();
    return e2 ? 0 : 1;
}
