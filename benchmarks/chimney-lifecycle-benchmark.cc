/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// Lifecycle benchmark: the offloaded path against ns-3's own TCP, side by side (issue 8).
//
// One workload -- N point-to-point host pairs x M sequential connections of B bytes each,
// graceful close -- runs in this one process once per mode, Simulator::Destroy() in between:
//   native-native   TcpSocketBase both ends
//   chimney-native  chimney client (ChimneyHelper + ChimneyStackHelper), ns-3 server
//   chimney-chimney chimney hosts both ends
// each with the verifier off and on (ChimneyVerifierHelper over every chimney device; with no
// chimney device the native "on" row is a second native run, a measure of run-to-run noise).
// Every lifecycle is checked: the server received exactly B bytes and then the client's FIN,
// the client then received the server's FIN, and a while later the server is CLOSED and the
// client in TIME_WAIT or CLOSED. A lifecycle that fails any of these counts as failed.
//
// Per mode it prints lifecycles per wall-second (of Simulator::Run), scheduler events per
// lifecycle (Simulator::GetEventCount), peak RSS (VmHWM, reset before each mode through
// /proc/self/clear_refs), the RSS and heap growth of the run, and each as a ratio to
// native-native; --json=FILE writes the same as JSON. --scale=K instead opens K concurrent
// offloaded connections over one chimney-chimney pair (65,536 for the scale figure) and
// reports the device's per-connection state and the process's memory per connection.
//
//   scripts/bench-lifecycle.sh                       # defaults, about a minute
//   scripts/bench-lifecycle.sh --scale=65536

#include "ns3/chimney-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <malloc.h>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

// ------------------------------------------------------------------------------ process memory

/// A field of /proc/self/status in KiB (0 when unreadable).
uint64_t
StatusKiB(const char* field)
{
    std::ifstream status("/proc/self/status");
    std::string line;
    const std::string prefix = std::string(field) + ":";
    while (std::getline(status, line))
    {
        if (line.compare(0, prefix.size(), prefix) == 0)
        {
            return std::stoull(line.substr(prefix.size()));
        }
    }
    return 0;
}

/// Reset VmHWM to the current RSS (Linux >= 4.0). \returns false if the kernel refused.
bool
ResetPeakRss()
{
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return static_cast<bool>(clear);
}

/// Bytes of heap in use (glibc).
uint64_t
HeapInUse()
{
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

// ------------------------------------------------------------------------------ the workload

/// What one mode's run counted.
struct Counters
{
    uint64_t started = 0;
    uint64_t completed = 0; //!< passed every check
    uint64_t failed = 0;
    std::vector<std::string> reasons; //!< the first few failures, for the report

    void Fail(const std::string& why)
    {
        ++failed;
        if (reasons.size() < 5)
        {
            reasons.push_back(why);
        }
    }
};

/// One side of a lifecycle: the socket and what it saw.
struct Side
{
    Ptr<Socket> socket;
    bool chimney = false;                             //!< a ChimneySocket (else TcpSocketBase)
    TcpSocket::TcpStates_t state = TcpSocket::CLOSED; //!< last TcpSocketBase state
    bool peerFin = false;                             //!< the peer's FIN was seen
    bool reset = false;                               //!< an error close was seen
};

class Lifecycle;

/// One host pair: its connections run one after another.
struct Pair
{
    Ptr<Node> client;
    Ptr<Node> server;
    Ipv4Address serverAddress;
    bool clientChimney = false;
    bool serverChimney = false;
    uint32_t connections = 0;     //!< M: lifecycles to run
    uint32_t bytes = 0;           //!< B
    Counters* counters = nullptr; //!< shared by all pairs of the mode
    Ptr<Socket> listener;
    std::deque<Lifecycle> lifecycles; //!< stable addresses: sockets call back into them

    void StartNext();
    void Accept(Ptr<Socket> socket, const Address& from);
};

/// \returns the TypeId of the socket factory for a chimney or ns-3 host
TypeId
Factory(bool chimney)
{
    return chimney ? ChimneySocketFactory::GetTypeId() : TcpSocketFactory::GetTypeId();
}

/// One connection: connect, send B bytes, close; the server closes on the client's FIN.
class Lifecycle
{
  public:
    /// \param pair the pair \param index which of its connections
    Lifecycle(Pair* pair, uint32_t index)
        : m_pair(pair),
          m_index(index)
    {
    }

    /// Open the connection now from an ephemeral port to port 9; send at once.
    void Start()
    {
        StartBound(0, 9, Time(0));
    }

    /**
     * \brief Open the connection now.
     * \param localPort the client's port (0: ephemeral)
     * \param remotePort the server's port
     * \param sendAt when to start sending (at once if already past)
     */
    void StartBound(uint16_t localPort, uint16_t remotePort, Time sendAt)
    {
        ++m_pair->counters->started;
        m_sendAt = sendAt;
        m_client.chimney = m_pair->clientChimney;
        m_client.socket = Socket::CreateSocket(m_pair->client, Factory(m_client.chimney));
        Watch(m_client, true);
        m_client.socket->SetConnectCallback(MakeCallback(&Lifecycle::OnConnected, this),
                                            MakeCallback(&Lifecycle::OnConnectFailed, this));
        if ((localPort != 0 &&
             m_client.socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), localPort)) != 0) ||
            m_client.socket->Connect(InetSocketAddress(m_pair->serverAddress, remotePort)) != 0)
        {
            Finish("connect refused locally");
        }
    }

    /// The server side was accepted.
    void Accepted(Ptr<Socket> socket)
    {
        m_server.chimney = m_pair->serverChimney;
        m_server.socket = socket;
        Watch(m_server, false);
    }

  private:
    void Watch(Side& side, bool client)
    {
        Ptr<Socket> s = side.socket;
        s->SetRecvCallback(client ? MakeCallback(&Lifecycle::OnClientRecv, this)
                                  : MakeCallback(&Lifecycle::OnServerRecv, this));
        s->SetCloseCallbacks(client ? MakeCallback(&Lifecycle::OnClientNormalClose, this)
                                    : MakeCallback(&Lifecycle::OnServerNormalClose, this),
                             client ? MakeCallback(&Lifecycle::OnClientErrorClose, this)
                                    : MakeCallback(&Lifecycle::OnServerErrorClose, this));
        if (!side.chimney)
        {
            side.state = client ? TcpSocket::SYN_SENT : TcpSocket::ESTABLISHED;
            s->TraceConnectWithoutContext("State",
                                          client ? MakeCallback(&Lifecycle::OnClientState, this)
                                                 : MakeCallback(&Lifecycle::OnServerState, this));
        }
    }

    void OnConnected(Ptr<Socket>)
    {
        m_client.socket->SetSendCallback(MakeCallback(&Lifecycle::OnSendSpace, this));
        if (m_sendAt > Simulator::Now())
        {
            Simulator::Schedule(m_sendAt - Simulator::Now(), &Lifecycle::Pump, this);
            return;
        }
        Pump();
    }

    void OnConnectFailed(Ptr<Socket>)
    {
        Finish("connect failed");
    }

    void OnSendSpace(Ptr<Socket>, uint32_t)
    {
        if (Simulator::Now() >= m_sendAt)
        {
            Pump(); // (the scale run holds its data until m_sendAt)
        }
    }

    /// Queue as much of the B bytes as the send buffer takes; Close() after the last.
    void Pump()
    {
        Ptr<Socket> s = m_client.socket;
        while (m_sent < m_pair->bytes)
        {
            const uint32_t room = s->GetTxAvailable();
            if (room == 0)
            {
                return;
            }
            const uint32_t n = std::min(room, m_pair->bytes - m_sent);
            const int sent = s->Send(Create<Packet>(n));
            if (sent <= 0)
            {
                return;
            }
            m_sent += static_cast<uint32_t>(sent);
        }
        if (!m_closeIssued)
        {
            m_closeIssued = true;
            s->Close();
        }
    }

    static void Drain(Ptr<Socket> s, uint64_t* count)
    {
        while (Ptr<Packet> p = s->Recv())
        {
            if (p->GetSize() == 0)
            {
                break;
            }
            *count += p->GetSize();
        }
    }

    void OnClientRecv(Ptr<Socket> s)
    {
        Drain(s, &m_clientReceived);
    }

    void OnServerRecv(Ptr<Socket> s)
    {
        Drain(s, &m_serverReceived);
    }

    // TcpSocketBase notifies a close before it changes state: act on the next event.
    void OnServerNormalClose(Ptr<Socket> s)
    {
        Drain(s, &m_serverReceived);
        Simulator::ScheduleNow(&Lifecycle::ServerPeerClosed, this);
    }

    void OnClientNormalClose(Ptr<Socket>)
    {
        if (m_client.chimney)
        {
            Simulator::ScheduleNow(&Lifecycle::ClientPeerClosed, this);
        }
        // ns-3: TIME_WAIT (OnClientState) says the server's FIN came.
    }

    void OnServerErrorClose(Ptr<Socket>)
    {
        m_server.reset = true;
        Finish("server saw a reset");
    }

    void OnClientErrorClose(Ptr<Socket>)
    {
        m_client.reset = true;
        Finish("client saw a reset");
    }

    void OnServerState(TcpSocket::TcpStates_t, TcpSocket::TcpStates_t now)
    {
        m_server.state = now;
    }

    void OnClientState(TcpSocket::TcpStates_t, TcpSocket::TcpStates_t now)
    {
        m_client.state = now;
        if (now == TcpSocket::TIME_WAIT)
        {
            Simulator::ScheduleNow(&Lifecycle::ClientPeerClosed, this);
        }
    }

    void ServerPeerClosed()
    {
        if (m_server.peerFin || m_done)
        {
            return;
        }
        // ns-3 reports an RST in ESTABLISHED as a normal close: only CLOSE_WAIT is a FIN.
        if (!m_server.chimney && m_server.state != TcpSocket::CLOSE_WAIT)
        {
            Finish("server closed without the client's FIN");
            return;
        }
        m_server.peerFin = true;
        if (m_serverReceived != m_pair->bytes)
        {
            Finish("server received " + std::to_string(m_serverReceived) + " of " +
                   std::to_string(m_pair->bytes) + " bytes before the FIN");
            return;
        }
        m_server.socket->Close();
    }

    void ClientPeerClosed()
    {
        if (m_client.peerFin || m_done)
        {
            return;
        }
        m_client.peerFin = true;
        if (!m_server.peerFin)
        {
            Finish("client saw the server's FIN before the server saw the client's");
            return;
        }
        m_done = true;
        // Both FINs are through; the server's LAST_ACK ends one ACK later. Check after a margin.
        Simulator::Schedule(Seconds(5), &Lifecycle::CheckClosed, this);
        Simulator::ScheduleNow(&Pair::StartNext, m_pair);
    }

    /// \returns true if the side is closed (the client may still be in TIME_WAIT)
    static bool IsClosed(const Side& side, bool client)
    {
        if (!side.chimney)
        {
            return side.state == TcpSocket::CLOSED ||
                   (client && side.state == TcpSocket::TIME_WAIT);
        }
        Ptr<ChimneySocket> cs = DynamicCast<ChimneySocket>(side.socket);
        Ptr<ChimneyHostStack> stack = cs->GetStack();
        const OffloadHandle h = cs->GetHandle();
        if (stack->GetOutcome(h) == ChimneyHostStack::Outcome::CLOSED)
        {
            return true;
        }
        const TcpState state = stack->GetTcpState(h);
        return client && state == TcpState::TimeWait &&
               stack->GetOutcome(h) == ChimneyHostStack::Outcome::OPEN;
    }

    void CheckClosed()
    {
        const bool server = IsClosed(m_server, false);
        const bool client = IsClosed(m_client, true);
        if (server && client)
        {
            ++m_pair->counters->completed;
        }
        else
        {
            m_pair->counters->Fail(std::string("pair lifecycle ") + std::to_string(m_index) + ": " +
                                   (server ? "" : "server not CLOSED ") +
                                   (client ? "" : "client not in TIME_WAIT/CLOSED"));
        }
        // The stacks keep what they still need (TIME_WAIT); the benchmark keeps nothing.
        m_client.socket = nullptr;
        m_server.socket = nullptr;
    }

    /// A failed lifecycle: count it and go on with the next.
    void Finish(const std::string& why)
    {
        if (m_done)
        {
            return;
        }
        m_done = true;
        m_pair->counters->Fail(why);
        Simulator::ScheduleNow(&Pair::StartNext, m_pair);
    }

    Pair* m_pair;
    uint32_t m_index;
    Side m_client;
    Side m_server;
    Time m_sendAt;
    uint32_t m_sent = 0;
    bool m_closeIssued = false;
    bool m_done = false;
    uint64_t m_serverReceived = 0;
    uint64_t m_clientReceived = 0;
};

void
Pair::StartNext()
{
    if (lifecycles.size() == connections)
    {
        return;
    }
    lifecycles.emplace_back(this, static_cast<uint32_t>(lifecycles.size()));
    lifecycles.back().Start();
}

void
Pair::Accept(Ptr<Socket> socket, const Address&)
{
    // Sequential: the connection being accepted is the last one started.
    lifecycles.back().Accepted(socket);
}

// ------------------------------------------------------------------------------ one mode

/// Options of every mode's run.
struct Options
{
    uint32_t pairs = 32;
    uint32_t connections = 64;
    uint32_t bytes = 16384;
    std::string dataRate = "1Gbps";
    std::string delay = "100us";
    uint32_t seed = 1;
};

/// A mode: which ends are chimney hosts, and the verifier.
struct Mode
{
    std::string name; //!< e.g. "chimney-chimney"
    bool clientChimney;
    bool serverChimney;
    bool verifier;
};

/// What one run of a mode measured.
struct Result
{
    Mode mode;
    uint64_t lifecycles = 0;
    uint64_t completed = 0;
    uint64_t failed = 0;
    uint64_t findings = 0;
    bool verifierAttached = false;
    double setupSeconds = 0;
    double runSeconds = 0;
    double runCpuSeconds =
        0; //!< CPU time of Simulator::Run (less noisy than wall on a shared machine)
    double destroySeconds = 0;
    uint64_t events = 0;
    double simSeconds = 0;
    uint64_t peakRssKiB = 0;
    int64_t rssDeltaKiB = 0;
    int64_t heapDeltaBytes = 0;
    std::vector<std::string> reasons;

    double Rate() const
    {
        return runSeconds > 0 ? static_cast<double>(lifecycles) / runSeconds : 0;
    }

    double CpuRate() const
    {
        return runCpuSeconds > 0 ? static_cast<double>(lifecycles) / runCpuSeconds : 0;
    }

    double EventsPerLifecycle() const
    {
        return lifecycles ? static_cast<double>(events) / static_cast<double>(lifecycles) : 0;
    }
};

using Clock = std::chrono::steady_clock;

double
Since(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/// \returns CPU seconds the process has used (one thread: the simulation's)
double
CpuNow()
{
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

Result
RunMode(const Mode& mode, const Options& o)
{
    malloc_trim(0); // give the previous mode's memory back, so RSS starts low
    ResetPeakRss();
    const uint64_t rssBefore = StatusKiB("VmRSS");
    const uint64_t heapBefore = HeapInUse();
    RngSeedManager::SetSeed(o.seed);
    RngSeedManager::SetRun(1);

    Result r;
    r.mode = mode;
    const auto setupStart = Clock::now();
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(o.dataRate));
    p2p.SetChannelAttribute("Delay", StringValue(o.delay));
    ChimneyHelper chimney;
    ChimneyStackHelper stacks;
    InternetStackHelper internet;
    Counters counters;
    std::deque<Pair> pairs;
    NodeContainer allNodes;
    NetDeviceContainer chimneyDevices;
    for (uint32_t i = 0; i < o.pairs; ++i)
    {
        NodeContainer nodes;
        nodes.Create(2);
        allNodes.Add(nodes);
        NetDeviceContainer links = p2p.Install(nodes);
        NetDeviceContainer ipDevices;
        for (uint32_t side = 0; side < 2; ++side)
        {
            const bool isChimney = side == 0 ? mode.clientChimney : mode.serverChimney;
            if (isChimney)
            {
                Ptr<NetDevice> device = chimney.Install(NetDeviceContainer(links.Get(side))).Get(0);
                chimneyDevices.Add(device);
                ipDevices.Add(device);
            }
            else
            {
                ipDevices.Add(links.Get(side));
            }
        }
        internet.Install(nodes);
        std::ostringstream subnet;
        subnet << "10." << (i / 256) << "." << (i % 256) << ".0";
        Ipv4AddressHelper address(subnet.str().c_str(), "255.255.255.0");
        Ipv4InterfaceContainer ifaces = address.Assign(ipDevices);
        Pair& pair = pairs.emplace_back();
        pair.client = nodes.Get(0);
        pair.server = nodes.Get(1);
        pair.serverAddress = ifaces.GetAddress(1);
        pair.clientChimney = mode.clientChimney;
        pair.serverChimney = mode.serverChimney;
        pair.connections = o.connections;
        pair.bytes = o.bytes;
        pair.counters = &counters;
    }
    stacks.Install(chimneyDevices);
    Ptr<ChimneyVerifier> verifier;
    if (mode.verifier && chimneyDevices.GetN() > 0)
    {
        verifier = ChimneyVerifierHelper().Install(chimneyDevices);
        r.verifierAttached = true;
    }
    for (size_t i = 0; i < pairs.size(); ++i)
    {
        Pair& pair = pairs[i];
        pair.listener = Socket::CreateSocket(pair.server, Factory(pair.serverChimney));
        NS_ABORT_MSG_IF(pair.listener->Bind(InetSocketAddress(Ipv4Address::GetAny(), 9)) != 0 ||
                            pair.listener->Listen() != 0,
                        "cannot listen on port 9");
        pair.listener->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                         MakeCallback(&Pair::Accept, &pair));
        // Pairs start 10 us apart so that their events interleave as in a real campaign.
        Simulator::Schedule(MicroSeconds(10) * static_cast<int64_t>(i), &Pair::StartNext, &pair);
    }
    // Bound: every lifecycle takes well under a second of simulated time; TIME_WAITs end too.
    Simulator::Stop(Seconds(1000 + 2.0 * o.connections));
    r.setupSeconds = Since(setupStart);

    const uint64_t eventsBefore = Simulator::GetEventCount();
    const auto runStart = Clock::now();
    const double cpuStart = CpuNow();
    Simulator::Run();
    r.runSeconds = Since(runStart);
    r.runCpuSeconds = CpuNow() - cpuStart;
    r.events = Simulator::GetEventCount() - eventsBefore;
    r.simSeconds = Simulator::Now().GetSeconds();
    if (verifier)
    {
        verifier->Finish();
        r.findings = verifier->GetFindingCount();
    }
    r.peakRssKiB = StatusKiB("VmHWM");
    r.rssDeltaKiB = static_cast<int64_t>(StatusKiB("VmRSS")) - static_cast<int64_t>(rssBefore);
    r.heapDeltaBytes = static_cast<int64_t>(HeapInUse()) - static_cast<int64_t>(heapBefore);

    r.lifecycles = static_cast<uint64_t>(o.pairs) * o.connections;
    r.completed = counters.completed;
    // Lifecycles never started or never finished (a stall) are failures too.
    r.failed = r.lifecycles - std::min(r.lifecycles, counters.completed);
    r.reasons = counters.reasons;
    if (counters.started < r.lifecycles)
    {
        r.reasons.push_back(std::to_string(r.lifecycles - counters.started) +
                            " lifecycles never started (a pair stalled)");
    }

    const auto destroyStart = Clock::now();
    verifier = nullptr;
    pairs.clear();
    Simulator::Destroy();
    r.destroySeconds = Since(destroyStart);
    return r;
}

// ------------------------------------------------------------------------------ report

double
Median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n == 0 ? 0 : (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
}

/// A mode's figures over its repeats: medians of the timings, worst of the checks.
struct Summary
{
    Mode mode;
    std::vector<Result> runs;
    double rate = 0;
    double cpuRate = 0; //!< lifecycles per CPU second of Simulator::Run (median)
    double eventsPerLifecycle = 0;
    double peakRssKiB = 0;
    double rssDeltaKiB = 0;
    double heapDeltaBytes = 0;
    uint64_t lifecycles = 0;
    uint64_t failed = 0;
    uint64_t findings = 0;
    bool verifierAttached = false;

    void Compute()
    {
        std::vector<double> rates;
        std::vector<double> cpuRates;
        std::vector<double> epl;
        std::vector<double> peak;
        std::vector<double> rss;
        std::vector<double> heap;
        for (const Result& r : runs)
        {
            rates.push_back(r.Rate());
            cpuRates.push_back(r.CpuRate());
            epl.push_back(r.EventsPerLifecycle());
            peak.push_back(static_cast<double>(r.peakRssKiB));
            rss.push_back(static_cast<double>(r.rssDeltaKiB));
            heap.push_back(static_cast<double>(r.heapDeltaBytes));
            lifecycles += r.lifecycles;
            failed += r.failed;
            findings += r.findings;
            verifierAttached = r.verifierAttached;
        }
        rate = Median(rates);
        cpuRate = Median(cpuRates);
        eventsPerLifecycle = Median(epl);
        peakRssKiB = Median(peak);
        rssDeltaKiB = Median(rss);
        heapDeltaBytes = Median(heap);
    }

    std::string VerifierLabel() const
    {
        return mode.verifier ? (verifierAttached ? "on" : "n/a") : "off";
    }
};

double
Ratio(double a, double b)
{
    return b != 0 ? a / b : 0;
}

const Summary*
FindSummary(const std::vector<Summary>& s, const std::string& name, bool verifier)
{
    for (const Summary& m : s)
    {
        if (m.mode.name == name && m.mode.verifier == verifier)
        {
            return &m;
        }
    }
    return nullptr;
}

void
PrintTable(const std::vector<Summary>& s, const Options& o, uint32_t repeats, std::ostream& os)
{
    const Summary& base = s.front();
    os << "Lifecycle benchmark: " << o.pairs << " pairs x " << o.connections << " connections x "
       << o.bytes << " bytes, p2p " << o.dataRate << " / " << o.delay << ", seed " << o.seed << ", "
       << repeats << " run(s) per mode (median)\n";
    os << std::left << std::setw(17) << "mode" << std::setw(9) << "verifier" << std::right
       << std::setw(12) << "lifecyc/s" << std::setw(8) << "x nat" << std::setw(11) << "events/lc"
       << std::setw(8) << "x nat" << std::setw(11) << "peak MiB" << std::setw(8) << "x nat"
       << std::setw(11) << "RSS+ MiB" << std::setw(8) << "x nat" << std::setw(11) << "heap+ MiB"
       << std::setw(8) << "x nat" << std::setw(8) << "failed" << std::setw(10) << "findings"
       << "\n";
    os << std::fixed;
    for (const Summary& m : s)
    {
        os << std::left << std::setw(17) << m.mode.name << std::setw(9) << m.VerifierLabel()
           << std::right << std::setprecision(0) << std::setw(12) << m.rate << std::setprecision(2)
           << std::setw(8) << Ratio(m.rate, base.rate) << std::setprecision(1) << std::setw(11)
           << m.eventsPerLifecycle << std::setprecision(2) << std::setw(8)
           << Ratio(m.eventsPerLifecycle, base.eventsPerLifecycle) << std::setprecision(1)
           << std::setw(11) << m.peakRssKiB / 1024 << std::setprecision(2) << std::setw(8)
           << Ratio(m.peakRssKiB, base.peakRssKiB) << std::setprecision(1) << std::setw(11)
           << m.rssDeltaKiB / 1024 << std::setprecision(2) << std::setw(8)
           << Ratio(m.rssDeltaKiB, base.rssDeltaKiB) << std::setprecision(1) << std::setw(11)
           << m.heapDeltaBytes / 1048576 << std::setprecision(2) << std::setw(8)
           << Ratio(m.heapDeltaBytes, base.heapDeltaBytes) << std::setw(8) << m.failed
           << std::setw(10) << m.findings << "\n";
    }
    os << std::defaultfloat;
    // Wall time is what the table shows; CPU time (of the same runs) is far less disturbed by
    // other work on a shared machine.
    for (const char* name : {"chimney-native", "chimney-chimney"})
    {
        const Summary* off = FindSummary(s, name, false);
        const Summary* on = FindSummary(s, name, true);
        if (off && on && on->rate > 0 && on->cpuRate > 0)
        {
            os << "verifier overhead, " << name << ": " << std::fixed << std::setprecision(1)
               << 100 * (off->rate / on->rate - 1) << " % (wall), "
               << 100 * (off->cpuRate / on->cpuRate - 1) << " % (CPU time)\n"
               << std::defaultfloat;
        }
    }
    for (const Summary& m : s)
    {
        for (const Result& r : m.runs)
        {
            for (const std::string& why : r.reasons)
            {
                os << "  " << m.mode.name << " (verifier " << m.VerifierLabel()
                   << ") failure: " << why << "\n";
            }
        }
    }
}

void
WriteJson(const std::vector<Summary>& s, const Options& o, uint32_t repeats, std::ostream& os)
{
    const Summary& base = s.front();
    os << std::setprecision(10);
    os << "{\n  \"benchmark\": \"chimney-lifecycle\",\n  \"workload\": {\"pairs\": " << o.pairs
       << ", \"connections\": " << o.connections << ", \"bytes\": " << o.bytes
       << ", \"link\": \"p2p\", \"dataRate\": \"" << o.dataRate << "\", \"delay\": \"" << o.delay
       << "\", \"seed\": " << o.seed << ", \"repeats\": " << repeats << "},\n";
    os << "  \"baseline\": \"" << base.mode.name << "\",\n  \"modes\": [\n";
    for (size_t i = 0; i < s.size(); ++i)
    {
        const Summary& m = s[i];
        os << "    {\"mode\": \"" << m.mode.name << "\", \"verifier\": \"" << m.VerifierLabel()
           << "\", \"lifecycles\": " << m.lifecycles << ", \"failed\": " << m.failed
           << ", \"findings\": " << m.findings << ", \"lifecyclesPerSecond\": " << m.rate
           << ", \"lifecyclesPerCpuSecond\": " << m.cpuRate
           << ", \"eventsPerLifecycle\": " << m.eventsPerLifecycle
           << ", \"peakRssKiB\": " << m.peakRssKiB << ", \"rssDeltaKiB\": " << m.rssDeltaKiB
           << ", \"heapDeltaBytes\": " << m.heapDeltaBytes << ",\n     \"ratios\": {"
           << "\"lifecyclesPerSecond\": " << Ratio(m.rate, base.rate)
           << ", \"eventsPerLifecycle\": " << Ratio(m.eventsPerLifecycle, base.eventsPerLifecycle)
           << ", \"peakRss\": " << Ratio(m.peakRssKiB, base.peakRssKiB)
           << ", \"rssDelta\": " << Ratio(m.rssDeltaKiB, base.rssDeltaKiB)
           << ", \"heapDelta\": " << Ratio(m.heapDeltaBytes, base.heapDeltaBytes)
           << "},\n     \"runs\": [";
        for (size_t k = 0; k < m.runs.size(); ++k)
        {
            const Result& r = m.runs[k];
            os << (k ? ", " : "") << "{\"runSeconds\": " << r.runSeconds
               << ", \"runCpuSeconds\": " << r.runCpuSeconds
               << ", \"setupSeconds\": " << r.setupSeconds
               << ", \"destroySeconds\": " << r.destroySeconds << ", \"events\": " << r.events
               << ", \"simSeconds\": " << r.simSeconds << ", \"completed\": " << r.completed
               << ", \"failed\": " << r.failed << ", \"peakRssKiB\": " << r.peakRssKiB << "}";
        }
        os << "]}" << (i + 1 < s.size() ? "," : "") << "\n";
    }
    os << "  ],\n  \"verifierOverhead\": {";
    bool first = true;
    for (const char* name : {"chimney-native", "chimney-chimney"})
    {
        const Summary* off = FindSummary(s, name, false);
        const Summary* on = FindSummary(s, name, true);
        if (off && on && on->rate > 0)
        {
            os << (first ? "" : ", ") << "\"" << name << "\": " << (off->rate / on->rate - 1);
            first = false;
        }
    }
    os << "},\n  \"verifierOverheadCpu\": {";
    first = true;
    for (const char* name : {"chimney-native", "chimney-chimney"})
    {
        const Summary* off = FindSummary(s, name, false);
        const Summary* on = FindSummary(s, name, true);
        if (off && on && on->cpuRate > 0)
        {
            os << (first ? "" : ", ") << "\"" << name << "\": " << (off->cpuRate / on->cpuRate - 1);
            first = false;
        }
    }
    os << "}\n}\n";
}

// ------------------------------------------------------------------------------ scale run

/// K concurrent offloaded connections over one chimney-chimney pair: all open (and offloaded)
/// by the hold point, where the devices are sampled; then each sends B bytes and closes.
/// One Pair (M = 1) per connection, so Lifecycle runs unchanged; server ports 9.. each take
/// 16,384 client ports (49152-65535).
int
RunScale(uint32_t k,
         const Options& o,
         bool withVerifier,
         uint32_t recvBuffer,
         const std::string& jsonPath)
{
    const uint32_t perListener = 16384; // client ports 49152-65535 against each server port
    const uint32_t listeners = (k + perListener - 1) / perListener;
    const Time spacing = MicroSeconds(5);
    const Time hold = spacing * static_cast<int64_t>(k) + Seconds(1);

    malloc_trim(0);
    ResetPeakRss();
    const uint64_t rssBefore = StatusKiB("VmRSS");
    const uint64_t heapBefore = HeapInUse();
    RngSeedManager::SetSeed(o.seed);
    const auto start = Clock::now();

    NodeContainer nodes;
    nodes.Create(2);
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue(o.dataRate));
    p2p.SetChannelAttribute("Delay", StringValue(o.delay));
    NetDeviceContainer links = p2p.Install(nodes);
    ChimneyHelper chimney;
    chimney.SetDeviceAttribute("MaxOffloadedConnections", UintegerValue(k));
    NetDeviceContainer devices = chimney.Install(links);
    InternetStackHelper internet;
    internet.Install(nodes);
    Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer ifaces = address.Assign(devices);
    ChimneyStackHelper stacks;
    // Posted receive buffers are host payload memory (4 x 16 KiB per connection by default):
    // one small buffer per connection keeps 2 x K connections within the machine's memory.
    stacks.SetStackAttribute("ReceiveBufferSize", UintegerValue(recvBuffer));
    stacks.SetStackAttribute("ReceiveBuffersPosted", UintegerValue(1));
    stacks.Install(devices);
    Ptr<ChimneyVerifier> verifier;
    if (withVerifier)
    {
        verifier = ChimneyVerifierHelper().Install(devices);
    }

    Counters counters;
    std::deque<Pair> conns;
    std::vector<Ptr<Socket>> listenerSockets;
    for (uint32_t l = 0; l < listeners; ++l)
    {
        Ptr<Socket> s = Socket::CreateSocket(nodes.Get(1), ChimneySocketFactory::GetTypeId());
        NS_ABORT_MSG_IF(s->Bind(InetSocketAddress(Ipv4Address::GetAny(), 9 + l)) != 0 ||
                            s->Listen() != 0,
                        "cannot listen");
        listenerSockets.push_back(s);
    }

    struct Router
    {
        std::deque<Pair>* conns;
        uint16_t listenerPort;

        void Accept(Ptr<Socket> socket, const Address& from)
        {
            const uint16_t port = InetSocketAddress::ConvertFrom(from).GetPort();
            const uint32_t i = (listenerPort - 9u) * 16384u + (port - 49152u);
            (*conns)[i].lifecycles.back().Accepted(socket);
        }
    };

    std::deque<Router> routers;
    for (uint32_t l = 0; l < listeners; ++l)
    {
        routers.push_back(Router{&conns, static_cast<uint16_t>(9 + l)});
        listenerSockets[l]->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                              MakeCallback(&Router::Accept, &routers.back()));
    }
    Ptr<ChimneyNetDevice> clientDevice = DynamicCast<ChimneyNetDevice>(devices.Get(0));
    Ptr<ChimneyNetDevice> serverDevice = DynamicCast<ChimneyNetDevice>(devices.Get(1));
    for (uint32_t i = 0; i < k; ++i)
    {
        Pair& p = conns.emplace_back();
        p.client = nodes.Get(0);
        p.server = nodes.Get(1);
        p.serverAddress = ifaces.GetAddress(1);
        p.clientChimney = p.serverChimney = true;
        p.connections = 1;
        p.bytes = o.bytes;
        p.counters = &counters;
    }
    uint64_t offloadedAtHold[2] = {0, 0};
    uint64_t ledgerBytesAtHold[2] = {0, 0};
    uint64_t hostOffloadedAtHold[2] = {0, 0};
    uint64_t hostOpenAtHold[2] = {0, 0};
    uint64_t heapAtHold = 0;
    uint64_t trackedAtHold = 0;
    double wallAtHold = 0;
    Simulator::Schedule(hold, [&]() {
        offloadedAtHold[0] = clientDevice->GetOffloadedConnectionCount();
        offloadedAtHold[1] = serverDevice->GetOffloadedConnectionCount();
        ledgerBytesAtHold[0] = clientDevice->GetResourceBytesHeld();
        ledgerBytesAtHold[1] = serverDevice->GetResourceBytesHeld();
        for (uint32_t n = 0; n < 2; ++n)
        {
            Ptr<ChimneyHostStack> stack = ChimneyStackHelper::GetStack(nodes.Get(n));
            hostOffloadedAtHold[n] = stack->GetOffloadedConnectionCount();
            hostOpenAtHold[n] = stack->GetOpenConnectionCount();
        }
        heapAtHold = HeapInUse();
        trackedAtHold = verifier ? verifier->GetTrackedConnectionCount() : 0;
        wallAtHold = Since(start);
    });
    for (uint32_t i = 0; i < k; ++i)
    {
        Pair* p = &conns[i];
        p->lifecycles.emplace_back(p, 0);
        const uint16_t localPort = static_cast<uint16_t>(49152 + i % perListener);
        const uint16_t remotePort = static_cast<uint16_t>(9 + i / perListener);
        // Connect at i * spacing; send and close at hold + i * spacing, when all are open.
        const Time connectAt = spacing * static_cast<int64_t>(i);
        Simulator::Schedule(connectAt, [p, localPort, remotePort, sendAt = hold + connectAt]() {
            p->lifecycles.back().StartBound(localPort, remotePort, sendAt);
        });
    }
    Simulator::Stop(hold + spacing * static_cast<int64_t>(k) + Seconds(600));
    Simulator::Run();
    const double wall = Since(start);
    const uint64_t events = Simulator::GetEventCount();
    if (verifier)
    {
        verifier->Finish();
    }
    const uint64_t findings = verifier ? verifier->GetFindingCount() : 0;
    const uint64_t peak = StatusKiB("VmHWM");
    const uint64_t failed = k - std::min<uint64_t>(k, counters.completed);

    const double heapPerConnection =
        (static_cast<double>(heapAtHold) - static_cast<double>(heapBefore)) / k;
    const double ledgerPerConnection = static_cast<double>(ledgerBytesAtHold[0]) / k;
    std::ostringstream out;
    out << "Scale run: " << k << " concurrent connections, chimney-chimney, one p2p pair, verifier "
        << (withVerifier ? "on" : "off") << ", one " << recvBuffer
        << "-byte receive buffer posted per connection and host\n"
        << "  offloaded at the hold point: client device " << offloadedAtHold[0]
        << ", server device " << offloadedAtHold[1] << " (of " << k << "); host stacks: open "
        << hostOpenAtHold[0] << " / " << hostOpenAtHold[1] << ", offloaded "
        << hostOffloadedAtHold[0] << " / " << hostOffloadedAtHold[1] << "\n"
        << "  device state per offloaded connection (excl. payload): "
        << ChimneyNetDevice::GetConnectionStateSize() << " bytes (GetConnectionStateSize), "
        << ledgerPerConnection << " bytes (resource ledger / connection)\n"
        << "  process heap per connection at the hold point (2 host stacks + 2 devices + sockets"
        << (withVerifier ? " + verifier" : "") << "): " << heapPerConnection << " bytes\n"
        << "  peak RSS " << peak / 1024 << " MiB (start " << rssBefore / 1024 << " MiB); wall "
        << wallAtHold << " s to open all, " << wall << " s in total; " << events << " events\n"
        << "  lifecycles completed " << counters.completed << ", failed " << failed
        << ", verifier findings " << findings << " (tracked " << trackedAtHold << ")\n";
    for (const std::string& why : counters.reasons)
    {
        out << "  failure: " << why << "\n";
    }
    std::cout << out.str();
    if (!jsonPath.empty())
    {
        std::ofstream json(jsonPath);
        json << "{\n  \"benchmark\": \"chimney-scale\",\n  \"connections\": " << k
             << ",\n  \"verifier\": " << (withVerifier ? "true" : "false")
             << ",\n  \"receiveBufferBytes\": " << recvBuffer << ",\n  \"offloadedAtHold\": ["
             << offloadedAtHold[0] << ", " << offloadedAtHold[1]
             << "],\n  \"connectionStateSizeBytes\": " << ChimneyNetDevice::GetConnectionStateSize()
             << ",\n  \"ledgerBytesPerConnection\": " << ledgerPerConnection
             << ",\n  \"processHeapBytesPerConnection\": " << heapPerConnection
             << ",\n  \"peakRssKiB\": " << peak << ",\n  \"wallSecondsToOpenAll\": " << wallAtHold
             << ",\n  \"wallSeconds\": " << wall << ",\n  \"events\": " << events
             << ",\n  \"completed\": " << counters.completed << ",\n  \"failed\": " << failed
             << ",\n  \"findings\": " << findings << "\n}\n";
    }
    conns.clear();
    verifier = nullptr;
    Simulator::Destroy();
    const bool allOffloaded = offloadedAtHold[0] == k && offloadedAtHold[1] == k;
    return failed == 0 && findings == 0 && allOffloaded ? 0 : 1;
}

} // namespace

int
main(int argc, char* argv[])
{
    Options o;
    uint32_t repeats = 3;
    std::string modes = "all";
    std::string jsonPath;
    uint32_t scale = 0;
    bool scaleVerifier = true;
    uint32_t scaleRecvBuffer = 2048;

    CommandLine cmd(__FILE__);
    cmd.AddValue("pairs", "N: point-to-point host pairs", o.pairs);
    cmd.AddValue("connections", "M: sequential connections per pair", o.connections);
    cmd.AddValue("bytes", "B: bytes each connection sends before its graceful close", o.bytes);
    cmd.AddValue("dataRate", "point-to-point data rate", o.dataRate);
    cmd.AddValue("delay", "point-to-point one-way delay", o.delay);
    cmd.AddValue("seed", "RNG seed", o.seed);
    cmd.AddValue("repeats", "runs of every mode, interleaved (medians are reported)", repeats);
    cmd.AddValue("modes",
                 "comma-separated modes to run, from nn-off,nn-on,cn-off,cn-on,cc-off,cc-on; "
                 "'all' for all six (the first is the ratio baseline)",
                 modes);
    cmd.AddValue("json", "also write the results as JSON to this file", jsonPath);
    cmd.AddValue("scale",
                 "instead: K concurrent offloaded connections over one chimney-chimney pair "
                 "(e.g. 65536)",
                 scale);
    cmd.AddValue("scaleVerifier", "verifier on in the scale run", scaleVerifier);
    cmd.AddValue("scaleRecvBuffer",
                 "scale run: bytes of the one receive buffer each host posts per connection",
                 scaleRecvBuffer);
    cmd.Parse(argc, argv);

    if (o.pairs == 0 || o.connections == 0 || o.seed == 0 || repeats == 0 || o.pairs > 65536)
    {
        std::cerr << "error: --pairs (1..65536), --connections, --seed and --repeats must be "
                     "positive"
                  << std::endl;
        return 2;
    }
    if (scale > 0)
    {
        return RunScale(scale, o, scaleVerifier, scaleRecvBuffer, jsonPath);
    }

    const std::vector<std::pair<std::string, Mode>> known = {
        {"nn-off", {"native-native", false, false, false}},
        {"nn-on", {"native-native", false, false, true}},
        {"cn-off", {"chimney-native", true, false, false}},
        {"cn-on", {"chimney-native", true, false, true}},
        {"cc-off", {"chimney-chimney", true, true, false}},
        {"cc-on", {"chimney-chimney", true, true, true}},
    };
    std::vector<Summary> summaries;
    std::string list = modes == "all" ? "nn-off,nn-on,cn-off,cn-on,cc-off,cc-on" : modes;
    std::istringstream names(list);
    for (std::string id; std::getline(names, id, ',');)
    {
        auto it =
            std::find_if(known.begin(), known.end(), [&](const auto& k) { return k.first == id; });
        if (it == known.end())
        {
            std::cerr << "error: unknown mode '" << id << "'" << std::endl;
            return 2;
        }
        summaries.emplace_back();
        summaries.back().mode = it->second;
    }
    if (summaries.empty())
    {
        std::cerr << "error: no modes" << std::endl;
        return 2;
    }

    for (uint32_t rep = 0; rep < repeats; ++rep)
    {
        for (Summary& s : summaries)
        {
            s.runs.push_back(RunMode(s.mode, o));
            const Result& r = s.runs.back();
            std::cerr << "run " << rep + 1 << "/" << repeats << " " << s.mode.name << " verifier "
                      << (s.mode.verifier ? "on" : "off") << ": " << std::fixed
                      << std::setprecision(0) << r.Rate() << " lifecycles/s (" << r.CpuRate()
                      << " per CPU-s), " << std::setprecision(1) << r.EventsPerLifecycle()
                      << " events/lifecycle, " << r.failed << " failed" << std::defaultfloat
                      << std::endl;
        }
    }
    uint64_t failed = 0;
    uint64_t findings = 0;
    for (Summary& s : summaries)
    {
        s.Compute();
        failed += s.failed;
        findings += s.findings;
    }
    PrintTable(summaries, o, repeats, std::cout);
    if (!jsonPath.empty())
    {
        std::ofstream json(jsonPath);
        WriteJson(summaries, o, repeats, json);
        if (!json)
        {
            std::cerr << "error: cannot write " << jsonPath << std::endl;
            return 2;
        }
    }
    return failed == 0 && findings == 0 ? 0 : 1;
}
