/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-timeline.h"

#include "ns3/simulator.h"
#include "ns3/wire-segment.h"

#include <iomanip>
#include <sstream>

namespace ns3
{

ChimneyTimeline::ChimneyTimeline(std::ostream* out)
    : m_out(out)
{
}

void
ChimneyTimeline::SetWireDetail(bool all)
{
    m_allSegments = all;
}

const std::vector<std::string>&
ChimneyTimeline::Lines() const
{
    return m_lines;
}

void
ChimneyTimeline::SetDataCalls(bool show)
{
    m_dataCalls = show;
}

const std::string*
ChimneyTimeline::Name(const std::string& name)
{
    m_names.push_back(std::make_unique<std::string>(name));
    return m_names.back().get();
}

bool
ChimneyTimeline::Hidden(ChimneyOp op, ChimneyStatus st) const
{
    const bool data = op == ChimneyOp::SEND || op == ChimneyOp::RECEIVE;
    return data && !m_dataCalls && (st == ChimneyStatus::PENDING || st == ChimneyStatus::SUCCESS);
}

void
ChimneyTimeline::Attach(const std::string& name, Ptr<ChimneyHostStack> stack)
{
    const std::string* host = Name(name);
    stack->TraceConnectWithoutContext("Call",
                                      MakeCallback(&ChimneyTimeline::OnCall, this).Bind(host));
    stack->TraceConnectWithoutContext("Upcall",
                                      MakeCallback(&ChimneyTimeline::OnUpcall, this).Bind(host));
    stack->TraceConnectWithoutContext("Event",
                                      MakeCallback(&ChimneyTimeline::OnEvent, this).Bind(host));
    stack->TraceConnectWithoutContext("PhaseChange",
                                      MakeCallback(&ChimneyTimeline::OnPhase, this).Bind(host));
    Ptr<NetDevice> inner = stack->GetDevice()->GetInnerDevice();
    // Point-to-point frames carry a PPP header, CSMA frames an Ethernet header.
    const auto link =
        static_cast<uint8_t>(inner->IsPointToPoint() ? WireLinkType::PPP : WireLinkType::ETHERNET);
    inner->TraceConnectWithoutContext(
        "PhyTxBegin",
        MakeCallback(&ChimneyTimeline::OnWire, this).Bind(host, link));
}

void
ChimneyTimeline::Add(const std::string& host, const std::string& what, const std::string& text)
{
    std::ostringstream line;
    line << std::fixed << std::setprecision(6) << std::setw(11) << Simulator::Now().GetSeconds()
         << " s  " << std::left << std::setw(8) << host << " " << std::setw(9) << what << text;
    m_lines.push_back(line.str());
    if (m_out != nullptr)
    {
        *m_out << m_lines.back() << "\n";
    }
}

namespace
{
std::string
FlagsName(uint32_t flags)
{
    switch (flags)
    {
    case TCP_DISCONNECT_GRACEFUL_CLOSE:
        return " GRACEFUL";
    case TCP_DISCONNECT_ABORTIVE_CLOSE:
        return " ABORTIVE";
    case 0:
        return "";
    default:
        return " flags=" + std::to_string(flags);
    }
}
} // namespace

void
ChimneyTimeline::OnCall(const std::string* host,
                        ChimneyOp op,
                        OffloadHandle h,
                        uint64_t id,
                        uint32_t flags,
                        ChimneyStatus st)
{
    if (Hidden(op, st))
    {
        return;
    }
    std::ostringstream s;
    s << op << " h=" << h << " id=" << id << FlagsName(flags) << " -> " << ToString(st);
    Add(*host, "call", s.str());
}

void
ChimneyTimeline::OnUpcall(const std::string* host,
                          ChimneyOp op,
                          OffloadHandle h,
                          uint64_t id,
                          ChimneyStatus st,
                          uint64_t bytes)
{
    if (Hidden(op, st))
    {
        return;
    }
    std::ostringstream s;
    s << op << " h=" << h << " id=" << id << " " << ToString(st) << " bytes=" << bytes;
    Add(*host, "complete", s.str());
}

void
ChimneyTimeline::OnEvent(const std::string* host,
                         OffloadHandle h,
                         ChimneyEvent e,
                         ChimneyUploadReason r)
{
    std::ostringstream s;
    s << ToString(e) << " h=" << h;
    if (e == ChimneyEvent::RETRIEVE)
    {
        s << " reason=" << ToString(r);
    }
    Add(*host, "indicate", s.str());
}

void
ChimneyTimeline::OnPhase(const std::string* host,
                         OffloadHandle h,
                         std::string from,
                         std::string to,
                         std::string detail)
{
    std::ostringstream s;
    s << "h=" << h << " " << (from.empty() ? "-" : from) << " -> " << to;
    if (!detail.empty())
    {
        s << " (" << detail << ")";
    }
    Add(*host, "phase", s.str());
}

void
ChimneyTimeline::OnWire(const std::string* host, uint8_t linkType, Ptr<const Packet> p)
{
    WireSegment w;
    if (!ParseWireFrame(p, static_cast<WireLinkType>(linkType), w))
    {
        return;
    }
    const uint8_t control = TcpSegment::SYN | TcpSegment::FIN | TcpSegment::RST;
    if (m_allSegments || (w.tcp.flags & control) != 0)
    {
        Add(*host, "wire", w.tcp.ToString());
    }
}

void
ChimneyTimeline::AttachLayer(const std::string& name, Ptr<ChimneyIntermediateDriver> layer)
{
    const std::string* label = Name(name);
    layer->TraceConnectWithoutContext(
        "Request",
        MakeCallback(&ChimneyTimeline::OnLayerRequest, this).Bind(label));
    layer->TraceConnectWithoutContext(
        "Completion",
        MakeCallback(&ChimneyTimeline::OnLayerCompletion, this).Bind(label));
    layer->TraceConnectWithoutContext(
        "Indication",
        MakeCallback(&ChimneyTimeline::OnLayerIndication, this).Bind(label));
}

void
ChimneyTimeline::OnLayerRequest(const std::string* layer,
                                std::string upper,
                                ChimneyOp op,
                                OffloadHandle h,
                                uint64_t id,
                                uint32_t flags,
                                ChimneyStatus st)
{
    if (Hidden(op, st))
    {
        return;
    }
    std::ostringstream s;
    s << "down " << op << " from " << upper << " h=" << h << " id=" << id << FlagsName(flags)
      << " -> " << ToString(st);
    Add(*layer, "pass", s.str());
}

void
ChimneyTimeline::OnLayerCompletion(const std::string* layer,
                                   std::string upper,
                                   ChimneyOp op,
                                   OffloadHandle h,
                                   uint64_t id,
                                   ChimneyStatus st)
{
    if (Hidden(op, st))
    {
        return;
    }
    std::ostringstream s;
    s << "up " << op << " to " << upper << " h=" << h << " id=" << id << " " << ToString(st);
    Add(*layer, "pass", s.str());
}

void
ChimneyTimeline::OnLayerIndication(const std::string* layer,
                                   std::string upper,
                                   OffloadHandle h,
                                   ChimneyEvent e,
                                   ChimneyUploadReason r)
{
    std::ostringstream s;
    s << "up " << ToString(e) << " to " << upper << " h=" << h;
    if (e == ChimneyEvent::RETRIEVE)
    {
        s << " reason=" << ToString(r);
    }
    Add(*layer, "pass", s.str());
}

} // namespace ns3
