// File and open(): asynchronous files with aiofiles' names and Python's file semantics.
//
//   corio::fs::File f = co_await corio::fs::open("data.log", "r");
//   std::string head = co_await f.read(1024);              // up to 1024 bytes; "" at EOF
//   auto lines = f.lines();                                // async for line in f
//   while (auto line = co_await lines.next()) use(*line);
//   co_await f.close();
//
// Design. A File is a move-only handle to state shared with the operations in flight.
// Reads and writes are positional: the File keeps the offset itself and every kernel
// call says where to read or write (pread/pwrite), so no operation depends on the
// kernel's file position. They are buffered like Python's BufferedRandom (64 KiB by
// default): readline() and small reads come out of a read buffer, small writes gather
// in a write buffer that goes out when full, on flush(), seek() or close(); a request
// of at least the buffer size goes straight between the kernel and the caller's memory.
//
// Where the bytes move: on the io_uring driver (EventLoop::driver_name() == "uring")
// reads and writes are io_uring operations, done asynchronously by the kernel. On the
// epoll driver a regular file is always "ready", so a read is first tried on the loop
// thread with preadv2(RWF_NOWAIT), which succeeds only for data in the page cache, and
// otherwise runs on a small worker pool (aiofiles' run_in_executor), as do writes.
// open(), stat() and truncate() run on that pool on both drivers.
//
// Cancellation never corrupts the file position and never loses data. A cancelled read
// returns nothing and consumes nothing: bytes that arrived meanwhile stay buffered for
// the next read, and tell() is unchanged. A cancelled write either had no effect, or,
// if the kernel had taken part of it, the rest stays in the write buffer and goes out
// with the next flush() or close(). Kernel operations keep their buffers until they
// complete (IoAwait; the pool waits for a call it has started).
//
// Errors are OSError subclasses (corio/net/errors.hpp) whose message names the
// operation and the path: FileNotFoundError, PermissionError, FileExistsError,
// IsADirectoryError, NotADirectoryError, ... Using a closed File raises ValueError, as
// Python does; starting an operation while another one of the same File is suspended
// raises RuntimeError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "corio/core/async_generator.hpp"
#include "corio/core/coro.hpp"

namespace corio::fs {

namespace detail {
struct FileState;
}

/// The read and write buffer size of a File opened with the default `buffering`.
inline constexpr std::size_t kDefaultBufferSize = 64 * 1024;

/// An open file (what aiofiles.open gives). Move-only; closing is close(), or the
/// destructor (which flushes synchronously, like Python's file finalizer).
class File {
 public:
  File() noexcept = default;
  explicit File(std::shared_ptr<detail::FileState> s) noexcept : s_(std::move(s)) {}
  File(File&&) noexcept = default;
  File& operator=(File&&) noexcept;
  ~File();

  /// Up to `n` bytes from the current position: exactly n unless EOF comes first; n < 0
  /// reads to EOF. An empty string means EOF.
  /// Cancellation: nothing is consumed; what arrived meanwhile stays buffered.
  Coro<std::string> read(std::ptrdiff_t n = -1);
  /// Fills `buf` from the current position (less only at EOF); returns the byte count.
  /// `buf` must stay valid until the read is over. Cancellation: as read().
  Coro<std::size_t> readinto(std::span<char> buf);
  /// One line, '\n' included; the last line may lack it; "" at EOF. With limit >= 0,
  /// at most `limit` bytes. Cancellation: as read().
  Coro<std::string> readline(std::ptrdiff_t limit = -1);
  /// Every remaining line (Python's readlines()). Cancellation: as read().
  Coro<std::vector<std::string>> readlines();
  /// The remaining lines one by one (`async for line in f`):
  /// `auto g = f.lines(); while (auto line = co_await g.next()) ...`. The generator
  /// holds the file's state; the File must not be closed while it runs.
  /// Cancellation: as readline().
  AsyncGenerator<std::string> lines();

  /// Writes `data` at the current position (at the end in append mode); returns its
  /// size. Small writes are buffered; `data` must stay valid until the write is over.
  /// Cancellation: either nothing was written, or the rest is buffered (see above).
  Coro<std::size_t> write(std::string_view data);
  /// Hands the write buffer to the kernel (Python's flush(); not fsync).
  /// Cancellation: what the kernel did not take stays buffered.
  Coro<void> flush();
  /// Moves the position (whence: SEEK_SET, SEEK_CUR, SEEK_END); returns the new one.
  /// Flushes pending writes first. Cancellation: as flush(); the position is unchanged.
  Coro<std::int64_t> seek(std::int64_t offset, int whence = SEEK_SET);
  /// The current position. Synchronous: the File tracks it (aiofiles awaits tell()).
  std::int64_t tell() const;
  /// Cuts (or extends) the file to `size` bytes, by default at the current position;
  /// the position does not move. Returns the new size.
  Coro<std::int64_t> truncate(std::int64_t size = -1);
  /// Flushes and closes. Closing twice is allowed. Cancellation: the flush and the close
  /// are completed anyway (nothing buffered is lost), then CancelledError is raised.
  Coro<void> close();

  bool closed() const noexcept;
  bool readable() const noexcept;
  bool writable() const noexcept;
  bool seekable() const noexcept;
  /// The path given to open() (Python's `name`).
  const std::string& name() const noexcept;
  /// The mode given to open().
  const std::string& mode() const noexcept;
  /// The file descriptor; -1 once closed.
  int fileno() const noexcept;

 private:
  std::shared_ptr<detail::FileState> s_;
};

/// Opens `path` (aiofiles.open). `mode` is Python's: one of "r", "w", "a", "x", then
/// optionally "+" (read and write) and "b" or "t" (the same here: bytes in std::string,
/// no newline translation). `buffering`: -1 for kDefaultBufferSize, 0 for no write
/// buffering, else the buffer size in bytes. New files get mode 0666 & ~umask.
/// Throws ValueError for a bad mode, an OSError subclass naming the path otherwise
/// (IsADirectoryError for a directory, as Python).
/// Cancellation: the open either does not happen or is undone (the descriptor closed).
Coro<File> open(std::string path, std::string mode = "r", std::ptrdiff_t buffering = -1);

}  // namespace corio::fs
