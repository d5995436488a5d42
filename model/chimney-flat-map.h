/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_FLAT_MAP_H
#define CHIMNEY_FLAT_MAP_H

#include "chimney-spare-vectors.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A hash map kept in one array (open addressing, linear probing, backward-shift erase)
 *        for the verifier's lookups made once per frame or per request.
 *
 * std::unordered_map allocates a node for every entry and follows a pointer on every lookup;
 * here an entry lives in the array, so an insert allocates nothing (but on growth) and a
 * lookup usually reads one cache line. The price, unlike std::unordered_map: an insert or an
 * erase may move other entries, so a pointer or reference from Find() or operator[] is valid
 * only until the next insert or erase. ForEach() visits entries in array order: the same for
 * the same operations (runs stay deterministic), but not sorted.
 *
 * \tparam K key (copyable, ==)
 * \tparam V value (default-constructible, movable)
 * \tparam Hash hash of K; it may be weak (std::hash of an integer or a pointer is the value
 *         itself): Fibonacci hashing spreads it over the array
 */
template <typename K, typename V, typename Hash = std::hash<K>>
class ChimneyFlatMap
{
  public:
    /// \param k key \returns its value, or null
    V* Find(const K& k)
    {
        const size_t i = IndexOf(k);
        return i == kNone ? nullptr : &m_slots[i].value;
    }

    /// \param k key \returns its value, or null
    const V* Find(const K& k) const
    {
        const size_t i = IndexOf(k);
        return i == kNone ? nullptr : &m_slots[i].value;
    }

    /// \param k key \returns true if present
    bool Contains(const K& k) const
    {
        return IndexOf(k) != kNone;
    }

    /// \param k key \returns its value, inserted value-initialised if absent
    V& operator[](const K& k)
    {
        return *Insert(k).first;
    }

    /**
     * \brief Insert k with a value-initialised value unless present.
     * \param k key
     * \returns its value and true if it was inserted
     */
    std::pair<V*, bool> Insert(const K& k)
    {
        if ((m_size + 1) * 2 > m_slots.size())
        {
            Grow();
        }
        for (size_t i = Home(k);; i = (i + 1) & m_mask)
        {
            Slot& s = m_slots[i];
            if (!s.used)
            {
                s.used = true;
                s.key = k;
                ++m_size;
                return {&s.value, true};
            }
            if (s.key == k)
            {
                return {&s.value, false};
            }
        }
    }

    /// \param k key \returns true if it was present (its value is destroyed; the array too
    ///         when it was the last entry)
    bool Erase(const K& k)
    {
        size_t hole = IndexOf(k);
        if (hole == kNone)
        {
            return false;
        }
        // Backward shift: pull later entries of the probe run into the hole when their home
        // does not lie cyclically in (hole, j], so every entry stays reachable without
        // tombstones.
        for (size_t j = (hole + 1) & m_mask; m_slots[j].used; j = (j + 1) & m_mask)
        {
            const size_t home = Home(m_slots[j].key);
            const bool stays = hole < j ? (hole < home && home <= j) : (hole < home || home <= j);
            if (!stays)
            {
                m_slots[hole].key = m_slots[j].key;
                m_slots[hole].value = std::move(m_slots[j].value);
                hole = j;
            }
        }
        m_slots[hole].used = false;
        m_slots[hole].value = V{};
        if (--m_size == 0)
        {
            Clear(); // an idle table holds no array (thousands of idle hosts in a campaign)
        }
        return true;
    }

    /// \returns entries
    size_t Size() const
    {
        return m_size;
    }

    /// \returns slots in the array (0 while empty: memory, tests)
    size_t Capacity() const
    {
        return m_slots.size();
    }

    /// \returns true if there are no entries
    bool Empty() const
    {
        return m_size == 0;
    }

    /// Remove every entry and release the array.
    void Clear()
    {
        // A table of the first size goes to the thread's spares: a host's request ids, a
        // device's connections empty and refill with every connection, and each refill
        // allocated the array anew. An idle table still holds no array.
        ChimneySpareVectors<Slot>::Keep(std::move(m_slots), kFirstCapacity);
        std::vector<Slot>().swap(m_slots);
        m_size = 0;
        m_mask = 0;
        m_shift = 64;
    }

    /// \param f called as f(key, value) for every entry, in array order
    template <typename F>
    void ForEach(F f) const
    {
        for (const Slot& s : m_slots)
        {
            if (s.used)
            {
                f(s.key, s.value);
            }
        }
    }

  private:
    /// One entry or an empty place.
    struct Slot
    {
        K key{};           //!< key
        V value{};         //!< value
        bool used = false; //!< holds an entry
    };

    static constexpr size_t kNone = SIZE_MAX;    //!< "not found"
    static constexpr size_t kFirstCapacity = 16; //!< slots of a table's first array

    /// \param k key \returns where its probe run starts
    size_t Home(const K& k) const
    {
        return static_cast<size_t>((static_cast<uint64_t>(Hash{}(k)) * 0x9e3779b97f4a7c15ULL) >>
                                   m_shift);
    }

    /// \param k key \returns its slot, or kNone
    size_t IndexOf(const K& k) const
    {
        if (m_size == 0)
        {
            return kNone;
        }
        for (size_t i = Home(k);; i = (i + 1) & m_mask)
        {
            const Slot& s = m_slots[i];
            if (!s.used)
            {
                return kNone;
            }
            if (s.key == k)
            {
                return i;
            }
        }
    }

    /// Double the array (kFirstCapacity slots at first) and re-place every entry.
    void Grow()
    {
        std::vector<Slot> old;
        old.swap(m_slots);
        if (old.empty())
        {
            ChimneySpareVectors<Slot>::Take(m_slots);
        }
        const size_t capacity = old.empty() ? kFirstCapacity : old.size() * 2;
        m_slots.resize(capacity);
        m_mask = capacity - 1;
        m_shift = 64;
        for (size_t c = capacity; c > 1; c >>= 1)
        {
            --m_shift;
        }
        for (Slot& s : old)
        {
            if (s.used)
            {
                size_t i = Home(s.key);
                while (m_slots[i].used)
                {
                    i = (i + 1) & m_mask;
                }
                m_slots[i].used = true;
                m_slots[i].key = s.key;
                m_slots[i].value = std::move(s.value);
            }
        }
    }

    std::vector<Slot> m_slots; //!< a power of two, at most half full
    size_t m_size = 0;         //!< entries
    size_t m_mask = 0;         //!< m_slots.size() - 1
    unsigned m_shift = 64;     //!< 64 - log2(m_slots.size()): Home() keeps the top bits
};

} // namespace ns3

#endif /* CHIMNEY_FLAT_MAP_H */
