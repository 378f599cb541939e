// Executor: what runs functions somewhere else and hands back concurrent futures
// (concurrent.futures.Executor).
//
// submit(fn, args...) copies (or moves) fn and the arguments into a job, as std::thread
// does, and returns a concurrent::Future of fn's result; map(fn, items) submits one job
// per item at once and gives the results back in order. A concrete executor only says
// where jobs run (execute) and how it stops (shutdown): ThreadPoolExecutor is the one in
// this layer.
//
//   corio::ThreadPoolExecutor pool(2);
//   for (int sq : pool.map([](int x) { return x * x; }, std::vector{1, 2, 3})) ...
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "corio/exec/concurrent_future.hpp"

namespace corio {

namespace detail {

/// One unit of work queued in an executor.
struct Job {
  virtual ~Job() = default;
  /// Runs the work (unless its future was cancelled) and completes its future.
  virtual void run() noexcept = 0;
  /// Cancels the future of work that will never run (shutdown with cancel_futures).
  virtual void cancel() noexcept = 0;
};

template <class T, class Fn>
struct FutureJob final : Job {
  std::shared_ptr<concurrent::detail::State<T>> state;
  Fn fn;
  FutureJob(std::shared_ptr<concurrent::detail::State<T>> s, Fn f) : state(std::move(s)), fn(std::move(f)) {}
  void run() noexcept override {
    try {
      if (!state->set_running_or_notify_cancel()) return;
      if constexpr (std::is_void_v<T>) {
        fn();
        state->set_value();
      } else {
        state->set_value(fn());
      }
    } catch (...) {
      try {
        state->set_exception(std::current_exception());
      } catch (...) {
      }
    }
  }
  void cancel() noexcept override {
    try {
      state->cancel();
    } catch (...) {
    }
  }
};

/// fn(args...) with fn and args decay-copied, the args moved into the call.
template <class F, class... A>
auto bind_call(F&& fn, A&&... args) {
  return [f = std::forward<F>(fn), tup = std::make_tuple(std::forward<A>(args)...)]() mutable -> decltype(auto) {
    return std::apply([&f](auto&&... a) -> decltype(auto) { return std::invoke(f, std::move(a)...); }, std::move(tup));
  };
}

/// What an executor's future holds for fn(args...): the result, by value.
template <class F, class... A>
using call_result_t = std::decay_t<std::invoke_result_t<std::decay_t<F>&, std::decay_t<A>&&...>>;

}  // namespace detail

/// The results of Executor::map, in the order of the items. Iterating blocks on each
/// result in turn and rethrows the first exception met; destroying the object cancels
/// the jobs that have not started (as Python's map generator does when closed).
template <class R>
class MapResults {
 public:
  explicit MapResults(std::vector<concurrent::Future<R>> fs) noexcept : fs_(std::move(fs)) {}
  MapResults(MapResults&&) noexcept = default;
  MapResults& operator=(MapResults&&) noexcept = default;
  ~MapResults() {
    for (auto& f : fs_) {
      if (f.valid()) f.cancel();
    }
  }

  class iterator {
   public:
    using value_type = R;
    using difference_type = std::ptrdiff_t;
    using reference = const R&;
    iterator() = default;
    iterator(const MapResults* m, std::size_t i) : m_(m), i_(i) {}
    const R& operator*() const { return m_->fs_[i_].result(); }
    iterator& operator++() {
      ++i_;
      return *this;
    }
    void operator++(int) { ++i_; }
    friend bool operator==(const iterator& a, const iterator& b) noexcept { return a.i_ == b.i_; }

   private:
    const MapResults* m_ = nullptr;
    std::size_t i_ = 0;
  };

  iterator begin() const { return iterator(this, 0); }
  iterator end() const { return iterator(this, fs_.size()); }
  std::size_t size() const noexcept { return fs_.size(); }
  /// Waits for every result and returns them (rethrows the first exception in order).
  std::vector<R> results() const {
    std::vector<R> out;
    out.reserve(fs_.size());
    for (const auto& f : fs_) out.push_back(f.result());
    return out;
  }
  /// The futures themselves.
  const std::vector<concurrent::Future<R>>& futures() const noexcept { return fs_; }

 private:
  std::vector<concurrent::Future<R>> fs_;
};

/// Base of the executors (concurrent.futures.Executor).
class Executor {
 public:
  Executor() = default;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  virtual ~Executor() = default;

  /// Schedules fn(args...) and returns a future of its result. RuntimeError once the
  /// executor is shut down.
  template <class F, class... A>
  concurrent::Future<detail::call_result_t<F, A...>> submit(F&& fn, A&&... args) {
    using R = detail::call_result_t<F, A...>;
    auto state = std::make_shared<concurrent::detail::State<R>>();
    auto call = detail::bind_call(std::forward<F>(fn), std::forward<A>(args)...);
    execute(std::make_unique<detail::FutureJob<R, decltype(call)>>(state, std::move(call)));
    return concurrent::Future<R>(std::move(state));
  }

  /// Submits fn(item) for every item now; the results come back in the items' order.
  template <class F, class Range>
  auto map(F fn, const Range& items) {
    using Item = decltype(*std::begin(items));
    using R = detail::call_result_t<F&, Item>;
    static_assert(!std::is_void_v<R>, "map needs a function that returns a value");
    std::vector<concurrent::Future<R>> fs;
    for (const auto& item : items) fs.push_back(submit(fn, item));
    return MapResults<R>(std::move(fs));
  }

  /// Stops accepting work. With `wait`, returns once all queued work has run and the
  /// worker threads have exited; with `cancel_futures`, the queued work that has not
  /// started is cancelled instead of run.
  virtual void shutdown(bool wait = true, bool cancel_futures = false) = 0;

  /// Queues a job (the engine of submit). RuntimeError once shut down.
  virtual void execute(std::unique_ptr<detail::Job> job) = 0;
};

}  // namespace corio
