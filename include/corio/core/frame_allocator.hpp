// A thread-local recycling allocator for coroutine frames and small runtime objects.
//
// Blocks are grouped by size class (multiples of 16 bytes up to kMaxPooled) and carved
// from 64 KiB slabs, so a block costs no malloc header; a freed
// block goes on its class's free list of the freeing thread and is reused by the next
// allocation of that class there. Larger blocks go straight to operator new. A block
// may be freed on another thread than the one that allocated it (a Coro handed to
// another loop): it simply joins that thread's list. Memory of the pool is kept for
// reuse, never returned to the system (see src/core/frame_allocator.cpp).
//
// Taking a block from a free list and putting one back are inline: a task costs two
// allocations and two frees (its frame and its state), and a call for each showed up.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

// Under AddressSanitizer the pool would hide use-after-free and leaks, so every block
// goes straight to operator new/delete there.
#if defined(__SANITIZE_ADDRESS__)
#define CORIO_POOL_ENABLED 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CORIO_POOL_ENABLED 0
#endif
#endif
#ifndef CORIO_POOL_ENABLED
#define CORIO_POOL_ENABLED 1
#endif

namespace corio::detail {

inline constexpr std::size_t kSizeClass = 16;
inline constexpr std::size_t kMaxPooled = 1024;
inline constexpr std::size_t kPoolClasses = kMaxPooled / kSizeClass;
// A free list that grew by this many blocks moves to the shared depot (see the .cpp).
inline constexpr std::uint32_t kSpillAt = 8192;

struct FreeBlock {
  FreeBlock* next;
};

/// The calling thread's free lists. Trivially constructed and destroyed, so that a
/// thread-local access needs no guard; the part of the pool with a destructor (which
/// hands the lists over when the thread exits) is hooked up by the slow paths.
struct FreeLists {
  FreeBlock* head[kPoolClasses] = {};
  std::uint32_t count[kPoolClasses] = {};  // frees minus allocations since head[c] was empty or refilled
  // The rest of the slab being carved. Carving it comes before the depot of blocks
  // other threads gave back (the slow path looks there first once the slab is used up).
  char* slab_cur = nullptr;
  char* slab_end = nullptr;
  bool hooked = false;  // the thread's exit hook is in place
};
inline thread_local FreeLists tls_free_lists;

inline std::size_t frame_class(std::size_t size) noexcept { return (size + kSizeClass - 1) / kSizeClass - 1; }

/// The paths that leave the free lists: refilling, spilling, operator new/delete.
void* frame_allocate_slow(std::size_t size);
void frame_deallocate_slow(void* p, std::size_t size) noexcept;

/// Allocates `size` bytes from the calling thread's pool.
inline void* frame_allocate(std::size_t size) {
  if (CORIO_POOL_ENABLED && size - 1 < kMaxPooled) {  // 1 <= size <= kMaxPooled
    std::size_t c = frame_class(size);
    FreeLists& l = tls_free_lists;
    if (FreeBlock* b = l.head[c]) {
      l.head[c] = b->next;
      if (l.count[c]) --l.count[c];
      return b;
    }
    std::size_t bytes = (c + 1) * kSizeClass;
    if (static_cast<std::size_t>(l.slab_end - l.slab_cur) >= bytes) {
      void* p = l.slab_cur;
      l.slab_cur += bytes;
      return p;
    }
  }
  return frame_allocate_slow(size);
}

/// Returns a block obtained from frame_allocate with the same `size`.
inline void frame_deallocate(void* p, std::size_t size) noexcept {
  FreeLists& l = tls_free_lists;
  if (CORIO_POOL_ENABLED && p && size - 1 < kMaxPooled && l.hooked) {
    std::size_t c = frame_class(size);
    if (l.count[c] < kSpillAt) {
      auto* b = static_cast<FreeBlock*>(p);
      b->next = l.head[c];
      l.head[c] = b;
      ++l.count[c];
      return;
    }
  }
  frame_deallocate_slow(p, size);
}

/// Bytes of slab memory the pools of all threads have taken from the system so far
/// (0 when pooling is off, as under AddressSanitizer). For tests and statistics.
std::size_t frame_pool_reserved_bytes() noexcept;

/// Mixin giving a class pooled operator new/delete (sized delete carries the class).
struct PooledObject {
  static void* operator new(std::size_t size) { return frame_allocate(size); }
  static void operator delete(void* p, std::size_t size) noexcept { frame_deallocate(p, size); }
};

}  // namespace corio::detail
