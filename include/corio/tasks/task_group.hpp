// TaskGroup: structured concurrency (asyncio.TaskGroup).
//
// Python's `async with TaskGroup() as tg:` becomes:
//
//   corio::TaskGroup tg;
//   tg.create_task(a());
//   tg.create_task(b());
//   co_await tg.join();   // __aexit__: waits for every child
//
// The first child failure cancels the other children and the task that owns the group
// (so a body still running is interrupted); join() then waits for everything and
// raises all failures together as an ExceptionGroup. cancel() ends the group early
// without an error. If the body itself fails, pass the error to join(error) so the
// children are cancelled and the body's error is reported with theirs. A group
// destroyed without join() cancels its children (they still finish on the loop) and
// reports unretrieved failures through the loop's exception handler.
#pragma once

#include <exception>
#include <memory>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "corio/core/task.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio {

class TaskGroup {
 public:
  /// Binds the group to the current task. Throws RuntimeError outside a task.
  TaskGroup();
  ~TaskGroup();
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  /// Starts `coro` as a child task. Throws RuntimeError once the group is finished or
  /// shutting down after a failure.
  template <class T>
  Task<T> create_task(Coro<T> coro, std::string_view name = {},
                      std::source_location loc = std::source_location::current()) {
    check_accepting();
    Task<T> t = loop_->create_task(std::move(coro), name, loc);
    adopt(t.base());
    return t;
  }

  /// Waits for every child. Raises ExceptionGroup with every failure (the body's
  /// `body_error` first, if given), or CancelledError if the owner was cancelled from
  /// outside. Cancellation: a cancellation while joining cancels the children first.
  Coro<void> join(std::exception_ptr body_error = nullptr);

  /// Cancels every child and makes join() return without error.
  void cancel();

  /// Number of children still running.
  std::size_t size() const noexcept;

 private:
  struct Child;
  void adopt(detail::TaskBase* t);
  void check_accepting() const;
  void abort();
  static void on_child_done(detail::FutureCallback* cb, detail::FutureStateBase* f) noexcept;

  EventLoop* loop_;
  detail::TaskBase* parent_;
  std::vector<std::unique_ptr<Child>> children_;
  std::size_t running_ = 0;
  std::vector<std::exception_ptr> errors_;
  Future<void> on_completed_;
  bool aborting_ = false;
  bool parent_cancel_requested_ = false;
  bool cancelled_by_user_ = false;
  bool exiting_ = false;
  bool joined_ = false;
};

}  // namespace corio

namespace corio {

/// The `async with TaskGroup() as tg:` block as one call: runs body(tg), then joins,
/// handing any error of the body to join() so nothing is lost.
///
///   co_await corio::task_group([&](corio::TaskGroup& tg) -> corio::Coro<void> {
///     tg.create_task(a());
///     co_await corio::sleep(1s);
///   });
template <class Body>
Coro<void> task_group(Body body) {
  TaskGroup tg;
  std::exception_ptr err;
  try {
    co_await body(tg);
  } catch (...) {
    err = std::current_exception();
  }
  co_await tg.join(err);
}

}  // namespace corio
