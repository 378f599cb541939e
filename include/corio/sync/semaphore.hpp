// Semaphore and BoundedSemaphore: a counter of permits for tasks (asyncio.Semaphore,
// asyncio.BoundedSemaphore).
//
// Design: `value_` plus one WaiterList. release() hands its permit directly to the first
// waiter instead of incrementing the counter, so permits go out strictly FIFO and a new
// acquire() never takes a permit a waiter was promised (the fairness asyncio gained in
// 3.11.1). A woken waiter cancelled before it runs releases the permit again, which
// passes it on. BoundedSemaphore is the same with a ceiling: releasing more than was
// acquired raises ValueError.
//
// Invariants: waiters non-empty => value_ == 0; 0 <= value_ <= bound_ when bounded.
// Not thread-safe: one loop's tasks only.
#pragma once

#include <coroutine>
#include <cstddef>
#include <string>

#include "corio/sync/detail/waiter_list.hpp"
#include "corio/sync/exceptions.hpp"
#include "corio/sync/lock_guard.hpp"

namespace corio {

/// `value` permits; acquire() takes one (waiting if none is left), release() returns one.
///
///   corio::Semaphore sem(5);                 // at most 5 at a time
///   auto permit = co_await sem.scoped();     // released at scope exit
class Semaphore {
 public:
  /// Awaiter of acquire(): `co_await` yields true once a permit is held.
  struct AcquireAwaiter : detail::Waiter {
    explicit AcquireAwaiter(Semaphore& s) noexcept : sem(&s) {}
    Semaphore* sem;
    bool await_ready() noexcept {
      if (sem->value_ == 0) return false;
      --sem->value_;
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) { sem->waiters_.park(this, h); }
    bool await_resume() {
      if (state == State::Idle) return true;
      if (state == State::Woken) [[likely]] {
        if (detail::cancelled_after_wake(*this)) [[unlikely]] {
          sem->release_permit();  // the permit was handed to us: pass it on
          detail::raise_cancelled(*this);
        }
        return true;
      }
      detail::raise_cancelled(*this);
    }
  };

  /// A semaphore with `value` permits. Throws ValueError if value < 0.
  explicit Semaphore(std::ptrdiff_t value = 1) : Semaphore(value, -1) {}
  Semaphore(const Semaphore&) = delete;
  Semaphore& operator=(const Semaphore&) = delete;

  /// Takes a permit, waiting first-come first-served if none is free; yields true.
  /// Cancellation: a waiting acquire leaves the queue and raises CancelledError; a
  /// permit already handed to this task is passed on to the next waiter.
  [[nodiscard]] AcquireAwaiter acquire() noexcept { return AcquireAwaiter(*this); }

  /// Like acquire(), but `co_await` yields a LockGuard that releases at scope exit.
  /// Cancellation: as acquire().
  [[nodiscard]] detail::ScopedAcquire<Semaphore, AcquireAwaiter> scoped() noexcept {
    return detail::ScopedAcquire<Semaphore, AcquireAwaiter>(*this);
  }

  /// Returns a permit, handing it to the first waiter if there is one. A
  /// BoundedSemaphore throws ValueError when this would exceed its initial value.
  void release() {
    if (bound_ >= 0 && value_ >= bound_) [[unlikely]] {
      throw ValueError("BoundedSemaphore released too many times");
    }
    release_permit();
  }

  /// True if acquire() would have to wait.
  bool locked() const noexcept { return value_ == 0; }
  /// Free permits right now (asyncio's private _value).
  std::ptrdiff_t value() const noexcept { return value_; }
  /// Number of tasks waiting.
  std::size_t waiters() const noexcept { return waiters_.size(); }

 protected:
  Semaphore(std::ptrdiff_t value, std::ptrdiff_t bound) : value_(value), bound_(bound) {
    if (value < 0) throw ValueError("Semaphore initial value must be >= 0, not " + std::to_string(value));
  }

 private:
  void release_permit() noexcept {
    if (!waiters_.wake_one()) ++value_;
  }

  detail::WaiterList waiters_;
  std::ptrdiff_t value_;
  std::ptrdiff_t bound_;  // -1: unbounded
};

/// A Semaphore that refuses to be released above its initial value.
class BoundedSemaphore : public Semaphore {
 public:
  /// Throws ValueError if value < 0.
  explicit BoundedSemaphore(std::ptrdiff_t value = 1) : Semaphore(value, value) {}
};

}  // namespace corio
