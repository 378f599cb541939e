// wait: wait for a set of tasks with a completion condition (asyncio.wait).
#pragma once

#include <chrono>
#include <optional>
#include <vector>

#include "corio/core/task.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio {

/// When wait() returns (asyncio.FIRST_COMPLETED / FIRST_EXCEPTION / ALL_COMPLETED).
enum class ReturnWhen { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::FIRST_COMPLETED;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::FIRST_EXCEPTION;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::ALL_COMPLETED;

/// The (done, pending) pair that wait() returns.
template <class F>
struct WaitResult {
  std::vector<F> done;
  std::vector<F> pending;
};

namespace detail {
/// Waits until `cond` holds over `futs` or the timeout passes. Does not cancel anything.
Coro<void> wait_states(std::vector<FutureStateBase*> futs, std::optional<std::chrono::nanoseconds> timeout,
                       ReturnWhen when);
}  // namespace detail

/// Waits for the tasks (or futures) until `return_when` holds or `timeout` passes, and
/// returns them split into done and pending. Nothing is cancelled on timeout.
/// Cancellation: the waiting task is interrupted; the tasks waited on keep running.
///
///   auto [done, pending] = co_await corio::wait(tasks, corio::FIRST_COMPLETED);
template <class F>
Coro<WaitResult<F>> wait(std::vector<F> futs, ReturnWhen return_when = ALL_COMPLETED,
                         std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
  if (futs.empty()) throw std::invalid_argument("wait() needs at least one task or future");
  std::vector<detail::FutureStateBase*> states;
  states.reserve(futs.size());
  for (auto& f : futs) states.push_back(f.state());
  co_await detail::wait_states(std::move(states), timeout, return_when);
  WaitResult<F> r;
  for (auto& f : futs) (f.done() ? r.done : r.pending).push_back(std::move(f));
  co_return r;
}
/// wait() with a timeout and ALL_COMPLETED.
template <class F>
Coro<WaitResult<F>> wait(std::vector<F> futs, std::chrono::nanoseconds timeout,
                         ReturnWhen return_when = ALL_COMPLETED) {
  return wait(std::move(futs), return_when, timeout);
}

}  // namespace corio
