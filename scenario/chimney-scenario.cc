/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// RunChimneyScenario: build the network, the workload, the verifier and the fault injector
// from one config and one seed, run to the end, collect the result, destroy the simulation.

#include "chimney-scenario.h"

#include "chimney-scenario-shards.h"
#include "chimney-scenario-topology.h"
#include "chimney-scenario-workload.h"

#include "ns3/boolean.h"
#include "ns3/chimney-fault-injector.h"
#include "ns3/chimney-heap-scheduler.h"
#include "ns3/chimney-verifier-helper.h"
#include "ns3/global-value.h"
#include "ns3/map-scheduler.h"
#include "ns3/node-list.h"
#include "ns3/object-factory.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/type-id.h"

#include <chrono>
#include <memory>
#include <sys/resource.h>

namespace ns3
{

namespace
{

// Named random streams: every random choice of a run comes from these ranges, so one seed
// decides the run and adding hosts never shifts the workload's streams.
constexpr int64_t kWorkloadStreams = 0;      //!< "workload.*" (ChimneyScenarioWorkload)
constexpr int64_t kTopologyStreams = 100;    //!< ARP, IPv4, CSMA backoff, ISS of the stacks
constexpr int64_t kFaultStreams = 1LL << 40; //!< the fault injector

/// TIME_WAIT of the host stacks and targets: long enough to absorb a lost last ACK, short
/// enough that a campaign does not simulate minutes of idle connections.
const Time kTimeWait = Seconds(2);

/// FIN_WAIT_2 timer of the host stacks (handed to the targets): a host whose FIN was
/// acknowledged by a peer that then crashed (peer.crash) hears nothing more, and without this
/// timer would wait in FIN_WAIT_2 until stopTime with its receives still posted (R4).
const Time kFinWait2Timeout = Seconds(60);

/// After the drain, time for the chimney peers' terminates (StopPeers) to complete: a few
/// microseconds of request and completion latency, with a wide margin.
const Time kPeerTerminateSettle = MilliSeconds(10);

uint64_t
PeakRssBytes()
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
    {
        return 0;
    }
    return static_cast<uint64_t>(usage.ru_maxrss) * 1024; // Linux: kilobytes
}

/// What a run keeps alive until the simulation is destroyed (their traces are hooked into
/// the nodes).
struct SimulationObjects
{
    std::unique_ptr<ChimneyScenarioWorkload> workload;
    Ptr<ChimneyVerifier> verifier;
    Ptr<ChimneyFaultInjector> injector;
};

/// Everything of a run after the network is built: workload, verifier, faults, the run
/// itself and its result. `shard` is null in a single-process run; in a shard of a sharded run
/// (RunChimneyShards), only the topology's own hosts run, the end waits for every shard, and
/// result.events counts this shard's island events only.
void
SimulateBuilt(const ChimneyScenarioConfig& config,
              ChimneyScenarioTopology& topology,
              bool layered,
              ChimneyShardChannel* shard,
              const std::function<void(const ChimneyScenarioProgress&)>& progress,
              double progressEvery,
              SimulationObjects& keep,
              ChimneyScenarioResult& result)
{
    using Clock = std::chrono::steady_clock;
    keep.workload = std::make_unique<ChimneyScenarioWorkload>(config);
    ChimneyScenarioWorkload& workload = *keep.workload;
    workload.AssignStreams(kWorkloadStreams);
    workload.Install(topology);

    Ptr<ChimneyVerifier>& verifier = keep.verifier;
    if (config.verifier)
    {
        // Every offload target of the run (of this shard): the offloading hosts', then the
        // chimney peers'.
        NetDeviceContainer watched;
        const auto& hosts = topology.GetHosts();
        for (uint32_t i = 0; i < hosts.size(); ++i)
        {
            if (topology.Owns(i))
            {
                watched.Add(hosts[i].device);
            }
        }
        const auto& peers = topology.GetPeers();
        for (uint32_t i = 0; i < peers.size() && config.verifyPeers; ++i)
        {
            if (peers[i].device && topology.OwnsPeer(i))
            {
                watched.Add(peers[i].device);
            }
        }
        verifier = ChimneyVerifierHelper().Install(watched);
        for (uint32_t i = 0; i < hosts.size(); ++i)
        {
            if (hosts[i].layer && topology.Owns(i))
            {
                verifier->AttachIntermediateDriver(hosts[i].layer);
            }
        }
    }

    Ptr<ChimneyFaultInjector>& injector = keep.injector;
    result.faultsConfigured = config.faults.ConfiguredKinds();
    if (!result.faultsConfigured.empty())
    {
        injector = CreateObject<ChimneyFaultInjector>();
        injector->SetPlan(config.faults);
        injector->AssignStreams(kFaultStreams); // before attaching: attaching draws
        const auto& peers = topology.GetPeers();
        for (const auto& h : topology.GetHosts())
        {
            injector->AttachLink(h.link, h.far, peers[h.peer].node);
            injector->AttachTarget(h.device);
            injector->AttachHost(h.stack);
        }
        if (verifier)
        {
            verifier->AttachFaultInjector(injector); // host.misuse is expected, not a finding
        }
        injector->TraceConnectWithoutContext(
            "Fault",
            Callback<void, std::string, uint32_t, std::string>(
                [&workload](std::string kind, uint32_t node, std::string detail) {
                    workload.NoteFault(kind, node, detail);
                }));
    }

    if (!config.pcapDir.empty())
    {
        topology.EnablePcap(config.pcapDir,
                            config.pcapHosts.empty() ? std::vector<uint32_t>{0} : config.pcapHosts);
    }

    // Progress: checked at deterministic points (samples, closes), decided by the wall clock;
    // it never schedules anything, so it cannot change the run.
    Clock::time_point lastProgress = Clock::now();
    auto maybeProgress = [&]() {
        if (!progress)
        {
            return;
        }
        const Clock::time_point now = Clock::now();
        if (std::chrono::duration<double>(now - lastProgress).count() < progressEvery)
        {
            return;
        }
        lastProgress = now;
        ChimneyScenarioProgress p;
        p.simTime = Simulator::Now().GetSeconds();
        p.connectionsClosed = workload.GetClosed();
        p.connections = workload.GetTotal();
        p.findings = verifier ? verifier->GetFindingCount() : 0;
        progress(p);
    };

    // The run ends when every connection ended on its host stack, after a drain that lets the
    // last FIN/RST reach the peers (E2 is decided there), or at stopTime. Chimney peers then
    // upload what they still hold offloaded (a connection whose RST or last ACK was lost, or
    // that the host let go of, never hears more) and the run stops once those terminates
    // completed: every offload of the run is terminated (R4), the peers' too.
    // Events every shard of a sharded run executes alike (samples, probe start, the end's):
    // counted, so that the merged run counts them once.
    uint64_t controlEvents = 0;
    const Time drain = Seconds(1) + config.delay * 10;
    const bool chimneyPeers = config.peer == "chimney";
    auto endRun = [&]() {
        topology.StopProbes(); // terminated within the drain
        if (chimneyPeers)
        {
            Simulator::Schedule(drain, [&topology, &controlEvents]() {
                ++controlEvents;
                topology.StopPeers();
                Simulator::Stop(kPeerTerminateSettle);
            });
        }
        else
        {
            Simulator::Stop(drain);
        }
    };
    bool stopping = false;
    workload.onClosed = [&]() {
        if (!stopping && workload.GetClosed() == workload.GetTotal())
        {
            stopping = true;
            if (shard)
            {
                Simulator::Stop(); // pause: the end waits for every shard's last connection
            }
            else
            {
                endRun();
            }
        }
        maybeProgress();
    };

    const auto& hosts = topology.GetHosts();
    std::function<void()> sample = [&]() {
        ++controlEvents;
        ChimneyScenarioSample s;
        s.time = Simulator::Now().GetSeconds();
        for (uint32_t i = 0; i < hosts.size(); ++i)
        {
            if (!topology.Owns(i))
            {
                continue; // another shard's (not built here)
            }
            const auto& h = hosts[i];
            s.open += h.stack->GetOpenConnectionCount();
            s.offloaded += h.stack->GetOffloadedConnectionCount();
            s.resourcesHeld += h.device->GetResourcesHeld();
            s.resourceBytesHeld += h.device->GetResourceBytesHeld();
        }
        result.series.push_back(s);
        maybeProgress();
        Simulator::Schedule(config.sampleInterval, sample);
    };
    if (config.sampleInterval.IsStrictlyPositive())
    {
        Simulator::Schedule(Time(0), sample);
    }

    if (layered)
    {
        Simulator::Schedule(Time(0), [&topology, &controlEvents]() {
            ++controlEvents;
            topology.StartProbes();
        });
    }

    Simulator::Stop(config.stopTime);
    Simulator::Run();
    uint64_t resumeEvents = 0;
    if (shard)
    {
        const Time now = Simulator::Now();
        const Time last = shard->AwaitLastClose(stopping ? now : Time(-1));
        if (!last.IsNegative())
        {
            // Every shard ended its connections: the end starts at the last one's time.
            if (last == now)
            {
                endRun();
            }
            else
            {
                Simulator::Schedule(last - now, endRun);
                resumeEvents = 1;
            }
            Simulator::Run();
        }
        else if (stopping)
        {
            Simulator::Run(); // another shard reached stopTime with connections open: so do we
        }
    }

    result.simTime = Simulator::Now().GetSeconds();
    result.events = Simulator::GetEventCount();
    if (verifier)
    {
        verifier->Finish();
        result.findingCounts = verifier->GetCounts();
        result.findingTotal = verifier->GetFindingCount();
        result.findings = verifier->GetFindings();
        result.exercised = verifier->GetExercised();
    }
    if (injector)
    {
        result.faultsFired = injector->GetFired();
    }
    else
    {
        for (const auto& kind : ChimneyFaultPlan::Kinds())
        {
            result.faultsFired[kind] = 0;
        }
    }
    workload.Finish();
    result.records = std::move(workload.Records());
    if (shard)
    {
        // Events every shard counts alike, once in the merged run: every node's start (each
        // shard has every node, its own islands' built), the control events and the stop that
        // ended the run.
        const uint64_t global = NodeList::GetNNodes() + controlEvents + 1;
        result.events -= resumeEvents + global;
        result.peakRssBytes = PeakRssBytes();
        shard->SendResult(result, global, [&topology](uint32_t host) {
            return topology.Owns(host);
        });
    }
    workload.Release();
}

/// Build the scenario's network into `topology`, layered hosts and random streams included.
/// \returns true when hosts were layered
bool
BuildNetwork(const ChimneyScenarioConfig& config, ChimneyScenarioTopology& topology)
{
    topology.Chimney().SetDeviceAttribute("TimeWait", TimeValue(kTimeWait));
    topology.Chimney().SetDeviceAttribute("Defect", StringValue(config.defect));
    topology.PeerChimney().SetDeviceAttribute("TimeWait", TimeValue(kTimeWait));
    topology.PeerChimney().SetDeviceAttribute("Defect", StringValue(config.peerDefect));
    topology.Stacks().SetStackAttribute("TimeWait", TimeValue(kTimeWait));
    topology.Stacks().SetStackAttribute("FinWait2Timeout", TimeValue(kFinWait2Timeout));
    topology.Stacks().SetStackAttribute("OffloadPolicy", StringValue(config.offloadPolicy));
    std::string error;
    const bool built = topology.Build(config.topology,
                                      config.hosts,
                                      config.segmentHosts,
                                      config.peer == "chimney",
                                      config.dataRate,
                                      config.delay,
                                      &error);
    NS_ABORT_MSG_IF(!built, "RunChimneyScenario: " << error); // Validate() checked the same
    const bool layered = topology.AddLayers(config.layeredFraction) > 0;
    topology.AssignStreams(kTopologyStreams);
    return layered;
}

/// Connections, outcomes, close types and E1/E2 failures, from the records.
void
CountRecords(ChimneyScenarioResult& result)
{
    for (const auto& r : result.records)
    {
        if (r.openTime >= 0)
        {
            ++result.connections;
        }
        ++result.outcomes[r.outcome];
        ++result.closeTypes[r.closeType];
        if (!r.endToEndOk)
        {
            ++result.endToEndFailures;
        }
    }
}

} // namespace

ChimneyScenarioResult
RunChimneyScenario(const ChimneyScenarioConfig& config,
                   const std::function<void(const ChimneyScenarioProgress&)>& progress,
                   double progressEvery,
                   uint32_t shards)
{
    using Clock = std::chrono::steady_clock;
    const Clock::time_point wallStart = Clock::now();
    ChimneyScenarioResult result;
    result.config = config;
    std::string error;
    if (!config.Validate(&error))
    {
        result.ok = false;
        result.error = error;
        return result;
    }
    error = CheckChimneyShards(config, shards);
    if (!error.empty())
    {
        result.ok = false;
        result.error = error;
        return result;
    }
    result.ok = true;

    RngSeedManager::SetSeed(config.seed);
    RngSeedManager::SetRun(config.run);
    // ns-3's default event queue is a std::map: one node per pending event, and at 10,000 hosts
    // every insert walks a deep tree of cold nodes. ChimneyHeapScheduler keeps them in one array
    // (a 4-ary heap, no log call per step). Every ns-3 scheduler orders events by (time, uid):
    // the runs are event for event the same. Another scheduler chosen with --SchedulerType is
    // kept.
    TypeIdValue scheduler;
    GlobalValue::GetValueByName("SchedulerType", scheduler);
    if (scheduler.Get() == MapScheduler::GetTypeId())
    {
        ObjectFactory heap;
        heap.SetTypeId(ChimneyHeapScheduler::GetTypeId());
        Simulator::SetScheduler(heap);
    }
    // Corrupted frames must be dropped by checksums, as on a real link.
    BooleanValue checksums;
    GlobalValue::GetValueByName("ChecksumEnabled", checksums);
    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));

    ChimneyScenarioTopology topology;
    SimulationObjects keep;
    if (shards > 1)
    {
        // Each shard's process builds and simulates its own islands; every node of the
        // network exists in each (node IDs), and the others' islands keep their addresses and
        // random streams (ChimneyScenarioTopology::SetShard).
        result = RunChimneyShards(
            config,
            shards,
            [&](ChimneyShardChannel& channel) {
                topology.SetShard(channel.GetIndex(), channel.GetCount());
                const bool layered = BuildNetwork(config, topology);
                ChimneyScenarioResult mine;
                SimulateBuilt(
                    config,
                    topology,
                    layered,
                    &channel,
                    [&channel](const ChimneyScenarioProgress& p) { channel.SendProgress(p); },
                    progressEvery / 2,
                    keep,
                    mine);
                // The process ends without tearing down, but pcap files must be flushed and
                // closed: as a single run ends, once nothing holds the nodes.
                if (!config.pcapDir.empty())
                {
                    Simulator::Destroy();
                    keep = SimulationObjects();
                    topology.Clear();
                }
            },
            progress,
            progressEvery);
        result.faultsConfigured = config.faults.ConfiguredKinds(); // fired: the shards' sum
    }
    else
    {
        const bool layered = BuildNetwork(config, topology);
        SimulateBuilt(config, topology, layered, nullptr, progress, progressEvery, keep, result);
    }
    CountRecords(result);

    Simulator::Destroy();
    keep.verifier = nullptr;
    keep.injector = nullptr;
    GlobalValue::Bind("ChecksumEnabled", checksums);

    result.wallSeconds = std::chrono::duration<double>(Clock::now() - wallStart).count();
    if (shards == 1)
    {
        result.peakRssBytes = PeakRssBytes();
    }
    return result;
}

} // namespace ns3
