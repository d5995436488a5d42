/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SPARE_VECTORS_H
#define CHIMNEY_SPARE_VECTORS_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Emptied vectors of one element type, kept per thread for the next queue that fills.
 *
 * Some queues empty and refill every few events (an engine's output, a batch's calls): freeing
 * their room each time and allocating it again cost an allocation per event. Their owners give
 * an emptied vector here and take one back when they next queue something. Shared by all
 * owners of the thread, not one per owner, so that ten thousand idle engines or devices hold no
 * room (a few queues are busy at a time). Plain C++: the sans-I/O engine uses it too.
 */
template <typename T>
class ChimneySpareVectors
{
  public:
    static constexpr size_t kKept = 16; //!< vectors kept at most

    /// \brief Give an empty vector a spare's room, if there is one.
    /// \param v a vector with no room (its owner is about to add its first element)
    static void Take(std::vector<T>& v)
    {
        if (auto& spares = Spares(); !spares.empty())
        {
            v.swap(spares.back());
            spares.pop_back();
        }
    }

    /// \brief Empty a vector its owner is done with and keep its room if there is space.
    /// \param v the vector (its elements are destroyed)
    /// \param maxCapacity larger vectors (a burst's) are freed instead
    static void Keep(std::vector<T>&& v, size_t maxCapacity = SIZE_MAX)
    {
        v.clear();
        if (auto& spares = Spares();
            spares.size() < kKept && v.capacity() > 0 && v.capacity() <= maxCapacity)
        {
            spares.push_back(std::move(v));
        }
    }

  private:
    /// \returns the thread's spares
    static std::vector<std::vector<T>>& Spares()
    {
        static thread_local std::vector<std::vector<T>> spares;
        return spares;
    }
};

} // namespace ns3

#endif // CHIMNEY_SPARE_VECTORS_H
