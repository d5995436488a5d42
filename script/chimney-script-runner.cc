/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-script-runner.h"

#include "chimney-script-run.h"
#include "chimney-script-tap.h"

#include "ns3/chimney-helper.h"
#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-socket.h"
#include "ns3/chimney-stack-helper.h"
#include "ns3/chimney-verifier-helper.h"
#include "ns3/inet-socket-address.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-header.h"
#include "ns3/node-container.h"
#include "ns3/packet.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/tcp-segment-packet.h"
#include "ns3/uinteger.h"
#include "ns3/wire-segment.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

namespace ns3
{

int
ChimneyScriptResult::ExitCode() const
{
    switch (outcome)
    {
    case PASS:
        return 0;
    case FAIL:
        return 1;
    case BAD_SCRIPT:
        return 2;
    case SKIP:
        return 77;
    }
    return 2;
}

const char*
ChimneyScriptResult::OutcomeName() const
{
    static const char* names[] = {"PASS", "FAIL", "BAD_SCRIPT", "SKIP"};
    return names[outcome];
}

namespace chimneyscript
{

/// errno names and values (Linux) the runner reports.
int
ErrnoValue(const std::string& name)
{
    static const std::map<std::string, int> values{{"EBADF", 9},
                                                   {"EAGAIN", 11},
                                                   {"EINVAL", 22},
                                                   {"EPIPE", 32},
                                                   {"ENOTCONN", 107},
                                                   {"ECONNRESET", 104},
                                                   {"ETIMEDOUT", 110},
                                                   {"ECONNREFUSED", 111},
                                                   {"EINPROGRESS", 115}};
    auto it = values.find(name);
    return it == values.end() ? -1 : it->second;
}

/// Upper case without '_': "UploadRequested" and "UPLOAD_REQUESTED" compare equal.
std::string
Normalize(const std::string& s)
{
    std::string out;
    for (char c : s)
    {
        if (c != '_')
        {
            out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

std::string
Seconds(int64_t us)
{
    std::ostringstream os;
    os << std::fixed << std::setprecision(6) << static_cast<double>(us) / 1e6;
    return os.str();
}

int64_t
ScriptRun::NowUs() const
{
    return Simulator::Now().GetMicroSeconds();
}

void
ScriptRun::Fail(const ScriptEvent& e, const std::string& message) const
{
    throw ScriptStop{ChimneyScriptResult::FAIL,
                     e.line,
                     m_script.name + ":" + std::to_string(e.line) + ": " + message +
                         "\n  script line: " + e.text};
}

void
ScriptRun::Bad(const ScriptEvent& e, const std::string& message) const
{
    throw ScriptStop{ChimneyScriptResult::BAD_SCRIPT,
                     e.line,
                     m_script.name + ":" + std::to_string(e.line) + ": bad script: " + message};
}

void
ScriptRun::Configure()
{
    for (const auto& [key, value] : m_script.options)
    {
        const std::string& option = key; // clang < 16 cannot capture a structured binding
        auto number = [&](const std::string& v) {
            char* end = nullptr;
            const double d = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || d < 0)
            {
                throw ScriptStop{ChimneyScriptResult::BAD_SCRIPT,
                                 0,
                                 m_script.name + ": bad value '" + v + "' for --" + option};
            }
            return d;
        };
        if (key == "tolerance_usecs")
        {
            m_toleranceUs = static_cast<int64_t>(number(value));
        }
        else if (key == "tolerance_percent")
        {
            m_tolerancePercent = number(value);
        }
        else if (key == "drain_usecs")
        {
            m_drainUs = static_cast<int64_t>(number(value));
        }
        else if (key == "audit")
        {
            m_audit = number(value) != 0;
        }
        else if (key == "link_delay")
        {
            m_linkDelay = value;
        }
        else if (key == "link_rate")
        {
            m_linkRate = value;
        }
        else if (key == "layers")
        {
            const double n = number(value);
            if (n != static_cast<uint32_t>(n) || n > 8)
            {
                throw ScriptStop{ChimneyScriptResult::BAD_SCRIPT,
                                 0,
                                 m_script.name + ": --layers takes 0 to 8, not '" + value + "'"};
            }
            m_layers = static_cast<uint32_t>(n);
        }
        else if (key == "defect")
        {
            m_defect = m_defect.empty() ? value : m_defect;
        }
        else if (key.rfind("stack.", 0) == 0)
        {
            m_stackAttributes.emplace_back(key.substr(6), value);
        }
        else if (key.rfind("device.", 0) == 0)
        {
            m_deviceAttributes.emplace_back(key.substr(7), value);
        }
        else if (key == "ip_version" && value == "ipv4")
        {
        }
        else
        {
            throw ScriptStop{ChimneyScriptResult::SKIP,
                             0,
                             m_script.name + ": SKIP: unsupported option --" + key +
                                 (value.empty() ? "" : "=" + value)};
        }
    }
}

void
ScriptRun::Build()
{
    RngSeedManager::SetSeed(1);
    RngSeedManager::SetRun(1);
    m_nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(m_linkRate));
    p2p.SetChannelAttribute("Delay", StringValue(m_linkDelay));
    NetDeviceContainer links = p2p.Install(m_nodes);
    ChimneyHelper chimney;
    const auto defects = ChimneyNetDevice::GetDefectNames();
    if (!m_defect.empty() && std::find(defects.begin(), defects.end(), m_defect) == defects.end())
    {
        throw ScriptStop{ChimneyScriptResult::BAD_SCRIPT,
                         0,
                         m_script.name + ": unknown defect '" + m_defect +
                             "' (chimney-script --list-defects lists them)"};
    }
    if (!m_defect.empty())
    {
        chimney.SetDeviceAttribute("Defect", StringValue(m_defect));
    }
    for (const auto& [name, value] : m_deviceAttributes)
    {
        chimney.SetDeviceAttribute(name, StringValue(value));
    }
    NetDeviceContainer devices = chimney.Install(NetDeviceContainer(links.Get(0)));
    m_device = DynamicCast<ChimneyNetDevice>(devices.Get(0));
    InternetStackHelper internet;
    internet.Install(m_nodes.Get(0));
    Ipv4AddressHelper address("10.0.0.0", "255.255.255.0");
    address.Assign(devices);
    ChimneyStackHelper stacks;
    // Segments as large as the peer's MSS allows (scripts say <mss 1000>), as on Ethernet.
    stacks.SetStackAttribute("SegmentSize", UintegerValue(1460));
    for (const auto& [name, value] : m_stackAttributes)
    {
        stacks.SetStackAttribute(name, StringValue(value));
    }
    stacks.Install(devices);
    m_stack = ChimneyStackHelper::GetStack(m_nodes.Get(0));
    // --layers=N: N intermediate drivers between the device and the tap (the first above the
    // device); they pass everything through (A11), so the script reads the same.
    ChimneyOffloadProvider* lower = PeekPointer(m_device);
    for (uint32_t i = 0; i < m_layers; ++i)
    {
        Ptr<ChimneyIntermediateDriver> layer = CreateObject<ChimneyIntermediateDriver>();
        layer->SetLowerLayer(lower);
        lower = layer->AddUpperProtocol(nullptr, i + 1 == m_layers ? "tcpip" : "layer");
        m_layerDrivers.push_back(layer);
    }
    // The tap sits between stack and layers or device and changes nothing: it records for the
    // script what the host sees.
    m_tap.SetOffloadClient(PeekPointer(m_stack));
    m_tap.SetLowerLayer(lower);
    m_stack->SetLowerLayer(&m_tap);
    m_tap.SetNotify([this]() {
        if (m_verbose)
        {
            const auto& o = m_tap.Pending().back();
            std::cout << "  " << Seconds(NowUs()) << " "
                      << (o.completion ? "complete " : "indicate ") << o.what << " "
                      << (o.completion ? ToString(o.status) : ToString(o.reason))
                      << " bytes=" << o.bytes << "\n";
        }
        if (m_waitChimney)
        {
            Simulator::Stop();
        }
    });
    if (m_verbose)
    {
        m_device->TraceConnectWithoutContext(
            "Completion",
            Callback<void, ChimneyOp, OffloadHandle, uint64_t, ChimneyStatus, uint64_t>(
                [this](ChimneyOp op, OffloadHandle h, uint64_t, ChimneyStatus st, uint64_t b) {
                    std::cout << "  " << Seconds(NowUs()) << " device completion " << op
                              << " h=" << h << " " << ToString(st) << " bytes=" << b << "\n";
                }));
    }
    m_verifier = ChimneyVerifierHelper().Install(devices);
    for (const auto& layer : m_layerDrivers)
    {
        m_verifier->AttachIntermediateDriver(layer);
    }
    m_verifier->TraceConnectWithoutContext(
        "Finding",
        Callback<void, const ChimneyFinding&>([this](const ChimneyFinding& f) {
            std::ostringstream os;
            os << f.id << " at " << Seconds(f.time.GetMicroSeconds()) << " s (line "
               << m_currentLine << "): " << f.description;
            if (!f.evidence.empty())
            {
                os << " [" << f.evidence << "]";
            }
            m_findings.push_back(os.str());
        }));
    m_peerDevice = links.Get(1);
    m_nodes.Get(1)->RegisterProtocolHandler(MakeCallback(&ScriptRun::OnFrame, this),
                                            0x0800,
                                            m_peerDevice);
}

void
ScriptRun::OnFrame(Ptr<NetDevice>,
                   Ptr<const Packet> packet,
                   uint16_t,
                   const Address&,
                   const Address&,
                   NetDevice::PacketType)
{
    std::vector<uint8_t> bytes(packet->GetSize());
    packet->CopyData(bytes.data(), bytes.size());
    WireSegment w;
    if (!ParseIpv4TcpDatagram(bytes.data(), bytes.size(), w))
    {
        return;
    }
    m_outbound.push_back(Seen{w.tcp, NowUs()});
    if (m_verbose)
    {
        std::cout << "  " << Seconds(NowUs()) << " > " << Describe(w.tcp, true) << "\n";
    }
    if (m_waitOutbound)
    {
        Simulator::Stop();
    }
}

void
ScriptRun::RunUntilUs(int64_t us)
{
    if (us <= NowUs())
    {
        return;
    }
    EventId stop = Simulator::Schedule(MicroSeconds(us - NowUs()), []() { Simulator::Stop(); });
    Simulator::Run();
    stop.Cancel();
}

std::string
ScriptRun::Describe(const TcpSegment& s, bool outbound) const
{
    // In the script's notation, relative to the ISNs as a script line would be.
    std::ostringstream os;
    const uint32_t isn = outbound ? m_localIsn : m_remoteIsn;
    const uint32_t ackIsn = outbound ? m_remoteIsn : m_localIsn;
    const uint32_t seq = s.Has(TcpSegment::SYN) ? s.seq : s.seq - isn;
    std::string flags;
    for (auto [bit, ch] : std::vector<std::pair<uint8_t, char>>{{TcpSegment::SYN, 'S'},
                                                                {TcpSegment::FIN, 'F'},
                                                                {TcpSegment::RST, 'R'},
                                                                {TcpSegment::PSH, 'P'},
                                                                {TcpSegment::ACK, '.'},
                                                                {TcpSegment::ECE, 'E'},
                                                                {TcpSegment::CWR, 'W'},
                                                                {TcpSegment::URG, 'U'}})
    {
        if (s.flags & bit)
        {
            flags += ch;
        }
    }
    os << flags << " " << seq << ":" << seq + s.payload.size() << "(" << s.payload.size() << ")";
    if (s.Has(TcpSegment::ACK))
    {
        os << " ack " << s.ack - ackIsn;
    }
    os << " win " << s.window;
    std::vector<std::string> options;
    if (s.mss)
    {
        options.push_back("mss " + std::to_string(*s.mss));
    }
    if (s.sackPermitted)
    {
        options.push_back("sackOK");
    }
    if (s.hasTimestamp)
    {
        options.push_back("TS val " + std::to_string(s.tsVal) + " ecr " + std::to_string(s.tsEcr));
    }
    if (s.windowScale)
    {
        options.push_back("wscale " + std::to_string(*s.windowScale));
    }
    if (!options.empty())
    {
        os << " <";
        for (size_t i = 0; i < options.size(); ++i)
        {
            os << (i ? "," : "") << options[i];
        }
        os << ">";
    }
    return os.str();
}

std::string
ScriptRun::Describe(const ScriptPacket& p)
{
    std::ostringstream os;
    std::string flags;
    for (auto [bit, ch] : std::vector<std::pair<uint8_t, char>>{{0x02, 'S'},
                                                                {0x01, 'F'},
                                                                {0x04, 'R'},
                                                                {0x08, 'P'},
                                                                {0x10, '.'},
                                                                {0x40, 'E'},
                                                                {0x80, 'W'},
                                                                {0x20, 'U'}})
    {
        if (p.flags & bit)
        {
            flags += ch;
        }
    }
    os << flags << " " << p.seq << ":" << p.end << "(" << p.len << ")";
    if (p.hasAck)
    {
        os << " ack " << p.ack;
    }
    if (p.hasWin)
    {
        os << " win " << p.win;
    }
    return os.str();
}

void
ScriptRun::CheckFindings(const ScriptEvent* e)
{
    if (m_findings.size() == m_findingsReported)
    {
        return;
    }
    std::ostringstream os;
    os << m_script.name << ":" << (e ? e->line : 0) << ": verifier finding"
       << (m_findings.size() - m_findingsReported > 1 ? "s" : "") << ":";
    for (size_t i = m_findingsReported; i < m_findings.size() && i < m_findingsReported + 5; ++i)
    {
        os << "\n  " << m_findings[i];
    }
    m_findingsReported = m_findings.size();
    throw ScriptStop{ChimneyScriptResult::FAIL, e ? e->line : 0, os.str()};
}

void
ScriptRun::CheckNoStraySegments(const ScriptEvent& e)
{
    if (m_outbound.empty())
    {
        return;
    }
    const Seen& s = m_outbound.front();
    Fail(e,
         "unexpected outbound segment > " + Describe(s.segment, true) + " at " + Seconds(s.atUs) +
             " s, before this line's event");
}

void
ScriptRun::Window(const ScriptEvent& e, int64_t* lo, int64_t* hi, int64_t* tolerance)
{
    // packetdrill's rule: a relative time counts from the end of the previous event, except
    // that consecutive inbound packets are anchored to the previous packet's script time.
    const bool inbound = e.kind == ScriptEvent::PACKET && e.packet.inbound;
    const int64_t base = (inbound && m_lastInbound) ? m_lastScriptUs : NowUs();
    const ScriptTime& t = e.time;
    switch (t.kind)
    {
    case ScriptTime::ABSOLUTE:
        *lo = *hi = t.startUs;
        break;
    case ScriptTime::RELATIVE:
        *lo = *hi = base + t.startUs;
        break;
    case ScriptTime::RANGE:
        *lo = (t.relative ? base : 0) + t.startUs;
        *hi = (t.relative ? base : 0) + t.endUs;
        break;
    case ScriptTime::ANY:
        *lo = NowUs();
        *hi = NowUs() + 3600 * int64_t(1000000);
        break;
    }
    *tolerance = std::max<int64_t>(
        m_toleranceUs,
        static_cast<int64_t>(m_tolerancePercent / 100.0 *
                             static_cast<double>(std::max<int64_t>(0, *lo - m_lastScriptUs))));
    if (t.kind == ScriptTime::ANY)
    {
        *tolerance = 0;
    }
}

void
ScriptRun::CheckTime(const ScriptEvent& e,
                     int64_t actualUs,
                     int64_t lo,
                     int64_t hi,
                     int64_t tol,
                     const std::string& what)
{
    if (e.time.kind == ScriptTime::ANY)
    {
        return;
    }
    if (actualUs < lo - tol || actualUs > hi + tol)
    {
        Fail(e,
             "timing error: expected " + what + " at " + Seconds(lo) +
                 (hi != lo ? "~" + Seconds(hi) : "") + " s but it happened at " +
                 Seconds(actualUs) + " s (tolerance " + Seconds(tol) + " s)");
    }
}

void
ScriptRun::Step(const ScriptEvent& e)
{
    m_currentLine = e.line;
    int64_t lo = 0;
    int64_t hi = 0;
    int64_t tol = 0;
    Window(e, &lo, &hi, &tol);
    if (m_verbose)
    {
        std::cout << m_script.name << ":" << e.line << ": " << e.text << "\n";
    }
    const bool outbound = e.kind == ScriptEvent::PACKET && !e.packet.inbound;
    if (outbound)
    {
        Outbound(e, lo, hi, tol);
    }
    else if (e.kind == ScriptEvent::EXPECT)
    {
        Expect(e, lo, hi, tol);
    }
    else
    {
        // Inbound packets, calls and assertions happen at their time (the start of a range).
        m_waitOutbound = true; // an outbound segment before then is unexpected: stop on it
        RunUntilUs(lo);
        m_waitOutbound = false;
        CheckFindings(&e);
        CheckNoStraySegments(e);
        if (NowUs() < lo)
        {
            RunUntilUs(lo);
        }
        switch (e.kind)
        {
        case ScriptEvent::PACKET:
            Inbound(e);
            break;
        case ScriptEvent::CALL:
            m_callDeadlineUs = hi + tol;
            if (e.call.chimney)
            {
                ChimneyCall(e);
            }
            else
            {
                Call(e);
            }
            break;
        case ScriptEvent::ASSERT:
            m_callDeadlineUs = hi + tol;
            Assert(e);
            break;
        default:
            break;
        }
    }
    CheckFindings(&e);
    m_lastInbound = e.kind == ScriptEvent::PACKET && e.packet.inbound;
    m_lastScriptUs = e.time.kind == ScriptTime::ANY ? NowUs() : lo;
}

void
ScriptRun::Inbound(const ScriptEvent& e)
{
    const ScriptPacket& p = e.packet;
    TcpSegment s;
    s.srcPort = m_remotePort;
    s.dstPort = m_localPort;
    s.flags = p.flags;
    if (p.flags & TcpSegment::SYN)
    {
        // A SYN's sequence number is absolute; the first one sets the peer's ISN (a later
        // SYN, e.g. on an established connection, keeps it).
        if (!m_remoteIsnKnown)
        {
            m_remoteIsn = p.seq;
            m_remoteIsnKnown = true;
        }
        s.seq = p.seq;
    }
    else
    {
        s.seq = m_remoteIsn + p.seq;
    }
    if (p.hasAck)
    {
        if (!m_localIsnKnown)
        {
            Bad(e, "'ack' on an inbound segment before the host sent its SYN (no ISN known)");
        }
        s.ack = m_localIsn + p.ack;
    }
    s.window = p.hasWin ? static_cast<uint16_t>(p.win) : 65535;
    for (const auto& o : p.options)
    {
        if (o.kind == "mss")
        {
            s.mss = static_cast<uint16_t>(o.value);
        }
        else if (o.kind == "wscale")
        {
            s.windowScale = static_cast<uint8_t>(o.value);
        }
        else if (o.kind == "sackOK")
        {
            s.sackPermitted = true;
        }
        else if (o.kind == "TS")
        {
            s.hasTimestamp = true;
            s.tsVal = o.value;
            s.tsEcr = o.value2;
        }
    }
    s.payload.assign(p.len, 0);
    Ptr<Packet> packet = ToPacket(s, m_remote, m_local);
    Ipv4Header ip;
    ip.SetSource(m_remote);
    ip.SetDestination(m_local);
    ip.SetProtocol(6);
    ip.SetTtl(64);
    ip.SetPayloadSize(packet->GetSize());
    if (Node::ChecksumEnabled())
    {
        ip.EnableChecksum();
    }
    packet->AddHeader(ip);
    if (m_verbose)
    {
        std::cout << "  " << Seconds(NowUs()) << " < " << Describe(s, false) << "\n";
    }
    m_peerDevice->Send(packet, m_peerDevice->GetBroadcast(), 0x0800);
}

void
ScriptRun::Outbound(const ScriptEvent& e, int64_t lo, int64_t hi, int64_t tol)
{
    const ScriptPacket& p = e.packet;
    if (m_outbound.empty())
    {
        m_waitOutbound = true;
        RunUntilUs(hi + tol + 1);
        m_waitOutbound = false;
    }
    CheckFindings(&e);
    if (m_outbound.empty())
    {
        Fail(e,
             "expected outbound segment > " + Describe(p) + " by " + Seconds(hi + tol) +
                 " s, but the host sent nothing");
    }
    const Seen seen = m_outbound.front();
    m_outbound.pop_front();
    const TcpSegment& s = seen.segment;
    if (s.Has(TcpSegment::SYN))
    {
        m_localIsn = s.seq;
        m_localIsnKnown = true;
        m_localPort = s.srcPort;
    }
    if (!m_localIsnKnown)
    {
        Fail(e, "outbound segment before the host's SYN: > " + Describe(s, true));
    }
    std::vector<std::string> wrong;
    if (s.flags != p.flags)
    {
        wrong.push_back("flags");
    }
    const uint32_t seq = s.Has(TcpSegment::SYN) ? p.seq : s.seq - m_localIsn;
    if (!s.Has(TcpSegment::SYN) && seq != p.seq)
    {
        wrong.push_back("sequence number");
    }
    if (s.payload.size() != p.len)
    {
        wrong.push_back("payload length");
    }
    if (p.hasAck && s.ack - m_remoteIsn != p.ack)
    {
        wrong.push_back("ack");
    }
    if (p.hasWin && s.window != p.win)
    {
        wrong.push_back("window");
    }
    if (!p.anyOptions)
    {
        bool mss = false;
        bool ws = false;
        bool sack = false;
        bool ts = false;
        bool same = true;
        for (const auto& o : p.options)
        {
            if (o.kind == "mss")
            {
                mss = true;
                same = same && s.mss && *s.mss == o.value;
            }
            else if (o.kind == "wscale")
            {
                ws = true;
                same = same && s.windowScale && *s.windowScale == o.value;
            }
            else if (o.kind == "sackOK")
            {
                sack = true;
            }
            else if (o.kind == "TS")
            {
                ts = true;
            }
        }
        if (!same || mss != s.mss.has_value() || ws != s.windowScale.has_value() ||
            sack != s.sackPermitted || ts != s.hasTimestamp)
        {
            wrong.push_back("options");
        }
    }
    if (!wrong.empty())
    {
        std::string fields;
        for (size_t i = 0; i < wrong.size(); ++i)
        {
            fields += (i ? ", " : "") + wrong[i];
        }
        Fail(e,
             "outbound segment differs (" + fields + ")\n  expected: > " + Describe(p) +
                 "\n  actual:   > " + Describe(s, true) + " at " + Seconds(seen.atUs) + " s");
    }
    CheckTime(e, seen.atUs, lo, hi, tol, "outbound segment > " + Describe(p));
}

void
ScriptRun::Expect(const ScriptEvent& e, int64_t lo, int64_t hi, int64_t tol)
{
    const ScriptExpect& x = e.expect;
    auto& pending = m_tap.Pending();
    auto find = [&]() {
        // Completions and indications no line asked for are not errors (the verifier judges
        // them), but one that came before this line's window cannot match it.
        while (!pending.empty() && e.time.kind != ScriptTime::ANY &&
               pending.front().at.GetMicroSeconds() < lo - tol)
        {
            pending.pop_front();
        }
        return std::find_if(pending.begin(), pending.end(), [&](const auto& o) {
            return o.completion == x.completion && o.what == x.what;
        });
    };
    const std::string what = std::string(x.completion ? "completion " : "indication ") + x.what;
    if (find() == pending.end())
    {
        m_waitChimney = true;
        while (find() == pending.end() && NowUs() <= hi + tol)
        {
            RunUntilUs(hi + tol + 1);
        }
        m_waitChimney = false;
    }
    CheckFindings(&e);
    auto it = find();
    if (it == pending.end())
    {
        Fail(e, "expected " + what + " by " + Seconds(hi + tol) + " s, but none came");
    }
    const ChimneyScriptTap::Observed o = *it;
    pending.erase(it);
    std::vector<std::string> wrong;
    std::ostringstream actual;
    actual << (o.completion ? "complete " : "indicate ") << o.what;
    if (o.completion)
    {
        actual << " " << ToString(o.status);
        if (x.status != ToString(o.status))
        {
            wrong.push_back("status");
        }
        actual << " bytes=" << o.bytes;
    }
    else if (o.what == "retrieve")
    {
        actual << " " << ToString(o.reason);
        if (!x.status.empty() && Normalize(x.status) != Normalize(ToString(o.reason)))
        {
            wrong.push_back("reason");
        }
    }
    if (o.hasState)
    {
        actual << " snd_una=" << o.state.sndUna - m_localIsn
               << " snd_nxt=" << o.state.sndNxt - m_localIsn
               << " snd_max=" << o.state.sndMax - m_localIsn
               << " rcv_nxt=" << o.state.rcvNxt - m_remoteIsn << " send_chain=" << o.sendChainBytes
               << " state=" << ToString(o.state.state);
    }
    for (const auto& [key, value] : x.keys)
    {
        std::string got;
        if (key == "bytes")
        {
            got = std::to_string(o.bytes);
        }
        else if (!o.hasState)
        {
            Bad(e, "'" + key + "' is only known for a terminate completion");
        }
        else if (key == "snd_una")
        {
            got = std::to_string(o.state.sndUna - m_localIsn);
        }
        else if (key == "snd_nxt")
        {
            got = std::to_string(o.state.sndNxt - m_localIsn);
        }
        else if (key == "snd_max")
        {
            got = std::to_string(o.state.sndMax - m_localIsn);
        }
        else if (key == "rcv_nxt")
        {
            got = std::to_string(o.state.rcvNxt - m_remoteIsn);
        }
        else if (key == "send_chain")
        {
            got = std::to_string(o.sendChainBytes);
        }
        else if (key == "state")
        {
            got = ToString(o.state.state);
            if (Normalize(value) == Normalize(got))
            {
                continue;
            }
        }
        if (got != value)
        {
            wrong.push_back(key);
        }
    }
    if (!wrong.empty())
    {
        std::string fields;
        for (size_t i = 0; i < wrong.size(); ++i)
        {
            fields += (i ? ", " : "") + wrong[i];
        }
        Fail(e,
             what + " differs (" + fields + ")\n  actual: " + actual.str() + " at " +
                 Seconds(o.at.GetMicroSeconds()) + " s");
    }
    CheckTime(e, o.at.GetMicroSeconds(), lo, hi, tol, what);
}

ChimneyScriptResult
ScriptRun::Run()
{
    ChimneyScriptResult result;
    result.script = m_script.name;
    try
    {
        Configure();
        Build();
        for (const auto& e : m_script.events)
        {
            Step(e);
            ++result.eventsRun;
        }
        // A short drain: a stray segment or a finding right after the last line still counts.
        m_waitOutbound = true;
        RunUntilUs(NowUs() + m_drainUs);
        m_waitOutbound = false;
        if (m_audit)
        {
            m_verifier->Finish();
        }
        if (!m_script.events.empty())
        {
            const ScriptEvent& last = m_script.events.back();
            CheckFindings(&last);
            if (!m_outbound.empty())
            {
                throw ScriptStop{ChimneyScriptResult::FAIL,
                                 last.line,
                                 m_script.name + ":" + std::to_string(last.line) +
                                     ": unexpected outbound segment > " +
                                     Describe(m_outbound.front().segment, true) + " at " +
                                     Seconds(m_outbound.front().atUs) + " s, after the last line"};
            }
        }
    }
    catch (const ScriptStop& stop)
    {
        result.outcome = stop.outcome;
        result.line = stop.line;
        result.message = stop.message;
    }
    result.findings = m_findings;
    result.simulatedSeconds = Simulator::Now().GetSeconds();
    Simulator::Destroy();
    return result;
}

} // namespace chimneyscript

using chimneyscript::ScriptRun;

void
ChimneyScriptRunner::SetDefect(const std::string& defect)
{
    m_defect = defect == "None" ? "" : defect;
}

void
ChimneyScriptRunner::SetVerbose(bool verbose)
{
    m_verbose = verbose;
}

ChimneyScriptResult
ChimneyScriptRunner::RunFile(const std::string& path) const
{
    std::ifstream in(path);
    if (!in)
    {
        ChimneyScriptResult r;
        r.script = path;
        r.outcome = ChimneyScriptResult::BAD_SCRIPT;
        r.message = path + ": cannot read the file";
        return r;
    }
    std::ostringstream text;
    text << in.rdbuf();
    return RunText(text.str(), path);
}

ChimneyScriptResult
ChimneyScriptRunner::RunText(const std::string& text, const std::string& name) const
{
    ChimneyScript script;
    ScriptSyntaxError error;
    ChimneyScriptResult result;
    result.script = name;
    if (!ParseChimneyScript(text, name, script, error))
    {
        result.outcome = ChimneyScriptResult::BAD_SCRIPT;
        result.line = error.line;
        result.message = FormatScriptError(name, error);
        return result;
    }
    if (script.unsupported)
    {
        result.outcome = ChimneyScriptResult::SKIP;
        result.line = script.unsupportedLine;
        result.message = name + ":" + std::to_string(script.unsupportedLine) +
                         ": SKIP: unsupported: " + *script.unsupported;
        return result;
    }
    return ScriptRun(script, m_defect, m_verbose).Run();
}

} // namespace ns3
