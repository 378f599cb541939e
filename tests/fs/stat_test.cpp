// stat(): sizes, types, symbolic links followed or not, times.
#include <sys/time.h>

#include "fs_test_util.hpp"

namespace corio::test {
namespace {

TEST_F(FsTest, StatGivesSizeAndType) {
  put_file(dir / "a", "12345");
  ASSERT_EQ(::symlink((dir / "a").c_str(), (dir / "link").c_str()), 0);
  run([&]() -> Coro<void> {
    fs::StatResult st = co_await fs::stat(dir / "a");
    EXPECT_EQ(st.st_size, 5);
    EXPECT_TRUE(st.is_file());
    EXPECT_FALSE(st.is_dir());
    EXPECT_EQ(st.st_nlink, 1u);
    EXPECT_NE(st.st_ino, 0u);
    EXPECT_EQ(st.st_mode & 0777, 0644u & ~static_cast<unsigned>(::umask(::umask(0))));

    fs::StatResult d = co_await fs::stat(dir.path());
    EXPECT_TRUE(d.is_dir());

    fs::StatResult via = co_await fs::stat(dir / "link");
    EXPECT_EQ(via.st_ino, st.st_ino);
    fs::StatResult link = co_await fs::stat(dir / "link", false);
    EXPECT_TRUE(link.is_symlink());
    EXPECT_NE(link.st_ino, st.st_ino);
  }());
}

TEST_F(FsTest, StatReportsTimesInSecondsAndNanoseconds) {
  put_file(dir / "a", "x");
  timeval times[2] = {{1'000'000'000, 250'000}, {1'500'000'000, 500'000}};  // atime, mtime
  ASSERT_EQ(::utimes((dir / "a").c_str(), times), 0);
  run([&]() -> Coro<void> {
    fs::StatResult st = co_await fs::stat(dir / "a");
    EXPECT_EQ(st.st_atime_ns, 1'000'000'000'250'000'000);
    EXPECT_EQ(st.st_mtime_ns, 1'500'000'000'500'000'000);
    EXPECT_DOUBLE_EQ(st.atime(), 1'000'000'000.25);
    EXPECT_DOUBLE_EQ(st.mtime(), 1'500'000'000.5);
    EXPECT_GT(st.ctime(), 1'600'000'000.0);
  }());
}

TEST_F(FsTest, StatOfAMissingPathRaisesFileNotFoundError) {
  run([&]() -> Coro<void> {
    CORIO_EXPECT_THROW_MSG(co_await fs::stat(dir / "nope"), FileNotFoundError, "stat '" + dir / "nope" + "'");
    CORIO_EXPECT_THROW_MSG(co_await fs::stat(dir / "nope", false), FileNotFoundError, "lstat");
  }());
}

}  // namespace
}  // namespace corio::test
