#include "corio/exec/concurrent_future.hpp"

#include <cstdio>
#include <string>

namespace corio::concurrent::detail {

bool StateBase::cancel() {
  std::vector<Callback> cbs;
  {
    std::lock_guard lock(mu_);
    if (status_ == Status::Cancelled) return true;
    if (status_ != Status::Pending) return false;
    status_ = Status::Cancelled;
    cbs.swap(callbacks_);
  }
  done_.notify_all();
  run_callbacks(cbs);
  return true;
}

bool StateBase::set_running_or_notify_cancel() {
  std::lock_guard lock(mu_);
  if (status_ == Status::Cancelled) return false;
  if (status_ != Status::Pending) throw InvalidStateError("Future in unexpected state");
  status_ = Status::Running;
  return true;
}

StateBase::Status StateBase::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

bool StateBase::wait_until(std::optional<std::chrono::steady_clock::time_point> deadline) const {
  std::unique_lock lock(mu_);
  auto is_done = [this] { return status_ == Status::Cancelled || status_ == Status::Finished; };
  if (!deadline) {
    done_.wait(lock, is_done);
    return true;
  }
  return done_.wait_until(lock, *deadline, is_done);
}

void StateBase::wait_and_check(std::optional<std::chrono::steady_clock::time_point> deadline) const {
  if (!wait_until(deadline)) throw TimeoutError();
  std::lock_guard lock(mu_);
  if (status_ == Status::Cancelled) throw CancelledError();
  if (exc_) std::rethrow_exception(exc_);
}

std::exception_ptr StateBase::wait_exception(std::optional<std::chrono::steady_clock::time_point> deadline) const {
  if (!wait_until(deadline)) throw TimeoutError();
  std::lock_guard lock(mu_);
  if (status_ == Status::Cancelled) throw CancelledError();
  return exc_;
}

void StateBase::check_settable() const {
  if (status_ == Status::Cancelled || status_ == Status::Finished) {
    throw InvalidStateError(status_ == Status::Cancelled ? "set on a cancelled future" : "set on a finished future");
  }
}

void StateBase::set_exception(std::exception_ptr e) {
  finish_with([&] { exc_ = std::move(e); });
}

void StateBase::add_callback(Callback cb) {
  {
    std::lock_guard lock(mu_);
    if (status_ != Status::Cancelled && status_ != Status::Finished) {
      callbacks_.push_back(std::move(cb));
      return;
    }
  }
  std::vector<Callback> one;
  one.push_back(std::move(cb));
  run_callbacks(one);
}

void StateBase::run_callbacks(std::vector<Callback>& cbs) {
  // concurrent.futures logs and ignores what a callback raises; so do we (no loop here).
  for (Callback& cb : cbs) {
    try {
      cb(*this);
    } catch (...) {
      std::fprintf(stderr, "corio: exception calling callback for concurrent future: %s\n",
                   describe(std::current_exception()).c_str());
    }
  }
  cbs.clear();  // the callbacks' captures go here, on the completing thread
}

}  // namespace corio::concurrent::detail
