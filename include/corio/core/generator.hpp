// Generator<T, Send, R>: Python's generator with send / throw / close and `yield from`.
//
//   corio::Generator<std::string, int> consumer() {
//     std::string r;
//     while (true) {
//       std::optional<int> n = co_yield r;   // Python: n = yield r
//       if (!n) co_return;
//       r = "200 OK";
//     }
//   }
//
// `co_yield v` hands v to the caller and evaluates to what the caller sends next: a
// std::optional<Send> (nullopt for next(), Python's None), or void when Send is void.
// `co_yield corio::yield_from(sub)` delegates to another generator until it finishes
// and evaluates to its return value (R of the sub-generator): Python's `yield from`.
// A generator is synchronous: it cannot co_await (that is AsyncGenerator's job).
//
// The caller drives it: next(), send(v), throw_(e) return the next yielded value or
// throw StopIteration when the body returns (its return value is then in
// return_value()); close() throws GeneratorExit in at the suspension point.
#pragma once

#include <coroutine>
#include <exception>
#include <iterator>
#include <optional>
#include <type_traits>
#include <utility>

#include "corio/core/detail/result.hpp"
#include "corio/core/exceptions.hpp"
#include "corio/core/frame_allocator.hpp"

namespace corio {

template <class T, class Send = void, class R = void>
class Generator;

/// Wraps a sub-generator for `co_yield corio::yield_from(gen)`.
template <class G>
struct YieldFrom {
  G& gen;
};
template <class T, class Send, class R>
YieldFrom<Generator<T, Send, R>> yield_from(Generator<T, Send, R>& g) noexcept { return {g}; }
template <class T, class Send, class R>
YieldFrom<Generator<T, Send, R>> yield_from(Generator<T, Send, R>&& g) noexcept { return {g}; }

namespace detail {

template <class Send>
struct SendSlot {
  std::optional<Send> sent;
  // Field by field rather than std::exchange of the whole optional: the caller has just
  // stored the value and the flag separately, and one wide load of both (what the
  // optimizer makes of an optional copy) waits for those stores to reach the cache
  // instead of being forwarded from them; that stall was most of a send().
  // Not reset after the move: every resumption (next, send, throw_, close) stores the
  // slot anew before it resumes the body.
  std::optional<Send> take() {
    if (!sent.has_value()) return std::nullopt;
    return std::optional<Send>(std::in_place, std::move(*sent));
  }
};
template <>
struct SendSlot<void> {
  void take() {}
};

template <class Send>
using send_arg_t = std::conditional_t<std::is_void_v<Send>, std::monostate, std::optional<Send>>;

/// What a delegating generator needs from its sub-generator, type-erased over R.
template <class T, class Send>
struct DelegateOps {
  bool (*advance)(void* gen, send_arg_t<Send>&& s, std::exception_ptr inject);
  T (*take)(void* gen);
};

/// return_value or return_void, as the generator's R demands (a promise may not declare both).
template <class R>
struct GeneratorReturn {
  ResultSlot<R> ret_;
  template <class U>
  void return_value(U&& v) { ret_.set_value(std::forward<U>(v)); }
};
template <>
struct GeneratorReturn<void> {
  ResultSlot<void> ret_;
  void return_void() noexcept { ret_.set_value(); }
};

template <class T, class Send, class R>
class GeneratorPromise : public PooledObject, public GeneratorReturn<R> {
 public:
  Generator<T, Send, R> get_return_object() noexcept;
  std::suspend_always initial_suspend() noexcept { return {}; }
  std::suspend_always final_suspend() noexcept {
    at_yield_ = false;
    return {};
  }
  void unhandled_exception() noexcept { exc_ = std::current_exception(); }
  template <class A>
  void await_transform(A&&) = delete;  // generators are synchronous

  struct YieldAwaiter {
    GeneratorPromise* p;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    auto await_resume() {
      if constexpr (!std::is_void_v<Send>) {
        // A sent value and an injected exception never come together (throw_ sends None),
        // so a send() pays for one test.
        if (p->sent_.sent.has_value()) [[likely]]
          return p->sent_.take();
      }
      if (p->inject_) std::rethrow_exception(std::exchange(p->inject_, nullptr));
      return p->sent_.take();
    }
  };
  // The operand of `co_yield v` lives until the generator resumes (a temporary lasts to
  // the end of the full-expression, which spans the suspension), so a yield of a T just
  // points at it and the caller copies or moves it out once: one copy per send() instead
  // of two, and no copy at all of a value the caller never takes.
  YieldAwaiter yield_value(const T& v) noexcept requires std::is_copy_constructible_v<T> {
    yielded_ = &v;
    movable_ = false;
    at_yield_ = true;
    return YieldAwaiter{this};
  }
  YieldAwaiter yield_value(T&& v) noexcept {
    yielded_ = &v;
    movable_ = true;
    at_yield_ = true;
    return YieldAwaiter{this};
  }
  template <class U>
  YieldAwaiter yield_value(U&& v) requires(!std::is_same_v<std::remove_cvref_t<U>, T> &&
                                           std::is_constructible_v<T, U &&>) {
    value_.emplace(std::forward<U>(v));  // another type: converted here, then handed out as an rvalue
    yielded_ = &*value_;
    movable_ = true;
    at_yield_ = true;
    return YieldAwaiter{this};
  }

  /// The yielded value, moved out when the operand was an rvalue, copied otherwise.
  T take() {
    if constexpr (std::is_copy_constructible_v<T>) {
      if (!movable_) return T(*yielded_);
    }
    return T(std::move(*const_cast<T*>(yielded_)));
  }
  /// The yielded value as an object of this generator's own, for range-for and delegation.
  T* materialize() {
    if (!value_ || yielded_ != &*value_) {
      value_.emplace(take());
      yielded_ = &*value_;
      movable_ = true;
    }
    return &*value_;
  }

  template <class R2>
  struct DelegateAwaiter {
    GeneratorPromise* p;
    Generator<T, Send, R2>& sub;
    bool await_ready() {
      // Start the sub-generator; if it yields, we suspend and become its proxy.
      if (sub.done()) return true;
      bool yielded;
      try {
        yielded = sub.advance(send_arg_t<Send>{}, nullptr);
      } catch (...) {
        p->delegate_exc_ = std::current_exception();
        return true;
      }
      if (!yielded) return true;
      p->value_.emplace(sub.take_value());
      p->yielded_ = &*p->value_;
      p->movable_ = true;
      p->delegate_ = &sub;
      p->at_yield_ = false;
      p->ops_ = DelegateOps<T, Send>{
          [](void* g, send_arg_t<Send>&& s, std::exception_ptr inj) {
            return static_cast<Generator<T, Send, R2>*>(g)->advance(std::move(s), inj);
          },
          [](void* g) { return static_cast<Generator<T, Send, R2>*>(g)->take_value(); }};
      return false;
    }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    R2 await_resume() {
      if (p->delegate_exc_) std::rethrow_exception(std::exchange(p->delegate_exc_, nullptr));
      return sub.return_value();
    }
  };
  template <class R2>
  DelegateAwaiter<R2> yield_value(YieldFrom<Generator<T, Send, R2>> yf) {
    return DelegateAwaiter<R2>{this, yf.gen};
  }

 private:
  friend class Generator<T, Send, R>;
  const T* yielded_ = nullptr;  // the pending co_yield's operand (or value_)
  bool movable_ = false;        // ... and whether it may be moved from
  bool at_yield_ = false;       // suspended at a co_yield of its own (not delegating, not done)
  std::optional<T> value_;      // a converted or delegated value, or one materialized for iteration
  SendSlot<Send> sent_;
  std::exception_ptr inject_;
  std::exception_ptr exc_;
  std::exception_ptr delegate_exc_;
  void* delegate_ = nullptr;
  DelegateOps<T, Send> ops_{};
};

}  // namespace detail

template <class T, class Send, class R>
class [[nodiscard]] Generator {
 public:
  using promise_type = detail::GeneratorPromise<T, Send, R>;
  using handle_type = std::coroutine_handle<promise_type>;
  using send_arg = detail::send_arg_t<Send>;

  Generator() noexcept = default;
  explicit Generator(handle_type h) noexcept : h_(h) {}
  Generator(Generator&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Generator& operator=(Generator&& o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, nullptr);
    }
    return *this;
  }
  ~Generator() {
    if (h_) h_.destroy();
  }

  /// True once the body has returned or thrown.
  bool done() const noexcept { return !h_ || h_.done(); }

  /// Resumes (sending None) and returns the next value; StopIteration when finished.
  T next() {
    if (fast_path()) [[likely]] {
      if constexpr (!std::is_void_v<Send>) h_.promise().sent_.sent.reset();
      return resume_fast();
    }
    if (!advance(send_arg{}, nullptr)) throw StopIteration();
    return take_value();
  }
  /// Resumes with `v` as the value of the pending co_yield; StopIteration when finished.
  template <class V>
  T send(V&& v) requires(!std::is_void_v<Send>) {
    if (fast_path()) [[likely]] {
      h_.promise().sent_.sent = std::forward<V>(v);  // assignment: also takes nullopt (None) and optionals
      return resume_fast();
    }
    if (!advance(send_arg(std::forward<V>(v)), nullptr)) throw StopIteration();
    return take_value();
  }
  /// Raises `e` at the suspension point; returns the next value if the body goes on.
  T throw_(std::exception_ptr e) {
    if (!advance(send_arg{}, std::move(e))) throw StopIteration();
    return take_value();
  }
  template <class E>
  T throw_(E e) { return throw_(std::make_exception_ptr(std::move(e))); }
  /// Raises GeneratorExit at the suspension point and finishes the generator.
  void close() {
    if (done()) return;
    if (!started_) {
      h_.destroy();
      h_ = nullptr;
      return;
    }
    bool yielded;
    try {
      yielded = advance(send_arg{}, std::make_exception_ptr(GeneratorExit()));
    } catch (const GeneratorExit&) {
      return;
    } catch (const StopIteration&) {
      return;
    }
    if (yielded) throw RuntimeError("generator ignored GeneratorExit");
  }

  /// The body's return value (Python's StopIteration.value). Precondition: done().
  R return_value() { return h_.promise().ret_.take(); }

  /// Range-for support: iterates with next() until the generator finishes.
  class iterator {
   public:
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    iterator() = default;
    explicit iterator(Generator* g) : g_(g) {}
    T& operator*() const { return *g_->current_ptr(); }
    iterator& operator++() {
      if (!g_->advance(send_arg{}, nullptr)) g_ = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& a, std::default_sentinel_t) { return a.g_ == nullptr; }

   private:
    Generator* g_ = nullptr;
  };
  iterator begin() {
    if (!advance(send_arg{}, nullptr)) return iterator();
    return iterator(this);
  }
  std::default_sentinel_t end() noexcept { return {}; }

  /// Engine of next/send/throw_: resumes once; false when the body finished.
  bool advance(send_arg&& s, std::exception_ptr inject) {
    if (done()) {
      if (inject) std::rethrow_exception(inject);
      return false;
    }
    auto& p = h_.promise();
    started_ = true;
    if (p.delegate_) {
      try {
        if (p.ops_.advance(p.delegate_, std::move(s), inject)) {
          p.value_.emplace(p.ops_.take(p.delegate_));
          p.yielded_ = &*p.value_;
          p.movable_ = true;
          return true;
        }
      } catch (...) {
        p.delegate_exc_ = std::current_exception();
      }
      p.delegate_ = nullptr;  // the sub-generator finished: resume after yield_from
    } else {
      if constexpr (!std::is_void_v<Send>) {
        p.sent_.sent = std::move(s);
        if (inject) p.sent_.sent.reset();  // an injected exception wins (see YieldAwaiter)
      }
      p.inject_ = std::move(inject);
    }
    p.value_.reset();
    h_.resume();
    if (h_.done()) {
      if (p.exc_) std::rethrow_exception(std::exchange(p.exc_, nullptr));
      return false;
    }
    return true;
  }
  T* current_ptr() { return h_.promise().materialize(); }
  /// The pending yield's value, handed over once (moved or copied, see take()).
  T take_value() { return h_.promise().take(); }

 private:
  // The common case of next/send: a started, suspended generator that is not
  // delegating. No exception_ptr is touched on this path.
  bool fast_path() const noexcept { return h_ && h_.promise().at_yield_; }
  T resume_fast() {
    // A copy of the handle in a local survives the call in a register; h_ itself would
    // be read back from this Generator (the body could have reached it), a load that
    // can wait on the body's stores to its frame when the two addresses alias.
    handle_type h = h_;
    h.resume();
    if (!h.done()) [[likely]] return h.promise().take();
    auto& p = h.promise();
    if (p.exc_) std::rethrow_exception(std::exchange(p.exc_, nullptr));
    throw StopIteration();
  }
  handle_type h_{};
  bool started_ = false;
};

namespace detail {
template <class T, class Send, class R>
Generator<T, Send, R> GeneratorPromise<T, Send, R>::get_return_object() noexcept {
  return Generator<T, Send, R>(std::coroutine_handle<GeneratorPromise>::from_promise(*this));
}
}  // namespace detail

}  // namespace corio
