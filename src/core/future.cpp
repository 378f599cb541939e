#include <cstdio>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/core/detail/future_state.hpp"
#include "corio/core/detail/task_state.hpp"

namespace corio::detail {

namespace {
thread_local std::uint64_t tls_callback_ids = 0;
}  // namespace

std::uint64_t next_callback_id() noexcept { return ++tls_callback_ids; }

void report_error(LoopCore* loop, const ExceptionContext& ctx) noexcept {
  if (!loop) loop = tls_running_loop;
  if (loop) {
    loop->report(ctx);
    return;
  }
  std::string line = ctx.message;
  if (!ctx.task_name.empty()) line += " [" + ctx.task_name + "]";
  if (ctx.exception) line += ": " + describe(ctx.exception);
  if (ctx.where.line()) {
    line += std::string(" (") + ctx.where.file_name() + ":" + std::to_string(ctx.where.line()) + ")";
  }
  std::fprintf(stderr, "corio: %s\n", line.c_str());
}

void report_never_awaited(const std::source_location& where) noexcept {
  LoopCore* loop = tls_running_loop;
  if (!loop || !loop->debug()) return;
  report_error(loop, ExceptionContext{std::string("coroutine ") + where.function_name() +
                                          " was never awaited",
                                      {}, {}, where});
}

// ---- FutureStateBase ----

void FutureStateBase::report_never_retrieved() noexcept {
  retrieved_ = true;
  try {
    std::string who = describe_self();
    std::string name = is_task_ ? static_cast<const TaskBase*>(this)->get_name() : std::string();
    report_error(loop_, ExceptionContext{who + " exception was never retrieved", stored_exception(), name, created_at()});
  } catch (...) {
  }
}

void FutureStateBase::set_cancel_message(const std::string* msg) {
  if (msg && !msg->empty()) extra().cancel_msg = *msg;
  else if (extra_) extra_->cancel_msg.clear();
}

bool FutureStateBase::cancel(const std::string* msg) {
  if (done()) return false;
  finish_cancelled(msg);
  return true;
}

void FutureStateBase::finish_exception(std::exception_ptr e) noexcept {
  store_exception(std::move(e));
  status_ = Status::Finished;
  fire_callbacks();
}

void FutureStateBase::finish_cancelled(const std::string* msg) noexcept {
  try {
    set_cancel_message(msg);
  } catch (...) {
  }
  status_ = Status::Cancelled;
  fire_callbacks();
}

void FutureStateBase::finish_value() noexcept {
  status_ = Status::Finished;
  fire_callbacks();
}

std::exception_ptr FutureStateBase::exception() {
  if (status_ == Status::Pending) throw InvalidStateError("exception is not set yet");
  if (status_ == Status::Cancelled) throw CancelledError(cancel_message());
  retrieved_ = true;
  return stored_exception();
}

void FutureStateBase::check_result() {
  if (status_ == Status::Finished) {
    retrieved_ = true;
    if (has_exception()) std::rethrow_exception(extra_->exc);
    return;
  }
  if (status_ == Status::Cancelled) throw CancelledError(cancel_message());
  throw InvalidStateError("result is not set yet");
}

FutureExtra& FutureStateBase::extra() {
  if (!extra_) extra_ = std::make_unique<FutureExtra>();
  return *extra_;
}

void FutureStateBase::add_callback(FutureCallback* cb) noexcept {
  if (done()) {
    // asyncio schedules the callback at once when the future is already done.
    cb->next = nullptr;
    cb->fire(cb, this);
    return;
  }
  if (!cb_tail_) {
    cb->next = cb;
  } else {
    cb->next = cb_tail_->next;
    cb_tail_->next = cb;
  }
  cb_tail_ = cb;
}

void FutureStateBase::remove_callback(FutureCallback* cb) noexcept {
  if (!cb->next) return;  // not registered (already fired or removed)
  // The future is firing its callbacks (they were detached first): this one fires
  // too. Callbacks only ever remove nodes of other futures, from task context.
  if (!cb_tail_) return;
  if (cb->next == cb) {
    cb_tail_ = nullptr;
  } else {
    FutureCallback* before = cb_tail_;
    while (before->next != cb) before = before->next;
    before->next = cb->next;
    if (cb_tail_ == cb) cb_tail_ = before;
  }
  cb->next = nullptr;
}

std::size_t FutureStateBase::remove_callback_id(std::uint64_t id) noexcept {
  std::vector<UserCallbackBase*> found;
  for_each_callback([&](FutureCallback* cb) {
    if (cb->fire == &UserCallbackBase::fire_cb && static_cast<UserCallbackBase*>(cb)->id == id) {
      found.push_back(static_cast<UserCallbackBase*>(cb));
    }
  });
  for (UserCallbackBase* u : found) {
    remove_callback(u);
    u->drop(u);
  }
  return found.size();
}

void FutureStateBase::fire_callbacks() noexcept {
  FutureCallback* tail = cb_tail_;
  if (!tail) return;
  cb_tail_ = nullptr;
  FutureCallback* head = tail->next;
  tail->next = nullptr;  // break the ring at the tail
  for (FutureCallback* cb = head; cb;) {
    FutureCallback* next = cb->next;
    cb->next = nullptr;
    cb->fire(cb, this);
    cb = next;
  }
}

// ---- FutureWait ----

namespace {
bool cancel_awaited_future(WaitHook* hook, TaskBase*, const std::string* msg) {
  return static_cast<FutureWait*>(hook)->fut->cancel(msg);
}
void fire_future_wait(FutureCallback* cb, FutureStateBase*) noexcept {
  static_cast<FutureWait*>(cb)->task->wake();
}
}  // namespace

void FutureWait::await_suspend(std::coroutine_handle<> h) {
  task = tls_current_task;
  if (!task) throw RuntimeError("a future can only be awaited inside a running task");
  if (static_cast<FutureStateBase*>(task) == fut) throw RuntimeError("Task cannot await on itself");
  fire = &fire_future_wait;
  fut->add_callback(this);
  on_cancel = &cancel_awaited_future;
  task->park(h, this);
}

void FutureWait::finish_wait() {
  if (task) task->throw_if_cancel_requested();
  fut->check_result();
}

// ---- TaskBase ----

std::string TaskBase::get_name() const {
  if (extra_ && extra_->name) return *extra_->name;
  return "Task-" + std::to_string(id_);
}
void TaskBase::set_name(std::string name) { extra().name = std::make_unique<std::string>(std::move(name)); }

bool TaskBase::cancel(const std::string* msg) {
  if (done()) return false;
  ++num_cancels_requested_;
  if (WaitHook* hook = take_wait_hook()) {
    if (hook->on_cancel(hook, this, msg)) return true;
  }
  set_flag(kMustCancel, true);
  set_cancel_message(msg);
  return true;
}

int TaskBase::uncancel() noexcept {
  if (num_cancels_requested_ > 0) {
    --num_cancels_requested_;
    if (num_cancels_requested_ == 0) set_flag(kMustCancel, false);
  }
  return num_cancels_requested_;
}

void TaskBase::raise_cancel() {
  set_flag(kMustCancel, false);
  throw CancelledError(cancel_message());
}

void TaskBase::step(ReadyLink* self) noexcept {
  auto* t = static_cast<TaskBase*>(self);
  t->set_flag(kScheduled, false);
  t->next_ready = 0;  // the queue link (already followed) is not a wait hook
  if (t->done()) return;
  if (!(t->task_flags_ & kStarted)) {
    t->set_flag(kStarted, true);
    if (t->task_flags_ & kMustCancel) {
      // Cancelled before its first step: the body never runs (asyncio throws the
      // CancelledError in at the very start).
      t->set_flag(kMustCancel, false);
      t->coro_.destroy();
      t->coro_ = nullptr;
      std::string msg = t->cancel_message();  // keep the message given to cancel()
      t->finish_cancelled(&msg);
      t->leave_loop();
      return;
    }
  }
  TaskBase* prev = tls_current_task;
  tls_current_task = t;
  resume_chain(t->resume_point_);
  tls_current_task = prev;
  if (t->coro_.done()) {
    t->complete();
    return;
  }
  t->ensure_registered();
  if ((t->task_flags_ & kMustCancel) && t->wait_hook()) [[unlikely]] {
    // Cancelled while it was running (e.g. by itself): interrupt the wait it has just
    // begun, as asyncio's __step cancels the future a task yields while _must_cancel is
    // set. Otherwise the cancellation would only arrive when the wait ends by itself.
    WaitHook* hook = t->take_wait_hook();
    std::string msg = t->cancel_message();
    hook->on_cancel(hook, t, msg.empty() ? nullptr : &msg);
  }
}

void TaskBase::abandon() noexcept {
  if (done()) return;
  take_wait_hook();
  ++timer_gen;  // a queued timer entry must not wake it
  if (coro_) {
    coro_.destroy();
    coro_ = nullptr;
  }
  std::string msg = cancel_message();
  finish_cancelled(&msg);
  leave_loop();
}

void TaskBase::complete() noexcept {
  collect_result();
  coro_.destroy();
  coro_ = nullptr;
  if (has_exception() && is_cancelled_error(extra_->exc)) {
    std::string msg;
    try {
      std::rethrow_exception(extra_->exc);
    } catch (const CancelledError& c) {
      msg = c.message();
    } catch (...) {
    }
    extra_->exc = nullptr;
    finish_cancelled(&msg);
  } else if (has_exception()) {
    status_ = Status::Finished;  // the exception is in place already
    fire_callbacks();
  } else if (task_flags_ & kMustCancel) {
    // The body returned before the cancellation reached it: asyncio drops the value.
    set_flag(kMustCancel, false);
    discard_result();
    std::string msg = cancel_message();
    finish_cancelled(&msg);
  } else {
    finish_value();
  }
  leave_loop();
}

void TaskBase::leave_loop() noexcept {
  LoopCore* loop = loop_;
  loop->task_ended();
  if (task_flags_ & kRegistered) loop->unregister_task(this);
  release();
}

}  // namespace corio::detail
