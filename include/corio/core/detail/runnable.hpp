// The scheduling atoms shared by the core and the loop.
//
// A Runnable is anything the loop's ready queue can hold: a task to step, a callback
// handle, a done-callback of a future. It is intrusive (the `next` link lives in the
// object) and dispatched through a plain function pointer, so scheduling allocates
// nothing and makes no virtual call. An object is in at most one queue at a time.
#pragma once

#include <coroutine>
#include <cstddef>

namespace corio::detail {

struct Runnable {
  using RunFn = void (*)(Runnable*) noexcept;
  Runnable* next_ready = nullptr;
  RunFn run_fn = nullptr;
  explicit Runnable(RunFn fn) noexcept : run_fn(fn) {}
  void run() noexcept { run_fn(this); }
};

/// FIFO of Runnables. The loop runs one batch per iteration: take() moves everything
/// queued so far out, so what a callback schedules runs in the next iteration.
class ReadyQueue {
 public:
  void push(Runnable* r) noexcept {
    r->next_ready = nullptr;
    if (tail_) tail_->next_ready = r; else head_ = r;
    tail_ = r;
    ++size_;
  }
  bool empty() const noexcept { return head_ == nullptr; }
  std::size_t size() const noexcept { return size_; }
  /// Detaches the whole queue and returns its head (a null-terminated list).
  Runnable* take() noexcept {
    Runnable* h = head_;
    head_ = tail_ = nullptr;
    size_ = 0;
    return h;
  }

 private:
  Runnable* head_ = nullptr;
  Runnable* tail_ = nullptr;
  std::size_t size_ = 0;
};

/// Coroutine transfers go through a per-thread trampoline instead of the compiler's
/// tail call: an awaiter that wants to run another coroutine stores it in `next` and
/// suspends; the driver loop (resume_chain) resumes it. Stack depth stays constant at
/// every optimization level (GCC at -O0 and some sanitizer builds do not turn the
/// symmetric-transfer call into a tail call, and deep await chains would overflow).
struct Trampoline {
  std::coroutine_handle<> next;
};
inline thread_local Trampoline tls_trampoline;

/// Resumes `h` and then every coroutine it hands over to, until one parks.
inline void resume_chain(std::coroutine_handle<> h) noexcept {
  Trampoline& t = tls_trampoline;
  while (h) {
    t.next = nullptr;
    h.resume();
    h = t.next;
  }
}

/// Asks the running trampoline to resume `h` once the current coroutine has suspended.
inline void transfer_to(std::coroutine_handle<> h) noexcept { tls_trampoline.next = h; }

}  // namespace corio::detail
