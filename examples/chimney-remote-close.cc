/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Remote close while offloaded: FIN, then RST (SPEC 3.5).
//
// An ns-3 host sends --bytes to a chimney host and half-closes (FIN): the offload target
// delivers every byte into posted receive buffers and only then indicates Disconnect, once.
// The chimney host keeps sending; the ns-3 application does not read, so when it closes at
// --closeAt ns-3 sends RST: the target indicates Abort, completes what is outstanding with
// REQUEST_ABORTED, and the host terminates the offload. E1 is checked on the chimney side
// for the ns-3 host's stream (every byte, then FIN).
//
//   ./build/examples/chimney-remote-close --link=csma --pcap=out

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
    uint64_t bytes = 100000;
    double closeAt = 1.5;

    ChimneyExampleOptions options("remote-close");
    CommandLine cmd(__FILE__);
    options.AddTo(cmd);
    cmd.AddValue("bytes", "bytes the ns-3 host sends from 0.5 s on, then FIN", bytes);
    cmd.AddValue("closeAt", "when the ns-3 application closes with unread data (s)", closeAt);
    cmd.Parse(argc, argv);
    if (closeAt <= 0.5)
    {
        std::cerr << "error: --closeAt must be after 0.5 s\n";
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

    // ns-3: sends, half-closes, never reads
    Ptr<ChimneyStreamEndpoint> remote = CreateObject<ChimneyStreamEndpoint>();
    remote->SetRead(false);
    pair.Listen(1, 9, remote);
    // chimney: reads, and keeps sending after the remote FIN
    Ptr<ChimneyStreamEndpoint> local = CreateObject<ChimneyStreamEndpoint>();
    Ptr<Socket> socket = pair.Connect(0, 9, local, Seconds(0.1));
    const std::vector<uint8_t> data = ChimneyStreamEndpoint::Pattern(bytes, 5);
    Simulator::Schedule(Seconds(0.5), [&]() {
        remote->SendAll(data, [&]() { remote->GetSocket()->ShutdownSend(); });
    });
    local->SetEndCallback([&](ChimneyStreamEndpoint& e) {
        if (e.GetEnd() == ChimneyStreamEndpoint::End::FIN)
        {
            std::cout << "   chimney application saw end of stream; sends 20000 bytes more\n";
            e.SendAll(ChimneyStreamEndpoint::Pattern(20000, 6));
        }
    });
    Simulator::Schedule(Seconds(closeAt), [&]() {
        std::cout << "   ns-3 application closes with unread data (ns-3 sends RST)\n";
        remote->GetSocket()->Close();
    });

    Simulator::Stop(Seconds(30));
    Simulator::Run();

    std::string why;
    const bool e1 = local->CheckE1(data, &why);
    std::cout << "\nE1 (chimney host received the " << data.size()
              << " bytes, in order, once, then FIN): " << (e1 ? "OK" : "FAILED: " + why)
              << "\nconnection outcome: "
              << ChimneyHostStack::ToString(pair.GetStack(0)->GetOutcome(1)) << "\n";
    Simulator::Destroy();
    return e1 ? 0 : 1;
}
