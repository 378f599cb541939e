#include "corio/exec/multi_loop.hpp"

#include <string>
#include <thread>

#include "corio/exec/thread_name.hpp"
#include "corio/loop/runner.hpp"

namespace corio {

MultiLoop::MultiLoop(std::size_t n, LoopOptions options) : n_(n), options_(options), loops_(n, nullptr) {
  if (n == 0) throw std::invalid_argument("MultiLoop needs at least one loop");
  options_.single_thread = true;  // run() makes, runs and closes each loop on one thread
}

void MultiLoop::stop() {
  std::lock_guard lock(mu_);
  stopping_ = true;
  for (EventLoop* loop : loops_) {
    if (!loop) continue;
    try {
      loop->call_soon_threadsafe([loop] { loop->stop(); });
    } catch (const RuntimeError&) {
    }
  }
}

void MultiLoop::fail(std::exception_ptr e) {
  {
    std::lock_guard lock(mu_);
    if (!error_) error_ = std::move(e);
  }
  stop();
}

void MultiLoop::run_loop(std::size_t i, const Setup& setup, EventLoop& loop) {
  set_event_loop(&loop);
  {
    std::lock_guard lock(mu_);
    loops_[i] = &loop;
    if (stopping_) loop.stop();
  }
  auto body = [](MultiLoop* self, const Setup& setup, std::size_t i) -> Coro<void> {
    try {
      co_await setup(i);
    } catch (const CancelledError&) {
      throw;  // the loop is closing: not a failure of the setup
    } catch (...) {
      self->fail(std::current_exception());
    }
  };
  try {
    loop.create_task(body(this, setup, i), "MultiLoop-setup-" + std::to_string(i));
    loop.run_forever();
  } catch (...) {
    fail(std::current_exception());
  }
  {
    std::lock_guard lock(mu_);
    loops_[i] = nullptr;  // stop() must not reach a loop that is closing
  }
  loop.close();
  set_event_loop(nullptr);
}

void MultiLoop::run(Setup setup, std::vector<int> stop_signals) {
  auto loop0 = new_event_loop(options_);
  // Installed before the other threads start: they inherit the blocked signals.
  for (int sig : stop_signals) loop0->add_signal_handler(sig, [this] { stop(); });
  std::vector<std::thread> threads;
  threads.reserve(n_ - 1);
  for (std::size_t i = 1; i < n_; ++i) {
    threads.emplace_back([this, i, &setup] {
      set_current_thread_name("MultiLoop-" + std::to_string(i));
      try {
        auto loop = new_event_loop(options_);
        run_loop(i, setup, *loop);
      } catch (...) {
        fail(std::current_exception());
      }
    });
  }
  run_loop(0, setup, *loop0);
  stop();  // loop 0 stopped: the others follow
  for (std::thread& t : threads) t.join();
  loop0.reset();
  if (error_) std::rethrow_exception(error_);
}

void serve_multicore(std::size_t n_threads, MultiLoop::Setup setup, LoopOptions options) {
  MultiLoop loops(n_threads, options);
  loops.run(std::move(setup), {SIGINT, SIGTERM});
}

}  // namespace corio
