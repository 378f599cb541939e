#include "corio/tasks/task_group.hpp"

#include "corio/core/detail/task_state.hpp"

namespace corio {

struct TaskGroup::Child : detail::FutureCallback {
  TaskGroup* group;
  detail::TaskBase* task;
  bool registered = true;
};

TaskGroup::TaskGroup() : loop_(&detail::running_loop_ref()), parent_(detail::tls_current_task) {
  if (!parent_) throw RuntimeError("TaskGroup must be created inside a task");
  parent_->add_ref();
}

TaskGroup::~TaskGroup() {
  for (auto& c : children_) {
    if (c->registered) {
      c->task->remove_callback(c.get());
      c->task->cancel(nullptr);
    }
    c->task->release();
  }
  if (!joined_ && !errors_.empty()) {
    loop_->call_exception_handler(ExceptionContext{
        "TaskGroup destroyed without join(): child failures were not retrieved",
        std::make_exception_ptr(ExceptionGroup("unhandled errors in a TaskGroup", errors_)),
        parent_->get_name(), parent_->created_at()});
  }
  if (parent_cancel_requested_ && !joined_) parent_->uncancel();
  parent_->release();
}

std::size_t TaskGroup::size() const noexcept { return running_; }

void TaskGroup::check_accepting() const {
  if (joined_) throw RuntimeError("TaskGroup is finished");
  if (aborting_ && !cancelled_by_user_) throw RuntimeError("TaskGroup is shutting down");
}

void TaskGroup::adopt(detail::TaskBase* t) {
  auto c = std::make_unique<Child>();
  c->group = this;
  c->task = t;
  c->fire = &TaskGroup::on_child_done;
  t->add_ref();
  ++running_;
  Child* raw = c.get();
  children_.push_back(std::move(c));
  t->add_callback(raw);
  if (cancelled_by_user_) t->cancel(nullptr);
}

void TaskGroup::abort() {
  aborting_ = true;
  for (auto& c : children_) {
    if (!c->task->done()) c->task->cancel(nullptr);
  }
}

void TaskGroup::cancel() {
  if (joined_) return;
  cancelled_by_user_ = true;
  abort();
}

void TaskGroup::on_child_done(detail::FutureCallback* cb, detail::FutureStateBase* f) noexcept {
  auto* c = static_cast<Child*>(cb);
  c->registered = false;
  TaskGroup* g = c->group;
  --g->running_;
  if (g->running_ == 0 && g->on_completed_.valid() && !g->on_completed_.done()) g->on_completed_.set_result();
  if (f->cancelled()) return;
  std::exception_ptr e = f->exception();
  if (!e) return;
  g->errors_.push_back(e);
  if (g->parent_->done()) {
    g->loop_->call_exception_handler(ExceptionContext{"TaskGroup child failed after its owner finished", e,
                                                      c->task->get_name(), c->task->created_at()});
    return;
  }
  if (!g->aborting_ && !g->parent_cancel_requested_) {
    g->abort();
    // Interrupt the owner wherever it is, unless it is already waiting in join().
    if (!g->exiting_) {
      g->parent_cancel_requested_ = true;
      g->parent_->cancel(nullptr);
    }
  }
}

Coro<void> TaskGroup::join(std::exception_ptr body_error) {
  if (joined_) throw RuntimeError("TaskGroup::join() called twice");
  exiting_ = true;
  std::exception_ptr propagate_cancel;
  if (body_error) {
    if (is_cancelled_error(body_error)) propagate_cancel = body_error;
    if (!aborting_) abort();
  }
  while (running_ > 0) {
    on_completed_ = loop_->create_future<void>();
    bool cancelled = false;
    try {
      co_await on_completed_;
    } catch (const CancelledError&) {
      cancelled = true;
      propagate_cancel = std::current_exception();
    }
    if (cancelled && !aborting_) abort();
    on_completed_ = Future<void>();
  }
  joined_ = true;
  if (parent_cancel_requested_) {
    // The cancellation we sent the owner is spent: take it back.
    if (parent_->uncancel() == 0) propagate_cancel = nullptr;
  }
  if (cancelled_by_user_ && errors_.empty() && !body_error) co_return;
  if (propagate_cancel && errors_.empty()) std::rethrow_exception(propagate_cancel);
  std::vector<std::exception_ptr> all;
  if (body_error && !is_cancelled_error(body_error)) all.push_back(body_error);
  all.insert(all.end(), errors_.begin(), errors_.end());
  if (!all.empty()) throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(all));
}

}  // namespace corio
