// Storage for "a value of T, or an exception, or nothing yet", shared by Coro's promise,
// Future and Generator. void results are stored as std::monostate.
#pragma once

#include <exception>
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

}  // namespace detail
}  // namespace corio
