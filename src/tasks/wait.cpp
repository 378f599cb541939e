#include "corio/tasks/wait.hpp"

#include <memory>

namespace corio::detail {

namespace {
bool condition_met(const std::vector<FutureStateBase*>& futs, ReturnWhen when) {
  std::size_t done = 0;
  for (FutureStateBase* f : futs) {
    if (!f->done()) continue;
    ++done;
    if (when == ReturnWhen::FIRST_COMPLETED) return true;
    // Peeking must not mark the exception as retrieved: the caller still owns it.
    if (when == ReturnWhen::FIRST_EXCEPTION && f->status() == FutureStateBase::Status::Finished &&
        f->has_exception()) {
      return true;
    }
  }
  return done == futs.size();
}

struct Watcher : FutureCallback {
  FutureStateBase* fut = nullptr;
  struct Shared* shared = nullptr;
};

struct Shared {
  std::vector<FutureStateBase*> futs;
  ReturnWhen when;
  Future<void> waiter;
  std::vector<Watcher> nodes;
  std::size_t pending = 0;  // registered watchers that have not fired
};

// O(1) per completion: only the future that just finished needs looking at.
void on_done(FutureCallback* cb, FutureStateBase* f) noexcept {
  auto* w = static_cast<Watcher*>(cb);
  w->fut = nullptr;  // fired: no longer registered
  Shared& s = *w->shared;
  --s.pending;
  if (s.waiter.done()) return;
  bool met = s.pending == 0 || s.when == ReturnWhen::FIRST_COMPLETED ||
             (s.when == ReturnWhen::FIRST_EXCEPTION && f->status() == FutureStateBase::Status::Finished &&
              f->has_exception());
  if (met) s.waiter.set_result();
}
}  // namespace

Coro<void> wait_states(std::vector<FutureStateBase*> futs, std::optional<std::chrono::nanoseconds> timeout,
                       ReturnWhen when) {
  if (condition_met(futs, when)) co_return;
  EventLoop& loop = running_loop_ref();
  Shared s{std::move(futs), when, loop.create_future<void>(), {}};
  s.nodes.resize(s.futs.size());
  for (std::size_t i = 0; i < s.futs.size(); ++i) {
    if (s.futs[i]->done()) continue;
    Watcher& w = s.nodes[i];
    w.fut = s.futs[i];
    w.shared = &s;
    w.fire = &on_done;
    ++s.pending;
    s.futs[i]->add_callback(&w);
  }
  Handle timer;
  if (timeout) {
    Future<void> waiter = s.waiter;
    timer = loop.call_later(*timeout, [waiter]() mutable {
      if (!waiter.done()) waiter.set_result();
    });
  }
  struct Unregister {
    Shared& s;
    Handle& timer;
    ~Unregister() {
      timer.cancel();
      for (Watcher& w : s.nodes) {
        if (w.fut) w.fut->remove_callback(&w);
      }
    }
  } unregister{s, timer};
  co_await s.waiter;
}

}  // namespace corio::detail
