/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The lifecycle scenarios of RunChimneyLifecycle(), one entry each: to add a scenario, write
// its Start function (and a Configure one if it needs attributes) and add a row to the registry
// at the end of this file.

#include "chimney-lifecycle-scenario.h"

#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-intermediate-driver.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-probe-protocol.h"
#include "ns3/chimney-socket.h"
#include "ns3/chimney-timeline.h"
#include "ns3/error-model.h"
#include "ns3/pointer.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

namespace ns3
{

ChimneyLifecycleRun::ChimneyLifecycleRun(ChimneyPairBuilder& p,
                                         Ptr<ChimneyVerifier> v,
                                         ChimneyTimeline* t)
    : pair(p),
      verifier(v),
      timeline(t)
{
}

namespace
{

using Endpoint = ChimneyStreamEndpoint;

void
CloseOnEnd(Endpoint& e)
{
    e.GetSocket()->Close();
}

// The first connection: host 1 listens on port 9, host 0 connects at 0.1 s.
void
OpenConnection(ChimneyLifecycleRun& r)
{
    r.pair.Listen(1, 9, r.server);
    r.socket = r.pair.Connect(0, 9, r.client, Seconds(0.1));
}

// Sends, then a graceful disconnect whose data is the last 1,000 bytes.
void
StartGraceful(ChimneyLifecycleRun& r)
{
    OpenConnection(r);
    r.server->SetEndCallback(CloseOnEnd);
    const std::vector<uint8_t> data = Endpoint::Pattern(20000, 1);
    const std::vector<uint8_t> finalData = Endpoint::Pattern(1000, 2);
    Simulator::Schedule(Seconds(0.5), [&r, data, finalData]() {
        r.client->SendAll(data, [&r, finalData]() {
            DynamicCast<ChimneySocket>(r.socket)->Disconnect(finalData);
        });
    });
    r.up = data;
    r.up.insert(r.up.end(), finalData.begin(), finalData.end());
    r.stop = Seconds(60);
    r.checks.push_back({"E1 host0 -> host1", r.server, &r.up, true});
}

// Graceful, with host 0's stack reaching its device through two intermediate driver layers:
// device <- lbfo <- filter <- host stack, 10 us per layer each way.
void
StartIntermediate(ChimneyLifecycleRun& r)
{
    Ptr<ChimneyNetDevice> device = DynamicCast<ChimneyNetDevice>(r.pair.GetChimneyDevices().Get(0));
    Ptr<ChimneyIntermediateDriver> lbfo = CreateObject<ChimneyIntermediateDriver>();
    Ptr<ChimneyIntermediateDriver> filter = CreateObject<ChimneyIntermediateDriver>();
    for (auto layer : {lbfo, filter})
    {
        layer->SetAttribute("LayerLatency", TimeValue(MicroSeconds(10)));
        r.verifier->AttachIntermediateDriver(layer);
    }
    lbfo->SetLowerLayer(PeekPointer(device));
    filter->SetLowerLayer(lbfo->AddUpperProtocol(PeekPointer(filter), "filter"));
    Ptr<ChimneyHostStack> stack = r.pair.GetStack(0);
    stack->SetLowerLayer(filter->AddUpperProtocol(PeekPointer(stack), "tcpip"));
    if (r.timeline)
    {
        r.timeline->AttachLayer("filter", filter);
        r.timeline->AttachLayer("lbfo", lbfo);
    }
    StartGraceful(r);
}

// Abort with sends outstanding.
void
StartAbortive(ChimneyLifecycleRun& r)
{
    OpenConnection(r);
    r.up = Endpoint::Pattern(400000, 3);
    Simulator::Schedule(Seconds(0.5), [&r]() { r.client->SendAll(r.up); });
    Simulator::Schedule(Seconds(0.6), [&r]() { DynamicCast<ChimneySocket>(r.socket)->Abort(); });
    r.checks.push_back({"E2 host0 -> host1", r.server, &r.up, false});
}

// Upload mid-transfer; the connection finishes in software.
void
StartTerminate(ChimneyLifecycleRun& r)
{
    OpenConnection(r);
    r.server->SetEndCallback(CloseOnEnd);
    r.up = Endpoint::Pattern(400000, 4);
    Simulator::Schedule(Seconds(0.5),
                        [&r]() { r.client->SendAll(r.up, [&r]() { r.socket->Close(); }); });
    Ptr<ChimneyHostStack> stack = r.pair.GetStack(0);
    Simulator::Schedule(Seconds(0.7), [&r, stack]() {
        stack->Terminate(DynamicCast<ChimneySocket>(r.socket)->GetHandle());
    });
    r.stop = Seconds(60);
    r.checks.push_back({"E1 host0 -> host1", r.server, &r.up, true});
}

// The remote sends, then FIN; host 0 answers with data; the remote closes with unread data
// (ns-3 then sends RST).
void
StartRemoteClose(ChimneyLifecycleRun& r)
{
    r.server->SetRead(false);
    OpenConnection(r);
    r.down = Endpoint::Pattern(100000, 5);
    Simulator::Schedule(Seconds(0.5), [&r]() {
        r.server->SendAll(r.down, [&r]() { r.server->GetSocket()->ShutdownSend(); });
    });
    r.client->SetEndCallback([](Endpoint& e) {
        if (e.GetEnd() == Endpoint::End::FIN)
        {
            e.SendAll(Endpoint::Pattern(20000, 6));
        }
    });
    Simulator::Schedule(Seconds(1.5), [&r]() { r.server->GetSocket()->Close(); });
    r.checks.push_back({"E1 host1 -> host0", r.client, &r.down, true});
}

// Both hosts offload, send, and close at the same time.
void
StartSimultaneous(ChimneyLifecycleRun& r)
{
    r.pair.Listen(1, 9, r.server);
    r.pair.Connect(0, 9, r.client, Seconds(0.1));
    r.up = Endpoint::Pattern(50000, 7);
    r.down = Endpoint::Pattern(50000, 8);
    Simulator::Schedule(Seconds(0.5), [&r]() {
        r.client->SendAll(r.up);
        r.server->SendAll(r.down);
    });
    Simulator::Schedule(Seconds(1.0), [&r]() {
        r.client->GetSocket()->Close();
        r.server->GetSocket()->Close();
    });
    r.checks.push_back({"E1 host0 -> host1", r.server, &r.up, true});
    r.checks.push_back({"E1 host1 -> host0", r.client, &r.down, true});
}

// The host sees the abortive disconnect's completion, and terminates, only 5 ms after the RST:
// the remote's segments in flight meanwhile reach the target (W5, W6).
void
ConfigureAbortReceiving(ChimneyPairBuilder& pair)
{
    pair.Chimney().SetDeviceAttribute("CompletionLatency", TimeValue(MilliSeconds(5)));
}

// The remote sends in bulk (host 0 only a little, so that the remote is never starved of the
// CSMA channel), then host 0 aborts: the remote's data still in flight reaches the target after
// its RST, and must be neither acknowledged nor delivered (W5, W6).
void
StartAbortReceiving(ChimneyLifecycleRun& r)
{
    OpenConnection(r);
    r.up = Endpoint::Pattern(5000, 9);
    r.down = Endpoint::Pattern(1000000, 10);
    Simulator::Schedule(Seconds(0.5), [&r]() {
        r.client->SendAll(r.up);
        r.server->SendAll(r.down);
    });
    Simulator::Schedule(Seconds(0.6), [&r]() { DynamicCast<ChimneySocket>(r.socket)->Abort(); });
    r.checks.push_back({"E2 host0 -> host1", r.server, &r.up, false});
}

// Host 0 sends, then closes its send half (FIN); the remote answers only after that FIN, then
// closes: the target's receive half must stay open (W7, E1).
void
StartHalfClose(ChimneyLifecycleRun& r)
{
    OpenConnection(r);
    r.up = Endpoint::Pattern(20000, 11);
    r.down = Endpoint::Pattern(50000, 12);
    r.server->SetEndCallback([&r](Endpoint& e) {
        if (e.GetEnd() == Endpoint::End::FIN)
        {
            e.SendAll(r.down, [&e]() { e.GetSocket()->Close(); });
        }
    });
    Simulator::Schedule(Seconds(0.5),
                        [&r]() { r.client->SendAll(r.up, [&r]() { r.socket->ShutdownSend(); }); });
    r.checks.push_back({"E1 host0 -> host1", r.server, &r.up, true});
    r.checks.push_back({"E1 host1 -> host0", r.client, &r.down, true});
}

// One small receive buffer at a time and a host slow to see completions: the remote's data
// waits in the target, and its FIN arrives before that data is delivered (A7).
void
ConfigureSlowReceiver(ChimneyPairBuilder& pair)
{
    pair.Stacks().SetStackAttribute("ReceiveBuffersPosted", UintegerValue(1));
    pair.Stacks().SetStackAttribute("ReceiveBufferSize", UintegerValue(1024));
    pair.Chimney().SetDeviceAttribute("CompletionLatency", TimeValue(MilliSeconds(2)));
}

// The remote sends, then FIN; host 0 takes the data slowly, so Disconnect may be indicated only
// once the target delivered all of it (A7).
void
StartSlowReceiver(ChimneyLifecycleRun& r)
{
    OpenConnection(r);
    r.down = Endpoint::Pattern(30000, 13);
    Simulator::Schedule(Seconds(0.5), [&r]() {
        r.server->SendAll(r.down, [&r]() { r.server->GetSocket()->Close(); });
    });
    r.client->SetEndCallback(CloseOnEnd);
    r.checks.push_back({"E1 host1 -> host0", r.client, &r.down, true});
}

// Room for one offloaded connection: the second stays in software (R5).
void
ConfigureCapacity(ChimneyPairBuilder& pair)
{
    pair.Chimney().SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(1));
}

// Two connections on a target with room for one: the second offload must fail with
// OFFLOAD_TCP_ENTRIES and the connection carry on in software (R5, E1).
void
StartCapacity(ChimneyLifecycleRun& r)
{
    r.pair.Listen(1, 9, r.server);
    r.pair.Listen(1, 10, r.server2);
    r.socket = r.pair.Connect(0, 9, r.client, Seconds(0.1));
    r.pair.Connect(0, 10, r.client2, Seconds(0.2));
    r.up = Endpoint::Pattern(30000, 14);
    r.up2 = Endpoint::Pattern(30000, 15);
    for (const Ptr<Endpoint>& e : {r.server, r.server2})
    {
        e->SetEndCallback(CloseOnEnd);
    }
    Simulator::Schedule(Seconds(0.5), [&r]() {
        r.client->SendAll(r.up, [&r]() { r.client->GetSocket()->Close(); });
        r.client2->SendAll(r.up2, [&r]() { r.client2->GetSocket()->Close(); });
    });
    r.checks.push_back({"E1 host0 -> host1", r.server, &r.up, true});
    r.checks.push_back({"E1 host0 -> host1 (second connection)", r.server2, &r.up2, true});
}

/// Drops the n-th frame of more than minSize bytes it sees (a data segment): a hole on the wire.
class DropNthLongFrame : public ErrorModel
{
  public:
    /// \param n which frame (1: the first) \param minSize longer than this
    void Set(uint32_t n, uint32_t minSize)
    {
        m_n = n;
        m_minSize = minSize;
    }

  private:
    bool DoCorrupt(Ptr<Packet> p) override
    {
        return p->GetSize() > m_minSize && ++m_seen == m_n;
    }

    void DoReset() override
    {
        m_seen = 0;
    }

    uint32_t m_n{0};       //!< which frame
    uint32_t m_minSize{0}; //!< longer than this
    uint32_t m_seen{0};    //!< long frames seen
};

// Host 0 writes 1,000 bytes per send call, so that many send NBLs are outstanding at once (A4:
// each acknowledgement completes several, in posting order); the remote sends too, and its
// fifth data segment is lost on the way in (a hole, W9); the host terminates mid-transfer with
// sends outstanding (A9: the send chain returns them in posting order) and finishes in
// software (E1 both ways).
void
StartSeveralSends(ChimneyLifecycleRun& r)
{
    OpenConnection(r);
    r.client->SetAttribute("WriteSize", UintegerValue(1000));
    r.server->SetEndCallback(CloseOnEnd);
    Ptr<DropNthLongFrame> drop = CreateObject<DropNthLongFrame>();
    drop->Set(5, 300);
    r.pair.GetLinkDevices().Get(0)->SetAttribute("ReceiveErrorModel", PointerValue(drop));
    r.up = Endpoint::Pattern(400000, 16);
    r.down = Endpoint::Pattern(100000, 17);
    Simulator::Schedule(Seconds(0.5), [&r]() {
        r.client->SendAll(r.up, [&r]() { r.socket->Close(); });
        r.server->SendAll(r.down);
    });
    Ptr<ChimneyHostStack> stack = r.pair.GetStack(0);
    Simulator::Schedule(Seconds(0.7), [&r, stack]() {
        stack->Terminate(DynamicCast<ChimneySocket>(r.socket)->GetHandle());
    });
    r.stop = Seconds(60);
    r.checks.push_back({"E1 host0 -> host1", r.server, &r.up, true});
    r.checks.push_back({"E1 host1 -> host0", r.client, &r.down, true});
}

// Graceful, with host 0's stack and a second upper protocol (ChimneyProbeProtocol, an idle
// offloaded connection of its own with receives posted) on one intermediate driver: both
// number their NBLs from 1, so the driver must route every completion by the context stored
// with the NBL (A11). The probe terminates its connection at 5 s, after the host's is done.
void
StartTwoUppers(ChimneyLifecycleRun& r)
{
    Ptr<ChimneyNetDevice> device = DynamicCast<ChimneyNetDevice>(r.pair.GetChimneyDevices().Get(0));
    Ptr<ChimneyIntermediateDriver> layer = CreateObject<ChimneyIntermediateDriver>();
    r.verifier->AttachIntermediateDriver(layer);
    layer->SetLowerLayer(PeekPointer(device));
    Ptr<ChimneyHostStack> stack = r.pair.GetStack(0);
    stack->SetLowerLayer(layer->AddUpperProtocol(PeekPointer(stack), "tcpip"));
    Ptr<ChimneyProbeProtocol> probe = Create<ChimneyProbeProtocol>();
    probe->SetLower(layer->AddUpperProtocol(PeekPointer(probe), "probe"));
    if (r.timeline)
    {
        r.timeline->AttachLayer("layer", layer);
    }
    const Address remoteLink = r.pair.GetLinkDevices().Get(1)->GetAddress();
    Simulator::Schedule(Seconds(0.3), [&r, probe, remoteLink]() {
        probe->Offload(r.pair.GetAddress(0), 7000, r.pair.GetAddress(1), 7001, remoteLink, 3, 1000);
    });
    Simulator::Schedule(Seconds(5), [probe]() { probe->Terminate(); });
    // Keeps the probe alive as long as the simulation (the layer holds it by raw pointer).
    Simulator::Schedule(Seconds(100000), [probe]() {});
    StartGraceful(r);
}

} // namespace

const std::vector<ChimneyLifecycleScenario>&
ChimneyLifecycleScenarioRegistry()
{
    // name, description, chimney peer, configure, start
    static const std::vector<ChimneyLifecycleScenario> registry = {
        {"graceful", "sends, then a graceful disconnect with data", false, {}, StartGraceful},
        {"abortive", "abort with sends outstanding", false, {}, StartAbortive},
        {"terminate", "upload mid-transfer, finished in software", false, {}, StartTerminate},
        {"remote-close", "remote FIN, then RST", false, {}, StartRemoteClose},
        {"simultaneous", "chimney-to-chimney simultaneous close", true, {}, StartSimultaneous},
        {"intermediate",
         "graceful through two intermediate driver layers",
         false,
         {},
         StartIntermediate},
        {"abort-receiving",
         "abort while the remote is sending: its data arrives after the RST",
         false,
         ConfigureAbortReceiving,
         StartAbortReceiving},
        {"half-close",
         "our FIN, then the remote sends before its own FIN",
         false,
         {},
         StartHalfClose},
        {"slow-receiver",
         "one small receive buffer posted at a time and slow completions: the remote FIN "
         "arrives before its data is delivered",
         false,
         ConfigureSlowReceiver,
         StartSlowReceiver},
        {"capacity",
         "two connections, MaxOffloadedConnections 1: the second stays in software",
         false,
         ConfigureCapacity,
         StartCapacity},
        {"several-sends",
         "1,000-byte writes (many send NBLs outstanding), a remote segment lost, upload "
         "mid-transfer",
         false,
         {},
         StartSeveralSends},
        {"two-uppers",
         "graceful through an intermediate driver with a second upper protocol on it",
         false,
         {},
         StartTwoUppers},
    };
    return registry;
}

const ChimneyLifecycleScenario*
ChimneyFindLifecycleScenario(const std::string& name)
{
    for (const ChimneyLifecycleScenario& scenario : ChimneyLifecycleScenarioRegistry())
    {
        if (scenario.name == name)
        {
            return &scenario;
        }
    }
    return nullptr;
}

} // namespace ns3
