// Helpers of the sync tests: a virtual-clock loop per test, and a way to let the other
// ready tasks run. No test sleeps in real time.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "corio/corio.hpp"

namespace sync_test {

using namespace std::chrono_literals;

/// Runs `main` as the main task of a fresh virtual-clock loop; returns its result.
template <class T>
T run_virtual(corio::Coro<T> main, std::optional<std::uint64_t> shuffle_seed = {}) {
  corio::EventLoop loop(corio::LoopOptions{.virtual_clock = true, .shuffle_seed = shuffle_seed});
  return loop.run_until_complete(std::move(main));
}

/// Lets every other ready task run `rounds` times (each round is one loop iteration).
inline corio::Coro<void> yield(int rounds = 1) {
  for (int i = 0; i < rounds; ++i) co_await corio::sleep(0s);
}

/// True if awaiting `t` raises CancelledError.
template <class T>
corio::Coro<bool> ends_cancelled(corio::Task<T> t) {
  try {
    co_await t;
  } catch (const corio::CancelledError&) {
    co_return true;
  }
  co_return false;
}

}  // namespace sync_test
