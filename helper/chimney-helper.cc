/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-helper.h"

#include "ns3/abort.h"
#include "ns3/chimney-net-device.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/trace-helper.h"

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

namespace
{

void
PcapSink(Ptr<PcapFileWrapper> file, Ptr<const Packet> frame)
{
    file->Write(Simulator::Now(), frame);
}

void
AsciiSink(Ptr<OutputStreamWrapper> stream, Ptr<const Packet> frame)
{
    *stream->GetStream() << "f " << Simulator::Now().GetSeconds() << " " << *frame << "\n";
}

/// The link device under a chimney device (aborts with a clear message otherwise).
Ptr<NetDevice>
InnerOf(Ptr<NetDevice> device, const char* who)
{
    Ptr<ChimneyNetDevice> chimney = DynamicCast<ChimneyNetDevice>(device);
    NS_ABORT_MSG_IF(!chimney || !chimney->GetInnerDevice(),
                    who << ": not a ChimneyNetDevice with a link device under it");
    return chimney->GetInnerDevice();
}

} // namespace

void
ChimneyHelper::EnablePcap(const std::string& prefix, NetDeviceContainer chimneyDevices) const
{
    PcapHelper pcap;
    for (auto it = chimneyDevices.Begin(); it != chimneyDevices.End(); ++it)
    {
        Ptr<NetDevice> inner = InnerOf(*it, "ChimneyHelper::EnablePcap");
        const auto dlt = inner->IsPointToPoint() ? PcapHelper::DLT_PPP : PcapHelper::DLT_EN10MB;
        Ptr<PcapFileWrapper> file =
            pcap.CreateFile(pcap.GetFilenameFromDevice(prefix, inner), std::ios::out, dlt);
        // PromiscSniffer: every frame the link device sends or receives, link header included.
        inner->TraceConnectWithoutContext("PromiscSniffer", MakeBoundCallback(&PcapSink, file));
    }
}

void
ChimneyHelper::EnableAscii(const std::string& prefix, NetDeviceContainer chimneyDevices) const
{
    AsciiTraceHelper ascii;
    for (auto it = chimneyDevices.Begin(); it != chimneyDevices.End(); ++it)
    {
        Ptr<NetDevice> inner = InnerOf(*it, "ChimneyHelper::EnableAscii");
        std::string name = ascii.GetFilenameFromDevice(prefix, inner);
        Ptr<OutputStreamWrapper> stream = ascii.CreateFileStream(name);
        inner->TraceConnectWithoutContext("PromiscSniffer", MakeBoundCallback(&AsciiSink, stream));
    }
}

int64_t
ChimneyHelper::AssignStreams(NetDeviceContainer /* devices */, int64_t /* stream */)
{
    return 0;
}

} // namespace ns3
