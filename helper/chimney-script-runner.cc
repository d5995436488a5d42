/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-script-runner.h"

#include "chimney-helper.h"
#include "chimney-script-tap.h"
#include "chimney-stack-helper.h"
#include "chimney-verifier-helper.h"

#include "ns3/chimney-host-stack.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-socket.h"
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

namespace
{

/// A run ends at the first failure: thrown inside, caught by ScriptRun::Run.
struct ScriptStop
{
    ChimneyScriptResult::Outcome outcome;
    int line;
    std::string message;
};

const uint16_t kLocalPort = 8080;   // packetdrill's server port
const uint16_t kRemotePort = 40000; // the script's port for inbound connections

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

/// One script run: the simulation, the peer's view of the connection, the event loop.
class ScriptRun
{
  public:
    ScriptRun(const ChimneyScript& script, const std::string& defect, bool verbose)
        : m_script(script),
          m_defect(defect),
          m_verbose(verbose)
    {
    }

    ChimneyScriptResult Run();

  private:
    /// A socket descriptor of the script.
    struct Fd
    {
        Ptr<ChimneySocket> socket;
        bool listening{false};
        std::deque<Ptr<ChimneySocket>> accepted; //!< listener: connections not accepted yet
        bool lingerAbort{false};                 //!< SO_LINGER {1, 0}: close() is abortive
        bool peerClosed{false};                  //!< normal close seen
        int error{0};                            //!< pending errno (SO_ERROR)
        bool failed{false};                      //!< reset / refused / timed out
    };

    /// An outbound segment seen on the link.
    struct Seen
    {
        TcpSegment segment;
        int64_t atUs;
    };

    void Configure();
    void Build();
    void Step(const ScriptEvent& e);
    void RunUntilUs(int64_t us);
    int64_t NowUs() const;
    void Fail(const ScriptEvent& e, const std::string& message) const;
    void Bad(const ScriptEvent& e, const std::string& message) const;
    void CheckFindings(const ScriptEvent* e);
    void CheckNoStraySegments(const ScriptEvent& e);
    void Window(const ScriptEvent& e, int64_t* lo, int64_t* hi, int64_t* tolerance);
    void CheckTime(const ScriptEvent& e,
                   int64_t actualUs,
                   int64_t lo,
                   int64_t hi,
                   int64_t tol,
                   const std::string& what);

    void WaitFor(const std::function<bool()>& ready);
    void Inbound(const ScriptEvent& e);
    void Outbound(const ScriptEvent& e, int64_t lo, int64_t hi, int64_t tol);
    void Expect(const ScriptEvent& e, int64_t lo, int64_t hi, int64_t tol);
    void Call(const ScriptEvent& e);
    void ChimneyCall(const ScriptEvent& e);
    void Assert(const ScriptEvent& e);
    std::string ReadState(const ScriptEvent& e, OffloadHandle h);

    void OnFrame(Ptr<NetDevice> device,
                 Ptr<const Packet> packet,
                 uint16_t protocol,
                 const Address& from,
                 const Address& to,
                 NetDevice::PacketType type);
    std::string Describe(const TcpSegment& s, bool outbound) const;
    static std::string Describe(const ScriptPacket& p);

    Fd& GetFd(const ScriptEvent& e, size_t arg);
    int ArgNumber(const ScriptEvent& e, size_t arg);
    void CheckReturn(const ScriptEvent& e, int value, const std::string& errnoName);
    void WatchSocket(int fd);
    OffloadHandle Handle(const ScriptEvent& e, size_t arg);

    const ChimneyScript& m_script;
    std::string m_defect;
    bool m_verbose;

    // options
    int64_t m_toleranceUs{4000};
    double m_tolerancePercent{12.5};
    int64_t m_drainUs{10000};
    bool m_audit{false};
    std::string m_linkDelay{"0ms"};
    std::string m_linkRate{"1Gbps"};
    std::vector<std::pair<std::string, std::string>> m_stackAttributes;
    std::vector<std::pair<std::string, std::string>> m_deviceAttributes;

    // the simulation
    NodeContainer m_nodes;
    Ptr<ChimneyNetDevice> m_device;
    Ptr<NetDevice> m_peerDevice;
    Ptr<ChimneyHostStack> m_stack;
    Ptr<ChimneyVerifier> m_verifier;
    ChimneyScriptTap m_tap;
    Ipv4Address m_local{"10.0.0.1"};
    Ipv4Address m_remote{"10.0.0.2"};

    // the connection as the peer sees it
    uint16_t m_localPort{kLocalPort};
    uint16_t m_remotePort{kRemotePort};
    bool m_localIsnKnown{false};
    uint32_t m_localIsn{0};
    uint32_t m_remoteIsn{0};
    bool m_remoteIsnKnown{false};
    std::deque<Seen> m_outbound;
    bool m_waitOutbound{false};
    bool m_waitChimney{false};

    // script state
    std::map<int, Fd> m_fds;
    int m_nextFd{3};
    int m_lastFd{-1};
    std::vector<std::string> m_findings;
    size_t m_findingsReported{0};
    int64_t m_lastScriptUs{0};
    bool m_lastInbound{false};
    int m_currentLine{0};
    int64_t m_callDeadlineUs{0}; //!< a call that would block may wait until then
};

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
        auto number = [&](const std::string& v) {
            char* end = nullptr;
            const double d = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || d < 0)
            {
                throw ScriptStop{ChimneyScriptResult::BAD_SCRIPT,
                                 0,
                                 m_script.name + ": bad value '" + v + "' for --" + key};
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
    // The tap sits between stack and device and changes nothing: it records for the script.
    m_tap.SetOffloadClient(PeekPointer(m_stack));
    m_tap.SetLowerLayer(PeekPointer(m_device));
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
            Callback<void, std::string, OffloadHandle, uint64_t, ChimneyStatus, uint64_t>(
                [this](std::string op, OffloadHandle h, uint64_t, ChimneyStatus st, uint64_t b) {
                    std::cout << "  " << Seconds(NowUs()) << " device completion " << op
                              << " h=" << h << " " << ToString(st) << " bytes=" << b << "\n";
                }));
    }
    m_verifier = ChimneyVerifierHelper().Install(devices);
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

ScriptRun::Fd&
ScriptRun::GetFd(const ScriptEvent& e, size_t arg)
{
    const int fd = ArgNumber(e, arg);
    auto it = m_fds.find(fd);
    if (it == m_fds.end())
    {
        Bad(e, "file descriptor " + std::to_string(fd) + " is not open");
    }
    m_lastFd = fd;
    return it->second;
}

int
ScriptRun::ArgNumber(const ScriptEvent& e, size_t arg)
{
    if (arg >= e.call.args.size())
    {
        Bad(e, e.call.name + " needs argument " + std::to_string(arg + 1));
    }
    std::string t = e.call.args[arg].text;
    if (!t.empty() && t.front() == '[' && t.back() == ']')
    {
        t = t.substr(1, t.size() - 2);
    }
    const int err = ErrnoValue(t);
    if (err > 0)
    {
        return err;
    }
    char* end = nullptr;
    const long v = std::strtol(t.c_str(), &end, 10);
    if (t.empty() || *end != '\0' || v < 0 || v > 100000000)
    {
        Bad(e,
            "argument " + std::to_string(arg + 1) + " of " + e.call.name + " ('" +
                e.call.args[arg].text + "') is not a number");
    }
    return static_cast<int>(v);
}

void
ScriptRun::CheckReturn(const ScriptEvent& e, int value, const std::string& errnoName)
{
    const std::string got =
        std::to_string(value) + (value < 0 && !errnoName.empty() ? " " + errnoName : "");
    const std::string want =
        e.call.result + (e.call.errnoName.empty() ? "" : " " + e.call.errnoName);
    if (got != want)
    {
        Fail(e, e.call.name + "() returned " + got + ", expected " + want);
    }
}

void
ScriptRun::WatchSocket(int fd)
{
    Ptr<ChimneySocket> s = m_fds[fd].socket;
    s->SetCloseCallbacks(
        Callback<void, Ptr<Socket>>([this, fd](Ptr<Socket>) { m_fds[fd].peerClosed = true; }),
        Callback<void, Ptr<Socket>>([this, fd](Ptr<Socket> s) {
            Fd& f = m_fds[fd];
            f.failed = true;
            // ns-3 socket errors do not tell reset from timeout here.
            f.error = ErrnoValue("ECONNRESET");
            (void)s;
        }));
}

void
ScriptRun::Call(const ScriptEvent& e)
{
    const ScriptCall& c = e.call;
    if (c.name == "socket")
    {
        const int fd = m_nextFd++;
        m_fds[fd].socket = m_stack->CreateSocket();
        m_lastFd = fd;
        CheckReturn(e, fd, "");
        return;
    }
    Fd& f = GetFd(e, 0);
    const int fd = ArgNumber(e, 0);
    Ptr<ChimneySocket> s = f.socket;
    if (c.name == "bind")
    {
        const int r = s->Bind(InetSocketAddress(Ipv4Address::GetAny(), kLocalPort));
        m_localPort = kLocalPort;
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "EINVAL");
    }
    else if (c.name == "listen")
    {
        f.listening = true;
        s->SetAcceptCallback(
            MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
            Callback<void, Ptr<Socket>, const Address&>([this, fd](Ptr<Socket> n, const Address&) {
                m_fds[fd].accepted.push_back(DynamicCast<ChimneySocket>(n));
            }));
        const int r = s->Listen();
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "EINVAL");
    }
    else if (c.name == "accept")
    {
        WaitFor([&f]() { return !f.accepted.empty(); });
        if (f.accepted.empty())
        {
            CheckReturn(e, -1, "EAGAIN");
            return;
        }
        const int n = m_nextFd++;
        m_fds[n].socket = f.accepted.front();
        f.accepted.pop_front();
        WatchSocket(n);
        m_lastFd = n;
        CheckReturn(e, n, "");
    }
    else if (c.name == "connect")
    {
        if (c.result == "0")
        {
            throw ScriptStop{ChimneyScriptResult::SKIP,
                             e.line,
                             m_script.name + ":" + std::to_string(e.line) +
                                 ": SKIP: unsupported: blocking connect() (sockets here are "
                                 "non-blocking: expect -1 EINPROGRESS)"};
        }
        WatchSocket(fd);
        s->SetConnectCallback(MakeNullCallback<void, Ptr<Socket>>(),
                              Callback<void, Ptr<Socket>>([this, fd](Ptr<Socket>) {
                                  m_fds[fd].failed = true;
                                  m_fds[fd].error = ErrnoValue("ECONNREFUSED");
                              }));
        m_remotePort = kLocalPort;
        const int r = s->Connect(InetSocketAddress(m_remote, kLocalPort));
        CheckReturn(e, r == 0 ? -1 : -1, r == 0 ? "EINPROGRESS" : "EINVAL");
    }
    else if (c.name == "write" || c.name == "send")
    {
        const int n = ArgNumber(e, 2);
        if (f.failed)
        {
            CheckReturn(e, -1, f.error == ErrnoValue("ECONNRESET") ? "ECONNRESET" : "EPIPE");
            return;
        }
        const int r = s->Send(Create<Packet>(n), 0);
        CheckReturn(e, r < 0 ? -1 : r, r < 0 ? "EAGAIN" : "");
    }
    else if (c.name == "read" || c.name == "recv")
    {
        const int n = ArgNumber(e, 2);
        WaitFor([&f, s]() { return s->GetRxAvailable() > 0 || f.failed || f.peerClosed; });
        if (s->GetRxAvailable() > 0)
        {
            Ptr<Packet> p = s->Recv(n, 0);
            CheckReturn(e, p ? static_cast<int>(p->GetSize()) : 0, "");
        }
        else if (f.failed)
        {
            CheckReturn(e, -1, "ECONNRESET");
        }
        else if (f.peerClosed)
        {
            CheckReturn(e, 0, "");
        }
        else
        {
            CheckReturn(e, -1, "EAGAIN");
        }
    }
    else if (c.name == "close")
    {
        const int r = f.lingerAbort ? s->Abort() : s->Close();
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "ENOTCONN");
    }
    else if (c.name == "shutdown")
    {
        const std::string how = c.args.size() > 1 ? c.args[1].text : "";
        int r = 0;
        if (how == "SHUT_WR" || how == "SHUT_RDWR")
        {
            r = s->ShutdownSend();
        }
        if (how == "SHUT_RD" || how == "SHUT_RDWR")
        {
            r = r == 0 ? s->ShutdownRecv() : r;
        }
        else if (how != "SHUT_WR")
        {
            Bad(e, "shutdown's second argument must be SHUT_RD, SHUT_WR or SHUT_RDWR");
        }
        CheckReturn(e, r == 0 ? 0 : -1, r == 0 ? "" : "ENOTCONN");
    }
    else if (c.name == "setsockopt")
    {
        const std::string opt = c.args[2].text;
        const std::string value = c.args.size() > 3 ? c.args[3].text : "";
        if (opt == "SO_LINGER")
        {
            int onoff = -1;
            int linger = -1;
            if (std::sscanf(value.c_str(), "{onoff=%d, linger=%d}", &onoff, &linger) != 2 &&
                std::sscanf(value.c_str(), "{onoff=%d,linger=%d}", &onoff, &linger) != 2)
            {
                Bad(e, "SO_LINGER value must be {onoff=N, linger=N}");
            }
            if (onoff == 1 && linger != 0)
            {
                throw ScriptStop{ChimneyScriptResult::SKIP,
                                 e.line,
                                 m_script.name + ":" + std::to_string(e.line) +
                                     ": SKIP: unsupported: SO_LINGER with a non-zero timeout"};
            }
            f.lingerAbort = onoff == 1 && linger == 0;
        }
        else if (opt == "SO_RCVBUF" || opt == "SO_SNDBUF")
        {
            const int n = ArgNumber(e, 3);
            m_stack->SetAttribute(opt == "SO_RCVBUF" ? "RcvBufSize" : "SndBufSize",
                                  UintegerValue(n));
        }
        CheckReturn(e, 0, "");
    }
    else if (c.name == "getsockopt")
    {
        const int want = ArgNumber(e, 3);
        if (want != f.error)
        {
            Fail(e,
                 "SO_ERROR is " + std::to_string(f.error) + ", expected " + std::to_string(want));
        }
        CheckReturn(e, 0, "");
    }
    else if (c.name == "fcntl")
    {
        const std::string cmd = c.args.size() > 1 ? c.args[1].text : "";
        if (cmd != "F_SETFL")
        {
            throw ScriptStop{ChimneyScriptResult::SKIP,
                             e.line,
                             m_script.name + ":" + std::to_string(e.line) +
                                 ": SKIP: unsupported: fcntl " + cmd + " (only F_SETFL)"};
        }
        CheckReturn(e, 0, ""); // sockets here never block: O_NONBLOCK changes nothing
    }
}

void
ScriptRun::WaitFor(const std::function<bool()>& ready)
{
    // A call that would block (accept, read) completes if it can within the line's window:
    // packetdrill's blocking calls, kept inside the timing tolerance.
    while (!ready() && NowUs() < m_callDeadlineUs)
    {
        RunUntilUs(std::min(m_callDeadlineUs, NowUs() + 10));
    }
}

OffloadHandle
ScriptRun::Handle(const ScriptEvent& e, size_t arg)
{
    Fd& f = GetFd(e, arg);
    const OffloadHandle h = f.socket->GetHandle();
    if (h == INVALID_OFFLOAD_HANDLE)
    {
        Bad(e, "file descriptor " + e.call.args[arg].text + " has no connection");
    }
    return h;
}

void
ScriptRun::ChimneyCall(const ScriptEvent& e)
{
    const ScriptCall& c = e.call;
    const size_t requests = m_tap.Requests().size();
    ChimneyStatus returned = ChimneyStatus::SUCCESS;
    if (c.name == "hardware_failure")
    {
        m_device->InjectHardwareFailure();
    }
    else
    {
        const OffloadHandle h = Handle(e, 0);
        if (c.name == "offload")
        {
            if (c.args.size() > 1)
            {
                const std::string state = ToString(m_stack->GetTcpState(h));
                if (Normalize(state) != Normalize(c.args[1].text))
                {
                    Fail(e,
                         "the connection is in " + state + ", not " + c.args[1].text +
                             ", when offloaded");
                }
            }
            returned = m_stack->Offload(h);
        }
        else if (c.name == "terminate")
        {
            returned = m_stack->Terminate(h);
        }
        else if (c.name == "disconnect")
        {
            const std::string how = c.args.size() > 1 ? c.args[1].text : "";
            uint32_t size = 0;
            for (size_t i = 2; i < c.args.size(); ++i)
            {
                unsigned n = 0;
                if (std::sscanf(c.args[i].text.c_str(), "data=%u", &n) != 1 || n > 1000000)
                {
                    Bad(e, "disconnect arguments: (fd, graceful|abortive[, data=N])");
                }
                size = n;
            }
            if (how != "graceful" && how != "abortive")
            {
                Bad(e, "disconnect needs graceful or abortive, not '" + how + "'");
            }
            std::vector<uint8_t> data(size, 0);
            returned = m_stack->Disconnect(h,
                                           data,
                                           how == "graceful" ? TCP_DISCONNECT_GRACEFUL_CLOSE
                                                             : TCP_DISCONNECT_ABORTIVE_CLOSE);
        }
        else if (c.name == "retrieve")
        {
            ChimneyUploadReason reason = ChimneyUploadReason::UPLOAD_REQUESTED;
            if (c.args.size() > 1)
            {
                bool found = false;
                for (int r = 1; r <= 10 && !found; ++r)
                {
                    const auto candidate = static_cast<ChimneyUploadReason>(r);
                    if (Normalize(ToString(candidate)) == Normalize(c.args[1].text))
                    {
                        reason = candidate;
                        found = true;
                    }
                }
                if (!found)
                {
                    Bad(e, "unknown Retrieve reason '" + c.args[1].text + "'");
                }
            }
            returned = m_device->IndicateRetrieve(h, reason) ? ChimneyStatus::SUCCESS
                                                             : ChimneyStatus::INVALID_STATE;
        }
    }
    // The value of a chimney line: what the layer below returned to the request the host made
    // during the call, or the host stack's own answer when it made none.
    if (m_tap.Requests().size() > requests)
    {
        returned = m_tap.Requests()[requests].returned;
    }
    if (c.hasResult && c.result != ToString(returned))
    {
        Fail(e, c.name + " returned " + std::string(ToString(returned)) + ", expected " + c.result);
    }
}

void
ScriptRun::Assert(const ScriptEvent& e)
{
    if (m_lastFd < 0 || !m_fds[m_lastFd].socket ||
        m_fds[m_lastFd].socket->GetHandle() == INVALID_OFFLOAD_HANDLE)
    {
        Bad(e, "no connection to assert on (the assertion is about the last socket used)");
    }
    const OffloadHandle h = m_fds[m_lastFd].socket->GetHandle();
    std::string got;
    // Like a blocking call, the assertion may come true within the line's timing tolerance
    // (the wire and the target take simulated time where a kernel would be synchronous).
    WaitFor([&]() {
        got = ReadState(e, h);
        return got == e.check.value;
    });
    if (got != e.check.value)
    {
        Fail(e,
             "assertion failed: " + e.check.variable + " is " + got + ", expected " +
                 e.check.value);
    }
}

std::string
ScriptRun::ReadState(const ScriptEvent& e, OffloadHandle h)
{
    const ChimneyHostStack::Phase phase = m_stack->GetPhase(h);
    std::string got;
    if (e.check.variable == "chimney_phase")
    {
        got = ChimneyHostStack::ToString(phase);
    }
    else
    {
        TcpState state = m_stack->GetTcpState(h);
        if (phase == ChimneyHostStack::Phase::OFFLOADED ||
            phase == ChimneyHostStack::Phase::TERMINATING)
        {
            m_device->GetTcpState(h, state);
        }
        static const std::map<TcpState, std::string> linux{
            {TcpState::Closed, "TCP_CLOSE"},
            {TcpState::Listen, "TCP_LISTEN"},
            {TcpState::SynSent, "TCP_SYN_SENT"},
            {TcpState::SynRcvd, "TCP_SYN_RECV"},
            {TcpState::Established, "TCP_ESTABLISHED"},
            {TcpState::FinWait1, "TCP_FIN_WAIT1"},
            {TcpState::FinWait2, "TCP_FIN_WAIT2"},
            {TcpState::CloseWait, "TCP_CLOSE_WAIT"},
            {TcpState::Closing, "TCP_CLOSING"},
            {TcpState::LastAck, "TCP_LAST_ACK"},
            {TcpState::TimeWait, "TCP_TIME_WAIT"}};
        got = linux.at(state);
    }
    return got;
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

} // namespace

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
