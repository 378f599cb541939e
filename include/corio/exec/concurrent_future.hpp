// concurrent::Future<T>: a thread-safe result (concurrent.futures.Future).
//
// What ThreadPoolExecutor::submit and run_coroutine_threadsafe return. Any thread may
// wait on it (result(), result(timeout)), cancel it, or add callbacks. Unlike the loop's
// corio::Future, it belongs to no loop: its state is guarded by a mutex and waiting
// blocks the calling thread (never call result() on a loop thread for work that needs
// that loop; await wrap_future(f) there instead).
//
// States, as in Python: PENDING -> RUNNING (set_running_or_notify_cancel) -> FINISHED,
// or PENDING -> CANCELLED. cancel() succeeds only while pending. Done-callbacks run on
// the thread that completes the future (or at once, on the calling thread, when added to
// a future that is already done); an exception escaping a callback is reported on
// stderr and the other callbacks still run.
//
//   corio::ThreadPoolExecutor pool(4);
//   corio::concurrent::Future<int> f = pool.submit([](int x) { return x * x; }, 7);
//   int r = f.result();  // 49; rethrows what the function threw
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "corio/core/detail/result.hpp"
#include "corio/core/exceptions.hpp"

namespace corio::concurrent {

template <class T = void>
class Future;

namespace detail {

/// The type-independent part of a concurrent future's state.
class StateBase : public std::enable_shared_from_this<StateBase> {
 public:
  enum class Status : std::uint8_t { Pending, Running, Cancelled, Finished };
  using Callback = std::function<void(StateBase&)>;

  StateBase() = default;
  StateBase(const StateBase&) = delete;
  StateBase& operator=(const StateBase&) = delete;
  virtual ~StateBase() = default;

  bool cancel();
  bool set_running_or_notify_cancel();
  Status status() const;
  /// Blocks until done; false if `deadline` passed first.
  bool wait_until(std::optional<std::chrono::steady_clock::time_point> deadline) const;
  /// Waits (until the deadline, else TimeoutError), then throws CancelledError or the
  /// stored exception, or returns normally when a value is there.
  void wait_and_check(std::optional<std::chrono::steady_clock::time_point> deadline) const;
  std::exception_ptr wait_exception(std::optional<std::chrono::steady_clock::time_point> deadline) const;
  void set_exception(std::exception_ptr e);
  void add_callback(Callback cb);

 protected:
  /// Locks, checks that the future can take a result (InvalidStateError otherwise),
  /// lets `store` write the value, marks it finished and runs the callbacks.
  template <class F>
  void finish_with(F&& store) {
    std::vector<Callback> cbs;
    {
      std::unique_lock lock(mu_);
      check_settable();
      store();
      status_ = Status::Finished;
      cbs.swap(callbacks_);
    }
    done_.notify_all();
    run_callbacks(cbs);
  }

 private:
  void check_settable() const;
  void run_callbacks(std::vector<Callback>& cbs);

  mutable std::mutex mu_;
  mutable std::condition_variable done_;
  std::vector<Callback> callbacks_;
  std::exception_ptr exc_;
  Status status_ = Status::Pending;
};

template <class T>
class State final : public StateBase {
 public:
  template <class... A>
  void set_value(A&&... a) {
    finish_with([&] {
      if constexpr (!std::is_void_v<T>) value_.emplace(std::forward<A>(a)...);
    });
  }
  /// The value; valid once finished without an exception (immutable from then on).
  const result_value_t<T>& value() const noexcept {
    if constexpr (std::is_void_v<T>) {
      static constexpr std::monostate unit{};
      return unit;
    } else {
      return *value_;
    }
  }
  /// Moves the value out (for a future nobody else can see, e.g. run_in_executor's).
  result_value_t<T> take_value() noexcept(std::is_nothrow_move_constructible_v<result_value_t<T>>) {
    if constexpr (std::is_void_v<T>) {
      return {};
    } else {
      return std::move(*value_);
    }
  }

 private:
  [[no_unique_address]] std::conditional_t<std::is_void_v<T>, std::monostate, std::optional<T>> value_;
};

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

template <class Rep, class Period>
Deadline deadline_after(std::chrono::duration<Rep, Period> timeout) {
  return std::chrono::steady_clock::now() + std::chrono::ceil<std::chrono::steady_clock::duration>(timeout);
}

}  // namespace detail

/// A thread-safe handle to a result computed elsewhere (concurrent.futures.Future).
/// Copies share the state. A default-constructed Future is a new pending one (as
/// `concurrent.futures.Future()`); a moved-from one is empty (`valid()` is false).
template <class T>
class Future {
 public:
  using value_type = T;

  Future() : s_(std::make_shared<detail::State<T>>()) {}
  explicit Future(std::shared_ptr<detail::State<T>> s) noexcept : s_(std::move(s)) {}

  bool valid() const noexcept { return s_ != nullptr; }

  /// Cancels the future if it has not started running; true if it is (now) cancelled.
  bool cancel() { return s_->cancel(); }
  bool cancelled() const { return s_->status() == detail::StateBase::Status::Cancelled; }
  /// True while the function is executing (it can no longer be cancelled).
  bool running() const { return s_->status() == detail::StateBase::Status::Running; }
  /// True once finished or cancelled.
  bool done() const {
    auto st = s_->status();
    return st == detail::StateBase::Status::Cancelled || st == detail::StateBase::Status::Finished;
  }

  /// Blocks until done; returns the value, rethrows the exception, or throws
  /// CancelledError.
  const result_value_t<T>& result() const {
    s_->wait_and_check(std::nullopt);
    return s_->value();
  }
  /// The same, throwing corio::TimeoutError if not done within `timeout`.
  template <class Rep, class Period>
  const result_value_t<T>& result(std::chrono::duration<Rep, Period> timeout) const {
    s_->wait_and_check(detail::deadline_after(timeout));
    return s_->value();
  }
  /// Blocks until done; the exception (null on success); CancelledError if cancelled.
  std::exception_ptr exception() const { return s_->wait_exception(std::nullopt); }
  template <class Rep, class Period>
  std::exception_ptr exception(std::chrono::duration<Rep, Period> timeout) const {
    return s_->wait_exception(detail::deadline_after(timeout));
  }
  /// Blocks until done (no result, no exception); false if `timeout` passed first.
  template <class Rep, class Period>
  bool wait(std::chrono::duration<Rep, Period> timeout) const {
    return s_->wait_until(detail::deadline_after(timeout));
  }
  void wait() const { s_->wait_until(std::nullopt); }

  /// Calls fn(Future&) once done, on the thread that completes the future; at once on
  /// this thread if already done.
  template <class F>
  void add_done_callback(F fn) {
    s_->add_callback([fn = std::move(fn)](detail::StateBase& b) mutable {
      Future f(std::static_pointer_cast<detail::State<T>>(b.shared_from_this()));
      fn(f);
    });
  }

  // ---- for executors and other producers (as in Python, "for tests and executors") ----

  /// PENDING -> RUNNING and true; false if it was cancelled (the work must not run).
  bool set_running_or_notify_cancel() { return s_->set_running_or_notify_cancel(); }
  /// Stores the value and wakes every waiter. InvalidStateError if already done.
  template <class... A>
  void set_result(A&&... a) { s_->set_value(std::forward<A>(a)...); }
  void set_exception(std::exception_ptr e) { s_->set_exception(std::move(e)); }

  const std::shared_ptr<detail::State<T>>& state() const noexcept { return s_; }
  friend bool operator==(const Future& a, const Future& b) noexcept { return a.s_ == b.s_; }

 private:
  std::shared_ptr<detail::State<T>> s_;
};

}  // namespace corio::concurrent
