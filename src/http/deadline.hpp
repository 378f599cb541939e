// bounded(): runs one phase of a request under its own limit and the request's total
// deadline, and turns the generic TimeoutError into the client's exception for that
// phase (see client_timeout.hpp for the phases).
//
// Design: one corio::Timeout at the earlier of the two instants; when it fires, the
// loop's time tells which one it was. A TimeoutError raised inside the phase by a
// deadline of its own (not this one) passes through untouched.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "corio/core/coro.hpp"
#include "corio/http/client_exceptions.hpp"
#include "corio/loop/runner.hpp"
#include "corio/tasks/timeout.hpp"

namespace corio::http::detail {

enum class Phase { Pool, Connect, SockConnect, SockRead, Send };

/// The exception for `phase` running past its limit; `what` describes the request.
[[noreturn]] void raise_phase_timeout(Phase phase, std::chrono::nanoseconds limit, const std::string& what);
/// The exception for the total deadline.
[[noreturn]] void raise_total_timeout(const std::string& what);

/// Awaits `c` for at most `limit` and not past the loop time `total_at`.
/// Cancellation: cancels `c` and raises CancelledError.
template <class T>
Coro<T> bounded(Coro<T> c, std::optional<std::chrono::nanoseconds> limit, std::optional<double> total_at,
                Phase phase, std::string what) {
  if (!limit && !total_at) co_return co_await std::move(c);
  EventLoop& loop = get_running_loop();
  double start = loop.time();
  std::optional<double> phase_at;
  if (limit) phase_at = start + std::chrono::duration<double>(*limit).count();
  double when = phase_at && total_at ? std::min(*phase_at, *total_at) : phase_at ? *phase_at : *total_at;
  Timeout t(when);
  try {
    co_return co_await t.run(std::move(c));
  } catch (const TimeoutError&) {
    if (!t.expired()) throw;
  }
  if (total_at && (!phase_at || *total_at <= *phase_at)) raise_total_timeout(what);
  raise_phase_timeout(phase, *limit, what);
}

}  // namespace corio::http::detail
