/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-stack-helper.h"

#include "ns3/abort.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-socket-factory.h"

namespace ns3
{

ChimneyStackHelper::ChimneyStackHelper()
{
    m_stackFactory.SetTypeId(ChimneyHostStack::GetTypeId());
}

void
ChimneyStackHelper::SetStackAttribute(const std::string& name, const AttributeValue& value)
{
    m_stackFactory.Set(name, value);
}

void
ChimneyStackHelper::Install(NetDeviceContainer chimneyDevices) const
{
    for (uint32_t i = 0; i < chimneyDevices.GetN(); ++i)
    {
        Ptr<ChimneyNetDevice> device = DynamicCast<ChimneyNetDevice>(chimneyDevices.Get(i));
        NS_ABORT_MSG_IF(!device,
                        "ChimneyStackHelper::Install: device " << i
                                                               << " is not a ChimneyNetDevice");
        Ptr<Node> node = device->GetNode();
        NS_ABORT_MSG_IF(GetStack(node),
                        "ChimneyStackHelper::Install: node " << node->GetId()
                                                             << " already has a chimney stack");
        Ptr<ChimneyHostStack> stack = m_stackFactory.Create<ChimneyHostStack>();
        stack->Install(device);
        node->AggregateObject(stack);
        Ptr<ChimneySocketFactory> factory = CreateObject<ChimneySocketFactory>();
        factory->SetStack(stack);
        node->AggregateObject(factory);
    }
}

Ptr<ChimneyHostStack>
ChimneyStackHelper::GetStack(Ptr<Node> node)
{
    return node ? node->GetObject<ChimneyHostStack>() : nullptr;
}

int64_t
ChimneyStackHelper::AssignStreams(NetDeviceContainer chimneyDevices, int64_t stream) const
{
    int64_t used = 0;
    for (uint32_t i = 0; i < chimneyDevices.GetN(); ++i)
    {
        Ptr<ChimneyHostStack> stack = GetStack(chimneyDevices.Get(i)->GetNode());
        if (stack)
        {
            used += stack->AssignStreams(stream + used);
        }
    }
    return used;
}

} // namespace ns3
