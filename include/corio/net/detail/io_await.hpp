// IoAwait: the awaiter behind every socket and pipe operation.
//
// await_ready asks the driver to complete the op at once (epoll runs the non-blocking
// syscall; io_uring declines and batches it with the next wait). Otherwise the op is
// submitted and the task parks. Cancellation: the op is cancelled in the driver and
// the task resumes only when the op has completed, since the kernel may use its buffers
// until then. If the op completed despite the cancellation (the data arrived first),
// its result is returned and the cancellation is raised at the next await point, so no
// received byte and no accepted connection is ever lost.
#pragma once

#include <coroutine>
#include <cstdint>

#include "corio/core/detail/task_state.hpp"
#include "corio/loop/detail/io_op.hpp"

namespace corio {
class EventLoop;
}

namespace corio::detail {

class IoAwait : private WaitHook {
 public:
  IoAwait() = default;
  IoAwait(const IoAwait&) = delete;
  IoAwait& operator=(const IoAwait&) = delete;
  ~IoAwait();

  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  /// The raw result: >= 0, or -errno. Throws CancelledError if the op was cancelled.
  std::int32_t await_resume();

  IoOp op;

 private:
  static void completed(IoOp* op) noexcept;
  static bool cancel(WaitHook* self, TaskBase* task, const std::string* msg);
  EventLoop* loop_ = nullptr;
  TaskBase* task_ = nullptr;
};

}  // namespace corio::detail
