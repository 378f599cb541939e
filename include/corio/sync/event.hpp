// Event: a flag that tasks can wait for (asyncio.Event).
//
// Design: `set_` plus one WaiterList. set() wakes every waiter at once (in the order
// they started waiting); a woken waiter returns true even if the event was cleared
// again before it ran, as in asyncio. Nothing is granted that could be lost, so a
// waiter cancelled after the wake-up simply raises CancelledError.
//
// Invariant: waiters non-empty => !set_. Not thread-safe: one loop's tasks only.
#pragma once

#include <coroutine>

#include "corio/sync/detail/waiter_list.hpp"

namespace corio {

/// A flag, initially false; wait() suspends until it is set.
///
///   corio::Event ready;
///   // task A:                 // task B:
///   co_await ready.wait();      ready.set();
class Event {
 public:
  /// Awaiter of wait(): `co_await` yields true.
  struct WaitAwaiter : detail::Waiter {
    explicit WaitAwaiter(Event& e) noexcept : ev(&e) {}
    Event* ev;
    bool await_ready() const noexcept { return ev->set_; }
    void await_suspend(std::coroutine_handle<> h) { ev->waiters_.park(this, h); }
    bool await_resume() {
      if (state == State::Idle) return true;
      if (state == State::Woken && !detail::cancelled_after_wake(*this)) [[likely]] return true;
      detail::raise_cancelled(*this);
    }
  };

  Event() noexcept = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  /// True once set() was called (and clear() was not called since).
  bool is_set() const noexcept { return set_; }

  /// Sets the flag and wakes every waiting task.
  void set() noexcept {
    if (set_) return;
    set_ = true;
    waiters_.wake_all();
  }

  /// Resets the flag; later wait() calls suspend until the next set().
  void clear() noexcept { set_ = false; }

  /// Returns at once (true) if the flag is set, otherwise suspends until set() is called.
  /// Cancellation: the waiter leaves the queue and CancelledError is raised here.
  [[nodiscard]] WaitAwaiter wait() noexcept { return WaitAwaiter(*this); }

  /// Number of tasks waiting.
  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  detail::WaiterList waiters_;
  bool set_ = false;
};

}  // namespace corio
