#include "corio/tasks/timeout.hpp"

#include "corio/loop/event_loop.hpp"

namespace corio {

Timeout timeout(std::chrono::nanoseconds delay) {
  EventLoop& loop = detail::running_loop_ref();
  return Timeout(static_cast<double>(loop.time_ns() + delay.count()) / 1e9);
}

Timeout timeout_at(std::optional<double> when) { return Timeout(when); }

void Timeout::enter() {
  if (state_ != State::Created) throw RuntimeError("Timeout has already been entered");
  task_ = detail::tls_current_task;
  if (!task_) throw RuntimeError("Timeout should be used inside a task");
  state_ = State::Entered;
  cancelling_ = task_->cancelling();
  arm();
}

void Timeout::arm() {
  handle_.cancel();
  handle_ = Handle();
  if (!when_ || state_ != State::Entered) return;
  EventLoop& loop = static_cast<EventLoop&>(*task_->loop());
  if (*when_ <= loop.time()) {
    handle_ = loop.call_soon([this] { on_timeout(); });
  } else {
    handle_ = loop.call_at(*when_, [this] { on_timeout(); });
  }
}

void Timeout::on_timeout() {
  if (state_ != State::Entered) return;
  task_->cancel(nullptr);
  state_ = State::Expiring;
  handle_ = Handle();
}

void Timeout::reschedule(std::optional<double> when) {
  if (state_ != State::Created && state_ != State::Entered) {
    throw RuntimeError("cannot reschedule a Timeout that has expired or exited");
  }
  when_ = when;
  if (state_ == State::Entered) arm();
}

bool Timeout::exit(bool cancelled) {
  handle_.cancel();
  handle_ = Handle();
  if (state_ == State::Expiring) {
    state_ = State::Expired;
    return task_->uncancel() <= cancelling_ && cancelled;
  }
  if (state_ == State::Entered) state_ = State::Exited;
  return false;
}

}  // namespace corio
