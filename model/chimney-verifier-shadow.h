/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_VERIFIER_SHADOW_H
#define CHIMNEY_VERIFIER_SHADOW_H

#include "chimney-flat-map.h"
#include "chimney-four-tuple.h"
#include "chimney-invariant-coverage.h"
#include "chimney-status.h"
#include "chimney-types.h"
#include "net-buffer-list.h"
#include "offload-state.h"
#include "tcp-segment-packet.h"
#include "wire-segment.h"

#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/ptr.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * The verifier's shadow model: what the three observed streams (the frames on the link, the
 * interface traces, the resource ledger) say about each offloaded connection. It holds facts
 * only and reports nothing; the checkers (chimney-verifier-*-checker.h) read it and decide.
 * ChimneyVerifier updates it as each event arrives, between the checks that read the facts as
 * they were before the event and those that read them after.
 */

namespace ns3
{

class ChimneyNetDevice;

/// \ingroup chimney
/// \param seq a 32-bit sequence number \param base offset 0's \param ref a nearby offset
/// \returns the 64-bit offset from base nearest to ref
inline int64_t
ShadowOffset(uint32_t seq, uint32_t base, int64_t ref)
{
    const uint32_t refSeq = base + static_cast<uint32_t>(ref);
    return ref + static_cast<int32_t>(seq - refSeq);
}

/// \ingroup chimney
/// Empty a queue that has drained. A small array is kept for the next burst (a connection's
/// queues empty and refill every few events: freeing them each time cost an allocation per
/// segment); a large one goes, so that idle connections hold little.
/// \param v the queue \param keep the largest capacity (elements) kept
template <typename T>
void
ShadowDrain(std::vector<T>& v, size_t keep)
{
    if (v.capacity() <= keep)
    {
        v.clear();
    }
    else
    {
        std::vector<T>().swap(v);
    }
}

/// \ingroup chimney
/// Posted send data, by reference: [start, start + length) of the send stream.
struct ShadowChunk
{
    int64_t start = 0;                    //!< stream offset of the first byte
    uint64_t length = 0;                  //!< bytes
    Ptr<const NetBufferList> nbl;         //!< the posting NBL (or null)
    const std::vector<uint8_t>* raw = {}; //!< the offload's delegated send data (or null)
};

/// \ingroup chimney
/// A queue of stream bytes, consumed from the front (more than a segment's memory goes once it
/// is empty).
struct ShadowBytes
{
    std::vector<uint8_t> bytes;           //!< the bytes, from head
    size_t head = 0;                      //!< first live byte
    static constexpr size_t kKeep = 1536; //!< bytes kept when drained (one segment's)

    /// \returns live bytes
    size_t Size() const
    {
        return bytes.size() - head;
    }

    /// \returns the first live byte
    const uint8_t* Data() const
    {
        return bytes.data() + head;
    }

    /// \param p bytes \param n how many: appended
    void Append(const uint8_t* p, size_t n)
    {
        bytes.insert(bytes.end(), p, p + n);
    }

    /// \param n bytes dropped from the front (at most Size())
    void Pop(size_t n)
    {
        head += n;
        if (head == bytes.size())
        {
            ShadowDrain(bytes, kKeep);
            head = 0;
        }
        else if (head > 65536 && head * 2 > bytes.size())
        {
            bytes.erase(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(head));
            head = 0;
        }
    }
};

/// \ingroup chimney
/// A send NBL posted and not yet completed.
struct ShadowSendRequest
{
    Ptr<const NetBufferList> nbl; //!< the request's NBL (null when unknown)
    uint64_t id = 0;              //!< its id
    uint64_t order = 0;           //!< its place in posting order (A4, A9)
    int64_t end = 0;              //!< stream offset after its last byte
    uint64_t length = 0;          //!< bytes
    uint64_t event = 0;           //!< simulator event of the request (A1)
    bool late = false;            //!< accepted after the terminate request
    bool done = false;            //!< completed or returned
    bool returned = false;        //!< handed back in the terminate's send chain
    bool mustAbortA8 = false;     //!< outstanding at an Abort indication
    bool mustAbortA5 = false;     //!< outstanding when the target's RST went out
};

/// \ingroup chimney
/// A receive NBL posted and not yet completed.
struct ShadowReceiveRequest
{
    Ptr<const NetBufferList> nbl; //!< the request's NBL (null when unknown)
    uint64_t id = 0;              //!< its id
    uint64_t event = 0;           //!< simulator event of the request (A1)
    bool done = false;            //!< completed
    bool mustAbortA8 = false;     //!< outstanding at an Abort indication
};

/// \ingroup chimney
/// A disconnect request.
struct ShadowDisconnectRequest
{
    Ptr<const NetBufferList> nbl; //!< the request's NBL (null when unknown)
    uint64_t id = 0;              //!< its id
    uint64_t length = 0;          //!< graceful data bytes
    uint64_t event = 0;           //!< simulator event of the request (A1)
    bool outstanding = false;     //!< accepted, not completed
    bool late = false;            //!< accepted after the terminate request
    bool mustAbortA8 = false;     //!< outstanding at an Abort indication
    /// Abortive, issued after the remote's FIN was on the wire in order: once our FIN is out
    /// too, RFC 9293's ABORT sends no RST (CLOSING, LAST-ACK, TIME-WAIT) and SUCCESS needs none
    /// (doc/chimney.rst, "Abortive disconnect after both FINs").
    bool afterRemoteFin = false;
    /// Send NBLs posted before it (the sends A4 and A5 order before its completion).
    uint64_t sendsBefore = 0;
};

/// \ingroup chimney
/// One offload of one connection, from the offload request to the terminate completion.
struct ShadowConnection
{
    /// Where the offload is.
    enum Phase : uint8_t
    {
        OFFLOADING,
        OFFLOADED,
        TERMINATING,
        TERMINATED, //!< TerminateBlock completed; record kept until the list completes
    };

    OffloadHandle handle = INVALID_OFFLOAD_HANDLE; //!< device-level handle
    ChimneyFourTuple tuple;                        //!< 4-tuple
    Phase phase = OFFLOADING;                      //!< where it is
    /// Catalog IDs already reported on it (bits): the finding collector's repeat suppression,
    /// not a fact; mutable so that checkers can report on a record they only read.
    mutable uint64_t reported = 0;

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
    uint32_t sendSeq0 = 0;    //!< sequence number of stream offset 0
    int64_t posted = 0;       //!< end of the data posted (offload data + non-late posts)
    int64_t expectedFin = -1; //!< FIN offset owed (W2), -1: none
    int64_t finOff = -1;      //!< FIN offset seen on the wire, -1: none
    int64_t maxSent = 0;      //!< highest sequence end the target sent (SND.MAX)
    int64_t acked = 0;        //!< highest ACK from the peer
    bool rstSent = false;     //!< the target's RST went out
    /// An abortive disconnect issued after the remote's FIN completed SUCCESS with no RST seen:
    /// E2 holds if our FIN is on the wire by the terminate (it may still be queued on the link).
    bool abortiveWithoutRst = false;
    std::vector<ShadowChunk> chunks;         //!< posted data not yet acknowledged, by reference
    uint32_t chunkHead = 0;                  //!< first live chunk
    Ptr<const OffloadBlockList> offloadList; //!< the offload request (delegated send data)

    // receive direction (offsets from recvSeq0)
    uint32_t recvSeq0 = 0; //!< sequence number of offset 0 (first byte handed over)
    int64_t wire = 0;      //!< contiguous end of the remote's data seen on the wire
    int64_t delivered = 0; //!< bytes delivered in receive completions (+ handed over)
    /// The remote's bytes on the wire not yet delivered: [delivered, wire) (empty when
    /// delivered >= wire); each is compared once with the byte delivered at its position.
    ShadowBytes undelivered;
    /// Bytes delivered beyond the wire's contiguous end: [wire, delivered), compared once the
    /// wire shows them.
    ShadowBytes ahead;
    bool deliveredDiffers = false; //!< a byte delivered differed from the wire's (sticky)
    int64_t maxRemoteEnd = 0;      //!< highest sequence end the remote sent (FIN included)
    int64_t remoteFin = -1;        //!< the remote's FIN offset, -1: none
    bool acceptableRst = false;    //!< an acceptable RST arrived from the remote
    bool remoteRst = false;        //!< any RST arrived from the remote
    int64_t lastAck = -1;          //!< the target's last ACK number sent, -1: none
    int64_t rightEdge = -1;        //!< the target's last advertised window edge, -1: unknown
    int64_t rcvLimit = -1;         //!< wire end when the target's RST went out (W6)
    int64_t offloadRcvNxt = 0;     //!< RcvNxt handed over at offload
    /// Data beyond a hole on the wire: start -> its bytes.
    std::map<int64_t, std::vector<uint8_t>> ooo;
    /// The wire's contiguous end at each of its advances, not yet passed by delivery (the E1
    /// comparison points).
    std::vector<int64_t> snaps;
    uint32_t snapHead = 0; //!< first live snapshot

    // requests
    std::vector<ShadowSendRequest> sends;       //!< send NBLs in posting order, from sendHead
    uint32_t sendHead = 0;                      //!< first not done
    std::vector<ShadowReceiveRequest> receives; //!< receive NBLs, from recvHead
    uint32_t recvHead = 0;                      //!< first not done
    ShadowDisconnectRequest graceful;           //!< the graceful disconnect
    ShadowDisconnectRequest abortive;           //!< the abortive disconnect
    Ptr<const OffloadBlockList> terminateList;  //!< the terminate request
    /// Sends handed back, in trace order, with their place in posting order.
    std::vector<std::pair<uint64_t, Ptr<const NetBufferList>>> returned;
    uint64_t sendsPosted = 0; //!< send NBLs posted so far (the next one's order)

    /// \param seq a sequence number \returns the 64-bit send offset
    int64_t SendOff(uint32_t seq) const
    {
        return ShadowOffset(seq, sendSeq0, maxSent);
    }

    /// \param seq a sequence number \returns the 64-bit receive offset
    int64_t RecvOff(uint32_t seq) const
    {
        return ShadowOffset(seq, recvSeq0, wire);
    }

    /// \returns the remote's RCV.NXT as the target should see it (FIN included)
    int64_t RcvNxt() const
    {
        return wire + (remoteFin >= 0 && remoteFin == wire ? 1 : 0);
    }

    /// \returns true when the connection was reset or lost, by either side or the target
    bool Aborted() const
    {
        return rstSent || abortIndicated || hwFailure || closedByTarget;
    }

    /// \returns true when a request is still outstanding
    bool AnyOutstanding() const;

    /// Drop completed requests from the front of the queues.
    void Compact();

    /// Remote data seen on the wire: held beyond a hole, merged into the contiguous stream
    /// (wire, undelivered, snaps) once the hole is filled.
    /// \param offset receive offset of data[0] \param data the bytes \param n how many
    void AddRemoteData(int64_t offset, const uint8_t* data, size_t n);
    /// The contiguous stream grows by [wire, wire + n): compared with bytes already delivered
    /// beyond the wire (ahead), the rest kept until delivered. \param p the bytes \param n
    /// how many
    void ExtendWire(const uint8_t* p, size_t n);
    /// The contiguous end advanced: a comparison point for E1.
    void AddSnapshot();

    /// The peer acknowledged up to offset a: posted data before it is no longer referenced.
    /// \param a the ACK as a send offset
    void OnPeerAck(int64_t a);

    /// The target's RST went out: requests outstanding now must complete REQUEST_ABORTED (A5)
    /// and nothing received from now on may be delivered (W6).
    void OnTargetRst();

    /// The target acknowledged up to a with window win.
    /// \param a the ACK as a receive offset \param window the raw window field
    /// \returns true when its ACK advanced
    bool OnTargetAck(int64_t a, uint16_t window);

    /// \param id a send NBL's id \param inOrder set: false when an earlier send is still
    /// outstanding \returns the outstanding send it completes, or null (A2)
    ShadowSendRequest* FindSend(uint64_t id, bool* inOrder);
    /// \param id a receive NBL's id \returns the outstanding receive it completes, or null
    ShadowReceiveRequest* FindReceive(uint64_t id);
    /// \param id a disconnect's id \returns the outstanding disconnect it completes, or null
    ShadowDisconnectRequest* FindDisconnect(uint64_t id);
    /// A send completed, or was handed back in the terminate's send chain.
    /// \param r the request \param isReturned true: handed back
    void CompleteSend(ShadowSendRequest& r, bool isReturned);
    /// Bytes delivered by a receive completion: each compared with the wire's byte at its
    /// position (deliveredDiffers), or kept (ahead) until the wire shows it.
    /// \param nbl the receive NBL \param bytes bytes delivered
    void AddDelivered(const NetBufferList& nbl, uint64_t bytes);
    /// Bytes delivered whose content is not known (a receive without its NBL): they count as
    /// differing (no comparison can pass after them). \param bytes bytes delivered
    void AddBlindDelivered(uint64_t bytes);

    /// The Abort indication: every request outstanding now must complete REQUEST_ABORTED (A8).
    void OnAbortIndicated();

    /// \returns true when the delivered end is a comparison point, after skipping those before
    /// it (advances snapHead)
    bool SnapshotAtDelivered();

    /// After the comparison at the delivered end: drop the snapshot compared (if any), and the
    /// list once nothing is left.
    /// \param compared true when SnapshotAtDelivered() returned one
    void ReleaseSnapshots(bool compared);
};

/// \ingroup chimney
/// A request call between its objects (RequestObjects) and its return (Request).
struct ShadowPendingCall
{
    bool valid = false;                       //!< objects seen
    ChimneyOp op = ChimneyOp::SEND;           //!< the operation (meaningful when valid)
    OffloadHandle handle = 0;                 //!< the handle
    Ptr<const NetBufferList> nbl;             //!< the NBL (chain)
    Ptr<const OffloadBlockList> blocks;       //!< the list
    uint32_t flags = 0;                       //!< flags
    std::optional<ChimneyInvariantId> misuse; //!< H-ID the target reported for it
};

struct ShadowHost;

/// \ingroup chimney
/// A frame announced just before the link device's MacTx shows it (the host's own, or one a
/// fault injector forged), so that MacTx can tell it from the target's frames: the same packet
/// object, and to be sure it is not a later packet at the same address, the same uid. Asking a
/// packet for its uid is two calls into ns-3; a target's frame is told apart by its address.
struct ShadowFrameMark
{
    const Packet* packet = nullptr; //!< the packet announced
    uint64_t uid = UINT64_MAX;      //!< its uid

    /// \param p the packet \returns the mark of p
    static ShadowFrameMark Of(const Packet& p)
    {
        return ShadowFrameMark{&p, p.GetUid()};
    }

    /// \param p a frame MacTx shows \returns true if it is the packet announced
    bool Is(const Packet& p) const
    {
        return &p == packet && p.GetUid() == uid;
    }
};

/// \ingroup chimney
/// One attached offload target and the connections it holds.
struct ShadowDevice
{
    Ptr<ChimneyNetDevice> device;          //!< the target
    uint32_t index = 0;                    //!< position in attach order (checkers' tables)
    std::string name;                      //!< for findings
    uint32_t nodeId = 0;                   //!< its node
    WireLinkType link = WireLinkType::PPP; //!< framing of its link
    uint32_t capacity = 0;                 //!< MaxOffloadedConnections
    ShadowFrameMark lastHost;              //!< the last frame from the host
    ShadowFrameMark lastSpoof;             //!< the last frame a fault injector forged
    ShadowPendingCall call;                //!< the request call in progress
    /// H-ID of the next request, announced as a misuse issued on purpose (ExpectMisuse)
    std::optional<ChimneyInvariantId> expectedMisuse;
    /// Live records.
    ChimneyFlatMap<OffloadHandle, std::unique_ptr<ShadowConnection>> byHandle;
    /// Same, by tuple.
    ChimneyFlatMap<ChimneyFourTuple, ShadowConnection*, ChimneyFourTupleHash> byTuple;
    /// Handles whose terminate completed.
    ChimneyFlatMap<OffloadHandle, ChimneyFourTuple> terminated;
    /// Same, by tuple.
    ChimneyFlatMap<ChimneyFourTuple, OffloadHandle, ChimneyFourTupleHash> terminatedTuples;
    /// Offloads that failed.
    ChimneyFlatMap<ChimneyFourTuple, OffloadHandle, ChimneyFourTupleHash> failedTuples;
    std::multimap<uint64_t, Ptr<const OffloadBlockList>> lists; //!< list requests by id
    ShadowHost* host = nullptr;                                 //!< its node's host stack

    /// \param handle a handle \returns its live record, or null
    ShadowConnection* Find(OffloadHandle handle) const
    {
        const auto* c = byHandle.Find(handle);
        return c == nullptr ? nullptr : c->get();
    }

    /// An accepted request (returned PENDING): the records, requests and posted data it adds.
    /// \param call the call and its objects \param id the NBL's or list's id
    /// \returns the number of connection records created (offload requests)
    uint32_t ApplyRequest(const ShadowPendingCall& call, uint64_t id);

    /// A failed offload: the record goes; the tuple is remembered (R5).
    /// \param handle the handle
    void DropFailedOffload(OffloadHandle handle);

    /// The terminate list completed: the record goes; handle and tuple are remembered (W8, A10).
    /// \param handle the handle
    void EndConnection(OffloadHandle handle);
};

/**
 * \ingroup chimney
 * \brief Frames parsed once for every observer.
 *
 * The same frame is seen leaving one attached device (its link's MacTx) and entering another
 * (MacRx). The first observation parses its headers; the second reuses that parse when the
 * frame's length and the bytes the parse read (its link, IPv4 and TCP headers, at most
 * kHeadBytes) are the same: a link fault may have changed them on the way. The payload is never
 * copied nor compared: each parse returns a view of it in the bytes of the observation at hand
 * (WirePayload::VIEW), so a payload changed on the way is seen as changed. With ns-3's
 * checksums on, every observation is parsed (its checksums cover the payload, and a receiver
 * drops a frame whose do not verify). Slots are picked by a key the caller takes from the
 * headers (two places per key, deterministic); a frame whose slot was taken by another in
 * between is simply parsed again. The key only finds the slot: a reuse needs the same bytes, so
 * a reused parse is the one this frame would give. The table is used only while nearly every
 * frame is found on its second observation (kMinReusedPercent); otherwise keeping frames in it
 * costs more than parsing them again, and every observation is parsed (EndParse()).
 */
class ShadowFrameCache
{
  public:
    /// A frame's bytes, as Load() copied them out.
    struct Bytes
    {
        const uint8_t* data; //!< first byte
        size_t size;         //!< bytes
    };

    /**
     * \brief Copy a frame's bytes out (once per observation).
     * \param frame the frame
     * \returns its bytes (valid until the next Load())
     */
    Bytes Load(const Packet& frame);

    /**
     * \brief Parse the frame last loaded, or find it parsed.
     * \param key picks its slot: a value that usually differs from frame to frame and stays
     *        the same for one frame's observations (from its headers: its packet's uid would
     *        cost two calls into ns-3 per observation)
     * \param bare true: a bare IPv4 datagram; false: link framing link
     * \param link the link framing
     * \returns the segment, its payload a view into the bytes Load() returned (valid until the
     *          next Load()), or null when the frame is not a well-formed IPv4/TCP datagram
     *          (ParseWireFrame())
     */
    const WireSegment* Parse(uint64_t key, bool bare, WireLinkType link);

    /// \returns observations that reused an earlier parse
    uint64_t GetReused() const
    {
        return m_reused;
    }

    /// \returns frames parsed or looked up (every Parse() call)
    uint64_t GetLookups() const
    {
        return m_lookups;
    }

    /// \returns true while the table is bypassed (too few frames were seen twice soon enough)
    bool IsBypassing() const
    {
        return m_bypass;
    }

    static constexpr uint32_t kWindow = 4096;      //!< parses per decision to bypass or not
    static constexpr uint32_t kBypassWindows = 15; //!< windows bypassed before a probe window
    /// Lookups of a window that must reuse a parse for the table to stay in use; at most 50
    /// when every frame is seen twice (its first lookup parses).
    static constexpr uint32_t kMinReusedPercent = 45;
    /// Bytes a parse reads at most, payload aside: LLC/SNAP framing (22), IPv4 and TCP headers
    /// with the most options (60 each).
    static constexpr size_t kHeadBytes = 142;

  private:
    /// A frame's bytes in a buffer that only grows: no zero-filling of a resize per frame.
    struct FrameStore
    {
        std::vector<uint8_t> store; //!< at least size bytes
        size_t size = 0;            //!< the frame's bytes
    };

    /// One parsed frame.
    struct Slot
    {
        uint64_t key = UINT64_MAX;              //!< the frame's key
        uint64_t stamp = 0;                     //!< when written (the older of two is replaced)
        uint8_t framing = 0;                    //!< bare datagram or which link framing
        bool parsed = false;                    //!< a TCP segment
        size_t size = 0;                        //!< the frame's length
        size_t payloadOffset = 0;               //!< where its payload starts
        std::array<uint8_t, kHeadBytes> head{}; //!< the bytes before its payload if parsed,
                                                //!< else its first min(size, kHeadBytes)
        WireSegment segment;                    //!< the parse (payload: a view)
    };

    /// Count one parse; at the end of a window, decide whether the next one bypasses the table.
    void EndParse();

    /// \param key a frame's key \returns the slot that holds it, else the one to put it in
    Slot& SlotFor(uint64_t key);

    /// Parse the frame loaded. \param segment the parse \param bare true: a bare IPv4
    /// datagram \param link the link framing \returns true if it is an IPv4/TCP datagram
    bool ParseLoaded(WireSegment& segment, bool bare, WireLinkType link);

    static constexpr unsigned kSlotBits = 10;                //!< log2 of kSlots
    static constexpr size_t kSlots = size_t{1} << kSlotBits; //!< frames kept
    std::vector<Slot> m_slots;   //!< two places per key (SlotFor; allocated at first use)
    uint64_t m_stamp = 0;        //!< slots written
    WireSegment m_parsed;        //!< the parse while bypassing
    bool m_bypass = false;       //!< the table is bypassed
    uint32_t m_windowParses = 0; //!< parses in this window
    uint32_t m_windowReused = 0; //!< of them, reused
    uint32_t m_bypassLeft = 0;   //!< windows left to bypass
    FrameStore m_frame;          //!< the frame loaded
    uint64_t m_reused = 0;       //!< parses reused
    uint64_t m_lookups = 0;      //!< Parse() calls
    ChecksumSetting m_checksums; //!< ns-3's ChecksumEnabled, read at the first parse
};

/// \ingroup chimney
/// An attached host stack and the targets on its node.
struct ShadowHost
{
    uint32_t index = 0;                 //!< position in attach order (checkers' tables)
    uint32_t nodeId = 0;                //!< its node
    std::vector<ShadowDevice*> devices; //!< attached targets on the node
    bool phaseTraced = false;           //!< its PhaseChange trace is connected (E3)

    /// \returns the device findings from the host's traces name (null when none)
    ShadowDevice* FirstDevice() const
    {
        return devices.empty() ? nullptr : devices.front();
    }
};

/// \ingroup chimney
/// Every connection of a block list, as f(path, TCP block).
/// \param list the list \param f the function
template <typename F>
void
ForEachListedConnection(const OffloadBlockList& list, F f)
{
    for (const auto& n : list.neighbors)
    {
        for (const auto& p : n.paths)
        {
            for (const auto& t : p.connections)
            {
                f(p, t);
            }
        }
    }
}

/// \ingroup chimney
/// Bytes [0, n) of an NBL's buffers, in order, handed to f(ptr, len).
/// \param nbl the NBL \param n bytes \param f the function
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

/// \ingroup chimney
/// Evidence text of a request call (findings quote it).
/// \param op operation \param handle handle \param id id \param flags flags
/// \param returned what it returned \returns the text
std::string ShadowCallText(ChimneyOp op,
                           OffloadHandle handle,
                           uint64_t id,
                           uint32_t flags,
                           ChimneyStatus returned);

/// \ingroup chimney
/// Evidence text of a completion (findings quote it).
/// \param op operation \param handle handle \param id id \param status status
/// \param bytes bytesTransferred \returns the text
std::string ShadowCompletionText(ChimneyOp op,
                                 OffloadHandle handle,
                                 uint64_t id,
                                 ChimneyStatus status,
                                 uint64_t bytes);

} // namespace ns3

#endif // CHIMNEY_VERIFIER_SHADOW_H
