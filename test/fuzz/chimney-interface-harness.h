/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * The host-interface fuzzer's world and host (test/fuzz/chimney-interface-fuzzer.cc says what
 * one input is and what is checked): the input reader, the host's view of each connection, the
 * snapshot an invalid call must leave unchanged, and the Harness that builds the simulation,
 * answers the target's upcalls and makes the calls. Its methods live in
 * chimney-interface-harness.cc (world, upcalls, valid calls) and chimney-interface-fuzzer.cc
 * (invalid calls, the operation loop, the final audit).
 */

#ifndef CHIMNEY_INTERFACE_HARNESS_H
#define CHIMNEY_INTERFACE_HARNESS_H

#include "../engine-ns3-adapter.h"
#include "../ns3-peer-app.h"
#include "../recording-client.h"
#include "../test-links.h"
#include "fuzz-input-reader.h"

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

namespace chimney_fuzz
{

constexpr uint16_t kPeerPort = 80;
constexpr uint16_t kFirstPort = 5000;
constexpr size_t kMaxOps = 96;
constexpr OffloadHandle kUnknownHandle = 9999;

extern bool g_trace; //!< CHIMNEY_FUZZ_TRACE set

/// Reports a failed check and aborts (libFuzzer keeps the input).
[[noreturn]] void Fail(const std::string& what);

/// Prints one operation when CHIMNEY_FUZZ_TRACE is set.
void Trace(const std::string& what);

using fuzz_input::Reader;

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

} // namespace chimney_fuzz

#endif // CHIMNEY_INTERFACE_HARNESS_H
