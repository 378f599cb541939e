// Task<T>: a Future<T> that drives a Coro<T> on a loop (asyncio.Task).
//
// Made by create_task / EventLoop::create_task. The loop keeps every task alive until it
// finishes, so a task nobody holds a handle to still runs to completion (asyncio's
// "disappearing task" pitfall does not exist here). A Task handle is copyable and can be
// awaited any number of times.
#pragma once

#include <atomic>
#include <source_location>
#include <string>
#include <string_view>

#include "corio/core/future.hpp"

namespace corio {

/// A scheduled coroutine; awaitable many times, cancellable (asyncio.Task).
template <class T = void>
class Task : public Future<T> {
 public:
  Task() noexcept = default;
  static Task adopt(detail::FutureStateBase* s) noexcept { return Task(s); }

  /// The task's name ("Task-N" unless given).
  std::string get_name() const { return base()->get_name(); }
  void set_name(std::string name) { base()->set_name(std::move(name)); }
  /// Number of pending cancellation requests (asyncio.Task.cancelling).
  int cancelling() const noexcept { return base()->cancelling(); }
  /// Decrements the pending cancellation requests; returns the new count.
  int uncancel() noexcept { return base()->uncancel(); }

  /// Calls fn(Task&) once done (scheduled on the loop); returns an id for removal.
  template <class F>
  std::uint64_t add_done_callback(F fn) {
    return this->template add_callback_as<Task>(std::move(fn));
  }

  detail::TaskBase* base() const noexcept { return static_cast<detail::TaskBase*>(this->s_); }

 private:
  explicit Task(detail::FutureStateBase* s) noexcept : Future<T>(s, 0) {}
};

namespace detail {
/// Set by the exec layer once a ContextVar is first set: gives a new task a copy of its
/// creator's context (contextvars). Null until then, so spawning pays one load.
inline std::atomic<void (*)(TaskBase*)> task_context_hook{nullptr};

template <class T>
Task<T> spawn(LoopCore* loop, Coro<T>&& coro, std::string_view name, std::source_location created) {
  std::source_location where = coro.where();
  auto h = coro.release();
  auto* s = new TaskState<T>(loop, h);
  if (!name.empty()) s->set_name(std::string(name));
  if (loop->debug()) {
    s->set_created_at(created);
    s->set_coro_where(where);
  }
  if (auto* inherit = task_context_hook.load(std::memory_order_relaxed)) [[unlikely]] inherit(s);
  s->add_ref();  // the loop's reference, dropped when the task finishes
  loop->task_created();
  s->start();
  return Task<T>::adopt(s);
}
}  // namespace detail

}  // namespace corio

namespace corio {

/// An untyped handle to any task: what current_task() and all_tasks() return.
class TaskRef {
 public:
  TaskRef() noexcept = default;
  explicit TaskRef(detail::TaskBase* t) noexcept : t_(t) { if (t_) t_->add_ref(); }
  template <class T>
  TaskRef(const Task<T>& t) noexcept : TaskRef(t.base()) {}  // NOLINT: implicit by design
  TaskRef(const TaskRef& o) noexcept : TaskRef(o.t_) {}
  TaskRef(TaskRef&& o) noexcept : t_(std::exchange(o.t_, nullptr)) {}
  TaskRef& operator=(TaskRef o) noexcept {
    std::swap(t_, o.t_);
    return *this;
  }
  ~TaskRef() { if (t_) t_->release(); }

  explicit operator bool() const noexcept { return t_ != nullptr; }
  std::string get_name() const { return t_->get_name(); }
  bool done() const noexcept { return t_->done(); }
  bool cancelled() const noexcept { return t_->cancelled(); }
  bool cancel(const std::string& msg = {}) { return t_->cancel(msg.empty() ? nullptr : &msg); }
  int cancelling() const noexcept { return t_->cancelling(); }
  int uncancel() noexcept { return t_->uncancel(); }
  /// The exception the task ended with (null on success); throws like Future::exception.
  std::exception_ptr exception() const { return t_->exception(); }
  /// Where the task's coroutine is defined and where the task was created.
  std::source_location coro_where() const noexcept { return t_->coro_where(); }
  std::source_location created_at() const noexcept { return t_->created_at(); }
  detail::TaskBase* base() const noexcept { return t_; }
  friend bool operator==(const TaskRef& a, const TaskRef& b) noexcept { return a.t_ == b.t_; }

 private:
  detail::TaskBase* t_ = nullptr;
};

/// The task running on this thread, or an empty TaskRef (asyncio.current_task).
inline TaskRef current_task() noexcept { return TaskRef(detail::tls_current_task); }

}  // namespace corio
