/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-link-fault-model.h"

#include "ns3/abort.h"
#include "ns3/csma-net-device.h"
#include "ns3/log.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/pointer.h"
#include "ns3/simulator.h"

#include <vector>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyLinkFaultModel");
NS_OBJECT_ENSURE_REGISTERED(ChimneyLinkFaultModel);

TypeId
ChimneyLinkFaultModel::GetTypeId()
{
    static TypeId tid = TypeId("ns3::ChimneyLinkFaultModel")
                            .SetParent<ErrorModel>()
                            .SetGroupName("Chimney")
                            .AddConstructor<ChimneyLinkFaultModel>();
    return tid;
}

ChimneyLinkFaultModel::ChimneyLinkFaultModel() = default;

ChimneyLinkFaultModel::~ChimneyLinkFaultModel() = default;

void
ChimneyLinkFaultModel::Install(Ptr<NetDevice> device, Ptr<NetDevice> peer)
{
    NS_ABORT_MSG_IF(!device, "ChimneyLinkFaultModel::Install: null device");
    if (DynamicCast<PointToPointNetDevice>(device))
    {
        m_link = WireLinkType::PPP;
    }
    else if (DynamicCast<CsmaNetDevice>(device))
    {
        m_link = WireLinkType::ETHERNET;
    }
    else
    {
        NS_ABORT_MSG("ChimneyLinkFaultModel: " << device->GetInstanceTypeId().GetName()
                                               << " is neither point-to-point nor CSMA");
    }
    m_device = PeekPointer(device);
    m_peer = PeekPointer(peer);
    device->SetAttribute("ReceiveErrorModel", PointerValue(this));
}

void
ChimneyLinkFaultModel::SetJudge(Judge judge)
{
    m_judge = std::move(judge);
}

WireLinkType
ChimneyLinkFaultModel::GetLinkType() const
{
    return m_link;
}

Ptr<NetDevice>
ChimneyLinkFaultModel::GetDevice() const
{
    return Ptr<NetDevice>(m_device);
}

void
ChimneyLinkFaultModel::DoDispose()
{
    m_judge = nullptr;
    m_device = nullptr;
    m_peer = nullptr;
    ErrorModel::DoDispose();
}

bool
ChimneyLinkFaultModel::DoCorrupt(Ptr<Packet> p)
{
    if (m_reinjecting || !m_judge)
    {
        return false;
    }
    const Verdict v = m_judge(p);
    switch (v.action)
    {
    case Action::PASS:
        return false;
    case Action::DROP:
        return true;
    case Action::CORRUPT: {
        if (v.offset >= p->GetSize())
        {
            return false;
        }
        // ns-3 packets cannot be edited in place: replace the bytes with a flipped copy.
        std::vector<uint8_t> bytes(p->GetSize());
        p->CopyData(bytes.data(), bytes.size());
        bytes[v.offset] ^= v.mask;
        p->RemoveAtEnd(p->GetSize());
        p->AddAtEnd(Create<Packet>(bytes.data(), bytes.size()));
        return false;
    }
    case Action::HOLD:
        Simulator::Schedule(v.delay,
                            &ChimneyLinkFaultModel::Reinject,
                            Ptr<ChimneyLinkFaultModel>(this),
                            p->Copy());
        return true;
    case Action::DUPLICATE:
        Simulator::Schedule(v.delay,
                            &ChimneyLinkFaultModel::Reinject,
                            Ptr<ChimneyLinkFaultModel>(this),
                            p->Copy());
        return false;
    }
    return false;
}

void
ChimneyLinkFaultModel::DoReset()
{
}

void
ChimneyLinkFaultModel::Reinject(Ptr<Packet> frame)
{
    if (!m_device)
    {
        return; // disposed
    }
    m_reinjecting = true;
    if (auto p2p = dynamic_cast<PointToPointNetDevice*>(m_device))
    {
        p2p->Receive(frame);
    }
    else if (auto csma = dynamic_cast<CsmaNetDevice*>(m_device))
    {
        csma->Receive(frame, Ptr<CsmaNetDevice>(dynamic_cast<CsmaNetDevice*>(m_peer)));
    }
    m_reinjecting = false;
}

} // namespace ns3
