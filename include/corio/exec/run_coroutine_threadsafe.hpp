// run_coroutine_threadsafe: hand a coroutine to a loop running on another thread and
// get a concurrent::Future of its result (asyncio.run_coroutine_threadsafe).
//
// The coroutine becomes a task on `loop` (scheduled with call_soon_threadsafe), in a
// copy of the caller's context. As in asyncio, the concurrent future stays pending (not
// "running") while the task runs, so cancel() succeeds until the task is done: it
// cancels the future at once and asks the loop to cancel the task. If the loop closes
// before the task was even created, the future is cancelled.
//
//   corio::LoopThread io;                              // a loop on its own thread
//   auto f = corio::run_coroutine_threadsafe(fetch(url), io.loop());
//   std::string body = f.result(std::chrono::seconds(5));
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "corio/core/coro.hpp"
#include "corio/core/task.hpp"
#include "corio/exec/concurrent_future.hpp"
#include "corio/exec/context_var.hpp"
#include "corio/exec/detail/loop_link.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio {

namespace detail {

/// Loop-thread-only: the task while it runs (cleared when it finishes), for the cancel
/// that the concurrent future posts.
struct TaskLink {
  TaskBase* task = nullptr;
};

template <class T>
class ThreadsafeSubmission {
 public:
  ThreadsafeSubmission(Coro<T> coro, concurrent::Future<T> cf, std::shared_ptr<const void> ctx)
      : coro_(std::move(coro)), cf_(std::move(cf)), ctx_(std::move(ctx)) {}
  ThreadsafeSubmission(const ThreadsafeSubmission&) = delete;
  ThreadsafeSubmission& operator=(const ThreadsafeSubmission&) = delete;
  ~ThreadsafeSubmission() {
    if (!started_) cf_.cancel();  // dropped by a loop that closed before running it
  }

  /// Runs on the loop's thread: makes the task and chains it to the future.
  void start(EventLoop& loop) {
    started_ = true;
    if (cf_.cancelled()) return;  // cancelled before it reached the loop: never runs
    Task<T> task;
    try {
      ContextScope scope(std::move(ctx_));
      task = loop.create_task(std::move(coro_));
    } catch (...) {
      if (cf_.set_running_or_notify_cancel()) cf_.set_exception(std::current_exception());
      return;
    }
    auto link = std::make_shared<TaskLink>();
    link->task = task.base();
    on_done_sync(task.state(), [link, cf = cf_](FutureStateBase* s) mutable noexcept {
      link->task = nullptr;
      try {
        if (s->cancelled()) {
          cf.cancel();
          return;
        }
        std::exception_ptr e = s->exception();  // marks it retrieved: cf reports it
        if (!cf.set_running_or_notify_cancel()) return;
        if (e) {
          cf.set_exception(std::move(e));
        } else if constexpr (std::is_void_v<T>) {
          cf.set_result();
        } else {
          cf.set_result(std::move(*value_box<T>(s).value));  // nobody else reads this task
        }
      } catch (...) {
      }
    });
    std::shared_ptr<LoopAnchor> anchor = anchor_of(loop);
    cf_.add_done_callback([anchor, link](concurrent::Future<T>& f) mutable {
      std::shared_ptr<LoopAnchor> a = std::move(anchor);
      std::shared_ptr<TaskLink> l = std::move(link);
      if (!f.cancelled()) return;
      a->post([l] {
        if (TaskBase* t = l->task) t->cancel(nullptr);
      });
    });
  }

 private:
  Coro<T> coro_;
  concurrent::Future<T> cf_;
  std::shared_ptr<const void> ctx_;
  bool started_ = false;
};

}  // namespace detail

/// Schedules `coro` as a task on `loop` from any thread; returns a future of its result.
/// RuntimeError if the loop is closed. `loop` must stay alive until the call returns.
/// Cancellation: cancelling the returned future cancels the task on its loop.
template <class T>
concurrent::Future<T> run_coroutine_threadsafe(Coro<T> coro, EventLoop& loop) {
  concurrent::Future<T> cf;
  auto sub = std::make_shared<detail::ThreadsafeSubmission<T>>(std::move(coro), cf, detail::capture_context());
  EventLoop* l = &loop;
  loop.call_soon_threadsafe([sub, l] { sub->start(*l); });
  return cf;
}

}  // namespace corio
