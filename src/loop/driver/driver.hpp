// The I/O driver interface: completion-shaped operations, two sibling backends.
//
// An IoOp describes one kernel operation. submit() starts it; when it finishes the
// driver sets `result` (>= 0, or -errno) and calls `on_complete` from inside wait().
// cancel() asks for early completion; the op still completes exactly once (with
// -ECANCELED, or with its real result if the kernel finished first), and until then its
// memory and buffers must stay alive: this is why an awaiter that is cancelled waits for
// the completion before it lets its task resume.
//
// io_uring runs the ops in the kernel; epoll emulates them with readiness plus a
// non-blocking syscall. Both backends implement every op kind: no call that only one
// of them supports.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "corio/loop/detail/io_op.hpp"

namespace corio::detail {

class Driver {
 public:
  virtual ~Driver() = default;
  virtual const char* name() const noexcept = 0;
  /// Starts `op`. Precondition: !op->pending.
  virtual void submit(IoOp* op) = 0;
  /// Tries to complete `op` at once, without blocking and without calling on_complete:
  /// true if it did (result set). A backend may always decline (io_uring does: the ring
  /// batches the syscall with the next wait; epoll tries the non-blocking syscall).
  virtual bool try_now(IoOp* op) = 0;
  /// Requests early completion of a pending op (it completes later, from wait()).
  virtual void cancel(IoOp* op) noexcept = 0;
  /// Waits up to `timeout_ns` (-1: no limit, 0: just poll) for completions and runs them.
  virtual void wait(std::int64_t timeout_ns) = 0;
  /// Keeps `fd` registered with the backend for as long as it lives instead of once per
  /// op (epoll: one edge-triggered registration and the readiness it reported, so a
  /// steady request/response socket costs no epoll_ctl and no recv that fails with
  /// EAGAIN; nginx's model). The owner must call release(fd) before closing fd, and may
  /// submit a Poll op on it only right after the syscall it waits for said EAGAIN.
  /// A no-op where it buys nothing (io_uring).
  virtual void retain(int /*fd*/) {}
  /// Ends retain(fd); no op may be pending on fd.
  virtual void release(int /*fd*/) noexcept {}
};

enum class DriverKind { Auto, Uring, Epoll };

/// Picks the backend: CORIO_DRIVER=uring|epoll, else `kind`, else the default with a
/// fallback to epoll when io_uring is refused (seccomp, old kernel, container policy).
/// `single_thread`: LoopOptions::single_thread.
std::unique_ptr<Driver> make_driver(DriverKind kind, bool single_thread = false);
std::unique_ptr<Driver> make_epoll_driver();
/// Null if io_uring cannot be set up here. `single_thread`: only the calling thread
/// will ever use the driver, so the ring may be bound to it (IORING_SETUP_SINGLE_ISSUER
/// with DEFER_TASKRUN, where the kernel has them).
std::unique_ptr<Driver> make_uring_driver(bool single_thread = false);

}  // namespace corio::detail
