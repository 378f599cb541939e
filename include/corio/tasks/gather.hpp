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
//
// A gather over a range whose element type can be default-constructed copies each
// child's result into the result vector as the child finishes, and lets go of a child
// task right then: a million-task gather then touches each task while it is hot in the
// cache, instead of walking a million cold tasks again to collect and release them.
// An rvalue container of Tasks or Futures hands its references over (its elements are
// left empty, as moved-from handles), so the gather holds the only handle.
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
    class GatherCore* owner = nullptr;  // set while the node is registered with fut
    FutureStateBase* fut = nullptr;     // the gather's reference; null once given back
  };

 protected:
  GatherCore(FutureStateBase* self, bool return_exceptions) noexcept
      : self_(self), return_exceptions_(return_exceptions) {}
  ~GatherCore();
  /// Registers the children (their states must already be in children_).
  void watch();
  /// Starts watching `total_` children: false (and the result built) if there are none.
  bool begin_watch();
  /// Registers one child with its future (which may call back at once if it is done;
  /// after the last child that may free the table).
  void watch_child(Child& c) noexcept {
    c.owner = this;
    c.fire = child_fire_;
    c.fut->add_callback(&c);
  }
  bool cancel_children(const std::string* msg);
  virtual void build_result() noexcept = 0;
  /// Eager gathers: stores child i's result (or outcome) in the result as it finishes.
  virtual void store_result(std::size_t i, FutureStateBase* f) = 0;

  /// The callback of every child: what a failure, a cancellation or the last child
  /// does to the gather.
  static void on_child_done(FutureCallback* cb, FutureStateBase* fut) noexcept;
  /// Ends the gather once its last child has finished (and it has not failed).
  void finish_all(FutureStateBase* last) noexcept;
  /// The end of every child's callback (see the .cpp).
  void after_child(Child& c, FutureStateBase* fut, bool last) noexcept;

  std::vector<Child, BulkAllocator<Child>> children_;
  FutureStateBase* self_;
  FutureCallback::FireFn child_fire_ = &GatherCore::on_child_done;
  std::size_t total_ = 0;       // how many children the gather has (set when watching starts)
  std::size_t finished_ = 0;
  std::size_t given_back_ = 0;  // children whose reference was dropped before the end
  bool return_exceptions_;
  bool cancel_requested_ = false;
  bool eager_ = false;
};

using ChildTable = std::vector<GatherCore::Child, BulkAllocator<GatherCore::Child>>;

/// Takes over the handle's reference (the handle is left empty).
template <class T>
GatherCore::Child adopt_child(Future<T>& f) {
  GatherCore::Child c;
  c.fut = FutureAccess::take(f);
  return c;
}
template <class T>
GatherCore::Child adopt_child(Future<T>&& f) { return adopt_child(f); }

struct NoResults {};

template <class R, class Build>
class GatherState final : public FutureState<R>, public GatherCore {
 public:
  /// `total` children: those in `kids`, or (see take_and_watch) as many as will come.
  GatherState(LoopCore* loop, ChildTable kids, bool return_exceptions, std::size_t total)
      : FutureState<R>(loop), GatherCore(this, return_exceptions) {
    children_ = std::move(kids);
    total_ = total;
    if constexpr (Build::kEager) {
      results_.resize(total);
      eager_ = true;
      if constexpr (Build::kNothrowStore) child_fire_ = &GatherState::child_done;
    }
  }
  void start() { watch(); }
  bool cancel(const std::string* msg) override { return cancel_children(msg); }

  /// Takes over the handles of `handles` (an rvalue container of total_ Tasks or
  /// Futures, its table reserved) and registers each as it comes: one pass over the
  /// children instead of one to collect them and one to register them.
  template <class Range>
  void take_and_watch(Range& handles) noexcept {
    if (!begin_watch()) return;
    for (auto& h : handles) {
      children_.push_back(adopt_child(h));
      watch_child(children_.back());  // the last one may end the gather and free the table
    }
  }

 private:
  void build_result() noexcept override {
    try {
      if constexpr (Build::kEager) {
        this->value.emplace(std::move(results_));
      } else {
        this->value.emplace(Build{}(children_, return_exceptions_));
      }
      this->finish_value();
    } catch (...) {
      this->finish_exception(std::current_exception());
    }
  }
  void store_result(std::size_t i, FutureStateBase* f) override {
    if constexpr (Build::kEager) Build::store(results_[i], f);
  }
  // The callback of a child of a gather whose results cannot fail to be stored: a
  // child that succeeded while the gather is pending is handled here without a call
  // (a million-task gather runs this a million times); the rest goes to on_child_done.
  static void child_done(FutureCallback* cb, FutureStateBase* fut) noexcept {
    auto* c = static_cast<Child*>(cb);
    auto* g = static_cast<GatherState*>(c->owner);
    if (fut->status() != FutureStateBase::Status::Finished || fut->has_exception() || g->done()) {
      on_child_done(cb, fut);
      return;
    }
    c->owner = nullptr;
    Build::store(g->results_[static_cast<std::size_t>(c - g->children_.data())], fut);
    bool last = ++g->finished_ == g->total_;
    if (last) [[unlikely]] {
      g->finish_all(fut);
      g->after_child(*c, fut, last);
    } else if (fut->is_task()) {
      // As after_child: the loop still holds the task, the result is stored.
      c->fut = nullptr;
      ++g->given_back_;
      fut->release();
    }
  }

  [[no_unique_address]] std::conditional_t<Build::kEager, R, NoResults> results_;
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

// A vector result can be filled as the children finish when its elements can exist
// before their value does.
template <class V>
inline constexpr bool eager_element_v = std::is_nothrow_default_constructible_v<V> && std::is_copy_assignable_v<V>;

template <class... Ts>
struct BuildTuple {
  static constexpr bool kEager = false;
  static constexpr bool kNothrowStore = false;
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
  static constexpr bool kEager = false;
  static constexpr bool kNothrowStore = false;
  template <std::size_t... I>
  static auto build(ChildTable& c, std::index_sequence<I...>) {
    return std::make_tuple(outcome_of<Ts>(c[I].fut)...);
  }
  auto operator()(ChildTable& c, bool) { return build(c, std::index_sequence_for<Ts...>{}); }
};
template <class T>
struct BuildVector {
  static constexpr bool kEager = eager_element_v<result_value_t<T>>;
  static constexpr bool kNothrowStore = std::is_nothrow_copy_assignable_v<result_value_t<T>>;
  template <class Slot>
  static void store(Slot&& slot, FutureStateBase* f) {
    if constexpr (!std::is_void_v<T>) slot = *value_box<T>(f).value;
  }
  std::vector<result_value_t<T>> operator()(ChildTable& c, bool) {
    std::vector<result_value_t<T>> out;
    out.reserve(c.size());
    for (auto& ch : c) out.push_back(value_of<T>(ch.fut));
    return out;
  }
};
template <class T>
struct BuildOutcomeVector {
  static constexpr bool kEager = eager_element_v<result_value_t<T>>;
  static constexpr bool kNothrowStore = false;
  static void store(Outcome<T>& slot, FutureStateBase* f) { slot = outcome_of<T>(f); }
  std::vector<Outcome<T>> operator()(ChildTable& c, bool) {
    std::vector<Outcome<T>> out;
    out.reserve(c.size());
    for (auto& ch : c) out.push_back(outcome_of<T>(ch.fut));
    return out;
  }
};

template <class R, class Build>
Future<R> make_gather(ChildTable kids, bool return_exceptions) {
  std::size_t n = kids.size();
  auto* s = new GatherState<R, Build>(&running_loop_ref(), std::move(kids), return_exceptions, n);
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
/// A variadic argument's node: a Coro's new task is taken over, a handle retained.
template <class A>
GatherCore::Child child_of(A&& a) {
  if constexpr (std::is_same_v<std::remove_cvref_t<A>, Coro<awaitable_result_t<A>>>) {
    return adopt_child(as_future(std::forward<A>(a)));
  } else {
    return retain(as_future(a));
  }
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
// An rvalue container owns its elements and is about to go away: its handles can be
// taken over. A view or a borrowed range (a span) refers to someone else's elements.
template <class Range>
inline constexpr bool gives_up_elements_v = !std::is_lvalue_reference_v<Range> &&
                                            !std::ranges::borrowed_range<Range> &&
                                            !std::ranges::view<std::remove_cvref_t<Range>>;

// A sized rvalue container of Tasks or Futures: its handles are taken over and
// registered in one pass (see GatherState::take_and_watch).
template <class Range>
inline constexpr bool taken_in_one_pass_v = [] {
  using A = std::remove_cvref_t<decltype(*std::declval<Range&>().begin())>;
  using Elem = std::remove_reference_t<decltype(*std::declval<Range&>().begin())>;
  return gives_up_elements_v<Range> && !std::is_const_v<Elem> && !std::is_same_v<A, Coro<awaitable_result_t<A>>> &&
         requires(Range& r) { std::ranges::size(r); };
}();

template <class R, class Build, class Range>
Future<R> make_gather_taking(Range& handles, bool return_exceptions) {
  std::size_t n = static_cast<std::size_t>(std::ranges::size(handles));
  ChildTable kids;
  kids.reserve(n);  // before anything is taken: a failure leaves the range as it was
  auto* s = new GatherState<R, Build>(&running_loop_ref(), std::move(kids), return_exceptions, n);
  Future<R> f = Future<R>::adopt(s);
  s->take_and_watch(handles);
  return f;
}

template <class Range>
ChildTable retain_range(Range&& aws) {
  using A = std::remove_cvref_t<decltype(*aws.begin())>;
  ChildTable kids;
  if constexpr (requires { std::ranges::size(aws); }) kids.reserve(std::ranges::size(aws));
  for (auto&& a : aws) {
    using Elem = std::remove_reference_t<decltype(a)>;
    if constexpr (std::is_same_v<A, Coro<awaitable_result_t<A>>>) {
      kids.push_back(adopt_child(as_future(std::move(a))));
    } else if constexpr (gives_up_elements_v<Range> && !std::is_const_v<Elem>) {
      kids.push_back(adopt_child(a));
    } else {
      kids.push_back(retain(as_future(a)));
    }
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
  (kids.push_back(detail::child_of(std::forward<A>(aws))), ...);
  return detail::make_gather<R, detail::BuildTuple<detail::awaitable_result_t<A>...>>(std::move(kids), false);
}

/// Like gather(...), but collects each child's Outcome instead of raising the first failure.
template <GatherAwaitable... A>
auto gather(ReturnExceptions, A&&... aws) {
  using R = std::tuple<Outcome<detail::awaitable_result_t<A>>...>;
  detail::ChildTable kids;
  kids.reserve(sizeof...(A));
  (kids.push_back(detail::child_of(std::forward<A>(aws))), ...);
  return detail::make_gather<R, detail::BuildOutcomeTuple<detail::awaitable_result_t<A>...>>(std::move(kids), true);
}

/// gather over a range; the result is a vector, in order. Coros are moved out of the
/// range, and so are the Tasks and Futures of an rvalue container (gather(std::move(v))).
template <GatherRange Range>
auto gather(Range&& aws) {
  using T = detail::awaitable_result_t<decltype(*aws.begin())>;
  using R = std::vector<result_value_t<T>>;
  if constexpr (detail::taken_in_one_pass_v<Range&&>) {
    return detail::make_gather_taking<R, detail::BuildVector<T>>(aws, false);
  } else {
    return detail::make_gather<R, detail::BuildVector<T>>(detail::retain_range(std::forward<Range>(aws)), false);
  }
}

/// gather over a range, collecting an Outcome per child.
template <GatherRange Range>
auto gather(ReturnExceptions, Range&& aws) {
  using T = detail::awaitable_result_t<decltype(*aws.begin())>;
  using R = std::vector<Outcome<T>>;
  if constexpr (detail::taken_in_one_pass_v<Range&&>) {
    return detail::make_gather_taking<R, detail::BuildOutcomeVector<T>>(aws, true);
  } else {
    return detail::make_gather<R, detail::BuildOutcomeVector<T>>(detail::retain_range(std::forward<Range>(aws)), true);
  }
}

}  // namespace corio
