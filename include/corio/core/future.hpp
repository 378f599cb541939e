// Future<T>: a result that will be set later, bound to one loop (asyncio.Future).
//
// A Future is a cheap, copyable handle to a reference-counted state. The state is not
// thread-safe: it belongs to its loop's thread (cross-thread code uses
// call_soon_threadsafe). Completion fires the callbacks in registration order; each is
// scheduled on the loop's ready queue, so none runs inside set_result itself.
//
// Waiters are intrusive (FutureCallback lives in the awaiting coroutine's frame), so
// awaiting a pending future allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "corio/core/detail/future_state.hpp"
#include "corio/core/detail/task_state.hpp"

namespace corio {

namespace detail {
struct FutureAccess;

template <class T, bool = std::is_void_v<T> || std::is_copy_constructible_v<T>>
struct AwaitResult {
  using type = T;
};
template <class T>
struct AwaitResult<T, false> {
  using type = const T&;
};

template <class T>
ValueBox<T>& value_box(FutureStateBase* s) noexcept {
  if (s->is_task()) return static_cast<TaskState<T>&>(*s);
  return static_cast<FutureState<T>&>(*s);
}
}  // namespace detail


/// A handle to a result that will be set later (asyncio.Future).
template <class T = void>
class Future {
 public:
  using value_type = T;

  /// An empty handle; `valid()` is false.
  Future() noexcept = default;
  Future(const Future& o) noexcept : s_(o.s_) { if (s_) s_->add_ref(); }
  Future(Future&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  Future& operator=(Future o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~Future() { if (s_) s_->release(); }

  /// Takes over one reference to `s`.
  static Future adopt(detail::FutureStateBase* s) noexcept { return Future(s, 0); }

  bool valid() const noexcept { return s_ != nullptr; }
  bool done() const noexcept { return s_->done(); }
  bool cancelled() const noexcept { return s_->cancelled(); }

  /// The result; rethrows the exception; CancelledError if cancelled; InvalidStateError
  /// if not done.
  std::add_lvalue_reference_t<const result_value_t<T>> result() const {
    s_->check_result();
    return *detail::value_box<T>(s_).value;
  }
  /// The exception (null if the future succeeded). Throws as result() does otherwise.
  std::exception_ptr exception() const { return s_->exception(); }

  template <class... A>
  void set_result(A&&... a) {
    if (s_->done()) throw InvalidStateError("set_result on a " + state_name());
    detail::value_box<T>(s_).value.emplace(std::forward<A>(a)...);
    s_->finish_value();
  }
  void set_exception(std::exception_ptr e) {
    if (s_->done()) throw InvalidStateError("set_exception on a " + state_name());
    s_->finish_exception(std::move(e));
  }
  /// Cancels the future (a task: requests cancellation). False if already done.
  bool cancel(const std::string& msg = {}) { return s_->cancel(msg.empty() ? nullptr : &msg); }

  /// Calls fn(Future&) once done (scheduled on the loop). Returns an id for
  /// remove_done_callback (C++ lambdas cannot be compared, so removal is by id).
  template <class F>
  std::uint64_t add_done_callback(F fn) {
    return add_callback_as<Future>(std::move(fn));
  }
  std::size_t remove_done_callback(std::uint64_t id) noexcept { return s_->remove_callback_id(id); }

  /// Awaiting suspends until done, then returns the result or rethrows.
  /// Cancellation: cancelling the awaiting task cancels this future.
  auto operator co_await() const& noexcept { return awaiter<false>(); }
  /// Awaiting a temporary handle (`co_await gather(...)`) that is the last one left
  /// moves the result out instead of copying it: nobody can see it again.
  auto operator co_await() && noexcept { return awaiter<true>(); }

  detail::FutureStateBase* state() const noexcept { return s_; }
  friend bool operator==(const Future& a, const Future& b) noexcept { return a.s_ == b.s_; }

 protected:
  friend struct detail::FutureAccess;
  template <bool kMayMove>
  auto awaiter() const noexcept {
    // A copyable result is returned by value, as `x = await fut` binds the object in
    // Python; a move-only one by const reference (the future keeps it).
    using R = typename detail::AwaitResult<T>::type;
    struct Awaiter : detail::FutureWait {
      using FutureWait::FutureWait;
      R await_resume() {
        finish_wait();
        if constexpr (std::is_void_v<T>) {
          return;
        } else if constexpr (kMayMove && std::is_copy_constructible_v<T> && std::is_move_constructible_v<T>) {
          if (fut->unique()) return std::move(*detail::value_box<T>(fut).value);
          return *detail::value_box<T>(fut).value;
        } else {
          return *detail::value_box<T>(fut).value;
        }
      }
    };
    return Awaiter(s_);
  }
  Future(detail::FutureStateBase* s, int) noexcept : s_(s) {}
  template <class Handle, class F>
  std::uint64_t add_callback_as(F fn) {
    if (!s_->loop()) throw RuntimeError("future has no loop");
    auto* cb = new detail::UserCallback<Handle, F>(std::move(fn));
    cb->id = detail::next_callback_id();
    s_->add_callback(cb);
    return cb->id;
  }
  std::string state_name() const { return s_->cancelled() ? "cancelled future" : "finished future"; }
  detail::FutureStateBase* s_ = nullptr;
};

namespace detail {
/// Runtime access to a handle's reference, for code that takes ownership of it.
struct FutureAccess {
  /// Empties `f` and returns the reference it held (the caller now owns it).
  template <class T>
  static FutureStateBase* take(Future<T>& f) noexcept { return std::exchange(f.s_, nullptr); }
};
}  // namespace detail

}  // namespace corio
