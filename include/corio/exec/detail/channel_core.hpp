// ChannelCore: the type-independent part of Channel<T> (waiter lists, parking, waking).
//
// Everything is guarded by one mutex. A waiter is either a task (parked with the task
// suspension protocol of core/detail/task_state.hpp) or a blocked plain thread (its own
// condition variable). Waking hands over what the waiter waited for, under the mutex:
// the sender's item goes straight into the receiver's slot (or into the buffer slot a
// receive freed), so a woken waiter never competes again, and nobody barges past it.
// A task waiter is woken directly when the waker runs on that task's loop, otherwise
// through its loop's call_soon_threadsafe. The post is made under the mutex: a waiter
// still linked (or just unlinked by this waker) lives in a frame that its loop can only
// destroy after taking the mutex, so the loop is alive during the call.
//
// Cancellation (on the task's loop thread, under the mutex): a waiter still waiting is
// unlinked and its task raises CancelledError; a waiter already woken keeps what it was
// handed (the item it received, or the fact that its item was sent), and the
// cancellation is raised at the task's next await instead. So a cancelled send never
// sends, a send that returns has sent, and no item is lost or received twice.
#pragma once

#include <condition_variable>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "corio/core/detail/task_state.hpp"
#include "corio/core/exceptions.hpp"

namespace corio {

class EventLoop;

/// send() on a closed channel (the item was not sent).
class ChannelClosed : public Error {
 public:
  explicit ChannelClosed(std::string message = "channel is closed") : Error(std::move(message)) {}
};

namespace detail {

class ChannelCore;
struct WaiterQueue;

struct ChannelWaiter : WaitHook {
  enum class State : std::uint8_t { Waiting, Woken, Cancelled };
  enum class Grant : std::uint8_t { Delivered, Closed };

  ChannelWaiter() noexcept = default;
  ChannelWaiter(const ChannelWaiter&) = delete;
  ChannelWaiter& operator=(const ChannelWaiter&) = delete;

  ChannelWaiter* prev = nullptr;
  ChannelWaiter* next = nullptr;
  WaiterQueue* queue = nullptr;  // non-null exactly while linked
  ChannelCore* channel = nullptr;
  TaskBase* task = nullptr;               // a task waiter
  EventLoop* loop = nullptr;              //   and its loop
  std::condition_variable* cv = nullptr;  // a blocked thread
  void* item = nullptr;  // sender: its T; receiver: its std::optional<T> slot
  State state = State::Waiting;
  Grant grant = Grant::Delivered;
};

/// FIFO of waiters.
struct WaiterQueue {
  ChannelWaiter* head = nullptr;
  ChannelWaiter* tail = nullptr;
  bool empty() const noexcept { return head == nullptr; }
  void push_back(ChannelWaiter* w) noexcept;
  void remove(ChannelWaiter* w) noexcept;
  ChannelWaiter* pop_front() noexcept;
};

using ChannelDeadline = std::optional<std::chrono::steady_clock::time_point>;

class ChannelCore {
 public:
  ChannelCore(const ChannelCore&) = delete;
  ChannelCore& operator=(const ChannelCore&) = delete;

  /// The capacity given at construction.
  std::size_t capacity() const noexcept { return capacity_; }
  bool is_closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }

 protected:
  explicit ChannelCore(std::size_t capacity);
  ~ChannelCore();

  /// Marks the channel closed and wakes every waiter with Grant::Closed.
  void close_locked() noexcept;
  /// Unlinks nothing: `w` was popped. Records the grant and wakes its task or thread.
  static void wake_locked(ChannelWaiter* w, ChannelWaiter::Grant g) noexcept;
  /// Parks the running task on `q`. RuntimeError outside a task.
  void park_locked(ChannelWaiter* w, WaiterQueue& q, std::coroutine_handle<> h);
  /// Blocks the calling thread on `q` until woken (true) or past the deadline (false,
  /// unlinked).
  bool block_locked(std::unique_lock<std::mutex>& lock, ChannelWaiter* w, WaiterQueue& q, ChannelDeadline deadline);
  /// Raises the CancelledError of a cancelled task waiter.
  [[noreturn]] static void raise_cancelled(const ChannelWaiter& w);

  mutable std::mutex mu_;
  WaiterQueue receivers_;
  WaiterQueue senders_;
  const std::size_t capacity_;
  bool closed_ = false;

 private:
  static bool cancel_waiter(WaitHook* hook, TaskBase* task, const std::string* msg);
};

}  // namespace detail
}  // namespace corio
