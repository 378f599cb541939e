#include "corio/sync/barrier.hpp"

#include <string>

namespace corio {

Barrier::Barrier(std::size_t parties) : parties_(parties) {
  if (parties == 0) throw ValueError("parties must be > 0");
}

void Barrier::Park::await_suspend(std::coroutine_handle<> h) {
  on->park(this, h, on == &barrier->filling_ ? &Barrier::cancel_filling
                                             : &detail::WaiterList::cancel_unlink);
}

void Barrier::Park::await_resume() {
  if (state == State::Woken && !detail::cancelled_after_wake(*this)) [[likely]] return;
  detail::raise_cancelled(*this);
}

bool Barrier::cancel_filling(detail::WaitHook* hook, detail::TaskBase* task, const std::string* msg) {
  auto* p = static_cast<Park*>(hook);
  Barrier* b = p->barrier;
  detail::WaiterList::cancel_unlink(hook, task, msg);
  if (b->state_ == State::Filling) b->break_barrier();
  return false;
}

Coro<std::size_t> Barrier::wait() {
  while (state_ == State::Draining || state_ == State::Resetting) {
    co_await Park(*this, blocked_);
  }
  if (state_ == State::Broken) throw BrokenBarrierError("Barrier aborted");
  const std::size_t index = count_++;
  Inside inside{this};
  if (index + 1 == parties_) {
    state_ = State::Draining;  // trip: release everyone
    filling_.wake_all();
    co_return index;
  }
  co_await Park(*this, filling_);
  if (state_ == State::Broken || state_ == State::Resetting) {
    throw BrokenBarrierError("Abort or reset of barrier");
  }
  co_return index;
}

void Barrier::leave() noexcept {
  if (--count_ != 0) return;
  if (state_ == State::Draining || state_ == State::Resetting) state_ = State::Filling;
  blocked_.wake_all();
}

void Barrier::break_barrier() noexcept {
  state_ = State::Broken;
  filling_.wake_all();
  blocked_.wake_all();
}

std::suspend_never Barrier::reset() noexcept {
  state_ = count_ > 0 ? State::Resetting : State::Filling;
  filling_.wake_all();
  blocked_.wake_all();
  return {};
}

std::suspend_never Barrier::abort() noexcept {
  break_barrier();
  return {};
}

}  // namespace corio
