// The scheduling atoms shared by the core and the loop.
//
// A Runnable is anything the loop's ready queue can hold: a task to step, a callback
// handle, a done-callback of a future. It is intrusive (the `next` link lives in the
// object) and dispatched through a plain function pointer, so scheduling allocates
// nothing and makes no virtual call. An object is in at most one queue at a time.
//
// Tasks, the most numerous entries, carry only the link: the queue marks a link that
// leads to a task with the low bit (objects are at least 8-aligned), and the loop steps
// such an entry directly. That keeps every task 8 bytes smaller than a Runnable would.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

namespace corio::detail {

/// The ready queue's intrusive link: the next entry, tagged (see ReadyEntry).
struct ReadyLink {
  std::uintptr_t next_ready = 0;
};

/// An entry of the ready queue: a link's address plus whether it belongs to a task.
struct ReadyEntry {
  std::uintptr_t bits = 0;
  explicit operator bool() const noexcept { return bits != 0; }
  bool is_task() const noexcept { return bits & 1; }
  ReadyLink* link() const noexcept { return reinterpret_cast<ReadyLink*>(bits & ~std::uintptr_t{1}); }
  ReadyEntry next() const noexcept { return ReadyEntry{link()->next_ready}; }
};

struct Runnable : ReadyLink {
  using RunFn = void (*)(Runnable*) noexcept;
  RunFn run_fn = nullptr;
  explicit Runnable(RunFn fn) noexcept : run_fn(fn) {}
  void run() noexcept { run_fn(this); }
};

/// FIFO of Runnables. The loop runs one batch per iteration: take() moves everything
/// queued so far out, so what a callback schedules runs in the next iteration.
class ReadyQueue {
 public:
  void push(Runnable* r) noexcept { append(r, 0); }
  /// Queues a task by its link (TaskBase steps it; see the file comment).
  void push_task(ReadyLink* task) noexcept { append(task, 1); }
  bool empty() const noexcept { return head_ == 0; }
  /// The first entry, left in place (the list ends in a null entry).
  ReadyEntry peek() const noexcept { return ReadyEntry{head_}; }
  std::size_t size() const noexcept { return size_; }
  /// Detaches the whole queue and returns its head (a list ending in a null entry).
  ReadyEntry take() noexcept {
    ReadyEntry h{head_};
    head_ = 0;
    tail_ = nullptr;
    size_ = 0;
    return h;
  }

 private:
  void append(ReadyLink* l, std::uintptr_t tag) noexcept {
    l->next_ready = 0;
    std::uintptr_t bits = reinterpret_cast<std::uintptr_t>(l) | tag;
    if (tail_) tail_->next_ready = bits; else head_ = bits;
    tail_ = l;
    ++size_;
  }

  std::uintptr_t head_ = 0;
  ReadyLink* tail_ = nullptr;
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
