// MultiLoop and serve_multicore: N loops on N threads, each set up by the same
// coroutine — multi-core serving the way DESIGN.md §4 describes it (each loop has its
// own SO_REUSEPORT listener; nothing is shared on the request path).
//
// run(setup) runs loop 0 on the calling thread and loops 1..N-1 on threads named
// "MultiLoop-<i>". On each loop, setup(i) runs as a task; the loops then run until
// stop() is called (from any thread), or until a stop signal arrives: with
// `stop_signals` (serve_multicore's default: SIGINT and SIGTERM), loop 0 installs the
// handlers before the other threads start, so they inherit the blocked signals and only
// loop 0 receives them. If a setup fails, every loop stops and run() rethrows the first
// failure. On the way out each loop closes on its own thread (its tasks are cancelled,
// its servers closed).
//
//   corio::serve_multicore(4, [](std::size_t) -> corio::Coro<void> {
//     corio::ServerOptions opts;
//     opts.reuse_port = true;
//     auto server = co_await corio::start_server(handle, "0.0.0.0", 8080, opts);
//     co_await server.serve_forever();
//   });
#pragma once

#include <csignal>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio {

class MultiLoop {
 public:
  using Setup = std::function<Coro<void>(std::size_t index)>;

  /// `n` loops (at least 1), each built with `options`.
  explicit MultiLoop(std::size_t n, LoopOptions options = {});
  MultiLoop(const MultiLoop&) = delete;
  MultiLoop& operator=(const MultiLoop&) = delete;

  /// Runs the loops until stop() or a stop signal; see the file comment. Once only.
  void run(Setup setup, std::vector<int> stop_signals = {});
  /// Stops every loop (thread-safe; before run() it makes run() return at once).
  void stop();
  std::size_t size() const noexcept { return n_; }

 private:
  void run_loop(std::size_t i, const Setup& setup, EventLoop& loop);
  void fail(std::exception_ptr e);

  std::size_t n_;
  LoopOptions options_;
  std::mutex mu_;
  std::vector<EventLoop*> loops_;  // the running ones (null: not started or closing)
  bool stopping_ = false;
  std::exception_ptr error_;
};

/// MultiLoop(n_threads).run(setup, {SIGINT, SIGTERM}): serves on n loops until Ctrl-C
/// or SIGTERM. Call it before starting other threads (they must block the signals too).
void serve_multicore(std::size_t n_threads, MultiLoop::Setup setup, LoopOptions options = {});

}  // namespace corio
