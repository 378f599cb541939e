#include "corio/sync/condition.hpp"

namespace corio {

bool Condition::WaitAwaiter::await_ready() const {
  if (!cond->lock_->locked()) throw RuntimeError("cannot wait on un-acquired lock");
  return false;
}

void Condition::WaitAwaiter::await_suspend(std::coroutine_handle<> h) {
  cond->waiters_.park(this, h, &Condition::cancel_wait);  // throws outside a task
  cond->lock_->release();
}

bool Condition::WaitAwaiter::await_resume() {
  // Always Woken here: the node was re-queued on the lock's list by notify() or by
  // cancel_wait(), and Lock::release() woke it with the lock handed over.
  if (cancelled_waiting || detail::cancelled_after_wake(*this)) [[unlikely]] {
    if (notified) cond->notify(1);
    detail::raise_cancelled(*this);
  }
  return true;
}

bool Condition::cancel_wait(detail::WaitHook* hook, detail::TaskBase*, const std::string*) {
  auto* w = static_cast<WaitAwaiter*>(hook);
  Condition* c = w->cond;
  if (w->list == &c->waiters_) {
    // Still waiting for a notification: the wait ends, but only once the lock is held
    // again (asyncio's wait() re-acquires before raising).
    c->waiters_.remove(w);
    w->cancelled_waiting = true;
    Lock* lock = c->lock_;
    if (lock->locked_) {
      lock->waiters_.push_back(w);
    } else {
      lock->locked_ = true;
      detail::WaiterList::wake(w, 0);
    }
  }
  // Otherwise the node is already queued for the lock (notified): it stays there; the
  // task raises CancelledError once it holds the lock.
  return false;  // the task's cancellation is pending until it is woken
}

void Condition::notify(std::size_t n) {
  if (!lock_->locked()) throw RuntimeError("cannot notify on un-acquired lock");
  for (; n > 0; --n) {
    auto* w = static_cast<WaitAwaiter*>(waiters_.pop_front());
    if (!w) break;
    w->notified = true;
    lock_->waiters_.push_back(w);  // woken by Lock::release once the lock is its
  }
}

}  // namespace corio
