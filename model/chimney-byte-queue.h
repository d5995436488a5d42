/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_BYTE_QUEUE_H
#define CHIMNEY_BYTE_QUEUE_H

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A first-in first-out run of bytes that holds no memory while empty.
 *
 * The host connection's send backlog and its undelivered receive data. A std::deque keeps a
 * 576-byte map and node even when empty, and a connection waiting out TIME_WAIT has both
 * empty for seconds: at 80,000 connections that was the largest share of what a finished
 * connection kept. Here the bytes are contiguous (begin()/end() are pointers) and the storage
 * goes when the last byte is taken.
 */
class ChimneyByteQueue
{
  public:
    /// \returns bytes held
    size_t size() const
    {
        return m_bytes.size() - m_head;
    }

    /// \returns whether no byte is held
    bool empty() const
    {
        return size() == 0;
    }

    /// \returns bytes of storage held, used or not (0 while empty)
    size_t capacity() const
    {
        return m_bytes.capacity();
    }

    /// \returns the first byte held
    const uint8_t* begin() const
    {
        return m_bytes.data() + m_head;
    }

    /// \returns one past the last byte held
    const uint8_t* end() const
    {
        return m_bytes.data() + m_bytes.size();
    }

    /**
     * \brief Add bytes at the back.
     * \param first the first byte \param last one past the last
     */
    template <typename Iterator>
    void Append(Iterator first, Iterator last)
    {
        m_bytes.insert(m_bytes.end(), first, last);
    }

    /**
     * \brief Take bytes from the front.
     * \param n how many (at most size())
     */
    void Pop(size_t n)
    {
        m_head += n;
        if (m_head >= m_bytes.size())
        {
            clear();
        }
        else if (m_head >= kCompactAt && m_head * 2 >= m_bytes.size())
        {
            // Drop the taken front once it is at least half the storage: linear in the bytes.
            m_bytes.erase(m_bytes.begin(), m_bytes.begin() + static_cast<std::ptrdiff_t>(m_head));
            m_head = 0;
        }
    }

    /// Drop every byte, and the storage with them.
    void clear()
    {
        std::vector<uint8_t>().swap(m_bytes);
        m_head = 0;
    }

  private:
    static constexpr size_t kCompactAt = 4096; //!< smallest taken front worth moving bytes for

    std::vector<uint8_t> m_bytes; //!< [m_head, size) held
    size_t m_head = 0;            //!< bytes already taken from the front
};

} // namespace ns3

#endif /* CHIMNEY_BYTE_QUEUE_H */
