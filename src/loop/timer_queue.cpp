#include "loop/timer_queue.hpp"

#include <algorithm>

#include "corio/core/detail/task_state.hpp"
#include "corio/loop/handle.hpp"

namespace corio::detail {

namespace {
inline bool is_task(std::uintptr_t t) { return t & 1u; }
inline TaskBase* as_task(std::uintptr_t t) { return reinterpret_cast<TaskBase*>(t & ~std::uintptr_t{1}); }
inline HandleImpl* as_handle(std::uintptr_t t) { return reinterpret_cast<HandleImpl*>(t); }
}  // namespace

void TimerQueue::push(Entry e) {
  if (fifo_.empty() || !e.before(fifo_.back())) {
    fifo_.push_back(e);
  } else {
    heap_.push_back(e);
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
}

void TimerQueue::add_handle(std::int64_t when, HandleImpl* h) {
  push(Entry{when, seq_++, 0, reinterpret_cast<std::uintptr_t>(h)});
}

void TimerQueue::add_task(std::int64_t when, TaskBase* t, std::uint32_t gen) {
  t->add_ref();
  push(Entry{when, seq_++, gen, reinterpret_cast<std::uintptr_t>(t) | 1u});
}

void TimerQueue::note_cancelled() noexcept {
  ++cancelled_;
  if (cancelled_ > 1024 && cancelled_ * 2 > size()) compact();
}

void TimerQueue::prune() noexcept {
  // Drop stale entries at the front so the next deadline is a live one (a virtual clock
  // would otherwise jump to the deadline of a cancelled sleep).
  while (!empty()) {
    bool fifo_first = !fifo_.empty() && (heap_.empty() || !heap_.front().before(fifo_.front()));
    const Entry& e = fifo_first ? fifo_.front() : heap_.front();
    if (!stale(e)) return;
    Entry gone = pop();
    if (is_task(gone.target) && cancelled_) --cancelled_;
    drop(gone);
  }
}

std::int64_t TimerQueue::next_when() const noexcept {
  if (fifo_.empty()) return heap_.front().when;
  if (heap_.empty()) return fifo_[0].when;
  return std::min(fifo_[0].when, heap_.front().when);
}

TimerQueue::Entry TimerQueue::pop() {
  bool from_heap = fifo_.empty() || (!heap_.empty() && heap_.front().before(fifo_.front()));
  Entry e;
  if (from_heap) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    e = heap_.back();
    heap_.pop_back();
  } else {
    e = fifo_.front();
    fifo_.pop_front();
  }
  return e;
}

bool TimerQueue::stale(const Entry& e) noexcept {
  if (is_task(e.target)) return as_task(e.target)->timer_gen != e.gen;
  return as_handle(e.target)->cancelled.load(std::memory_order_relaxed);
}

void TimerQueue::fire(const Entry& e, ReadyQueue& ready) noexcept {
  if (is_task(e.target)) {
    TaskBase* t = as_task(e.target);
    if (t->timer_gen == e.gen) t->wake();
    t->release();
    return;
  }
  HandleImpl* h = as_handle(e.target);
  // The reference moves to the ready queue; the handle's run function releases it.
  if (h->cancelled.load(std::memory_order_relaxed)) {
    h->release();
  } else {
    ready.push(h);
  }
}

void TimerQueue::drop(const Entry& e) noexcept {
  if (is_task(e.target)) as_task(e.target)->release(); else as_handle(e.target)->release();
}

void TimerQueue::pop_expired(std::int64_t now, ReadyQueue& ready) {
  while (!empty() && next_when() <= now) {
    Entry e = pop();
    if (stale(e)) {
      if (is_task(e.target) && cancelled_) --cancelled_;  // only task entries are counted
      drop(e);
    } else {
      fire(e, ready);
    }
  }
}

void TimerQueue::compact() {
  auto keep = [](const Entry& e) {
    if (!stale(e)) return true;
    drop(e);
    return false;
  };
  // Live FIFO entries are moved to the back in order, then the old front is dropped.
  std::size_t n = fifo_.size();
  for (std::size_t i = 0; i < n; ++i) {
    Entry e = fifo_.front();
    fifo_.pop_front();
    if (keep(e)) fifo_.push_back(e);
  }
  decltype(heap_) h;
  h.reserve(heap_.size());
  for (const Entry& e : heap_) if (keep(e)) h.push_back(e);
  heap_.swap(h);
  std::make_heap(heap_.begin(), heap_.end(), Later{});
  cancelled_ = 0;
}

void TimerQueue::clear() noexcept {
  for (std::size_t i = 0; i < fifo_.size(); ++i) drop(fifo_[i]);
  for (const Entry& e : heap_) drop(e);
  fifo_.clear();
  heap_.clear();
  cancelled_ = 0;
}

}  // namespace corio::detail
