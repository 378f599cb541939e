// LoopThread: an event loop running forever on a thread of its own (the "loop per
// thread" of DESIGN.md principle 2).
//
// The constructor returns once the loop exists, so loop() can be handed to
// run_coroutine_threadsafe or call_soon_threadsafe at once. stop() (and the destructor)
// stops the loop, lets it close on its own thread (leftover tasks are cancelled, the
// default executor is shut down) and joins the thread. The loop is the thread's current
// loop (get_event_loop() works there).
//
//   corio::LoopThread worker("worker");
//   auto f = corio::run_coroutine_threadsafe(job(), worker.loop());
//   f.result();
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "corio/loop/event_loop.hpp"

namespace corio {

class LoopThread {
 public:
  /// Starts the thread (named `name`, see current_thread_name) and its loop.
  explicit LoopThread(std::string name = "LoopThread", LoopOptions options = {});
  /// stop().
  ~LoopThread();
  LoopThread(const LoopThread&) = delete;
  LoopThread& operator=(const LoopThread&) = delete;

  /// The loop. Other threads may only use its thread-safe entry points
  /// (call_soon_threadsafe, run_coroutine_threadsafe, Channel).
  EventLoop& loop() const noexcept { return *loop_; }
  /// Stops the loop and waits until it has closed and the thread has ended. Idempotent;
  /// from the loop's own thread it only asks the loop to stop (the destructor joins).
  void stop();
  /// The thread's id.
  std::thread::id get_id() const noexcept { return id_; }

 private:
  std::unique_ptr<EventLoop> loop_;
  std::thread thread_;
  std::thread::id id_;
};

}  // namespace corio
