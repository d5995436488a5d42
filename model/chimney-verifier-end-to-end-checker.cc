/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-end-to-end-checker.h"

#include "ns3/simulator.h"

#include <algorithm>
#include <cstring>
#include <sstream>

namespace ns3
{

using Inv = ChimneyInvariantId;

ChimneyVerifierEndToEndChecker::ChimneyVerifierEndToEndChecker(ChimneyVerifierReporter& reporter)
    : m_reporter(reporter)
{
}

void
ChimneyVerifierEndToEndChecker::CheckTransmission(const ShadowDevice& d,
                                                  const ShadowConnection& c,
                                                  const ChimneyEvidence& evidence)
{
    if (c.hwFailure)
    {
        m_reporter.Report(ChimneyInvariantId::E3,
                          &d,
                          &c,
                          c.handle,
                          "the failed target transmitted",
                          evidence);
    }
}

void
ChimneyVerifierEndToEndChecker::CheckSentBytes(const ShadowDevice& d,
                                               const ShadowConnection& c,
                                               const WireSegment& w,
                                               int64_t o,
                                               const ChimneyEvidence& evidence)
{
    // Each byte is the byte posted at that position.
    const int64_t len = static_cast<int64_t>(w.PayloadSize());
    const uint8_t* payload = w.PayloadData();
    const int64_t from = std::max<int64_t>(o, 0);
    const int64_t to = std::min(o + len, c.posted);
    if (from < to && (c.abortiveIssued || o < c.maxSent))
    {
        m_reporter.Exercised(c.abortiveIssued ? Inv::E2 : Inv::E1);
    }
    auto first = std::upper_bound(c.chunks.begin() + c.chunkHead,
                                  c.chunks.end(),
                                  from,
                                  [](int64_t v, const ShadowChunk& k) {
                                      return v < k.start + static_cast<int64_t>(k.length);
                                  });
    bool same = true;
    for (auto k = first; k != c.chunks.end() && k->start < to && same; ++k)
    {
        int64_t pos = k->start;
        auto cmp = [&](const uint8_t* p, size_t n) {
            const int64_t a = std::max(pos, from);
            const int64_t b = std::min<int64_t>(pos + static_cast<int64_t>(n), to);
            if (a < b && std::memcmp(p + (a - pos), payload + (a - o), b - a) != 0)
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
        m_reporter.Report(c.abortiveIssued ? ChimneyInvariantId::E2 : ChimneyInvariantId::E1,
                          &d,
                          &c,
                          c.handle,
                          "bytes on the wire differ from the bytes posted at the same sequence "
                          "numbers",
                          evidence);
    }
}

bool
ChimneyVerifierEndToEndChecker::CheckReceiveCompletion(const ShadowDevice& d,
                                                       const ShadowConnection& c,
                                                       const ShadowReceiveRequest& r,
                                                       ChimneyStatus status,
                                                       uint64_t bytes,
                                                       const ChimneyEvidence& evidence)
{
    if (r.nbl && bytes > r.nbl->DataLength())
    {
        m_reporter.Report(ChimneyInvariantId::E1,
                          &d,
                          &c,
                          c.handle,
                          "receive reports more bytes than its buffers hold",
                          evidence);
        return false;
    }
    if (status != ChimneyStatus::SUCCESS)
    {
        if (!c.Aborted())
        {
            m_reporter.Report(ChimneyInvariantId::E1,
                              &d,
                              &c,
                              c.handle,
                              "received bytes completed in a failed receive are lost to the host",
                              evidence);
        }
        return false;
    }
    if (c.hwFailure)
    {
        m_reporter.Report(ChimneyInvariantId::E3,
                          &d,
                          &c,
                          c.handle,
                          "bytes delivered after the hardware failure",
                          evidence);
    }
    return true;
}

void
ChimneyVerifierEndToEndChecker::CheckDelivered(const ShadowDevice& d,
                                               ShadowConnection& c,
                                               const ChimneyEvidence& evidence)
{
    if (c.delivered > c.wire)
    {
        std::ostringstream w;
        w << "delivered " << c.delivered << " bytes, the remote's stream on the wire has only "
          << c.wire;
        m_reporter.Report(ChimneyInvariantId::E1, &d, &c, c.handle, w.str(), evidence);
        return;
    }
    const bool snap = c.SnapshotAtDelivered();
    if (snap)
    {
        m_reporter.Exercised(Inv::E1);
    }
    if (snap && c.deliveredDiffers)
    {
        m_reporter.Report(ChimneyInvariantId::E1,
                          &d,
                          &c,
                          c.handle,
                          "bytes delivered to the host differ from the remote's stream on the wire",
                          evidence);
    }
    c.ReleaseSnapshots(snap);
}

void
ChimneyVerifierEndToEndChecker::CheckAbortiveCompletion(const ShadowDevice& d,
                                                        ShadowConnection& c,
                                                        const ShadowDisconnectRequest* r,
                                                        ChimneyStatus status,
                                                        const ChimneyEvidence& evidence)
{
    if (status == ChimneyStatus::SUCCESS)
    {
        m_reporter.Exercised(Inv::E2);
    }
    if (status != ChimneyStatus::SUCCESS || c.rstSent)
    {
        return;
    }
    // SUCCESS means the RST was sent, or there was nothing left to reset: the remote's FIN came
    // before the request and ours went out before the target took it (CLOSING, LAST-ACK: RFC
    // 9293's ABORT sends no RST). Our FIN may still be queued on the link: decided at the
    // terminate or at Finish (CheckAbortiveWithoutRst).
    if (r != nullptr && r->afterRemoteFin)
    {
        c.abortiveWithoutRst = true;
        return;
    }
    m_reporter.Report(ChimneyInvariantId::E2,
                      &d,
                      &c,
                      c.handle,
                      "abortive disconnect SUCCESS but no RST was seen on the wire",
                      evidence);
}

void
ChimneyVerifierEndToEndChecker::CheckAbortiveWithoutRst(const ShadowDevice& d,
                                                        const ShadowConnection& c,
                                                        const ChimneyEvidence& evidence)
{
    if (c.abortiveWithoutRst && !c.rstSent && c.finOff < 0)
    {
        m_reporter.Report(ChimneyInvariantId::E2,
                          &d,
                          &c,
                          c.handle,
                          "abortive disconnect SUCCESS after the remote's FIN, but neither an RST "
                          "nor our FIN was seen on the wire",
                          evidence);
    }
}

void
ChimneyVerifierEndToEndChecker::CheckTerminateStatus(const ShadowDevice& d,
                                                     const ShadowConnection& c,
                                                     ChimneyStatus status,
                                                     const ChimneyEvidence& evidence)
{
    if (c.hwFailure)
    {
        m_reporter.Exercised(Inv::E3);
    }
    if (c.hwFailure && status != ChimneyStatus::FAILURE)
    {
        m_reporter.Report(ChimneyInvariantId::E3,
                          &d,
                          &c,
                          c.handle,
                          "terminate after a hardware failure did not report FAILURE: the host "
                          "would continue from lost state",
                          evidence);
    }
}

void
ChimneyVerifierEndToEndChecker::CheckReturnedSendData(const ShadowDevice& d,
                                                      const ShadowConnection& c,
                                                      const TcpDelegatedState& s,
                                                      const ChimneyEvidence& evidence)
{
    const int64_t dataStart = c.SendOff(s.sendDataSeq);
    const int64_t dataEnd = dataStart + static_cast<int64_t>(s.sendData.size());
    if (!s.sendData.empty())
    {
        m_reporter.Exercised(Inv::E1);
    }
    if (dataEnd != c.posted)
    {
        std::ostringstream w;
        w << "returned send data ends at offset " << dataEnd << ", the data posted ends at "
          << c.posted << ": bytes " << (dataEnd < c.posted ? "lost" : "invented")
          << " across the upload";
        m_reporter.Report(ChimneyInvariantId::E1, &d, &c, c.handle, w.str(), evidence);
        return;
    }
    // Compare the returned bytes with the posted ones still referenced.
    for (uint32_t i = c.chunkHead; i < c.chunks.size(); ++i)
    {
        const ShadowChunk& k = c.chunks[i];
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
            m_reporter.Report(ChimneyInvariantId::E1,
                              &d,
                              &c,
                              c.handle,
                              "returned send data differs from the data posted",
                              evidence);
            break;
        }
    }
}

void
ChimneyVerifierEndToEndChecker::CheckReturnedReceiveData(const ShadowDevice& d,
                                                         const ShadowConnection& c,
                                                         const TcpDelegatedState& s,
                                                         const ChimneyEvidence& evidence)
{
    // Everything received was delivered or is handed back.
    const int64_t rcvNxt = c.RecvOff(s.rcvNxt);
    const int64_t rcvDataEnd = rcvNxt - (s.remoteFinReceived ? 1 : 0);
    const int64_t accounted = c.delivered + static_cast<int64_t>(s.receiveData.size());
    if (!s.receiveData.empty())
    {
        m_reporter.Exercised(Inv::E1);
    }
    if (accounted != rcvDataEnd)
    {
        std::ostringstream w;
        w << "received data across the upload: " << c.delivered << " delivered + "
          << s.receiveData.size() << " handed back != " << rcvDataEnd << " received";
        m_reporter.Report(ChimneyInvariantId::E1, &d, &c, c.handle, w.str(), evidence);
        return;
    }
    // Delivered so far equal to the wire, and the rest is the wire's bytes not yet delivered.
    const bool same =
        !c.deliveredDiffers && c.undelivered.Size() >= s.receiveData.size() &&
        (s.receiveData.empty() ||
         std::memcmp(s.receiveData.data(), c.undelivered.Data(), s.receiveData.size()) == 0);
    for (uint32_t i = c.snapHead; i < c.snaps.size(); ++i)
    {
        if (c.snaps[i] == rcvDataEnd)
        {
            if (!same)
            {
                m_reporter.Report(ChimneyInvariantId::E1,
                                  &d,
                                  &c,
                                  c.handle,
                                  "received data delivered or handed back differs from the "
                                  "remote's stream",
                                  evidence);
            }
            break;
        }
    }
}

ChimneyVerifierEndToEndChecker::Failing&
ChimneyVerifierEndToEndChecker::FailingOf(const ShadowHost& h)
{
    if (h.index >= m_failing.size())
    {
        m_failing.resize(h.index + 1);
    }
    return m_failing[h.index];
}

void
ChimneyVerifierEndToEndChecker::OnTerminated(const ShadowDevice& d, const ShadowConnection& c)
{
    if (d.host != nullptr && c.hwFailure)
    {
        FailingOf(*d.host)[c.handle] = Simulator::Now();
    }
}

void
ChimneyVerifierEndToEndChecker::OnHostPhase(const ShadowHost& h,
                                            OffloadHandle handle,
                                            const std::string& to,
                                            const std::string& detail)
{
    Failing& failing = FailingOf(h);
    auto it = failing.find(handle);
    if (it == failing.end())
    {
        return;
    }
    // After a hardware failure the host reports the connection failed.
    m_reporter.Exercised(Inv::E3);
    if (to == "SOFTWARE" || (to == "ENDED" && detail != "FAILED"))
    {
        m_reporter.Report(ChimneyInvariantId::E3,
                          h.FirstDevice(),
                          nullptr,
                          handle,
                          "after the hardware failure the host did not report the connection "
                          "failed",
                          "host phase -> " + to + " (" + detail + ")");
    }
    if (to == "ENDED" || to == "SOFTWARE")
    {
        failing.erase(it);
    }
}

void
ChimneyVerifierEndToEndChecker::FinishHost(const ShadowHost& h)
{
    for (const auto& f : FailingOf(h))
    {
        m_reporter.Report(ChimneyInvariantId::E3,
                          h.FirstDevice(),
                          nullptr,
                          f.first,
                          "after the hardware failure the host never reported the connection "
                          "failed",
                          "end of run");
    }
}

void
ChimneyVerifierEndToEndChecker::Clear()
{
    m_failing.clear();
}

} // namespace ns3
