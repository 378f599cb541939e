// AsyncGenerator<T>: an async generator (Python's `async def` with `yield`).
//
//   corio::AsyncGenerator<int> ticker(int n) {
//     for (int i = 0; i < n; ++i) { co_await corio::sleep(1s); co_yield i; }
//   }
//   auto gen = ticker(3);
//   while (auto v = co_await gen.next()) use(*v);           // async for v in gen
//   co_await corio::async_for(ticker(3), [](int v) { use(v); });
//
// The body runs inside the awaiting task (it may co_await anything); control moves
// between the consumer and the body through the trampoline, like Coro. next() yields
// std::nullopt when the body returns (StopAsyncIteration). aclose() raises
// GeneratorExit at the suspension point and lets the body's cleanup run (and await).
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "corio/core/coro.hpp"
#include "corio/core/exceptions.hpp"

namespace corio {

template <class T>
class AsyncGenerator;

namespace detail {
template <class T>
class AsyncGeneratorPromise : public PooledObject {
 public:
  AsyncGenerator<T> get_return_object() noexcept;
  std::suspend_always initial_suspend() noexcept { return {}; }
  struct HandBack {
    AsyncGeneratorPromise* p;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept { transfer_to(p->consumer_); }
    void await_resume() {
      if (p->inject_) std::rethrow_exception(std::exchange(p->inject_, nullptr));
    }
  };
  struct FinalHandBack {
    AsyncGeneratorPromise* p;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept { transfer_to(p->consumer_); }
    void await_resume() const noexcept {}
  };
  FinalHandBack final_suspend() noexcept { return {this}; }
  template <class U>
  HandBack yield_value(U&& v) {
    value_.emplace(std::forward<U>(v));
    return {this};
  }
  void return_void() noexcept {}
  void unhandled_exception() noexcept { exc_ = std::current_exception(); }

 private:
  friend class AsyncGenerator<T>;
  std::optional<T> value_;
  std::exception_ptr exc_;
  std::exception_ptr inject_;
  std::coroutine_handle<> consumer_;
};
}  // namespace detail

template <class T>
class [[nodiscard]] AsyncGenerator {
 public:
  using promise_type = detail::AsyncGeneratorPromise<T>;
  using handle_type = std::coroutine_handle<promise_type>;

  AsyncGenerator() noexcept = default;
  explicit AsyncGenerator(handle_type h) noexcept : h_(h) {}
  AsyncGenerator(AsyncGenerator&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  AsyncGenerator& operator=(AsyncGenerator&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  ~AsyncGenerator() {
    if (h_) h_.destroy();
  }

  bool done() const noexcept { return !h_ || h_.done(); }

  struct NextAwaiter {
    handle_type h;
    std::exception_ptr inject;
    bool await_ready() const noexcept { return !h || h.done(); }
    void await_suspend(std::coroutine_handle<> consumer) noexcept {
      h.promise().consumer_ = consumer;
      h.promise().value_.reset();
      h.promise().inject_ = std::move(inject);
      detail::transfer_to(h);
    }
    std::optional<T> await_resume() {
      if (!h) return std::nullopt;
      auto& p = h.promise();
      if (p.exc_) std::rethrow_exception(std::exchange(p.exc_, nullptr));
      if (h.done()) return std::nullopt;
      return std::exchange(p.value_, std::nullopt);
    }
  };
  /// The next value, or nullopt once the body has returned (StopAsyncIteration).
  /// Cancellation: arrives at whatever the body is awaiting.
  NextAwaiter next() noexcept { return NextAwaiter{h_, nullptr}; }

  /// Raises GeneratorExit in the body and waits for it to finish (Python's aclose).
  Coro<void> aclose() {
    if (done()) co_return;
    try {
      auto v = co_await NextAwaiter{h_, std::make_exception_ptr(GeneratorExit())};
      if (v) throw RuntimeError("async generator ignored GeneratorExit");
    } catch (const GeneratorExit&) {
    }
  }

 private:
  handle_type h_{};
};

namespace detail {
template <class T>
AsyncGenerator<T> AsyncGeneratorPromise<T>::get_return_object() noexcept {
  return AsyncGenerator<T>(std::coroutine_handle<AsyncGeneratorPromise>::from_promise(*this));
}
}  // namespace detail

/// `async for v in gen: fn(v)`. fn may return void or a Coro<void> (awaited each time).
template <class T, class F>
Coro<void> async_for(AsyncGenerator<T> gen, F fn) {
  while (auto v = co_await gen.next()) {
    if constexpr (std::is_same_v<decltype(fn(std::move(*v))), Coro<void>>) {
      co_await fn(std::move(*v));
    } else {
      fn(std::move(*v));
    }
  }
}

}  // namespace corio
