/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Proves the test harness: two ns-3 nodes over point-to-point exchange TCP data through ns-3's
// own stack (TcpSocketBase both ends), built with the module's flags. If the build facts are
// wrong (NS3_LOG_ENABLE, --no-as-needed), TypeIds fail to register or ASan reports here first.

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

struct TransferResult
{
    uint64_t bytesReceived = 0;
    Time lastRx;
};

void
NoteRx(TransferResult* result, Ptr<const Packet> /* packet */, const Address& /* from */)
{
    result->lastRx = Simulator::Now();
}

TransferResult
RunBulkTransfer(uint64_t bytes, double lossRate)
{
    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetChannelAttribute("Delay", StringValue("1ms"));
    NetDeviceContainer devices = p2p.Install(nodes);
    if (lossRate > 0)
    {
        auto em = CreateObject<RateErrorModel>();
        em->SetAttribute("ErrorRate", DoubleValue(lossRate));
        em->SetAttribute("ErrorUnit", StringValue("ERROR_UNIT_PACKET"));
        devices.Get(1)->SetAttribute("ReceiveErrorModel", PointerValue(em));
    }
    InternetStackHelper internet;
    internet.Install(nodes);
    Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer ifaces = address.Assign(devices);

    const uint16_t port = 5000;
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer sinkApp = sinkHelper.Install(nodes.Get(1));
    BulkSendHelper sender("ns3::TcpSocketFactory", InetSocketAddress(ifaces.GetAddress(1), port));
    sender.SetAttribute("MaxBytes", UintegerValue(bytes));
    ApplicationContainer senderApp = sender.Install(nodes.Get(0));
    senderApp.Start(Seconds(0.1));

    TransferResult result;
    auto sink = DynamicCast<PacketSink>(sinkApp.Get(0));
    sink->TraceConnectWithoutContext("Rx", MakeBoundCallback(&NoteRx, &result));
    Simulator::Stop(Seconds(60));
    Simulator::Run();
    result.bytesReceived = sink->GetTotalRx();
    Simulator::Destroy();
    return result;
}

} // namespace

TEST(Ns3TcpHarness, BulkSendDeliversEveryByteOverPointToPoint)
{
    TransferResult r = RunBulkTransfer(100000, 0.0);
    EXPECT_EQ(r.bytesReceived, 100000U);
    EXPECT_GT(r.lastRx, Seconds(0.1));
}

TEST(Ns3TcpHarness, BulkSendRecoversFromLossOverPointToPoint)
{
    TransferResult r = RunBulkTransfer(200000, 0.01);
    EXPECT_EQ(r.bytesReceived, 200000U);
}

TEST(Ns3TcpHarness, SimulatorStartsCleanInEveryTest)
{
    // The test main destroys the simulator between tests: time starts at zero again.
    EXPECT_EQ(Simulator::Now(), Seconds(0));
    EXPECT_EQ(RngSeedManager::GetSeed(), 1U);
}
