// TaskBase: the state of a Task, i.e. a future that drives a coroutine (asyncio.Task).
//
// Stepping: the loop runs a task by resuming `resume_point_` through the trampoline;
// when the top coroutine's frame reports done(), the task collects its result, destroys
// the frame and fires its callbacks.
//
// Suspension protocol, followed by every awaitable that suspends a task (timers, future
// waits, queues, I/O): in await_suspend call park(handle, hook); arrange for
// wake() to be called when the wait is over; in await_resume call
// throw_if_cancel_requested(). `hook->on_cancel` is how Task::cancel interrupts the wait: it
// must unregister the waiter, and either cancel a future it waits on (return true, the
// future's completion wakes the task) or wake the task itself (return false; the task
// then raises CancelledError at the await point).
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <source_location>
#include <string>

#include "corio/core/coro.hpp"
#include "corio/core/detail/future_state.hpp"

namespace corio::detail {

/// Numbers the tasks made on this thread (the N of "Task-N").
inline thread_local std::uint32_t tls_task_ids = 0;

class TaskBase : public FutureStateBase, public ReadyLink {
 public:
  using CancelWaiterFn = WaitHook::CancelFn;

  TaskBase(LoopCore* loop, std::coroutine_handle<> coro) noexcept
      : FutureStateBase(loop), coro_(coro), resume_point_(coro), id_(++tls_task_ids) {
    is_task_ = true;
  }
  ~TaskBase() override {
    if (extra_ && extra_->exc && !retrieved_) [[unlikely]] report_never_retrieved();
    if (coro_) [[unlikely]] coro_.destroy();
  }

  bool cancel(const std::string* msg) override;
  int cancelling() const noexcept { return num_cancels_requested_; }
  int uncancel() noexcept;

  std::string get_name() const;
  void set_name(std::string name);
  std::string describe_self() const override { return "Task '" + get_name() + "'"; }
  std::source_location created_at() const noexcept override {
    return extra_ ? extra_->created_at : std::source_location{};
  }
  /// Records where the task was created (done in debug mode, as asyncio does).
  void set_created_at(std::source_location loc) { extra().created_at = loc; }
  /// Where the task's coroutine function is defined (recorded in debug mode).
  std::source_location coro_where() const noexcept { return extra_ ? extra_->coro_where : std::source_location{}; }
  void set_coro_where(std::source_location loc) { extra().coro_where = loc; }
  /// The task's context variables (opaque to the core; see exec/context_var.hpp).
  const void* context_ptr() const noexcept { return extra_ ? extra_->context.get() : nullptr; }
  std::shared_ptr<const void> context() const noexcept { return extra_ ? extra_->context : nullptr; }
  void set_context(std::shared_ptr<const void> ctx) { extra().context = std::move(ctx); }

  /// `hook` (null: the wait cannot be interrupted before it ends by itself) stays
  /// valid until wake().
  ///
  /// The hook shares its word with the ready-queue link (ReadyLink::next_ready): a task
  /// is never queued and waiting at once, which keeps a Task<int> within 80 bytes. A
  /// task woken before it parked (its wait was over at once) keeps no hook.
  void park(std::coroutine_handle<> h, WaitHook* hook) noexcept {
    resume_point_ = h;
    if (!(task_flags_ & kScheduled)) next_ready = reinterpret_cast<std::uintptr_t>(hook);
  }
  void wake() noexcept {
    if (!(task_flags_ & kScheduled)) {
      task_flags_ |= kScheduled;
      loop_->schedule_task(this);  // the queue link replaces the hook
    }
  }
  void throw_if_cancel_requested() {
    if (task_flags_ & kMustCancel) [[unlikely]] raise_cancel();
  }
  /// True while a cancellation is pending delivery at the next await point.
  bool must_cancel() const noexcept { return task_flags_ & kMustCancel; }
  /// True once the task is in its loop's table (see LoopCore::register_task).
  bool registered() const noexcept { return task_flags_ & kRegistered; }
  /// Puts the task in its loop's table if it is not there yet.
  void ensure_registered() noexcept {
    if (!(task_flags_ & kRegistered)) {
      task_flags_ |= kRegistered;
      loop_->register_task(this);
    }
  }

  /// Generation of the task's current timer wait; bumping it invalidates the timer.
  std::uint32_t timer_gen = 0;
  /// Position in the loop's table of tasks, once registered.
  std::uint32_t loop_index = 0;

  /// Runs the task's next step; the loop calls it for the task entries of its queue.
  static void step(ReadyLink* self) noexcept;

  /// Ends a task that will never be resumed (its loop is closing): destroys the frame
  /// and finishes the task cancelled. Precondition: the task is not running.
  void abandon() noexcept;

  /// Schedules the first step (called by create_task).
  void start() noexcept { wake(); }

 protected:
  virtual void collect_result() noexcept = 0;
  /// Destroys the value collect_result stored (the task ends cancelled instead).
  virtual void discard_result() noexcept = 0;
  std::coroutine_handle<> coro_;

 private:
  void complete() noexcept;
  /// The hook of the wait the task is parked in, if any (see park).
  WaitHook* wait_hook() const noexcept {
    return (task_flags_ & kScheduled) ? nullptr : reinterpret_cast<WaitHook*>(next_ready);
  }
  /// Removes and returns the hook.
  WaitHook* take_wait_hook() noexcept {
    WaitHook* hook = wait_hook();
    if (hook) next_ready = 0;
    return hook;
  }
  /// The loop stops owning the finished task (and drops its reference).
  void leave_loop() noexcept;
  [[noreturn]] void raise_cancel();

  static constexpr std::uint8_t kScheduled = 1, kStarted = 2, kMustCancel = 4, kRegistered = 8;
  void set_flag(std::uint8_t f, bool on) noexcept { task_flags_ = on ? (task_flags_ | f) : (task_flags_ & ~f); }

  std::coroutine_handle<> resume_point_;
  std::uint32_t id_;
};

template <class T>
class TaskState final : public TaskBase, public ValueBox<T> {
 public:
  using TaskBase::TaskBase;
  ~TaskState() override { this->destroy_value(*this); }

 private:
  void discard_result() noexcept override {
    if constexpr (!std::is_void_v<T>) this->value.destroy();
  }
  void collect_result() noexcept override {
    auto& box = tls_result_mailbox<T>;
    if (box.has_exception()) {
      store_exception(box.take_exception());
    } else if constexpr (std::is_void_v<T>) {
      box.clear();
    } else {
      try {
        this->value.emplace(box.take());
      } catch (...) {
        store_exception(std::current_exception());
      }
    }
  }
};

}  // namespace corio::detail
