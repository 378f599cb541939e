// The testing kit: run coroutines on a loop with a virtual clock (and, optionally, a
// shuffled ready queue), so tests with sleep(3600s) finish at once and deterministically.
//
//   TEST(Timeouts, Fire) {
//     corio::testing::run_virtual([]() -> corio::Coro<void> {
//       co_await corio::sleep(std::chrono::hours(1));   // returns at once
//     }());
//   }
//
// Time jumps to the next timer whenever nothing is ready (Trio's MockClock(autojump),
// tokio's paused time). I/O still works: the driver is polled without blocking while
// timers are pending. With a shuffle seed, each batch of ready callbacks runs in a
// random order drawn from the seed, to flush out code that relies on an order asyncio
// does not promise; a failing seed reproduces the failure.
#pragma once

#include <cstdint>
#include <optional>
#include <source_location>

#include "corio/loop/runner.hpp"

namespace corio::testing {

struct VirtualOptions {
  /// Shuffle each ready batch with this seed (nullopt: FIFO, as in production).
  std::optional<std::uint64_t> shuffle_seed;
  /// Turn on debug mode (slow-callback and never-awaited reports).
  bool debug = false;
};

/// Runs `coro` to completion on a fresh virtual-clock loop, as corio::run does (leftover
/// tasks are cancelled, the loop is closed); returns its result or rethrows.
template <class T>
T run_virtual(Coro<T> coro, VirtualOptions opts = {}, std::source_location loc = std::source_location::current()) {
  LoopOptions lo;
  lo.virtual_clock = true;
  lo.shuffle_seed = opts.shuffle_seed;
  Runner runner(lo, opts.debug);
  return runner.run(std::move(coro), loc);
}

}  // namespace corio::testing
