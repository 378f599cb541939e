#include "corio/tasks/gather.hpp"

namespace corio::detail {

GatherCore::~GatherCore() {
  for (Child& c : children_) {
    if (c.owner) c.fut->remove_callback(&c);
    c.fut->release();
  }
}

void GatherCore::watch() {
  if (children_.empty()) {
    build_result();
    return;
  }
  self_->add_ref();  // kept until the last child is done: the nodes live in this state
  for (Child& c : children_) {
    c.owner = this;
    c.fire = &GatherCore::on_child_done;
    c.fut->add_callback(&c);
  }
}

bool GatherCore::cancel_children(const std::string* msg) {
  if (self_->done() || cancel_requested_) return false;
  bool any = false;
  for (Child& c : children_) {
    if (c.fut->cancel(msg)) any = true;
  }
  if (any) cancel_requested_ = true;
  return any;
}

void GatherCore::on_child_done(FutureCallback* cb, FutureStateBase* fut) noexcept {
  auto* c = static_cast<Child*>(cb);
  GatherCore* g = c->owner;
  c->owner = nullptr;  // no longer registered
  ++g->finished_;
  FutureStateBase* self = g->self_;
  bool last = g->finished_ == g->children_.size();
  if (!self->done()) {
    if (!g->return_exceptions_ && fut->cancelled()) {
      // asyncio: a cancelled child fails the gather with CancelledError.
      std::string msg = fut->cancel_message();
      self->finish_exception(std::make_exception_ptr(CancelledError(msg)));
    } else if (!g->return_exceptions_ && !fut->cancelled() && fut->exception()) {
      self->finish_exception(fut->exception());
    } else if (last) {
      if (g->cancel_requested_) {
        std::string msg = fut->cancelled() ? fut->cancel_message() : std::string();
        self->finish_cancelled(&msg);
      } else {
        g->build_result();
      }
    }
  } else if (!fut->cancelled()) {
    fut->exception();  // the gather already failed: mark this child's error as seen
  }
  if (last) self->release();
}

}  // namespace corio::detail
