// The part of an event loop that the core layer needs: the ready queue, the debug flag
// and the error report path. EventLoop (loop layer) derives from it; futures and tasks
// hold a LoopCore* so that waking a task is an inline push, not a call into the loop.
#pragma once

#include <cstdint>
#include <exception>
#include <source_location>
#include <string>

#include "corio/core/detail/runnable.hpp"

namespace corio {

/// What the loop's exception handler receives (asyncio's context dict).
struct ExceptionContext {
  std::string message;            ///< what happened
  std::exception_ptr exception;   ///< the exception, if any
  std::string task_name;          ///< the task concerned, if any
  std::source_location where{};   ///< where the task or coroutine was created, if known
};

namespace detail {

class TaskBase;

class LoopCore {
 public:
  virtual ~LoopCore() = default;
  /// Routes an error report to the loop's exception handler.
  virtual void report(const ExceptionContext& ctx) noexcept = 0;
  /// Lists a task in the loop's table of tasks (for all_tasks and close). A task is
  /// listed when it first parks: until then it is in a ready queue or running, where
  /// all_tasks finds it, and a task that runs to its end in its first step is never
  /// listed at all.
  virtual void register_task(TaskBase* t) noexcept = 0;
  /// Removes a listed task that has finished from the table.
  virtual void unregister_task(TaskBase* t) noexcept = 0;

  /// Counts the tasks the loop owns: from create_task until they finish.
  void task_created() noexcept { ++live_tasks_; }
  void task_ended() noexcept { --live_tasks_; }

  void schedule(Runnable* r) noexcept { ready_.push(r); }
  void schedule_task(ReadyLink* task) noexcept { ready_.push_task(task); }
  bool debug() const noexcept { return debug_; }

 protected:
  ReadyQueue ready_;
  std::size_t live_tasks_ = 0;
  bool debug_ = false;
};

/// The loop running on this thread (null outside run_until_complete/run_forever).
inline thread_local LoopCore* tls_running_loop = nullptr;
/// The task being stepped on this thread (null between steps).
inline thread_local TaskBase* tls_current_task = nullptr;

/// Reports through the running loop, or on stderr when no loop runs on this thread.
void report_error(LoopCore* loop, const ExceptionContext& ctx) noexcept;

}  // namespace detail
}  // namespace corio
