// File's operations. Each one is a coroutine over a StateRef (so the state outlives the
// File handle while the operation runs) that marks the file Busy for its duration.
#include "corio/fs/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include "corio/core/exceptions.hpp"
#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"
#include "fs/transfer.hpp"
#include "fs/worker_pool.hpp"

namespace corio::fs {
namespace detail {
namespace {

// Reads into `dst` straight from the kernel until `want` bytes or EOF; `got` counts
// what is in dst (it may start above 0) and stays exact if this throws.
Coro<void> direct_read(FileState& s, char* dst, std::size_t want, std::size_t& got) {
  while (got < want) {
    std::size_t n = co_await Transfer(s, FileIo::Read, dst + got, want - got);
    if (n == 0) break;
    got += n;
    raise_if_cancelling();  // before anything is handed out (see fill())
  }
}

// Everything from the position to EOF.
Coro<std::string> read_all(FileState& s) {
  std::string out;
  std::size_t got = s.buffered();
  std::size_t hint = s.bufsize;
  struct stat st;
  if (s.seekable && ::fstat(s.fd, &st) == 0 && st.st_size > s.kernel_pos()) {
    hint = std::max(hint, static_cast<std::size_t>(st.st_size - s.pos) + 1);  // +1: sees EOF
  }
  out.resize(got + hint);
  take(s, out.data(), got);
  try {
    for (;;) {
      if (got == out.size()) out.resize(2 * out.size());
      std::size_t n = co_await Transfer(s, FileIo::Read, out.data() + got, out.size() - got);
      if (n == 0) break;
      got += n;
      raise_if_cancelling();
    }
  } catch (...) {
    out.resize(got);
    push_back(s, std::move(out));
    throw;
  }
  out.resize(got);
  co_return out;
}

Coro<std::string> read_impl(StateRef ref, std::ptrdiff_t n) {
  FileState& s = *ref;
  Busy busy(s, "read", Busy::Read);
  if (!s.wbuf.empty()) co_await flush_writes(s);
  if (n < 0) co_return co_await read_all(s);
  const auto want = static_cast<std::size_t>(n);
  if (s.buffered() >= want || want - s.buffered() < s.bufsize) {
    // Never `while (s.buffered() < want && co_await fill(s) > 0)`: in a while or for
    // condition g++ 12 evaluates a short-circuited co_await anyway (operand, await_ready,
    // await_suspend; only await_resume is skipped), so every small read refilled (and
    // doubled) the buffer, and a read of a pipe waited for data it already had.
    while (s.buffered() < want) {
      if (co_await fill(s) == 0) break;
    }
    std::string out(s.rbuf.data() + s.rbeg, std::min(want, s.buffered()));
    s.rbeg += out.size();
    co_return out;
  }
  // A large read goes straight into the string it returns.
  std::string out;
  out.resize(want);
  std::size_t got = take(s, out.data(), want);
  try {
    co_await direct_read(s, out.data(), want, got);
  } catch (...) {
    out.resize(got);
    push_back(s, std::move(out));
    throw;
  }
  out.resize(got);
  co_return out;
}

Coro<std::size_t> readinto_impl(StateRef ref, std::span<char> buf) {
  FileState& s = *ref;
  Busy busy(s, "readinto", Busy::Read);
  if (!s.wbuf.empty()) co_await flush_writes(s);
  const std::size_t want = buf.size();
  if (s.buffered() >= want || want - s.buffered() < s.bufsize) {
    while (s.buffered() < want) {
      if (co_await fill(s) == 0) break;
    }
    co_return take(s, buf.data(), want);
  }
  std::size_t got = take(s, buf.data(), want);
  try {
    co_await direct_read(s, buf.data(), want, got);
  } catch (...) {
    push_back(s, std::string(buf.data(), got));
    throw;
  }
  co_return got;
}

Coro<std::string> readline_impl(StateRef ref, std::ptrdiff_t limit) {
  FileState& s = *ref;
  Busy busy(s, "readline", Busy::Read);
  if (!s.wbuf.empty()) co_await flush_writes(s);
  const std::size_t max = limit < 0 ? static_cast<std::size_t>(-1) : static_cast<std::size_t>(limit);
  std::size_t scanned = 0;  // bytes after rbeg known to hold no '\n'
  for (;;) {
    const char* b = s.rbuf.data() + s.rbeg;
    const std::size_t avail = std::min(s.buffered(), max);
    if (const void* nl = std::memchr(b + scanned, '\n', avail - scanned)) {
      std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - b) + 1;
      s.rbeg += len;
      co_return std::string(b, len);
    }
    scanned = avail;
    bool at_end = avail == max;
    if (!at_end) at_end = co_await fill(s) == 0;
    if (at_end) {
      std::string line(s.rbuf.data() + s.rbeg, std::min(s.buffered(), max));
      s.rbeg += line.size();
      co_return line;
    }
  }
}

Coro<std::vector<std::string>> readlines_impl(StateRef ref) {
  std::string all;
  {
    FileState& s = *ref;
    Busy busy(s, "readlines", Busy::Read);
    if (!s.wbuf.empty()) co_await flush_writes(s);
    all = co_await read_all(s);
  }
  std::vector<std::string> lines;
  std::size_t at = 0;
  while (at < all.size()) {
    std::size_t nl = all.find('\n', at);
    std::size_t end = nl == std::string::npos ? all.size() : nl + 1;
    lines.emplace_back(all, at, end - at);
    at = end;
  }
  co_return lines;
}

AsyncGenerator<std::string> lines_impl(StateRef ref) {
  for (;;) {
    std::string line = co_await readline_impl(ref, -1);
    if (line.empty()) co_return;
    co_yield std::move(line);
  }
}

Coro<std::size_t> write_impl(StateRef ref, std::string_view data) {
  FileState& s = *ref;
  Busy busy(s, "write", Busy::Write);
  s.drop_read_buffer();  // the bytes it held may change
  if (!s.write_through && s.wbuf.size() + data.size() <= s.bufsize) {
    s.wbuf.append(data);
    co_return data.size();
  }
  if (!s.wbuf.empty()) co_await flush_writes(s);
  if (!s.write_through && data.size() < s.bufsize) {
    s.wbuf.append(data);
    co_return data.size();
  }
  std::size_t done = 0;
  try {
    while (done < data.size()) {
      done += co_await Transfer(s, FileIo::Write, const_cast<char*>(data.data()) + done, data.size() - done);
      if (done < data.size()) raise_if_cancelling();
    }
  } catch (const CancelledError&) {
    // All or nothing: once the kernel has taken part of it, the rest goes out later.
    if (done > 0) s.wbuf.append(data.substr(done));
    throw;
  }
  co_return data.size();
}

Coro<void> flush_impl(StateRef ref) {
  FileState& s = *ref;
  Busy busy(s, "flush");
  if (!s.wbuf.empty()) co_await flush_writes(s);
}

Coro<std::int64_t> seek_impl(StateRef ref, std::int64_t offset, int whence) {
  FileState& s = *ref;
  Busy busy(s, "seek");
  if (!s.seekable) throw_file_error(ESPIPE, "seek in", s);
  if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
    throw ValueError("seek in " + s.quoted() + ": invalid whence (" + std::to_string(whence) + ")");
  }
  if (!s.wbuf.empty()) co_await flush_writes(s);
  std::int64_t base = 0;
  if (whence == SEEK_CUR) {
    base = s.logical_pos();
  } else if (whence == SEEK_END) {
    struct stat st;
    if (::fstat(s.fd, &st) < 0) throw_file_error(errno, "seek in", s);
    base = st.st_size;
  }
  const std::int64_t target = base + offset;
  if (target < 0) throw_file_error(EINVAL, "seek to a negative position in", s);
  // Inside the read buffer: keep it (rbuf[0, rend) holds [pos - rend, pos)).
  const std::int64_t pos = s.kernel_pos();
  const std::int64_t window = pos - static_cast<std::int64_t>(s.rend);
  if (target >= window && target <= pos) {
    s.rbeg = static_cast<std::size_t>(target - window);
  } else {
    s.rbeg = s.rend = 0;
    s.pos = target;
  }
  co_return target;
}

Coro<std::int64_t> truncate_impl(StateRef ref, std::int64_t size) {
  FileState& s = *ref;
  Busy busy(s, "truncate", Busy::Write);
  if (!s.wbuf.empty()) co_await flush_writes(s);
  if (size < 0) size = s.logical_pos();
  s.drop_read_buffer();
  const int fd = s.fd;
  std::int64_t r = co_await run_blocking([fd, size]() -> std::int64_t {
    return ::ftruncate(fd, static_cast<off_t>(size)) < 0 ? -errno : 0;
  });
  if (r < 0) throw_file_error(static_cast<int>(-r), "truncate", s);
  co_return size;
}

Coro<void> close_impl(StateRef ref) {
  FileState& s = *ref;
  if (s.fd < 0) co_return;
  Busy busy(s, "close");
  std::exception_ptr cancelled;
  while (!s.wbuf.empty()) {
    try {
      co_await flush_writes(s);
    } catch (const CancelledError&) {
      cancelled = std::current_exception();  // finish the close first, then raise it
    } catch (...) {
      ::close(s.fd);
      s.fd = -1;
      s.wbuf.clear();
      throw;
    }
  }
  int rc = ::close(s.fd);
  int err = errno;
  s.fd = -1;
  s.rbuf = std::string();
  s.rbeg = s.rend = 0;
  if (rc < 0 && err != EINTR) throw_file_error(err, "close", s);
  if (cancelled) std::rethrow_exception(cancelled);
}

}  // namespace
}  // namespace detail

namespace {
detail::StateRef need(const std::shared_ptr<detail::FileState>& s) {
  if (!s) throw ValueError("I/O operation on a File that is not open");
  return s;
}
const std::string kEmpty;
}  // namespace

File& File::operator=(File&& o) noexcept = default;
File::~File() = default;

Coro<std::string> File::read(std::ptrdiff_t n) { return detail::read_impl(need(s_), n); }
Coro<std::size_t> File::readinto(std::span<char> buf) { return detail::readinto_impl(need(s_), buf); }
Coro<std::string> File::readline(std::ptrdiff_t limit) { return detail::readline_impl(need(s_), limit); }
Coro<std::vector<std::string>> File::readlines() { return detail::readlines_impl(need(s_)); }
AsyncGenerator<std::string> File::lines() { return detail::lines_impl(need(s_)); }
Coro<std::size_t> File::write(std::string_view data) { return detail::write_impl(need(s_), data); }
Coro<void> File::flush() { return detail::flush_impl(need(s_)); }
Coro<std::int64_t> File::seek(std::int64_t offset, int whence) { return detail::seek_impl(need(s_), offset, whence); }
Coro<std::int64_t> File::truncate(std::int64_t size) { return detail::truncate_impl(need(s_), size); }
Coro<void> File::close() { return detail::close_impl(need(s_)); }

std::int64_t File::tell() const {
  auto& s = *need(s_);
  if (s.fd < 0) throw ValueError("I/O operation on closed file " + s.quoted());
  if (!s.seekable) detail::throw_file_error(ESPIPE, "tell", s);
  return s.logical_pos();
}

bool File::closed() const noexcept { return !s_ || s_->fd < 0; }
bool File::readable() const noexcept { return s_ && s_->readable; }
bool File::writable() const noexcept { return s_ && s_->writable; }
bool File::seekable() const noexcept { return s_ && s_->seekable; }
const std::string& File::name() const noexcept { return s_ ? s_->path : kEmpty; }
const std::string& File::mode() const noexcept { return s_ ? s_->mode : kEmpty; }
int File::fileno() const noexcept { return s_ ? s_->fd : -1; }

}  // namespace corio::fs
