// Transfer, the buffers' bookkeeping, and the operations the File methods are made of.
//
// Transfer is one FileIo at the File's position that turns errors into exceptions and
// moves the position by what the kernel did. The coroutines below work on a FileState
// the caller keeps alive (a StateRef in the calling frame) and has marked Busy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "corio/core/coro.hpp"
#include "fs/file_io.hpp"
#include "fs/file_state.hpp"

namespace corio::fs::detail {

class Transfer {
 public:
  Transfer(FileState& s, FileIo::Kind kind, char* buf, std::size_t len);
  bool await_ready() { return io_.await_ready(); }
  void await_suspend(std::coroutine_handle<> h) { io_.await_suspend(h); }
  /// Bytes transferred (0: EOF for a read). Throws the OSError of a failed call.
  std::size_t await_resume();

 private:
  FileState& s_;
  FileIo::Kind kind_;
  FileIo io_;
};

/// Reads once into the free tail of the read buffer (compacting or growing it first);
/// returns the bytes added, 0 at EOF. A cancellation pending when the read completes is
/// raised (the bytes stay buffered).
Coro<std::size_t> fill(FileState& s);
/// Writes the whole write buffer. On an exception (error or cancellation) what the
/// kernel did not take stays buffered.
Coro<void> flush_writes(FileState& s);
/// Moves up to `n` unread bytes to `dst`; returns how many.
std::size_t take(FileState& s, char* dst, std::size_t n) noexcept;
/// Makes `data` (bytes that end at `pos`) the read buffer again: what a read that
/// failed or was cancelled had already received is not lost.
void push_back(FileState& s, std::string data) noexcept;

}  // namespace corio::fs::detail
