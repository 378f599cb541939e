// Channel<T>: a bounded, thread-safe channel between tasks on any loops and plain
// threads (the "thread-safe channels" of DESIGN.md principle 2).
//
// Tasks `co_await ch.send(v)` and `co_await ch.receive()`; plain threads call
// send_blocking / receive_blocking; both kinds may be on either end, on any number of
// threads and loops. At most `capacity` items are buffered: a sender waits while the
// channel is full (back-pressure), a receiver while it is empty, first come first served.
//
// close(): sends raise ChannelClosed from then on (waiting senders too; their items are
// not sent); receivers drain what is buffered and then get std::nullopt, so
//
//   while (auto v = co_await ch.receive()) use(*v);
//
// ends once the channel is closed and empty. (Python's Queue.shutdown raises instead;
// an optional reads better in C++ loops, as AsyncGenerator::next does.)
//
// Cancellation never loses or duplicates an item: see detail/channel_core.hpp. The
// channel must outlive every task and thread using it. Blocking calls block the calling
// thread: on a loop's thread they block the whole loop.
#pragma once

#include <chrono>
#include <coroutine>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

#include "corio/exec/detail/channel_core.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio {

template <class T>
class Channel : public detail::ChannelCore {
  enum class Outcome : std::uint8_t { Done, Wait, Closed };

 public:
  /// A channel buffering at most `capacity` items (ValueError if 0).
  explicit Channel(std::size_t capacity) : ChannelCore(capacity) {}

  /// Awaiter of send().
  class [[nodiscard]] SendAwaiter : detail::ChannelWaiter {
   public:
    SendAwaiter(Channel& ch, T&& v) : ch_(&ch), value_(std::move(v)) {}
    ~SendAwaiter() {
      if (!parked_) return;
      std::lock_guard lock(ch_->mu_);
      if (queue) queue->remove(this);  // its frame is destroyed while waiting
    }
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
      std::lock_guard lock(ch_->mu_);
      outcome_ = ch_->try_send_locked(value_);
      if (outcome_ != Outcome::Wait) return false;
      item = &value_;
      ch_->park_locked(this, ch_->senders_, h);
      parked_ = true;
      return true;
    }
    void await_resume() {
      if (!parked_) {
        if (outcome_ == Outcome::Closed) throw ChannelClosed();
        return;
      }
      if (state == State::Cancelled) raise_cancelled(*this);
      if (grant == Grant::Delivered) return;  // sent; a later cancellation waits for the next await
      task->throw_if_cancel_requested();
      throw ChannelClosed();
    }

   private:
    Channel* ch_;
    T value_;
    Outcome outcome_ = Outcome::Wait;
    bool parked_ = false;
  };

  /// Awaiter of receive().
  class [[nodiscard]] ReceiveAwaiter : detail::ChannelWaiter {
   public:
    explicit ReceiveAwaiter(Channel& ch) noexcept : ch_(&ch) {}
    ~ReceiveAwaiter() {
      if (parked_ && !taken_) ch_->abandon_receiver(this, slot_);
    }
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<> h) {
      std::lock_guard lock(ch_->mu_);
      outcome_ = ch_->try_receive_locked(slot_);
      if (outcome_ != Outcome::Wait) return false;
      item = &slot_;
      ch_->park_locked(this, ch_->receivers_, h);
      parked_ = true;
      return true;
    }
    std::optional<T> await_resume() {
      if (!parked_) return std::move(slot_);  // an item, or nullopt: closed and drained
      if (state == State::Cancelled) raise_cancelled(*this);
      if (grant == Grant::Delivered) {  // kept even if cancelled since: never lost
        taken_ = true;
        return std::move(slot_);
      }
      task->throw_if_cancel_requested();
      return std::nullopt;  // closed while waiting
    }

   private:
    Channel* ch_;
    std::optional<T> slot_;
    Outcome outcome_ = Outcome::Wait;
    bool parked_ = false;
    bool taken_ = false;
  };

  /// Sends `v`, waiting while the channel is full. Raises ChannelClosed if the channel
  /// is (or gets) closed: then `v` was not sent.
  /// Cancellation: if cancelled while waiting, `v` is not sent and CancelledError is
  /// raised; once `v` was taken into the channel the send returns normally and the
  /// cancellation is raised at the task's next await.
  SendAwaiter send(T v) { return SendAwaiter(*this, std::move(v)); }

  /// Receives the next item, waiting while the channel is empty; std::nullopt once the
  /// channel is closed and drained.
  /// Cancellation: if cancelled while waiting, nothing is taken and CancelledError is
  /// raised; an item already handed over is returned, and the cancellation is raised at
  /// the task's next await.
  ReceiveAwaiter receive() noexcept { return ReceiveAwaiter(*this); }

  /// send() for plain threads: blocks while full. ChannelClosed if closed.
  void send_blocking(T v) { send_blocking_until(std::move(v), std::nullopt); }
  /// The same, raising corio::TimeoutError (v not sent) after `timeout`.
  template <class Rep, class Period>
  void send_blocking(T v, std::chrono::duration<Rep, Period> timeout) {
    send_blocking_until(std::move(v), std::chrono::steady_clock::now() +
                                          std::chrono::ceil<std::chrono::steady_clock::duration>(timeout));
  }
  /// receive() for plain threads: blocks while empty; nullopt once closed and drained.
  std::optional<T> receive_blocking() { return receive_blocking_until(std::nullopt); }
  /// The same, raising corio::TimeoutError (nothing taken) after `timeout`.
  template <class Rep, class Period>
  std::optional<T> receive_blocking(std::chrono::duration<Rep, Period> timeout) {
    return receive_blocking_until(std::chrono::steady_clock::now() +
                                  std::chrono::ceil<std::chrono::steady_clock::duration>(timeout));
  }

  /// Sends without waiting: QueueFull if full, ChannelClosed if closed.
  void send_nowait(T v) {
    std::lock_guard lock(mu_);
    Outcome o = try_send_locked(v);
    if (o == Outcome::Wait) throw QueueFull("channel is full");
    if (o == Outcome::Closed) throw ChannelClosed();
  }
  /// Receives without waiting: QueueEmpty if empty and open; nullopt if closed and
  /// drained.
  std::optional<T> receive_nowait() {
    std::optional<T> out;
    std::lock_guard lock(mu_);
    if (try_receive_locked(out) == Outcome::Wait) throw QueueEmpty("channel is empty");
    return out;
  }

  /// Closes the channel (idempotent); see the file comment.
  void close() {
    std::lock_guard lock(mu_);
    close_locked();
  }
  /// Items buffered now.
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return buf_.size();
  }
  bool empty() const { return size() == 0; }
  bool full() const { return size() >= capacity_; }

 private:
  Outcome try_send_locked(T& v) {
    if (closed_) return Outcome::Closed;
    if (detail::ChannelWaiter* r = receivers_.pop_front()) {
      static_cast<std::optional<T>*>(r->item)->emplace(std::move(v));
      wake_locked(r, detail::ChannelWaiter::Grant::Delivered);
      return Outcome::Done;
    }
    if (buf_.size() >= capacity_) return Outcome::Wait;
    buf_.push_back(std::move(v));
    return Outcome::Done;
  }

  Outcome try_receive_locked(std::optional<T>& out) {
    if (buf_.empty()) return closed_ ? Outcome::Closed : Outcome::Wait;
    out.emplace(std::move(buf_.front()));
    buf_.pop_front();
    // The freed slot takes the first waiting sender's item at once.
    if (detail::ChannelWaiter* s = senders_.pop_front()) {
      buf_.push_back(std::move(*static_cast<T*>(s->item)));
      wake_locked(s, detail::ChannelWaiter::Grant::Delivered);
    }
    return Outcome::Done;
  }

  /// A receiver's frame is destroyed (its loop closed) after it was parked: unlink it,
  /// or give back an item it was handed but never returned to its task.
  void abandon_receiver(detail::ChannelWaiter* w, std::optional<T>& slot) noexcept {
    std::lock_guard lock(mu_);
    if (w->queue) {
      w->queue->remove(w);
      return;
    }
    if (w->state != detail::ChannelWaiter::State::Woken || w->grant != detail::ChannelWaiter::Grant::Delivered) return;
    try {
      if (detail::ChannelWaiter* r = receivers_.pop_front()) {
        static_cast<std::optional<T>*>(r->item)->emplace(std::move(*slot));
        wake_locked(r, detail::ChannelWaiter::Grant::Delivered);
      } else {
        buf_.push_front(std::move(*slot));  // first out again (may exceed capacity by one)
      }
    } catch (...) {
    }
  }

  void send_blocking_until(T v, detail::ChannelDeadline deadline) {
    std::unique_lock lock(mu_);
    Outcome o = try_send_locked(v);
    if (o == Outcome::Closed) throw ChannelClosed();
    if (o == Outcome::Done) return;
    detail::ChannelWaiter w;
    w.item = &v;
    if (!block_locked(lock, &w, senders_, deadline)) throw TimeoutError("Channel.send_blocking timed out");
    if (w.grant == detail::ChannelWaiter::Grant::Closed) throw ChannelClosed();
  }

  std::optional<T> receive_blocking_until(detail::ChannelDeadline deadline) {
    std::optional<T> out;
    std::unique_lock lock(mu_);
    if (try_receive_locked(out) != Outcome::Wait) return out;
    detail::ChannelWaiter w;
    w.item = &out;
    if (!block_locked(lock, &w, receivers_, deadline)) throw TimeoutError("Channel.receive_blocking timed out");
    return out;  // the item, or nullopt if woken by close()
  }

  std::deque<T> buf_;
};

}  // namespace corio
