/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-lifecycle.h"

#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-pair-builder.h"
#include "ns3/chimney-socket.h"
#include "ns3/chimney-timeline.h"
#include "ns3/chimney-verifier-helper.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"

#include <algorithm>
#include <memory>

namespace ns3
{

const std::vector<std::string>&
ChimneyLifecycleScenarios()
{
    static const std::vector<std::string> names =
        {"graceful", "abortive", "terminate", "remote-close", "simultaneous", "intermediate"};
    return names;
}

namespace
{

std::string
Check(const char* rule, bool ok, const std::string& why)
{
    return std::string(rule) + (ok ? ": OK" : ": FAILED: " + why);
}

} // namespace

ChimneyLifecycleResult
RunChimneyLifecycle(const ChimneyLifecycleOptions& o)
{
    ChimneyLifecycleResult result;
    const auto& names = ChimneyLifecycleScenarios();
    if (std::find(names.begin(), names.end(), o.scenario) == names.end() || o.seed == 0)
    {
        result.endToEnd = "unknown scenario '" + o.scenario + "' or seed 0";
        return result;
    }
    RngSeedManager::SetSeed(o.seed);
    const std::string& s = o.scenario;
    ChimneyPairBuilder pair;
    pair.Chimney().SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    pair.Stacks().SetStackAttribute("TimeWait", TimeValue(Seconds(2)));
    for (const auto& attribute : o.deviceAttributes)
    {
        pair.Chimney().SetDeviceAttribute(attribute.first, StringValue(attribute.second));
    }
    std::string error;
    if (!pair.Build(o.link, s == "simultaneous", &error))
    {
        result.endToEnd = error;
        return result;
    }
    result.built = true;
    ChimneyVerifierHelper helper;
    Ptr<ChimneyVerifier> verifier = helper.Install(pair.GetChimneyDevices());
    result.verifier = verifier;
    std::unique_ptr<ChimneyTimeline> timeline;
    if (o.timeline != nullptr)
    {
        timeline = std::make_unique<ChimneyTimeline>(o.timeline);
        timeline->Attach("host0", pair.GetStack(0));
        if (pair.GetStack(1))
        {
            timeline->Attach("host1", pair.GetStack(1));
        }
    }

    ChimneyStreamEndpoint server;
    ChimneyStreamEndpoint client;
    std::vector<uint8_t> up;   // client (chimney host 0) -> server
    std::vector<uint8_t> down; // server -> client
    Ptr<Socket> socket;
    Ptr<ChimneyHostStack> stack = pair.GetStack(0);
    Time stop = Seconds(30);
    if (s == "graceful" || s == "intermediate")
    {
        if (s == "intermediate")
        {
            // device <- lbfo <- filter <- host stack, 10 us per layer each way
            Ptr<ChimneyNetDevice> device =
                DynamicCast<ChimneyNetDevice>(pair.GetChimneyDevices().Get(0));
            Ptr<ChimneyIntermediateDriver> lbfo = CreateObject<ChimneyIntermediateDriver>();
            Ptr<ChimneyIntermediateDriver> filter = CreateObject<ChimneyIntermediateDriver>();
            for (auto layer : {lbfo, filter})
            {
                layer->SetAttribute("LayerLatency", TimeValue(MicroSeconds(10)));
                verifier->AttachIntermediateDriver(layer);
            }
            lbfo->SetLowerLayer(PeekPointer(device));
            filter->SetLowerLayer(lbfo->AddUpperProtocol(PeekPointer(filter), "filter"));
            stack->SetLowerLayer(filter->AddUpperProtocol(PeekPointer(stack), "tcpip"));
            if (timeline)
            {
                timeline->AttachLayer("filter", filter);
                timeline->AttachLayer("lbfo", lbfo);
            }
        }
        pair.Listen(1, 9, server);
        server.onEnd = [](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); };
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        const std::vector<uint8_t> data = ChimneyStreamEndpoint::Pattern(20000, 1);
        const std::vector<uint8_t> finalData = ChimneyStreamEndpoint::Pattern(1000, 2);
        Simulator::Schedule(Seconds(0.5), [&client, &socket, data, finalData]() {
            client.SendAll(data, [&socket, finalData]() {
                DynamicCast<ChimneySocket>(socket)->Disconnect(finalData);
            });
        });
        up = data;
        up.insert(up.end(), finalData.begin(), finalData.end());
        stop = Seconds(60);
    }
    else if (s == "abortive")
    {
        pair.Listen(1, 9, server);
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        up = ChimneyStreamEndpoint::Pattern(400000, 3);
        Simulator::Schedule(Seconds(0.5), [&client, &up]() { client.SendAll(up); });
        Simulator::Schedule(Seconds(0.6),
                            [&socket]() { DynamicCast<ChimneySocket>(socket)->Abort(); });
    }
    else if (s == "terminate")
    {
        pair.Listen(1, 9, server);
        server.onEnd = [](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); };
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        up = ChimneyStreamEndpoint::Pattern(400000, 4);
        Simulator::Schedule(Seconds(0.5), [&client, &socket, &up]() {
            client.SendAll(up, [&socket]() { socket->Close(); });
        });
        Simulator::Schedule(Seconds(0.7), [&socket, stack]() {
            stack->Terminate(DynamicCast<ChimneySocket>(socket)->GetHandle());
        });
        stop = Seconds(60);
    }
    else if (s == "remote-close")
    {
        server.read = false; // ns-3 closes with unread data: RST
        pair.Listen(1, 9, server);
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        down = ChimneyStreamEndpoint::Pattern(100000, 5);
        Simulator::Schedule(Seconds(0.5), [&server, &down]() {
            server.SendAll(down, [&server]() { server.GetSocket()->ShutdownSend(); });
        });
        client.onEnd = [](ChimneyStreamEndpoint& e) {
            if (e.GetEnd() == ChimneyStreamEndpoint::End::FIN)
            {
                e.SendAll(ChimneyStreamEndpoint::Pattern(20000, 6));
            }
        };
        Simulator::Schedule(Seconds(1.5), [&server]() { server.GetSocket()->Close(); });
    }
    else // simultaneous
    {
        pair.Listen(1, 9, server);
        pair.Connect(0, 9, client, Seconds(0.1));
        up = ChimneyStreamEndpoint::Pattern(50000, 7);
        down = ChimneyStreamEndpoint::Pattern(50000, 8);
        Simulator::Schedule(Seconds(0.5), [&client, &server, &up, &down]() {
            client.SendAll(up);
            server.SendAll(down);
        });
        Simulator::Schedule(Seconds(1.0), [&client, &server]() {
            client.GetSocket()->Close();
            server.GetSocket()->Close();
        });
    }

    Simulator::Stop(stop);
    Simulator::Run();
    verifier->Finish();

    std::string why;
    bool ok = true;
    if (s == "abortive")
    {
        ok = server.CheckE2(up, &why);
        result.endToEnd = Check("E2 host0 -> host1", ok, why);
    }
    else if (s == "remote-close")
    {
        ok = client.CheckE1(down, &why);
        result.endToEnd = Check("E1 host1 -> host0", ok, why);
    }
    else
    {
        ok = server.CheckE1(up, &why);
        result.endToEnd = Check("E1 host0 -> host1", ok, why);
        if (s == "simultaneous")
        {
            std::string whyDown;
            const bool okDown = client.CheckE1(down, &whyDown);
            result.endToEnd += "; " + Check("E1 host1 -> host0", okDown, whyDown);
            ok = ok && okDown;
        }
    }
    result.endToEndOk = ok;
    Simulator::Destroy();
    return result;
}

} // namespace ns3
