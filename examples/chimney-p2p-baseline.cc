/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Baseline: N host pairs over point-to-point, each sending B bytes over ns-3's own TCP
// (TcpSocketBase both ends) and closing gracefully. This is the native<->native reference the
// chimney offload path is compared against; it also shows the CommandLine options every chimney
// example shares (--seed, --run, --pcap=DIR).
//
//   ./run.sh --pairs=4 --bytes=100000 --pcap=/tmp/pcap

#include "ns3/applications-module.h"
#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <chrono>
#include <iomanip>
#include <iostream>

using namespace ns3;

int
main(int argc, char* argv[])
{
    uint32_t pairs = 2;
    uint64_t bytes = 100000;
    uint32_t seed = 1;
    uint64_t run = 1;
    std::string pcapDir;
    std::string dataRate = "100Mbps";
    std::string delay = "1ms";

    CommandLine cmd(__FILE__);
    cmd.AddValue("pairs", "number of sender/receiver node pairs", pairs);
    cmd.AddValue("bytes", "bytes each sender transfers before closing", bytes);
    cmd.AddValue("seed", "RNG seed (one seed decides the whole run)", seed);
    cmd.AddValue("run", "RNG run number", run);
    cmd.AddValue("pcap", "directory to write pcap files of the wire into (empty: none)", pcapDir);
    cmd.AddValue("dataRate", "point-to-point link data rate", dataRate);
    cmd.AddValue("delay", "point-to-point link one-way delay", delay);
    cmd.Parse(argc, argv);

    if (pairs == 0 || bytes == 0 || seed == 0)
    {
        std::cerr << "error: --pairs, --bytes and --seed must be positive" << std::endl;
        return 1;
    }
    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(dataRate));
    p2p.SetChannelAttribute("Delay", StringValue(delay));
    InternetStackHelper internet;
    const uint16_t port = 5000;

    std::vector<Ptr<PacketSink>> sinks;
    for (uint32_t i = 0; i < pairs; ++i)
    {
        NodeContainer nodes;
        nodes.Create(2);
        NetDeviceContainer devices = p2p.Install(nodes);
        internet.Install(nodes);
        Ipv4AddressHelper address;
        std::ostringstream subnet;
        subnet << "10." << (1 + i / 256) << "." << (i % 256) << ".0";
        address.SetBase(subnet.str().c_str(), "255.255.255.0");
        Ipv4InterfaceContainer ifaces = address.Assign(devices);

        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        ApplicationContainer sinkApp = sinkHelper.Install(nodes.Get(1));
        BulkSendHelper sender("ns3::TcpSocketFactory",
                              InetSocketAddress(ifaces.GetAddress(1), port));
        sender.SetAttribute("MaxBytes", UintegerValue(bytes));
        ApplicationContainer senderApp = sender.Install(nodes.Get(0));
        senderApp.Start(Seconds(0.1));
        sinks.push_back(DynamicCast<PacketSink>(sinkApp.Get(0)));
    }
    if (!pcapDir.empty())
    {
        p2p.EnablePcapAll(pcapDir + "/chimney-p2p-baseline");
    }

    auto wallStart = std::chrono::steady_clock::now();
    Simulator::Stop(Seconds(600));
    Simulator::Run();
    double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();

    uint64_t total = 0;
    uint32_t complete = 0;
    for (uint32_t i = 0; i < pairs; ++i)
    {
        uint64_t rx = sinks[i]->GetTotalRx();
        total += rx;
        complete += (rx == bytes) ? 1 : 0;
    }
    std::cout << "chimney-p2p-baseline: " << pairs << " pairs x " << bytes
              << " bytes over ns-3 TcpSocketBase\n"
              << "  transfers complete : " << complete << "/" << pairs << "\n"
              << "  bytes received     : " << total << "/" << uint64_t(pairs) * bytes << "\n"
              << "  simulated until    : " << Simulator::Now().GetSeconds() << " s\n"
              << "  wall time          : " << std::fixed << std::setprecision(3) << wall << " s\n";
    Simulator::Destroy();
    return complete == pairs ? 0 : 1;
}
