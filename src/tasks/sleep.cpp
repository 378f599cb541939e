#include "corio/tasks/sleep.hpp"

#include "corio/loop/event_loop.hpp"

namespace corio::detail {

namespace {
bool cancel_sleep(WaitHook*, TaskBase* task, const std::string*) {
  ++task->timer_gen;  // the queued timer entry becomes stale
  static_cast<EventLoop*>(task->loop())->note_timer_cancelled();
  task->wake();
  return false;  // the task raises CancelledError at the await point
}
// A sleep needs no state of its own to be cancelled: every sleeper shares this hook.
WaitHook sleep_hook{&cancel_sleep};
}  // namespace

void SleepAwaiter::await_suspend(std::coroutine_handle<> h) {
  TaskBase* task = tls_current_task;
  if (!task) throw RuntimeError("sleep() must be awaited inside a running task");
  if (delay_ns <= 0) {
    task->park(h, nullptr);
    task->wake();
    return;
  }
  auto* loop = static_cast<EventLoop*>(task->loop());
  std::uint32_t gen = ++task->timer_gen;
  loop->add_task_timer(loop->time_ns() + delay_ns, task, gen);
  task->park(h, &sleep_hook);
}

}  // namespace corio::detail
