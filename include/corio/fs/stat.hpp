// stat(): a file's metadata without blocking the loop (aiofiles.os.stat).
//
//   corio::fs::StatResult st = co_await corio::fs::stat("data.log");
//   if (st.is_file()) std::printf("%lld bytes\n", static_cast<long long>(st.st_size));
//
// The stat call runs on the fs layer's worker pool (a path lookup may block on a slow
// or network file system). Field names are Python's os.stat_result's.
#pragma once

#include <cstdint>
#include <string>

#include "corio/core/coro.hpp"

namespace corio::fs {

/// What stat() returns (Python's os.stat_result). Times are nanoseconds since the epoch
/// (st_atime_ns, ...); atime()/mtime()/ctime() give seconds, where Python has the
/// st_atime, st_mtime and st_ctime floats (<sys/stat.h> defines those names as macros).
struct StatResult {
  std::uint32_t st_mode = 0;
  std::uint64_t st_ino = 0;
  std::uint64_t st_dev = 0;
  std::uint64_t st_nlink = 0;
  std::uint32_t st_uid = 0;
  std::uint32_t st_gid = 0;
  std::int64_t st_size = 0;
  std::int64_t st_blksize = 0;
  std::int64_t st_blocks = 0;
  std::int64_t st_atime_ns = 0;
  std::int64_t st_mtime_ns = 0;
  std::int64_t st_ctime_ns = 0;

  /// Last access, modification and status change, in seconds since the epoch.
  double atime() const noexcept { return static_cast<double>(st_atime_ns) / 1e9; }
  double mtime() const noexcept { return static_cast<double>(st_mtime_ns) / 1e9; }
  double ctime() const noexcept { return static_cast<double>(st_ctime_ns) / 1e9; }

  /// S_ISREG(st_mode): a regular file.
  bool is_file() const noexcept;
  /// S_ISDIR(st_mode): a directory.
  bool is_dir() const noexcept;
  /// S_ISLNK(st_mode) (only from stat(path, false)).
  bool is_symlink() const noexcept;
};

/// The metadata of `path`, following symbolic links unless `follow_symlinks` is false
/// (then the link itself, as os.lstat). Throws an OSError subclass naming the path
/// (FileNotFoundError, NotADirectoryError, PermissionError, ...).
/// Cancellation: a stat not started yet is dropped; one that started is waited for.
Coro<StatResult> stat(std::string path, bool follow_symlinks = true);

}  // namespace corio::fs
