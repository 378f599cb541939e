#include "corio/core/frame_allocator.hpp"

#include "corio/core/detail/bulk_allocator.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>
#include <new>

namespace corio::detail {
namespace {

constexpr std::size_t kClasses = kPoolClasses;
constexpr std::size_t kSlabSize = 64 * 1024;
constexpr std::size_t kHugeSlabSize = 2 * 1024 * 1024;
// After this much small-slab memory a thread is clearly allocating in bulk (a million
// tasks); from then on slabs are 2 MiB and backed by transparent huge pages where the
// system allows it, which cuts page faults (the dominant cost of touching fresh memory
// in bulk) by up to 512x.
constexpr std::size_t kSmallSlabBudget = 4 * 1024 * 1024;

// Maps `bytes` (a multiple of kHugeSlabSize) aligned on a huge-page boundary, advised
// to use transparent huge pages.
void* map_huge(std::size_t bytes) {
  void* raw = ::mmap(nullptr, bytes + kHugeSlabSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  auto base = reinterpret_cast<std::uintptr_t>(raw);
  std::uintptr_t aligned = (base + kHugeSlabSize - 1) & ~(kHugeSlabSize - 1);
  if (aligned > base) ::munmap(raw, aligned - base);
  std::uintptr_t end = base + bytes + kHugeSlabSize;
  if (end > aligned + bytes) ::munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(aligned);
}

std::size_t round_huge(std::size_t bytes) { return (bytes + kHugeSlabSize - 1) & ~(kHugeSlabSize - 1); }

std::atomic<std::size_t> reserved_bytes{0};

char* new_slab(std::size_t& size, std::size_t& small_used) {
  if (small_used < kSmallSlabBudget) {
    reserved_bytes.fetch_add(kSlabSize, std::memory_order_relaxed);
    small_used += kSlabSize;
    size = kSlabSize;
    return static_cast<char*>(::operator new(kSlabSize));
  }
  size = kHugeSlabSize;
  reserved_bytes.fetch_add(kHugeSlabSize, std::memory_order_relaxed);
  return static_cast<char*>(map_huge(kHugeSlabSize));
}

// Slabs are never returned to the system: a block carved on one thread may still be in
// use on another (a Coro handed to another loop) when its thread exits. An exiting
// thread hands its free blocks to the depot instead, and other threads draw from it.
//
// Blocks also travel between live threads: a producer thread that posts to a loop
// (call_soon_threadsafe) allocates, the loop's thread frees. Without a bound the
// loop's free list would grow forever while the producer keeps carving new slabs, so a
// free list that has grown by kSpillAt blocks moves to the depot as a whole, where the
// producer's next refill finds it. Moving the whole list is O(1): splitting it would
// walk (and miss the cache on) every block, which a million-task wave would pay for.
// (kSpillAt is in the header, where the inline free checks it.)

struct Depot {
  std::mutex mu;
  std::vector<FreeBlock*> lists[kClasses];  // whole free lists (exiting threads, spills)
  std::atomic<std::uint32_t> available[kClasses] = {};  // lists[c].size(), read unlocked
};
Depot& depot() {
  static Depot* d = new Depot;  // immortal: threads may exit after static destruction
  return *d;
}

// The slab cursor of a thread, and its exit hook: the free lists themselves are in
// tls_free_lists (the header), where the inline paths reach them without a guard.
struct Pool {
  std::size_t small_used = 0;

  void* refill(std::size_t c) {
    FreeLists& l = tls_free_lists;
    Depot& d = depot();
    if (d.available[c].load(std::memory_order_relaxed) != 0) {
      std::lock_guard lock(d.mu);
      if (!d.lists[c].empty()) {
        FreeBlock* b = d.lists[c].back();
        d.lists[c].pop_back();
        d.available[c].store(static_cast<std::uint32_t>(d.lists[c].size()), std::memory_order_relaxed);
        l.head[c] = b->next;
        l.count[c] = 0;
        return b;
      }
    }
    std::size_t bytes = (c + 1) * kSizeClass;
    if (static_cast<std::size_t>(l.slab_end - l.slab_cur) < bytes) {
      std::size_t size = 0;
      l.slab_cur = new_slab(size, small_used);
      l.slab_end = l.slab_cur + size;
    }
    void* p = l.slab_cur;
    l.slab_cur += bytes;
    return p;
  }

  // Moves the free list of class c to the depot (O(1), once per kSpillAt frees at most).
  static void spill(std::size_t c) noexcept {
    FreeLists& l = tls_free_lists;
    Depot& d = depot();
    std::lock_guard lock(d.mu);
    try {
      d.lists[c].push_back(l.head[c]);
    } catch (...) {
      return;  // keep the blocks here
    }
    d.available[c].store(static_cast<std::uint32_t>(d.lists[c].size()), std::memory_order_relaxed);
    l.head[c] = nullptr;
    l.count[c] = 0;
  }

  ~Pool() {
    // O(classes): each free list moves as a whole, without walking it. Blocks freed
    // on this thread after this point (by later thread-local destructors) go to the
    // operator delete path: hooked is cleared.
    FreeLists& l = tls_free_lists;
    Depot& d = depot();
    std::lock_guard lock(d.mu);
    for (std::size_t c = 0; c < kClasses; ++c) {
      if (l.head[c]) d.lists[c].push_back(l.head[c]);
      d.available[c].store(static_cast<std::uint32_t>(d.lists[c].size()), std::memory_order_relaxed);
      l.head[c] = nullptr;
      l.count[c] = 0;
    }
    l.hooked = false;
    l.slab_cur = l.slab_end = nullptr;  // what is left of the slab is not used again
    exited = true;
  }

  static inline thread_local bool exited = false;
};

thread_local Pool tls_pool;

// Makes sure the thread's Pool exists, so that its destructor hands the free lists
// over when the thread exits. Null once that has happened.
Pool* hooked_pool() noexcept {
  if (Pool::exited) return nullptr;
  Pool& pool = tls_pool;
  tls_free_lists.hooked = true;
  return &pool;
}

}  // namespace

// Freed bulk regions are kept (up to kBulkCacheBytes) and handed out again: a program
// that spawns a million tasks in waves then touches no fresh page after the first
// wave, as the frame pool already guarantees for frames and task states.
constexpr std::size_t kBulkCacheBytes = 512u * 1024 * 1024;
struct BulkCache {
  std::mutex mu;
  std::vector<std::pair<std::size_t, void*>> regions;  // (size, address)
  std::size_t bytes = 0;
};
BulkCache& bulk_cache() {
  static BulkCache* c = new BulkCache;  // immortal, like the depot
  return *c;
}

void* bulk_allocate(std::size_t bytes) {
  if (bytes < kHugeSlabSize) return ::operator new(bytes);
  std::size_t size = round_huge(bytes);
  BulkCache& c = bulk_cache();
  {
    std::lock_guard lock(c.mu);
    for (std::size_t i = 0; i < c.regions.size(); ++i) {
      if (c.regions[i].first == size) {
        void* p = c.regions[i].second;
        c.regions[i] = c.regions.back();
        c.regions.pop_back();
        c.bytes -= size;
        return p;
      }
    }
  }
  return map_huge(size);
}

void bulk_deallocate(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (bytes < kHugeSlabSize) {
    ::operator delete(p);
    return;
  }
  std::size_t size = round_huge(bytes);
  BulkCache& c = bulk_cache();
  {
    std::lock_guard lock(c.mu);
    if (c.bytes + size <= kBulkCacheBytes) {
      try {
        c.regions.emplace_back(size, p);
        c.bytes += size;
        return;
      } catch (...) {
      }
    }
  }
  ::munmap(p, size);
}

void* frame_allocate_slow(std::size_t size) {
  if (!CORIO_POOL_ENABLED || size == 0 || size > kMaxPooled) return ::operator new(size);
  Pool* pool = hooked_pool();
  if (!pool) return ::operator new(size);  // an exiting thread: not pooled any more
  return pool->refill(frame_class(size));
}

void frame_deallocate_slow(void* p, std::size_t size) noexcept {
  if (!p) return;
  if (!CORIO_POOL_ENABLED || size == 0 || size > kMaxPooled) {
    ::operator delete(p);
    return;
  }
  std::size_t c = frame_class(size);
  auto* b = static_cast<FreeBlock*>(p);
  if (!hooked_pool()) {
    // An exiting thread (a later thread-local destructor): the block goes to the depot
    // as a list of one.
    b->next = nullptr;
    Depot& d = depot();
    std::lock_guard lock(d.mu);
    try {
      d.lists[c].push_back(b);
      d.available[c].store(static_cast<std::uint32_t>(d.lists[c].size()), std::memory_order_relaxed);
    } catch (...) {
    }
    return;
  }
  FreeLists& l = tls_free_lists;
  b->next = l.head[c];
  l.head[c] = b;
  if (++l.count[c] > kSpillAt) Pool::spill(c);
}

std::size_t frame_pool_reserved_bytes() noexcept { return reserved_bytes.load(std::memory_order_relaxed); }

}  // namespace corio::detail
