#include "fs/file_io.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "corio/loop/event_loop.hpp"

namespace corio::fs::detail {
namespace {

std::atomic<bool>& nowait_flag() {
  static std::atomic<bool> on{[] {
    const char* v = std::getenv("CORIO_FS_NOWAIT");
    return !(v && std::strcmp(v, "0") == 0);
  }()};
  return on;
}

}  // namespace

bool nowait_reads() noexcept { return nowait_flag().load(std::memory_order_relaxed); }
void set_nowait_reads(bool on) noexcept { nowait_flag().store(on, std::memory_order_relaxed); }

FileIo::FileIo(FileState& s, Kind kind, char* buf, std::size_t len, std::uint64_t offset) noexcept
    : s_(s), kind_(kind), fd_(s.fd), buf_(buf), len_(std::min(len, kMaxIo)), offset_(offset), pool_(&FileIo::run, this) {}

bool FileIo::await_ready() {
  EventLoop& loop = corio::detail::running_loop_ref();
  uring_ = std::strcmp(loop.driver_name(), "uring") == 0;
  if (uring_) {
    auto& op = io_.op;
    op.kind = kind_ == Read ? corio::detail::OpKind::Read : corio::detail::OpKind::Write;
    op.fd = fd_;
    op.buf = buf_;
    op.len = static_cast<std::uint32_t>(len_);
    op.offset = offset_;
    return io_.await_ready();
  }
  if (kind_ == Read && s_.nowait && nowait_reads()) {
    iovec iov{buf_, len_};
    off_t off = offset_ == corio::detail::kCurrentOffset ? -1 : static_cast<off_t>(offset_);
    ssize_t r;
    do {
      r = ::preadv2(fd_, &iov, 1, off, RWF_NOWAIT);
    } while (r < 0 && errno == EINTR);
    if (r >= 0) {
      now_ = true;
      now_result_ = r;
      return true;
    }
    // EAGAIN: not (all) in the page cache. Anything else: this file or file system
    // does not do RWF_NOWAIT (the real error, if any, comes from the pool's read).
    if (errno != EAGAIN) s_.nowait = false;
  }
  return false;
}

void FileIo::await_suspend(std::coroutine_handle<> h) {
  if (uring_) io_.await_suspend(h); else pool_.await_suspend(h);
}

std::int64_t FileIo::await_resume() {
  if (now_) return now_result_;
  if (uring_) return io_.await_resume();
  return pool_.await_resume();
}

std::int64_t FileIo::run(void* self) {
  auto* me = static_cast<FileIo*>(self);
  const bool positional = me->offset_ != corio::detail::kCurrentOffset;
  const auto off = static_cast<off_t>(me->offset_);
  ssize_t r;
  do {
    if (me->kind_ == Read) {
      r = positional ? ::pread(me->fd_, me->buf_, me->len_, off) : ::read(me->fd_, me->buf_, me->len_);
    } else {
      r = positional ? ::pwrite(me->fd_, me->buf_, me->len_, off) : ::write(me->fd_, me->buf_, me->len_);
    }
  } while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : r;
}

}  // namespace corio::fs::detail
