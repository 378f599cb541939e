// Condition: wait until notified, atomically releasing and re-taking a Lock
// (asyncio.Condition).
//
// Design: a WaiterList of waiting tasks plus the Lock (the condition's own, or one given
// to the constructor and possibly shared by several conditions). wait() releases the
// lock and parks on the condition's list. notify(n) does not wake anyone: it moves the
// first n waiters onto the lock's own waiter list (as Trio's ParkingLot.repark and
// futex requeue do), so a notified task is woken exactly once, when it holds the lock,
// and notified tasks queue for the lock in notification order behind earlier acquirers.
//
// Cancellation, with asyncio 3.13's guarantees: wait() always returns or raises with the
// lock held again. A waiter cancelled before being notified is moved to the lock's list
// (it raises CancelledError once it holds the lock); a notified waiter cancelled before
// it resumed raises CancelledError too, and passes its notification on with notify(1),
// so a notification is never swallowed by a task that will not act on it.
//
// Invariant: every node on the condition's list is waiting for a notification; nodes of
// a Condition on the lock's list are woken like any acquirer (by Lock::release).
// Not thread-safe: one loop's tasks only.
#pragma once

#include <coroutine>
#include <cstddef>
#include <limits>
#include <type_traits>

#include "corio/core/coro.hpp"
#include "corio/sync/detail/waiter_list.hpp"
#include "corio/sync/lock.hpp"

namespace corio {

/// Lets tasks wait until another task announces a change of shared state.
///
///   corio::Condition cond;
///   {  // consumer
///     auto guard = co_await cond.scoped();
///     co_await cond.wait_for([&] { return !items.empty(); });
///     use(items.front());
///   }
///   {  // producer
///     auto guard = co_await cond.scoped();
///     items.push_back(x);
///     cond.notify();
///   }
class Condition {
 public:
  /// Awaiter of wait(): `co_await` yields true, with the lock held.
  struct WaitAwaiter : detail::Waiter {
    explicit WaitAwaiter(Condition& c) noexcept : cond(&c) {}
    Condition* cond;
    bool notified = false;           // notify() chose this waiter
    bool cancelled_waiting = false;  // cancelled before being notified
    bool await_ready() const;
    void await_suspend(std::coroutine_handle<> h);
    bool await_resume();
  };

  /// A condition with its own Lock.
  Condition() noexcept : lock_(&own_lock_) {}
  /// A condition bound to `lock` (which must outlive it); several conditions may share
  /// one lock.
  explicit Condition(Lock& lock) noexcept : lock_(&lock) {}
  Condition(const Condition&) = delete;
  Condition& operator=(const Condition&) = delete;

  /// Acquires the underlying lock (see Lock::acquire).
  /// Cancellation: as Lock::acquire.
  [[nodiscard]] Lock::AcquireAwaiter acquire() noexcept { return lock_->acquire(); }
  /// Acquires the underlying lock; `co_await` yields a guard releasing it at scope exit.
  /// Cancellation: as Lock::acquire.
  [[nodiscard]] auto scoped() noexcept { return lock_->scoped(); }
  /// Releases the underlying lock. Throws RuntimeError if it is not held.
  void release() { lock_->release(); }
  /// True while the underlying lock is held.
  bool locked() const noexcept { return lock_->locked(); }
  /// The underlying lock.
  Lock& lock() noexcept { return *lock_; }

  /// Releases the lock, waits until notified, and takes the lock again before
  /// returning true. The caller must hold the lock (RuntimeError otherwise). As with
  /// every condition variable, re-check the predicate after waking (or use wait_for).
  /// Cancellation: CancelledError is raised only once the lock is held again; a
  /// notification this task had received is passed on to another waiter.
  [[nodiscard]] WaitAwaiter wait() noexcept { return WaitAwaiter(*this); }

  /// Waits until `pred()` is truthy, re-checking after each notification; returns the
  /// last value of pred(). The caller must hold the lock.
  /// Cancellation: as wait(); the lock is held when CancelledError leaves.
  template <class Pred>
  Coro<std::decay_t<std::invoke_result_t<Pred&>>> wait_for(Pred pred) {
    auto result = pred();
    while (!result) {
      co_await wait();
      result = pred();
    }
    co_return result;
  }

  /// Wakes up to `n` waiting tasks (each resumes once it holds the lock). The caller
  /// must hold the lock (RuntimeError otherwise).
  void notify(std::size_t n = 1);
  /// Wakes every waiting task. The caller must hold the lock.
  void notify_all() { notify(std::numeric_limits<std::size_t>::max()); }

  /// Number of tasks waiting for a notification.
  std::size_t waiters() const noexcept { return waiters_.size(); }

 private:
  static bool cancel_wait(detail::WaitHook* hook, detail::TaskBase* task, const std::string* msg);

  Lock own_lock_;
  Lock* lock_;
  detail::WaiterList waiters_;
};

}  // namespace corio
