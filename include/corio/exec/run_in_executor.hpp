// run_in_executor and to_thread: run a blocking function on another thread and await its
// result from a task (loop.run_in_executor, asyncio.to_thread).
//
// Each loop has a default executor, a ThreadPoolExecutor made on first use (its threads
// are named "corio_<i>") and shut down when the loop closes: close() waits for the work
// still queued or running, running the loop meanwhile, as asyncio.run's
// shutdown_default_executor does. set_default_executor replaces it.
//
//   std::string text = co_await corio::to_thread(read_file, path);
//   auto h = co_await corio::run_in_executor(&pool, hash_block, std::move(block));
#pragma once

#include <memory>
#include <utility>

#include "corio/exec/context_var.hpp"
#include "corio/exec/executor.hpp"
#include "corio/exec/wrap_future.hpp"

namespace corio {

namespace detail {
/// The loop's default executor, made on first use (loop thread).
Executor& default_executor(EventLoop& loop);
}  // namespace detail

/// Makes `executor` the default executor of `loop` (loop.set_default_executor). The loop
/// shuts it down when it closes.
void set_default_executor(EventLoop& loop, std::shared_ptr<Executor> executor);

/// Runs fn(args...) in `executor` (null: the running loop's default executor) and
/// returns a Future of the running loop with its result (loop.run_in_executor). fn and
/// the arguments are copied or moved into the job, as std::thread does.
/// Cancellation: cancelling the future (or the task awaiting it) cancels the job if it
/// has not started; a running job runs to its end and its result is dropped.
template <class F, class... A>
Future<detail::call_result_t<F, A...>> run_in_executor(Executor* executor, F&& fn, A&&... args) {
  EventLoop& loop = detail::running_loop_ref();
  Executor& ex = executor ? *executor : detail::default_executor(loop);
  return detail::wrap_future_on(loop, ex.submit(std::forward<F>(fn), std::forward<A>(args)...), true);
}

/// Runs fn(args...) in the running loop's default executor, in a copy of the caller's
/// context (ContextVar values), and returns a Future with its result (asyncio.to_thread).
/// Cancellation: as run_in_executor.
template <class F, class... A>
Future<detail::call_result_t<F, A...>> to_thread(F&& fn, A&&... args) {
  using R = detail::call_result_t<F, A...>;
  auto call = detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...);
  return run_in_executor(nullptr, [ctx = detail::capture_context(), call = std::move(call)]() mutable -> R {
    detail::ContextScope scope(ctx);
    return call();
  });
}

}  // namespace corio
