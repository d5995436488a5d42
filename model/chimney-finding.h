/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_FINDING_H
#define CHIMNEY_FINDING_H

#include "chimney-invariant-coverage.h"
#include "chimney-types.h"

#include "ns3/ipv4-address.h"
#include "ns3/nstime.h"

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * A verifier finding (one broken SPEC section 4 invariant), the invariant catalog, and the
 * log that counts findings and writes them as a JSON report or a summary table.
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief One invariant of SPEC.md section 4: its stable ID and one line of text.
 */
struct ChimneyInvariant
{
    const char* id;   //!< "W1" .. "H7"
    const char* text; //!< the rule, one line
};

/**
 * \ingroup chimney
 * \brief Every invariant of SPEC.md section 4, in catalog order (W, A, R, E, H).
 * \returns the catalog
 */
const std::vector<ChimneyInvariant>& ChimneyInvariantCatalog();

/**
 * \ingroup chimney
 * \brief Whether an ID names an invariant of the catalog.
 * \param id e.g. "W1"
 * \returns true for a catalog ID
 */
bool IsChimneyInvariantId(const std::string& id);

/**
 * \ingroup chimney
 * \brief One violation of a SPEC section 4 invariant, as the verifier reports it.
 */
struct ChimneyFinding
{
    std::string id;                                //!< invariant ID, "W1" .. "H7"
    Time time;                                     //!< simulated time of the violation
    uint32_t nodeId = 0;                           //!< node of the offload target
    std::string device;                            //!< the chimney device's name
    OffloadHandle handle = INVALID_OFFLOAD_HANDLE; //!< the connection (0: none / block list)
    Ipv4Address localAddress;                      //!< 4-tuple, target side (0.0.0.0: unknown)
    uint16_t localPort = 0;                        //!< 4-tuple, target side
    Ipv4Address remoteAddress;                     //!< 4-tuple, peer side
    uint16_t remotePort = 0;                       //!< 4-tuple, peer side
    std::string description;                       //!< one line: what broke
    std::string evidence;                          //!< the segment or call that broke it (text)

    /// \returns "10.1.1.1:49153 > 10.1.1.2:9", or "-" when the tuple is unknown
    std::string TupleString() const;
};

/**
 * \ingroup chimney
 * \brief Stream a finding on one line: "[W1] 1.234567s node 0 dev ... : description (evidence)".
 * \param os the stream
 * \param finding the finding
 * \returns the stream
 */
std::ostream& operator<<(std::ostream& os, const ChimneyFinding& finding);

/**
 * \ingroup chimney
 * \brief Counts findings per invariant ID, keeps the first ones, counts how often each check
 *        was exercised non-trivially (ChimneyInvariantCoverage), and writes reports.
 *
 * JSON report schema ("chimney-verifier-report/1"), written by WriteJson():
 * \verbatim
 {
   "schema": "chimney-verifier-report/1",
   "summary": {
     "clean": true,               // no finding at all
     "findings": 0,               // findings reported (counted in "counts")
     "stored": 0,                 // findings listed in "findings" (at most the storage limit)
     "suppressed": 0,             // repeats of an ID on the same connection, counted only here
     "simTimeSeconds": 12.5,      // simulated time when the report was written
     <extra summary fields, all numbers>  (e.g. "devices", "connections", "segments")
   },
   "counts": { "W1": 0, ..., "H7": 0 },  // every catalog ID, in catalog order
   "exercised": { "W1": 12, ..., "H7": 0 }, // per ID: times the situation in which its check
                                            // could fail arose (chimney-verifier-*-checker.h)
   "findings": [
     { "id": "W1", "timeSeconds": 1.5, "timeNs": 1500000000, "node": 0,
       "device": "node0/chimney1", "handle": 1,
       "local": "10.1.1.1:49153", "remote": "10.1.1.2:9",   // "" when unknown
       "description": "...", "evidence": "..." }
   ],
   "invariants": { "W1": "no payload byte at or beyond ...", ... }
 }
 \endverbatim
 */
class ChimneyFindingLog
{
  public:
    /**
     * \param maxStored findings kept for the report (the counts are always complete)
     */
    explicit ChimneyFindingLog(size_t maxStored = 10000);

    /**
     * \brief Count a finding and keep it if there is room.
     * \param finding the finding
     */
    void Add(const ChimneyFinding& finding);

    /// Count a repeat that was not reported (same ID, same connection).
    void AddSuppressed();

    /// The situation in which id's check could fail arose. \param id the invariant
    void NoteExercised(ChimneyInvariantId id)
    {
        m_exercised.Note(id);
    }

    /// \returns how often each check was exercised non-trivially
    const ChimneyInvariantCoverage& GetExercised() const
    {
        return m_exercised;
    }

    /// \param maxStored findings kept from now on
    void SetMaxStored(size_t maxStored);

    /// \returns findings reported (stored or not)
    uint64_t GetTotal() const;
    /// \returns repeats counted by AddSuppressed()
    uint64_t GetSuppressed() const;
    /// \param id an invariant ID \returns its count
    uint64_t GetCount(const std::string& id) const;
    /// \returns count per ID, every catalog ID present
    std::map<std::string, uint64_t> GetCounts() const;
    /// \returns the findings kept, in the order reported
    const std::vector<ChimneyFinding>& GetFindings() const;

    /**
     * \brief Write the JSON report (schema in the class documentation).
     * \param os the stream
     * \param now simulated time to report
     * \param extra additional numeric summary fields (name, value)
     */
    void WriteJson(std::ostream& os,
                   Time now,
                   const std::vector<std::pair<std::string, uint64_t>>& extra) const;

    /**
     * \brief Write a human summary: one table row per ID (findings, times exercised), the IDs
     *        never exercised, then the first findings.
     * \param os the stream
     * \param extra the same summary fields as the JSON report
     * \param maxListed findings listed after the table
     */
    void PrintSummary(std::ostream& os,
                      const std::vector<std::pair<std::string, uint64_t>>& extra,
                      size_t maxListed = 20) const;

  private:
    size_t m_maxStored;
    uint64_t m_total{0};
    uint64_t m_suppressed{0};
    std::map<std::string, uint64_t> m_counts;
    std::vector<ChimneyFinding> m_findings;
    ChimneyInvariantCoverage m_exercised;
};

/**
 * \ingroup chimney
 * \brief Escape a string for a JSON string literal (quotes not included).
 * \param s the string
 * \returns the escaped text
 */
std::string JsonEscape(const std::string& s);

} // namespace ns3

#endif // CHIMNEY_FINDING_H
