// open(): Python's mode string, then open(2) + fstat on the worker pool.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "corio/fs/file.hpp"
#include "corio/sync/exceptions.hpp"
#include "fs/file_state.hpp"
#include "fs/worker_pool.hpp"

namespace corio::fs {
namespace {

struct Mode {
  int flags = 0;
  bool readable = false;
  bool writable = false;
  bool append = false;
};

// Python's rules: exactly one of r/w/a/x, at most one '+', 'b' or 't' but not both.
Mode parse_mode(const std::string& mode) {
  int kinds = 0, plus = 0, b = 0, t = 0;
  char kind = 0;
  for (char c : mode) {
    switch (c) {
      case 'r': case 'w': case 'a': case 'x': ++kinds; kind = c; break;
      case '+': ++plus; break;
      case 'b': ++b; break;
      case 't': ++t; break;
      default: throw ValueError("invalid mode: '" + mode + "'");
    }
  }
  if (kinds != 1 || plus > 1 || b > 1 || t > 1 || (b && t)) throw ValueError("invalid mode: '" + mode + "'");
  Mode m;
  m.readable = kind == 'r' || plus;
  m.writable = kind != 'r' || plus;
  m.append = kind == 'a';
  m.flags = (m.readable && m.writable) ? O_RDWR : m.writable ? O_WRONLY : O_RDONLY;
  if (kind == 'w') m.flags |= O_CREAT | O_TRUNC;
  if (kind == 'a') m.flags |= O_CREAT | O_APPEND;
  if (kind == 'x') m.flags |= O_CREAT | O_EXCL;
  return m;
}

}  // namespace

Coro<File> open(std::string path, std::string mode, std::ptrdiff_t buffering) {
  const Mode m = parse_mode(mode);
  auto s = std::make_shared<detail::FileState>();
  s->path = std::move(path);
  s->mode = std::move(mode);
  s->readable = m.readable;
  s->writable = m.writable;
  s->append = m.append;
  s->write_through = buffering == 0;
  s->bufsize = buffering > 0 ? static_cast<std::size_t>(buffering) : kDefaultBufferSize;

  // On a worker: the state is not touched by the loop until the call is over.
  detail::FileState* st = s.get();
  const int flags = m.flags | O_CLOEXEC;
  std::int64_t r = co_await detail::run_blocking([st, flags]() -> std::int64_t {
    int fd;
    do {
      fd = ::open(st->path.c_str(), flags, 0666);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return -errno;
    struct stat info;
    if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {  // Python refuses directories
      ::close(fd);
      return -EISDIR;
    }
    off_t at = ::lseek(fd, 0, st->append ? SEEK_END : SEEK_CUR);
    st->seekable = at >= 0;
    st->pos = at >= 0 ? at : 0;
    return fd;
  });
  if (r < 0) detail::throw_file_error(static_cast<int>(-r), "open", *s);
  s->fd = static_cast<int>(r);
  detail::raise_if_cancelling();  // cancelled while the open ran: the state closes the fd
  co_return File(std::move(s));
}

}  // namespace corio::fs
