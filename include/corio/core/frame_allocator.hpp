// A thread-local recycling allocator for coroutine frames and small runtime objects.
//
// Blocks are grouped by size class (multiples of 16 bytes up to kMaxPooled) and carved
// from 64 KiB slabs, so a block costs no malloc header; a freed
// block goes on its class's free list of the freeing thread and is reused by the next
// allocation of that class there. Larger blocks go straight to operator new. A block
// may be freed on another thread than the one that allocated it (a Coro handed to
// another loop): it simply joins that thread's list. Memory of the pool is kept for
// reuse, never returned to the system (see src/core/frame_allocator.cpp).
#pragma once

#include <cstddef>

namespace corio::detail {

inline constexpr std::size_t kSizeClass = 16;
inline constexpr std::size_t kMaxPooled = 1024;

/// Allocates `size` bytes from the calling thread's pool.
void* frame_allocate(std::size_t size);
/// Returns a block obtained from frame_allocate with the same `size`.
void frame_deallocate(void* p, std::size_t size) noexcept;
/// Bytes of slab memory the pools of all threads have taken from the system so far
/// (0 when pooling is off, as under AddressSanitizer). For tests and statistics.
std::size_t frame_pool_reserved_bytes() noexcept;

/// Mixin giving a class pooled operator new/delete (sized delete carries the class).
struct PooledObject {
  static void* operator new(std::size_t size) { return frame_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { frame_deallocate(p, size); }
};

}  // namespace corio::detail
