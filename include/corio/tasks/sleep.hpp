// sleep: suspend the current task for a while (asyncio.sleep).
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>

#include "corio/core/detail/task_state.hpp"

namespace corio {

namespace detail {
// Only the delay is stored: the awaiter lives in every sleeping frame, and the task
// is the current one again when await_resume runs.
struct SleepAwaiter {
  std::int64_t delay_ns;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h);
  void await_resume() { tls_current_task->throw_if_cancel_requested(); }
};
}  // namespace detail

/// Suspends the current task for `delay`; `sleep(0s)` yields to the loop exactly once.
/// Cancellation: the timer is removed and CancelledError is raised here.
///
///   co_await corio::sleep(1s);
inline detail::SleepAwaiter sleep(std::chrono::nanoseconds delay) noexcept {
  return detail::SleepAwaiter{delay.count()};
}
/// Same, in seconds as a double (asyncio's float delays).
inline detail::SleepAwaiter sleep(double seconds) noexcept {
  return detail::SleepAwaiter{static_cast<std::int64_t>(seconds * 1e9)};
}

}  // namespace corio
