/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The link device a ChimneyNetDevice wraps keeps its queue, drops and traces, but its queue no
// longer drives the flow control (NetDeviceQueueInterface) its helper gave it: no queue disc sits
// on the link device, so nothing reads those stops and wakes (ChimneyNetDevice::SetInnerDevice).

#include "test-links.h"

#include "ns3/chimney-helper.h"
#include "ns3/core-module.h"
#include "ns3/network-module.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

template <typename Link>
class ChimneyInnerFlowControlTest : public ::testing::Test
{
  protected:
    void TearDown() override
    {
        Simulator::Destroy();
    }
};

using Links = ::testing::Types<P2pLink, CsmaLink>;
TYPED_TEST_SUITE(ChimneyInnerFlowControlTest, Links, LinkNames);

/// The link device's transmit queue.
Ptr<Queue<Packet>>
TxQueueOf(Ptr<NetDevice> device)
{
    PointerValue queue;
    device->GetAttribute("TxQueue", queue);
    return queue.Get<Queue<Packet>>();
}

TYPED_TEST(ChimneyInnerFlowControlTest, WrappedLinkQueueNoLongerStopsItsDeviceQueue)
{
    NodeContainer nodes;
    nodes.Create(2);
    NetDeviceContainer links = TypeParam::Install(nodes);
    for (uint32_t i = 0; i < 2; ++i)
    {
        TxQueueOf(links.Get(i))->SetMaxSize(QueueSize("2p"));
    }
    ChimneyHelper().Install(NetDeviceContainer(links.Get(0))); // link 1 stays bare: the control

    for (uint32_t i = 0; i < 2; ++i)
    {
        Ptr<NetDevice> link = links.Get(i);
        Ptr<NetDeviceQueueInterface> ndqi = link->GetObject<NetDeviceQueueInterface>();
        ASSERT_TRUE(ndqi) << "the helper gives every link device flow control";
        // One frame on the wire, two queued, two dropped: the queue is full either way.
        for (int n = 0; n < 5; ++n)
        {
            link->Send(Create<Packet>(100), link->GetBroadcast(), 0x0800);
        }
        EXPECT_EQ(TxQueueOf(link)->GetNPackets(), 2U) << "link " << i;
        EXPECT_EQ(TxQueueOf(link)->GetTotalDroppedPackets(), 2U) << "link " << i;
        EXPECT_EQ(ndqi->GetTxQueue(0)->IsStopped(), i == 1)
            << (i == 0 ? "the wrapped link's full queue still stopped its device queue"
                       : "the bare link's full queue did not stop its device queue");
    }
}

} // namespace
