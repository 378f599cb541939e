// as_completed: results in the order they finish (asyncio.as_completed).
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "corio/core/task.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/tasks/create_task.hpp"

namespace corio {

namespace detail {
template <class T>
struct AsCompleted {
  struct Node : FutureCallback {
    FutureStateBase* fut = nullptr;  // non-null while registered
    AsCompleted* owner = nullptr;
  };
  std::vector<Future<T>> futs;
  std::vector<Node> nodes;
  std::deque<Future<T>> done;
  Future<void> waiter;
  Handle timer;
  bool timed_out = false;

  ~AsCompleted() {
    timer.cancel();
    for (Node& n : nodes) {
      if (n.fut) n.fut->remove_callback(&n);
    }
  }
  void wake() {
    if (waiter.valid() && !waiter.done()) waiter.set_result();
  }
  static void on_done(FutureCallback* cb, FutureStateBase*) noexcept {
    auto* n = static_cast<Node*>(cb);
    n->fut = nullptr;
    AsCompleted* self = n->owner;
    self->done.push_back(self->futs[static_cast<std::size_t>(n - self->nodes.data())]);
    self->wake();
  }
  static Coro<T> next(std::shared_ptr<AsCompleted> s) {
    while (s->done.empty()) {
      if (s->timed_out) throw TimeoutError("as_completed timed out");
      s->waiter = running_loop_ref().template create_future<void>();
      co_await s->waiter;
    }
    Future<T> f = std::move(s->done.front());
    s->done.pop_front();
    co_return co_await f;
  }
};
}  // namespace detail

/// Returns one awaitable per input; the k-th one yields the k-th result to finish.
/// With a timeout, awaiting after it passed raises TimeoutError.
///
///   for (auto& next : corio::as_completed(tasks)) { int r = co_await std::move(next); }
template <class F>
auto as_completed(std::vector<F> aws, std::optional<std::chrono::nanoseconds> timeout = std::nullopt) {
  using T = typename F::value_type;
  auto s = std::make_shared<detail::AsCompleted<T>>();
  for (auto& a : aws) {
    if constexpr (std::is_same_v<F, Coro<T>>) s->futs.push_back(create_task(std::move(a)));
    else s->futs.push_back(a);
  }
  s->nodes.resize(s->futs.size());
  for (std::size_t i = 0; i < s->futs.size(); ++i) {
    auto& n = s->nodes[i];
    n.owner = s.get();
    n.fire = &detail::AsCompleted<T>::on_done;
    n.fut = s->futs[i].state();
    n.fut->add_callback(&n);  // fires at once (synchronously) if already done
  }
  if (timeout) {
    std::weak_ptr<detail::AsCompleted<T>> w = s;
    s->timer = detail::running_loop_ref().call_later(*timeout, [w] {
      if (auto p = w.lock()) {
        p->timed_out = true;
        p->wake();
      }
    });
  }
  std::vector<Coro<T>> out;
  out.reserve(s->futs.size());
  for (std::size_t i = 0; i < s->futs.size(); ++i) out.push_back(detail::AsCompleted<T>::next(s));
  return out;
}

}  // namespace corio
