// Barrier: `parties` tasks wait until all of them have arrived (asyncio.Barrier).
//
// Design: asyncio's state machine without its internal Condition. States:
//   Filling   - parties arrive; each waits on `filling_` until the last one arrives
//   Draining  - the barrier tripped; released parties leave, new arrivals wait on
//               `blocked_` until the last released party has left
//   Resetting - reset() while parties were inside: they leave with BrokenBarrierError
//   Broken    - abort(): every wait() raises BrokenBarrierError until reset()
// `count_` counts the parties inside wait() (arrived and not yet left); the last one out
// of Draining or Resetting returns the barrier to Filling and admits the blocked ones.
//
// Cancellation: a party cancelled while waiting for the others breaks the barrier (the
// others raise BrokenBarrierError), as threading.Barrier does when a wait times out -
// asyncio expresses timeouts as cancellation, and a party that will never arrive must
// not leave the rest waiting forever. (CPython's asyncio.Barrier instead lets the
// cancelled party withdraw silently.) A party cancelled after the barrier tripped, or
// while blocked before arriving, just raises CancelledError.
//
// Not thread-safe: one loop's tasks only.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "corio/core/coro.hpp"
#include "corio/sync/detail/waiter_list.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio {

/// A rendezvous point for a fixed number of tasks.
///
///   corio::Barrier barrier(3);
///   std::size_t index = co_await barrier.wait();   // in each of the 3 tasks
class Barrier {
 public:
  /// A barrier for `parties` tasks. Throws ValueError if parties is 0.
  explicit Barrier(std::size_t parties);
  Barrier(const Barrier&) = delete;
  Barrier& operator=(const Barrier&) = delete;

  /// Waits until `parties` tasks are waiting, then releases them all; returns this
  /// task's arrival index, 0 to parties-1. Raises BrokenBarrierError if the barrier is
  /// broken, or is reset or aborted while waiting.
  /// Cancellation: cancelling a party that waits for the others breaks the barrier;
  /// after the barrier tripped, only this task raises CancelledError.
  Coro<std::size_t> wait();

  /// Returns the barrier to the empty Filling state; tasks inside wait() raise
  /// BrokenBarrierError. Takes effect at once; the result may be awaited like asyncio's
  /// coroutine or ignored.
  std::suspend_never reset() noexcept;
  /// Puts the barrier in the broken state: current and future wait() calls raise
  /// BrokenBarrierError until reset(). Takes effect at once, awaitable like reset().
  std::suspend_never abort() noexcept;

  /// Number of tasks needed to trip the barrier.
  std::size_t parties() const noexcept { return parties_; }
  /// Number of tasks waiting in the filling phase.
  std::size_t n_waiting() const noexcept { return state_ == State::Filling ? count_ : 0; }
  /// True after abort() (until reset()) or after a waiting party was cancelled.
  bool broken() const noexcept { return state_ == State::Broken; }

 private:
  enum class State : std::uint8_t { Filling, Draining, Resetting, Broken };
  struct Park : detail::Waiter {
    Park(Barrier& b, detail::WaiterList& l) noexcept : barrier(&b), on(&l) {}
    Barrier* barrier;
    detail::WaiterList* on;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    void await_resume();
  };
  /// Keeps count_ right however wait() leaves.
  struct Inside {
    Barrier* b;
    ~Inside() { b->leave(); }
  };
  static bool cancel_filling(detail::WaitHook* hook, detail::TaskBase* task, const std::string* msg);
  void leave() noexcept;
  void break_barrier() noexcept;

  std::size_t parties_;
  std::size_t count_ = 0;
  State state_ = State::Filling;
  detail::WaiterList filling_;  // arrived, waiting for the others
  detail::WaiterList blocked_;  // waiting for Draining/Resetting to end
};

}  // namespace corio
