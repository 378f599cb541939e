// timeout / timeout_at / wait_for (asyncio.timeout, asyncio.wait_for).
//
// A Timeout cancels the task it runs in when its deadline passes, and turns the
// resulting CancelledError into TimeoutError on the way out, using the task's
// cancelling()/uncancel() count so that nested timeouts and outside cancellations are
// told apart exactly as asyncio does. Python's `async with asyncio.timeout(d):` block is
// written `co_await corio::timeout(d).run(block())` here, or with a named Timeout when
// the block needs to reschedule it.
#pragma once

#include <chrono>
#include <optional>

#include "corio/core/coro.hpp"
#include "corio/core/task.hpp"
#include "corio/core/detail/task_state.hpp"
#include "corio/loop/handle.hpp"

namespace corio {

class Timeout {
 public:
  /// A timeout at absolute loop time `when` (seconds), or none if nullopt.
  explicit Timeout(std::optional<double> when) noexcept : when_(when) {}
  Timeout(const Timeout&) = delete;
  Timeout& operator=(const Timeout&) = delete;
  ~Timeout() { handle_.cancel(); }

  /// Runs `body` in the current task under this timeout. Throws TimeoutError if the
  /// deadline passed and cancelled the body.
  /// Cancellation: an outside cancellation passes through as CancelledError.
  template <class T>
  Coro<T> run(Coro<T> body) {
    enter();
    try {
      if constexpr (std::is_void_v<T>) {
        co_await std::move(body);
        exit(false);
      } else {
        T r = co_await std::move(body);
        exit(false);
        co_return r;
      }
    } catch (const CancelledError&) {
      if (exit(true)) throw TimeoutError();
      throw;
    } catch (...) {
      exit(false);
      throw;
    }
  }

  /// The deadline in loop time (seconds), or nullopt.
  std::optional<double> when() const noexcept { return when_; }
  /// Moves the deadline (nullopt: no deadline). Allowed before and while running.
  void reschedule(std::optional<double> when);
  /// True once the deadline has passed and cancelled the body.
  bool expired() const noexcept { return state_ == State::Expiring || state_ == State::Expired; }

 private:
  enum class State { Created, Entered, Expiring, Expired, Exited };
  void enter();
  /// Returns true when a CancelledError must become TimeoutError.
  bool exit(bool cancelled);
  void arm();
  void on_timeout();

  std::optional<double> when_;
  State state_ = State::Created;
  detail::TaskBase* task_ = nullptr;
  int cancelling_ = 0;
  Handle handle_;  // the pending expiry callback
};

/// A Timeout `delay` from now.
Timeout timeout(std::chrono::nanoseconds delay);
/// A Timeout at loop time `when` (seconds; nullopt for none).
Timeout timeout_at(std::optional<double> when);

/// Awaits `aw` for at most `delay`; on expiry `aw` is cancelled, awaited, and
/// TimeoutError is raised (asyncio.wait_for).
template <class T>
Coro<T> wait_for(Coro<T> aw, std::chrono::nanoseconds delay) {
  Timeout t = timeout(delay);
  co_return co_await t.run(std::move(aw));
}

namespace detail {
template <class T>
Coro<T> await_future(Future<T> f) {
  co_return co_await f;
}
}  // namespace detail

/// wait_for on a Task or Future: on expiry the task is cancelled and awaited.
template <class T>
Coro<T> wait_for(Future<T> aw, std::chrono::nanoseconds delay) {
  return wait_for(detail::await_future(std::move(aw)), delay);
}
template <class T>
Coro<T> wait_for(Task<T> aw, std::chrono::nanoseconds delay) {
  return wait_for(detail::await_future(Future<T>(std::move(aw))), delay);
}

}  // namespace corio
