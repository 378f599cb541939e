// Coro<T>: what a corio coroutine function returns (a Python coroutine object).
//
// Lazy: nothing runs until the Coro is awaited (inline, in the awaiting task) or handed
// to create_task. Move-only and awaited at most once. The transfer into the child and
// back to the parent goes through the per-thread trampoline (detail/runnable.hpp), so a
// chain of any depth, or a loop awaiting a million finished Coros, uses constant stack.
//
// Invariants:
//  - `continuation` is set exactly when the Coro is awaited; a Coro started by a Task has
//    none and the Task notices completion through `handle.done()`.
//  - The frame is destroyed by the owning Coro object (or Task), never by itself.
#pragma once

#include <coroutine>
#include <cstdio>
#include <source_location>
#include <utility>

#include "corio/core/detail/result.hpp"
#include "corio/core/detail/runnable.hpp"
#include "corio/core/frame_allocator.hpp"

namespace corio {

template <class T = void>
class Coro;

namespace detail {

/// Called when a Coro is destroyed without ever having been started. Reports it
/// through the running loop's exception handler when debug mode is on.
void report_never_awaited(const std::source_location& where) noexcept;

/// Where the promise being constructed on this thread was created. The compiler
/// constructs the promise and then calls get_return_object right away, so the location
/// travels through here into the Coro object instead of taking room in every frame.
inline thread_local std::source_location tls_promise_where{};

class CoroPromiseBase : public PooledObject {
 public:
  explicit CoroPromiseBase(std::source_location where) noexcept { tls_promise_where = where; }

  std::suspend_always initial_suspend() noexcept { return {}; }

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <class P>
    void await_suspend(std::coroutine_handle<P> h) noexcept {
      if (auto c = h.promise().continuation_) transfer_to(c);
    }
    void await_resume() noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }

  void set_continuation(std::coroutine_handle<> c) noexcept { continuation_ = c; }

 private:
  std::coroutine_handle<> continuation_;
};

// The result does not live in the frame: it goes to the thread's mailbox, where the
// awaiter (or the task) that runs next takes it (see ResultMailbox).
template <class T>
class CoroPromise : public CoroPromiseBase {
 public:
  // The default argument is evaluated where the compiler constructs the promise, i.e.
  // in the coroutine function itself, which is what debug reports should name. (It must
  // not be an inherited constructor: those evaluate it in the base's context.)
  CoroPromise(std::source_location where = std::source_location::current()) noexcept  // NOLINT
      : CoroPromiseBase(where) {}
  Coro<T> get_return_object() noexcept;
  void unhandled_exception() noexcept { tls_result_mailbox<T>.set_exception(std::current_exception()); }
  template <class U = T>
  void return_value(U&& v) { tls_result_mailbox<T>.set_value(std::forward<U>(v)); }
};

template <>
class CoroPromise<void> : public CoroPromiseBase {
 public:
  CoroPromise(std::source_location where = std::source_location::current()) noexcept  // NOLINT
      : CoroPromiseBase(where) {}
  Coro<void> get_return_object() noexcept;
  void unhandled_exception() noexcept { tls_result_mailbox<void>.set_exception(std::current_exception()); }
  void return_void() noexcept {}
};

}  // namespace detail

/// A lazy coroutine producing a T (or void). `co_await` it once to run it inline.
///
/// Cancellation: awaiting a Coro adds no suspension point of its own; a cancellation
/// arrives at whatever the Coro itself awaits.
template <class T>
class [[nodiscard]] Coro {
 public:
  using promise_type = detail::CoroPromise<T>;
  using handle_type = std::coroutine_handle<promise_type>;
  using value_type = T;

  Coro() noexcept = default;
  Coro(handle_type h, std::source_location where) noexcept : h_(h), where_(where) {}
  Coro(Coro&& o) noexcept : h_(std::exchange(o.h_, nullptr)), where_(o.where_), started_(o.started_) {}
  Coro& operator=(Coro&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, nullptr);
      where_ = o.where_;
      started_ = o.started_;
    }
    return *this;
  }
  Coro(const Coro&) = delete;
  Coro& operator=(const Coro&) = delete;
  ~Coro() { reset(); }

  /// True if this object holds a coroutine.
  explicit operator bool() const noexcept { return static_cast<bool>(h_); }
  /// True once the coroutine body has returned or thrown.
  bool done() const noexcept { return h_ && h_.done(); }
  /// Where the coroutine function is defined (used in debug reports).
  std::source_location where() const noexcept { return where_; }

  /// Gives up ownership of the frame (the caller must destroy it). Used by Task.
  handle_type release() noexcept {
    started_ = true;
    return std::exchange(h_, nullptr);
  }

  struct Awaiter {
    handle_type h;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> parent) noexcept {
      h.promise().set_continuation(parent);
      detail::transfer_to(h);
    }
    T await_resume() { return detail::tls_result_mailbox<T>.take(); }
  };
  Awaiter operator co_await() && noexcept {
    started_ = true;
    return Awaiter{h_};
  }

 private:
  void reset() noexcept {
    if (!h_) return;
    if (!started_) detail::report_never_awaited(where_);
    h_.destroy();
    h_ = nullptr;
  }

  handle_type h_{};
  std::source_location where_{};
  bool started_ = false;
};

namespace detail {
template <class T>
Coro<T> CoroPromise<T>::get_return_object() noexcept {
  return Coro<T>(std::coroutine_handle<CoroPromise<T>>::from_promise(*this), tls_promise_where);
}
inline Coro<void> CoroPromise<void>::get_return_object() noexcept {
  return Coro<void>(std::coroutine_handle<CoroPromise<void>>::from_promise(*this), tls_promise_where);
}
}  // namespace detail

}  // namespace corio
