// FileState: what a File handle and its operations in flight share.
//
// Positions. `pos` is the file offset of the next kernel read or write. The read buffer
// holds file bytes that end exactly at `pos`: rbuf[0, rend) are the bytes at offsets
// [pos - rend, pos), and [rbeg, rend) of them are not consumed yet. Pending writes are
// in `wbuf` and go to `pos`. At most one of the two buffers holds data: a write first
// drops the unread bytes (moving `pos` back to the logical position), a read first
// flushes the write buffer. So the position a caller sees is
//   tell() = pos - (rend - rbeg) + wbuf.size().
// Append mode writes at the end whatever `pos` is (O_APPEND); after one, `pos` is read
// back from the kernel's file position, which only appends and open() move.
// A file that cannot seek (a pipe, a terminal) reads and writes at the kernel's file
// position instead (kCurrentOffset) and has no position of its own.
//
// `busy` is set while an operation of this file is running (suspended or not); a
// second one raises RuntimeError, as asyncio's streams do for two concurrent reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace corio::fs::detail {

struct FileState {
  int fd = -1;
  std::string path;
  std::string mode;
  bool readable = false;
  bool writable = false;
  bool append = false;
  bool seekable = false;
  bool write_through = false;  // buffering=0: writes are not buffered
  bool nowait = true;          // preadv2(RWF_NOWAIT) is worth trying (epoll driver)
  bool busy = false;
  bool pos_stale = false;      // append mode: `pos` must be read back (lseek SEEK_CUR)
  std::size_t bufsize = 0;     // read chunk and write buffer capacity
  std::int64_t pos = 0;

  std::string rbuf;  // its size is the buffer's capacity
  std::size_t rbeg = 0;
  std::size_t rend = 0;
  std::string wbuf;

  FileState() = default;
  FileState(const FileState&) = delete;
  FileState& operator=(const FileState&) = delete;
  /// Flushes what is still buffered (blocking, like Python's file finalizer) and closes.
  ~FileState();

  std::size_t buffered() const noexcept { return rend - rbeg; }
  /// `pos`, read back from the kernel first if an append moved it.
  std::int64_t kernel_pos();
  /// The position the caller sees (tell()).
  std::int64_t logical_pos();
  /// Forgets the unread bytes, moving `pos` back to the logical position.
  void drop_read_buffer() noexcept;
  /// "'<path>'" for messages.
  std::string quoted() const { return "'" + path + "'"; }
};

using StateRef = std::shared_ptr<FileState>;

/// Marks `s` busy for one operation (checks that it is open, and `readable`/`writable`
/// when asked): RuntimeError if another operation is running, ValueError if closed,
/// OSError(EBADF) if the mode does not allow it.
class Busy {
 public:
  enum Need { Any, Read, Write };
  Busy(FileState& s, const char* op, Need need = Any);
  ~Busy() { s_.busy = false; }
  Busy(const Busy&) = delete;
  Busy& operator=(const Busy&) = delete;

 private:
  FileState& s_;
};

/// Throws the OSError subclass of `err` (> 0) with "<op> <'path'>" as its message.
[[noreturn]] void throw_file_error(int err, const char* op, const FileState& s);

/// Raises a pending cancellation of the current task now (between two kernel calls of
/// one operation), instead of at the next suspension.
void raise_if_cancelling();

}  // namespace corio::fs::detail
