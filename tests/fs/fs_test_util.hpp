// Support for the fs tests: a real-clock loop (file operations complete in the kernel or
// on worker threads; on a virtual clock a safety timeout would fire before they do)
// whose reports are checked like VirtualLoopTest's, a per-test temporary directory, and
// blocking helpers that set up and check files behind corio's back.
//
// FsReadPaths runs a test twice: on the epoll driver once with the loop-thread
// preadv2(RWF_NOWAIT) reads and once with every read on the worker pool; on io_uring the
// two runs are the same path.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

#include "corio/fs/file.hpp"
#include "corio/fs/stat.hpp"
#include "corio/fs/whole_file.hpp"
#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"
#include "corio/tasks/sleep.hpp"
#include "corio/tasks/timeout.hpp"
#include "corio_test.hpp"
#include "fs/file_io.hpp"

namespace corio::test {

using namespace std::chrono_literals;

/// A directory made with mkdtemp, removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/corio-fs-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // Restore permissions a test took away, so that the removal can enter everything.
    for (auto it = std::filesystem::recursive_directory_iterator(path_, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      ::chmod(it->path().c_str(), 0700);
    }
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const noexcept { return path_; }
  /// A path inside the directory.
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

/// Writes a file with plain blocking I/O (test setup).
inline void put_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!f) throw std::runtime_error("cannot write " + path);
}

/// Reads a file with plain blocking I/O (test checks).
inline std::string get_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// `n` bytes in which every position is recognisable (no two 4 KiB pages alike), with
/// a '\n' every `line` bytes when line > 0.
inline std::string pattern(std::size_t n, std::size_t line = 0) {
  std::string s(n, '\0');
  std::uint64_t x = 0x9e3779b97f4a7c15ull;
  for (std::size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    s[i] = static_cast<char>('a' + x % 26);
    if (line && i % line == line - 1) s[i] = '\n';
  }
  return s;
}

/// A fixture with a real-clock loop whose reports go to `errors` and a temporary
/// directory `dir`; tear-down fails the test on reports it did not take().
class FsTest : public ::testing::Test {
 protected:
  FsTest() { errors.attach(loop); }
  void TearDown() override {
    loop.close();
    fs::detail::set_nowait_reads(true);
    EXPECT_TRUE(errors.empty()) << "unexpected loop reports:\n" << errors.messages();
  }
  /// Runs `coro` to completion, failing with TimeoutError after `limit`.
  template <class T>
  T run(Coro<T> coro, std::chrono::nanoseconds limit = 30s) {
    return loop.run_until_complete(wait_for(std::move(coro), limit));
  }
  bool uring() const { return std::string(loop.driver_name()) == "uring"; }

  TempDir dir;
  ErrorLog errors;
  EventLoop loop;
};

/// FsTest, run once with RWF_NOWAIT reads on the loop thread and once without.
class FsReadPaths : public FsTest, public ::testing::WithParamInterface<bool> {
 protected:
  void SetUp() override { fs::detail::set_nowait_reads(GetParam()); }
};

inline std::string read_path_name(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "NowaitReads" : "PoolReads";
}

}  // namespace corio::test
