/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "net-buffer-allocator.h"

#include <algorithm>
#include <mutex>
#include <new>
#include <pthread.h>
#include <sys/mman.h>
#include <unordered_map>
#include <vector>

namespace ns3
{

namespace
{

constexpr size_t kPage = 4096;
/// Address space taken from the kernel at a time (no memory until buffers are written).
constexpr size_t kChunkBytes = size_t{8} << 20;

/// Freed buffers' addresses by size, and the unused rest of the last chunk.
struct Pool
{
    std::mutex mutex;
    std::unordered_map<size_t, std::vector<void*>> free;
    char* next = nullptr;
    char* end = nullptr;
};

Pool&
ThePool()
{
    static Pool* pool = [] {
        // A process forked while another thread held the lock must not inherit it locked.
        pthread_atfork([] { ThePool().mutex.lock(); },
                       [] { ThePool().mutex.unlock(); },
                       [] { ThePool().mutex.unlock(); });
        return new Pool; // never destroyed: buffers may be freed during exit
    }();
    return *pool;
}

size_t
RoundToPages(size_t bytes)
{
    return (bytes + kPage - 1) / kPage * kPage;
}

} // namespace

void*
NetBufferPages::Allocate(size_t bytes)
{
    const size_t size = RoundToPages(bytes);
    Pool& pool = ThePool();
    std::lock_guard<std::mutex> lock(pool.mutex);
    auto& free = pool.free[size];
    if (!free.empty())
    {
        void* p = free.back();
        free.pop_back();
        return p;
    }
    if (static_cast<size_t>(pool.end - pool.next) < size)
    {
        const size_t chunk = std::max(kChunkBytes, size);
        void* m = mmap(nullptr, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
        {
            throw std::bad_alloc();
        }
        pool.next = static_cast<char*>(m);
        pool.end = pool.next + chunk;
    }
    void* p = pool.next;
    pool.next += size;
    return p;
}

void
NetBufferPages::Release(void* p, size_t bytes)
{
    const size_t size = RoundToPages(bytes);
    madvise(p, size, MADV_DONTNEED); // its pages are zero and free again until written
    Pool& pool = ThePool();
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.free[size].push_back(p);
}

} // namespace ns3
