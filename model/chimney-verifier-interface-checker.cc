/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-interface-checker.h"

#include "tcp-seq.h"

#include "ns3/simulator.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

using Inv = ChimneyInvariantId;

namespace
{

/// \param c a record \returns sends not completed
uint32_t
OutstandingSends(const ShadowConnection& c)
{
    uint32_t n = 0;
    for (uint32_t i = c.sendHead; i < c.sends.size(); ++i)
    {
        n += c.sends[i].done ? 0 : 1;
    }
    return n;
}

/// \param c a record \returns receives not completed
uint32_t
OutstandingReceives(const ShadowConnection& c)
{
    uint32_t n = 0;
    for (uint32_t i = c.recvHead; i < c.receives.size(); ++i)
    {
        n += c.receives[i].done ? 0 : 1;
    }
    return n;
}

} // namespace

ChimneyVerifierInterfaceChecker::ChimneyVerifierInterfaceChecker(ChimneyVerifierReporter& reporter,
                                                                 const Time& requestTimeout)
    : m_reporter(reporter),
      m_requestTimeout(requestTimeout)
{
}

// ---------------------------------------------------------------------------------------------
// Requests and completions seen at the target
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifierInterfaceChecker::CheckRefusal(const ShadowDevice& d,
                                              const ShadowConnection* c,
                                              const ShadowPendingCall& call,
                                              ChimneyStatus returned,
                                              bool misuseExpected,
                                              const ChimneyEvidence& evidence)
{
    // Only host misuse may be refused, with a clear status.
    m_reporter.Exercised(Inv::A1);
    if (returned != ChimneyStatus::INVALID_PARAMETER && returned != ChimneyStatus::INVALID_STATE)
    {
        m_reporter.Report(ChimneyInvariantId::A1,
                          &d,
                          c,
                          call.handle,
                          std::string("request returned ") + ToString(returned) +
                              " (only PENDING, or INVALID_PARAMETER / INVALID_STATE for host "
                              "misuse)",
                          evidence);
    }
    else if (!call.misuse && !misuseExpected && call.valid)
    {
        m_reporter.Report(ChimneyInvariantId::A1,
                          &d,
                          c,
                          call.handle,
                          std::string("valid request refused with ") + ToString(returned),
                          evidence);
    }
}

bool
ChimneyVerifierInterfaceChecker::CheckListCompletion(const ShadowDevice& d,
                                                     ChimneyOp op,
                                                     const OffloadBlockList* list,
                                                     ChimneyStatus status,
                                                     const ChimneyEvidence& evidence)
{
    if (list == nullptr)
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          nullptr,
                          0,
                          std::string(ToString(op)) +
                              " completion of a block list that is not outstanding",
                          evidence);
        return false;
    }
    if (!d.lists.empty())
    {
        m_reporter.Exercised(Inv::A2); // another list outstanding on the device
    }
    if (list->status != status)
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          nullptr,
                          0,
                          "the completed block list is not the request's (status " +
                              std::string(ToString(list->status)) + ")",
                          evidence);
    }
    return true;
}

bool
ChimneyVerifierInterfaceChecker::CheckConnectionLive(const ShadowDevice& d,
                                                     const ShadowConnection* c,
                                                     OffloadHandle handle,
                                                     std::optional<ChimneyOp> completionOf,
                                                     const ChimneyEvidence& evidence)
{
    if (c != nullptr && c->phase != ShadowConnection::TERMINATED)
    {
        return true;
    }
    const std::string what =
        completionOf ? std::string(ToString(*completionOf)) + " completion" : "indication";
    if (c != nullptr || d.terminated.Contains(handle))
    {
        m_reporter.Report(ChimneyInvariantId::A10,
                          &d,
                          c,
                          handle,
                          what + " after the connection's terminate completed",
                          evidence);
    }
    else if (completionOf) // an indication for an unknown handle is not checked here
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          nullptr,
                          handle,
                          what + " for a connection never offloaded",
                          evidence);
    }
    return false;
}

void
ChimneyVerifierInterfaceChecker::CheckSendCompletion(const ShadowDevice& d,
                                                     const ShadowConnection& c,
                                                     const ShadowSendRequest* r,
                                                     bool inOrder,
                                                     ChimneyOp op,
                                                     ChimneyStatus status,
                                                     uint64_t bytes,
                                                     const ChimneyEvidence& evidence)
{
    if (r == nullptr)
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          &c,
                          c.handle,
                          "completion of a send NBL that is not outstanding (never posted, or "
                          "completed twice)",
                          evidence);
        return;
    }
    if (OutstandingSends(c) >= 2)
    {
        m_reporter.Exercised(Inv::A2);
        if (op == ChimneyOp::SEND)
        {
            m_reporter.Exercised(Inv::A4);
        }
    }
    if (r->mustAbortA5)
    {
        m_reporter.Exercised(Inv::A5);
    }
    if (status != ChimneyStatus::SUCCESS && !c.blind && !r->late && bytes > 0)
    {
        m_reporter.Exercised(Inv::A3);
    }
    if (!inOrder && op == ChimneyOp::SEND)
    {
        m_reporter.Report(ChimneyInvariantId::A4,
                          &d,
                          &c,
                          c.handle,
                          "send completed out of posting order",
                          evidence);
    }
    CheckMatchedCompletion(d, c, "send", r->event, r->nbl, status, bytes, true, evidence);
    if (op == ChimneyOp::SEND_RETURNED)
    {
        if (!c.terminateRequested)
        {
            m_reporter.Report(ChimneyInvariantId::A9,
                              &d,
                              &c,
                              c.handle,
                              "send NBL handed back without a terminate",
                              evidence);
        }
        return;
    }
    const int64_t start = r->end - static_cast<int64_t>(r->length);
    const uint64_t ackedIn = c.acked <= start ? 0 : std::min<uint64_t>(r->length, c.acked - start);
    if (status == ChimneyStatus::SUCCESS)
    {
        if (!c.blind && !r->late && (c.acked < r->end || bytes != r->length))
        {
            std::ostringstream w;
            w << "send SUCCESS with " << bytes << " of " << r->length << " bytes; the peer "
              << "acknowledged " << ackedIn << " of them on the wire";
            m_reporter.Report(ChimneyInvariantId::A3, &d, &c, c.handle, w.str(), evidence);
        }
    }
    else if (!CheckAbortedOrUploaded(d, c, "send", status, evidence))
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          &c,
                          c.handle,
                          std::string("send completed with the unexpected status ") +
                              ToString(status),
                          evidence);
    }
    if (status != ChimneyStatus::SUCCESS && !c.blind && !r->late && bytes > ackedIn)
    {
        m_reporter.Report(ChimneyInvariantId::A3,
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
        m_reporter.Report(
            ChimneyInvariantId::A5,
            &d,
            &c,
            c.handle,
            "send outstanding at the abortive disconnect did not complete REQUEST_ABORTED",
            evidence);
    }
}

bool
ChimneyVerifierInterfaceChecker::CheckReceiveCompletion(const ShadowDevice& d,
                                                        const ShadowConnection& c,
                                                        const ShadowReceiveRequest* r,
                                                        ChimneyStatus status,
                                                        uint64_t bytes,
                                                        const ChimneyEvidence& evidence)
{
    if (r == nullptr)
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          &c,
                          c.handle,
                          "completion of a receive NBL that is not outstanding (never posted, or "
                          "completed twice)",
                          evidence);
        return false;
    }
    if (OutstandingReceives(c) >= 2)
    {
        m_reporter.Exercised(Inv::A2);
    }
    CheckMatchedCompletion(d, c, "receive", r->event, r->nbl, status, bytes, false, evidence);
    CheckAbortIndicationCompletion(d, c, "receive", r->mustAbortA8, status, evidence);
    CheckAbortedOrUploaded(d, c, "receive", status, evidence);
    return true;
}

bool
ChimneyVerifierInterfaceChecker::CheckDisconnectCompletion(const ShadowDevice& d,
                                                           const ShadowConnection& c,
                                                           const ShadowDisconnectRequest* r,
                                                           bool graceful,
                                                           ChimneyStatus status,
                                                           uint64_t bytes,
                                                           const ChimneyEvidence& evidence)
{
    if (r == nullptr)
    {
        m_reporter.Report(ChimneyInvariantId::A2,
                          &d,
                          &c,
                          c.handle,
                          "completion of a disconnect that is not outstanding (never requested, "
                          "or completed twice)",
                          evidence);
        return false;
    }
    CheckMatchedCompletion(d, c, "disconnect", r->event, r->nbl, status, bytes, false, evidence);
    // A6: a disconnect fails only because of an upload or an abort.
    if (status != ChimneyStatus::SUCCESS)
    {
        m_reporter.Exercised(Inv::A6);
    }
    if (graceful && (c.abortiveIssued || (status == ChimneyStatus::SUCCESS && !c.blind)))
    {
        m_reporter.Exercised(c.abortiveIssued ? Inv::A5 : Inv::A3);
    }
    if (status == ChimneyStatus::UPLOAD_IN_PROGRESS)
    {
        if (!c.terminateRequested)
        {
            m_reporter.Report(ChimneyInvariantId::A6,
                              &d,
                              &c,
                              c.handle,
                              "disconnect failed UPLOAD_IN_PROGRESS without a terminate",
                              evidence);
        }
    }
    else if (status == ChimneyStatus::REQUEST_ABORTED)
    {
        if (!c.Aborted() && !(graceful && c.abortiveIssued))
        {
            m_reporter.Report(
                ChimneyInvariantId::A6,
                &d,
                &c,
                c.handle,
                "disconnect failed REQUEST_ABORTED on a connection that was not aborted",
                evidence);
        }
    }
    else if (status != ChimneyStatus::SUCCESS)
    {
        m_reporter.Report(ChimneyInvariantId::A6,
                          &d,
                          &c,
                          c.handle,
                          std::string("disconnect failed with ") + ToString(status),
                          evidence);
    }
    CheckAbortIndicationCompletion(d, c, "disconnect", r->mustAbortA8, status, evidence);
    // A4 / A5: every send posted before the disconnect completes before it (a send posted
    // after an abortive one completes REQUEST_ABORTED on its own: doc/chimney.rst, "Sends
    // posted after an abortive disconnect").
    bool sendsLeft = false;
    for (uint32_t i = c.sendHead; i < c.sends.size(); ++i)
    {
        sendsLeft = sendsLeft || (!c.sends[i].done && c.sends[i].order < r->sendsBefore);
    }
    if (graceful)
    {
        if (sendsLeft)
        {
            m_reporter.Report(ChimneyInvariantId::A4,
                              &d,
                              &c,
                              c.handle,
                              "graceful disconnect completed before every send completed",
                              evidence);
        }
        if (status == ChimneyStatus::SUCCESS && !c.blind)
        {
            if (c.finOff < 0)
            {
                m_reporter.Report(ChimneyInvariantId::A3,
                                  &d,
                                  &c,
                                  c.handle,
                                  "graceful disconnect SUCCESS but no FIN was seen on the wire",
                                  evidence);
            }
            else if (c.acked < c.finOff + 1)
            {
                std::ostringstream w; // built for a finding only: a stream is costly
                w << "graceful disconnect SUCCESS before the FIN was acknowledged (peer ACK at "
                  << "offset " << c.acked << ", FIN at " << c.finOff << ")";
                m_reporter.Report(ChimneyInvariantId::A3, &d, &c, c.handle, w.str(), evidence);
            }
            else if (bytes != r->length)
            {
                std::ostringstream w;
                w << "graceful disconnect reports " << bytes << " bytes, its data is " << r->length;
                m_reporter.Report(ChimneyInvariantId::A3, &d, &c, c.handle, w.str(), evidence);
            }
            // E1: the peer acknowledged the FIN, so it received every byte sent before it;
            // each of those bytes was compared with the posted data when it went out.
        }
    }
    else
    {
        if (sendsLeft)
        {
            m_reporter.Report(ChimneyInvariantId::A5,
                              &d,
                              &c,
                              c.handle,
                              "abortive disconnect completed before every send completed",
                              evidence);
        }
        if (c.graceful.outstanding)
        {
            m_reporter.Report(
                ChimneyInvariantId::A5,
                &d,
                &c,
                c.handle,
                "abortive disconnect completed before the pending graceful disconnect",
                evidence);
        }
    }
    return true;
}

void
ChimneyVerifierInterfaceChecker::CheckMatchedCompletion(const ShadowDevice& d,
                                                        const ShadowConnection& c,
                                                        const char* kind,
                                                        uint64_t requestEvent,
                                                        const Ptr<const NetBufferList>& nbl,
                                                        ChimneyStatus status,
                                                        uint64_t bytes,
                                                        bool quoteNblStatus,
                                                        const ChimneyEvidence& evidence)
{
    const uint64_t event = Simulator::GetEventCount();
    if (event != 0 && event == requestEvent)
    {
        m_reporter.Report(ChimneyInvariantId::A1,
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
        m_reporter.Report(ChimneyInvariantId::A2, &d, &c, c.handle, why, evidence);
    }
}

void
ChimneyVerifierInterfaceChecker::CheckAbortIndicationCompletion(const ShadowDevice& d,
                                                                const ShadowConnection& c,
                                                                const char* kind,
                                                                bool mustAbort,
                                                                ChimneyStatus status,
                                                                const ChimneyEvidence& evidence)
{
    if (mustAbort && status != ChimneyStatus::REQUEST_ABORTED)
    {
        m_reporter.Report(ChimneyInvariantId::A8,
                          &d,
                          &c,
                          c.handle,
                          std::string(kind) +
                              " outstanding at the Abort indication did not complete "
                              "REQUEST_ABORTED",
                          evidence);
    }
}

bool
ChimneyVerifierInterfaceChecker::CheckAbortedOrUploaded(const ShadowDevice& d,
                                                        const ShadowConnection& c,
                                                        const char* kind,
                                                        ChimneyStatus status,
                                                        const ChimneyEvidence& evidence)
{
    if (status == ChimneyStatus::REQUEST_ABORTED)
    {
        // The host's abortive disconnect aborts the connection even where it needs no RST (both
        // FINs done): later requests complete REQUEST_ABORTED (doc: "Requests after an abortive
        // disconnect").
        if (!c.Aborted() && !c.abortiveIssued)
        {
            m_reporter.Report(ChimneyInvariantId::A8,
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
            m_reporter.Report(ChimneyInvariantId::A9,
                              &d,
                              &c,
                              c.handle,
                              std::string(kind) +
                                  " completed UPLOAD_IN_PROGRESS without a terminate",
                              evidence);
        }
        return true;
    }
    return false;
}

void
ChimneyVerifierInterfaceChecker::ReportOffloadNotOutstanding(const ShadowDevice& d,
                                                             const ShadowConnection* c,
                                                             OffloadHandle handle,
                                                             const ChimneyEvidence& evidence)
{
    m_reporter.Report(ChimneyInvariantId::A2,
                      &d,
                      c,
                      handle,
                      "offload block completion for a connection whose offload is not outstanding",
                      evidence);
}

// ---------------------------------------------------------------------------------------------
// Indications
// ---------------------------------------------------------------------------------------------

bool
ChimneyVerifierInterfaceChecker::CheckDisconnectIndication(const ShadowDevice& d,
                                                           const ShadowConnection& c,
                                                           const ChimneyEvidence& evidence)
{
    if (c.remoteFin > 0)
    {
        m_reporter.Exercised(Inv::A7);
    }
    if (c.disconnectIndicated || c.remoteFinAtOffload)
    {
        m_reporter.Report(ChimneyInvariantId::A7,
                          &d,
                          &c,
                          c.handle,
                          "Disconnect indicated more than once",
                          evidence);
    }
    else if (c.remoteFin < 0 || c.wire < c.remoteFin)
    {
        m_reporter.Report(ChimneyInvariantId::A7,
                          &d,
                          &c,
                          c.handle,
                          "Disconnect indicated before the remote FIN arrived in order",
                          evidence);
    }
    else if (!c.blind && c.delivered < c.remoteFin)
    {
        std::ostringstream w;
        w << "Disconnect indicated with " << (c.remoteFin - c.delivered)
          << " bytes before the FIN not delivered";
        m_reporter.Report(ChimneyInvariantId::A7, &d, &c, c.handle, w.str(), evidence);
    }
    else
    {
        return true;
    }
    return false;
}

void
ChimneyVerifierInterfaceChecker::CheckAbortIndication(const ShadowDevice& d,
                                                      const ShadowConnection& c,
                                                      const ChimneyEvidence& evidence)
{
    if (c.AnyOutstanding())
    {
        m_reporter.Exercised(Inv::A8);
    }
    if (!c.acceptableRst && !c.hwFailure)
    {
        m_reporter.Report(ChimneyInvariantId::A8,
                          &d,
                          &c,
                          c.handle,
                          c.remoteRst ? "Abort indicated for an RST that was not acceptable"
                                      : "Abort indicated without an RST from the remote",
                          evidence);
    }
}

// ---------------------------------------------------------------------------------------------
// Coverage only
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifierInterfaceChecker::NoteAcceptedRequest(const ShadowConnection* c,
                                                     const ShadowPendingCall& call)
{
    if (c == nullptr)
    {
        return;
    }
    const bool afterRemoteFin =
        call.op == ChimneyOp::RECEIVE && c->remoteFin >= 0 && c->wire >= c->remoteFin;
    if (c->Aborted() || c->terminateRequested || afterRemoteFin)
    {
        m_reporter.Exercised(Inv::A1);
    }
}

void
ChimneyVerifierInterfaceChecker::NoteRemoteRst(const ShadowConnection& c)
{
    if (!c.acceptableRst)
    {
        m_reporter.Exercised(Inv::A8);
    }
}

void
ChimneyVerifierInterfaceChecker::NoteRemoteAfterTerminate()
{
    m_reporter.Exercised(Inv::A10);
}

// ---------------------------------------------------------------------------------------------
// Host stack and intermediate drivers (A1 from the caller's side, A11)
// ---------------------------------------------------------------------------------------------

void
ChimneyVerifierInterfaceChecker::OnDeviceRequest(const ShadowDevice& d, uint64_t id, uint32_t flags)
{
    if (d.host == nullptr)
    {
        return;
    }
    Track& t = TracksOf(*d.host)[id];
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
        m_reporter.Report(ChimneyInvariantId::A11, &d, nullptr, 0, w.str(), "");
    }
}

void
ChimneyVerifierInterfaceChecker::OnDeviceCompletion(const ShadowDevice& d, uint64_t id)
{
    if (d.host == nullptr)
    {
        return;
    }
    if (Track* t = TracksOf(*d.host).Find(id))
    {
        t->devCompleted = true;
    }
}

void
ChimneyVerifierInterfaceChecker::OnSendReturned(const ShadowDevice& d, uint64_t id)
{
    if (d.host != nullptr)
    {
        TracksOf(*d.host).Erase(id); // handed back in the terminate's chain, not completed up
    }
}

void
ChimneyVerifierInterfaceChecker::OnHostCall(const ShadowHost& h,
                                            ChimneyOp op,
                                            OffloadHandle handle,
                                            uint64_t id,
                                            uint32_t flags,
                                            ChimneyStatus returned)
{
    if (returned != ChimneyStatus::PENDING)
    {
        return;
    }
    const ShadowDevice* d = h.FirstDevice();
    Tracks& tracks = TracksOf(h);
    const Track* seen = tracks.Find(id);
    if (seen != nullptr && seen->upcalled)
    {
        m_reporter.Report(ChimneyInvariantId::A1,
                          d,
                          nullptr,
                          handle,
                          "the host received the completion before its request call returned",
                          ShadowCallText(op, handle, id, flags, returned));
        tracks.Erase(id);
        return;
    }
    Track& t = tracks[id];
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
        m_reporter.Report(ChimneyInvariantId::A11,
                          d,
                          nullptr,
                          handle,
                          w.str(),
                          ShadowCallText(op, handle, id, flags, returned));
    }
}

void
ChimneyVerifierInterfaceChecker::OnHostUpcall(const ShadowHost& h,
                                              ChimneyOp op,
                                              OffloadHandle handle,
                                              uint64_t id,
                                              ChimneyStatus status,
                                              uint64_t bytes)
{
    const ShadowDevice* d = h.FirstDevice();
    Tracks& tracks = TracksOf(h);
    const Track* found = tracks.Find(id);
    if (found == nullptr || !found->hostCalled)
    {
        // Either completed inside the call (A1, seen when the call returns) or never issued.
        Track& t = tracks[id];
        t.upcalled = true;
        t.since = Simulator::Now();
        return;
    }
    const Track& t = *found;
    const bool refusal =
        status == ChimneyStatus::INVALID_PARAMETER || status == ChimneyStatus::INVALID_STATE;
    if (!t.devCompleted && !refusal)
    {
        m_reporter.Report(ChimneyInvariantId::A11,
                          d,
                          nullptr,
                          handle,
                          "the host received a completion the target never made",
                          ShadowCompletionText(op, handle, id, status, bytes));
    }
    tracks.Erase(id);
}

ChimneyVerifierInterfaceChecker::LayerIssuers*
ChimneyVerifierInterfaceChecker::AddLayer()
{
    m_layers.push_back(std::make_unique<LayerIssuers>());
    return m_layers.back().get();
}

void
ChimneyVerifierInterfaceChecker::OnLayerRequest(LayerIssuers& l,
                                                const std::string& upper,
                                                uint64_t id,
                                                ChimneyStatus returned)
{
    if (returned == ChimneyStatus::PENDING)
    {
        l.issuer.emplace(id, upper);
        l.uppers.insert(upper);
    }
}

void
ChimneyVerifierInterfaceChecker::OnLayerCompletion(LayerIssuers& l,
                                                   const std::string& upper,
                                                   ChimneyOp op,
                                                   OffloadHandle handle,
                                                   uint64_t id,
                                                   ChimneyStatus status)
{
    // Ids are each upper's own: the request is the one of this id issued by this upper, if any.
    auto range = l.issuer.equal_range(id);
    if (range.first == range.second)
    {
        return;
    }
    if (l.uppers.size() >= 2)
    {
        m_reporter.Exercised(Inv::A11);
    }
    auto it = range.first;
    while (it != range.second && it->second != upper)
    {
        ++it;
    }
    if (it == range.second)
    {
        it = range.first;
        m_reporter.Report(ChimneyInvariantId::A11,
                          nullptr,
                          nullptr,
                          handle,
                          "an intermediate layer passed a completion to '" + upper + "', but '" +
                              it->second + "' issued the request",
                          ShadowCompletionText(op, handle, id, status, 0));
    }
    if (op != ChimneyOp::OFFLOAD_BLOCK && op != ChimneyOp::TERMINATE_BLOCK)
    {
        l.issuer.erase(it);
    }
}

void
ChimneyVerifierInterfaceChecker::FinishHost(const ShadowHost& h)
{
    const ShadowDevice* d = h.FirstDevice();
    const Tracks& all = TracksOf(h);
    std::vector<std::pair<uint64_t, Track>> tracks;
    all.ForEach([&tracks](uint64_t id, const Track& t) { tracks.emplace_back(id, t); });
    std::sort(tracks.begin(), tracks.end(), [](const auto& a, const auto& b) {
        return a.first < b.first;
    });
    for (const auto& [id, t] : tracks)
    {
        const bool old = Simulator::Now() - t.since > m_requestTimeout;
        const std::string what = "request id " + std::to_string(id);
        if (t.upcalled && !t.hostCalled)
        {
            m_reporter.Report(ChimneyInvariantId::A11,
                              d,
                              nullptr,
                              0,
                              "the host received a completion for a request it did not issue",
                              what);
        }
        else if (t.hostCalled && t.devCompleted)
        {
            m_reporter.Report(ChimneyInvariantId::A11,
                              d,
                              nullptr,
                              0,
                              "completed by the target but never delivered to the protocol that "
                              "issued it",
                              what);
        }
        else if (t.hostCalled && !t.devSeen && old)
        {
            m_reporter.Report(ChimneyInvariantId::A11,
                              d,
                              nullptr,
                              0,
                              "the host's request never reached the target",
                              what);
        }
    }
}

void
ChimneyVerifierInterfaceChecker::Clear()
{
    m_tracks.clear();
    m_layers.clear();
}

} // namespace ns3
