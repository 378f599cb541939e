// WaiterList: the one intrusive, fair, cancellable list of parked tasks under every
// synchronization primitive (Lock, Event, Condition, Semaphore, Barrier, Queue).
//
// Design (after Trio's ParkingLot and Tokio's batch semaphore):
//  - A Waiter node lives in the awaiter object, i.e. in the awaiting coroutine's frame.
//    Parking links it at the back of a doubly-linked list: no allocation, O(1) push,
//    O(1) removal from anywhere (cancellation), FIFO wake-ups.
//  - Waking unlinks the node *before* the task runs and records why it was woken in the
//    node (`state` and the primitive's `grant`). The primitive does its bookkeeping at
//    wake time (a lock is handed over, a permit or queue item is promised), so a task
//    that was woken never has to compete again, and nobody can barge past it.
//  - Cancellation follows the suspension protocol of core/detail/task_state.hpp: the
//    task's cancel function unlinks the node, marks it Cancelled and wakes the task,
//    which raises CancelledError at the await point. A task that was woken and then
//    cancelled before it ran finds state == Woken and must_cancel() set in await_resume:
//    the primitive then hands what it was granted to the next waiter before raising.
//
// Invariants:
//  - `list != nullptr` exactly while the node is linked (state == Waiting, except for
//    nodes a primitive re-queues onto another list, e.g. a notified Condition waiter).
//  - A node is unlinked before its task is scheduled, so a list holds only tasks that
//    have not been woken; `size()` is the number of tasks still waiting.
//  - Destroying a list detaches its nodes (their tasks stay parked until cancelled);
//    destroying a linked node unlinks it. Neither is expected in a correct program.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <string>

#include "corio/core/detail/task_state.hpp"
#include "corio/core/exceptions.hpp"

namespace corio::detail {

class WaiterList;

/// One parked task. Embedded in an awaiter; primitives may derive from it.
struct Waiter : WaitHook {
  enum class State : std::uint8_t { Idle, Waiting, Woken, Cancelled };

  Waiter() noexcept = default;
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  inline ~Waiter();

  // Only `list` and `state` are set up front: an awaiter that completes without
  // suspending (the fast path of every primitive) never touches the rest.
  Waiter* prev;
  Waiter* next;
  WaiterList* list = nullptr;
  TaskBase* task;
  State state = State::Idle;
  /// What the waker granted, in the primitive's terms (e.g. "a promised item" vs
  /// "woken by shutdown"). Meaningful when state == Woken.
  std::uint8_t grant;
};

/// FIFO of Waiters (see the file comment).
class WaiterList {
 public:
  WaiterList() noexcept = default;
  WaiterList(const WaiterList&) = delete;
  WaiterList& operator=(const WaiterList&) = delete;
  ~WaiterList() {
    for (Waiter* w = head_; w; w = w->next) w->list = nullptr;
  }

  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  Waiter* front() const noexcept { return head_; }

  void push_back(Waiter* w) noexcept {
    w->list = this;
    w->next = nullptr;
    w->prev = tail_;
    if (tail_) tail_->next = w; else head_ = w;
    tail_ = w;
    ++size_;
  }

  void remove(Waiter* w) noexcept {
    if (w->prev) w->prev->next = w->next; else head_ = w->next;
    if (w->next) w->next->prev = w->prev; else tail_ = w->prev;
    w->prev = w->next = nullptr;
    w->list = nullptr;
    --size_;
  }

  Waiter* pop_front() noexcept {
    Waiter* w = head_;
    if (w) remove(w);
    return w;
  }

  /// Parks the current task on this list: `w` is linked at the back and the task's
  /// cancel function is `cancel_fn(w)` (default: unlink and wake, see cancel_unlink).
  /// Throws RuntimeError outside a task.
  void park(Waiter* w, std::coroutine_handle<> h,
            TaskBase::CancelWaiterFn cancel_fn = &cancel_unlink) {
    TaskBase* t = tls_current_task;
    if (!t) [[unlikely]] throw RuntimeError("a corio synchronization primitive was awaited outside a task");
    w->task = t;
    w->state = Waiter::State::Waiting;
    push_back(w);
    w->on_cancel = cancel_fn;
    t->park(h, w);
  }

  /// Unlinks the first waiter, records `grant` and schedules its task. False if empty.
  bool wake_one(std::uint8_t grant = 0) noexcept {
    Waiter* w = pop_front();
    if (!w) return false;
    wake(w, grant);
    return true;
  }

  /// Wakes every waiter (in FIFO order) with the same grant; returns how many.
  std::size_t wake_all(std::uint8_t grant = 0) noexcept {
    std::size_t n = 0;
    while (wake_one(grant)) ++n;
    return n;
  }

  /// Marks an unlinked waiter as woken and schedules its task.
  static void wake(Waiter* w, std::uint8_t grant) noexcept {
    w->state = Waiter::State::Woken;
    w->grant = grant;
    w->task->wake();
  }

  /// The default cancel function: unlink, mark Cancelled, wake (the task raises
  /// CancelledError at the await point).
  static bool cancel_unlink(WaitHook* hook, TaskBase* task, const std::string*) {
    auto* w = static_cast<Waiter*>(hook);
    if (w->list) w->list->remove(w);
    w->state = Waiter::State::Cancelled;
    task->wake();
    return false;
  }

 private:
  Waiter* head_ = nullptr;
  Waiter* tail_ = nullptr;
  std::size_t size_ = 0;
};

inline Waiter::~Waiter() {
  if (list) [[unlikely]] list->remove(this);
}

/// True when the task of a woken waiter was cancelled before it ran: the wake-up must
/// be passed on and CancelledError raised.
inline bool cancelled_after_wake(const Waiter& w) noexcept { return w.task->must_cancel(); }

/// Raises the pending CancelledError of `w`'s task. Also used for a waiter whose
/// cancellation was withdrawn by uncancel() after its cancel function ran: the wait was
/// abandoned, so the await point still raises (as an asyncio future that was cancelled).
[[noreturn]] inline void raise_cancelled(const Waiter& w) {
  w.task->throw_if_cancel_requested();
  throw CancelledError(w.task->cancel_message());
}

}  // namespace corio::detail
