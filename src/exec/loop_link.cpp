// The per-loop anchors of the exec layer and the loop's default executor (see
// include/corio/exec/detail/loop_link.hpp for the design).
#include "corio/exec/detail/loop_link.hpp"

#include <thread>
#include <unordered_map>

#include "corio/core/detail/loop_core.hpp"
#include "corio/exec/run_in_executor.hpp"
#include "corio/exec/thread_pool_executor.hpp"

namespace corio {
namespace detail {

namespace {

struct Registry {
  std::mutex mu;
  std::unordered_map<EventLoop*, std::shared_ptr<LoopAnchor>> anchors;
};
Registry& registry() {
  static Registry* r = new Registry;  // immortal: loops may close during static destruction
  return *r;
}

// Shuts `ex` down and waits for its workers while `loop` keeps running, so that work
// which needs the loop (run_coroutine_threadsafe(...).result() from a worker) finishes.
// Inside another running loop's callback this loop cannot run: the wait just blocks.
void shutdown_running(EventLoop& loop, const std::shared_ptr<Executor>& ex) {
  if (tls_running_loop) {
    ex->shutdown(true);
    return;
  }
  Future<void> done = loop.create_future<void>();
  FutureStateBase* raw = done.state();  // kept alive by `done` until the joiner is joined
  std::thread joiner([ex, &loop, raw] {
    ex->shutdown(true);
    loop.call_soon_threadsafe([raw] {
      if (!raw->done()) raw->finish_value();
    });
  });
  while (!done.done()) {
    try {
      loop.run_until_complete(done);
    } catch (const RuntimeError&) {
      // a callback stopped the loop early: keep running it until the executor is done
    }
  }
  joiner.join();
}

void on_loop_close(EventLoop* loop, const std::shared_ptr<LoopAnchor>& anchor) {
  std::shared_ptr<Executor> ex;
  {
    std::lock_guard lock(anchor->mu);
    ex = std::move(anchor->default_executor);
  }
  if (ex) shutdown_running(*loop, ex);
  {
    std::lock_guard lock(anchor->mu);
    anchor->loop = nullptr;
    anchor->default_executor.reset();  // one set while the loop ran during the shutdown
  }
  Registry& r = registry();
  std::lock_guard lock(r.mu);
  r.anchors.erase(loop);
}

}  // namespace

bool LoopAnchor::post(std::function<void()> fn) {
  std::lock_guard lock(mu);
  if (!loop) return false;
  try {
    loop->call_soon_threadsafe(std::move(fn));  // the Handle is released under the lock
  } catch (const RuntimeError&) {
    return false;
  }
  return true;
}

std::shared_ptr<LoopAnchor> anchor_of(EventLoop& loop) {
  Registry& r = registry();
  {
    std::lock_guard lock(r.mu);
    if (auto it = r.anchors.find(&loop); it != r.anchors.end()) return it->second;
  }
  if (loop.is_closed()) throw RuntimeError("Event loop is closed");
  auto anchor = std::make_shared<LoopAnchor>();
  anchor->loop = &loop;
  loop.add_close_callback([l = &loop, anchor] { on_loop_close(l, anchor); });
  std::lock_guard lock(r.mu);
  r.anchors.emplace(&loop, anchor);
  return anchor;
}

Executor& default_executor(EventLoop& loop) {
  std::shared_ptr<LoopAnchor> anchor = anchor_of(loop);
  std::lock_guard lock(anchor->mu);
  if (!anchor->loop) throw RuntimeError("Executor shutdown has been called");
  if (!anchor->default_executor) anchor->default_executor = std::make_shared<ThreadPoolExecutor>(0, "corio");
  return *anchor->default_executor;
}

}  // namespace detail

void set_default_executor(EventLoop& loop, std::shared_ptr<Executor> executor) {
  std::shared_ptr<detail::LoopAnchor> anchor = detail::anchor_of(loop);
  std::shared_ptr<Executor> old;
  {
    std::lock_guard lock(anchor->mu);
    old = std::exchange(anchor->default_executor, std::move(executor));
  }
  // As in asyncio the replaced executor is not shut down; if nobody else holds it, its
  // destructor runs here (a ThreadPoolExecutor waits for its queued work).
}

}  // namespace corio
