// Handle and TimerHandle: what call_soon / call_later / call_at return (asyncio.Handle).
//
// A handle may be cancelled from any thread (call_soon_threadsafe returns one), so its
// reference count and cancelled flag are atomic; they are off the co_await hot path.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <utility>

#include "corio/core/detail/runnable.hpp"
#include "corio/core/frame_allocator.hpp"

namespace corio {

namespace detail {
struct HandleImpl : Runnable, PooledObject {
  std::function<void()> fn;
  std::atomic<std::uint32_t> refs{1};
  std::atomic<bool> cancelled{false};
  std::int64_t when_ns = 0;  // for timers

  explicit HandleImpl(std::function<void()> f, RunFn run) : Runnable(run), fn(std::move(f)) {}
  void add_ref() noexcept { refs.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};
}  // namespace detail

/// A scheduled callback; cancel() prevents it from running if it has not run yet.
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(detail::HandleImpl* h) noexcept : h_(h) {}  // adopts a reference
  Handle(const Handle& o) noexcept : h_(o.h_) { if (h_) h_->add_ref(); }
  Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
  Handle& operator=(Handle o) noexcept {
    std::swap(h_, o.h_);
    return *this;
  }
  ~Handle() { if (h_) h_->release(); }

  /// Prevents the callback from running (no effect once it has run).
  void cancel() noexcept;
  bool cancelled() const noexcept { return h_ && h_->cancelled.load(std::memory_order_acquire); }
  bool valid() const noexcept { return h_ != nullptr; }

 protected:
  detail::HandleImpl* h_ = nullptr;
};

/// A callback scheduled for a point in time (call_later / call_at).
class TimerHandle : public Handle {
 public:
  using Handle::Handle;
  /// The loop time (seconds) at which the callback is scheduled.
  double when() const noexcept { return static_cast<double>(h_->when_ns) / 1e9; }
};

}  // namespace corio
