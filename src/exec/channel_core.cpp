#include "corio/exec/detail/channel_core.hpp"

#include "corio/loop/event_loop.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio::detail {

void WaiterQueue::push_back(ChannelWaiter* w) noexcept {
  w->queue = this;
  w->next = nullptr;
  w->prev = tail;
  if (tail) tail->next = w; else head = w;
  tail = w;
}

void WaiterQueue::remove(ChannelWaiter* w) noexcept {
  if (w->prev) w->prev->next = w->next; else head = w->next;
  if (w->next) w->next->prev = w->prev; else tail = w->prev;
  w->prev = w->next = nullptr;
  w->queue = nullptr;
}

ChannelWaiter* WaiterQueue::pop_front() noexcept {
  ChannelWaiter* w = head;
  if (w) remove(w);
  return w;
}

ChannelCore::ChannelCore(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw ValueError("a Channel needs a capacity of at least 1");
}

ChannelCore::~ChannelCore() {
  // Waiters left behind are a bug of the program (the channel must outlive its users);
  // at least leave no dangling links in them.
  for (WaiterQueue* q : {&receivers_, &senders_}) {
    while (q->pop_front()) {
    }
  }
}

void ChannelCore::close_locked() noexcept {
  closed_ = true;
  while (ChannelWaiter* w = receivers_.pop_front()) wake_locked(w, ChannelWaiter::Grant::Closed);
  while (ChannelWaiter* w = senders_.pop_front()) wake_locked(w, ChannelWaiter::Grant::Closed);
}

void ChannelCore::wake_locked(ChannelWaiter* w, ChannelWaiter::Grant g) noexcept {
  w->state = ChannelWaiter::State::Woken;
  w->grant = g;
  if (w->cv) {
    w->cv->notify_one();
    return;
  }
  if (w->loop == tls_running_loop) {
    w->task->wake();  // this thread runs the waiter's loop
    return;
  }
  TaskBase* task = w->task;
  try {
    // The task stays parked until this runs: its cancel function leaves a woken waiter
    // alone, and a closing loop drops this callback before it abandons the task.
    w->loop->call_soon_threadsafe([task] { task->wake(); });
  } catch (...) {
    // The loop is closed: the task will be abandoned there (its awaiter then hands back
    // an item it was given, see ~ReceiveAwaiter).
  }
}

void ChannelCore::park_locked(ChannelWaiter* w, WaiterQueue& q, std::coroutine_handle<> h) {
  TaskBase* t = tls_current_task;
  if (!t) throw RuntimeError("a Channel was awaited outside a task");
  w->channel = this;
  w->task = t;
  w->loop = static_cast<EventLoop*>(t->loop());
  w->cv = nullptr;
  w->state = ChannelWaiter::State::Waiting;
  q.push_back(w);
  w->on_cancel = &cancel_waiter;
  t->park(h, w);
}

bool ChannelCore::block_locked(std::unique_lock<std::mutex>& lock, ChannelWaiter* w, WaiterQueue& q,
                               ChannelDeadline deadline) {
  std::condition_variable cv;
  w->channel = this;
  w->task = nullptr;
  w->loop = nullptr;
  w->cv = &cv;
  w->state = ChannelWaiter::State::Waiting;
  q.push_back(w);
  auto woken = [w] { return w->state != ChannelWaiter::State::Waiting; };
  if (!deadline) {
    cv.wait(lock, woken);
    return true;
  }
  if (cv.wait_until(lock, *deadline, woken)) return true;
  q.remove(w);
  w->state = ChannelWaiter::State::Cancelled;
  return false;
}

bool ChannelCore::cancel_waiter(WaitHook* hook, TaskBase* task, const std::string*) {
  auto* w = static_cast<ChannelWaiter*>(hook);
  std::lock_guard lock(w->channel->mu_);
  if (w->queue) {
    w->queue->remove(w);
    w->state = ChannelWaiter::State::Cancelled;
    task->wake();
  }
  // Woken already: the wake-up is on its way and what it hands over is kept; the task
  // raises CancelledError at its next await (TaskBase keeps the request pending).
  return false;
}

void ChannelCore::raise_cancelled(const ChannelWaiter& w) {
  w.task->throw_if_cancel_requested();
  throw CancelledError(w.task->cancel_message());
}

}  // namespace corio::detail
