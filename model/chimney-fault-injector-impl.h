/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The fault injector's inside, shared by its two source files: chimney-fault-injector.cc
// (bookkeeping, observing frames, the public API) and chimney-fault-injector-faults.cc (what
// each fault kind does). Not installed: only those two include it.

#ifndef CHIMNEY_FAULT_INJECTOR_IMPL_H
#define CHIMNEY_FAULT_INJECTOR_IMPL_H

#include "chimney-fault-connection.h"
#include "chimney-fault-injector.h"
#include "chimney-host-stack.h"
#include "chimney-link-fault-model.h"
#include "chimney-net-device.h"

#include "ns3/abort.h"
#include "ns3/ipv4.h"
#include "ns3/log.h"
#include "ns3/random-variable-stream.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <functional>
#include <set>
#include <sstream>
#include <vector>

namespace ns3
{

namespace chimney_fault
{

inline constexpr uint16_t kIpv4EtherType = 0x0800;

/// "Busy" for the timed faults: they fire after a random number of frames on the link, in
/// [first, last], so they hit connections that are running. Per connection they count that
/// connection's frames (the handshake is three).
inline constexpr uint32_t kConnFirst = 4;
inline constexpr uint32_t kConnLast = 15;
inline constexpr uint32_t kLinkFirst = 5;
inline constexpr uint32_t kLinkLast = 100;

/// Upload reason from its SPEC name (the plan was validated: the name exists).
inline ChimneyUploadReason
ReasonFromName(const std::string& name)
{
    for (int r = static_cast<int>(ChimneyUploadReason::NONE);
         r <= static_cast<int>(ChimneyUploadReason::SMALL_IO);
         ++r)
    {
        if (name == ToString(static_cast<ChimneyUploadReason>(r)))
        {
            return static_cast<ChimneyUploadReason>(r);
        }
    }
    return ChimneyUploadReason::NONE;
}

} // namespace chimney_fault

/// Everything the injectors keep: per peer, per offloading host's link, per connection.
struct ChimneyFaultInjector::Impl
{
    /// The spoofed segments a peer fault sends.
    enum class Spoof : uint8_t
    {
        RST_EXACT,
        RST_IN_WINDOW,
        RST_OUT_OF_WINDOW,
        SYN,
        RST_RACING, //!< exact RST; the host terminates as it arrives
    };

    /// A fault picked for a connection, and the frame count at which it fires.
    struct Pick
    {
        bool on = false;    //!< picked
        bool done = false;  //!< acted (fired or found moot)
        uint32_t after = 0; //!< the connection's frame count that triggers it
    };

    /// One connection (one incarnation of a 4-tuple).
    struct Conn
    {
        explicit Conn(const ChimneyFourTuple& t)
            : wire(t)
        {
        }

        ChimneyFaultConnection wire;     //!< learned from the frames sent
        bool targeted = false;           //!< link.drop-* apply
        uint32_t fins = 0;               //!< FIN segments that reached a receiver
        uint32_t rsts = 0;               //!< RST segments that reached a receiver
        uint32_t finAcks = 0;            //!< segments acknowledging a FIN that reached a receiver
        bool blackHole = false;          //!< peer.black-hole picked
        bool blackHoleOn = false;        //!< our FIN went into the hole
        Pick spoof[5];                   //!< by Spoof
        Pick retrieve;                   //!< target.retrieve
        std::string reason;              //!< its reason
        bool terminatePending = false;   //!< host.terminate-pending-disconnect picked
        bool terminateAfterFin = false;  //!< host.terminate-after-fin picked
        bool abortAfterGraceful = false; //!< host.abort-after-graceful picked
        bool hostFaultDone = false;      //!< a disconnect-triggered host fault acted
        bool finTriggerDone = false;     //!< the after-FIN terminate acted
        bool racingTerminateNow = false; //!< racing RST: terminate before the RST is processed
        bool spoofedReset = false;       //!< an acceptable RST was spoofed: no more spoofs
        Pick misuse;                     //!< host.misuse: H1, H2, H3, H7 when it fires
        bool misuseDisconnect = false;   //!< ... H4 (and H5) after its first disconnect: done
        bool misuseTerminate = false;    //!< ... H6 after its first terminate: done
    };

    /// A peer node (crash applies to it across all its links).
    struct Peer
    {
        Ptr<Node> node;           //!< the node
        bool crashPicked = false; //!< peer.crash picked
        uint32_t crashAfter = 0;  //!< frames on its links before the crash
        uint32_t frames = 0;      //!< frames seen on its links
        bool crashed = false;     //!< silent from now on
    };

    /// One offloading host's link, with its target and host stack when attached.
    struct Link
    {
        Ptr<NetDevice> hostDevice;            //!< the inner link device of the chimney device
        Ptr<NetDevice> farDevice;             //!< the other end of the link
        Peer* peer = nullptr;                 //!< who answers
        uint32_t hostNode = 0;                //!< the host's node id
        uint32_t hostAddress = 0;             //!< the host's IPv4 address (0: not known yet)
        Ptr<ChimneyLinkFaultModel> hostModel; //!< at hostDevice
        std::map<ChimneyFourTuple, std::unique_ptr<Conn>> conns; //!< current incarnations
        uint32_t frames = 0;                                     //!< TCP frames sent on the link
        uint32_t burstLeft[2] = {0, 0}; //!< frames still lost in a burst, per direction

        Ptr<ChimneyNetDevice> target;                            //!< the offload target
        std::map<ChimneyFourTuple, OffloadHandle> targetHandles; //!< offloaded connections
        Pick hardwareFailure;                                    //!< target.hardware-failure
        bool slow = false;                                       //!< target.slow-completion picked
        bool slowFired = false; //!< ... and a completion was delayed

        Ptr<ChimneyHostStack> stack;                           //!< the host stack
        std::map<ChimneyFourTuple, OffloadHandle> hostHandles; //!< host stack connections
        Pick uploadAll;                                        //!< host.upload-all

        OffloadHandle lastFreed = INVALID_OFFLOAD_HANDLE; //!< last handle the target freed
        Ptr<const OffloadBlockList> terminating;          //!< the terminate request being made (H6)
        /// host.misuse picks whose handle's offload completion the host does not hold yet
        std::map<OffloadHandle, ChimneyFourTuple> misuseAwaitingCompletion;
    };

    /// A far device's model: it may serve several links (a CSMA segment's peer, a router).
    struct Far
    {
        Ptr<NetDevice> device;            //!< the far device
        Ptr<ChimneyLinkFaultModel> model; //!< its receive model
        std::vector<Link*> links;         //!< the links it ends
    };

    ChimneyFaultInjector* owner = nullptr;
    ChimneyFaultPlan plan;
    std::map<std::string, uint64_t> fired;
    Ptr<UniformRandomVariable> frameRv = CreateObject<UniformRandomVariable>(); //!< per frame
    Ptr<UniformRandomVariable> pickRv = CreateObject<UniformRandomVariable>();  //!< who is hit
    Ptr<UniformRandomVariable> timeRv = CreateObject<UniformRandomVariable>();  //!< when, how
    /// host.misuse: who and when (a stream of its own: the other kinds' draws stay the same)
    Ptr<UniformRandomVariable> misuseRv = CreateObject<UniformRandomVariable>();
    uint64_t misuseIds = 1ULL << 48; //!< ids of the misuse NBLs and lists (no upper uses these)
    std::vector<std::unique_ptr<Link>> links;
    std::vector<std::unique_ptr<Peer>> peers;
    std::vector<std::unique_ptr<Far>> fars;
    std::set<uint64_t> injected; //!< packet uids of spoofed frames (no link faults on them)
    std::set<uint64_t> racing;   //!< ... of those, the racing RSTs

    // --- bookkeeping ---
    void Fire(const std::string& kind, uint32_t nodeId, const std::string& detail);
    Link& GetLink(Ptr<NetDevice> hostDevice);
    bool Draw(double rate);
    uint32_t DrawAfter(uint32_t first, uint32_t last, uint32_t base);
    Conn* Find(Link& link, const ChimneyFourTuple& t);
    static ChimneyFourTuple TupleOf(const WireSegment& w, bool fromHost);
    void LearnHostAddress(Link& link);

    // --- observation (frames as sent) ---
    void OnHostTx(Link* link, Ptr<const Packet> frame);
    void OnFarTx(Far* far, Ptr<const Packet> frame);
    void OnSent(Link& link, const ChimneyFaultFrame& f, bool fromHost);
    Conn& NewConn(Link& link, const ChimneyFourTuple& t);
    void LinkTriggers(Link& link);
    void ConnTriggers(Link& link, Conn& c, const TcpSegment& s, bool fromHost);

    // --- link faults (frames as they arrive) ---
    ChimneyLinkFaultModel::Verdict JudgeAtHost(Link* link, Ptr<const Packet> frame);
    ChimneyLinkFaultModel::Verdict JudgeAtFar(Far* far, Ptr<const Packet> frame);
    ChimneyLinkFaultModel::Verdict Judge(Link& link, const ChimneyFaultFrame& f, bool fromHost);

    // --- peer, target and host actions ---
    void SendSpoof(Link* link, ChimneyFourTuple t, Spoof kind);
    void RacingTerminate(Link* link, ChimneyFourTuple t);
    void HardwareFailure(Link* link);
    void Retrieve(Link* link, ChimneyFourTuple t);
    void UploadAll(Link* link);
    // host.misuse (SPEC 4, H): bad calls straight to the target, announced first ("Misuse")
    void MisuseNow(Link* link, ChimneyFourTuple t);
    void MisuseAfterDisconnect(Link* link, ChimneyFourTuple t, bool graceful);
    void MisuseAfterTerminate(Link* link, ChimneyFourTuple t);
    void Misuse(Link& link,
                const std::string& id,
                const ChimneyFourTuple& t,
                const std::string& call,
                const std::function<ChimneyStatus()>& issue);
    Ptr<OffloadBlockList> MisuseBlocks(const ChimneyFourTuple& t,
                                       OffloadHandle handle,
                                       TcpState state);
    const ChimneyFourTuple* TupleOfHandle(const Link& link, OffloadHandle handle) const;
    void OnTargetRequestObjects(Link* link,
                                ChimneyOp operation,
                                OffloadHandle handle,
                                const Ptr<const NetBufferList>& nbl,
                                const Ptr<const OffloadBlockList>& blocks,
                                uint32_t flags);
    void OnTargetRequest(Link* link,
                         ChimneyOp operation,
                         OffloadHandle handle,
                         uint64_t id,
                         uint32_t flags,
                         ChimneyStatus returned);
    void TerminateFault(Link* link, OffloadHandle handle, std::string kind);
    void AbortFault(Link* link, OffloadHandle handle);
    void OnResourceAllocated(Link* link,
                             OffloadHandle handle,
                             const ChimneyFourTuple& tuple,
                             uint64_t bytes);
    void OnResourceFreed(Link* link,
                         OffloadHandle handle,
                         const ChimneyFourTuple& tuple,
                         uint64_t bytes);
    void OnTargetCompletion(Link* link,
                            ChimneyOp operation,
                            OffloadHandle handle,
                            uint64_t id,
                            ChimneyStatus status,
                            uint64_t bytes);
    void OnHostPhase(Link* link,
                     OffloadHandle handle,
                     std::string from,
                     std::string to,
                     std::string detail);
    void OnHostCall(Link* link,
                    ChimneyOp operation,
                    OffloadHandle handle,
                    uint64_t id,
                    uint32_t flags,
                    ChimneyStatus returned);
};

} // namespace ns3

#endif /* CHIMNEY_FAULT_INJECTOR_IMPL_H */
