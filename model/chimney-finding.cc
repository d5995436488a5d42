/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-finding.h"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

namespace ns3
{

const std::vector<ChimneyInvariant>&
ChimneyInvariantCatalog()
{
    // SPEC.md section 4, in catalog order. IDs are stable: add, never renumber.
    static const std::vector<ChimneyInvariant> catalog = {
        {"W1", "no payload byte at or beyond the FIN's sequence number, ever"},
        {"W2", "FIN sequence == end of every byte posted before the graceful disconnect"},
        {"W3", "one FIN sequence number per direction; retransmitted FINs carry the same one"},
        {"W4", "the target sends RST only after an abortive disconnect request"},
        {"W5", "after the target's RST, the target sends nothing more on that connection"},
        {"W6", "after an abortive disconnect, the target acknowledges nothing it receives"},
        {"W7",
         "after the target's FIN the receive half stays open: remote data is acknowledged "
         "and delivered"},
        {"W8", "after terminate completes, the target sends nothing for that connection"},
        {"W9",
         "sent sequence numbers never exceed posted data; ACK numbers never exceed "
         "received data; the target never sends SYN"},
        {"W10", "the RST carries seq == SndNxt (acceptable at the peer)"},
        {"A1", "requests return PENDING; no completion inside the call"},
        {"A2", "exactly one completion per request, with the same NBL"},
        {"A3",
         "graceful SUCCESS only after FIN and all data are acknowledged on the wire; bytes "
         "reported == bytes acknowledged"},
        {"A4", "sends complete in posting order, all before the disconnect completion"},
        {"A5",
         "on abort, outstanding sends complete REQUEST_ABORTED before the disconnect "
         "completes"},
        {"A6", "a disconnect fails only with UPLOAD_IN_PROGRESS or REQUEST_ABORTED"},
        {"A7",
         "Disconnect indication at most once, only after remote FIN and all earlier data "
         "delivered"},
        {"A8",
         "Abort indication only for an acceptable RST; then outstanding requests "
         "REQUEST_ABORTED"},
        {"A9",
         "terminate: status SUCCESS/FAILURE, outstanding requests completed first, send "
         "chain and SndUna/SndNxt/SndMax consistent with the wire"},
        {"A10", "no completion or indication for a connection after its terminate completes"},
        {"A11",
         "an intermediate layer passes the same NBL and flags down and the same NBL up, "
         "to the upper protocol that issued it"},
        {"R1", "no resource of a connection is freed before its terminate completes"},
        {"R2", "every resource of a terminated connection is freed when its terminate completes"},
        {"R3", "no double free; no use after free"},
        {"R4", "at the end of a run nothing is held for terminated connections or by nobody"},
        {"R5",
         "offloaded connections never exceed the NIC's capacity; an offload beyond it fails "
         "cleanly"},
        {"E1",
         "graceful close: the remote receives exactly the bytes sent, in order, once, then "
         "end-of-stream"},
        {"E2", "abortive close: the remote receives a prefix of what was sent, then a reset"},
        {"E3",
         "after a hardware failure the host reports the connection failed; no byte is "
         "invented"},
        {"H1", "request on an unknown, never-offloaded or already-terminated handle"},
        {"H2", "disconnect NBL without exactly one NET_BUFFER; abortive disconnect carrying data"},
        {"H3", "disconnect flags other than GRACEFUL or ABORTIVE"},
        {"H4", "a second graceful disconnect, or any disconnect after an abortive one"},
        {"H5", "send after a graceful disconnect was issued"},
        {"H6",
         "a second terminate while one is pending; terminate inside a disconnect or "
         "receive call"},
        {"H7", "offload in a forbidden TCP state, or while the connection is already offloaded"},
    };
    return catalog;
}

bool
IsChimneyInvariantId(const std::string& id)
{
    const auto& catalog = ChimneyInvariantCatalog();
    return std::any_of(catalog.begin(), catalog.end(), [&id](const ChimneyInvariant& i) {
        return id == i.id;
    });
}

namespace
{

std::string
Endpoint(Ipv4Address address, uint16_t port)
{
    std::ostringstream s;
    s << address << ":" << port;
    return s.str();
}

bool
HasTuple(const ChimneyFinding& f)
{
    return f.localPort != 0 || f.remotePort != 0;
}

} // namespace

std::string
ChimneyFinding::TupleString() const
{
    if (!HasTuple(*this))
    {
        return "-";
    }
    return Endpoint(localAddress, localPort) + " > " + Endpoint(remoteAddress, remotePort);
}

std::ostream&
operator<<(std::ostream& os, const ChimneyFinding& f)
{
    os << "[" << f.id << "] " << std::fixed << std::setprecision(6) << f.time.GetSeconds()
       << "s node " << f.nodeId << " " << f.device << " h=" << f.handle << " " << f.TupleString()
       << ": " << f.description;
    if (!f.evidence.empty())
    {
        os << " -- " << f.evidence;
    }
    return os;
}

std::string
JsonEscape(const std::string& s)
{
    std::string out;
    out.reserve(s.size() + 8);
    for (const char ch : s)
    {
        const auto c = static_cast<unsigned char>(ch);
        switch (c)
        {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (c < 0x20)
            {
                char buf[8];
                std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                out += buf;
            }
            else
            {
                out += ch;
            }
        }
    }
    return out;
}

ChimneyFindingLog::ChimneyFindingLog(size_t maxStored)
    : m_maxStored(maxStored)
{
}

void
ChimneyFindingLog::Add(const ChimneyFinding& finding)
{
    ++m_total;
    ++m_counts[finding.id];
    if (m_findings.size() < m_maxStored)
    {
        m_findings.push_back(finding);
    }
}

void
ChimneyFindingLog::AddSuppressed()
{
    ++m_suppressed;
}

void
ChimneyFindingLog::SetMaxStored(size_t maxStored)
{
    m_maxStored = maxStored;
}

uint64_t
ChimneyFindingLog::GetTotal() const
{
    return m_total;
}

uint64_t
ChimneyFindingLog::GetSuppressed() const
{
    return m_suppressed;
}

uint64_t
ChimneyFindingLog::GetCount(const std::string& id) const
{
    auto it = m_counts.find(id);
    return it == m_counts.end() ? 0 : it->second;
}

std::map<std::string, uint64_t>
ChimneyFindingLog::GetCounts() const
{
    std::map<std::string, uint64_t> counts;
    for (const auto& invariant : ChimneyInvariantCatalog())
    {
        counts[invariant.id] = GetCount(invariant.id);
    }
    return counts;
}

const std::vector<ChimneyFinding>&
ChimneyFindingLog::GetFindings() const
{
    return m_findings;
}

void
ChimneyFindingLog::WriteJson(std::ostream& os,
                             Time now,
                             const std::vector<std::pair<std::string, uint64_t>>& extra) const
{
    os << "{\n  \"schema\": \"chimney-verifier-report/1\",\n  \"summary\": {\n";
    os << "    \"clean\": " << (m_total == 0 ? "true" : "false") << ",\n";
    os << "    \"findings\": " << m_total << ",\n";
    os << "    \"stored\": " << m_findings.size() << ",\n";
    os << "    \"suppressed\": " << m_suppressed << ",\n";
    for (const auto& field : extra)
    {
        os << "    \"" << JsonEscape(field.first) << "\": " << field.second << ",\n";
    }
    os << "    \"simTimeSeconds\": " << std::setprecision(9) << std::fixed << now.GetSeconds()
       << "\n  },\n";
    os << "  \"counts\": {";
    const auto& catalog = ChimneyInvariantCatalog();
    for (size_t i = 0; i < catalog.size(); ++i)
    {
        os << (i ? ", " : "") << "\"" << catalog[i].id << "\": " << GetCount(catalog[i].id);
    }
    os << "},\n  \"exercised\": {";
    const auto exercised = m_exercised.GetOrdered();
    for (size_t i = 0; i < exercised.size(); ++i)
    {
        os << (i ? ", " : "") << "\"" << exercised[i].first << "\": " << exercised[i].second;
    }
    os << "},\n  \"findings\": [";
    for (size_t i = 0; i < m_findings.size(); ++i)
    {
        const ChimneyFinding& f = m_findings[i];
        const bool tuple = HasTuple(f);
        os << (i ? ",\n" : "\n") << "    {\"id\": \"" << JsonEscape(f.id)
           << "\", \"timeSeconds\": " << std::setprecision(9) << f.time.GetSeconds()
           << ", \"timeNs\": " << f.time.GetNanoSeconds() << ", \"node\": " << f.nodeId
           << ", \"device\": \"" << JsonEscape(f.device) << "\", \"handle\": " << f.handle
           << ", \"local\": \"" << (tuple ? Endpoint(f.localAddress, f.localPort) : "")
           << "\", \"remote\": \"" << (tuple ? Endpoint(f.remoteAddress, f.remotePort) : "")
           << "\", \"description\": \"" << JsonEscape(f.description) << "\", \"evidence\": \""
           << JsonEscape(f.evidence) << "\"}";
    }
    os << (m_findings.empty() ? "],\n" : "\n  ],\n") << "  \"invariants\": {";
    for (size_t i = 0; i < catalog.size(); ++i)
    {
        os << (i ? ",\n" : "\n") << "    \"" << catalog[i].id << "\": \""
           << JsonEscape(catalog[i].text) << "\"";
    }
    os << "\n  }\n}\n";
}

void
ChimneyFindingLog::PrintSummary(std::ostream& os,
                                const std::vector<std::pair<std::string, uint64_t>>& extra,
                                size_t maxListed) const
{
    os << "Chimney verifier: " << m_total << " finding" << (m_total == 1 ? "" : "s");
    if (m_suppressed > 0)
    {
        os << " (+" << m_suppressed << " repeats suppressed)";
    }
    for (const auto& field : extra)
    {
        os << ", " << field.first << "=" << field.second;
    }
    os << "\n";
    os << std::left << std::setw(5) << "ID" << std::right << std::setw(7) << "count"
       << std::setw(10) << "exercised"
       << "  rule\n";
    for (const auto& invariant : ChimneyInvariantCatalog())
    {
        const uint64_t n = GetCount(invariant.id);
        os << std::left << std::setw(5) << invariant.id << std::right << std::setw(7) << n
           << std::setw(10) << m_exercised.Get(invariant.id) << (n > 0 ? " ! " : "   ")
           << invariant.text << "\n";
    }
    const auto never = m_exercised.Unexercised();
    if (!never.empty())
    {
        os << "Never exercised (" << never.size() << "):";
        for (const auto& id : never)
        {
            os << " " << id;
        }
        os << "\n";
    }
    const size_t listed = std::min(maxListed, m_findings.size());
    if (listed > 0)
    {
        os << "First " << listed << " of " << m_total << " findings:\n";
        for (size_t i = 0; i < listed; ++i)
        {
            os << "  " << m_findings[i] << "\n";
        }
    }
    os << std::defaultfloat;
}

} // namespace ns3
