// Lock: a fair mutual-exclusion lock for tasks (asyncio.Lock).
//
// Design: `locked_` plus one WaiterList. release() hands the lock directly to the first
// waiter (the lock stays locked across the hand-over), so acquisition is strictly FIFO
// and a task calling acquire() while others wait can never barge past them. A woken
// waiter that is cancelled before it runs releases the lock again, which passes it on
// to the next waiter. Condition re-queues its notified waiters onto this list, so a
// notified task is woken only once it holds the lock.
//
// Invariants: waiters non-empty => locked_; every node on the list is still Waiting.
// Not thread-safe: a Lock belongs to the tasks of one loop.
#pragma once

#include <coroutine>

#include "corio/sync/detail/waiter_list.hpp"
#include "corio/sync/lock_guard.hpp"

namespace corio {

class Condition;

/// A mutex for tasks: at most one holder, waiters served first come, first served.
///
///   corio::Lock lock;
///   {
///     auto guard = co_await lock.scoped();
///     // ... exclusive access ...
///   }
class Lock {
 public:
  /// Awaiter of acquire(): `co_await` yields true once the lock is held.
  struct AcquireAwaiter : detail::Waiter {
    explicit AcquireAwaiter(Lock& l) noexcept : lock(&l) {}
    Lock* lock;
    bool await_ready() noexcept {
      if (lock->locked_) return false;
      lock->locked_ = true;
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) { lock->waiters_.park(this, h); }
    bool await_resume() {
      if (state == State::Idle) return true;  // acquired without waiting
      if (state == State::Woken) [[likely]] {
        if (detail::cancelled_after_wake(*this)) [[unlikely]] {
          lock->release();  // the lock was handed to us: pass it on
          detail::raise_cancelled(*this);
        }
        return true;
      }
      detail::raise_cancelled(*this);
    }
  };

  Lock() noexcept = default;
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;

  /// Waits until the lock is free, then takes it; `co_await` yields true.
  /// Cancellation: a waiting acquire leaves the queue and raises CancelledError; if the
  /// lock had already been handed to this task, it is passed on to the next waiter.
  [[nodiscard]] AcquireAwaiter acquire() noexcept { return AcquireAwaiter(*this); }

  /// Like acquire(), but `co_await` yields a LockGuard that releases at scope exit.
  /// Cancellation: as acquire(); no guard is produced, so nothing is left held.
  [[nodiscard]] detail::ScopedAcquire<Lock, AcquireAwaiter> scoped() noexcept {
    return detail::ScopedAcquire<Lock, AcquireAwaiter>(*this);
  }

  /// Releases the lock, handing it to the first waiter if there is one.
  /// Throws RuntimeError if the lock is not held.
  void release() {
    if (!locked_) [[unlikely]] throw RuntimeError("Lock is not acquired");
    if (!waiters_.wake_one()) locked_ = false;
  }

  /// True while some task holds the lock (or it is being handed over).
  bool locked() const noexcept { return locked_; }
  /// Number of tasks waiting to acquire.
  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  friend class Condition;
  detail::WaiterList waiters_;
  bool locked_ = false;
};

}  // namespace corio
