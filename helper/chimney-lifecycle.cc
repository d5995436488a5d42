/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-lifecycle.h"

#include "ns3/chimney-defect-registry.h"
#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-pair-builder.h"
#include "ns3/chimney-socket.h"
#include "ns3/chimney-timeline.h"
#include "ns3/chimney-verifier-helper.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <memory>

namespace ns3
{

const std::vector<std::string>&
ChimneyLifecycleScenarios()
{
    static const std::vector<std::string> names = {"graceful",
                                                   "abortive",
                                                   "terminate",
                                                   "remote-close",
                                                   "simultaneous",
                                                   "intermediate",
                                                   "abort-receiving",
                                                   "half-close",
                                                   "slow-receiver",
                                                   "capacity"};
    return names;
}

std::string
ChimneyLifecycleScenarioForDefect(const std::string& defect)
{
    // The scenario in which each seeded defect acts: ChimneyDefectRegistry's row.
    if (defect == "None")
    {
        return "graceful";
    }
    const ChimneyDefectInfo* info = ChimneyDefectRegistry::Find(defect);
    return info == nullptr ? std::string() : info->scenario;
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
    if (s == "slow-receiver")
    {
        // One small receive buffer at a time and a host slow to see completions: the remote's
        // data waits in the target, and its FIN arrives before that data is delivered (A7).
        pair.Stacks().SetStackAttribute("ReceiveBuffersPosted", UintegerValue(1));
        pair.Stacks().SetStackAttribute("ReceiveBufferSize", UintegerValue(1024));
        pair.Chimney().SetDeviceAttribute("CompletionLatency", TimeValue(MilliSeconds(2)));
    }
    else if (s == "abort-receiving")
    {
        // The host sees the abortive disconnect's completion, and terminates, only 5 ms after
        // the RST: the remote's segments in flight meanwhile reach the target (W5, W6).
        pair.Chimney().SetDeviceAttribute("CompletionLatency", TimeValue(MilliSeconds(5)));
    }
    else if (s == "capacity")
    {
        // Room for one offloaded connection: the second stays in software (R5).
        pair.Chimney().SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(1));
    }
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
    ChimneyStreamEndpoint server2; // "capacity": the second connection
    ChimneyStreamEndpoint client2;
    std::vector<uint8_t> up;   // client (chimney host 0) -> server
    std::vector<uint8_t> down; // server -> client
    std::vector<uint8_t> up2;  // client2 -> server2
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
    else if (s == "abort-receiving")
    {
        // The remote sends in bulk (host 0 only a little, so that the remote is never starved
        // of the CSMA channel), then host 0 aborts: the remote's data still in flight reaches
        // the target after its RST, and must be neither acknowledged nor delivered (W5, W6).
        pair.Listen(1, 9, server);
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        up = ChimneyStreamEndpoint::Pattern(5000, 9);
        down = ChimneyStreamEndpoint::Pattern(1000000, 10);
        Simulator::Schedule(Seconds(0.5), [&client, &server, &up, &down]() {
            client.SendAll(up);
            server.SendAll(down);
        });
        Simulator::Schedule(Seconds(0.6),
                            [&socket]() { DynamicCast<ChimneySocket>(socket)->Abort(); });
    }
    else if (s == "half-close")
    {
        // Host 0 sends, then closes its send half (FIN); the remote answers only after that
        // FIN, then closes: the target's receive half must stay open (W7, E1).
        pair.Listen(1, 9, server);
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        up = ChimneyStreamEndpoint::Pattern(20000, 11);
        down = ChimneyStreamEndpoint::Pattern(50000, 12);
        server.onEnd = [&down](ChimneyStreamEndpoint& e) {
            if (e.GetEnd() == ChimneyStreamEndpoint::End::FIN)
            {
                e.SendAll(down, [&e]() { e.GetSocket()->Close(); });
            }
        };
        Simulator::Schedule(Seconds(0.5), [&client, &socket, &up]() {
            client.SendAll(up, [&socket]() { socket->ShutdownSend(); });
        });
    }
    else if (s == "slow-receiver")
    {
        // The remote sends, then FIN; host 0 takes the data slowly (attributes above), so
        // Disconnect may be indicated only once the target delivered all of it (A7).
        pair.Listen(1, 9, server);
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        down = ChimneyStreamEndpoint::Pattern(30000, 13);
        Simulator::Schedule(Seconds(0.5), [&server, &down]() {
            server.SendAll(down, [&server]() { server.GetSocket()->Close(); });
        });
        client.onEnd = [](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); };
    }
    else if (s == "capacity")
    {
        // Two connections on a target with room for one: the second offload must fail with
        // OFFLOAD_TCP_ENTRIES and the connection carry on in software (R5, E1).
        pair.Listen(1, 9, server);
        pair.Listen(1, 10, server2);
        socket = pair.Connect(0, 9, client, Seconds(0.1));
        pair.Connect(0, 10, client2, Seconds(0.2));
        up = ChimneyStreamEndpoint::Pattern(30000, 14);
        up2 = ChimneyStreamEndpoint::Pattern(30000, 15);
        for (ChimneyStreamEndpoint* e : {&server, &server2})
        {
            e->onEnd = [](ChimneyStreamEndpoint& end) { end.GetSocket()->Close(); };
        }
        Simulator::Schedule(Seconds(0.5), [&client, &client2, &up, &up2]() {
            client.SendAll(up, [&client]() { client.GetSocket()->Close(); });
            client2.SendAll(up2, [&client2]() { client2.GetSocket()->Close(); });
        });
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

    // What each scenario's applications must have seen: E1 (exactly the bytes, then end of
    // stream) or E2 (a prefix, then a reset), per stream.
    struct StreamCheck
    {
        const char* rule;
        const ChimneyStreamEndpoint* receiver;
        const std::vector<uint8_t>* sent;
        bool graceful;
    };

    std::vector<StreamCheck> checks;
    if (s == "abortive" || s == "abort-receiving")
    {
        checks.push_back({"E2 host0 -> host1", &server, &up, false});
    }
    else if (s == "remote-close" || s == "slow-receiver")
    {
        checks.push_back({"E1 host1 -> host0", &client, &down, true});
    }
    else
    {
        checks.push_back({"E1 host0 -> host1", &server, &up, true});
        if (s == "simultaneous" || s == "half-close")
        {
            checks.push_back({"E1 host1 -> host0", &client, &down, true});
        }
        if (s == "capacity")
        {
            checks.push_back({"E1 host0 -> host1 (second connection)", &server2, &up2, true});
        }
    }
    bool ok = true;
    for (const StreamCheck& check : checks)
    {
        std::string why;
        const bool passed = check.graceful ? check.receiver->CheckE1(*check.sent, &why)
                                           : check.receiver->CheckE2(*check.sent, &why);
        result.endToEnd += (result.endToEnd.empty() ? "" : "; ") + Check(check.rule, passed, why);
        ok = ok && passed;
    }
    result.endToEndOk = ok;
    Simulator::Destroy();
    return result;
}

} // namespace ns3
