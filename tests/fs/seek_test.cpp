// seek() and tell(): every whence, seeking inside and outside the read buffer, and the
// position after reads, writes and readline.
#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

TEST_F(FsTest, SeekFollowsPythonsWhence) {
  put_file(dir / "a", "0123456789");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "rb");
    EXPECT_EQ(f.tell(), 0);
    EXPECT_EQ(co_await f.seek(3), 3);
    EXPECT_EQ(co_await f.read(2), "34");
    EXPECT_EQ(co_await f.seek(2, SEEK_CUR), 7);
    EXPECT_EQ(co_await f.read(1), "7");
    EXPECT_EQ(co_await f.seek(-3, SEEK_END), 7);
    EXPECT_EQ(co_await f.read(), "789");
    EXPECT_EQ(f.tell(), 10);
    EXPECT_EQ(co_await f.seek(20), 20);  // past EOF is allowed; reads give EOF
    EXPECT_EQ(co_await f.read(), "");
    co_await f.close();
  }());
}

TEST_F(FsTest, TellCountsWhatWasReadNotWhatWasBuffered) {
  put_file(dir / "a", pattern(100'000, 100));
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    co_await f.readline();
    EXPECT_EQ(f.tell(), 100);  // 64 KiB were read ahead
    co_await f.read(50);
    EXPECT_EQ(f.tell(), 150);
    co_await f.close();
  }());
}

TEST_F(FsTest, SeekingBackInsideTheReadBufferRereadsTheSameBytes) {
  const std::string data = pattern(10'000);
  put_file(dir / "a", data);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "rb");
    std::string first = co_await f.read(5000);
    co_await f.seek(1000);
    EXPECT_EQ(co_await f.read(100), data.substr(1000, 100));
    co_await f.seek(-50, SEEK_CUR);
    EXPECT_EQ(co_await f.read(50), data.substr(1050, 50));
    co_await f.seek(9000);  // beyond what is buffered
    EXPECT_EQ(co_await f.read(), data.substr(9000));
    co_await f.close();
  }());
}

TEST_F(FsTest, SeekFlushesPendingWritesFirst) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w+");
    co_await f.write("abcdef");
    EXPECT_EQ(co_await f.seek(2), 2);
    EXPECT_EQ(get_file(dir / "a"), "abcdef");
    co_await f.write("XY");
    EXPECT_EQ(co_await f.seek(0, SEEK_END), 6);
    co_await f.close();
  }());
  EXPECT_EQ(get_file(dir / "a"), "abXYef");
}

TEST_F(FsTest, SeekToANegativePositionOrWithABadWhenceIsAnError) {
  put_file(dir / "a", "abc");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    CORIO_EXPECT_THROW_MSG(co_await f.seek(-1), OSError, dir / "a");
    CORIO_EXPECT_THROW_MSG(co_await f.seek(-4, SEEK_END), OSError, "negative");
    EXPECT_THROW(co_await f.seek(0, 7), ValueError);
    EXPECT_EQ(f.tell(), 0);
    co_await f.close();
  }());
}

}  // namespace
}  // namespace corio::test
