// WorkerPool: a few threads that run blocking file calls for the fs layer (aiofiles'
// run_in_executor), and PoolAwait, the awaiter that parks a task on one such call.
//
// Why a pool: a regular file is always "ready" for epoll, so on the epoll driver a read
// that misses the page cache, an open() or a stat() would stall the whole loop. They run
// here instead; io_uring does reads and writes in the kernel and needs the pool only
// for open, stat and truncate. (Private until the exec layer's ThreadPoolExecutor
// exists; see the switch-over note in file_io.hpp.)
//
// A job is embedded in its awaiter (no allocation per call). Its life:
//   Queued  --worker takes it-->  Running  --call ends, completion posted-->  Done
//   Queued  --task cancelled-->   Unqueued (the task resumes at once, CancelledError)
// The completion goes back through EventLoop::call_soon_threadsafe, whose callback
// wakes the parked task. Invariants:
//  - The worker touches the job's buffers and its loop only before marking it Done, so
//    an awaiter that has seen Done may free everything.
//  - A running call is never abandoned: a cancelled task waits for it (its buffers are
//    in use) and gets the call's result; the cancellation is raised at its next await.
//  - An awaiter destroyed while its job is pending (a loop closing with the task still
//    parked) unqueues it or waits for it to finish, and cancels the posted callback.
#pragma once

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "corio/core/detail/task_state.hpp"
#include "corio/loop/handle.hpp"

namespace corio {
class EventLoop;
}

namespace corio::fs::detail {

struct PoolJob {
  enum class State : std::uint8_t { Idle, Queued, Running, Done, Unqueued };
  /// Runs on a worker: returns >= 0, or -errno.
  std::int64_t (*run)(void* ctx) = nullptr;
  void* ctx = nullptr;
  std::int64_t result = 0;
  // Written under the pool's mutex; read without it by the awaiter's own thread.
  std::atomic<State> state{State::Idle};
  EventLoop* loop = nullptr;
  corio::detail::TaskBase* task = nullptr;
  Handle posted;  // the completion callback, once posted
  PoolJob* next = nullptr;
  PoolJob* prev = nullptr;
};

class WorkerPool {
 public:
  /// At most this many threads; they are started on demand and live until exit.
  static constexpr int kMaxThreads = 4;

  /// The process-wide pool (never destroyed).
  static WorkerPool& instance();

  void submit(PoolJob* job);
  /// Takes a job that no worker has started off the queue; false if one has.
  bool unqueue(PoolJob* job) noexcept;
  /// Blocks until a started job is Done (its worker no longer touches it).
  void wait_done(PoolJob* job) noexcept;

 private:
  WorkerPool() = default;
  void work();

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  PoolJob* head_ = nullptr;
  PoolJob* tail_ = nullptr;
  std::vector<std::thread> threads_;
  int idle_ = 0;
};

/// Awaits one blocking call on the pool: co_await gives its result (>= 0, or -errno).
/// Cancellation: a call not started yet is dropped and CancelledError raised; a started
/// one is waited for and its result returned (the cancellation comes at the next await).
class PoolAwait : private corio::detail::WaitHook {
 public:
  PoolAwait(std::int64_t (*run)(void*), void* ctx) noexcept {
    job_.run = run;
    job_.ctx = ctx;
  }
  PoolAwait(const PoolAwait&) = delete;
  PoolAwait& operator=(const PoolAwait&) = delete;
  ~PoolAwait();

  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h);
  std::int64_t await_resume();

 private:
  static bool cancel(corio::detail::WaitHook* self, corio::detail::TaskBase* task, const std::string* msg);
  PoolJob job_;
};

/// co_await run_blocking([&] { return ::fsync(fd) < 0 ? -errno : 0; }): runs `fn` on
/// the pool. `fn` lives in the awaiting frame, which outlives the call (see above).
template <class F>
class BlockingCall : public PoolAwait {
 public:
  explicit BlockingCall(F fn) : PoolAwait(&invoke, &fn_), fn_(std::move(fn)) {}

 private:
  static std::int64_t invoke(void* ctx) { return (*static_cast<F*>(ctx))(); }
  F fn_;
};

template <class F>
BlockingCall<F> run_blocking(F fn) {
  return BlockingCall<F>(std::move(fn));
}

}  // namespace corio::fs::detail
