// Storage for "a value of T, or an exception, or nothing yet", shared by Coro's promise,
// Future and Generator. void results are stored as std::monostate.
#pragma once

#include <exception>
#include <new>
#include <type_traits>
#include <utility>
#include <variant>

namespace corio {

/// The value type a `T` result is delivered as inside tuples and outcomes.
template <class T>
using result_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

namespace detail {

template <class T>
class ResultSlot {
 public:
  using value_type = result_value_t<T>;

  template <class... A>
  void set_value(A&&... a) { data_.template emplace<1>(std::forward<A>(a)...); }
  void set_exception(std::exception_ptr e) noexcept { data_.template emplace<2>(std::move(e)); }

  bool has_value() const noexcept { return data_.index() == 1; }
  bool has_exception() const noexcept { return data_.index() == 2; }
  bool empty() const noexcept { return data_.index() == 0; }
  const std::exception_ptr& exception() const noexcept { return std::get<2>(data_); }

  /// Moves the value out, or rethrows the exception.
  T take() {
    if (data_.index() == 2) std::rethrow_exception(std::get<2>(data_));
    if constexpr (!std::is_void_v<T>) return std::move(std::get<1>(data_));
  }
  /// Returns a reference to the value, or rethrows the exception.
  std::add_lvalue_reference_t<const value_type> get() const {
    if (data_.index() == 2) std::rethrow_exception(std::get<2>(data_));
    return std::get<1>(data_);
  }

 private:
  std::variant<std::monostate, value_type, std::exception_ptr> data_;
};

/// void results need no storage: "done without exception" is the value. Keeping this
/// to one pointer keeps every Coro<void> frame 8 bytes smaller.
template <>
class ResultSlot<void> {
 public:
  using value_type = std::monostate;
  void set_value() noexcept {}
  void set_exception(std::exception_ptr e) noexcept { exc_ = std::move(e); }
  /// Only meaningful once the producer has finished: success is the absence of an error.
  bool has_value() const noexcept { return !exc_; }
  bool has_exception() const noexcept { return static_cast<bool>(exc_); }
  const std::exception_ptr& exception() const noexcept { return exc_; }
  void take() {
    if (exc_) std::rethrow_exception(exc_);
  }
  const std::monostate& get() const {
    if (exc_) std::rethrow_exception(exc_);
    static constexpr std::monostate unit{};
    return unit;
  }

 private:
  std::exception_ptr exc_;
};

/// Where a finishing Coro leaves its result for the code that runs right after it on
/// the same thread: the awaiting coroutine's await_resume, or the task that drove it.
/// The hand-over is immediate (nothing else runs in between: the finishing frame's
/// final suspension passes control straight to its taker), so one box per thread and
/// result type is enough, and a coroutine frame needs no room for its result. The box
/// is empty between hand-overs; its storage is raw so that the thread-local needs no
/// constructor or destructor of its own.
template <class T>
class ResultMailbox {
 public:
  using value_type = result_value_t<T>;

  // Constant-initialized: a thread-local of this type then needs no guard on access.
  constexpr ResultMailbox() noexcept = default;

  template <class... A>
  void set_value(A&&... a) {
    ::new (static_cast<void*>(value_)) value_type(std::forward<A>(a)...);
    state_ = kValue;
  }
  void set_exception(std::exception_ptr e) noexcept {
    clear();  // a value set by co_return before a destructor threw
    ::new (static_cast<void*>(exc_)) std::exception_ptr(std::move(e));
    state_ = kException;
  }
  bool has_exception() const noexcept { return state_ == kException; }

  /// Empties the box: returns the exception it held (null if it held a value, which is
  /// dropped).
  std::exception_ptr take_exception() noexcept {
    std::exception_ptr e;
    if (state_ == kException) e = std::move(*exception_ptr_());
    clear();
    return e;
  }
  /// Empties the box: moves the value out, or rethrows the exception.
  T take() {
    if (state_ == kException) std::rethrow_exception(take_exception());
    if constexpr (!std::is_void_v<T>) {
      struct Clear {
        ResultMailbox* m;
        ~Clear() { m->clear(); }
      } clear_after{this};
      return std::move(*value_ptr_());
    } else {
      clear();
    }
  }
  /// Empties the box, destroying what it held.
  void clear() noexcept {
    if (state_ == kValue) {
      if constexpr (!std::is_void_v<T>) value_ptr_()->~value_type();
    } else if (state_ == kException) {
      exception_ptr_()->~exception_ptr();
    }
    state_ = kEmpty;
  }

 private:
  static constexpr unsigned char kEmpty = 0, kValue = 1, kException = 2;
  value_type* value_ptr_() noexcept { return std::launder(reinterpret_cast<value_type*>(value_)); }
  std::exception_ptr* exception_ptr_() noexcept { return std::launder(reinterpret_cast<std::exception_ptr*>(exc_)); }

  alignas(value_type) unsigned char value_[std::is_void_v<T> ? 1 : sizeof(value_type)] = {};
  alignas(std::exception_ptr) unsigned char exc_[sizeof(std::exception_ptr)] = {};
  unsigned char state_ = kEmpty;
};

template <class T>
inline thread_local ResultMailbox<T> tls_result_mailbox;

}  // namespace detail
}  // namespace corio
