/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-resource-checker.h"

#include <algorithm>
#include <sstream>

namespace ns3
{

using Inv = ChimneyInvariantId;

ChimneyVerifierResourceChecker::ChimneyVerifierResourceChecker(ChimneyVerifierReporter& reporter,
                                                               const bool& requireTerminated)
    : m_reporter(reporter),
      m_requireTerminated(requireTerminated)
{
}

ChimneyVerifierResourceChecker::Ledger&
ChimneyVerifierResourceChecker::LedgerOf(const ShadowDevice& d)
{
    if (d.index >= m_ledgers.size())
    {
        m_ledgers.resize(d.index + 1);
    }
    return m_ledgers[d.index];
}

bool
ChimneyVerifierResourceChecker::OnAllocated(const ShadowDevice& d,
                                            const ShadowConnection* c,
                                            OffloadHandle handle,
                                            const ChimneyEvidence& evidence)
{
    Ledger& l = LedgerOf(d);
    ++l.held;
    if (d.capacity > 0 && l.held == d.capacity)
    {
        m_reporter.Exercised(Inv::R5);
    }
    if (d.capacity > 0 && l.held > d.capacity)
    {
        std::ostringstream w;
        w << l.held << " connections hold resources, the capacity is " << d.capacity;
        m_reporter.Report(ChimneyInvariantId::R5, &d, nullptr, handle, w.str(), evidence);
    }
    if (c == nullptr)
    {
        l.orphanHeld[handle]++; // held by nobody: R4 at Finish unless freed
        return false;
    }
    if (c->allocated && !c->freed)
    {
        m_reporter.Report(ChimneyInvariantId::R3,
                          &d,
                          c,
                          handle,
                          "a second resource allocated for the same connection",
                          evidence);
        l.orphanHeld[handle]++;
        return false;
    }
    return true;
}

bool
ChimneyVerifierResourceChecker::OnFreed(const ShadowDevice& d,
                                        const ShadowConnection* c,
                                        OffloadHandle handle,
                                        const ChimneyEvidence& evidence)
{
    Ledger& l = LedgerOf(d);
    if (c != nullptr && c->allocated && !c->freed)
    {
        --l.held;
        if (c->phase != ShadowConnection::TERMINATED)
        {
            m_reporter.Report(ChimneyInvariantId::R1,
                              &d,
                              c,
                              handle,
                              "resource freed before the connection's terminate completed",
                              evidence);
        }
        return true;
    }
    auto orphan = l.orphanHeld.find(handle);
    if (orphan != l.orphanHeld.end())
    {
        --l.held;
        if (--orphan->second == 0)
        {
            l.orphanHeld.erase(orphan);
        }
        return false;
    }
    m_reporter.Report(ChimneyInvariantId::R3,
                      &d,
                      c,
                      handle,
                      "resource freed that is not held (double free)",
                      evidence);
    return false;
}

void
ChimneyVerifierResourceChecker::CheckTransmission(const ShadowDevice& d,
                                                  const ShadowConnection& c,
                                                  const ChimneyEvidence& evidence)
{
    if (c.freed && c.phase != ShadowConnection::TERMINATED)
    {
        m_reporter.Report(ChimneyInvariantId::R3,
                          &d,
                          &c,
                          c.handle,
                          "transmission on a connection whose resources were freed",
                          evidence);
    }
}

void
ChimneyVerifierResourceChecker::CheckTransmissionAfterFailedOffload(const ShadowDevice& d,
                                                                    OffloadHandle handle,
                                                                    const ChimneyEvidence& evidence)
{
    m_reporter.Report(ChimneyInvariantId::R5,
                      &d,
                      nullptr,
                      handle,
                      "the target transmitted for a connection whose offload failed",
                      evidence);
}

void
ChimneyVerifierResourceChecker::OnOffloadFailed(const ShadowDevice& d,
                                                const ShadowConnection& c,
                                                ChimneyStatus status,
                                                const ChimneyEvidence& evidence)
{
    // SPEC 3.1: the connection stays in software, untouched; nothing held for it.
    m_reporter.Exercised(Inv::R5);
    if (c.allocated && !c.freed)
    {
        m_reporter.Report(ChimneyInvariantId::R5,
                          &d,
                          &c,
                          c.handle,
                          std::string("offload failed (") + ToString(status) +
                              ") but its resources are held",
                          evidence);
        LedgerOf(d).orphanHeld[c.handle]++; // still held, now by nobody: R4 unless freed
    }
}

void
ChimneyVerifierResourceChecker::CheckTerminateCompleted(const ShadowDevice& d,
                                                        const ShadowConnection& c,
                                                        const ChimneyEvidence& evidence)
{
    if (c.allocated)
    {
        m_reporter.Exercised(Inv::R2);
        if (c.finOff >= 0 || c.rstSent || c.remoteFin >= 0 || c.remoteRst || c.hwFailure)
        {
            m_reporter.Exercised(Inv::R1);
        }
        if (c.maxSent > c.acked)
        {
            m_reporter.Exercised(Inv::R3);
        }
    }
    if (c.allocated && !c.freed)
    {
        m_reporter.Report(ChimneyInvariantId::R2,
                          &d,
                          &c,
                          c.handle,
                          "resources still held when the terminate completed",
                          evidence);
    }
}

void
ChimneyVerifierResourceChecker::OnConnectionEnded(const ShadowDevice& d, const ShadowConnection& c)
{
    if (c.allocated && !c.freed)
    {
        LedgerOf(d).orphanHeld[c.handle]++; // R4 at Finish unless freed later
    }
}

void
ChimneyVerifierResourceChecker::FinishConnection(const ShadowDevice& d, const ShadowConnection& c)
{
    const OffloadHandle h = c.handle;
    if (c.AnyOutstanding())
    {
        m_reporter.Report(ChimneyInvariantId::R4,
                          &d,
                          &c,
                          h,
                          "a request was never completed",
                          "end of run");
    }
    if (c.phase == ShadowConnection::TERMINATED)
    {
        if (c.allocated && !c.freed)
        {
            m_reporter.Report(ChimneyInvariantId::R4,
                              &d,
                              &c,
                              h,
                              "resources still held for a terminated connection",
                              "end of run");
        }
    }
    else if (m_requireTerminated && c.phase != ShadowConnection::OFFLOADING)
    {
        m_reporter.Report(ChimneyInvariantId::R4,
                          &d,
                          &c,
                          h,
                          "the connection was never terminated",
                          "end of run");
    }
    else if (c.phase == ShadowConnection::OFFLOADING)
    {
        m_reporter.Report(ChimneyInvariantId::R4,
                          &d,
                          &c,
                          h,
                          "the offload request was never completed",
                          "end of run");
    }
}

void
ChimneyVerifierResourceChecker::FinishDevice(const ShadowDevice& d)
{
    if (!d.terminated.Empty())
    {
        m_reporter.Exercised(Inv::R4);
    }
    if (!d.lists.empty())
    {
        m_reporter.Report(ChimneyInvariantId::R4,
                          &d,
                          nullptr,
                          0,
                          std::to_string(d.lists.size()) + " block-list request(s) never completed",
                          "end of run");
    }
    std::vector<OffloadHandle> orphans;
    for (const auto& e : LedgerOf(d).orphanHeld)
    {
        orphans.push_back(e.first);
    }
    std::sort(orphans.begin(), orphans.end());
    for (OffloadHandle h : orphans)
    {
        m_reporter.Report(ChimneyInvariantId::R4,
                          &d,
                          nullptr,
                          h,
                          d.terminated.Contains(h)
                              ? "resources still held for a terminated connection"
                              : "resources held by nobody (no offloaded connection owns them)",
                          "end of run");
    }
}

void
ChimneyVerifierResourceChecker::Clear()
{
    m_ledgers.clear();
}

} // namespace ns3
