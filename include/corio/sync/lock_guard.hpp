// LockGuard: releases a Lock, Semaphore or BoundedSemaphore when it goes out of scope,
// the C++ spelling of Python's `async with lock:`.
//
//   {
//     auto guard = co_await lock.scoped();   // acquired here
//     ...                                    // critical section
//   }                                        // released here, also on exceptions
//
// A guard is move-only and releases at most once. Acquisition stays an explicit
// `co_await` (a destructor cannot suspend), so only the release is automatic.
#pragma once

#include <utility>

namespace corio {

/// Owns one acquisition of `M` (anything with a release() method) and releases it on
/// destruction.
template <class M>
class [[nodiscard]] LockGuard {
 public:
  /// An empty guard that owns nothing.
  LockGuard() noexcept = default;
  /// Adopts an acquisition the caller already holds.
  explicit LockGuard(M& m) noexcept : m_(&m) {}
  LockGuard(LockGuard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  LockGuard& operator=(LockGuard&& o) noexcept {
    if (this != &o) {
      unlock();
      m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
  }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;
  ~LockGuard() { unlock(); }

  /// Releases now instead of at the end of the scope (does nothing if already released).
  void unlock() {
    if (m_) std::exchange(m_, nullptr)->release();
  }
  /// Gives up ownership without releasing; returns what was owned.
  M* release() noexcept { return std::exchange(m_, nullptr); }
  /// True while the guard still owns an acquisition.
  bool owns_lock() const noexcept { return m_ != nullptr; }
  explicit operator bool() const noexcept { return owns_lock(); }

 private:
  M* m_ = nullptr;
};

namespace detail {
/// Wraps an acquire awaiter so that `co_await` yields a LockGuard instead of `true`.
template <class M, class Acquire>
struct ScopedAcquire : Acquire {
  explicit ScopedAcquire(M& m) noexcept : Acquire(m), owner(&m) {}
  M* owner;
  LockGuard<M> await_resume() {
    Acquire::await_resume();
    return LockGuard<M>(*owner);
  }
};
}  // namespace detail

}  // namespace corio
