// PipeReader / PipeWriter: the ends of a subprocess's pipes, with the part of asyncio's
// StreamReader / StreamWriter interface that subprocess code uses.
//
// Stand-ins until Process exposes the shared corio::StreamReader / StreamWriter (the
// method names and meanings are theirs, so `proc.stdout->readline()` and
// `proc.stdin->write(...); co_await proc.stdin->drain();` keep compiling).
//
// Both are cheap handles to a shared state that owns the non-blocking, close-on-exec fd;
// every operation in flight holds a reference, so dropping handles never frees a buffer
// the kernel is writing into.
//  - The reader receives with the loop's Read op into a chunk of its own and appends to
//    its buffer; data is consumed only when a read returns it, so a cancelled read loses
//    nothing. Older kernels' io_uring answers -EAGAIN for an empty non-blocking pipe
//    instead of waiting; the reader then waits with a Poll op and reads again.
//  - The writer is asyncio's pipe transport: write() writes at once what the pipe takes
//    and buffers the rest, which the loop flushes with an add_writer callback; drain()
//    waits until the buffer is empty. Its write(2) calls run with SIGPIPE blocked on the
//    thread (and a SIGPIPE they raise is consumed), so a child that closed its stdin
//    yields BrokenPipeError instead of killing the program; this is why the writer does
//    not use the ring's Write op, which would raise SIGPIPE inside the loop's wait.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "corio/core/coro.hpp"

namespace corio::detail {

struct PipeReaderState;
struct PipeWriterState;

/// The parent's end of a child's stdout or stderr.
class PipeReader {
 public:
  /// Adopts `fd` (made non-blocking).
  explicit PipeReader(int fd);

  /// Up to `n` bytes (n < 0: everything until EOF); an empty string means EOF.
  /// Cancellation: nothing is consumed; bytes that arrived stay buffered.
  Coro<std::string> read(std::ptrdiff_t n = -1);
  /// One line, '\n' included; at EOF the partial last line (empty once exhausted).
  /// Cancellation: nothing is consumed.
  Coro<std::string> readline();
  /// True when EOF was seen and the buffer is empty.
  bool at_eof() const noexcept;
  int fileno() const noexcept;

 private:
  std::shared_ptr<PipeReaderState> s_;
};

/// The parent's end of a child's stdin.
class PipeWriter {
 public:
  /// Adopts `fd` (made non-blocking).
  explicit PipeWriter(int fd);

  /// Writes what the pipe takes now and buffers the rest (never blocks). Data written
  /// after close() or after the pipe broke is dropped, as asyncio's transport does.
  void write(std::string_view data);
  /// Waits until everything written has gone into the pipe. Raises BrokenPipeError if
  /// the child closed its end.
  /// Cancellation: the data stays buffered and keeps being flushed.
  Coro<void> drain();
  /// Closes the pipe once the buffered data is flushed (the child then sees EOF).
  void close();
  /// The same as close(): a pipe's EOF is its closing.
  void write_eof() { close(); }
  bool can_write_eof() const noexcept { return true; }
  bool is_closing() const noexcept;
  /// Waits until the pipe is closed. Cancellation: the closing goes on.
  Coro<void> wait_closed();
  /// Bytes buffered and not yet written to the pipe.
  std::size_t buffered() const noexcept;
  int fileno() const noexcept;

 private:
  std::shared_ptr<PipeWriterState> s_;
};

}  // namespace corio::detail
