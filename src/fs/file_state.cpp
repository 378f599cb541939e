#include "fs/file_state.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>

#include "corio/core/detail/task_state.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio::fs::detail {

FileState::~FileState() {
  if (fd < 0) return;
  // Dropped without close(): flush synchronously, as Python's finalizer does, and say
  // so if that fails (nothing buffered is lost silently).
  std::size_t done = 0;
  int err = 0;
  while (done < wbuf.size()) {
    ssize_t r = append ? ::write(fd, wbuf.data() + done, wbuf.size() - done)
                       : ::pwrite(fd, wbuf.data() + done, wbuf.size() - done, pos + static_cast<std::int64_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      err = r < 0 ? errno : EIO;
      break;
    }
    done += static_cast<std::size_t>(r);
  }
  ::close(fd);
  if (err) {
    std::string msg = "unflushed data lost: write to " + quoted() + " while dropping an unclosed File failed";
    if (auto* loop = corio::detail::tls_running_loop) {
      loop->report(ExceptionContext{msg, std::make_exception_ptr(OSError(err, msg)), {}, {}});
    } else {
      std::fprintf(stderr, "corio: %s: %s\n", msg.c_str(), std::strerror(err));
    }
  }
}

std::int64_t FileState::kernel_pos() {
  if (pos_stale) {
    off_t p = ::lseek(fd, 0, SEEK_CUR);
    if (p < 0) throw_file_error(errno, "tell", *this);
    pos = p;
    pos_stale = false;
  }
  return pos;
}

std::int64_t FileState::logical_pos() {
  return kernel_pos() - static_cast<std::int64_t>(buffered()) + static_cast<std::int64_t>(wbuf.size());
}

void FileState::drop_read_buffer() noexcept {
  if (seekable && !pos_stale) pos -= static_cast<std::int64_t>(buffered());
  rbeg = rend = 0;
}

Busy::Busy(FileState& s, const char* op, Need need) : s_(s) {
  if (s.fd < 0) throw ValueError(std::string("I/O operation on closed file ") + s.quoted());
  if (s.busy) {
    throw RuntimeError(std::string(op) + " called while another operation on " + s.quoted() + " is in progress");
  }
  if (need == Read && !s.readable) throw OSError(EBADF, std::string(op) + " " + s.quoted() + ": not open for reading");
  if (need == Write && !s.writable) throw OSError(EBADF, std::string(op) + " " + s.quoted() + ": not open for writing");
  s.busy = true;
}

void throw_file_error(int err, const char* op, const FileState& s) { throw_os_error(err, std::string(op) + " " + s.quoted()); }

void raise_if_cancelling() {
  if (auto* t = corio::detail::tls_current_task) t->throw_if_cancel_requested();
}

}  // namespace corio::fs::detail
