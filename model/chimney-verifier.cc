/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier.h"

#include "chimney-host-stack.h"
#include "chimney-intermediate-driver.h"
#include "chimney-net-device.h"
#include "tcp-seq.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/names.h"
#include "ns3/node.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace ns3
{

NS_LOG_COMPONENT_DEFINE("ChimneyVerifier");

NS_OBJECT_ENSURE_REGISTERED(ChimneyVerifier);

namespace
{

// ---- position-weighted hash mod 2^61-1 (E1/E2 receive direction) ----
constexpr uint64_t kMod = (1ULL << 61) - 1;
constexpr uint64_t kBase = 0x0f3a5c6d7e8f9a1bULL % kMod;

uint64_t
MulMod(uint64_t a, uint64_t b)
{
    const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
    uint64_t r = static_cast<uint64_t>(p & kMod) + static_cast<uint64_t>(p >> 61);
    return r >= kMod ? r - kMod : r;
}

uint64_t
AddMod(uint64_t a, uint64_t b)
{
    const uint64_t r = a + b;
    return r >= kMod ? r - kMod : r;
}

uint64_t
PowBase(uint64_t e)
{
    uint64_t result = 1;
    uint64_t b = kBase;
    while (e != 0)
    {
        if (e & 1)
        {
            result = MulMod(result, b);
        }
        b = MulMod(b, b);
        e >>= 1;
    }
    return result;
}

/// Sum over i of (data[i] + 1) * base^(offset + i): additive over disjoint ranges.
/// Every payload byte goes through here, so it is the verifier's hottest loop: Horner's rule
/// (one multiply per byte) in four interleaved lanes of base^4, whose multiplies overlap.
/// All values stay fully reduced, so the result is the same number as the plain sum.
uint64_t
HashRange(const uint8_t* data, size_t n, uint64_t offset)
{
    static const uint64_t kBase4 = MulMod(MulMod(kBase, kBase), MulMod(kBase, kBase));
    // lane[k] = sum over j of (data[4j + k] + 1) * base^(4j), for the first n - n % 4 bytes
    uint64_t lane[4] = {0, 0, 0, 0};
    const size_t whole = n - n % 4;
    for (size_t i = whole; i >= 4; i -= 4)
    {
        for (size_t k = 0; k < 4; ++k)
        {
            lane[k] = AddMod(MulMod(lane[k], kBase4), static_cast<uint64_t>(data[i - 4 + k]) + 1);
        }
    }
    uint64_t h = lane[3];
    for (size_t k = 3; k-- > 0;)
    {
        h = AddMod(MulMod(h, kBase), lane[k]);
    }
    uint64_t pw = PowBase(whole);
    for (size_t i = whole; i < n; ++i)
    {
        h = AddMod(h, MulMod(static_cast<uint64_t>(data[i]) + 1, pw));
        pw = MulMod(pw, kBase);
    }
    return MulMod(h, PowBase(offset));
}

/// A 32-bit sequence number as a 64-bit offset from base, taking the one nearest to ref.
int64_t
Ext(uint32_t seq, uint32_t base, int64_t ref)
{
    const uint32_t refSeq = base + static_cast<uint32_t>(ref);
    return ref + static_cast<int32_t>(seq - refSeq);
}

std::string
CallText(const std::string& op,
         OffloadHandle handle,
         uint64_t id,
         uint32_t flags,
         ChimneyStatus returned)
{
    // Built for every request (findings quote it): plain appends, no ostringstream.
    std::string s;
    s.reserve(64);
    s.append(op).append("(h=").append(std::to_string(handle));
    s.append(" id=").append(std::to_string(id));
    if (flags != 0)
    {
        char hex[16];
        std::snprintf(hex, sizeof(hex), "%x", flags);
        s.append(" flags=0x").append(hex);
    }
    s.append(") -> ").append(ToString(returned));
    return s;
}

std::string
CompletionText(const std::string& op,
               OffloadHandle handle,
               uint64_t id,
               ChimneyStatus status,
               uint64_t bytes)
{
    // Built for every completion (findings quote it): plain appends, no ostringstream.
    std::string s;
    s.reserve(64);
    s.append(op).append(" completion (h=").append(std::to_string(handle));
    s.append(" id=").append(std::to_string(id)).append(") ").append(ToString(status));
    s.append(" bytes=").append(std::to_string(bytes));
    return s;
}

/// Bytes [0, n) of an NBL's buffers, in order, handed to f(ptr, len).
template <typename F>
void
ForEachNblRun(const NetBufferList& nbl, uint64_t n, F f)
{
    for (const NetBuffer& b : nbl.buffers)
    {
        if (n == 0)
        {
            return;
        }
        const size_t take = static_cast<size_t>(std::min<uint64_t>(n, b.data.size()));
        if (take > 0)
        {
            f(b.data.data(), take);
        }
        n -= take;
    }
}

} // namespace

// ---------------------------------------------------------------------------------------------
// Per-connection and per-device records
// ---------------------------------------------------------------------------------------------

/// 4-tuple as seen from the target.
struct ChimneyVerifier::Tuple
{
    uint32_t local = 0;      //!< local address
    uint32_t remote = 0;     //!< remote address
    uint16_t localPort = 0;  //!< local port
    uint16_t remotePort = 0; //!< remote port

    /// \param o other \returns true if equal
    bool operator==(const Tuple& o) const
    {
        return local == o.local && remote == o.remote && localPort == o.localPort &&
               remotePort == o.remotePort;
    }
};

/// splitmix64 over the packed tuple.
struct ChimneyVerifier::TupleHash
{
    /// \param t the tuple \returns its hash
    size_t operator()(const Tuple& t) const
    {
        uint64_t x = (static_cast<uint64_t>(t.local) << 32) ^ t.remote;
        x ^= (static_cast<uint64_t>(t.localPort) << 48) ^ (static_cast<uint64_t>(t.remotePort));
        x += 0x9e3779b97f4a7c15ULL;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
        return static_cast<size_t>(x ^ (x >> 31));
    }
};

/// Posted send data, by reference: [start, start + length) of the send stream.
struct ChimneyVerifier::Chunk
{
    int64_t start = 0;                    //!< stream offset of the first byte
    uint64_t length = 0;                  //!< bytes
    Ptr<const NetBufferList> nbl;         //!< the posting NBL (or null)
    const std::vector<uint8_t>* raw = {}; //!< the offload's delegated send data (or null)
};

/// A send NBL posted and not yet completed.
struct ChimneyVerifier::SendReq
{
    Ptr<const NetBufferList> nbl; //!< the request's NBL (null when unknown)
    uint64_t id = 0;              //!< its id
    int64_t end = 0;              //!< stream offset after its last byte
    uint64_t length = 0;          //!< bytes
    uint64_t event = 0;           //!< simulator event of the request (A1)
    bool late = false;            //!< accepted after the terminate request
    bool done = false;            //!< completed or returned
    bool returned = false;        //!< handed back in the terminate's send chain
    bool mustAbortA8 = false;     //!< outstanding at an Abort indication
    bool mustAbortA5 = false;     //!< outstanding when the target's RST went out
};

/// A receive NBL posted and not yet completed.
struct ChimneyVerifier::RecvReq
{
    Ptr<const NetBufferList> nbl; //!< the request's NBL (null when unknown)
    uint64_t id = 0;              //!< its id
    uint64_t event = 0;           //!< simulator event of the request (A1)
    bool done = false;            //!< completed
    bool mustAbortA8 = false;     //!< outstanding at an Abort indication
};

/// A disconnect request.
struct ChimneyVerifier::DiscReq
{
    Ptr<const NetBufferList> nbl; //!< the request's NBL (null when unknown)
    uint64_t id = 0;              //!< its id
    uint64_t length = 0;          //!< graceful data bytes
    uint64_t event = 0;           //!< simulator event of the request (A1)
    bool outstanding = false;     //!< accepted, not completed
    bool late = false;            //!< accepted after the terminate request
    bool mustAbortA8 = false;     //!< outstanding at an Abort indication
};

/// One offload of one connection, from the offload request to the terminate completion.
struct ChimneyVerifier::Conn
{
    enum Phase : uint8_t
    {
        OFFLOADING,
        OFFLOADED,
        TERMINATING,
        TERMINATED, //!< TerminateBlock completed; record kept until the list completes
    };

    OffloadHandle handle = INVALID_OFFLOAD_HANDLE; //!< device-level handle
    Tuple tuple;                                   //!< 4-tuple
    Phase phase = OFFLOADING;                      //!< where it is
    uint64_t reported = 0;                         //!< catalog IDs already reported (bits)

    // interface facts
    bool blind = false;               //!< a request came without its objects: no data checks
    bool allocated = false;           //!< ledger entry allocated
    bool freed = false;               //!< ledger entry freed
    bool finAtOffload = false;        //!< the FIN was requested before the offload
    bool remoteFinAtOffload = false;  //!< the remote FIN was received before the offload
    bool gracefulIssued = false;      //!< a graceful disconnect was accepted (H4, H5)
    bool abortiveIssued = false;      //!< an abortive disconnect was accepted (H4)
    bool gracefulActive = false;      //!< ... before the terminate request (the target acts)
    bool abortiveActive = false;      //!< ... before the terminate request
    bool terminateRequested = false;  //!< a terminate was accepted
    bool disconnectIndicated = false; //!< Disconnect indicated
    bool abortIndicated = false;      //!< Abort indicated
    bool hwFailure = false;           //!< Retrieve(HardwareFailure) indicated
    bool closedByTarget = false;      //!< Retrieve(TimeoutExpiration / InvalidState) indicated
    bool windowScaling = false;       //!< window scaling negotiated
    uint8_t rcvWndShift = 0;          //!< the target's window scale

    // send direction (offsets from sendSeq0)
    uint32_t sendSeq0 = 0;     //!< sequence number of stream offset 0
    int64_t posted = 0;        //!< end of the data posted (offload data + non-late posts)
    int64_t expectedFin = -1;  //!< FIN offset owed (W2), -1: none
    int64_t finOff = -1;       //!< FIN offset seen on the wire, -1: none
    int64_t maxSent = 0;       //!< highest sequence end the target sent (SND.MAX)
    int64_t acked = 0;         //!< highest ACK from the peer
    bool rstSent = false;      //!< the target's RST went out
    std::vector<Chunk> chunks; //!< posted data not yet acknowledged, by reference
    uint32_t chunkHead = 0;    //!< first live chunk
    Ptr<const OffloadBlockList> offloadList; //!< the offload request (delegated send data)

    // receive direction (offsets from recvSeq0)
    uint32_t recvSeq0 = 0;      //!< sequence number of offset 0 (first byte handed over)
    int64_t wire = 0;           //!< contiguous end of the remote's data seen on the wire
    uint64_t wireHash = 0;      //!< hash of [0, wire)
    int64_t delivered = 0;      //!< bytes delivered in receive completions (+ handed over)
    uint64_t deliveredHash = 0; //!< hash of [0, delivered)
    int64_t maxRemoteEnd = 0;   //!< highest sequence end the remote sent (FIN included)
    int64_t remoteFin = -1;     //!< the remote's FIN offset, -1: none
    bool acceptableRst = false; //!< an acceptable RST arrived from the remote
    bool remoteRst = false;     //!< any RST arrived from the remote
    int64_t lastAck = -1;       //!< the target's last ACK number sent, -1: none
    int64_t rightEdge = -1;     //!< the target's last advertised window edge, -1: unknown
    int64_t rcvLimit = -1;      //!< wire end when the target's RST went out (W6)
    int64_t offloadRcvNxt = 0;  //!< RcvNxt handed over at offload
    /// Data beyond a hole on the wire: start -> (end, hash).
    std::map<int64_t, std::pair<int64_t, uint64_t>> ooo;
    /// (wire end, hash) at each advance of the contiguous end, not yet passed by delivery.
    std::vector<std::pair<int64_t, uint64_t>> snaps;
    uint32_t snapHead = 0; //!< first live snapshot

    // W7: an ACK owed
    int64_t owedAck = -1; //!< offset the target must acknowledge, -1: nothing owed
    Time owedSince;       //!< deadline base (reset on progress)

    // requests
    std::vector<SendReq> sends;                     //!< send NBLs in posting order, from sendHead
    uint32_t sendHead = 0;                          //!< first not done
    std::vector<RecvReq> receives;                  //!< receive NBLs, from recvHead
    uint32_t recvHead = 0;                          //!< first not done
    DiscReq graceful;                               //!< the graceful disconnect
    DiscReq abortive;                               //!< the abortive disconnect
    Ptr<const OffloadBlockList> terminateList;      //!< the terminate request
    std::vector<Ptr<const NetBufferList>> returned; //!< sends handed back, in trace order

    /// \returns the 64-bit send offset of a sequence number
    int64_t SendOff(uint32_t seq) const
    {
        return Ext(seq, sendSeq0, maxSent);
    }

    /// \returns the 64-bit receive offset of a sequence number
    int64_t RecvOff(uint32_t seq) const
    {
        return Ext(seq, recvSeq0, wire);
    }

    /// \returns the remote's RCV.NXT as the target should see it (FIN included)
    int64_t RcvNxt() const
    {
        return wire + (remoteFin >= 0 && remoteFin == wire ? 1 : 0);
    }

    /// \returns true when a request is still outstanding
    bool AnyOutstanding() const
    {
        for (uint32_t i = sendHead; i < sends.size(); ++i)
        {
            if (!sends[i].done)
            {
                return true;
            }
        }
        for (uint32_t i = recvHead; i < receives.size(); ++i)
        {
            if (!receives[i].done)
            {
                return true;
            }
        }
        return graceful.outstanding || abortive.outstanding;
    }

    /// Drop completed requests from the front of the queues.
    void Compact()
    {
        while (sendHead < sends.size() && sends[sendHead].done)
        {
            sends[sendHead].nbl = nullptr;
            ++sendHead;
        }
        if (sendHead == sends.size())
        {
            std::vector<SendReq>().swap(sends);
            sendHead = 0;
        }
        while (recvHead < receives.size() && receives[recvHead].done)
        {
            receives[recvHead].nbl = nullptr;
            ++recvHead;
        }
        if (recvHead == receives.size())
        {
            std::vector<RecvReq>().swap(receives);
            recvHead = 0;
        }
    }
};

/// A request call between its objects (RequestObjects) and its return (Request).
struct ChimneyVerifier::PendingCall
{
    bool valid = false;                 //!< objects seen
    std::string op;                     //!< the operation
    OffloadHandle handle = 0;           //!< the handle
    Ptr<const NetBufferList> nbl;       //!< the NBL (chain)
    Ptr<const OffloadBlockList> blocks; //!< the list
    uint32_t flags = 0;                 //!< flags
    std::string misuse;                 //!< H-ID the target reported for it
};

/// One attached offload target.
struct ChimneyVerifier::DeviceState
{
    Ptr<ChimneyNetDevice> device;          //!< the target
    std::string name;                      //!< for findings
    uint32_t nodeId = 0;                   //!< its node
    WireLinkType link = WireLinkType::PPP; //!< framing of its link
    uint32_t capacity = 0;                 //!< MaxOffloadedConnections
    uint64_t lastHostUid = UINT64_MAX;     //!< uid of the last frame from the host
    PendingCall call;                      //!< the request call in progress
    std::unordered_map<OffloadHandle, std::unique_ptr<Conn>> byHandle; //!< live records
    std::unordered_map<Tuple, Conn*, TupleHash> byTuple;               //!< same, by tuple
    std::unordered_map<OffloadHandle, Tuple> terminated; //!< handles whose terminate completed
    std::unordered_map<Tuple, OffloadHandle, TupleHash> terminatedTuples; //!< same, by tuple
    std::unordered_map<Tuple, OffloadHandle, TupleHash> failedTuples;     //!< offloads that failed
    std::unordered_map<OffloadHandle, uint32_t> orphanHeld;     //!< ledger entries without record
    std::multimap<uint64_t, Ptr<const OffloadBlockList>> lists; //!< list requests by id
    uint64_t held = 0;                                          //!< ledger entries held
    NodeState* node = nullptr;                                  //!< its node's host stack
};

/// A node's host stack (A1 from the caller's side, A11 end to end, E3).
struct ChimneyVerifier::NodeState
{
    /// One request id seen by the host and/or the target.
    struct Track
    {
        uint32_t hostFlags = 0;    //!< flags the host passed
        uint32_t devFlags = 0;     //!< flags the target received
        bool hostCalled = false;   //!< the host's call returned PENDING
        bool devSeen = false;      //!< the target accepted it
        bool devCompleted = false; //!< the target completed it
        bool upcalled = false;     //!< the host received its completion
        Time since;                //!< first seen
    };

    Ptr<ChimneyHostStack> stack;                     //!< the stack
    uint32_t nodeId = 0;                             //!< its node
    std::vector<DeviceState*> devices;               //!< attached targets on the node
    std::unordered_map<uint64_t, Track> tracks;      //!< by request id
    std::unordered_map<OffloadHandle, Time> failing; //!< terminate FAILURE: must end FAILED
};

/// An intermediate driver: which upper issued each request id.
struct ChimneyVerifier::LayerState
{
    Ptr<ChimneyIntermediateDriver> layer;             //!< the driver
    std::unordered_map<uint64_t, std::string> issuer; //!< request id -> upper name
};

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

TypeId
ChimneyVerifier::GetTypeId()
{
    static TypeId tid =
        TypeId("ns3::ChimneyVerifier")
            .SetParent<Object>()
            .SetGroupName("Chimney")
            .AddConstructor<ChimneyVerifier>()
            .AddAttribute("AckTimeout",
                          "W7: time within which the target must acknowledge remote data it "
                          "accepted after its FIN (restarted on every advance of its ACK).",
                          TimeValue(MilliSeconds(500)),
                          MakeTimeAccessor(&ChimneyVerifier::m_ackTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("RequestTimeout",
                          "A11 at Finish(): a host request older than this that never reached "
                          "the target, or whose completion never reached the host, is reported.",
                          TimeValue(Seconds(1)),
                          MakeTimeAccessor(&ChimneyVerifier::m_requestTimeout),
                          MakeTimeChecker(Time(0)))
            .AddAttribute("MaxStoredFindings",
                          "Findings kept for the report (the counts are always complete).",
                          UintegerValue(10000),
                          MakeUintegerAccessor(&ChimneyVerifier::m_maxStored),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("OncePerConnection",
                          "Report each invariant at most once per connection (repeats are "
                          "counted as suppressed).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ChimneyVerifier::m_oncePerConnection),
                          MakeBooleanChecker())
            .AddAttribute("RequireTerminated",
                          "Finish() reports connections still offloaded (R4).",
                          BooleanValue(true),
                          MakeBooleanAccessor(&ChimneyVerifier::m_requireTerminated),
                          MakeBooleanChecker())
            .AddTraceSource("Finding",
                            "An invariant violation (SPEC.md section 4).",
                            MakeTraceSourceAccessor(&ChimneyVerifier::m_findingTrace),
                            "ns3::ChimneyVerifier::FindingTracedCallback");
    return tid;
}

ChimneyVerifier::ChimneyVerifier() = default;

ChimneyVerifier::~ChimneyVerifier() = default;

void
ChimneyVerifier::DoDispose()
{
    m_devices.clear();
    m_byDevice.clear();
    m_nodes.clear();
    m_layers.clear();
    Object::DoDispose();
}

size_t
ChimneyVerifier::GetConnectionRecordSize()
{
    return sizeof(Conn);
}

ChimneyVerifier::DeviceState*
ChimneyVerifier::GetState(Ptr<ChimneyNetDevice> device) const
{
    auto it = m_byDevice.find(PeekPointer(device));
    NS_ABORT_MSG_IF(it == m_byDevice.end(), "ChimneyVerifier: device not attached");
    return it->second;
}

void
ChimneyVerifier::AttachDevice(Ptr<ChimneyNetDevice> device)
{
    NS_ABORT_MSG_IF(!device, "ChimneyVerifier::AttachDevice: null device");
    if (m_byDevice.count(PeekPointer(device)) != 0)
    {
        return;
    }
    m_log.SetMaxStored(m_maxStored);
    auto d = std::make_unique<DeviceState>();
    DeviceState* s = d.get();
    s->device = device;
    s->nodeId = device->GetNode() ? device->GetNode()->GetId() : 0;
    s->name = Names::FindName(device);
    if (s->name.empty())
    {
        s->name =
            "node" + std::to_string(s->nodeId) + "/dev" + std::to_string(device->GetIfIndex());
    }
    UintegerValue capacity;
    device->GetAttribute("MaxOffloadedConnections", capacity);
    s->capacity = static_cast<uint32_t>(capacity.Get());
    m_devices.push_back(std::move(d));
    m_byDevice[PeekPointer(device)] = s;

    // Every source must exist: a verifier that silently missed one would check nothing.
    auto connect = [](Ptr<Object> source, const char* name, const CallbackBase& callback) {
        NS_ABORT_MSG_IF(!source->TraceConnectWithoutContext(name, callback),
                        "ChimneyVerifier: cannot connect to trace source " << name);
    };
    connect(device,
            "RequestObjects",
            MakeCallback(&ChimneyVerifier::TraceRequestObjects, this).Bind(s));
    connect(device, "Request", MakeCallback(&ChimneyVerifier::TraceRequest, this).Bind(s));
    connect(device, "Completion", MakeCallback(&ChimneyVerifier::TraceCompletion, this).Bind(s));
    connect(device, "Indication", MakeCallback(&ChimneyVerifier::TraceIndication, this).Bind(s));
    connect(device, "HostMisuse", MakeCallback(&ChimneyVerifier::TraceHostMisuse, this).Bind(s));
    connect(device,
            "ResourceAllocated",
            MakeCallback(&ChimneyVerifier::TraceAllocated, this).Bind(s));
    connect(device, "ResourceFreed", MakeCallback(&ChimneyVerifier::TraceFreed, this).Bind(s));
    connect(device, "HostSend", MakeCallback(&ChimneyVerifier::TraceHostSend, this).Bind(s));
    Ptr<NetDevice> inner = device->GetInnerDevice();
    NS_ABORT_MSG_IF(!inner, "ChimneyVerifier::AttachDevice: no inner link device");
    s->link = inner->IsPointToPoint() ? WireLinkType::PPP : WireLinkType::ETHERNET;
    // MacTx: a frame as it enters the link device (PointToPoint and Csma both add the link
    // header first), at the instant the sender hands it down: what the target sent, in the
    // order it sent it (PhyTxBegin would be later, behind the queue, e.g. after a terminate).
    // MacRx: a received frame, link header included, before the target sees it.
    connect(inner, "MacTx", MakeCallback(&ChimneyVerifier::TraceMacTx, this).Bind(s));
    connect(inner, "MacRx", MakeCallback(&ChimneyVerifier::TraceMacRx, this).Bind(s));
    for (auto& entry : m_nodes)
    {
        if (entry.second->nodeId == s->nodeId)
        {
            entry.second->devices.push_back(s);
            s->node = entry.second.get();
        }
    }
}

void
ChimneyVerifier::AttachHostStack(Ptr<ChimneyHostStack> stack)
{
    NS_ABORT_MSG_IF(!stack || !stack->GetNode(), "ChimneyVerifier: host stack not installed");
    const uint32_t nodeId = stack->GetNode()->GetId();
    if (m_nodes.count(nodeId) != 0)
    {
        return;
    }
    auto n = std::make_unique<NodeState>();
    NodeState* s = n.get();
    s->stack = stack;
    s->nodeId = nodeId;
    m_nodes[nodeId] = std::move(n);
    for (auto& d : m_devices)
    {
        if (d->nodeId == nodeId)
        {
            s->devices.push_back(d.get());
            d->node = s;
        }
    }
    stack->TraceConnectWithoutContext("Call",
                                      MakeCallback(&ChimneyVerifier::TraceHostCall, this).Bind(s));
    stack->TraceConnectWithoutContext(
        "Upcall",
        MakeCallback(&ChimneyVerifier::TraceHostUpcall, this).Bind(s));
    stack->TraceConnectWithoutContext("PhaseChange",
                                      MakeCallback(&ChimneyVerifier::TraceHostPhase, this).Bind(s));
}

void
ChimneyVerifier::AttachIntermediateDriver(Ptr<ChimneyIntermediateDriver> layer)
{
    NS_ABORT_MSG_IF(!layer, "ChimneyVerifier: null intermediate driver");
    auto l = std::make_unique<LayerState>();
    LayerState* s = l.get();
    s->layer = layer;
    m_layers.push_back(std::move(l));
    layer->TraceConnectWithoutContext(
        "Request",
        MakeCallback(&ChimneyVerifier::TraceLayerRequest, this).Bind(s));
    layer->TraceConnectWithoutContext(
        "Completion",
        MakeCallback(&ChimneyVerifier::TraceLayerCompletion, this).Bind(s));
}

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::Report(const std::string& id,
                        const DeviceState* d,
                        Conn* c,
                        OffloadHandle handle,
                        const std::string& description,
                        const std::string& evidence)
{
    const auto& catalog = ChimneyInvariantCatalog();
    size_t index = 0;
    while (index < catalog.size() && id != catalog[index].id)
    {
        ++index;
    }
    NS_ABORT_MSG_IF(index == catalog.size(), "ChimneyVerifier: unknown invariant " << id);
    if (c != nullptr && m_oncePerConnection)
    {
        const uint64_t bit = 1ULL << index;
        if ((c->reported & bit) != 0)
        {
            m_log.AddSuppressed();
            return;
        }
        c->reported |= bit;
    }
    ChimneyFinding f;
    f.id = id;
    f.time = Simulator::Now();
    if (d != nullptr)
    {
        f.nodeId = d->nodeId;
        f.device = d->name;
    }
    f.handle = c != nullptr ? c->handle : handle;
    Tuple t;
    bool haveTuple = false;
    if (c != nullptr)
    {
        t = c->tuple;
        haveTuple = true;
    }
    else if (d != nullptr && handle != INVALID_OFFLOAD_HANDLE)
    {
        auto it = d->terminated.find(handle);
        if (it != d->terminated.end())
        {
            t = it->second;
            haveTuple = true;
        }
    }
    if (haveTuple)
    {
        f.localAddress = Ipv4Address(t.local);
        f.localPort = t.localPort;
        f.remoteAddress = Ipv4Address(t.remote);
        f.remotePort = t.remotePort;
    }
    f.description = description;
    f.evidence = evidence;
    NS_LOG_WARN(f);
    m_log.Add(f);
    m_findingTrace(f);
}

uint64_t
ChimneyVerifier::GetFindingCount() const
{
    return m_log.GetTotal();
}

uint64_t
ChimneyVerifier::GetCount(const std::string& id) const
{
    return m_log.GetCount(id);
}

std::map<std::string, uint64_t>
ChimneyVerifier::GetCounts() const
{
    return m_log.GetCounts();
}

const std::vector<ChimneyFinding>&
ChimneyVerifier::GetFindings() const
{
    return m_log.GetFindings();
}

uint64_t
ChimneyVerifier::GetTrackedConnectionCount() const
{
    uint64_t n = 0;
    for (const auto& d : m_devices)
    {
        n += d->byHandle.size();
    }
    return n;
}

std::vector<std::pair<std::string, uint64_t>>
ChimneyVerifier::SummaryFields() const
{
    return {{"devices", m_devices.size()},
            {"connections", m_connections},
            {"segments", m_segments},
            {"requests", m_requests},
            {"completions", m_completions},
            {"indications", m_indications}};
}

void
ChimneyVerifier::WriteJson(std::ostream& os) const
{
    m_log.WriteJson(os, m_finished ? m_finishTime : Simulator::Now(), SummaryFields());
}

void
ChimneyVerifier::PrintSummary(std::ostream& os) const
{
    m_log.PrintSummary(os, SummaryFields());
}

bool
ChimneyVerifier::Aborted(const Conn& c) const
{
    return c.rstSent || c.abortIndicated || c.hwFailure || c.closedByTarget;
}

// ---------------------------------------------------------------------------------------------
// Trace sinks and public entry points
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceRequestObjects(DeviceState* d,
                                     std::string op,
                                     OffloadHandle handle,
                                     Ptr<const NetBufferList> nbl,
                                     Ptr<const OffloadBlockList> blocks,
                                     uint32_t flags)
{
    d->call = PendingCall();
    d->call.valid = true;
    d->call.op = op;
    d->call.handle = handle;
    d->call.nbl = nbl;
    d->call.blocks = blocks;
    d->call.flags = flags;
}

void
ChimneyVerifier::ObserveRequestObjects(Ptr<ChimneyNetDevice> device,
                                       std::string op,
                                       OffloadHandle handle,
                                       Ptr<const NetBufferList> nbl,
                                       Ptr<const OffloadBlockList> blocks,
                                       uint32_t flags)
{
    TraceRequestObjects(GetState(device), op, handle, nbl, blocks, flags);
}

void
ChimneyVerifier::TraceHostMisuse(DeviceState* d,
                                 std::string id,
                                 OffloadHandle handle,
                                 std::string text)
{
    if (!IsChimneyInvariantId(id) || id[0] != 'H')
    {
        id = "H1"; // a report we cannot classify still is host misuse
    }
    auto it = d->byHandle.find(handle);
    Conn* c = it == d->byHandle.end() ? nullptr : it->second.get();
    std::string evidence =
        d->call.valid ? d->call.op + "(h=" + std::to_string(d->call.handle) + ")" : "";
    // Host misuse is reported per call, never suppressed as a repeat on a connection.
    const bool once = m_oncePerConnection;
    m_oncePerConnection = false;
    Report(id, d, c, handle, "target refused host misuse: " + text, evidence);
    m_oncePerConnection = once;
    d->call.misuse = id;
}

void
ChimneyVerifier::ObserveHostMisuse(Ptr<ChimneyNetDevice> device,
                                   std::string id,
                                   OffloadHandle handle,
                                   std::string description)
{
    TraceHostMisuse(GetState(device), id, handle, description);
}

std::string
ChimneyVerifier::ExpectedMisuse(DeviceState& d, const PendingCall& call, std::string* why) const
{
    // The same rules, in the same order, as SPEC section 4 H1-H7 (and the target's checks):
    // decided from the request stream alone.
    auto find = [&d](OffloadHandle h) -> const Conn* {
        auto it = d.byHandle.find(h);
        if (it == d.byHandle.end() || it->second->phase == Conn::TERMINATED)
        {
            return nullptr;
        }
        return it->second.get();
    };
    std::ostringstream w;
    if (call.op == "InitiateOffload")
    {
        if (!call.blocks || call.blocks->TcpBlockCount() == 0)
        {
            *why = "offload request without a TCP block";
            return "H7";
        }
        std::vector<OffloadHandle> handles;
        std::vector<Tuple> tuples;
        for (const auto& n : call.blocks->neighbors)
        {
            for (const auto& p : n.paths)
            {
                for (const auto& t : p.connections)
                {
                    const Tuple key{p.source.Get(), p.destination.Get(), t.localPort, t.remotePort};
                    if (t.handle == INVALID_OFFLOAD_HANDLE)
                    {
                        *why = "offload of the invalid handle 0";
                        return "H1";
                    }
                    if (!IsOffloadableState(t.delegated.state))
                    {
                        w << "offload in the forbidden TCP state " << ToString(t.delegated.state);
                        *why = w.str();
                        return "H7";
                    }
                    if (find(t.handle) != nullptr || d.byTuple.count(key) != 0 ||
                        std::count(handles.begin(), handles.end(), t.handle) != 0 ||
                        std::count(tuples.begin(), tuples.end(), key) != 0)
                    {
                        w << "offload of handle " << t.handle << " which is already offloaded";
                        *why = w.str();
                        return "H7";
                    }
                    handles.push_back(t.handle);
                    tuples.push_back(key);
                }
            }
        }
        return "";
    }
    if (call.op == "TerminateOffload")
    {
        if (!call.blocks || call.blocks->TcpBlockCount() == 0)
        {
            *why = "terminate without a TCP block";
            return "H1";
        }
        std::vector<OffloadHandle> handles;
        for (const auto& n : call.blocks->neighbors)
        {
            for (const auto& p : n.paths)
            {
                for (const auto& t : p.connections)
                {
                    const Conn* c = find(t.handle);
                    if (c == nullptr || (c->phase == Conn::OFFLOADING && !c->allocated))
                    {
                        w << "terminate of handle " << t.handle
                          << " which is unknown, not offloaded or already terminated";
                        *why = w.str();
                        return "H1";
                    }
                    if (c->terminateRequested ||
                        std::count(handles.begin(), handles.end(), t.handle) != 0)
                    {
                        w << "second terminate of handle " << t.handle << " while one is pending";
                        *why = w.str();
                        return "H6";
                    }
                    handles.push_back(t.handle);
                }
            }
        }
        return "";
    }
    // NBL requests: a usable handle first (H1).
    const Conn* c = find(call.handle);
    if (c == nullptr || (c->phase == Conn::OFFLOADING && !c->allocated))
    {
        *why = call.op + " on an unknown, not (yet) offloaded or terminated handle";
        return "H1";
    }
    if (call.op == "Send")
    {
        if (!call.nbl)
        {
            *why = "send without NBL";
            return "H2";
        }
        if (c->gracefulIssued || c->finAtOffload)
        {
            *why = "send after a graceful disconnect was issued";
            return "H5";
        }
        return "";
    }
    if (call.op == "Receive")
    {
        if (!call.nbl)
        {
            *why = "receive without NBL";
            return "H2";
        }
        return "";
    }
    if (call.op == "Disconnect")
    {
        if (call.flags != TCP_DISCONNECT_GRACEFUL_CLOSE &&
            call.flags != TCP_DISCONNECT_ABORTIVE_CLOSE)
        {
            w << "disconnect flags 0x" << std::hex << call.flags
              << " are neither GRACEFUL_CLOSE nor ABORTIVE_CLOSE";
            *why = w.str();
            return "H3";
        }
        if (!call.nbl || call.nbl->buffers.size() != 1 || call.nbl->next)
        {
            *why = "disconnect NBL without exactly one NET_BUFFER";
            return "H2";
        }
        if (call.flags == TCP_DISCONNECT_ABORTIVE_CLOSE && call.nbl->DataLength() > 0)
        {
            *why = "abortive disconnect carrying data";
            return "H2";
        }
        if (c->abortiveIssued)
        {
            *why = "disconnect after an abortive disconnect";
            return "H4";
        }
        if (call.flags == TCP_DISCONNECT_GRACEFUL_CLOSE && (c->gracefulIssued || c->finAtOffload))
        {
            *why = "second graceful disconnect";
            return "H4";
        }
        return "";
    }
    return "";
}

void
ChimneyVerifier::TraceRequest(DeviceState* d,
                              std::string op,
                              OffloadHandle handle,
                              uint64_t id,
                              uint32_t flags,
                              ChimneyStatus returned)
{
    ++m_requests;
    PendingCall call;
    if (d->call.valid && d->call.op == op && d->call.handle == handle)
    {
        call = d->call;
    }
    else
    {
        call.op = op;
        call.handle = handle;
        call.flags = flags;
        call.misuse = d->call.misuse;
    }
    d->call = PendingCall();
    const std::string evidence = CallText(op, handle, id, flags, returned);
    auto it = d->byHandle.find(handle);
    Conn* c = it == d->byHandle.end() ? nullptr : it->second.get();
    std::string why;
    const std::string expected = call.valid ? ExpectedMisuse(*d, call, &why) : "";
    if (returned == ChimneyStatus::PENDING)
    {
        if (!expected.empty())
        {
            Report(expected,
                   d,
                   nullptr,
                   handle,
                   "host misuse accepted by the target: " + why,
                   evidence);
        }
        ApplyRequest(*d, call, id);
        NodeDeviceRequest(*d, id, flags);
        return;
    }
    // A refusal: only host misuse may be refused, with a clear status (A1, H).
    if (returned != ChimneyStatus::INVALID_PARAMETER && returned != ChimneyStatus::INVALID_STATE)
    {
        Report("A1",
               d,
               c,
               handle,
               std::string("request returned ") + ToString(returned) +
                   " (only PENDING, or INVALID_PARAMETER / INVALID_STATE for host misuse)",
               evidence);
    }
    else if (call.misuse.empty())
    {
        if (!expected.empty())
        {
            Report(expected,
                   d,
                   nullptr,
                   handle,
                   "host misuse refused without a HostMisuse report: " + why,
                   evidence);
        }
        else if (call.valid)
        {
            Report("A1",
                   d,
                   c,
                   handle,
                   std::string("valid request refused with ") + ToString(returned),
                   evidence);
        }
    }
}

void
ChimneyVerifier::ObserveRequest(Ptr<ChimneyNetDevice> device,
                                std::string op,
                                OffloadHandle handle,
                                uint64_t id,
                                uint32_t flags,
                                ChimneyStatus returned)
{
    TraceRequest(GetState(device), op, handle, id, flags, returned);
}

void
ChimneyVerifier::ApplyRequest(DeviceState& d, const PendingCall& call, uint64_t id)
{
    const uint64_t event = Simulator::GetEventCount();
    if (call.op == "InitiateOffload")
    {
        if (!call.blocks)
        {
            return; // nothing to learn without the list
        }
        d.lists.emplace(id, call.blocks);
        for (const auto& n : call.blocks->neighbors)
        {
            for (const auto& p : n.paths)
            {
                for (const auto& t : p.connections)
                {
                    if (d.byHandle.count(t.handle) != 0)
                    {
                        continue; // misuse accepted: the existing record stays authoritative
                    }
                    auto c = std::make_unique<Conn>();
                    c->handle = t.handle;
                    c->tuple =
                        Tuple{p.source.Get(), p.destination.Get(), t.localPort, t.remotePort};
                    const TcpDelegatedState& s = t.delegated;
                    c->offloadList = call.blocks;
                    c->finAtOffload = s.finRequested;
                    c->windowScaling = s.windowScaling;
                    c->rcvWndShift = s.windowScaling ? s.rcvWndShift : 0;
                    // Send stream: offset 0 is sendData[0]; the offload's data is posted data.
                    c->sendSeq0 = s.sendDataSeq;
                    c->posted = static_cast<int64_t>(s.sendData.size());
                    c->maxSent = Ext(s.sndMax, c->sendSeq0, 0);
                    c->acked = Ext(s.sndUna, c->sendSeq0, 0);
                    if (!s.sendData.empty())
                    {
                        c->chunks.push_back(Chunk{0, s.sendData.size(), nullptr, &s.sendData});
                    }
                    if (s.finRequested)
                    {
                        c->expectedFin = Ext(s.finSeq, c->sendSeq0, 0);
                        if (SeqLt(s.finSeq, s.sndMax))
                        {
                            c->finOff = c->expectedFin; // the host sent the FIN already
                        }
                    }
                    // Receive stream: offset 0 is the first byte handed over undelivered.
                    const uint32_t dataEnd = s.rcvNxt - (s.remoteFinReceived ? 1 : 0);
                    c->recvSeq0 = dataEnd - static_cast<uint32_t>(s.receiveData.size());
                    c->wire = static_cast<int64_t>(s.receiveData.size());
                    c->wireHash = HashRange(s.receiveData.data(), s.receiveData.size(), 0);
                    c->snaps.emplace_back(c->wire, c->wireHash);
                    c->maxRemoteEnd = Ext(s.rcvNxt, c->recvSeq0, c->wire);
                    c->offloadRcvNxt = c->maxRemoteEnd;
                    if (s.remoteFinReceived)
                    {
                        c->remoteFin = c->wire;
                        c->remoteFinAtOffload = true;
                    }
                    for (const auto& seg : s.outOfOrder)
                    {
                        AddRemoteData(*c, c->RecvOff(seg.seq), seg.data.data(), seg.data.size());
                    }
                    Conn* raw = c.get();
                    d.byTuple[c->tuple] = raw;
                    d.byHandle[t.handle] = std::move(c);
                    d.failedTuples.erase(raw->tuple);
                    ++m_connections;
                }
            }
        }
        return;
    }
    if (call.op == "TerminateOffload")
    {
        if (!call.blocks)
        {
            return;
        }
        d.lists.emplace(id, call.blocks);
        for (const auto& n : call.blocks->neighbors)
        {
            for (const auto& p : n.paths)
            {
                for (const auto& t : p.connections)
                {
                    auto it = d.byHandle.find(t.handle);
                    if (it == d.byHandle.end())
                    {
                        continue;
                    }
                    Conn& c = *it->second;
                    c.terminateRequested = true;
                    c.terminateList = call.blocks;
                    if (c.phase == Conn::OFFLOADED || c.phase == Conn::OFFLOADING)
                    {
                        c.phase = Conn::TERMINATING;
                    }
                    c.owedAck = -1; // W7: the host takes over; what it owes is checked at the end
                }
            }
        }
        return;
    }
    auto it = d.byHandle.find(call.handle);
    if (it == d.byHandle.end())
    {
        return;
    }
    Conn& c = *it->second;
    if (!call.valid)
    {
        c.blind = true; // lengths unknown from here on: data checks stop
    }
    const bool late = c.terminateRequested;
    if (call.op == "Send")
    {
        if (!call.nbl)
        {
            SendReq r;
            r.id = id;
            r.event = event;
            r.late = late;
            r.end = c.posted;
            c.sends.push_back(r);
            return;
        }
        for (Ptr<const NetBufferList> n = call.nbl; n; n = n->next)
        {
            SendReq r;
            r.nbl = n;
            r.id = n->id;
            r.length = n->DataLength();
            r.event = event;
            r.late = late;
            if (!late)
            {
                if (r.length > 0)
                {
                    c.chunks.push_back(Chunk{c.posted, r.length, n, nullptr});
                }
                c.posted += static_cast<int64_t>(r.length);
            }
            r.end = c.posted;
            c.sends.push_back(r);
        }
        return;
    }
    if (call.op == "Receive")
    {
        if (!call.nbl)
        {
            RecvReq r;
            r.id = id;
            r.event = event;
            c.receives.push_back(r);
            return;
        }
        for (Ptr<const NetBufferList> n = call.nbl; n; n = n->next)
        {
            RecvReq r;
            r.nbl = n;
            r.id = n->id;
            r.event = event;
            c.receives.push_back(r);
        }
        return;
    }
    if (call.op == "Disconnect")
    {
        const bool graceful = call.flags == TCP_DISCONNECT_GRACEFUL_CLOSE;
        DiscReq& r = graceful ? c.graceful : c.abortive;
        r = DiscReq();
        r.nbl = call.nbl;
        r.id = id;
        r.event = event;
        r.outstanding = true;
        r.late = late;
        r.length = call.nbl ? call.nbl->DataLength() : 0;
        if (graceful)
        {
            c.gracefulIssued = true;
            if (!late)
            {
                c.gracefulActive = true;
                if (r.length > 0 && call.nbl)
                {
                    c.chunks.push_back(Chunk{c.posted, r.length, call.nbl, nullptr});
                }
                c.posted += static_cast<int64_t>(r.length);
                c.expectedFin = c.posted;
            }
        }
        else if (call.flags == TCP_DISCONNECT_ABORTIVE_CLOSE)
        {
            c.abortiveIssued = true;
            c.abortiveActive = !late;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Completions
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceCompletion(DeviceState* d,
                                 std::string op,
                                 OffloadHandle handle,
                                 uint64_t id,
                                 ChimneyStatus status,
                                 uint64_t bytes)
{
    ++m_completions;
    const std::string evidence = CompletionText(op, handle, id, status, bytes);
    if (op == "InitiateOffload" || op == "TerminateOffload")
    {
        auto range = d->lists.equal_range(id);
        if (range.first == range.second)
        {
            Report("A2",
                   d,
                   nullptr,
                   0,
                   op + " completion of a block list that is not outstanding",
                   evidence);
            return;
        }
        Ptr<const OffloadBlockList> list = range.first->second;
        d->lists.erase(range.first);
        if (list->status != status)
        {
            Report("A2",
                   d,
                   nullptr,
                   0,
                   "the completed block list is not the request's (status " +
                       std::string(ToString(list->status)) + ")",
                   evidence);
        }
        NodeDeviceCompletion(*d, op, id);
        if (op == "TerminateOffload")
        {
            // R2: every resource of the terminated connections is freed by now.
            for (const auto& n : list->neighbors)
            {
                for (const auto& p : n.paths)
                {
                    for (const auto& t : p.connections)
                    {
                        auto it = d->byHandle.find(t.handle);
                        if (it == d->byHandle.end() || it->second->phase != Conn::TERMINATED)
                        {
                            continue;
                        }
                        Conn& c = *it->second;
                        if (c.allocated && !c.freed)
                        {
                            Report("R2",
                                   d,
                                   &c,
                                   t.handle,
                                   "resources still held when the terminate completed",
                                   evidence);
                        }
                        EndConnection(*d, t.handle);
                    }
                }
            }
        }
        return;
    }
    if (op == "OffloadBlock")
    {
        CompleteOffloadBlock(*d, handle, id, status, evidence);
        return;
    }
    auto it = d->byHandle.find(handle);
    if (it == d->byHandle.end() || it->second->phase == Conn::TERMINATED)
    {
        if (it != d->byHandle.end() || d->terminated.count(handle) != 0)
        {
            Report("A10",
                   d,
                   it != d->byHandle.end() ? it->second.get() : nullptr,
                   handle,
                   op + " completion after the connection's terminate completed",
                   evidence);
        }
        else
        {
            Report("A2",
                   d,
                   nullptr,
                   handle,
                   op + " completion for a connection never offloaded",
                   evidence);
        }
        return;
    }
    Conn& c = *it->second;
    CheckObligation(*d, c);
    if (op == "TerminateBlock")
    {
        CompleteTerminateBlock(*d, c, status, evidence);
        return;
    }
    CompleteNbl(*d, c, op, id, status, bytes, evidence);
    if (op != "SendReturned")
    {
        NodeDeviceCompletion(*d, op, id);
    }
    else if (d->node != nullptr)
    {
        d->node->tracks.erase(id); // handed back in the terminate's chain, not completed up
    }
    c.Compact();
}

void
ChimneyVerifier::ObserveCompletion(Ptr<ChimneyNetDevice> device,
                                   std::string op,
                                   OffloadHandle handle,
                                   uint64_t id,
                                   ChimneyStatus status,
                                   uint64_t bytes)
{
    TraceCompletion(GetState(device), op, handle, id, status, bytes);
}

void
ChimneyVerifier::CompleteNbl(DeviceState& d,
                             Conn& c,
                             const std::string& op,
                             uint64_t id,
                             ChimneyStatus status,
                             uint64_t bytes,
                             const std::string& evidence)
{
    if (op == "Send" || op == "SendReturned")
    {
        // A4: sends complete in posting order; a returned one is the next not completed too.
        SendReq* r = nullptr;
        bool inOrder = true;
        for (uint32_t i = c.sendHead; i < c.sends.size(); ++i)
        {
            SendReq& s = c.sends[i];
            if (s.done)
            {
                continue;
            }
            if (s.id == id && (!s.nbl || s.nbl->id == id))
            {
                r = &s;
                break;
            }
            inOrder = false;
        }
        if (r == nullptr)
        {
            Report("A2",
                   &d,
                   &c,
                   c.handle,
                   "completion of a send NBL that is not outstanding (never posted, or completed "
                   "twice)",
                   evidence);
            return;
        }
        if (!inOrder && op == "Send")
        {
            Report("A4", &d, &c, c.handle, "send completed out of posting order", evidence);
        }
        r->done = true;
        CheckMatchedCompletion(d, c, "send", r->event, r->nbl, status, bytes, true, evidence);
        if (op == "SendReturned")
        {
            r->returned = true;
            c.returned.push_back(r->nbl);
            if (!c.terminateRequested)
            {
                Report("A9",
                       &d,
                       &c,
                       c.handle,
                       "send NBL handed back without a terminate",
                       evidence);
            }
            return;
        }
        const int64_t start = r->end - static_cast<int64_t>(r->length);
        const uint64_t ackedIn =
            c.acked <= start ? 0 : std::min<uint64_t>(r->length, c.acked - start);
        if (status == ChimneyStatus::SUCCESS)
        {
            if (!c.blind && !r->late && (c.acked < r->end || bytes != r->length))
            {
                std::ostringstream w;
                w << "send SUCCESS with " << bytes << " of " << r->length << " bytes; the peer "
                  << "acknowledged " << ackedIn << " of them on the wire";
                Report("A3", &d, &c, c.handle, w.str(), evidence);
            }
        }
        else if (!CheckAbortedOrUploaded(d, c, "send", status, evidence))
        {
            Report("A2",
                   &d,
                   &c,
                   c.handle,
                   std::string("send completed with the unexpected status ") + ToString(status),
                   evidence);
        }
        if (status != ChimneyStatus::SUCCESS && !c.blind && !r->late && bytes > ackedIn)
        {
            Report("A3",
                   &d,
                   &c,
                   c.handle,
                   "bytes reported exceed the bytes acknowledged",
                   evidence);
        }
        CheckAbortIndicationCompletion(d, c, "send", r->mustAbortA8, status, evidence);
        if (r->mustAbortA5 && status != ChimneyStatus::REQUEST_ABORTED &&
            !(status == ChimneyStatus::SUCCESS && c.acked >= r->end))
        {
            Report("A5",
                   &d,
                   &c,
                   c.handle,
                   "send outstanding at the abortive disconnect did not complete REQUEST_ABORTED",
                   evidence);
        }
        return;
    }
    if (op == "Receive")
    {
        RecvReq* r = nullptr;
        for (uint32_t i = c.recvHead; i < c.receives.size(); ++i)
        {
            RecvReq& q = c.receives[i];
            if (!q.done && q.id == id && (!q.nbl || q.nbl->id == id))
            {
                r = &q;
                break;
            }
        }
        if (r == nullptr)
        {
            Report("A2",
                   &d,
                   &c,
                   c.handle,
                   "completion of a receive NBL that is not outstanding (never posted, or "
                   "completed twice)",
                   evidence);
            return;
        }
        r->done = true;
        CheckMatchedCompletion(d, c, "receive", r->event, r->nbl, status, bytes, false, evidence);
        CheckAbortIndicationCompletion(d, c, "receive", r->mustAbortA8, status, evidence);
        CheckAbortedOrUploaded(d, c, "receive", status, evidence);
        if (bytes == 0)
        {
            return;
        }
        if (r->nbl && bytes > r->nbl->DataLength())
        {
            Report("E1",
                   &d,
                   &c,
                   c.handle,
                   "receive reports more bytes than its buffers hold",
                   evidence);
            return;
        }
        if (status != ChimneyStatus::SUCCESS)
        {
            if (!Aborted(c))
            {
                Report("E1",
                       &d,
                       &c,
                       c.handle,
                       "received bytes completed in a failed receive are lost to the host",
                       evidence);
            }
            return;
        }
        if (c.hwFailure)
        {
            Report("E3", &d, &c, c.handle, "bytes delivered after the hardware failure", evidence);
        }
        if (c.rcvLimit >= 0 && c.delivered + static_cast<int64_t>(bytes) > c.rcvLimit)
        {
            Report("W6",
                   &d,
                   &c,
                   c.handle,
                   "data received after the abortive disconnect was delivered",
                   evidence);
        }
        if (!r->nbl || c.blind)
        {
            c.delivered += static_cast<int64_t>(bytes);
            c.blind = true;
            return;
        }
        uint64_t offset = static_cast<uint64_t>(c.delivered);
        ForEachNblRun(*r->nbl, bytes, [&c, &offset](const uint8_t* p, size_t n) {
            c.deliveredHash = AddMod(c.deliveredHash, HashRange(p, n, offset));
            offset += n;
        });
        c.delivered += static_cast<int64_t>(bytes);
        CheckDelivered(d, c, evidence);
        return;
    }
    if (op == "Disconnect")
    {
        DiscReq* r = nullptr;
        if (c.graceful.outstanding && c.graceful.id == id)
        {
            r = &c.graceful;
        }
        else if (c.abortive.outstanding && c.abortive.id == id)
        {
            r = &c.abortive;
        }
        if (r == nullptr)
        {
            Report("A2",
                   &d,
                   &c,
                   c.handle,
                   "completion of a disconnect that is not outstanding (never requested, or "
                   "completed twice)",
                   evidence);
            return;
        }
        const bool graceful = r == &c.graceful;
        r->outstanding = false;
        CheckMatchedCompletion(d,
                               c,
                               "disconnect",
                               r->event,
                               r->nbl,
                               status,
                               bytes,
                               false,
                               evidence);
        // A6: a disconnect fails only because of an upload or an abort.
        if (status == ChimneyStatus::UPLOAD_IN_PROGRESS)
        {
            if (!c.terminateRequested)
            {
                Report("A6",
                       &d,
                       &c,
                       c.handle,
                       "disconnect failed UPLOAD_IN_PROGRESS without a terminate",
                       evidence);
            }
        }
        else if (status == ChimneyStatus::REQUEST_ABORTED)
        {
            if (!Aborted(c) && !(graceful && c.abortiveIssued))
            {
                Report("A6",
                       &d,
                       &c,
                       c.handle,
                       "disconnect failed REQUEST_ABORTED on a connection that was not aborted",
                       evidence);
            }
        }
        else if (status != ChimneyStatus::SUCCESS)
        {
            Report("A6",
                   &d,
                   &c,
                   c.handle,
                   std::string("disconnect failed with ") + ToString(status),
                   evidence);
        }
        CheckAbortIndicationCompletion(d, c, "disconnect", r->mustAbortA8, status, evidence);
        // A4 / A5: every send completes before the disconnect.
        bool sendsLeft = false;
        for (uint32_t i = c.sendHead; i < c.sends.size(); ++i)
        {
            sendsLeft = sendsLeft || !c.sends[i].done;
        }
        if (graceful)
        {
            if (sendsLeft)
            {
                Report("A4",
                       &d,
                       &c,
                       c.handle,
                       "graceful disconnect completed before every send completed",
                       evidence);
            }
            if (status == ChimneyStatus::SUCCESS && !c.blind)
            {
                std::ostringstream w;
                if (c.finOff < 0)
                {
                    Report("A3",
                           &d,
                           &c,
                           c.handle,
                           "graceful disconnect SUCCESS but no FIN was seen on the wire",
                           evidence);
                }
                else if (c.acked < c.finOff + 1)
                {
                    w << "graceful disconnect SUCCESS before the FIN was acknowledged (peer ACK at "
                      << "offset " << c.acked << ", FIN at " << c.finOff << ")";
                    Report("A3", &d, &c, c.handle, w.str(), evidence);
                }
                else if (bytes != r->length)
                {
                    w << "graceful disconnect reports " << bytes << " bytes, its data is "
                      << r->length;
                    Report("A3", &d, &c, c.handle, w.str(), evidence);
                }
                // E1: the peer acknowledged the FIN, so it received every byte sent before it;
                // each of those bytes was compared with the posted data when it went out.
            }
        }
        else
        {
            if (sendsLeft)
            {
                Report("A5",
                       &d,
                       &c,
                       c.handle,
                       "abortive disconnect completed before every send completed",
                       evidence);
            }
            if (c.graceful.outstanding)
            {
                Report("A5",
                       &d,
                       &c,
                       c.handle,
                       "abortive disconnect completed before the pending graceful disconnect",
                       evidence);
            }
            if (status == ChimneyStatus::SUCCESS && !c.rstSent)
            {
                Report("E2",
                       &d,
                       &c,
                       c.handle,
                       "abortive disconnect SUCCESS but no RST was seen on the wire",
                       evidence);
            }
        }
        return;
    }
}

void
ChimneyVerifier::CheckMatchedCompletion(DeviceState& d,
                                        Conn& c,
                                        const char* kind,
                                        uint64_t requestEvent,
                                        const Ptr<const NetBufferList>& nbl,
                                        ChimneyStatus status,
                                        uint64_t bytes,
                                        bool quoteNblStatus,
                                        const std::string& evidence)
{
    const uint64_t event = Simulator::GetEventCount();
    if (event != 0 && event == requestEvent)
    {
        Report("A1",
               &d,
               &c,
               c.handle,
               std::string(kind) + " completed inside its request call",
               evidence);
    }
    if (nbl && (nbl->status != status || nbl->bytesTransferred != bytes))
    {
        std::string why = std::string("the completed ") + kind + " NBL is not the request's";
        if (quoteNblStatus)
        {
            why += std::string(" (its status is ") + ToString(nbl->status) + ")";
        }
        Report("A2", &d, &c, c.handle, why, evidence);
    }
}

void
ChimneyVerifier::CheckAbortIndicationCompletion(DeviceState& d,
                                                Conn& c,
                                                const char* kind,
                                                bool mustAbort,
                                                ChimneyStatus status,
                                                const std::string& evidence)
{
    if (mustAbort && status != ChimneyStatus::REQUEST_ABORTED)
    {
        Report("A8",
               &d,
               &c,
               c.handle,
               std::string(kind) +
                   " outstanding at the Abort indication did not complete REQUEST_ABORTED",
               evidence);
    }
}

bool
ChimneyVerifier::CheckAbortedOrUploaded(DeviceState& d,
                                        Conn& c,
                                        const char* kind,
                                        ChimneyStatus status,
                                        const std::string& evidence)
{
    if (status == ChimneyStatus::REQUEST_ABORTED)
    {
        if (!Aborted(c))
        {
            Report("A8",
                   &d,
                   &c,
                   c.handle,
                   std::string(kind) +
                       " completed REQUEST_ABORTED on a connection that was not aborted",
                   evidence);
        }
        return true;
    }
    if (status == ChimneyStatus::UPLOAD_IN_PROGRESS)
    {
        if (!c.terminateRequested)
        {
            Report("A9",
                   &d,
                   &c,
                   c.handle,
                   std::string(kind) + " completed UPLOAD_IN_PROGRESS without a terminate",
                   evidence);
        }
        return true;
    }
    return false;
}

void
ChimneyVerifier::CompleteOffloadBlock(DeviceState& d,
                                      OffloadHandle handle,
                                      uint64_t /* id */,
                                      ChimneyStatus status,
                                      const std::string& evidence)
{
    auto it = d.byHandle.find(handle);
    if (it == d.byHandle.end() || it->second->phase != Conn::OFFLOADING)
    {
        Report("A2",
               &d,
               it == d.byHandle.end() ? nullptr : it->second.get(),
               handle,
               "offload block completion for a connection whose offload is not outstanding",
               evidence);
        return;
    }
    Conn& c = *it->second;
    if (status == ChimneyStatus::SUCCESS)
    {
        c.phase = Conn::OFFLOADED;
        return;
    }
    // SPEC 3.1: the connection stays in software, untouched; R5: nothing held for it.
    if (c.allocated && !c.freed)
    {
        Report("R5",
               &d,
               &c,
               handle,
               std::string("offload failed (") + ToString(status) + ") but its resources are held",
               evidence);
        d.orphanHeld[handle]++; // still held, now by nobody: R4 at Finish unless freed
    }
    d.failedTuples[c.tuple] = handle;
    d.byTuple.erase(c.tuple);
    d.byHandle.erase(it);
}

void
ChimneyVerifier::CompleteTerminateBlock(DeviceState& d,
                                        Conn& c,
                                        ChimneyStatus status,
                                        const std::string& evidence)
{
    if (c.phase != Conn::TERMINATING)
    {
        Report("A2",
               &d,
               &c,
               c.handle,
               "terminate block completion without a terminate request",
               evidence);
    }
    // A9: SUCCESS or FAILURE only; FAILURE means the state was lost (hardware failure).
    if (status != ChimneyStatus::SUCCESS && status != ChimneyStatus::FAILURE)
    {
        Report("A9",
               &d,
               &c,
               c.handle,
               std::string("terminate block status ") + ToString(status) +
                   " (only SUCCESS or FAILURE)",
               evidence);
    }
    if (status == ChimneyStatus::FAILURE && !c.hwFailure)
    {
        Report("A9", &d, &c, c.handle, "terminate FAILURE without a hardware failure", evidence);
    }
    if (c.hwFailure && status != ChimneyStatus::FAILURE)
    {
        Report("E3",
               &d,
               &c,
               c.handle,
               "terminate after a hardware failure did not report FAILURE: the host would "
               "continue from lost state",
               evidence);
    }
    if (c.AnyOutstanding())
    {
        Report("A9",
               &d,
               &c,
               c.handle,
               "terminate completed while a request of the connection is still outstanding",
               evidence);
    }
    if (status == ChimneyStatus::SUCCESS && c.terminateList && !c.blind)
    {
        const TcpOffloadBlock* block = nullptr;
        for (const auto& n : c.terminateList->neighbors)
        {
            for (const auto& p : n.paths)
            {
                for (const auto& t : p.connections)
                {
                    if (t.handle == c.handle)
                    {
                        block = &t;
                    }
                }
            }
        }
        if (block != nullptr)
        {
            CheckReturnedState(d, c, *block, evidence);
        }
    }
    c.phase = Conn::TERMINATED;
    c.owedAck = -1;
    if (d.node != nullptr && c.hwFailure)
    {
        d.node->failing[c.handle] = Simulator::Now();
    }
}

void
ChimneyVerifier::CheckReturnedState(DeviceState& d,
                                    Conn& c,
                                    const TcpOffloadBlock& block,
                                    const std::string& evidence)
{
    const TcpDelegatedState& s = block.delegated;
    // A9: the send chain is exactly the send NBLs not completed, original NBLs, original order.
    std::vector<const NetBufferList*> expected;
    for (const auto& n : c.returned)
    {
        expected.push_back(PeekPointer(n));
    }
    std::vector<const NetBufferList*> chain;
    for (Ptr<const NetBufferList> n = block.sendDataHead; n && chain.size() <= expected.size() + 1;
         n = n->next)
    {
        chain.push_back(PeekPointer(n));
    }
    if (chain != expected)
    {
        std::ostringstream w;
        w << "returned send chain holds " << chain.size() << " NBLs; the target handed back "
          << expected.size() << " (original NBLs in posting order expected, null when none)";
        Report("A9", &d, &c, c.handle, w.str(), evidence);
    }
    if (Aborted(c) || s.state == TcpState::Closed)
    {
        return; // the connection is dead: its data does not continue anywhere
    }
    if (!(SeqLeq(s.sndUna, s.sndNxt) && SeqLeq(s.sndNxt, s.sndMax)))
    {
        std::ostringstream w;
        w << "returned SndUna " << s.sndUna << ", SndNxt " << s.sndNxt << ", SndMax " << s.sndMax
          << " not in order";
        Report("A9", &d, &c, c.handle, w.str(), evidence);
    }
    const int64_t una = c.SendOff(s.sndUna);
    const int64_t max = c.SendOff(s.sndMax);
    if (una > c.acked)
    {
        Report("A9",
               &d,
               &c,
               c.handle,
               "returned SndUna is beyond the peer's ACK on the wire",
               evidence);
    }
    if (max < c.maxSent)
    {
        Report("A9",
               &d,
               &c,
               c.handle,
               "returned SndMax is below what the target sent on the wire",
               evidence);
    }
    const int64_t dataStart = c.SendOff(s.sendDataSeq);
    const int64_t dataEnd = dataStart + static_cast<int64_t>(s.sendData.size());
    // sendData[0] is the byte at SndUna; once the FIN is acknowledged SndUna is one beyond.
    const bool finAcked = s.finRequested && s.sendData.empty() && SeqGt(s.sndUna, s.finSeq);
    if (dataStart != una && !(finAcked && dataStart == una - 1))
    {
        Report("A9", &d, &c, c.handle, "returned send data does not start at SndUna", evidence);
    }
    if (dataEnd != c.posted)
    {
        std::ostringstream w;
        w << "returned send data ends at offset " << dataEnd << ", the data posted ends at "
          << c.posted << ": bytes " << (dataEnd < c.posted ? "lost" : "invented")
          << " across the upload";
        Report("E1", &d, &c, c.handle, w.str(), evidence);
    }
    else
    {
        // Compare the returned bytes with the posted ones still referenced.
        for (uint32_t i = c.chunkHead; i < c.chunks.size(); ++i)
        {
            const Chunk& k = c.chunks[i];
            const int64_t from = std::max(k.start, dataStart);
            const int64_t to = std::min<int64_t>(k.start + static_cast<int64_t>(k.length), dataEnd);
            bool same = true;
            int64_t pos = k.start;
            auto cmp = [&](const uint8_t* p, size_t n) {
                const int64_t a = std::max(pos, from);
                const int64_t b = std::min<int64_t>(pos + static_cast<int64_t>(n), to);
                if (a < b &&
                    std::memcmp(p + (a - pos), s.sendData.data() + (a - dataStart), b - a) != 0)
                {
                    same = false;
                }
                pos += static_cast<int64_t>(n);
            };
            if (from >= to)
            {
                continue;
            }
            if (k.raw != nullptr)
            {
                cmp(k.raw->data(), k.raw->size());
            }
            else
            {
                ForEachNblRun(*k.nbl, k.length, cmp);
            }
            if (!same)
            {
                Report("E1",
                       &d,
                       &c,
                       c.handle,
                       "returned send data differs from the data posted",
                       evidence);
                break;
            }
        }
    }
    if (c.gracefulActive || c.finAtOffload)
    {
        if (!s.finRequested)
        {
            Report("A9",
                   &d,
                   &c,
                   c.handle,
                   "returned state lost the FIN of the graceful disconnect",
                   evidence);
        }
        else if (c.SendOff(s.finSeq) != c.expectedFin)
        {
            Report("W2",
                   &d,
                   &c,
                   c.handle,
                   "returned FIN sequence is not the end of the data posted",
                   evidence);
        }
    }
    else if (s.finRequested)
    {
        Report("A9", &d, &c, c.handle, "returned state requests a FIN nobody asked for", evidence);
    }
    // Receive side: everything received was delivered or is handed back (E1), and is
    // acknowledged (SPEC 3.6: the pending ACK goes out before the terminate completes).
    const int64_t rcvNxt = c.RecvOff(s.rcvNxt);
    const int64_t rcvDataEnd = rcvNxt - (s.remoteFinReceived ? 1 : 0);
    if (rcvNxt > c.maxRemoteEnd)
    {
        Report("A9",
               &d,
               &c,
               c.handle,
               "returned RcvNxt is beyond what the peer sent on the wire",
               evidence);
    }
    const int64_t accounted = c.delivered + static_cast<int64_t>(s.receiveData.size());
    if (accounted != rcvDataEnd)
    {
        std::ostringstream w;
        w << "received data across the upload: " << c.delivered << " delivered + "
          << s.receiveData.size() << " handed back != " << rcvDataEnd << " received";
        Report("E1", &d, &c, c.handle, w.str(), evidence);
    }
    else
    {
        const uint64_t h = AddMod(c.deliveredHash,
                                  HashRange(s.receiveData.data(),
                                            s.receiveData.size(),
                                            static_cast<uint64_t>(c.delivered)));
        for (uint32_t i = c.snapHead; i < c.snaps.size(); ++i)
        {
            if (c.snaps[i].first == rcvDataEnd)
            {
                if (c.snaps[i].second != h)
                {
                    Report("E1",
                           &d,
                           &c,
                           c.handle,
                           "received data delivered or handed back differs from the remote's "
                           "stream",
                           evidence);
                }
                break;
            }
        }
    }
    if (rcvNxt != c.offloadRcvNxt && c.lastAck < rcvNxt)
    {
        Report("A9",
               &d,
               &c,
               c.handle,
               "terminate completed without acknowledging everything received (pending ACK not "
               "sent)",
               evidence);
    }
}

void
ChimneyVerifier::EndConnection(DeviceState& d, OffloadHandle handle)
{
    auto it = d.byHandle.find(handle);
    if (it == d.byHandle.end())
    {
        return;
    }
    Conn& c = *it->second;
    d.terminated[handle] = c.tuple;
    d.terminatedTuples[c.tuple] = handle;
    if (c.allocated && !c.freed)
    {
        d.orphanHeld[handle]++; // R4 at Finish unless freed later
    }
    auto t = d.byTuple.find(c.tuple);
    if (t != d.byTuple.end() && t->second == &c)
    {
        d.byTuple.erase(t);
    }
    d.byHandle.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Indications, misuse, ledger
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceIndication(DeviceState* d,
                                 OffloadHandle handle,
                                 ChimneyEvent event,
                                 ChimneyUploadReason reason)
{
    ++m_indications;
    std::ostringstream e;
    e << ToString(event) << " indication (h=" << handle << ")";
    if (event == ChimneyEvent::RETRIEVE)
    {
        e << " reason " << ToString(reason);
    }
    const std::string evidence = e.str();
    auto it = d->byHandle.find(handle);
    if (it == d->byHandle.end() || it->second->phase == Conn::TERMINATED)
    {
        if (it != d->byHandle.end() || d->terminated.count(handle) != 0)
        {
            Report("A10",
                   d,
                   it != d->byHandle.end() ? it->second.get() : nullptr,
                   handle,
                   "indication after the connection's terminate completed",
                   evidence);
        }
        return;
    }
    Conn& c = *it->second;
    CheckObligation(*d, c);
    switch (event)
    {
    case ChimneyEvent::DISCONNECT:
        if (c.disconnectIndicated || c.remoteFinAtOffload)
        {
            Report("A7", d, &c, handle, "Disconnect indicated more than once", evidence);
        }
        else if (c.remoteFin < 0 || c.wire < c.remoteFin)
        {
            Report("A7",
                   d,
                   &c,
                   handle,
                   "Disconnect indicated before the remote FIN arrived in order",
                   evidence);
        }
        else if (!c.blind && c.delivered < c.remoteFin)
        {
            std::ostringstream w;
            w << "Disconnect indicated with " << (c.remoteFin - c.delivered)
              << " bytes before the FIN not delivered";
            Report("A7", d, &c, handle, w.str(), evidence);
        }
        else
        {
            CheckDelivered(*d, c, evidence);
        }
        c.disconnectIndicated = true;
        break;
    case ChimneyEvent::ABORT:
        if (!c.acceptableRst && !c.hwFailure)
        {
            Report("A8",
                   d,
                   &c,
                   handle,
                   c.remoteRst ? "Abort indicated for an RST that was not acceptable"
                               : "Abort indicated without an RST from the remote",
                   evidence);
        }
        c.abortIndicated = true;
        c.owedAck = -1;
        // A8: every request outstanding now must complete REQUEST_ABORTED.
        for (uint32_t i = c.sendHead; i < c.sends.size(); ++i)
        {
            c.sends[i].mustAbortA8 = !c.sends[i].done;
        }
        for (uint32_t i = c.recvHead; i < c.receives.size(); ++i)
        {
            c.receives[i].mustAbortA8 = !c.receives[i].done;
        }
        c.graceful.mustAbortA8 = c.graceful.outstanding;
        c.abortive.mustAbortA8 = c.abortive.outstanding;
        break;
    case ChimneyEvent::RETRIEVE:
        if (reason == ChimneyUploadReason::HARDWARE_FAILURE)
        {
            c.hwFailure = true;
            c.owedAck = -1;
        }
        else if (reason == ChimneyUploadReason::TIMEOUT_EXPIRATION ||
                 reason == ChimneyUploadReason::INVALID_STATE)
        {
            c.closedByTarget = true;
            c.owedAck = -1;
        }
        break;
    }
}

void
ChimneyVerifier::ObserveIndication(Ptr<ChimneyNetDevice> device,
                                   OffloadHandle handle,
                                   ChimneyEvent event,
                                   ChimneyUploadReason reason)
{
    TraceIndication(GetState(device), handle, event, reason);
}

void
ChimneyVerifier::TraceAllocated(DeviceState* d,
                                OffloadHandle handle,
                                Ipv4Address local,
                                uint16_t localPort,
                                Ipv4Address remote,
                                uint16_t remotePort,
                                uint64_t /* bytes */)
{
    std::ostringstream e;
    e << "ResourceAllocated(h=" << handle << " " << local << ":" << localPort << " > " << remote
      << ":" << remotePort << ")";
    ++d->held;
    if (d->capacity > 0 && d->held > d->capacity)
    {
        std::ostringstream w;
        w << d->held << " connections hold resources, the capacity is " << d->capacity;
        Report("R5", d, nullptr, handle, w.str(), e.str());
    }
    auto it = d->byHandle.find(handle);
    if (it == d->byHandle.end() || it->second->phase == Conn::TERMINATED)
    {
        d->orphanHeld[handle]++; // held by nobody: R4 at Finish unless freed
        return;
    }
    Conn& c = *it->second;
    if (c.allocated && !c.freed)
    {
        Report("R3", d, &c, handle, "a second resource allocated for the same connection", e.str());
        d->orphanHeld[handle]++;
        return;
    }
    c.allocated = true;
    c.freed = false;
}

void
ChimneyVerifier::TraceFreed(DeviceState* d,
                            OffloadHandle handle,
                            Ipv4Address local,
                            uint16_t localPort,
                            Ipv4Address remote,
                            uint16_t remotePort,
                            uint64_t /* bytes */)
{
    std::ostringstream e;
    e << "ResourceFreed(h=" << handle << " " << local << ":" << localPort << " > " << remote << ":"
      << remotePort << ")";
    auto it = d->byHandle.find(handle);
    if (it != d->byHandle.end() && it->second->allocated && !it->second->freed)
    {
        Conn& c = *it->second;
        --d->held;
        c.freed = true;
        if (c.phase != Conn::TERMINATED)
        {
            Report("R1",
                   d,
                   &c,
                   handle,
                   "resource freed before the connection's terminate completed",
                   e.str());
        }
        return;
    }
    auto orphan = d->orphanHeld.find(handle);
    if (orphan != d->orphanHeld.end())
    {
        --d->held;
        if (--orphan->second == 0)
        {
            d->orphanHeld.erase(orphan);
        }
        return;
    }
    Report("R3",
           d,
           it != d->byHandle.end() ? it->second.get() : nullptr,
           handle,
           "resource freed that is not held (double free)",
           e.str());
}

void
ChimneyVerifier::ObserveResource(Ptr<ChimneyNetDevice> device,
                                 bool allocated,
                                 OffloadHandle handle,
                                 Ipv4Address local,
                                 uint16_t localPort,
                                 Ipv4Address remote,
                                 uint16_t remotePort,
                                 uint64_t bytes)
{
    DeviceState* d = GetState(device);
    if (allocated)
    {
        TraceAllocated(d, handle, local, localPort, remote, remotePort, bytes);
    }
    else
    {
        TraceFreed(d, handle, local, localPort, remote, remotePort, bytes);
    }
}

// ---------------------------------------------------------------------------------------------
// The wire
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::TraceHostSend(DeviceState* d, Ptr<const Packet> packet)
{
    // The inner device's MacTx for this packet follows at once, inside the same call.
    d->lastHostUid = packet->GetUid();
}

void
ChimneyVerifier::TraceMacTx(DeviceState* d, Ptr<const Packet> frame)
{
    const bool host = frame->GetUid() == d->lastHostUid;
    DoFrame(*d, frame, host ? FrameDirection::HOST_TX : FrameDirection::TARGET_TX);
}

void
ChimneyVerifier::TraceMacRx(DeviceState* d, Ptr<const Packet> frame)
{
    DoFrame(*d, frame, FrameDirection::RX);
}

void
ChimneyVerifier::ObserveFrame(Ptr<ChimneyNetDevice> device,
                              Ptr<const Packet> frame,
                              FrameDirection direction)
{
    DoFrame(*GetState(device), frame, direction);
}

void
ChimneyVerifier::ObserveSegment(Ptr<ChimneyNetDevice> device,
                                const WireSegment& segment,
                                FrameDirection direction)
{
    DoSegment(*GetState(device), segment, direction);
}

void
ChimneyVerifier::DoFrame(DeviceState& d, Ptr<const Packet> frame, FrameDirection direction)
{
    // Cheap look at the tuple first: most frames belong to connections nobody tracks.
    uint8_t b[96];
    const uint32_t n = frame->CopyData(b, sizeof(b));
    size_t ip = SIZE_MAX;
    if (d.link == WireLinkType::PPP && n >= 2 && b[0] == 0x00 && b[1] == 0x21)
    {
        ip = 2;
    }
    else if (d.link == WireLinkType::ETHERNET && n >= 14)
    {
        const uint16_t type = static_cast<uint16_t>(b[12] << 8 | b[13]);
        if (type == 0x0800)
        {
            ip = 14;
        }
        else if (type <= 1500 && n >= 22 && b[14] == 0xaa && b[20] == 0x08 && b[21] == 0x00)
        {
            ip = 22;
        }
    }
    if (ip == SIZE_MAX && n >= 1 && (b[0] >> 4) == 4)
    {
        ip = 0; // a bare IPv4 datagram (SimpleNetDevice, synthetic frames)
    }
    if (ip == SIZE_MAX || n < ip + 24 || (b[ip] >> 4) != 4 || b[ip + 9] != 6)
    {
        return;
    }
    const size_t ihl = (b[ip] & 0x0f) * 4u;
    if (n < ip + ihl + 4)
    {
        return;
    }
    auto u32 = [&b](size_t o) {
        return static_cast<uint32_t>(b[o]) << 24 | static_cast<uint32_t>(b[o + 1]) << 16 |
               static_cast<uint32_t>(b[o + 2]) << 8 | b[o + 3];
    };
    const uint32_t src = u32(ip + 12);
    const uint32_t dst = u32(ip + 16);
    const uint16_t sport = static_cast<uint16_t>(b[ip + ihl] << 8 | b[ip + ihl + 1]);
    const uint16_t dport = static_cast<uint16_t>(b[ip + ihl + 2] << 8 | b[ip + ihl + 3]);
    if (direction == FrameDirection::HOST_TX)
    {
        return; // the host's own frames: not the target's behaviour
    }
    const bool tx = direction != FrameDirection::RX;
    const Tuple key = tx ? Tuple{src, dst, sport, dport} : Tuple{dst, src, dport, sport};
    if (d.byTuple.count(key) == 0 &&
        (direction != FrameDirection::TARGET_TX ||
         (d.terminatedTuples.count(key) == 0 && d.failedTuples.count(key) == 0)))
    {
        return;
    }
    WireSegment w;
    bool parsed = false;
    if (ip == 0)
    {
        std::vector<uint8_t> bytes(frame->GetSize());
        frame->CopyData(bytes.data(), bytes.size());
        parsed = ParseIpv4TcpDatagram(bytes.data(), bytes.size(), w);
    }
    else
    {
        parsed = ParseWireFrame(frame, d.link, w);
    }
    if (parsed)
    {
        DoSegment(d, w, direction);
    }
}

void
ChimneyVerifier::DoSegment(DeviceState& d, const WireSegment& w, FrameDirection direction)
{
    ++m_segments;
    const bool tx = direction != FrameDirection::RX;
    const Tuple key = tx ? Tuple{w.srcAddress, w.dstAddress, w.tcp.srcPort, w.tcp.dstPort}
                         : Tuple{w.dstAddress, w.srcAddress, w.tcp.dstPort, w.tcp.srcPort};
    auto it = d.byTuple.find(key);
    if (it == d.byTuple.end())
    {
        if (direction != FrameDirection::TARGET_TX)
        {
            return;
        }
        // The target transmitting for a connection it does not hold.
        auto term = d.terminatedTuples.find(key);
        if (term != d.terminatedTuples.end())
        {
            Report("W8",
                   &d,
                   nullptr,
                   term->second,
                   "the target transmitted after the connection's terminate completed",
                   "target sent " + w.tcp.ToString());
            return;
        }
        auto failed = d.failedTuples.find(key);
        if (failed != d.failedTuples.end())
        {
            Report("R5",
                   &d,
                   nullptr,
                   failed->second,
                   "the target transmitted for a connection whose offload failed",
                   "target sent " + w.tcp.ToString());
        }
        return;
    }
    Conn& c = *it->second;
    if (direction == FrameDirection::HOST_TX)
    {
        return; // the host's own frames: not the target's behaviour
    }
    CheckObligation(d, c);
    if (direction == FrameDirection::TARGET_TX)
    {
        TargetSegment(d, c, w.tcp);
    }
    else if (c.allocated || c.phase != Conn::OFFLOADING)
    {
        // Frames before the target took the connection went to the host (dropped there).
        RemoteSegment(d, c, w.tcp);
    }
}

void
ChimneyVerifier::TargetSegment(DeviceState& d, Conn& c, const TcpSegment& s)
{
    const std::string evidence = "target sent " + s.ToString();
    if (c.freed && c.phase != Conn::TERMINATED)
    {
        Report("R3",
               &d,
               &c,
               c.handle,
               "transmission on a connection whose resources were freed",
               evidence);
    }
    if (c.phase == Conn::TERMINATED)
    {
        Report("W8",
               &d,
               &c,
               c.handle,
               "the target transmitted after the connection's terminate completed",
               evidence);
        return;
    }
    if (c.hwFailure)
    {
        Report("E3", &d, &c, c.handle, "the failed target transmitted", evidence);
    }
    if (s.Has(TcpSegment::SYN))
    {
        Report("W9", &d, &c, c.handle, "the target sent a SYN", evidence);
    }
    if (c.rstSent)
    {
        const bool pureAck = s.payload.empty() &&
                             (s.flags & (TcpSegment::SYN | TcpSegment::FIN | TcpSegment::RST)) == 0;
        if (pureAck)
        {
            Report("W6",
                   &d,
                   &c,
                   c.handle,
                   "the target acknowledged a segment after its abortive disconnect",
                   evidence);
        }
        else
        {
            Report("W5", &d, &c, c.handle, "the target sent a segment after its RST", evidence);
        }
        return;
    }
    const int64_t o = c.SendOff(s.seq);
    const int64_t len = static_cast<int64_t>(s.payload.size());
    if (s.Has(TcpSegment::RST))
    {
        if (!c.abortiveActive)
        {
            Report("W4",
                   &d,
                   &c,
                   c.handle,
                   "the target sent RST without an abortive disconnect",
                   evidence);
        }
        if (o < c.acked || o > c.maxSent)
        {
            std::ostringstream w;
            w << "RST sequence at offset " << o << " is outside [peer ACK " << c.acked
              << ", SND.MAX " << c.maxSent << "]: not acceptable at the peer";
            Report("W10", &d, &c, c.handle, w.str(), evidence);
        }
        c.rstSent = true;
        c.rcvLimit = c.wire;
        c.owedAck = -1;
        for (uint32_t i = c.sendHead; i < c.sends.size(); ++i)
        {
            c.sends[i].mustAbortA5 = !c.sends[i].done && !c.sends[i].late;
        }
    }
    if (len > 0 && !c.blind)
    {
        const bool abortive = c.abortiveIssued;
        if (c.finOff >= 0 && o + len > c.finOff)
        {
            std::ostringstream w;
            w << "payload up to offset " << (o + len) << " beyond the FIN at " << c.finOff;
            Report("W1", &d, &c, c.handle, w.str(), evidence);
        }
        if (o + len > c.posted)
        {
            std::ostringstream w;
            w << "payload up to offset " << (o + len) << " but only " << c.posted
              << " bytes were posted";
            Report("W9", &d, &c, c.handle, w.str(), evidence);
        }
        if (o < 0)
        {
            Report("W9",
                   &d,
                   &c,
                   c.handle,
                   "payload before the data handed over at offload",
                   evidence);
        }
        // E1 / E2: each byte is the byte posted at that position.
        const int64_t from = std::max<int64_t>(o, 0);
        const int64_t to = std::min(o + len, c.posted);
        auto first = std::upper_bound(
            c.chunks.begin() + c.chunkHead,
            c.chunks.end(),
            from,
            [](int64_t v, const Chunk& k) { return v < k.start + static_cast<int64_t>(k.length); });
        bool same = true;
        for (auto k = first; k != c.chunks.end() && k->start < to && same; ++k)
        {
            int64_t pos = k->start;
            auto cmp = [&](const uint8_t* p, size_t n) {
                const int64_t a = std::max(pos, from);
                const int64_t b = std::min<int64_t>(pos + static_cast<int64_t>(n), to);
                if (a < b && std::memcmp(p + (a - pos), s.payload.data() + (a - o), b - a) != 0)
                {
                    same = false;
                }
                pos += static_cast<int64_t>(n);
            };
            if (k->raw != nullptr)
            {
                cmp(k->raw->data(), k->raw->size());
            }
            else
            {
                ForEachNblRun(*k->nbl, k->length, cmp);
            }
        }
        if (!same)
        {
            Report(abortive ? "E2" : "E1",
                   &d,
                   &c,
                   c.handle,
                   "bytes on the wire differ from the bytes posted at the same sequence numbers",
                   evidence);
        }
    }
    if (s.Has(TcpSegment::FIN))
    {
        const int64_t f = o + len;
        if (c.finOff >= 0 && f != c.finOff)
        {
            std::ostringstream w;
            w << "FIN at offset " << f << ", an earlier FIN was at " << c.finOff;
            Report("W3", &d, &c, c.handle, w.str(), evidence);
        }
        else if (c.finOff < 0)
        {
            c.finOff = f;
            if (!c.gracefulActive && !c.finAtOffload)
            {
                Report("W2",
                       &d,
                       &c,
                       c.handle,
                       "the target sent FIN without a graceful disconnect",
                       evidence);
            }
            else if (!c.blind && f != c.expectedFin)
            {
                std::ostringstream w;
                w << "FIN at offset " << f << ", the data posted ends at " << c.expectedFin << " ("
                  << (f < c.expectedFin ? "bytes skipped" : "bytes added") << ")";
                Report("W2", &d, &c, c.handle, w.str(), evidence);
            }
        }
    }
    c.maxSent = std::max(c.maxSent, o + static_cast<int64_t>(s.SeqLen()));
    if (s.Has(TcpSegment::ACK))
    {
        const int64_t a = c.RecvOff(s.ack);
        if (a > c.maxRemoteEnd)
        {
            std::ostringstream w;
            w << "ACK for offset " << a << " but the remote sent only up to " << c.maxRemoteEnd;
            Report("W9", &d, &c, c.handle, w.str(), evidence);
        }
        const int64_t shift = c.windowScaling ? c.rcvWndShift : 0;
        c.rightEdge = a + (static_cast<int64_t>(s.window) << shift);
        if (a > c.lastAck)
        {
            c.lastAck = a;
            if (c.owedAck >= 0)
            {
                if (a >= c.owedAck)
                {
                    c.owedAck = -1;
                }
                else
                {
                    c.owedSince = Simulator::Now(); // progress: the deadline restarts
                }
            }
        }
    }
}

void
ChimneyVerifier::AddRemoteData(Conn& c, int64_t offset, const uint8_t* data, size_t n)
{
    int64_t start = offset;
    const int64_t end = offset + static_cast<int64_t>(n);
    if (end <= c.wire)
    {
        return;
    }
    start = std::max(start, c.wire);
    // Insert the parts of [start, end) not already held beyond the hole.
    int64_t pos = start;
    auto it = c.ooo.upper_bound(pos);
    if (it != c.ooo.begin())
    {
        auto prev = std::prev(it);
        if (prev->second.first > pos)
        {
            pos = prev->second.first;
        }
    }
    while (pos < end)
    {
        it = c.ooo.lower_bound(pos);
        const int64_t gapEnd = (it == c.ooo.end()) ? end : std::min(end, it->first);
        if (pos < gapEnd)
        {
            const uint64_t h = HashRange(data + (pos - offset),
                                         static_cast<size_t>(gapEnd - pos),
                                         static_cast<uint64_t>(pos));
            c.ooo.emplace(pos, std::make_pair(gapEnd, h));
        }
        if (it == c.ooo.end() || it->first >= end)
        {
            break;
        }
        pos = it->second.first;
    }
    // Merge what became contiguous into the wire stream.
    bool advanced = false;
    for (auto f = c.ooo.begin(); f != c.ooo.end() && f->first <= c.wire;)
    {
        if (f->second.first > c.wire)
        {
            c.wire = f->second.first;
            c.wireHash = AddMod(c.wireHash, f->second.second);
            advanced = true;
        }
        f = c.ooo.erase(f);
    }
    if (advanced)
    {
        if (c.snaps.size() - c.snapHead > 65536)
        {
            ++c.snapHead; // bounded: the oldest comparison point is given up
        }
        if (c.snapHead > 1024 && c.snapHead * 2 > c.snaps.size())
        {
            c.snaps.erase(c.snaps.begin(), c.snaps.begin() + c.snapHead);
            c.snapHead = 0;
        }
        c.snaps.emplace_back(c.wire, c.wireHash);
    }
}

void
ChimneyVerifier::CheckDelivered(DeviceState& d, Conn& c, const std::string& evidence)
{
    if (c.delivered > c.wire)
    {
        std::ostringstream w;
        w << "delivered " << c.delivered << " bytes, the remote's stream on the wire has only "
          << c.wire;
        Report("E1", &d, &c, c.handle, w.str(), evidence);
        return;
    }
    while (c.snapHead < c.snaps.size() && c.snaps[c.snapHead].first < c.delivered)
    {
        ++c.snapHead;
    }
    if (c.snapHead < c.snaps.size() && c.snaps[c.snapHead].first == c.delivered)
    {
        if (c.snaps[c.snapHead].second != c.deliveredHash)
        {
            Report("E1",
                   &d,
                   &c,
                   c.handle,
                   "bytes delivered to the host differ from the remote's stream on the wire",
                   evidence);
        }
        ++c.snapHead;
    }
    if (c.snapHead == c.snaps.size())
    {
        std::vector<std::pair<int64_t, uint64_t>>().swap(c.snaps);
        c.snapHead = 0;
    }
}

void
ChimneyVerifier::RemoteSegment(DeviceState& d, Conn& c, const TcpSegment& s)
{
    const std::string evidence = "remote sent " + s.ToString();
    if (s.Has(TcpSegment::ACK))
    {
        const int64_t a = c.SendOff(s.ack);
        if (a > c.acked)
        {
            c.acked = a;
            // References to acknowledged posted data are no longer needed.
            while (c.chunkHead < c.chunks.size() &&
                   c.chunks[c.chunkHead].start +
                           static_cast<int64_t>(c.chunks[c.chunkHead].length) <=
                       c.acked)
            {
                c.chunks[c.chunkHead].nbl = nullptr;
                ++c.chunkHead;
            }
            if (c.chunkHead == c.chunks.size())
            {
                std::vector<Chunk>().swap(c.chunks);
                c.chunkHead = 0;
                c.offloadList = nullptr;
            }
        }
    }
    const int64_t o = c.RecvOff(s.seq);
    if (s.Has(TcpSegment::RST))
    {
        c.remoteRst = true;
        // RFC 5961: acceptable when it is exactly RCV.NXT.
        if (o == c.RcvNxt() || (c.lastAck >= 0 && o == c.lastAck))
        {
            c.acceptableRst = true;
            c.owedAck = -1;
        }
        return;
    }
    if (!s.payload.empty())
    {
        AddRemoteData(c, o, s.payload.data(), s.payload.size());
    }
    if (s.Has(TcpSegment::FIN))
    {
        const int64_t f = o + static_cast<int64_t>(s.payload.size());
        if (c.remoteFin >= 0 && f != c.remoteFin)
        {
            Report("W3",
                   &d,
                   &c,
                   c.handle,
                   "the remote's FINs carry different sequence numbers",
                   evidence);
        }
        else
        {
            c.remoteFin = f;
        }
    }
    c.maxRemoteEnd = std::max(c.maxRemoteEnd, o + static_cast<int64_t>(s.SeqLen()));
    // W7: after the target's FIN, remote data within its window must be acknowledged.
    if (!s.payload.empty() && c.finOff >= 0 && !c.rstSent && !c.remoteRst &&
        !c.terminateRequested && !Aborted(c))
    {
        int64_t owed = c.wire;
        if (c.rightEdge >= 0)
        {
            owed = std::min(owed, c.rightEdge);
        }
        if (owed > c.lastAck)
        {
            if (c.owedAck < 0)
            {
                c.owedSince = Simulator::Now();
            }
            c.owedAck = std::max(c.owedAck, owed);
        }
    }
}

void
ChimneyVerifier::CheckObligation(DeviceState& d, Conn& c)
{
    if (c.owedAck < 0 || Simulator::Now() - c.owedSince <= m_ackTimeout)
    {
        return;
    }
    std::ostringstream w;
    w << "remote data up to offset " << c.owedAck << " received after the target's FIN was not "
      << "acknowledged within " << m_ackTimeout.As(Time::MS) << " (last ACK at " << c.lastAck
      << ")";
    c.owedAck = -1;
    Report("W7", &d, &c, c.handle, w.str(), "");
}

// ---------------------------------------------------------------------------------------------
// Host stack and intermediate drivers (A1 from the caller's side, A11, E3)
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::NodeDeviceRequest(DeviceState& d, uint64_t id, uint32_t flags)
{
    if (d.node == nullptr)
    {
        return;
    }
    NodeState::Track& t = d.node->tracks[id];
    if (!t.hostCalled && !t.devSeen)
    {
        t.since = Simulator::Now();
    }
    t.devSeen = true;
    t.devFlags = flags;
    if (t.hostCalled && t.hostFlags != flags)
    {
        std::ostringstream w;
        w << "request id " << id << " left the host with flags 0x" << std::hex << t.hostFlags
          << " and reached the target with 0x" << flags;
        Report("A11", &d, nullptr, 0, w.str(), "");
    }
}

void
ChimneyVerifier::NodeDeviceCompletion(DeviceState& d, const std::string& op, uint64_t id)
{
    if (d.node == nullptr)
    {
        return;
    }
    auto it = d.node->tracks.find(id);
    if (it == d.node->tracks.end())
    {
        return;
    }
    (void)op;
    it->second.devCompleted = true;
}

void
ChimneyVerifier::TraceHostCall(NodeState* n,
                               std::string op,
                               OffloadHandle handle,
                               uint64_t id,
                               uint32_t flags,
                               ChimneyStatus returned)
{
    if (returned != ChimneyStatus::PENDING)
    {
        return;
    }
    DeviceState* d = n->devices.empty() ? nullptr : n->devices.front();
    auto it = n->tracks.find(id);
    if (it != n->tracks.end() && it->second.upcalled)
    {
        Report("A1",
               d,
               nullptr,
               handle,
               "the host received the completion before its request call returned",
               CallText(op, handle, id, flags, returned));
        n->tracks.erase(it);
        return;
    }
    NodeState::Track& t = n->tracks[id];
    if (!t.devSeen)
    {
        t.since = Simulator::Now();
    }
    t.hostCalled = true;
    t.hostFlags = flags;
    if (t.devSeen && t.devFlags != flags)
    {
        std::ostringstream w;
        w << "request left the host with flags 0x" << std::hex << flags
          << " and reached the target with 0x" << t.devFlags;
        Report("A11", d, nullptr, handle, w.str(), CallText(op, handle, id, flags, returned));
    }
}

void
ChimneyVerifier::TraceHostUpcall(NodeState* n,
                                 std::string op,
                                 OffloadHandle handle,
                                 uint64_t id,
                                 ChimneyStatus status,
                                 uint64_t bytes)
{
    DeviceState* d = n->devices.empty() ? nullptr : n->devices.front();
    auto it = n->tracks.find(id);
    if (it == n->tracks.end() || !it->second.hostCalled)
    {
        // Either completed inside the call (A1, seen when the call returns) or never issued.
        NodeState::Track& t = n->tracks[id];
        t.upcalled = true;
        t.since = Simulator::Now();
        return;
    }
    NodeState::Track& t = it->second;
    const bool refusal =
        status == ChimneyStatus::INVALID_PARAMETER || status == ChimneyStatus::INVALID_STATE;
    if (!t.devCompleted && !refusal)
    {
        Report("A11",
               d,
               nullptr,
               handle,
               "the host received a completion the target never made",
               CompletionText(op, handle, id, status, bytes));
    }
    n->tracks.erase(it);
}

void
ChimneyVerifier::TraceHostPhase(NodeState* n,
                                OffloadHandle handle,
                                std::string /* from */,
                                std::string to,
                                std::string detail)
{
    auto it = n->failing.find(handle);
    if (it == n->failing.end())
    {
        return;
    }
    // E3: after a hardware failure the host reports the connection failed.
    if (to == "SOFTWARE" || (to == "ENDED" && detail != "FAILED"))
    {
        DeviceState* d = n->devices.empty() ? nullptr : n->devices.front();
        Report("E3",
               d,
               nullptr,
               handle,
               "after the hardware failure the host did not report the connection failed",
               "host phase -> " + to + " (" + detail + ")");
    }
    if (to == "ENDED" || to == "SOFTWARE")
    {
        n->failing.erase(it);
    }
}

void
ChimneyVerifier::TraceLayerRequest(LayerState* l,
                                   std::string upper,
                                   std::string /* op */,
                                   OffloadHandle /* handle */,
                                   uint64_t id,
                                   uint32_t /* flags */,
                                   ChimneyStatus returned)
{
    if (returned == ChimneyStatus::PENDING)
    {
        l->issuer[id] = upper;
    }
}

void
ChimneyVerifier::TraceLayerCompletion(LayerState* l,
                                      std::string upper,
                                      std::string op,
                                      OffloadHandle handle,
                                      uint64_t id,
                                      ChimneyStatus status)
{
    auto it = l->issuer.find(id);
    if (it == l->issuer.end())
    {
        return;
    }
    if (it->second != upper)
    {
        Report("A11",
               nullptr,
               nullptr,
               handle,
               "an intermediate layer passed a completion to '" + upper + "', but '" + it->second +
                   "' issued the request",
               CompletionText(op, handle, id, status, 0));
    }
    if (op != "OffloadBlock" && op != "TerminateBlock")
    {
        l->issuer.erase(it);
    }
}

ChimneyVerifier::LayerState*
ChimneyVerifier::GetLayer(Ptr<ChimneyIntermediateDriver> layer) const
{
    for (const auto& l : m_layers)
    {
        if (l->layer == layer)
        {
            return l.get();
        }
    }
    NS_ABORT_MSG("ChimneyVerifier: intermediate driver not attached");
    return nullptr;
}

void
ChimneyVerifier::ObserveLayerRequest(Ptr<ChimneyIntermediateDriver> layer,
                                     std::string upper,
                                     std::string op,
                                     OffloadHandle handle,
                                     uint64_t id,
                                     uint32_t flags,
                                     ChimneyStatus returned)
{
    TraceLayerRequest(GetLayer(layer), upper, op, handle, id, flags, returned);
}

void
ChimneyVerifier::ObserveLayerCompletion(Ptr<ChimneyIntermediateDriver> layer,
                                        std::string upper,
                                        std::string op,
                                        OffloadHandle handle,
                                        uint64_t id,
                                        ChimneyStatus status)
{
    TraceLayerCompletion(GetLayer(layer), upper, op, handle, id, status);
}

// ---------------------------------------------------------------------------------------------
// End of run
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifier::Finish()
{
    if (m_finished)
    {
        return;
    }
    m_finished = true;
    m_finishTime = Simulator::Now();
    for (auto& dp : m_devices)
    {
        DeviceState& d = *dp;
        std::vector<OffloadHandle> handles;
        for (const auto& e : d.byHandle)
        {
            handles.push_back(e.first);
        }
        std::sort(handles.begin(), handles.end()); // reports in a stable order
        for (OffloadHandle h : handles)
        {
            Conn& c = *d.byHandle[h];
            CheckObligation(d, c);
            if (c.AnyOutstanding())
            {
                Report("R4", &d, &c, h, "a request was never completed", "end of run");
            }
            if (c.phase == Conn::TERMINATED)
            {
                if (c.allocated && !c.freed)
                {
                    Report("R4",
                           &d,
                           &c,
                           h,
                           "resources still held for a terminated connection",
                           "end of run");
                }
            }
            else if (m_requireTerminated && c.phase != Conn::OFFLOADING)
            {
                Report("R4", &d, &c, h, "the connection was never terminated", "end of run");
            }
            else if (c.phase == Conn::OFFLOADING)
            {
                Report("R4", &d, &c, h, "the offload request was never completed", "end of run");
            }
        }
        if (!d.lists.empty())
        {
            Report("R4",
                   &d,
                   nullptr,
                   0,
                   std::to_string(d.lists.size()) + " block-list request(s) never completed",
                   "end of run");
        }
        std::vector<OffloadHandle> orphans;
        for (const auto& e : d.orphanHeld)
        {
            orphans.push_back(e.first);
        }
        std::sort(orphans.begin(), orphans.end());
        for (OffloadHandle h : orphans)
        {
            Report("R4",
                   &d,
                   nullptr,
                   h,
                   d.terminated.count(h) != 0
                       ? "resources still held for a terminated connection"
                       : "resources held by nobody (no offloaded connection owns them)",
                   "end of run");
        }
    }
    for (auto& entry : m_nodes)
    {
        NodeState& n = *entry.second;
        DeviceState* d = n.devices.empty() ? nullptr : n.devices.front();
        std::vector<std::pair<uint64_t, NodeState::Track>> tracks(n.tracks.begin(), n.tracks.end());
        std::sort(tracks.begin(), tracks.end(), [](const auto& a, const auto& b) {
            return a.first < b.first;
        });
        for (const auto& [id, t] : tracks)
        {
            const bool old = Simulator::Now() - t.since > m_requestTimeout;
            const std::string what = "request id " + std::to_string(id);
            if (t.upcalled && !t.hostCalled)
            {
                Report("A11",
                       d,
                       nullptr,
                       0,
                       "the host received a completion for a request it did not issue",
                       what);
            }
            else if (t.hostCalled && t.devCompleted)
            {
                Report("A11",
                       d,
                       nullptr,
                       0,
                       "completed by the target but never delivered to the protocol that issued "
                       "it",
                       what);
            }
            else if (t.hostCalled && !t.devSeen && old)
            {
                Report("A11", d, nullptr, 0, "the host's request never reached the target", what);
            }
        }
        for (const auto& f : n.failing)
        {
            Report("E3",
                   d,
                   nullptr,
                   f.first,
                   "after the hardware failure the host never reported the connection failed",
                   "end of run");
        }
    }
}

} // namespace ns3
