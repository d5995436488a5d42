/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef NET_BUFFER_ALLOCATOR_H
#define NET_BUFFER_ALLOCATOR_H

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Pages of their own for large NET_BUFFERs, given back to the kernel when freed.
 *
 * A host posts several receive buffers per offloaded connection (ReceiveBufferSize each, 16 KiB
 * by default), and the target writes only the first bytesTransferred bytes of each. From the
 * heap, a buffer costs memory for its whole room, touched by whatever used those pages before;
 * here a large buffer gets whole pages of its own, the kernel backs only the pages written, and
 * a freed buffer's pages go back to the kernel (madvise) before its address is reused. So
 * memory follows the bytes the buffers hold, not the room they offer. Thread-safe.
 */
class NetBufferPages
{
  public:
#if defined(__SANITIZE_ADDRESS__)
    /// Under AddressSanitizer every buffer comes from the heap, where overruns are caught.
    static constexpr bool kEnabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    static constexpr bool kEnabled = false; //!< the same, with clang
#else
    static constexpr bool kEnabled = true; //!< large buffers come from here
#endif
#else
    static constexpr bool kEnabled = true; //!< large buffers come from here
#endif

    /// Buffers smaller than this come from the heap (they would share pages anyway).
    static constexpr size_t kMinBytes = 8192;

    /// \param bytes a buffer's size \returns true when it comes from here
    static constexpr bool Serves(size_t bytes)
    {
        return kEnabled && bytes >= kMinBytes;
    }

    /**
     * \brief Storage for a buffer of `bytes` bytes (>= kMinBytes), page-aligned.
     * \param bytes the size
     * \returns the storage; throws std::bad_alloc when the kernel refuses
     */
    static void* Allocate(size_t bytes);

    /**
     * \brief Return storage from Allocate() with the same `bytes`.
     * \param p the storage
     * \param bytes its size
     */
    static void Release(void* p, size_t bytes);
};

/**
 * \ingroup chimney
 * \brief The allocator of NET_BUFFER bytes: value-less construction leaves bytes uninitialised
 *        (a receive buffer's room is not zero-filled: everyone reads only the first
 *        bytesTransferred bytes), and large buffers live on pages of their own
 *        (NetBufferPages), so the room past what the target writes costs no memory.
 */
template <typename T>
struct NetBufferAllocator : std::allocator<T>
{
    /// \brief The same allocator for another type.
    template <typename U>
    struct rebind
    {
        using other = NetBufferAllocator<U>; //!< the rebound allocator
    };

    NetBufferAllocator() = default;

    /// \brief From the allocator of another type (it has no state).
    template <typename U>
    NetBufferAllocator(const NetBufferAllocator<U>& /* other */) noexcept
    {
    }

    /// \param n elements \returns room for them
    T* allocate(size_t n)
    {
        if (NetBufferPages::Serves(n * sizeof(T)))
        {
            return static_cast<T*>(NetBufferPages::Allocate(n * sizeof(T)));
        }
        return std::allocator<T>::allocate(n);
    }

    /// \param p room from allocate(n) \param n its elements
    void deallocate(T* p, size_t n)
    {
        if (NetBufferPages::Serves(n * sizeof(T)))
        {
            NetBufferPages::Release(p, n * sizeof(T));
            return;
        }
        std::allocator<T>::deallocate(p, n);
    }

    /// \brief Default-initialises (leaves a byte as it is) instead of value-initialising.
    /// \param p where
    template <typename U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>)
    {
        ::new (static_cast<void*>(p)) U;
    }

    /// \brief Constructs from arguments. \param p where \param args the arguments
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args)
    {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

/// It has no state: any two allocate and free for each other.
template <typename T, typename U>
bool
operator==(const NetBufferAllocator<T>& /* a */, const NetBufferAllocator<U>& /* b */) noexcept
{
    return true;
}

/// It has no state: any two allocate and free for each other.
template <typename T, typename U>
bool
operator!=(const NetBufferAllocator<T>& /* a */, const NetBufferAllocator<U>& /* b */) noexcept
{
    return false;
}

} // namespace ns3

#endif // NET_BUFFER_ALLOCATOR_H
