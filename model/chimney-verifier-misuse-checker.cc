/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-verifier-misuse-checker.h"

#include "chimney-finding.h"

#include <algorithm>
#include <sstream>
#include <vector>

namespace ns3
{

ChimneyVerifierMisuseChecker::ChimneyVerifierMisuseChecker(ChimneyVerifierReporter& reporter)
    : m_reporter(reporter)
{
}

std::optional<ChimneyInvariantId>
ChimneyVerifierMisuseChecker::ExpectedMisuse(const ShadowDevice& d,
                                             const ShadowPendingCall& call,
                                             std::string* why) const
{
    // The same rules, in the same order, as SPEC section 4 H1-H7 (and the target's checks):
    // decided from the request stream alone.
    auto find = [&d](OffloadHandle h) -> const ShadowConnection* {
        const ShadowConnection* c = d.Find(h);
        return c == nullptr || c->phase == ShadowConnection::TERMINATED ? nullptr : c;
    };
    // Text only for a misuse found: this runs for every request.
    if (call.op == ChimneyOp::INITIATE_OFFLOAD)
    {
        if (!call.blocks || call.blocks->TcpBlockCount() == 0)
        {
            *why = "offload request without a TCP block";
            return ChimneyInvariantId::H7;
        }
        std::vector<OffloadHandle> handles;
        std::vector<ChimneyFourTuple> tuples;
        for (const auto& n : call.blocks->neighbors)
        {
            for (const auto& p : n.paths)
            {
                for (const auto& t : p.connections)
                {
                    const ChimneyFourTuple key{p.source.Get(),
                                               p.destination.Get(),
                                               t.localPort,
                                               t.remotePort};
                    if (t.handle == INVALID_OFFLOAD_HANDLE)
                    {
                        *why = "offload of the invalid handle 0";
                        return ChimneyInvariantId::H1;
                    }
                    if (!IsOffloadableState(t.delegated.state))
                    {
                        std::ostringstream w;
                        w << "offload in the forbidden TCP state " << ToString(t.delegated.state);
                        *why = w.str();
                        return ChimneyInvariantId::H7;
                    }
                    if (find(t.handle) != nullptr || d.byTuple.Contains(key) ||
                        std::count(handles.begin(), handles.end(), t.handle) != 0 ||
                        std::count(tuples.begin(), tuples.end(), key) != 0)
                    {
                        std::ostringstream w;
                        w << "offload of handle " << t.handle << " which is already offloaded";
                        *why = w.str();
                        return ChimneyInvariantId::H7;
                    }
                    handles.push_back(t.handle);
                    tuples.push_back(key);
                }
            }
        }
        return std::nullopt;
    }
    if (call.op == ChimneyOp::TERMINATE_OFFLOAD)
    {
        if (!call.blocks || call.blocks->TcpBlockCount() == 0)
        {
            *why = "terminate without a TCP block";
            return ChimneyInvariantId::H1;
        }
        std::vector<OffloadHandle> handles;
        for (const auto& n : call.blocks->neighbors)
        {
            for (const auto& p : n.paths)
            {
                for (const auto& t : p.connections)
                {
                    const ShadowConnection* c = find(t.handle);
                    if (c == nullptr || (c->phase == ShadowConnection::OFFLOADING && !c->allocated))
                    {
                        std::ostringstream w;
                        w << "terminate of handle " << t.handle
                          << " which is unknown, not offloaded or already terminated";
                        *why = w.str();
                        return ChimneyInvariantId::H1;
                    }
                    if (c->terminateRequested ||
                        std::count(handles.begin(), handles.end(), t.handle) != 0)
                    {
                        std::ostringstream w;
                        w << "second terminate of handle " << t.handle << " while one is pending";
                        *why = w.str();
                        return ChimneyInvariantId::H6;
                    }
                    handles.push_back(t.handle);
                }
            }
        }
        return std::nullopt;
    }
    // NBL requests: a usable handle first (H1).
    const ShadowConnection* c = find(call.handle);
    if (c == nullptr || (c->phase == ShadowConnection::OFFLOADING && !c->allocated))
    {
        *why = std::string(ToString(call.op)) +
               " on an unknown, not (yet) offloaded or terminated handle";
        return ChimneyInvariantId::H1;
    }
    if (call.op == ChimneyOp::SEND)
    {
        if (!call.nbl)
        {
            *why = "send without NBL";
            return ChimneyInvariantId::H2;
        }
        if (c->gracefulIssued || c->finAtOffload)
        {
            *why = "send after a graceful disconnect was issued";
            return ChimneyInvariantId::H5;
        }
        return std::nullopt;
    }
    if (call.op == ChimneyOp::RECEIVE)
    {
        if (!call.nbl)
        {
            *why = "receive without NBL";
            return ChimneyInvariantId::H2;
        }
        return std::nullopt;
    }
    if (call.op == ChimneyOp::DISCONNECT)
    {
        if (call.flags != TCP_DISCONNECT_GRACEFUL_CLOSE &&
            call.flags != TCP_DISCONNECT_ABORTIVE_CLOSE)
        {
            std::ostringstream w;
            w << "disconnect flags 0x" << std::hex << call.flags
              << " are neither GRACEFUL_CLOSE nor ABORTIVE_CLOSE";
            *why = w.str();
            return ChimneyInvariantId::H3;
        }
        if (!call.nbl || call.nbl->buffers.size() != 1 || call.nbl->next)
        {
            *why = "disconnect NBL without exactly one NET_BUFFER";
            return ChimneyInvariantId::H2;
        }
        if (call.flags == TCP_DISCONNECT_ABORTIVE_CLOSE && call.nbl->DataLength() > 0)
        {
            *why = "abortive disconnect carrying data";
            return ChimneyInvariantId::H2;
        }
        if (c->abortiveIssued)
        {
            *why = "disconnect after an abortive disconnect";
            return ChimneyInvariantId::H4;
        }
        if (call.flags == TCP_DISCONNECT_GRACEFUL_CLOSE && (c->gracefulIssued || c->finAtOffload))
        {
            *why = "second graceful disconnect";
            return ChimneyInvariantId::H4;
        }
        return std::nullopt;
    }
    return std::nullopt;
}

void
ChimneyVerifierMisuseChecker::CheckAccepted(const ShadowDevice& d,
                                            std::optional<ChimneyInvariantId> expected,
                                            const std::string& why,
                                            OffloadHandle handle,
                                            const ChimneyEvidence& evidence)
{
    if (expected)
    {
        m_reporter.Report(*expected,
                          &d,
                          nullptr,
                          handle,
                          "host misuse accepted by the target: " + why,
                          evidence);
    }
}

void
ChimneyVerifierMisuseChecker::CheckRefused(const ShadowDevice& d,
                                           const ShadowPendingCall& call,
                                           ChimneyStatus returned,
                                           std::optional<ChimneyInvariantId> expected,
                                           const std::string& why,
                                           const ChimneyEvidence& evidence)
{
    const bool clearRefusal =
        returned == ChimneyStatus::INVALID_PARAMETER || returned == ChimneyStatus::INVALID_STATE;
    const std::optional<ChimneyInvariantId> rule = expected ? expected : call.misuse;
    if (clearRefusal && rule)
    {
        m_reporter.Exercised(*rule);
    }
    if (clearRefusal && !call.misuse && expected)
    {
        m_reporter.Report(*expected,
                          &d,
                          nullptr,
                          call.handle,
                          "host misuse refused without a HostMisuse report: " + why,
                          evidence);
    }
}

bool
ChimneyVerifierMisuseChecker::CheckExpected(const ShadowDevice& d,
                                            const ShadowPendingCall& call,
                                            ChimneyStatus returned,
                                            ChimneyInvariantId announced,
                                            const ChimneyEvidence& evidence)
{
    const bool clearRefusal =
        returned == ChimneyStatus::INVALID_PARAMETER || returned == ChimneyStatus::INVALID_STATE;
    std::string why;
    if (returned == ChimneyStatus::PENDING)
    {
        why = "accepted by the target";
    }
    else if (!clearRefusal)
    {
        why = std::string("refused with ") + ToString(returned) +
              " (INVALID_PARAMETER or INVALID_STATE expected)";
    }
    else if (!call.misuse)
    {
        why = "refused without a HostMisuse report";
    }
    else if (*call.misuse != announced)
    {
        why = std::string("refused as ") + ToString(*call.misuse);
    }
    if (why.empty())
    {
        return true;
    }
    m_reporter.ReportEveryTime(announced,
                               &d,
                               d.Find(call.handle),
                               call.handle,
                               std::string("host misuse ") + ToString(announced) +
                                   " issued on purpose was " + why,
                               evidence);
    return false;
}

ChimneyInvariantId
ChimneyVerifierMisuseChecker::Relay(const ShadowDevice& d,
                                    const ShadowConnection* c,
                                    const std::string& reported,
                                    OffloadHandle handle,
                                    const std::string& text,
                                    bool expected)
{
    ChimneyInvariantId id;
    if (!ChimneyInvariantIdFromString(reported, &id) || reported[0] != 'H')
    {
        id = ChimneyInvariantId::H1; // a report we cannot classify still is host misuse
    }
    if (expected)
    {
        return id; // announced: the refusal is checked when the call returns
    }
    const std::string evidence = d.call.valid ? ToString(d.call.op) + std::string("(h=") +
                                                    std::to_string(d.call.handle) + ")"
                                              : "";
    // Host misuse is reported per call, never suppressed as a repeat on a connection.
    m_reporter.ReportEveryTime(id, &d, c, handle, "target refused host misuse: " + text, evidence);
    return id;
}

} // namespace ns3
