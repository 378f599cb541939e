#include "corio/fs/stat.hpp"

#include <sys/stat.h>

#include <cerrno>

#include "corio/net/errors.hpp"
#include "fs/worker_pool.hpp"

namespace corio::fs {

bool StatResult::is_file() const noexcept { return S_ISREG(st_mode); }
bool StatResult::is_dir() const noexcept { return S_ISDIR(st_mode); }
bool StatResult::is_symlink() const noexcept { return S_ISLNK(st_mode); }

Coro<StatResult> stat(std::string path, bool follow_symlinks) {
  struct stat st {};
  const char* p = path.c_str();
  std::int64_t r = co_await detail::run_blocking([p, &st, follow_symlinks]() -> std::int64_t {
    int rc = follow_symlinks ? ::stat(p, &st) : ::lstat(p, &st);
    return rc < 0 ? -errno : 0;
  });
  if (r < 0) throw_os_error(static_cast<int>(-r), std::string(follow_symlinks ? "stat" : "lstat") + " '" + path + "'");
  auto ns = [](const timespec& ts) { return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec; };
  StatResult out;
  out.st_mode = st.st_mode;
  out.st_ino = st.st_ino;
  out.st_dev = st.st_dev;
  out.st_nlink = st.st_nlink;
  out.st_uid = st.st_uid;
  out.st_gid = st.st_gid;
  out.st_size = st.st_size;
  out.st_blksize = st.st_blksize;
  out.st_blocks = st.st_blocks;
  out.st_atime_ns = ns(st.st_atim);
  out.st_mtime_ns = ns(st.st_mtim);
  out.st_ctime_ns = ns(st.st_ctim);
  co_return out;
}

}  // namespace corio::fs
