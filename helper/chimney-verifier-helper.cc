/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-helper.h"

#include "ns3/abort.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-stack-helper.h"

namespace ns3
{

ChimneyVerifierHelper::ChimneyVerifierHelper()
{
    m_factory.SetTypeId("ns3::ChimneyVerifier");
}

void
ChimneyVerifierHelper::SetVerifierAttribute(const std::string& name, const AttributeValue& value)
{
    m_factory.Set(name, value);
}

Ptr<ChimneyVerifier>
ChimneyVerifierHelper::Install(NetDeviceContainer chimneyDevices) const
{
    Ptr<ChimneyVerifier> verifier = m_factory.Create<ChimneyVerifier>();
    for (auto it = chimneyDevices.Begin(); it != chimneyDevices.End(); ++it)
    {
        Ptr<ChimneyNetDevice> device = DynamicCast<ChimneyNetDevice>(*it);
        NS_ABORT_MSG_IF(!device, "ChimneyVerifierHelper::Install: not a ChimneyNetDevice");
        verifier->AttachDevice(device);
        if (Ptr<ChimneyHostStack> stack = ChimneyStackHelper::GetStack(device->GetNode()))
        {
            verifier->AttachHostStack(stack); // once per node
        }
    }
    return verifier;
}

} // namespace ns3
