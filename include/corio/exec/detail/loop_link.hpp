// The plumbing between a loop and other threads, shared by wrap_future,
// run_in_executor and run_coroutine_threadsafe.
//
//  - LoopAnchor: one per loop that the exec layer has touched, made on the loop's thread
//    and kept in a registry until the loop closes. post() calls the loop's
//    call_soon_threadsafe while the loop is alive and open for the exec layer, and is a
//    no-op (false) afterwards: a thread finishing a job after the loop is gone must not
//    touch a destroyed EventLoop. The loop's close callback first shuts the default
//    executor down (running the loop meanwhile, as asyncio's shutdown_default_executor),
//    then detaches the anchor under its mutex; post() holds that mutex across the call,
//    including the release of the returned Handle, so once the anchor is detached no
//    thread but the loop's holds a callback it posted.
//  - LoopRef: a reference to a loop-owned future state held from another thread. Future
//    states are reference-counted without atomics, so the reference is taken and given
//    back on the loop's thread only: the callbacks posted to the loop move it out and
//    release it there. If such a callback is dropped unrun (the loop closed first), the
//    loop thread destroys it in close() and the future is cancelled, so its waiters and
//    done-callbacks are not left hanging.
//  - on_done_sync: a done-callback that runs synchronously when a loop future or task
//    completes (as gather's do), so it also runs when a closing loop abandons a task.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "corio/core/detail/future_state.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio {

class Executor;

namespace detail {

class LoopAnchor {
 public:
  /// Posts fn to the loop (call_soon_threadsafe). False, and fn dropped, if the loop has
  /// closed (or is closing past the point where the exec layer lets go of it).
  bool post(std::function<void()> fn);

  std::mutex mu;
  EventLoop* loop = nullptr;                   // null once detached
  std::shared_ptr<Executor> default_executor;  // set lazily (loop thread)
};

/// The anchor of `loop`, made on first use. Call on the loop's thread. RuntimeError if
/// the loop is closed.
std::shared_ptr<LoopAnchor> anchor_of(EventLoop& loop);

class LoopRef {
 public:
  explicit LoopRef(FutureStateBase* s) noexcept : s_(s), owner_(std::this_thread::get_id()) { s_->add_ref(); }
  LoopRef(const LoopRef&) = delete;
  LoopRef& operator=(const LoopRef&) = delete;
  ~LoopRef() {
    if (!s_) return;
    // Off the loop's thread the reference cannot be touched; it is leaked instead (only
    // a loop closed by another thread than the one that made the reference gets here).
    if (std::this_thread::get_id() != owner_) return;
    if (!s_->done()) s_->cancel(nullptr);
    s_->release();
  }
  /// Hands the reference over (loop thread only).
  FutureStateBase* take() noexcept { return std::exchange(s_, nullptr); }

 private:
  FutureStateBase* s_;
  std::thread::id owner_;
};

template <class F>
struct DoneNode final : FutureCallback {
  F fn;
  explicit DoneNode(F f) : fn(std::move(f)) { fire = &fire_node; }
  static void fire_node(FutureCallback* self, FutureStateBase* s) noexcept {
    auto* node = static_cast<DoneNode*>(self);
    node->fn(s);
    delete node;
  }
};

/// Calls fn(state) synchronously when `s` completes (at once if it is done). fn must not
/// throw.
template <class F>
void on_done_sync(FutureStateBase* s, F fn) {
  s->add_callback(new DoneNode<F>(std::move(fn)));
}

}  // namespace detail
}  // namespace corio
