/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Graceful close with final data in the disconnect buffer (SPEC 3.4).
//
// A chimney host connects to an ns-3 host (TcpSocketBase), the connection is offloaded once
// established, the application sends --bytes and then calls ChimneySocket::Disconnect() with
// --finalBytes more: the offload target sends them after every earlier send, then FIN, and
// completes the disconnect only when data and FIN are acknowledged. The ns-3 host closes its
// half when it sees our FIN; the target indicates Disconnect, the host terminates the offload
// and runs TIME_WAIT in software. The timeline shows calls, completions, indications and the
// SYN/FIN/RST segments; E1 is checked on what the ns-3 host received.
//
//   ./build/chimney-graceful-close --link=csma --bytes=50000 --finalBytes=1000 --pcap=out

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
    uint64_t bytes = 20000;
    uint32_t finalBytes = 1000;
    double sendAt = 0.5;

    ChimneyExampleOptions options("graceful-close");
    CommandLine cmd(__FILE__);
    options.AddTo(cmd);
    cmd.AddValue("bytes", "bytes sent before the disconnect", bytes);
    cmd.AddValue("finalBytes", "bytes in the graceful disconnect's buffer", finalBytes);
    cmd.AddValue("sendAt", "when the application starts sending (s); offload is at 0.11 s", sendAt);
    cmd.Parse(argc, argv);

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

    // ns-3 side: accept, read everything, close our half when the peer's FIN arrives.
    Ptr<ChimneyStreamEndpoint> server = CreateObject<ChimneyStreamEndpoint>();
    pair.Listen(1, 9, server);
    server->SetEndCallback([](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); });

    // Chimney side: send, then the graceful disconnect carrying the final data.
    const std::vector<uint8_t> data = ChimneyStreamEndpoint::Pattern(bytes, 1);
    const std::vector<uint8_t> finalData = ChimneyStreamEndpoint::Pattern(finalBytes, 2);
    Ptr<ChimneyStreamEndpoint> client = CreateObject<ChimneyStreamEndpoint>();
    Ptr<Socket> socket = pair.Connect(0, 9, client, Seconds(0.1));
    Simulator::Schedule(Seconds(sendAt), [&]() {
        client->SendAll(data, [&]() { DynamicCast<ChimneySocket>(socket)->Disconnect(finalData); });
    });

    Simulator::Stop(Seconds(60));
    Simulator::Run();

    std::vector<uint8_t> sent = data;
    sent.insert(sent.end(), finalData.begin(), finalData.end());
    std::string why;
    const bool e1 = server->CheckE1(sent, &why);
    std::cout << "\nE1 (ns-3 host received the " << sent.size()
              << " bytes sent, in order, once, then FIN): " << (e1 ? "OK" : "FAILED: " + why)
              << "\nconnection outcome: "
              << ChimneyHostStack::ToString(pair.GetStack(0)->GetOutcome(1)) << "\n";
    Simulator::Destroy();
    return e1 ? 0 : 1;
}
