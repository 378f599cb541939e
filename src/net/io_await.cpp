#include "corio/net/detail/io_await.hpp"

#include <cerrno>

#include "corio/loop/event_loop.hpp"
#include "loop/driver/driver.hpp"

namespace corio::detail {

bool IoAwait::await_ready() {
  loop_ = &running_loop_ref();
  // A pending cancellation must be delivered, not overtaken by an op that completes at
  // once: such an op is submitted instead, and the task's step cancels it right away.
  TaskBase* t = tls_current_task;
  if (t && t->must_cancel()) return false;
  return loop_->driver().try_now(&op);
}

void IoAwait::await_suspend(std::coroutine_handle<> h) {
  task_ = tls_current_task;
  if (!task_) throw RuntimeError("socket operations must be awaited inside a running task");
  op.on_complete = &IoAwait::completed;
  op.owner = this;
  loop_->driver().submit(&op);
  on_cancel = &IoAwait::cancel;
  task_->park(h, this);
}

void IoAwait::completed(IoOp* op) noexcept { static_cast<IoAwait*>(op->owner)->task_->wake(); }

bool IoAwait::cancel(WaitHook* self, TaskBase*, const std::string*) {
  auto* me = static_cast<IoAwait*>(self);
  me->loop_->driver().cancel(&me->op);
  return false;  // the task raises CancelledError once the op has completed
}

std::int32_t IoAwait::await_resume() {
  if (task_ && op.result == -ECANCELED) task_->throw_if_cancel_requested();
  return op.result;
}

IoAwait::~IoAwait() {
  // Only when a loop destroys a frame that is still waiting (closing with a task that
  // never finished): the kernel must be done with the op before its memory goes.
  if (op.pending && loop_ && loop_->has_driver()) {
    loop_->driver().cancel(&op);
    op.on_complete = [](IoOp*) noexcept {};
    for (int i = 0; i < 1000 && op.pending; ++i) loop_->driver().wait(1'000'000);
  }
}

}  // namespace corio::detail
