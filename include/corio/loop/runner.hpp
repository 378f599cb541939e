// run / Runner and the per-thread current loop (asyncio.run, asyncio.Runner,
// get_running_loop, get_event_loop, new_event_loop, set_event_loop).
//
// Runner owns a fresh loop; run(coro) runs the coroutine as the main task, and on the
// way out cancels whatever tasks are left and closes the loop. On the main thread,
// SIGINT cancels the main task and run() then throws KeyboardInterrupt; a second SIGINT
// while that cancellation is still unwinding kills the process the default way.
#pragma once

#include <memory>
#include <optional>
#include <source_location>

#include "corio/loop/event_loop.hpp"

namespace corio {

/// The loop running on this thread; throws RuntimeError if none is running.
EventLoop& get_running_loop();
/// The running loop, else the loop set for this thread; throws RuntimeError if none.
EventLoop& get_event_loop();
/// A new loop (the caller owns it).
std::unique_ptr<EventLoop> new_event_loop(LoopOptions options = {});
/// Sets this thread's current loop (null to unset). Does not take ownership.
void set_event_loop(EventLoop* loop) noexcept;

class Runner {
 public:
  explicit Runner(LoopOptions options = {}, std::optional<bool> debug = std::nullopt);
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Runs `coro` as the main task until it finishes; returns its result.
  template <class T>
  T run(Coro<T> coro, std::source_location loc = std::source_location::current()) {
    Task<T> task = loop_->create_task(std::move(coro), {}, loc);
    run_main(task.base());
    task.state()->check_result();
    if constexpr (!std::is_void_v<T>) return std::move(*detail::value_box<T>(task.state()).value);
  }
  /// Cancels leftover tasks and closes the loop (idempotent).
  void close();
  EventLoop& get_loop() noexcept { return *loop_; }

 private:
  void run_main(detail::TaskBase* main);
  std::unique_ptr<EventLoop> loop_;
  bool interrupted_ = false;
};

/// asyncio.run: a new loop, the main coroutine, cleanup. Returns the coroutine's result.
template <class T>
T run(Coro<T> coro, LoopOptions options = {}, std::source_location loc = std::source_location::current()) {
  options.single_thread = true;  // made, run and closed right here
  Runner runner(options);
  return runner.run(std::move(coro), loc);
}

}  // namespace corio
