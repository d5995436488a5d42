/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Intermediate driver layers in the path (SPEC 1, A11).
//
// The chimney host's stack talks to the offload target through two stacked intermediate
// layers ("filter" above "lbfo"), each adding --layerLatencyUs. Every request passes down with
// the same NBL and flags, every completion comes back up with the same NBL to the protocol that
// issued it; the timeline shows each pass. The lifecycle is the graceful one: offload, sends,
// graceful disconnect with final data, the peer's FIN, Retrieve on TIME_WAIT, terminate.
// E1 is checked on the ns-3 host.
//
//   ./build/examples/chimney-intermediate-layer --layerLatencyUs=20 --pcap=out

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
    uint32_t finalBytes = 500;
    uint32_t layerLatencyUs = 10;

    ChimneyExampleOptions options("intermediate-layer");
    CommandLine cmd(__FILE__);
    options.AddTo(cmd);
    cmd.AddValue("bytes", "bytes sent at 0.5 s before the disconnect", bytes);
    cmd.AddValue("finalBytes", "bytes in the graceful disconnect's buffer", finalBytes);
    cmd.AddValue("layerLatencyUs",
                 "latency each layer adds, each way (microseconds)",
                 layerLatencyUs);
    cmd.Parse(argc, argv);

    ChimneyPairBuilder pair;
    pair.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
    if (!options.Build(pair, false))
    {
        return 1;
    }

    // device <- lbfo <- filter <- host stack
    Ptr<ChimneyNetDevice> device = DynamicCast<ChimneyNetDevice>(pair.GetChimneyDevices().Get(0));
    Ptr<ChimneyHostStack> stack = pair.GetStack(0);
    Ptr<ChimneyIntermediateDriver> lbfo = CreateObject<ChimneyIntermediateDriver>();
    Ptr<ChimneyIntermediateDriver> filter = CreateObject<ChimneyIntermediateDriver>();
    for (auto layer : {lbfo, filter})
    {
        layer->SetAttribute("LayerLatency", TimeValue(MicroSeconds(layerLatencyUs)));
    }
    lbfo->SetLowerLayer(PeekPointer(device));
    filter->SetLowerLayer(lbfo->AddUpperProtocol(PeekPointer(filter), "filter"));
    stack->SetLowerLayer(filter->AddUpperProtocol(PeekPointer(stack), "tcpip"));

    ChimneyTimeline timeline(&std::cout);
    options.Configure(timeline);
    timeline.Attach("chimney", stack);
    timeline.AttachLayer("filter", filter);
    timeline.AttachLayer("lbfo", lbfo);

    Ptr<ChimneyStreamEndpoint> server = CreateObject<ChimneyStreamEndpoint>();
    pair.Listen(1, 9, server);
    server->SetEndCallback([](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); });
    Ptr<ChimneyStreamEndpoint> client = CreateObject<ChimneyStreamEndpoint>();
    Ptr<Socket> socket = pair.Connect(0, 9, client, Seconds(0.1));
    const std::vector<uint8_t> data = ChimneyStreamEndpoint::Pattern(bytes, 9);
    const std::vector<uint8_t> finalData = ChimneyStreamEndpoint::Pattern(finalBytes, 10);
    Simulator::Schedule(Seconds(0.5), [&]() {
        client->SendAll(data, [&]() { DynamicCast<ChimneySocket>(socket)->Disconnect(finalData); });
    });

    Simulator::Stop(Seconds(30));
    Simulator::Run();

    std::vector<uint8_t> sent = data;
    sent.insert(sent.end(), finalData.begin(), finalData.end());
    std::string why;
    const bool e1 = server->CheckE1(sent, &why);
    std::cout << "\nE1 (ns-3 host received the " << sent.size()
              << " bytes, in order, once, then FIN): " << (e1 ? "OK" : "FAILED: " + why)
              << "\nconnection outcome: " << ChimneyHostStack::ToString(stack->GetOutcome(1))
              << "\n";
    Simulator::Destroy();
    return e1 ? 0 : 1;
}
