// wrap_future: a loop Future mirroring a concurrent::Future (asyncio.wrap_future).
//
// The concurrent future completes on some other thread; its result (value, exception or
// cancellation) is carried to the loop with call_soon_threadsafe and set on the loop
// future there, so the loop future is only ever touched on its loop's thread.
// Cancelling the loop future (for example by cancelling the task awaiting it) cancels
// the concurrent one, which stops the work only if it has not started (as in asyncio).
//
//   corio::concurrent::Future<int> cf = pool.submit(compute, 42);
//   int r = co_await corio::wrap_future(cf);   // the task waits; the loop keeps running
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "corio/core/future.hpp"
#include "corio/exec/concurrent_future.hpp"
#include "corio/exec/detail/loop_link.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio {

namespace detail {

template <class T>
void copy_concurrent_state(const concurrent::Future<T>& src, Future<T>& dst, bool take) {
  if (dst.done()) return;  // cancelled meanwhile
  if (src.cancelled()) {
    dst.cancel();
    return;
  }
  if (std::exception_ptr e = src.exception()) {  // done: does not block
    dst.set_exception(std::move(e));
  } else if constexpr (std::is_void_v<T>) {
    dst.set_result();
  } else if constexpr (std::is_copy_constructible_v<T>) {
    if (take) {
      dst.set_result(src.state()->take_value());
    } else {
      dst.set_result(src.state()->value());
    }
  } else {
    dst.set_result(src.state()->take_value());
  }
}

/// wrap_future on `loop` (called on its thread). `take`: the concurrent future is private
/// to the caller, so its value may be moved rather than copied.
template <class T>
Future<T> wrap_future_on(EventLoop& loop, concurrent::Future<T> cf, bool take) {
  Future<T> lf = loop.template create_future<T>();
  std::shared_ptr<LoopAnchor> anchor = anchor_of(loop);
  on_done_sync(lf.state(), [cf](FutureStateBase* s) mutable noexcept {
    if (!s->cancelled()) return;
    try {
      cf.cancel();
    } catch (...) {
    }
  });
  cf.add_done_callback([anchor, ref = std::make_shared<LoopRef>(lf.state()), take](concurrent::Future<T>& src) mutable {
    std::shared_ptr<LoopRef> mine = std::move(ref);  // nothing of the loop's stays in cf
    anchor->post([ref = std::move(mine), src, take]() mutable {
      std::shared_ptr<LoopRef> r = std::move(ref);
      Future<T> dst = Future<T>::adopt(r->take());
      copy_concurrent_state(src, dst, take);
    });
  });
  return lf;
}

}  // namespace detail

/// A Future of the running loop that completes with `cf` (asyncio.wrap_future). A
/// move-only result is moved out of `cf` into the loop future. Until `cf` completes (or
/// is cancelled) the two futures keep each other alive, as asyncio's chained futures do.
/// Cancellation: cancelling the returned future cancels `cf` (if it has not started).
template <class T>
Future<T> wrap_future(concurrent::Future<T> cf) {
  return detail::wrap_future_on(detail::running_loop_ref(), std::move(cf), false);
}

}  // namespace corio
