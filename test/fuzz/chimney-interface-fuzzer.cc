/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * libFuzzer target for the offload target's host interface (ChimneyOffloadProvider of
 * ChimneyNetDevice, SPEC.md section 3): one input is one simulation.
 *
 * Node 0: the chimney device over a point-to-point link (CSMA when byte 0 bit 0 is set), node
 * 0's TCP in software (EngineL4Adapter, test/engine-ns3-adapter.h) and this file as the host
 * (a ChimneyOffloadClient). Node 1: ns-3's own TCP listening on port 80. Byte 1 gives the number
 * of connections (1-4) opened in software; then every byte is an operation followed by its
 * arguments (see Op): offload a connection (Detach from software, InitiateOffload), send NBL
 * chains, post receive chains, graceful and abortive disconnects, terminate one or every
 * connection, advance time, the peer sends / closes, a raw segment reaches the target (RST
 * exact, in window, out of window, SYN, data at a wrong place), a hardware failure, and an
 * invalid host call (H1-H7) chosen so that it is invalid in the host's current state.
 *
 * Checked, abort() with a message on failure:
 *  * every invalid call is refused at once with its status (INVALID_PARAMETER / INVALID_STATE),
 *    the device reports the expected H ID through HostMisuse, the verifier counts exactly one
 *    finding of that ID, nothing changes (ledger entries and bytes, offloaded connections, each
 *    connection's TCP state, completions, indications, ConnectionState and resource traces),
 *    and the refused NBL never completes;
 *  * no completion or indication inside a call; every completion is for a request made;
 *  * after the final terminates (every connection still offloaded is terminated, then time runs
 *    until they complete): the resource ledger is empty, no connection is offloaded, and the
 *    verifier (attached to the device, end-of-run audit included) has no finding but the H
 *    findings of the invalid calls: valid calls never trip it.
 *
 * CHIMNEY_FUZZ_TRACE=1 prints every operation (use it to replay a crash file).
 */

#include "../engine-ns3-adapter.h"
#include "../ns3-peer-app.h"
#include "../recording-client.h"
#include "../test-links.h"

#include "ns3/chimney-helper.h"
#include "ns3/chimney-net-device.h"
#include "ns3/chimney-verifier.h"
#include "ns3/config.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"
#include "ns3/tcp-segment-packet.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

constexpr uint16_t kPeerPort = 80;
constexpr uint16_t kFirstPort = 5000;
constexpr size_t kMaxOps = 96;
constexpr OffloadHandle kUnknownHandle = 9999;

bool g_trace = false;

[[noreturn]] void
Fail(const std::string& what)
{
    std::fprintf(stderr, "chimney-interface-fuzzer: %s\n", what.c_str());
    std::abort();
}

void
Trace(const std::string& what)
{
    if (g_trace)
    {
        std::fprintf(stderr, "%12.6f %s\n", Simulator::Now().GetSeconds(), what.c_str());
    }
}

/// Consumes the input; yields zeros once it is exhausted.
class Reader
{
  public:
    Reader(const uint8_t* data, size_t size)
        : m_p(data),
          m_n(size)
    {
    }

    bool Empty() const
    {
        return m_n == 0;
    }

    uint8_t U8()
    {
        if (m_n == 0)
        {
            return 0;
        }
        --m_n;
        return *m_p++;
    }

  private:
    const uint8_t* m_p;
    size_t m_n;
};

/// The host's view of one connection (what a correct host may do next, SPEC 3).
struct Slot
{
    enum class Phase
    {
        Connecting, //!< handshake in software
        Software,   //!< established in software, may be offloaded
        Offloading, //!< InitiateOffload pending
        Offloaded,  //!< offloaded
        Terminating,
        Done //!< terminated (uploaded); nothing more is asked of the target
    };

    uint16_t port = 0;
    OffloadHandle handle = 0;
    Phase phase = Phase::Connecting;
    EngineL4Adapter::Connection* software = nullptr;
    Ptr<OffloadBlockList> offloadList; //!< the list the offload was made with
    bool graceful = false;             //!< graceful disconnect issued
    bool abortive = false;             //!< abortive disconnect issued
    bool remoteFin = false;            //!< Disconnect indicated
    bool retrieved = false;            //!< Retrieve indicated (e.g. in-order SYN, TIME_WAIT)
    bool finAcked = false;             //!< the graceful disconnect completed SUCCESS
    bool aborted = false;              //!< Abort indicated
    int disconnectsPending = 0;        //!< disconnects not completed yet
};

/// Observable target state an invalid call must leave unchanged.
struct Snapshot
{
    uint64_t held = 0;
    uint64_t bytes = 0;
    uint32_t offloaded = 0;
    std::vector<int> states;
    size_t upcalls = 0;
    uint64_t stateChanges = 0;
    uint64_t resourceEvents = 0;

    bool operator==(const Snapshot& o) const
    {
        return held == o.held && bytes == o.bytes && offloaded == o.offloaded &&
               states == o.states && upcalls == o.upcalls && stateChanges == o.stateChanges &&
               resourceEvents == o.resourceEvents;
    }
};

/// One input's world and host.
class Harness : public ChimneyOffloadClient
{
  public:
    explicit Harness(bool csma)
        : m_csma(csma)
    {
    }

    void Build(uint32_t connections);
    void RunOps(Reader& in);
    void Finish();

    // ChimneyOffloadClient
    void InitiateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override;
    void TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl) override;
    void TerminateOffloadComplete(Ptr<OffloadBlockList> blocks) override;
    void TcpOffloadEvent(OffloadHandle handle,
                         ChimneyEvent event,
                         ChimneyUploadReason reason) override;

  private:
    enum Op : uint8_t
    {
        OFFLOAD,
        SEND,
        RECEIVE,
        GRACEFUL,
        ABORTIVE,
        TERMINATE,
        TERMINATE_ALL,
        ADVANCE,
        ADVANCE_LONG,
        PEER_SEND,
        PEER_CLOSE,
        RAW_SEGMENT,
        HARDWARE_FAILURE,
        INVALID,
        INVALID_AGAIN,
        RUN_QUIET,
        OP_COUNT
    };

    static void OnAccept(Harness* h, Ptr<Socket> s, const Address&);
    static void OnMisuse(Harness* h, std::string id, OffloadHandle, std::string text);
    static void OnStateChange(Harness* h, OffloadHandle, std::string, std::string);
    static void OnResource(Harness* h, OffloadHandle, const ChimneyFourTuple&, uint64_t);
    static void OnRequest(Harness* h,
                          ChimneyOp op,
                          OffloadHandle,
                          uint64_t,
                          uint32_t,
                          ChimneyStatus status);

    void Advance(Time t);
    Slot* Pick(uint8_t b);
    Slot* FindSlot(OffloadHandle handle);
    PeerApp* PeerFor(uint16_t port);
    Ptr<OffloadBlockList> Blocks(const Slot& s, const TcpDelegatedState& state, uint64_t id);
    Ptr<OffloadBlockList> TerminateList(const std::vector<Slot*>& slots);
    void Upcall(const char* what, OffloadHandle handle);
    void Completed(const char* what, OffloadHandle handle, Ptr<NetBufferList> nbl);
    ChimneyStatus Call(const std::function<ChimneyStatus()>& f);
    void Valid(const std::string& what, ChimneyStatus status);
    Snapshot Snap() const;
    void Invalid(uint8_t kind, Reader& in);
    bool Offloadable(const Slot& s) const;

    void Offload(Slot& s);
    void Terminate(const std::vector<Slot*>& slots);
    void RawSegment(Slot& s, uint8_t kind, uint8_t arg);
    std::vector<uint8_t> Data(size_t n);

    bool m_csma;
    NodeContainer m_nodes;
    NetDeviceContainer m_links;
    Ptr<ChimneyNetDevice> m_target;
    Ptr<ChimneyVerifier> m_verifier;
    Ptr<EngineL4Adapter> m_adapter;
    Ptr<Socket> m_listener;
    Ipv4InterfaceContainer m_ifaces;
    TcpEngineConfig m_config;
    std::vector<Slot> m_slots;
    std::vector<std::unique_ptr<PeerApp>> m_peers;
    std::vector<WireEntry> m_wire;
    std::set<const NetBufferList*> m_issued;  //!< NBLs of accepted requests, not yet completed
    std::set<const NetBufferList*> m_refused; //!< NBLs of refused requests
    std::vector<Ptr<NetBufferList>> m_keep;   //!< keeps every NBL alive (pointer identity)
    std::map<std::string, uint64_t> m_expectedMisuse; //!< H ID -> refusals made
    std::vector<std::string> m_misuse;                //!< HostMisuse reports, in order
    ChimneyOp m_lastRequestOp = ChimneyOp::SEND;
    ChimneyStatus m_lastRequestStatus = ChimneyStatus::PENDING;
    size_t m_upcalls = 0;
    uint64_t m_stateChanges = 0;
    uint64_t m_resourceEvents = 0;
    uint64_t m_nextId = 1;
    uint32_t m_byte = 0;
    bool m_inCall = false;
};

void
Harness::OnAccept(Harness* h, Ptr<Socket> s, const Address&)
{
    h->m_peers.push_back(std::make_unique<PeerApp>());
    h->m_peers.back()->Attach(s);
}

void
Harness::OnMisuse(Harness* h, std::string id, OffloadHandle, std::string text)
{
    Trace("  HostMisuse " + id + ": " + text);
    h->m_misuse.push_back(id);
}

void
Harness::OnStateChange(Harness* h, OffloadHandle, std::string, std::string)
{
    ++h->m_stateChanges;
}

void
Harness::OnResource(Harness* h, OffloadHandle, const ChimneyFourTuple&, uint64_t)
{
    ++h->m_resourceEvents;
}

void
Harness::OnRequest(Harness* h,
                   ChimneyOp op,
                   OffloadHandle,
                   uint64_t,
                   uint32_t,
                   ChimneyStatus status)
{
    h->m_lastRequestOp = op;
    h->m_lastRequestStatus = status;
}

void
Harness::Build(uint32_t connections)
{
    // ns-3 3.37's TcpSocketBase (the peer) dereferences an empty send buffer in PersistTimeout
    // when it closes during a zero-window probe; no run lasts long enough to reach it now.
    Config::SetDefault("ns3::TcpSocket::PersistTimeout", TimeValue(Seconds(100000)));
    m_nodes.Create(2);
    if (m_csma)
    {
        CsmaHelper csma;
        csma.SetChannelAttribute("DataRate", StringValue("10Mbps"));
        csma.SetChannelAttribute("Delay", StringValue("50us"));
        m_links = csma.Install(m_nodes);
        csma.AssignStreams(m_links, 1000); // backoffs independent of earlier inputs
    }
    else
    {
        PointToPointHelper p2p;
        p2p.SetDeviceAttribute("DataRate", StringValue("10Mbps"));
        p2p.SetChannelAttribute("Delay", StringValue("2ms"));
        m_links = p2p.Install(m_nodes);
    }
    ChimneyHelper chimney;
    chimney.SetDeviceAttribute("TimeWait", TimeValue(Seconds(2)));
    if (const char* defect = std::getenv("CHIMNEY_FUZZ_DEFECT")) // the harness's self-test
    {
        chimney.SetDeviceAttribute("Defect", StringValue(defect));
    }
    m_target =
        DynamicCast<ChimneyNetDevice>(chimney.Install(NetDeviceContainer(m_links.Get(0))).Get(0));
    InternetStackHelper internet;
    internet.Install(m_nodes);
    internet.AssignStreams(m_nodes, 2000); // independent of earlier inputs (libFuzzer: one process)
    Ipv4AddressHelper address("10.1.1.0", "255.255.255.0");
    NetDeviceContainer ipDevices(m_target);
    ipDevices.Add(m_links.Get(1));
    m_ifaces = address.Assign(ipDevices);
    void (*capture)(std::vector<WireEntry>*, bool, Ptr<const Packet>) =
        m_csma ? &CaptureWire<CsmaLink> : &CaptureWire<P2pLink>;
    m_links.Get(0)->TraceConnectWithoutContext("PhyTxBegin",
                                               MakeBoundCallback(capture, &m_wire, true));

    m_verifier = CreateObject<ChimneyVerifier>();
    m_verifier->AttachDevice(m_target);
    m_target->SetOffloadClient(this);
    m_target->TraceConnectWithoutContext("HostMisuse", MakeBoundCallback(&OnMisuse, this));
    m_target->TraceConnectWithoutContext("ConnectionState",
                                         MakeBoundCallback(&OnStateChange, this));
    m_target->TraceConnectWithoutContext("ResourceAllocated", MakeBoundCallback(&OnResource, this));
    m_target->TraceConnectWithoutContext("ResourceFreed", MakeBoundCallback(&OnResource, this));
    m_target->TraceConnectWithoutContext("Request", MakeBoundCallback(&OnRequest, this));

    m_adapter = CreateObject<EngineL4Adapter>();
    m_adapter->Install(m_nodes.Get(0));
    m_config.timestamps = false; // raw segments need no TS option to be acceptable
    m_config.timeWaitNs = 2'000'000'000;
    for (uint32_t i = 0; i < 2; ++i)
    {
        m_nodes.Get(i)->Initialize();
    }
    m_listener = ListenTcp(m_nodes.Get(1), kPeerPort, MakeBoundCallback(&OnAccept, this));
    m_slots.resize(connections);
    for (uint32_t i = 0; i < connections; ++i)
    {
        Slot& s = m_slots[i];
        s.port = static_cast<uint16_t>(kFirstPort + i);
        s.handle = 100 + i;
        s.software = &m_adapter->Connect(m_ifaces.GetAddress(0),
                                         s.port,
                                         m_ifaces.GetAddress(1),
                                         kPeerPort,
                                         m_config,
                                         1000000u * (i + 1));
    }
    Advance(MilliSeconds(50));
    for (Slot& s : m_slots)
    {
        if (s.software->engine->State() == TcpState::Established)
        {
            s.phase = Slot::Phase::Software;
        }
    }
}

void
Harness::Advance(Time t)
{
    Simulator::Stop(t);
    Simulator::Run();
}

Slot*
Harness::Pick(uint8_t b)
{
    return m_slots.empty() ? nullptr : &m_slots[b % m_slots.size()];
}

Slot*
Harness::FindSlot(OffloadHandle handle)
{
    for (Slot& s : m_slots)
    {
        if (s.handle == handle)
        {
            return &s;
        }
    }
    return nullptr;
}

PeerApp*
Harness::PeerFor(uint16_t port)
{
    for (auto& p : m_peers)
    {
        Address a;
        if (p->socket->GetPeerName(a) == 0 && InetSocketAddress::ConvertFrom(a).GetPort() == port)
        {
            return p.get();
        }
    }
    return nullptr;
}

std::vector<uint8_t>
Harness::Data(size_t n)
{
    std::vector<uint8_t> out(n);
    for (auto& b : out)
    {
        b = static_cast<uint8_t>(m_byte++ * 131u + 7u);
    }
    return out;
}

Ptr<OffloadBlockList>
Harness::Blocks(const Slot& s, const TcpDelegatedState& state, uint64_t id)
{
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = m_ifaces.GetAddress(1);
    neighbor.linkAddress = m_links.Get(1)->GetAddress();
    PathOffloadBlock path;
    path.source = m_ifaces.GetAddress(0);
    path.destination = m_ifaces.GetAddress(1);
    TcpOffloadBlock tcp;
    tcp.handle = s.handle;
    tcp.localPort = s.port;
    tcp.remotePort = kPeerPort;
    tcp.cached.initialRcvWnd = m_config.rcvBufSize;
    tcp.delegated = state;
    auto list = OffloadBlockList::ForOneConnection(neighbor, path, tcp);
    list->id = id;
    return list;
}

Ptr<OffloadBlockList>
Harness::TerminateList(const std::vector<Slot*>& slots)
{
    auto list = Create<OffloadBlockList>();
    list->id = m_nextId++;
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = m_ifaces.GetAddress(1);
    PathOffloadBlock path;
    path.source = m_ifaces.GetAddress(0);
    path.destination = m_ifaces.GetAddress(1);
    for (Slot* s : slots)
    {
        TcpOffloadBlock tcp;
        tcp.handle = s->handle;
        tcp.localPort = s->port;
        tcp.remotePort = kPeerPort;
        path.connections.push_back(tcp);
    }
    neighbor.paths.push_back(path);
    list->neighbors.push_back(neighbor);
    return list;
}

// --- upcalls -----------------------------------------------------------------------------

void
Harness::Upcall(const char* what, OffloadHandle handle)
{
    Trace(std::string("  upcall ") + what + " h=" + std::to_string(handle));
    if (m_inCall)
    {
        Fail(std::string(what) + " upcall from inside a request call (A1)");
    }
    ++m_upcalls;
}

void
Harness::Completed(const char* what, OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    for (Ptr<NetBufferList> n = nbl; n; n = n->next)
    {
        if (m_refused.count(PeekPointer(n)) != 0)
        {
            Fail(std::string(what) + " completion of a refused NBL (h=" + std::to_string(handle) +
                 ")");
        }
        if (m_issued.erase(PeekPointer(n)) == 0)
        {
            Fail(std::string(what) + " completion of an NBL never posted or already completed");
        }
    }
}

void
Harness::InitiateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    Upcall("OffloadComplete", 0);
    blocks->ForEachTcp([this](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
        Slot* s = FindSlot(tcp.handle);
        if (s == nullptr || s->phase != Slot::Phase::Offloading)
        {
            Fail("offload completion for a connection not being offloaded");
        }
        if (tcp.status == ChimneyStatus::SUCCESS)
        {
            s->phase = Slot::Phase::Offloaded;
            return;
        }
        // SPEC 3.1: the connection stays in software, untouched.
        s->software = &m_adapter->Adopt(m_ifaces.GetAddress(0),
                                        s->port,
                                        m_ifaces.GetAddress(1),
                                        kPeerPort,
                                        m_config,
                                        tcp.delegated);
        s->phase = Slot::Phase::Software;
    });
}

void
Harness::TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Upcall("SendComplete", handle);
    Completed("Send", handle, nbls);
}

void
Harness::TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls)
{
    Upcall("ReceiveComplete", handle);
    Completed("Receive", handle, nbls);
}

void
Harness::TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl)
{
    Upcall("DisconnectComplete", handle);
    Completed("Disconnect", handle, nbl);
    if (Slot* s = FindSlot(handle))
    {
        --s->disconnectsPending;
        s->finAcked = s->finAcked || (nbl->status == ChimneyStatus::SUCCESS && !s->abortive);
    }
}

void
Harness::TerminateOffloadComplete(Ptr<OffloadBlockList> blocks)
{
    Upcall("TerminateComplete", 0);
    blocks->ForEachTcp([this](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
        Slot* s = FindSlot(tcp.handle);
        if (s == nullptr || s->phase != Slot::Phase::Terminating)
        {
            Fail("terminate completion for a connection not being terminated");
        }
        // The returned send chain completes the NBLs it holds (A9).
        Completed("SendReturned", tcp.handle, tcp.sendDataHead);
        s->phase = Slot::Phase::Done;
    });
}

void
Harness::TcpOffloadEvent(OffloadHandle handle, ChimneyEvent event, ChimneyUploadReason reason)
{
    Upcall(event == ChimneyEvent::DISCONNECT ? "Event Disconnect"
           : event == ChimneyEvent::ABORT    ? "Event Abort"
                                             : "Event Retrieve",
           handle);
    Slot* s = FindSlot(handle);
    if (s && event == ChimneyEvent::DISCONNECT)
    {
        s->remoteFin = true;
    }
    if (s && event == ChimneyEvent::ABORT)
    {
        s->aborted = true;
    }
    if (s && event == ChimneyEvent::RETRIEVE && reason != ChimneyUploadReason::NONE)
    {
        s->retrieved = true;
    }
    if (s == nullptr ||
        (s->phase != Slot::Phase::Offloaded && s->phase != Slot::Phase::Terminating))
    {
        Fail("indication for a connection that is not offloaded (A10)");
    }
}

// --- calls -------------------------------------------------------------------------------

ChimneyStatus
Harness::Call(const std::function<ChimneyStatus()>& f)
{
    m_inCall = true;
    const ChimneyStatus status = f();
    m_inCall = false;
    return status;
}

void
Harness::Valid(const std::string& what, ChimneyStatus status)
{
    Trace(what + " -> " + ToString(status));
    if (status != ChimneyStatus::PENDING)
    {
        Fail("valid call " + what + " returned " + ToString(status) + " (A1)");
    }
}

Snapshot
Harness::Snap() const
{
    Snapshot s;
    s.held = m_target->GetResourcesHeld();
    s.bytes = m_target->GetResourceBytesHeld();
    s.offloaded = m_target->GetOffloadedConnectionCount();
    for (const Slot& slot : m_slots)
    {
        TcpState state;
        s.states.push_back(m_target->GetTcpState(slot.handle, state) ? static_cast<int>(state)
                                                                     : -1);
    }
    s.upcalls = m_upcalls;
    s.stateChanges = m_stateChanges;
    s.resourceEvents = m_resourceEvents;
    return s;
}

bool
Harness::Offloadable(const Slot& s) const
{
    switch (s.software->engine->State())
    {
    case TcpState::Established:
    case TcpState::FinWait1:
    case TcpState::FinWait2:
    case TcpState::CloseWait:
    case TcpState::Closing:
    case TcpState::LastAck:
        return true; // SPEC 2: the states an offload may start in
    default:
        return false;
    }
}

void
Harness::Offload(Slot& s)
{
    const TcpDelegatedState state = m_adapter->Detach(*s.software);
    s.software = nullptr;
    // The remote's FIN arrived in software: no Disconnect indication will say so.
    s.remoteFin = state.state == TcpState::CloseWait || state.state == TcpState::Closing ||
                  state.state == TcpState::LastAck;
    s.offloadList = Blocks(s, state, m_nextId++);
    s.phase = Slot::Phase::Offloading;
    Ptr<OffloadBlockList> list = s.offloadList;
    Valid("InitiateOffload h=" + std::to_string(s.handle),
          Call([&]() { return m_target->InitiateOffload(list); }));
}

void
Harness::Terminate(const std::vector<Slot*>& slots)
{
    if (slots.empty())
    {
        return;
    }
    Ptr<OffloadBlockList> list = TerminateList(slots);
    std::string what = "TerminateOffload";
    for (Slot* s : slots)
    {
        s->phase = Slot::Phase::Terminating;
        what += " h=" + std::to_string(s->handle);
    }
    Valid(what, Call([&]() { return m_target->TerminateOffload(list); }));
}

void
Harness::RawSegment(Slot& s, uint8_t kind, uint8_t arg)
{
    // The target's last segment on this connection gives RCV.NXT (its ACK) and SND.NXT.
    const WireEntry* last = nullptr;
    for (auto it = m_wire.rbegin(); it != m_wire.rend(); ++it)
    {
        if (it->fromTarget && it->tcp.srcPort == s.port)
        {
            last = &*it;
            break;
        }
    }
    if (last == nullptr)
    {
        return;
    }
    TcpSegment seg;
    seg.srcPort = kPeerPort;
    seg.dstPort = s.port;
    seg.seq = last->tcp.ack;
    seg.ack = last->tcp.seq + static_cast<uint32_t>(last->tcp.payload.size());
    seg.window = 65535;
    switch (kind % 8)
    {
    case 0: // RST exactly at RCV.NXT: acceptable (A8)
        seg.flags = TcpSegment::RST;
        break;
    case 1: // RST in the window, not exact: a challenge ACK (RFC 5961)
        seg.flags = TcpSegment::RST;
        seg.seq += 1 + arg;
        break;
    case 2: // RST outside the window: dropped
        seg.flags = TcpSegment::RST;
        seg.seq -= 1000000u + arg;
        break;
    case 3: // in-order SYN: Retrieve(InvalidState)
        seg.flags = TcpSegment::SYN;
        break;
    case 4: // data beyond the receive window: dropped (bytes the peer never sent, so never
            // inside the window, where they would differ from the peer's stream)
        seg.flags = TcpSegment::ACK;
        seg.seq += 400000u + arg * 7u;
        seg.payload.assign(1 + arg % 64, 0x5a);
        break;
    case 5: // old data wholly below RCV.NXT: trimmed away, acknowledged again
        seg.flags = TcpSegment::ACK;
        seg.payload.assign(1 + arg % 32, 0x33);
        seg.seq -= static_cast<uint32_t>(seg.payload.size()) + 100000u + arg;
        break;
    case 6: // ACK of something never sent: the target answers with an ACK (W10 ignores it)
        seg.flags = TcpSegment::ACK;
        seg.ack += 1 + arg * 1000u;
        break;
    default: // duplicate ACK
        seg.flags = TcpSegment::ACK;
        break;
    }
    Trace("raw segment kind " + std::to_string(kind % 8) + " to port " + std::to_string(s.port));
    Ptr<Packet> p = ToPacket(seg, m_ifaces.GetAddress(1), m_ifaces.GetAddress(0));
    m_nodes.Get(1)->GetObject<Ipv4L3Protocol>()->Send(p,
                                                      m_ifaces.GetAddress(1),
                                                      m_ifaces.GetAddress(0),
                                                      6,
                                                      nullptr);
}

/// One invalid call, chosen by kind among those the host's state makes invalid for sure.
void
Harness::Invalid(uint8_t kind, Reader& in)
{
    Slot* live = nullptr;       // Offloaded
    Slot* graceful = nullptr;   // Offloaded, graceful disconnect issued
    Slot* abortive = nullptr;   // Offloaded, abortive disconnect issued
    Slot* done = nullptr;       // terminated
    Slot* offloading = nullptr; // offload pending
    Slot* terminating = nullptr;
    const uint8_t which = in.U8();
    for (size_t k = 0; k < m_slots.size(); ++k)
    {
        Slot& s = m_slots[(k + which) % m_slots.size()];
        switch (s.phase)
        {
        case Slot::Phase::Offloaded:
            live = live ? live : &s;
            graceful = (!graceful && s.graceful) ? &s : graceful;
            abortive = (!abortive && s.abortive) ? &s : abortive;
            break;
        case Slot::Phase::Done:
            done = done ? done : &s;
            break;
        case Slot::Phase::Offloading:
            offloading = offloading ? offloading : &s;
            break;
        case Slot::Phase::Terminating:
            terminating = terminating ? terminating : &s;
            break;
        default:
            break;
        }
    }
    std::string id = "H1";
    ChimneyStatus expected = ChimneyStatus::INVALID_STATE;
    std::string what;
    std::function<ChimneyStatus()> call;
    Ptr<NetBufferList> nbl;
    auto sendNbl = [&](size_t n) {
        nbl = NetBufferList::CreateSend(Data(n), m_nextId++);
        return nbl;
    };
    switch (kind % 12)
    {
    case 1: // H5: send after a graceful disconnect
        if (graceful && !graceful->abortive)
        {
            id = "H5";
            Slot* s = graceful;
            sendNbl(10);
            what = "Send after graceful h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadSend(s->handle, nbl); };
        }
        break;
    case 2: // H4: a second graceful disconnect, or any after an abortive one
        if (abortive || graceful)
        {
            id = "H4";
            Slot* s = abortive ? abortive : graceful;
            const uint32_t flags = (abortive && (which & 1)) ? TCP_DISCONNECT_ABORTIVE_CLOSE
                                                             : TCP_DISCONNECT_GRACEFUL_CLOSE;
            sendNbl(0);
            what = "Disconnect again h=" + std::to_string(s->handle);
            call = [&, s, flags]() {
                return m_target->TcpOffloadDisconnect(s->handle, nbl, flags);
            };
        }
        break;
    case 3: // H3: flags neither GRACEFUL nor ABORTIVE
        if (live)
        {
            id = "H3";
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot* s = live;
            const uint32_t flags = (which % 3 == 0) ? 0u : (which % 3 == 1 ? 3u : 0x10u);
            sendNbl(0);
            what = "Disconnect flags " + std::to_string(flags) + " h=" + std::to_string(s->handle);
            call = [&, s, flags]() {
                return m_target->TcpOffloadDisconnect(s->handle, nbl, flags);
            };
        }
        break;
    case 4: // H2: disconnect NBL without exactly one NET_BUFFER, or abortive with data
        if (live)
        {
            id = "H2";
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot* s = live;
            uint32_t flags = TCP_DISCONNECT_GRACEFUL_CLOSE;
            sendNbl(which % 3 == 2 ? 5 : 0);
            if (which % 3 == 0)
            {
                nbl->buffers.clear();
            }
            else if (which % 3 == 1)
            {
                nbl->buffers.push_back(NetBuffer{Data(3)});
            }
            else
            {
                flags = TCP_DISCONNECT_ABORTIVE_CLOSE;
            }
            what = "Disconnect malformed h=" + std::to_string(s->handle);
            call = [&, s, flags]() {
                return m_target->TcpOffloadDisconnect(s->handle, nbl, flags);
            };
        }
        break;
    case 5: // H2: send without an NBL
        if (live)
        {
            id = "H2";
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot* s = live;
            what = "Send null NBL h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadSend(s->handle, nullptr); };
        }
        break;
    case 6: // H6: a second terminate while one is pending
        if (terminating)
        {
            id = "H6";
            Ptr<OffloadBlockList> list = TerminateList({terminating});
            what = "Terminate again h=" + std::to_string(terminating->handle);
            call = [this, list]() { return m_target->TerminateOffload(list); };
        }
        break;
    case 7: // H7: offload in a forbidden TCP state (a fresh port)
    {
        id = "H7";
        static const TcpState forbidden[] = {TcpState::Closed,
                                             TcpState::Listen,
                                             TcpState::SynSent,
                                             TcpState::SynRcvd,
                                             TcpState::TimeWait};
        Slot fresh;
        fresh.port = static_cast<uint16_t>(kFirstPort + 100 + which % 8);
        fresh.handle = 5000 + which;
        TcpDelegatedState state;
        state.state = forbidden[which % 5];
        Ptr<OffloadBlockList> list = Blocks(fresh, state, m_nextId++);
        what = std::string("Offload in ") + ToString(state.state);
        call = [this, list]() { return m_target->InitiateOffload(list); };
        break;
    }
    case 8: // H7: offload of a connection already offloaded (or being offloaded)
    {
        Slot* s = live ? live : (offloading ? offloading : terminating);
        if (s)
        {
            id = "H7";
            Ptr<OffloadBlockList> list =
                Blocks(*s,
                       s->offloadList->neighbors[0].paths[0].connections[0].delegated,
                       m_nextId++);
            what = "Offload again h=" + std::to_string(s->handle);
            call = [this, list]() { return m_target->InitiateOffload(list); };
        }
        break;
    }
    case 9: // H1: a request on a connection whose offload is in progress
        if (offloading)
        {
            Slot* s = offloading;
            sendNbl(4);
            what = "Send while offloading h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadSend(s->handle, nbl); };
        }
        break;
    case 10: // H1: a request on a terminated connection
        if (done)
        {
            Slot* s = done;
            nbl = NetBufferList::CreateReceive(100, m_nextId++);
            what = "Receive after terminate h=" + std::to_string(s->handle);
            call = [&, s]() { return m_target->TcpOffloadReceive(s->handle, nbl); };
        }
        break;
    case 11: // H1: offload of the invalid handle 0
    {
        if (Slot* s = Pick(which); s && s->phase == Slot::Phase::Software && Offloadable(*s))
        {
            expected = ChimneyStatus::INVALID_PARAMETER;
            Slot copy = *s;
            copy.handle = INVALID_OFFLOAD_HANDLE;
            TcpDelegatedState state =
                s->software->engine->Export(Simulator::Now().GetNanoSeconds());
            Ptr<OffloadBlockList> list = Blocks(copy, state, m_nextId++);
            what = "Offload of handle 0";
            call = [this, list]() { return m_target->InitiateOffload(list); };
        }
        break;
    }
    default:
        break;
    }
    if (!call) // H1: an unknown handle (always invalid)
    {
        id = "H1";
        expected = ChimneyStatus::INVALID_STATE;
        switch (which % 4)
        {
        case 0:
            sendNbl(8);
            what = "Send on an unknown handle";
            call = [&]() { return m_target->TcpOffloadSend(kUnknownHandle, nbl); };
            break;
        case 1:
            nbl = NetBufferList::CreateReceive(64, m_nextId++);
            what = "Receive on an unknown handle";
            call = [&]() { return m_target->TcpOffloadReceive(kUnknownHandle, nbl); };
            break;
        case 2:
            sendNbl(0);
            what = "Disconnect on an unknown handle";
            call = [&]() {
                return m_target->TcpOffloadDisconnect(kUnknownHandle,
                                                      nbl,
                                                      TCP_DISCONNECT_GRACEFUL_CLOSE);
            };
            break;
        default: {
            Slot unknown;
            unknown.handle = kUnknownHandle;
            unknown.port = 1;
            Ptr<OffloadBlockList> list = TerminateList({&unknown});
            what = "Terminate of an unknown handle";
            call = [this, list]() { return m_target->TerminateOffload(list); };
            break;
        }
        }
    }
    if (nbl)
    {
        m_keep.push_back(nbl);
        m_refused.insert(PeekPointer(nbl));
    }
    const Snapshot before = Snap();
    const size_t misuseBefore = m_misuse.size();
    const uint64_t countBefore = m_verifier->GetCount(id);
    const ChimneyStatus status = Call(call);
    Trace("invalid " + what + " -> " + ToString(status) + " (expected " + id + ")");
    if (status != expected)
    {
        Fail("invalid call '" + what + "' returned " + ToString(status) + ", expected " +
             ToString(expected) + " (" + id + ")");
    }
    if (m_misuse.size() != misuseBefore + 1 || m_misuse.back() != id)
    {
        Fail("invalid call '" + what + "': HostMisuse did not report exactly " + id);
    }
    if (m_lastRequestStatus != status)
    {
        Fail("invalid call '" + what + "': the Request trace shows another status");
    }
    if (m_verifier->GetCount(id) != countBefore + 1)
    {
        Fail("invalid call '" + what + "': the verifier did not count one " + id + " finding");
    }
    if (!(Snap() == before))
    {
        Fail("invalid call '" + what + "' changed the target's state");
    }
    ++m_expectedMisuse[id];
}

// --- the operation loop ---------------------------------------------------------------------

void
Harness::RunOps(Reader& in)
{
    for (size_t n = 0; n < kMaxOps && !in.Empty(); ++n)
    {
        const uint8_t op = in.U8() % OP_COUNT;
        const uint8_t a = in.U8();
        Slot* s = Pick(a);
        switch (op)
        {
        case OFFLOAD:
            if (s && s->phase == Slot::Phase::Software && Offloadable(*s))
            {
                Offload(*s);
            }
            break;
        case SEND:
            if (s && s->phase == Slot::Phase::Offloaded && !s->graceful)
            {
                const uint8_t b = in.U8();
                Ptr<NetBufferList> head;
                Ptr<NetBufferList> tail;
                for (int k = 0; k <= b % 3; ++k) // one to three NBLs in a chain
                {
                    auto nbl =
                        NetBufferList::CreateSend(Data(1 + (b >> 2) * 97u + k * 13u), m_nextId++);
                    m_keep.push_back(nbl);
                    m_issued.insert(PeekPointer(nbl));
                    (tail ? tail->next : head) = nbl;
                    tail = nbl;
                }
                Valid("Send h=" + std::to_string(s->handle),
                      Call([&]() { return m_target->TcpOffloadSend(s->handle, head); }));
            }
            break;
        case RECEIVE:
            if (s && s->phase == Slot::Phase::Offloaded)
            {
                const uint8_t b = in.U8();
                Ptr<NetBufferList> head;
                Ptr<NetBufferList> tail;
                for (int k = 0; k <= b % 2; ++k)
                {
                    auto nbl = NetBufferList::CreateReceive((b >> 1) * 50u, m_nextId++);
                    m_keep.push_back(nbl);
                    m_issued.insert(PeekPointer(nbl));
                    (tail ? tail->next : head) = nbl;
                    tail = nbl;
                }
                Valid("Receive h=" + std::to_string(s->handle),
                      Call([&]() { return m_target->TcpOffloadReceive(s->handle, head); }));
            }
            break;
        case GRACEFUL:
            if (s && s->phase == Slot::Phase::Offloaded && !s->graceful && !s->abortive)
            {
                auto nbl = NetBufferList::CreateSend(Data(in.U8() % 4 == 0 ? 0 : in.U8() * 3u),
                                                     m_nextId++);
                m_keep.push_back(nbl);
                m_issued.insert(PeekPointer(nbl));
                s->graceful = true;
                ++s->disconnectsPending;
                Valid("Disconnect graceful h=" + std::to_string(s->handle), Call([&]() {
                          return m_target->TcpOffloadDisconnect(s->handle,
                                                                nbl,
                                                                TCP_DISCONNECT_GRACEFUL_CLOSE);
                      }));
            }
            break;
        case ABORTIVE:
            if (s && s->phase == Slot::Phase::Offloaded && !s->abortive)
            {
                auto nbl = NetBufferList::CreateSend({}, m_nextId++);
                m_keep.push_back(nbl);
                m_issued.insert(PeekPointer(nbl));
                s->abortive = true;
                ++s->disconnectsPending;
                Valid("Disconnect abortive h=" + std::to_string(s->handle), Call([&]() {
                          return m_target->TcpOffloadDisconnect(s->handle,
                                                                nbl,
                                                                TCP_DISCONNECT_ABORTIVE_CLOSE);
                      }));
            }
            break;
        case TERMINATE:
            if (s && s->phase == Slot::Phase::Offloaded)
            {
                Terminate({s});
            }
            break;
        case TERMINATE_ALL: {
            std::vector<Slot*> slots;
            for (Slot& t : m_slots)
            {
                if (t.phase == Slot::Phase::Offloaded)
                {
                    slots.push_back(&t);
                }
            }
            Terminate(slots);
            break;
        }
        case ADVANCE:
            Advance(MicroSeconds(1 + a * 40));
            break;
        case ADVANCE_LONG:
            Advance(MilliSeconds(1 + a * 8));
            break;
        case PEER_SEND:
            if (PeerFor(s ? s->port : 0) != nullptr)
            {
                PeerApp* p = PeerFor(s->port);
                Trace("peer sends on port " + std::to_string(s->port));
                const std::vector<uint8_t> bytes = Data(1 + in.U8() * 20u);
                p->socket->Send(Create<Packet>(bytes.data(), static_cast<uint32_t>(bytes.size())));
            }
            break;
        case PEER_CLOSE:
            if (PeerFor(s ? s->port : 0) != nullptr)
            {
                Trace("peer closes port " + std::to_string(s->port));
                PeerFor(s->port)->socket->Close();
            }
            break;
        case RAW_SEGMENT:
            if (s)
            {
                RawSegment(*s, in.U8(), in.U8());
            }
            break;
        case HARDWARE_FAILURE:
            if (a % 8 == 0 && !m_target->HasFailed())
            {
                Trace("hardware failure");
                m_target->InjectHardwareFailure();
            }
            break;
        case INVALID:
        case INVALID_AGAIN:
            Invalid(a, in);
            break;
        case RUN_QUIET:
            Advance(MilliSeconds(300));
            break;
        default:
            break;
        }
    }
}

void
Harness::Finish()
{
    // The final terminates: every connection still on the target is uploaded.
    for (int round = 0; round < 40; ++round)
    {
        std::vector<Slot*> slots;
        bool waiting = false;
        for (Slot& s : m_slots)
        {
            if (s.phase == Slot::Phase::Offloaded)
            {
                slots.push_back(&s);
            }
            waiting = waiting || s.phase == Slot::Phase::Offloading ||
                      s.phase == Slot::Phase::Terminating;
        }
        Terminate(slots);
        if (!waiting && slots.empty())
        {
            break;
        }
        Advance(MilliSeconds(500));
    }
    for (const Slot& s : m_slots)
    {
        if (s.phase == Slot::Phase::Offloading || s.phase == Slot::Phase::Terminating)
        {
            Fail("a request never completed for handle " + std::to_string(s.handle) + " (A2)");
        }
    }
    // Outstanding requests of terminated connections were all completed before the terminate.
    if (!m_issued.empty())
    {
        Fail(std::to_string(m_issued.size()) +
             " NBL(s) never completed after the final terminates");
    }
    if (m_target->GetResourcesHeld() != 0 || m_target->GetResourceBytesHeld() != 0 ||
        m_target->GetOffloadedConnectionCount() != 0)
    {
        Fail("resources still held after the final terminates: " +
             std::to_string(m_target->GetResourcesHeld()) + " entries, " +
             std::to_string(m_target->GetOffloadedConnectionCount()) + " connections (R2, R4)");
    }
    if (g_trace)
    {
        for (const WireEntry& e : m_wire) // the target's frames, for a replayed failure
        {
            Trace("wire " + std::to_string(e.time.GetSeconds()) + " " +
                  std::to_string(e.tcp.srcPort) + " flags " + std::to_string(e.tcp.flags) +
                  " seq " + std::to_string(e.tcp.seq) + " ack " + std::to_string(e.tcp.ack) +
                  " len " + std::to_string(e.tcp.payload.size()));
        }
    }
    m_verifier->Finish();
    for (const auto& [id, count] : m_verifier->GetCounts())
    {
        const uint64_t expected = m_expectedMisuse.count(id) != 0 ? m_expectedMisuse.at(id) : 0;
        if (count != expected)
        {
            std::string detail;
            for (const ChimneyFinding& f : m_verifier->GetFindings())
            {
                if (f.id == id)
                {
                    detail = f.description;
                    break;
                }
            }
            Fail("verifier: " + std::to_string(count) + " " + id + " finding(s), expected " +
                 std::to_string(expected) + ": " + detail);
        }
    }
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static const bool init = []() {
        g_trace = std::getenv("CHIMNEY_FUZZ_TRACE") != nullptr;
        return true;
    }();
    (void)init;
    if (size < 2)
    {
        return 0;
    }
    Reader in(data, size);
    const uint8_t options = in.U8();
    const uint32_t connections = 1 + in.U8() % 4;
    {
        Harness h(options & 1);
        h.Build(connections);
        h.RunOps(in);
        h.Finish();
        Simulator::Destroy();
    }
    Config::Reset();
    return 0;
}
