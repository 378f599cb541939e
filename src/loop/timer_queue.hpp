// The loop's timers: a FIFO lane plus a binary heap, with O(1) lazy cancellation.
//
// Most timers are added in non-decreasing deadline order (every task sleeping the same
// duration): those go to the FIFO lane, O(1) in and out. Any other timer goes to the
// heap. The next timer is the smaller front of the two. Ties between equal deadlines are
// broken by insertion sequence, so callbacks due at the same time run in FIFO order.
//
// Entries do not point into coroutine frames: a task timer holds a reference to the task
// state plus the task's timer generation at arming time; cancelling bumps the
// generation, and the stale entry is skipped when it comes due (or dropped when
// cancelled entries outnumber live ones).
#pragma once

#include <cstdint>
#include <vector>

#include "corio/core/detail/bulk_allocator.hpp"
#include "corio/core/detail/chunked_queue.hpp"
#include "corio/core/detail/runnable.hpp"

namespace corio::detail {

class TaskBase;
struct HandleImpl;

class TimerQueue {
 public:
  TimerQueue() = default;
  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;
  ~TimerQueue() { clear(); }

  /// Adds a callback timer; takes over one reference to `h`.
  void add_handle(std::int64_t when, HandleImpl* h);
  /// Adds a task wake-up; takes a reference to `t`. Fires only if t->timer_gen == gen.
  void add_task(std::int64_t when, TaskBase* t, std::uint32_t gen);
  /// Records that one entry became stale (for compaction).
  void note_cancelled() noexcept;

  bool empty() const noexcept { return fifo_.empty() && heap_.empty(); }
  std::size_t size() const noexcept { return fifo_.size() + heap_.size(); }
  /// Drops stale entries from the front.
  void prune() noexcept;
  /// Deadline of the earliest entry (possibly stale). Precondition: !empty().
  std::int64_t next_when() const noexcept;
  /// Moves every entry due at `now` to the ready queue (stale ones are dropped).
  void pop_expired(std::int64_t now, ReadyQueue& ready);
  /// Drops every entry, releasing references.
  void clear() noexcept;

 private:
  struct Entry {
    std::int64_t when;
    std::uint32_t seq;
    std::uint32_t gen;
    std::uintptr_t target;  // HandleImpl* or TaskBase* | 1
    bool before(const Entry& o) const noexcept {
      return when != o.when ? when < o.when : static_cast<std::int32_t>(seq - o.seq) < 0;
    }
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const noexcept { return b.before(a); }
  };
  void push(Entry e);
  Entry pop();
  static bool stale(const Entry& e) noexcept;
  static void fire(const Entry& e, ReadyQueue& ready) noexcept;
  static void drop(const Entry& e) noexcept;
  void compact();

  ChunkedQueue<Entry> fifo_;
  std::vector<Entry, BulkAllocator<Entry>> heap_;
  std::uint32_t seq_ = 0;
  std::size_t cancelled_ = 0;
};

}  // namespace corio::detail
