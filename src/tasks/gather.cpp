#include "corio/tasks/gather.hpp"

namespace corio::detail {

GatherCore::~GatherCore() {
  for (Child& c : children_) {
    if (c.owner) c.fut->remove_callback(&c);
    if (c.fut) c.fut->release();
  }
}

bool GatherCore::begin_watch() {
  if (total_ == 0) {
    build_result();
    return false;
  }
  self_->add_ref();  // kept until the last child is done: the nodes live in this state
  return true;
}

void GatherCore::watch() {
  if (!begin_watch()) return;
  // By index: the last child's callback may free the table (see after_child).
  for (std::size_t i = 0, n = children_.size(); i < n; ++i) watch_child(children_[i]);
}

bool GatherCore::cancel_children(const std::string* msg) {
  if (self_->done() || cancel_requested_) return false;
  bool any = false;
  for (Child& c : children_) {
    if (c.fut && c.fut->cancel(msg)) any = true;
  }
  if (any) cancel_requested_ = true;
  return any;
}

void GatherCore::finish_all(FutureStateBase* last) noexcept {
  if (self_->done()) return;
  if (cancel_requested_) {
    std::string msg = last->cancelled() ? last->cancel_message() : std::string();
    self_->finish_cancelled(&msg);
  } else {
    build_result();
  }
}

void GatherCore::after_child(Child& c, FutureStateBase* fut, bool last) noexcept {
  // A finished task's result is no longer needed once stored (or once the gather is
  // over), and the loop still holds the task until its callbacks have run, so the
  // reference can go now. A plain future is kept: whoever completes it may hold no
  // reference of its own while its callbacks run.
  if (fut->is_task() && (eager_ || self_->done())) {
    c.fut = nullptr;
    ++given_back_;
    fut->release();
  }
  if (last) {
    FutureStateBase* self = self_;
    if (given_back_ == total_) ChildTable().swap(children_);
    self->release();  // may destroy this gather
  }
}

void GatherCore::on_child_done(FutureCallback* cb, FutureStateBase* fut) noexcept {
  auto* c = static_cast<Child*>(cb);
  GatherCore* g = c->owner;
  c->owner = nullptr;  // no longer registered
  ++g->finished_;
  FutureStateBase* self = g->self_;
  bool last = g->finished_ == g->total_;
  if (!self->done()) {
    if (!g->return_exceptions_ && fut->cancelled()) {
      // asyncio: a cancelled child fails the gather with CancelledError.
      std::string msg = fut->cancel_message();
      self->finish_exception(std::make_exception_ptr(CancelledError(msg)));
    } else if (!g->return_exceptions_ && fut->has_exception()) {
      self->finish_exception(fut->exception());
    } else {
      if (g->eager_) {
        try {
          g->store_result(static_cast<std::size_t>(c - g->children_.data()), fut);
        } catch (...) {
          self->finish_exception(std::current_exception());
        }
      }
      if (last) g->finish_all(fut);
    }
  } else if (!fut->cancelled()) {
    fut->exception();  // the gather already failed: mark this child's error as seen
  }
  g->after_child(*c, fut, last);
}

}  // namespace corio::detail
