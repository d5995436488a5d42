/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_INVARIANT_COVERAGE_H
#define CHIMNEY_INVARIANT_COVERAGE_H

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * Invariant coverage: how often each SPEC.md section 4 check was *exercised non-trivially*,
 * i.e. the situation in which that check could actually fail arose (what that is, per
 * invariant, is written at the top of each checker, chimney-verifier-*-checker.h).
 */

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Every invariant ID of SPEC.md section 4, in catalog order: the index into
 *        ChimneyInvariantCatalog() (chimney-finding.h), which holds the ID strings and texts.
 */
enum class ChimneyInvariantId : uint8_t
{
    W1,
    W2,
    W3,
    W4,
    W5,
    W6,
    W7,
    W8,
    W9,
    W10,
    A1,
    A2,
    A3,
    A4,
    A5,
    A6,
    A7,
    A8,
    A9,
    A10,
    A11,
    R1,
    R2,
    R3,
    R4,
    R5,
    E1,
    E2,
    E3,
    H1,
    H2,
    H3,
    H4,
    H5,
    H6,
    H7,
    COUNT, //!< not an invariant: the number of them
};

/// \ingroup chimney
/// Number of invariant IDs.
constexpr size_t CHIMNEY_INVARIANT_COUNT = static_cast<size_t>(ChimneyInvariantId::COUNT);

/**
 * \ingroup chimney
 * \param id an invariant
 * \returns its catalog ID string, e.g. "W10"
 */
const char* ToString(ChimneyInvariantId id);

/**
 * \ingroup chimney
 * \param text e.g. "W10"
 * \param id receives the invariant
 * \returns false when text is no catalog ID
 */
bool ChimneyInvariantIdFromString(const std::string& text, ChimneyInvariantId* id);

/**
 * \ingroup chimney
 * \brief Per invariant, how often its check was exercised non-trivially (a counter per ID;
 *        summed across runs by operator+=).
 */
class ChimneyInvariantCoverage
{
  public:
    /**
     * \brief The situation in which id's check could fail arose.
     * \param id the invariant
     * \param n how many times
     */
    void Note(ChimneyInvariantId id, uint64_t n = 1)
    {
        m_counts[static_cast<size_t>(id)] += n;
    }

    /// \param id the invariant \returns its count
    uint64_t Get(ChimneyInvariantId id) const
    {
        return m_counts[static_cast<size_t>(id)];
    }

    /// \param id an ID string \returns its count (0 for an unknown ID)
    uint64_t Get(const std::string& id) const;

    /// \param other counts to add \returns this
    ChimneyInvariantCoverage& operator+=(const ChimneyInvariantCoverage& other);

    /// \returns (ID, count) for every invariant, in catalog order
    std::vector<std::pair<std::string, uint64_t>> GetOrdered() const;

    /// \returns ID -> count for every invariant
    std::map<std::string, uint64_t> GetCounts() const;

    /// \returns the IDs never exercised, in catalog order
    std::vector<std::string> Unexercised() const;

    /**
     * \brief Set the counts from a map (unknown IDs ignored), e.g. a report read back.
     * \param counts ID -> count
     * \returns the coverage
     */
    static ChimneyInvariantCoverage FromCounts(const std::map<std::string, uint64_t>& counts);

  private:
    std::array<uint64_t, CHIMNEY_INVARIANT_COUNT> m_counts{}; //!< by ChimneyInvariantId
};

} // namespace ns3

#endif // CHIMNEY_INVARIANT_COVERAGE_H
