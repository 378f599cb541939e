// gather: run awaitables concurrently and collect their results (asyncio.gather).
//
// gather(a, b, c) returns a Future of a tuple (void results become std::monostate);
// gather(range) a Future of a vector. Coros are wrapped in tasks at call time. As in
// asyncio, the first failure is raised at once and the other children keep running;
// with return_exceptions every child's Outcome is collected instead. Cancelling the
// gather future cancels every child that is still running.
//
// Children are watched through callback nodes stored in the gather state itself (one
// allocation for the whole gather); the state keeps itself alive until the last child
// has finished, so dropping the gather future early leaves no dangling node.
#pragma once

#include <cstddef>
#include <exception>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "corio/core/detail/bulk_allocator.hpp"
#include "corio/core/future.hpp"
#include "corio/core/task.hpp"
#include "corio/tasks/create_task.hpp"

namespace corio {

/// A child's value or exception, as gather(return_exceptions, ...) reports it.
template <class T>
class Outcome {
 public:
  using value_type = result_value_t<T>;
  Outcome() = default;
  explicit Outcome(value_type v) : value_(std::move(v)) {}
  explicit Outcome(std::exception_ptr e) : error_(std::move(e)) {}
  bool has_value() const noexcept { return !error_; }
  /// The value; rethrows the exception if there is one.
  const value_type& value() const {
    if (error_) std::rethrow_exception(error_);
    return value_;
  }
  std::exception_ptr exception() const noexcept { return error_; }

 private:
  value_type value_{};
  std::exception_ptr error_;
};

/// Tag for gather(return_exceptions, ...).
struct ReturnExceptions {};
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

template <class A>
struct awaitable_result;
template <class T>
struct awaitable_result<Coro<T>> { using type = T; };
template <class T>
struct awaitable_result<Task<T>> { using type = T; };
template <class T>
struct awaitable_result<Future<T>> { using type = T; };
template <class A>
using awaitable_result_t = typename awaitable_result<std::remove_cvref_t<A>>::type;

template <class T>
Future<T> as_future(Coro<T>&& c) { return create_task(std::move(c)); }
template <class T>
Future<T> as_future(const Task<T>& t) { return t; }
template <class T>
Future<T> as_future(const Future<T>& f) { return f; }

/// The untyped engine of every gather: counting, failure, cancellation.
class GatherCore {
 public:
  struct Child : FutureCallback {
    class GatherCore* owner = nullptr;
    FutureStateBase* fut = nullptr;
  };

 protected:
  GatherCore(FutureStateBase* self, bool return_exceptions) noexcept
      : self_(self), return_exceptions_(return_exceptions) {}
  ~GatherCore();
  /// Registers the children (their states must already be in children_).
  void watch();
  bool cancel_children(const std::string* msg);
  virtual void build_result() noexcept = 0;

  std::vector<Child, BulkAllocator<Child>> children_;
  FutureStateBase* self_;
  std::size_t finished_ = 0;
  bool return_exceptions_;
  bool cancel_requested_ = false;

 private:
  static void on_child_done(FutureCallback* cb, FutureStateBase* fut) noexcept;
};

using ChildTable = std::vector<GatherCore::Child, BulkAllocator<GatherCore::Child>>;

template <class R, class Build>
class GatherState final : public FutureState<R>, public GatherCore {
 public:
  GatherState(LoopCore* loop, ChildTable kids, bool return_exceptions)
      : FutureState<R>(loop), GatherCore(this, return_exceptions) {
    children_ = std::move(kids);
  }
  void start() { watch(); }
  bool cancel(const std::string* msg) override { return cancel_children(msg); }

 private:
  void build_result() noexcept override {
    try {
      this->value.emplace(Build{}(children_, return_exceptions_));
      this->finish_value();
    } catch (...) {
      this->finish_exception(std::current_exception());
    }
  }
};

template <class T>
Outcome<T> outcome_of(FutureStateBase* f) {
  if (f->cancelled()) return Outcome<T>(std::make_exception_ptr(CancelledError(f->cancel_message())));
  if (auto e = f->exception()) return Outcome<T>(e);
  if constexpr (std::is_void_v<T>) return Outcome<T>(std::monostate{});
  else return Outcome<T>(*value_box<T>(f).value);
}

template <class T>
result_value_t<T> value_of(FutureStateBase* f) {
  f->check_result();
  if constexpr (std::is_void_v<T>) return {};
  else return *value_box<T>(f).value;
}

template <class... Ts>
struct BuildTuple {
  template <std::size_t... I>
  static auto build(ChildTable& c, bool outcomes, std::index_sequence<I...>) {
    if constexpr (sizeof...(Ts) == 0) {
      return std::tuple<>();
    } else {
      (void)outcomes;
      return std::make_tuple(value_of<Ts>(c[I].fut)...);
    }
  }
  auto operator()(ChildTable& c, bool outcomes) {
    return build(c, outcomes, std::index_sequence_for<Ts...>{});
  }
};
template <class... Ts>
struct BuildOutcomeTuple {
  template <std::size_t... I>
  static auto build(ChildTable& c, std::index_sequence<I...>) {
    return std::make_tuple(outcome_of<Ts>(c[I].fut)...);
  }
  auto operator()(ChildTable& c, bool) { return build(c, std::index_sequence_for<Ts...>{}); }
};
template <class T>
struct BuildVector {
  std::vector<result_value_t<T>> operator()(ChildTable& c, bool) {
    std::vector<result_value_t<T>> out;
    out.reserve(c.size());
    for (auto& ch : c) out.push_back(value_of<T>(ch.fut));
    return out;
  }
};
template <class T>
struct BuildOutcomeVector {
  std::vector<Outcome<T>> operator()(ChildTable& c, bool) {
    std::vector<Outcome<T>> out;
    out.reserve(c.size());
    for (auto& ch : c) out.push_back(outcome_of<T>(ch.fut));
    return out;
  }
};

template <class R, class Build>
Future<R> make_gather(ChildTable kids, bool return_exceptions) {
  auto* s = new GatherState<R, Build>(&running_loop_ref(), std::move(kids), return_exceptions);
  Future<R> f = Future<R>::adopt(s);
  s->start();
  return f;
}

template <class Fut>
GatherCore::Child retain(const Fut& f) {
  f.state()->add_ref();
  GatherCore::Child c;
  c.fut = f.state();
  return c;
}

}  // namespace detail

/// A Coro, Task or Future.
template <class A>
concept GatherAwaitable = requires { typename detail::awaitable_result<std::remove_cvref_t<A>>::type; };

/// A range of Coros, Tasks or Futures.
template <class R>
concept GatherRange = !GatherAwaitable<R> && requires(R& r) {
  r.begin();
  r.end();
  typename detail::awaitable_result<std::remove_cvref_t<decltype(*r.begin())>>::type;
};

namespace detail {
template <class Range>
ChildTable retain_range(Range&& aws) {
  using A = std::remove_cvref_t<decltype(*aws.begin())>;
  ChildTable kids;
  if constexpr (requires { std::ranges::size(aws); }) kids.reserve(std::ranges::size(aws));
  for (auto&& a : aws) {
    if constexpr (std::is_same_v<A, Coro<awaitable_result_t<A>>>) kids.push_back(retain(as_future(std::move(a))));
    else kids.push_back(retain(as_future(a)));
  }
  return kids;
}
}  // namespace detail

/// Runs every awaitable concurrently; the result is a tuple of their results.
/// Cancellation: cancelling the awaiting task cancels every unfinished child.
///
///   auto [a, b] = co_await corio::gather(func1(), task);
template <GatherAwaitable... A>
auto gather(A&&... aws) {
  using R = std::tuple<result_value_t<detail::awaitable_result_t<A>>...>;
  detail::ChildTable kids;
  kids.reserve(sizeof...(A));
  (kids.push_back(detail::retain(detail::as_future(std::forward<A>(aws)))), ...);
  return detail::make_gather<R, detail::BuildTuple<detail::awaitable_result_t<A>...>>(std::move(kids), false);
}

/// Like gather(...), but collects each child's Outcome instead of raising the first failure.
template <GatherAwaitable... A>
auto gather(ReturnExceptions, A&&... aws) {
  using R = std::tuple<Outcome<detail::awaitable_result_t<A>>...>;
  detail::ChildTable kids;
  kids.reserve(sizeof...(A));
  (kids.push_back(detail::retain(detail::as_future(std::forward<A>(aws)))), ...);
  return detail::make_gather<R, detail::BuildOutcomeTuple<detail::awaitable_result_t<A>...>>(std::move(kids), true);
}

/// gather over a range (Coros are moved out of it); the result is a vector, in order.
template <GatherRange Range>
auto gather(Range&& aws) {
  using T = detail::awaitable_result_t<decltype(*aws.begin())>;
  return detail::make_gather<std::vector<result_value_t<T>>, detail::BuildVector<T>>(
      detail::retain_range(std::forward<Range>(aws)), false);
}

/// gather over a range, collecting an Outcome per child.
template <GatherRange Range>
auto gather(ReturnExceptions, Range&& aws) {
  using T = detail::awaitable_result_t<decltype(*aws.begin())>;
  return detail::make_gather<std::vector<Outcome<T>>, detail::BuildOutcomeVector<T>>(
      detail::retain_range(std::forward<Range>(aws)), true);
}

}  // namespace corio
