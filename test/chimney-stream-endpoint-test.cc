/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyStreamEndpoint as an ns-3 Application: its attribute and trace sources are reachable
// through the TypeId, its traces see every byte sent and received and the stream's end, and its
// E1/E2 checks tell the right stream from a wrong one.

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace ns3;

TEST(StreamEndpoint, IsAnApplicationWithReadAttributeAndTraceSources)
{
    Ptr<ChimneyStreamEndpoint> endpoint = CreateObject<ChimneyStreamEndpoint>();
    EXPECT_TRUE(DynamicCast<Application>(endpoint));
    BooleanValue read;
    endpoint->GetAttribute("Read", read);
    EXPECT_TRUE(read.Get());
    endpoint->SetAttribute("Read", BooleanValue(false));
    endpoint->GetAttribute("Read", read);
    EXPECT_FALSE(read.Get());
    endpoint->SetRead(true);
    endpoint->GetAttribute("Read", read);
    EXPECT_TRUE(read.Get());
    const TypeId tid = ChimneyStreamEndpoint::GetTypeId();
    for (const char* name : {"Rx", "Tx", "End"})
    {
        EXPECT_TRUE(tid.LookupTraceSourceByName(name)) << name;
    }
}

TEST(StreamEndpoint, TracesEveryByteAndTheEndAndChecksE1)
{
    ChimneyPairBuilder pair;
    std::string error;
    ASSERT_TRUE(pair.Build("p2p", false, &error)) << error;
    Ptr<ChimneyStreamEndpoint> server = CreateObject<ChimneyStreamEndpoint>();
    Ptr<ChimneyStreamEndpoint> client = CreateObject<ChimneyStreamEndpoint>();
    uint64_t rxBytes = 0;
    uint64_t txBytes = 0;
    std::vector<ChimneyStreamEndpoint::End> ends;
    server->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>>(
            [&rxBytes](Ptr<const Packet> p) { rxBytes += p->GetSize(); }));
    client->TraceConnectWithoutContext("Tx", Callback<void, uint32_t>([&txBytes](uint32_t n) {
                                           txBytes += n;
                                       }));
    server->TraceConnectWithoutContext(
        "End",
        Callback<void, ChimneyStreamEndpoint::End>(
            [&ends](ChimneyStreamEndpoint::End e) { ends.push_back(e); }));
    server->SetEndCallback([](ChimneyStreamEndpoint& e) { e.GetSocket()->Close(); });
    pair.Listen(1, 9, server);
    Ptr<Socket> socket = pair.Connect(0, 9, client, Seconds(0.1));
    const std::vector<uint8_t> data = ChimneyPattern(30000, 1);
    Simulator::Schedule(Seconds(0.5), [&]() { client->SendAll(data, [&]() { socket->Close(); }); });
    Simulator::Stop(Seconds(30));
    Simulator::Run();

    EXPECT_EQ(txBytes, data.size());
    EXPECT_EQ(rxBytes, data.size());
    ASSERT_EQ(ends.size(), 1U);
    EXPECT_EQ(ends[0], ChimneyStreamEndpoint::End::FIN);
    std::string why;
    EXPECT_TRUE(server->CheckE1(data, &why)) << why;
    // The checks can fail: another pattern, a longer stream, or E2 on a graceful end.
    EXPECT_FALSE(server->CheckE1(ChimneyPattern(30000, 2), &why));
    EXPECT_EQ(why, "byte 0 differs from what was sent");
    EXPECT_FALSE(server->CheckE1(ChimneyPattern(30001, 1), &why));
    EXPECT_FALSE(server->CheckE2(data, &why));
    Simulator::Destroy();
}
