// FileIo: one kernel read or write of a File, on whichever path the running loop has.
//
//   io_uring driver:  an IoAwait (OpKind::Read/Write with the offset): the kernel does
//                     the transfer asynchronously, buffered or not.
//   epoll driver:     reads first try preadv2(..., RWF_NOWAIT) on the loop thread, which
//                     only succeeds when the data is in the page cache (no blocking);
//                     otherwise, and for writes (buffered RWF_NOWAIT writes are refused
//                     with EOPNOTSUPP), the call runs on the worker pool.
// The result is the syscall's: bytes (>= 0) or -errno. Cancellation is the underlying
// awaiter's: CancelledError only if the kernel did nothing; a finished transfer is
// returned and the cancellation raised at the next await.
//
// CORIO_FS_NOWAIT=0 in the environment disables the RWF_NOWAIT attempt (every epoll read
// then goes through the pool, as in aiofiles); for measuring the pool path.
//
// Switching to the exec layer's ThreadPoolExecutor, once it exists: replace PoolAwait
// (worker_pool.hpp) by an awaiter that submits the same call to the executor and parks
// the task the same way. It needs from the executor (a) a completion hook that runs on
// the worker (or a future whose completion is posted to the loop with
// call_soon_threadsafe), and (b) concurrent.futures' cancel(): true only for a call
// that has not started. A started call must be waited for, since it writes into the
// caller's buffer; awaiting a loop Future that is cancelled on Task::cancel would free
// the buffer under the worker.
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>

#include "corio/loop/detail/io_op.hpp"
#include "corio/net/detail/io_await.hpp"
#include "fs/file_state.hpp"
#include "fs/worker_pool.hpp"

namespace corio::fs::detail {

class FileIo {
 public:
  enum Kind { Read, Write };
  /// `offset` = corio::detail::kCurrentOffset for the kernel's file position.
  FileIo(FileState& s, Kind kind, char* buf, std::size_t len, std::uint64_t offset) noexcept;
  FileIo(const FileIo&) = delete;
  FileIo& operator=(const FileIo&) = delete;

  bool await_ready();
  void await_suspend(std::coroutine_handle<> h);
  std::int64_t await_resume();

 private:
  static std::int64_t run(void* self);

  FileState& s_;
  Kind kind_;
  bool uring_ = false;
  bool now_ = false;  // completed in await_ready
  int fd_;
  char* buf_;
  std::size_t len_;
  std::uint64_t offset_;
  std::int64_t now_result_ = 0;
  corio::detail::IoAwait io_;
  PoolAwait pool_;
};

/// Whether reads on the epoll driver try preadv2(RWF_NOWAIT) first: on unless
/// CORIO_FS_NOWAIT=0. Tests switch it to cover the pool path deterministically.
bool nowait_reads() noexcept;
void set_nowait_reads(bool on) noexcept;

/// The largest transfer of one kernel call (Linux moves at most 0x7ffff000 bytes).
inline constexpr std::size_t kMaxIo = std::size_t{1} << 30;

}  // namespace corio::fs::detail
