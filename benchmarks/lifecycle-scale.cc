/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The lifecycle benchmark's scale run (--scale=K): K concurrent offloaded connections over one
// chimney-chimney pair, the devices sampled when all are open.

#include "lifecycle-run.h"
#include "lifecycle-workload.h"

#include <fstream>
#include <iomanip>
#include <iostream>
#include <malloc.h>

namespace chimney_bench
{

using namespace ns3;

/// K concurrent offloaded connections over one chimney-chimney pair: all open (and offloaded)
/// by the hold point, where the devices are sampled; then each sends B bytes and closes.
/// One Pair (M = 1) per connection, so Lifecycle runs unchanged; server ports 9.. each take
/// 16,384 client ports (49152-65535).
int
RunScale(uint32_t k,
         const Options& o,
         bool withVerifier,
         uint32_t recvBuffer,
         const std::string& jsonPath)
{
    const uint32_t perListener = 16384; // client ports 49152-65535 against each server port
    const uint32_t listeners = (k + perListener - 1) / perListener;
    const Time spacing = MicroSeconds(5);
    const Time hold = spacing * static_cast<int64_t>(k) + Seconds(1);

    malloc_trim(0);
    ResetPeakRss();
    const uint64_t rssBefore = StatusKiB("VmRSS");
    const uint64_t heapBefore = HeapInUse();
    RngSeedManager::SetSeed(o.seed);
    const auto start = Clock::now();

    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(o.dataRate));
    p2p.SetChannelAttribute("Delay", StringValue(o.delay));
    NetDeviceContainer links = p2p.Install(nodes);
    ChimneyHelper chimney;
    chimney.SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(k));
    NetDeviceContainer devices = chimney.Install(links);
    InternetStackHelper internet;
    internet.Install(nodes);
    Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer ifaces = address.Assign(devices);
    ChimneyStackHelper stacks;
    // Posted receive buffers are host payload memory (4 x 16 KiB per connection by default):
    // one small buffer per connection keeps 2 x K connections within the machine's memory.
    stacks.SetStackAttribute("ReceiveBufferSize", UintegerValue(recvBuffer));
    stacks.SetStackAttribute("ReceiveBuffersPosted", UintegerValue(1));
    stacks.Install(devices);
    Ptr<ChimneyVerifier> verifier;
    if (withVerifier)
    {
        verifier = ChimneyVerifierHelper().Install(devices);
    }

    Counters counters;
    std::deque<Pair> conns;
    std::vector<Ptr<Socket>> listenerSockets;
    for (uint32_t l = 0; l < listeners; ++l)
    {
        Ptr<Socket> s = Socket::CreateSocket(nodes.Get(1), ChimneySocketFactory::GetTypeId());
        NS_ABORT_MSG_IF(s->Bind(InetSocketAddress(Ipv4Address::GetAny(), 9 + l)) != 0 ||
                            s->Listen() != 0,
                        "cannot listen");
        listenerSockets.push_back(s);
    }

    struct Router
    {
        std::deque<Pair>* conns;
        uint16_t listenerPort;

        void Accept(Ptr<Socket> socket, const Address& from)
        {
            const uint16_t port = InetSocketAddress::ConvertFrom(from).GetPort();
            const uint32_t i = (listenerPort - 9u) * 16384u + (port - 49152u);
            (*conns)[i].lifecycles.back().Accepted(socket);
        }
    };

    std::deque<Router> routers;
    for (uint32_t l = 0; l < listeners; ++l)
    {
        routers.push_back(Router{&conns, static_cast<uint16_t>(9 + l)});
        listenerSockets[l]->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                              MakeCallback(&Router::Accept, &routers.back()));
    }
    Ptr<ChimneyNetDevice> clientDevice = DynamicCast<ChimneyNetDevice>(devices.Get(0));
    Ptr<ChimneyNetDevice> serverDevice = DynamicCast<ChimneyNetDevice>(devices.Get(1));
    for (uint32_t i = 0; i < k; ++i)
    {
        Pair& p = conns.emplace_back();
        p.client = nodes.Get(0);
        p.server = nodes.Get(1);
        p.serverAddress = ifaces.GetAddress(1);
        p.clientChimney = p.serverChimney = true;
        p.connections = 1;
        p.bytes = o.bytes;
        p.counters = &counters;
    }
    uint64_t offloadedAtHold[2] = {0, 0};
    uint64_t ledgerBytesAtHold[2] = {0, 0};
    uint64_t hostOffloadedAtHold[2] = {0, 0};
    uint64_t hostOpenAtHold[2] = {0, 0};
    uint64_t heapAtHold = 0;
    uint64_t trackedAtHold = 0;
    double wallAtHold = 0;
    Simulator::Schedule(hold, [&]() {
        offloadedAtHold[0] = clientDevice->GetOffloadedConnectionCount();
        offloadedAtHold[1] = serverDevice->GetOffloadedConnectionCount();
        ledgerBytesAtHold[0] = clientDevice->GetResourceBytesHeld();
        ledgerBytesAtHold[1] = serverDevice->GetResourceBytesHeld();
        for (uint32_t n = 0; n < 2; ++n)
        {
            Ptr<ChimneyHostStack> stack = ChimneyStackHelper::GetStack(nodes.Get(n));
            hostOffloadedAtHold[n] = stack->GetOffloadedConnectionCount();
            hostOpenAtHold[n] = stack->GetOpenConnectionCount();
        }
        heapAtHold = HeapInUse();
        trackedAtHold = verifier ? verifier->GetTrackedConnectionCount() : 0;
        wallAtHold = Since(start);
    });
    for (uint32_t i = 0; i < k; ++i)
    {
        Pair* p = &conns[i];
        p->lifecycles.emplace_back(p, 0);
        const uint16_t localPort = static_cast<uint16_t>(49152 + i % perListener);
        const uint16_t remotePort = static_cast<uint16_t>(9 + i / perListener);
        // Connect at i * spacing; send and close at hold + i * spacing, when all are open.
        const Time connectAt = spacing * static_cast<int64_t>(i);
        Simulator::Schedule(connectAt, [p, localPort, remotePort, sendAt = hold + connectAt]() {
            p->lifecycles.back().StartBound(localPort, remotePort, sendAt);
        });
    }
    Simulator::Stop(hold + spacing * static_cast<int64_t>(k) + Seconds(600));
    Simulator::Run();
    const double wall = Since(start);
    const uint64_t events = Simulator::GetEventCount();
    if (verifier)
    {
        verifier->Finish();
    }
    const uint64_t findings = verifier ? verifier->GetFindingCount() : 0;
    const uint64_t peak = StatusKiB("VmHWM");
    const uint64_t failed = k - std::min<uint64_t>(k, counters.completed);

    const double heapPerConnection =
        (static_cast<double>(heapAtHold) - static_cast<double>(heapBefore)) / k;
    const double ledgerPerConnection = static_cast<double>(ledgerBytesAtHold[0]) / k;
    std::ostringstream out;
    out << "Scale run: " << k << " concurrent connections, chimney-chimney, one p2p pair, verifier "
        << (withVerifier ? "on" : "off") << ", one " << recvBuffer
        << "-byte receive buffer posted per connection and host\n"
        << "  offloaded at the hold point: client device " << offloadedAtHold[0]
        << ", server device " << offloadedAtHold[1] << " (of " << k << "); host stacks: open "
        << hostOpenAtHold[0] << " / " << hostOpenAtHold[1] << ", offloaded "
        << hostOffloadedAtHold[0] << " / " << hostOffloadedAtHold[1] << "\n"
        << "  device state per offloaded connection (excl. payload): "
        << ChimneyNetDevice::GetConnectionStateSize() << " bytes (GetConnectionStateSize), "
        << ledgerPerConnection << " bytes (resource ledger / connection)\n"
        << "  process heap per connection at the hold point (2 host stacks + 2 devices + sockets"
        << (withVerifier ? " + verifier" : "") << "): " << heapPerConnection << " bytes\n"
        << "  peak RSS " << peak / 1024 << " MiB (start " << rssBefore / 1024 << " MiB); wall "
        << wallAtHold << " s to open all, " << wall << " s in total; " << events << " events\n"
        << "  lifecycles completed " << counters.completed << ", failed " << failed
        << ", verifier findings " << findings << " (tracked " << trackedAtHold << ")\n";
    for (const std::string& why : counters.reasons)
    {
        out << "  failure: " << why << "\n";
    }
    std::cout << out.str();
    if (!jsonPath.empty())
    {
        std::ofstream json(jsonPath);
        json << "{\n  \"benchmark\": \"chimney-scale\",\n  \"connections\": " << k
             << ",\n  \"verifier\": " << (withVerifier ? "true" : "false")
             << ",\n  \"receiveBufferBytes\": " << recvBuffer << ",\n  \"offloadedAtHold\": ["
             << offloadedAtHold[0] << ", " << offloadedAtHold[1]
             << "],\n  \"connectionStateSizeBytes\": " << ChimneyNetDevice::GetConnectionStateSize()
             << ",\n  \"ledgerBytesPerConnection\": " << ledgerPerConnection
             << ",\n  \"processHeapBytesPerConnection\": " << heapPerConnection
             << ",\n  \"peakRssKiB\": " << peak << ",\n  \"wallSecondsToOpenAll\": " << wallAtHold
             << ",\n  \"wallSeconds\": " << wall << ",\n  \"events\": " << events
             << ",\n  \"completed\": " << counters.completed << ",\n  \"failed\": " << failed
             << ",\n  \"findings\": " << findings << "\n}\n";
    }
    conns.clear();
    verifier = nullptr;
    Simulator::Destroy();
    const bool allOffloaded = offloadedAtHold[0] == k && offloadedAtHold[1] == k;
    return failed == 0 && findings == 0 && allOffloaded ? 0 : 1;
}

} // namespace chimney_bench
