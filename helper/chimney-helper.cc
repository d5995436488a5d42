/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-helper.h"

#include "ns3/abort.h"
#include "ns3/chimney-net-device.h"
#include "ns3/node.h"

namespace ns3
{

ChimneyHelper::ChimneyHelper()
{
    m_deviceFactory.SetTypeId("ns3::ChimneyNetDevice");
}

void
ChimneyHelper::SetDeviceAttribute(const std::string& name, const AttributeValue& value)
{
    m_deviceFactory.Set(name, value);
}

NetDeviceContainer
ChimneyHelper::Install(NetDeviceContainer inner) const
{
    NetDeviceContainer out;
    for (auto it = inner.Begin(); it != inner.End(); ++it)
    {
        Ptr<NetDevice> link = *it;
        Ptr<Node> node = link->GetNode();
        NS_ABORT_MSG_IF(!node, "ChimneyHelper::Install: the link device is not on a node");
        Ptr<ChimneyNetDevice> device = m_deviceFactory.Create<ChimneyNetDevice>();
        node->AddDevice(device);
        device->SetInnerDevice(link);
        out.Add(device);
    }
    return out;
}

int64_t
ChimneyHelper::AssignStreams(NetDeviceContainer /* devices */, int64_t /* stream */)
{
    return 0;
}

} // namespace ns3
