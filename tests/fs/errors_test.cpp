// Errors: each failure raises the OSError subclass Python raises, with the path in the
// message. The tests may run as root, where permission bits do not stop anything, so
// they use errors root gets too (ENOTDIR under a regular file, EISDIR, EEXIST, a
// read-only sysfs attribute) or skip.
#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

TEST_F(FsTest, AMissingFileRaisesFileNotFoundErrorNamingThePath) {
  run([&]() -> Coro<void> {
    try {
      co_await fs::open(dir / "missing.txt");
      ADD_FAILURE() << "no exception";
    } catch (const FileNotFoundError& e) {
      EXPECT_EQ(e.errno_value(), ENOENT);
      EXPECT_NE(std::string(e.what()).find("open '" + dir / "missing.txt" + "'"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    }
    CORIO_EXPECT_THROW_MSG(co_await fs::read_file(dir / "missing.txt"), FileNotFoundError, "missing.txt");
    CORIO_EXPECT_THROW_MSG(co_await fs::write_file(dir / "no/such/dir", "x"), FileNotFoundError, "no/such/dir");
  }());
}

TEST_F(FsTest, APathThroughARegularFileRaisesNotADirectoryError) {
  put_file(dir / "plain", "x");
  run([&]() -> Coro<void> {
    CORIO_EXPECT_THROW_MSG(co_await fs::open(dir / "plain/child"), NotADirectoryError, "plain/child");
    CORIO_EXPECT_THROW_MSG(co_await fs::open(dir / "plain/child", "w"), NotADirectoryError, "plain/child");
    CORIO_EXPECT_THROW_MSG(co_await fs::stat(dir / "plain/child"), NotADirectoryError, "plain/child");
  }());
}

TEST_F(FsTest, OpeningADirectoryRaisesIsADirectoryError) {
  run([&]() -> Coro<void> {
    CORIO_EXPECT_THROW_MSG(co_await fs::open(dir.path()), IsADirectoryError, dir.path());
    CORIO_EXPECT_THROW_MSG(co_await fs::open(dir.path(), "w"), IsADirectoryError, dir.path());
    CORIO_EXPECT_THROW_MSG(co_await fs::read_file(dir.path()), IsADirectoryError, dir.path());
  }());
}

TEST_F(FsTest, CreatingAnExistingFileExclusivelyRaisesFileExistsError) {
  put_file(dir / "there", "");
  run([&]() -> Coro<void> {
    CORIO_EXPECT_THROW_MSG(co_await fs::open(dir / "there", "x"), FileExistsError, "there");
    CORIO_EXPECT_THROW_MSG(co_await fs::open(dir / "there", "xb+"), FileExistsError, "there");
  }());
}

// A path that open(2) refuses with EACCES for this process, root included: a file
// without permissions (non-root), else a read-only sysfs attribute opened for writing.
std::string denied_path(const TempDir& dir, const char** mode) {
  std::string locked = dir / "locked";
  put_file(locked, "secret");
  ::chmod(locked.c_str(), 0);
  int fd = ::open(locked.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == EACCES) {
    *mode = "r";
    return locked;
  }
  if (fd >= 0) ::close(fd);
  for (const char* p : {"/sys/kernel/uevent_seqnum", "/sys/kernel/version", "/sys/kernel/profiling"}) {
    fd = ::open(p, O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno == EACCES) {
      *mode = "w";
      return p;
    }
    if (fd >= 0) ::close(fd);
  }
  return {};
}

TEST_F(FsTest, PermissionDeniedRaisesPermissionError) {
  const char* mode = "r";
  std::string path = denied_path(dir, &mode);
  if (path.empty()) GTEST_SKIP() << "no path refuses this process with EACCES";
  run([&]() -> Coro<void> {
    CORIO_EXPECT_THROW_MSG(co_await fs::open(path, mode), PermissionError, path);
  }());
}

TEST_F(FsTest, EveryErrorIsAnOSErrorWithItsErrno) {
  put_file(dir / "plain", "x");
  run([&]() -> Coro<void> {
    for (auto [path, mode, err] : {std::tuple{dir / "missing", "r", ENOENT}, std::tuple{dir / "plain/x", "r", ENOTDIR},
                                   std::tuple{dir.path(), "r", EISDIR}, std::tuple{dir / "plain", "x", EEXIST}}) {
      try {
        co_await fs::open(path, mode);
        ADD_FAILURE() << path << " opened";
      } catch (const OSError& e) {
        EXPECT_EQ(e.errno_value(), err) << e.what();
        EXPECT_EQ(e.code(), std::error_code(err, std::generic_category()));
      }
    }
  }());
}

TEST_F(FsTest, BadModesRaiseValueError) {
  run([&]() -> Coro<void> {
    for (const char* mode : {"", "rw", "q", "rbt", "r++", "wa", "bb", "+"}) {
      CORIO_EXPECT_THROW_MSG(co_await fs::open(dir / "a", mode), ValueError, "invalid mode");
    }
    for (const char* mode : {"r", "rb", "rt", "r+", "rb+", "+r", "br"}) {
      put_file(dir / "a", "");
      File f = co_await fs::open(dir / "a", mode);
      co_await f.close();
    }
  }());
}

TEST_F(FsTest, UsingAFileAgainstItsModeRaisesOSError) {
  put_file(dir / "a", "data");
  run([&]() -> Coro<void> {
    File r = co_await fs::open(dir / "a", "r");
    CORIO_EXPECT_THROW_MSG(co_await r.write("x"), OSError, "not open for writing");
    CORIO_EXPECT_THROW_MSG(co_await r.truncate(0), OSError, "not open for writing");
    co_await r.close();
    File w = co_await fs::open(dir / "a", "a");
    CORIO_EXPECT_THROW_MSG(co_await w.read(), OSError, "not open for reading");
    CORIO_EXPECT_THROW_MSG(co_await w.readline(), OSError, "not open for reading");
    co_await w.close();
  }());
  EXPECT_EQ(get_file(dir / "a"), "data");
}

TEST_F(FsTest, ASecondOperationWhileOneIsSuspendedRaisesRuntimeError) {
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int w = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(w, 0);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(fifo, "rb");
    auto reader = create_task(f.read(5));
    co_await sleep(0);  // the read starts and parks: nothing to read yet
    co_await sleep(0);
    EXPECT_FALSE(reader.done());
    CORIO_EXPECT_THROW_MSG(co_await f.readline(), RuntimeError, "in progress");
    CORIO_EXPECT_THROW_MSG(co_await f.close(), RuntimeError, "in progress");
    EXPECT_EQ(::write(w, "hello", 5), 5);
    EXPECT_EQ(co_await reader, "hello");
    co_await f.close();
  }());
  ::close(w);
}

}  // namespace
}  // namespace corio::test
