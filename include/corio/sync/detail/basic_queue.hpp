// The engine of Queue, PriorityQueue and LifoQueue (asyncio.queues), written once over
// a storage order (queue_buffers.hpp).
//
// Design: wake-ups are promises. When an item is stored while getters wait, the first
// getter is woken and one stored item is promised to it (`promised_items_`); when an
// item is taken while putters wait, the freed slot is promised to the first putter
// (`promised_slots_`). A promised item or slot is not available to anybody else, so a
// woken waiter always succeeds when it runs: no spurious wake-up, no barging, and
// waiters are served strictly in arrival order.
//
// The item itself stays in the buffer until the woken getter runs (promised items are
// the oldest ones; a get that is not promised anything takes the first item after
// them, so a woken getter gets the item that woke it), and a woken putter
// inserts its item only when it runs. So cancellation never loses or invents an item:
// a getter or putter cancelled while waiting just leaves the list; one cancelled after
// its wake-up raises CancelledError and hands its promise to the next waiter (or
// returns it to the queue). Observers see promises as already done: qsize() excludes
// promised items and full() counts promised slots, so that empty() <=> get_nowait()
// would raise and full() <=> put_nowait() would raise, at every moment.
//
// shutdown() follows Python 3.13: putters raise QueueShutDown at once; getters raise it
// once the queue is empty; shutdown(immediate=true) drains the buffer (including
// promised items), discounts the drained items from the unfinished tasks so join()
// returns, and makes every get raise.
//
// Invariants: getters waiting => qsize() == 0; putters waiting => full();
// size() == qsize() + promised_items_; size() + promised_slots_ <= maxsize when bounded.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "corio/sync/detail/waiter_list.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio::detail {

/// The part of a queue that does not depend on the item type.
class QueueCore {
 public:
  /// Awaiter of join().
  struct JoinAwaiter : Waiter {
    explicit JoinAwaiter(QueueCore& q) noexcept : queue(&q) {}
    QueueCore* queue;
    bool await_ready() const noexcept { return queue->unfinished_ == 0; }
    void await_suspend(std::coroutine_handle<> h) { queue->joiners_.park(this, h); }
    void await_resume() {
      if (state == State::Idle) return;
      if (state == State::Woken && !cancelled_after_wake(*this)) [[likely]] return;
      raise_cancelled(*this);
    }
  };

  QueueCore(const QueueCore&) = delete;
  QueueCore& operator=(const QueueCore&) = delete;

  /// The capacity given at construction; 0 or less means unbounded.
  std::ptrdiff_t maxsize() const noexcept { return maxsize_; }
  /// Number of items put and not yet marked done with task_done().
  std::size_t unfinished_tasks() const noexcept { return unfinished_; }
  /// True once shutdown() was called.
  bool is_shutdown() const noexcept { return shutdown_; }

  /// Marks one item taken with get() as processed; join() returns when every item put
  /// has been marked. Throws ValueError if called more often than items were put.
  void task_done() {
    if (unfinished_ == 0) [[unlikely]] raise_task_done();
    if (--unfinished_ == 0) joiners_.wake_all();
  }

  /// Waits until every item put has been marked done (returns at once if so).
  /// Cancellation: the waiter leaves the queue and CancelledError is raised here.
  [[nodiscard]] JoinAwaiter join() noexcept { return JoinAwaiter(*this); }

 protected:
  enum Grant : std::uint8_t { kShutdown = 0, kPromised = 1 };

  explicit QueueCore(std::ptrdiff_t maxsize) noexcept : maxsize_(maxsize) {}
  ~QueueCore() = default;

  bool full_at(std::size_t stored) const noexcept {
    return maxsize_ > 0 && stored + promised_slots_ >= static_cast<std::size_t>(maxsize_);
  }
  /// After an item was stored: count it, promise it to the first waiting getter.
  void on_stored() noexcept {
    ++unfinished_;
    if (!getters_.empty()) [[unlikely]] {
      ++promised_items_;
      getters_.wake_one(kPromised);
    }
  }
  /// After an item was taken: promise the freed slot to the first waiting putter.
  void on_taken() noexcept {
    if (!putters_.empty()) [[unlikely]] {
      ++promised_slots_;
      putters_.wake_one(kPromised);
    }
  }
  /// A woken getter was cancelled: its item goes to the next getter, or back to all.
  void pass_item_promise() noexcept {
    if (!getters_.wake_one(kPromised)) --promised_items_;
  }
  /// A woken putter was cancelled: its slot goes to the next putter, or back to all.
  void pass_slot_promise() noexcept {
    if (!putters_.wake_one(kPromised)) --promised_slots_;
  }
  /// The type-independent part of shutdown(); `drained` items were just discarded.
  void shutdown_core(bool immediate, std::size_t drained) noexcept;
  // Out of line, so that the inline fast paths carry no exception-raising code.
  [[noreturn]] void raise_put_nowait() const;
  [[noreturn]] void raise_get_nowait() const;
  [[noreturn]] static void raise_task_done();

  WaiterList getters_;
  WaiterList putters_;
  WaiterList joiners_;
  std::size_t promised_items_ = 0;
  std::size_t promised_slots_ = 0;
  std::size_t unfinished_ = 0;
  std::ptrdiff_t maxsize_;
  bool shutdown_ = false;
  bool immediate_ = false;  // shutdown(immediate=true): promised items were drained too
};

/// A queue of T stored in `Buffer` order (see the file comment).
template <class T, class Buffer>
class QueueImpl : public QueueCore {
 public:
  /// Awaiter of put().
  struct PutAwaiter : Waiter {
    PutAwaiter(QueueImpl& q, T&& x) : queue(&q), item(std::move(x)) {}
    QueueImpl* queue;
    T item;
    bool stored = false;
    bool await_ready() {
      if (queue->shutdown_) return true;  // raises in await_resume
      if (queue->full()) return false;
      queue->store(std::move(item));
      stored = true;
      return true;
    }
    void await_suspend(std::coroutine_handle<> h) { queue->putters_.park(this, h); }
    void await_resume() {
      if (stored) [[likely]] return;  // stored by await_ready
      finish();
    }
    /// Everything but the fast path: shutdown, a wake-up, a cancellation.
    [[gnu::noinline]] void finish() {
      if (state == State::Idle) throw QueueShutDown();
      if (state == State::Woken) [[likely]] {
        if (cancelled_after_wake(*this)) [[unlikely]] {
          if (grant == kPromised) queue->pass_slot_promise();
          raise_cancelled(*this);
        }
        if (grant == kPromised) --queue->promised_slots_;
        if (queue->shutdown_) throw QueueShutDown();
        queue->store(std::move(item));
        return;
      }
      raise_cancelled(*this);
    }
  };

  /// Awaiter of get().
  struct GetAwaiter : Waiter {
    explicit GetAwaiter(QueueImpl& q) noexcept : queue(&q) {}
    QueueImpl* queue;
    bool await_ready() const noexcept { return queue->qsize() > 0 || queue->shutdown_; }
    void await_suspend(std::coroutine_handle<> h) { queue->getters_.park(this, h); }
    T await_resume() {
      if (state == State::Idle && queue->qsize() > 0) [[likely]] return queue->take(queue->promised_items_);
      return finish();
    }
    /// Everything but the fast path: shutdown, a wake-up, a cancellation.
    [[gnu::noinline]] T finish() {
      if (state == State::Idle) return queue->get_nowait();  // raises QueueShutDown
      if (state == State::Woken) [[likely]] {
        const bool promised = grant == kPromised && !queue->immediate_;
        if (cancelled_after_wake(*this)) [[unlikely]] {
          if (promised) queue->pass_item_promise();
          raise_cancelled(*this);
        }
        if (promised) {
          --queue->promised_items_;
          return queue->take(0);  // the oldest promised item
        }
        return queue->get_nowait();  // woken by shutdown: an item, or QueueShutDown
      }
      raise_cancelled(*this);
    }
  };

  explicit QueueImpl(std::ptrdiff_t maxsize, Buffer buffer = Buffer())
      : QueueCore(maxsize), buffer_(std::move(buffer)) {}

  /// Number of items a get() could take now.
  std::size_t qsize() const noexcept { return buffer_.size() - promised_items_; }
  /// True if get_nowait() would raise.
  bool empty() const noexcept { return qsize() == 0; }
  /// True if put_nowait() would raise QueueFull (never for an unbounded queue).
  bool full() const noexcept { return full_at(buffer_.size()); }

  /// Puts `item`, waiting first-come first-served for a free slot if the queue is full.
  /// Raises QueueShutDown if the queue is (or gets) shut down.
  /// Cancellation: the item is not put; a slot already promised to this task goes to
  /// the next putter.
  [[nodiscard]] PutAwaiter put(T item) { return PutAwaiter(*this, std::move(item)); }

  /// Removes and returns the next item, waiting first-come first-served if there is
  /// none. Raises QueueShutDown once the queue is shut down and empty.
  /// Cancellation: no item is taken; an item already promised to this task goes to the
  /// next getter or stays in the queue.
  [[nodiscard]] GetAwaiter get() noexcept { return GetAwaiter(*this); }

  /// Puts `item` without waiting; raises QueueFull or QueueShutDown instead.
  void put_nowait(T item) {
    if (shutdown_ || full()) [[unlikely]] raise_put_nowait();
    store(std::move(item));
  }

  /// Removes and returns the next item without waiting; raises QueueEmpty, or
  /// QueueShutDown if the queue is shut down and empty.
  T get_nowait() {
    if (qsize() == 0) [[unlikely]] raise_get_nowait();
    return take(promised_items_);  // the first item not promised to a woken getter
  }

  /// Shuts the queue down (Python 3.13): put() raises QueueShutDown from now on and
  /// every blocked putter is woken to raise it; get() raises it once the queue is empty.
  /// With `immediate`, the queue is emptied at once, the dropped items are counted as
  /// done for join(), and blocked getters raise QueueShutDown.
  void shutdown(bool immediate = false) {
    std::size_t drained = 0;
    if (immediate) {
      drained = buffer_.size();
      buffer_.clear();
      promised_items_ = 0;
    }
    shutdown_core(immediate, drained);
  }

 private:
  void store(T&& item) {
    buffer_.push(std::move(item));
    on_stored();
  }
  T take(std::size_t skip) {
    T item = buffer_.pop(skip);
    on_taken();
    return item;
  }

  Buffer buffer_;
};

}  // namespace corio::detail
