/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The lifecycle benchmark's run of one mode: build N pairs, run every lifecycle, measure wall
// and CPU time, events, memory.

#include "lifecycle-run.h"

#include "lifecycle-workload.h"

#include <algorithm>
#include <ctime>
#include <fstream>
#include <malloc.h>
#include <sstream>

namespace chimney_bench
{

using namespace ns3;

/// A field of /proc/self/status in KiB (0 when unreadable).
uint64_t
StatusKiB(const char* field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(status, line))
    {
        if (line.compare(0, prefix.size(), prefix) == 0)
        {
            return std::stoull(line.substr(prefix.size()));
        }
    }
    return 0;
}

/// Reset VmHWM to the current RSS (Linux >= 4.0). \returns false if the kernel refused.
bool
ResetPeakRss()
{
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return static_cast<bool>(clear);
}

/// Bytes of heap in use (glibc).
uint64_t
HeapInUse()
{
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

double
Since(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// \returns CPU seconds the process has used (one thread: the simulation's)
double
CpuNow()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

Result
RunMode(const Mode& mode, const Options& o)
{
    malloc_trim(0); // give the previous mode's memory back, so RSS starts low
    ResetPeakRss();
    const uint64_t rssBefore = StatusKiB("VmRSS");
    const uint64_t heapBefore = HeapInUse();
    RngSeedManager::SetSeed(o.seed);
    RngSeedManager::SetRun(1);

    Result r;
    r.mode = mode;
    const auto setupStart = Clock::now();
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(o.dataRate));
    p2p.SetChannelAttribute("Delay", StringValue(o.delay));
    ChimneyHelper chimney;
    chimney.SetDeviceAttribute("InterruptModeration", StringValue(o.interruptModeration));
    ChimneyStackHelper stacks;
    InternetStackHelper internet;
    Counters counters;
    std::deque<Pair> pairs;
    NodeContainer allNodes;
    NetDeviceContainer chimneyDevices;
    for (uint32_t i = 0; i < o.pairs; ++i)
    {
        NodeContainer nodes;
        nodes.Create(2);
        allNodes.Add(nodes);
        NetDeviceContainer links = p2p.Install(nodes);
        NetDeviceContainer ipDevices;
        for (uint32_t side = 0; side < 2; ++side)
        {
            const bool isChimney = side == 0 ? mode.clientChimney : mode.serverChimney;
            if (isChimney)
            {
                Ptr<NetDevice> device = chimney.Install(NetDeviceContainer(links.Get(side))).Get(0);
                chimneyDevices.Add(device);
                ipDevices.Add(device);
            }
            else
            {
                ipDevices.Add(links.Get(side));
            }
        }
        internet.Install(nodes);
        std::ostringstream subnet;
        subnet << "10." << (i / 256) << "." << (i % 256) << ".0";
        Ipv4AddressHelper address(subnet.str().c_str(), "255.255.255.0");
        Ipv4InterfaceContainer ifaces = address.Assign(ipDevices);
        Pair& pair = pairs.emplace_back();
        pair.client = nodes.Get(0);
        pair.server = nodes.Get(1);
        pair.serverAddress = ifaces.GetAddress(1);
        pair.clientChimney = mode.clientChimney;
        pair.serverChimney = mode.serverChimney;
        pair.connections = o.connections;
        pair.bytes = o.bytes;
        pair.counters = &counters;
    }
    stacks.Install(chimneyDevices);
    Ptr<ChimneyVerifier> verifier;
    if (mode.verifier && chimneyDevices.GetN() > 0)
    {
        verifier = ChimneyVerifierHelper().Install(chimneyDevices);
        r.verifierAttached = true;
    }
    for (size_t i = 0; i < pairs.size(); ++i)
    {
        Pair& pair = pairs[i];
        pair.listener = Socket::CreateSocket(pair.server, Factory(pair.serverChimney));
        NS_ABORT_MSG_IF(pair.listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), 9)) != 0 ||
                            pair.listener->Listen() != 0,
                        "cannot listen on port 9");
        pair.listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                         MakeCallback(&Pair::Accept, &pair));
        // Pairs start 10 us apart so that their events interleave as in a real campaign.
        Simulator::Schedule(MicroSeconds(10) * static_cast<int64_t>(i), &Pair::StartNext, &pair);
    }
    // Bound: every lifecycle takes well under a second of simulated time; TIME_WAITs end too.
    Simulator::Stop(Seconds(1000 + 2.0 * o.connections));
    r.setupSeconds = Since(setupStart);

    const uint64_t eventsBefore = Simulator::GetEventCount();
    const ChimneyEventCounts kindsBefore = ChimneyEventCounts::Get();
    const auto runStart = Clock::now();
    const double cpuStart = CpuNow();
    Simulator::Run();
    r.runSeconds = Since(runStart);
    r.runCpuSeconds = CpuNow() - cpuStart;
    r.events = Simulator::GetEventCount() - eventsBefore;
    r.interfaceEvents = ChimneyEventCounts::Get().interface - kindsBefore.interface;
    r.timerEvents = ChimneyEventCounts::Get().timers - kindsBefore.timers;
    r.requestEvents = ChimneyEventCounts::Get().requests - kindsBefore.requests;
    r.upcallEvents = ChimneyEventCounts::Get().upcalls - kindsBefore.upcalls;
    r.hostEvents = ChimneyEventCounts::Get().host - kindsBefore.host;
    r.simSeconds = Simulator::Now().GetSeconds();
    if (verifier)
    {
        verifier->Finish();
        r.findings = verifier->GetFindingCount();
    }
    r.peakRssKiB = StatusKiB("VmHWM");
    r.rssDeltaKiB = static_cast<int64_t>(StatusKiB("VmRSS")) - static_cast<int64_t>(rssBefore);
    r.heapDeltaBytes = static_cast<int64_t>(HeapInUse()) - static_cast<int64_t>(heapBefore);

    r.lifecycles = static_cast<uint64_t>(o.pairs) * o.connections;
    r.completed = counters.completed;
    // Lifecycles never started or never finished (a stall) are failures too.
    r.failed = r.lifecycles - std::min(r.lifecycles, counters.completed);
    r.reasons = counters.reasons;
    if (counters.started < r.lifecycles)
    {
        r.reasons.push_back(std::to_string(r.lifecycles - counters.started) +
                            " lifecycles never started (a pair stalled)");
    }

    const auto destroyStart = Clock::now();
    verifier = nullptr;
    pairs.clear();
    Simulator::Destroy();
    r.destroySeconds = Since(destroyStart);
    return r;
}

} // namespace chimney_bench
