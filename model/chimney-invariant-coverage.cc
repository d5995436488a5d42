/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-invariant-coverage.h"

#include "chimney-finding.h"

#include "ns3/assert.h"

namespace ns3
{

namespace
{

/// The catalog, checked once against the enum (one list of IDs: the catalog's).
const std::vector<ChimneyInvariant>&
Catalog()
{
    const auto& catalog = ChimneyInvariantCatalog();
    NS_ABORT_MSG_IF(catalog.size() != CHIMNEY_INVARIANT_COUNT,
                    "ChimneyInvariantId and ChimneyInvariantCatalog() disagree");
    return catalog;
}

} // namespace

const char*
ToString(ChimneyInvariantId id)
{
    const size_t i = static_cast<size_t>(id);
    NS_ASSERT_MSG(i < CHIMNEY_INVARIANT_COUNT, "not an invariant ID");
    return Catalog()[i].id;
}

bool
ChimneyInvariantIdFromString(const std::string& text, ChimneyInvariantId* id)
{
    const auto& catalog = Catalog();
    for (size_t i = 0; i < catalog.size(); ++i)
    {
        if (text == catalog[i].id)
        {
            *id = static_cast<ChimneyInvariantId>(i);
            return true;
        }
    }
    return false;
}

uint64_t
ChimneyInvariantCoverage::Get(const std::string& id) const
{
    ChimneyInvariantId i;
    return ChimneyInvariantIdFromString(id, &i) ? Get(i) : 0;
}

ChimneyInvariantCoverage&
ChimneyInvariantCoverage::operator+=(const ChimneyInvariantCoverage& other)
{
    for (size_t i = 0; i < CHIMNEY_INVARIANT_COUNT; ++i)
    {
        m_counts[i] += other.m_counts[i];
    }
    return *this;
}

std::vector<std::pair<std::string, uint64_t>>
ChimneyInvariantCoverage::GetOrdered() const
{
    std::vector<std::pair<std::string, uint64_t>> ordered;
    const auto& catalog = Catalog();
    for (size_t i = 0; i < CHIMNEY_INVARIANT_COUNT; ++i)
    {
        ordered.emplace_back(catalog[i].id, m_counts[i]);
    }
    return ordered;
}

std::map<std::string, uint64_t>
ChimneyInvariantCoverage::GetCounts() const
{
    std::map<std::string, uint64_t> counts;
    for (const auto& [id, n] : GetOrdered())
    {
        counts[id] = n;
    }
    return counts;
}

std::vector<std::string>
ChimneyInvariantCoverage::Unexercised() const
{
    std::vector<std::string> ids;
    for (const auto& [id, n] : GetOrdered())
    {
        if (n == 0)
        {
            ids.push_back(id);
        }
    }
    return ids;
}

ChimneyInvariantCoverage
ChimneyInvariantCoverage::FromCounts(const std::map<std::string, uint64_t>& counts)
{
    ChimneyInvariantCoverage coverage;
    for (const auto& [text, n] : counts)
    {
        ChimneyInvariantId id;
        if (ChimneyInvariantIdFromString(text, &id))
        {
            coverage.Note(id, n);
        }
    }
    return coverage;
}

} // namespace ns3
