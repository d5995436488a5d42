/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_TEST_RECORDING_CLIENT_H
#define CHIMNEY_TEST_RECORDING_CLIENT_H

// The host side of the chimney interface in the device and intermediate-driver tests: makes
// requests through Call() and records every completion and indication it gets.

#include "ns3/chimney-interface.h"
#include "ns3/simulator.h"
#include "ns3/tcp-segment.h"
#include "ns3/wire-segment.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ns3
{

/// One frame seen on the wire.
struct WireEntry
{
    Time time;
    bool fromTarget; //!< transmitted by node 0
    TcpSegment tcp;
};

/// One completion or indication, as the host (or an upper protocol) saw it.
struct Upcall
{
    Time time;
    std::string what; //!< "Offload", "Send", "Receive", "Disconnect", "Terminate", "Event"
    OffloadHandle handle = 0;
    Ptr<NetBufferList> nbl;
    Ptr<OffloadBlockList> blocks;
    ChimneyStatus status = ChimneyStatus::PENDING;
    uint64_t bytes = 0;
    size_t depth = 0; //!< NBL context depth on delivery (max over a returned send chain)
    ChimneyEvent event = ChimneyEvent::DISCONNECT;
    ChimneyUploadReason reason = ChimneyUploadReason::NONE;
};

/// The host side, or an upper protocol above an intermediate driver: makes requests and records
/// every upcall. A1 is checked on every upcall (none may arrive while a request call of this
/// client is in progress).
class RecordingClient : public ChimneyOffloadClient
{
  public:
    void InitiateOffloadComplete(Ptr<OffloadBlockList> blocks) override
    {
        Record("Offload", FirstHandle(blocks), nullptr, blocks->status, 0).blocks = blocks;
        if (onOffloadComplete)
        {
            onOffloadComplete(blocks);
        }
    }

    void TcpOffloadSendComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override
    {
        sendChains.push_back(nbls ? nbls->ChainLength() : 0);
        for (Ptr<NetBufferList> n = nbls; n; n = n->next)
        {
            Record("Send", handle, n, n->status, n->bytesTransferred);
        }
    }

    void TcpOffloadReceiveComplete(OffloadHandle handle, Ptr<NetBufferList> nbls) override
    {
        receiveChains.push_back(nbls ? nbls->ChainLength() : 0);
        for (Ptr<NetBufferList> n = nbls, next; n; n = next)
        {
            next = n->next; // onReceiveComplete may post n again (and unlink it)
            Record("Receive", handle, n, n->status, n->bytesTransferred);
            if (n->status == ChimneyStatus::SUCCESS)
            {
                uint64_t left = n->bytesTransferred;
                for (const auto& b : n->buffers)
                {
                    const size_t take = std::min<uint64_t>(left, b.data.size());
                    received.insert(received.end(), b.data.begin(), b.data.begin() + take);
                    left -= take;
                }
            }
            if (onReceiveComplete)
            {
                onReceiveComplete(handle, n);
            }
        }
    }

    void TcpOffloadDisconnectComplete(OffloadHandle handle, Ptr<NetBufferList> nbl) override
    {
        Record("Disconnect", handle, nbl, nbl->status, nbl->bytesTransferred);
    }

    void TerminateOffloadComplete(Ptr<OffloadBlockList> blocks) override
    {
        size_t depth = 0;
        blocks->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
            for (Ptr<NetBufferList> n = tcp.sendDataHead; n; n = n->next)
            {
                depth = std::max(depth, n->ContextDepth());
            }
        });
        Upcall& u = Record("Terminate", FirstHandle(blocks), nullptr, blocks->status, 0);
        u.blocks = blocks;
        u.depth = depth;
        if (onTerminateComplete)
        {
            onTerminateComplete(blocks);
        }
    }

    void TcpOffloadEvent(OffloadHandle handle,
                         ChimneyEvent event,
                         ChimneyUploadReason reason) override
    {
        Upcall& u = Record("Event", handle, nullptr, ChimneyStatus::SUCCESS, 0);
        u.event = event;
        u.reason = reason;
        if (onEvent)
        {
            onEvent(handle, event, reason);
        }
    }

    /// Wraps a request call (A1: no upcall from inside it).
    template <typename F>
    ChimneyStatus Call(F f)
    {
        inCall = true;
        ChimneyStatus s = f();
        inCall = false;
        return s;
    }

    std::vector<Upcall> Of(const std::string& what) const
    {
        std::vector<Upcall> out;
        for (const auto& u : log)
        {
            if (u.what == what)
            {
                out.push_back(u);
            }
        }
        return out;
    }

    size_t CountEvents(ChimneyEvent e, ChimneyUploadReason r = ChimneyUploadReason::NONE) const
    {
        size_t n = 0;
        for (const auto& u : log)
        {
            n += (u.what == "Event" && u.event == e && u.reason == r) ? 1 : 0;
        }
        return n;
    }

    /// Index in the log of the first upcall matching a predicate (log.size() if none).
    size_t IndexOf(const std::function<bool(const Upcall&)>& p) const
    {
        for (size_t i = 0; i < log.size(); ++i)
        {
            if (p(log[i]))
            {
                return i;
            }
        }
        return log.size();
    }

    /// Every NBL this upper posted, with how many completions it got (send chains returned by a
    /// terminate count as its completion).
    std::map<const NetBufferList*, int> CompletionCounts() const
    {
        std::map<const NetBufferList*, int> counts;
        for (const auto& n : posted)
        {
            counts[PeekPointer(n)] = 0;
        }
        for (const auto& u : log)
        {
            if (u.nbl)
            {
                ++counts[PeekPointer(u.nbl)];
            }
            if (u.what == "Terminate")
            {
                u.blocks->ForEachTcp(
                    [&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
                        for (Ptr<NetBufferList> n = tcp.sendDataHead; n; n = n->next)
                        {
                            ++counts[PeekPointer(n)];
                        }
                    });
            }
        }
        return counts;
    }

    ChimneyOffloadProvider* provider = nullptr; //!< the binding this upper calls
    std::vector<Upcall> log;
    std::vector<Ptr<NetBufferList>> posted;
    std::vector<uint8_t> received;
    bool inCall = false;
    size_t upcallsInsideCalls = 0;
    std::vector<size_t> sendChains;    //!< NBLs per send completion call
    std::vector<size_t> receiveChains; //!< NBLs per receive completion call
    std::function<void(Ptr<OffloadBlockList>)> onOffloadComplete;
    std::function<void(Ptr<OffloadBlockList>)> onTerminateComplete;
    std::function<void(OffloadHandle, Ptr<NetBufferList>)> onReceiveComplete;
    std::function<void(OffloadHandle, ChimneyEvent, ChimneyUploadReason)> onEvent;

  private:
    static OffloadHandle FirstHandle(Ptr<OffloadBlockList> blocks)
    {
        OffloadHandle h = 0;
        blocks->ForEachTcp([&](NeighborOffloadBlock&, PathOffloadBlock&, TcpOffloadBlock& tcp) {
            h = h == 0 ? tcp.handle : h;
        });
        return h;
    }

    Upcall& Record(const std::string& what,
                   OffloadHandle h,
                   Ptr<NetBufferList> nbl,
                   ChimneyStatus st,
                   uint64_t bytes)
    {
        upcallsInsideCalls += inCall ? 1 : 0;
        Upcall u;
        u.time = Simulator::Now();
        u.what = what;
        u.handle = h;
        u.nbl = nbl;
        u.status = st;
        u.bytes = bytes;
        u.depth = nbl ? nbl->ContextDepth() : 0;
        log.push_back(u);
        return log.back();
    }
};

/// Appends a TCP frame of a link (Link::kWire framing) to a wire log; other frames are ignored.
template <typename Link>
void
CaptureWire(std::vector<WireEntry>* log, bool fromTarget, Ptr<const Packet> p)
{
    WireSegment w;
    if (ParseWireFrame(p, Link::kWire, w))
    {
        log->push_back({Simulator::Now(), fromTarget, w.tcp});
    }
}

} // namespace ns3

#endif // CHIMNEY_TEST_RECORDING_CLIENT_H
