// Reading: read(n), read(), readinto, at EOF, small and large requests, on both read
// paths of the epoll driver (RWF_NOWAIT on the loop thread, the worker pool).
#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

class FsRead : public FsReadPaths {};
INSTANTIATE_TEST_SUITE_P(ReadPaths, FsRead, ::testing::Bool(), read_path_name);

TEST_P(FsRead, ReadWithoutASizeReturnsTheWholeFile) {
  put_file(dir / "a", "hello\nworld\n");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    EXPECT_EQ(co_await f.read(), "hello\nworld\n");
    EXPECT_EQ(co_await f.read(), "");  // at EOF
    co_await f.close();
  }());
}

TEST_P(FsRead, ReadNReturnsExactlyNBytesUntilEof) {
  put_file(dir / "a", "abcdefgh");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "rb");
    EXPECT_EQ(co_await f.read(3), "abc");
    EXPECT_EQ(co_await f.read(3), "def");
    EXPECT_EQ(co_await f.read(3), "gh");
    EXPECT_EQ(co_await f.read(3), "");
    EXPECT_EQ(co_await f.read(0), "");
    co_await f.close();
  }());
}

TEST_P(FsRead, ReadingAnEmptyFileGivesEof) {
  put_file(dir / "empty", "");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "empty");
    EXPECT_EQ(co_await f.read(), "");
    EXPECT_EQ(co_await f.read(10), "");
    EXPECT_EQ(co_await f.readline(), "");
    co_await f.close();
  }());
}

TEST_P(FsRead, ReadsLargerThanTheBufferGoStraightIntoTheResult) {
  const std::string data = pattern(1'000'000);
  put_file(dir / "a", data);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "rb", 4096);
    std::string head = co_await f.read(10);  // fills a 4 KiB buffer
    std::string big = co_await f.read(500'000);  // 4086 from the buffer, the rest direct
    std::string rest = co_await f.read(1'000'000);
    EXPECT_EQ(head.size(), 10u);
    EXPECT_EQ(big.size(), 500'000u);
    EXPECT_EQ(rest.size(), 499'990u);
    EXPECT_TRUE(head + big + rest == data);
    EXPECT_EQ(f.tell(), 1'000'000);
    co_await f.close();
  }());
}

TEST_P(FsRead, ReadintoFillsTheCallersBuffer) {
  const std::string data = pattern(3 * 1024 * 1024 + 123);
  put_file(dir / "a", data);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "rb");
    std::string got;
    std::vector<char> buf(1 << 20);
    std::vector<std::size_t> sizes;
    for (;;) {
      std::size_t n = co_await f.readinto(buf);
      if (n == 0) break;
      sizes.push_back(n);
      got.append(buf.data(), n);
    }
    EXPECT_EQ(sizes, (std::vector<std::size_t>{1 << 20, 1 << 20, 1 << 20, 123}));
    EXPECT_TRUE(got == data);
    char small[5];
    EXPECT_EQ(co_await f.readinto(small), 0u);
    co_await f.close();
  }());
}

TEST_P(FsRead, SmallReadsComeOutOfTheBuffer) {
  const std::string data = pattern(200'000);
  put_file(dir / "a", data);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "rb");
    std::string got;
    for (std::size_t i = 1;; i = i % 997 + 1) {  // odd sizes across 64 KiB refills
      std::string chunk = co_await f.read(static_cast<std::ptrdiff_t>(i));
      if (chunk.empty()) break;
      got += chunk;
    }
    EXPECT_TRUE(got == data);
    co_await f.close();
  }());
}

TEST_P(FsRead, AFileThatGrowsReadsOnPastTheOldEof) {
  put_file(dir / "a", "one\n");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    EXPECT_EQ(co_await f.read(), "one\n");
    {
      std::ofstream more(dir / "a", std::ios::app);
      more << "two\n";
    }
    EXPECT_EQ(co_await f.readline(), "two\n");  // EOF is not sticky, as in Python
    co_await f.close();
  }());
}

TEST_P(FsRead, AFifoIsReadAtItsOwnPositionAndCannotSeek) {
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int w = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // a writer, so opening does not block
  ASSERT_GE(w, 0);
  ASSERT_EQ(::write(w, "line 1\nline 2\n", 14), 14);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(fifo, "rb");
    EXPECT_FALSE(f.seekable());
    EXPECT_EQ(co_await f.readline(), "line 1\n");
    EXPECT_EQ(co_await f.readline(), "line 2\n");
    EXPECT_THROW(f.tell(), OSError);
    EXPECT_THROW(co_await f.seek(0), OSError);
    co_await f.close();
  }());
  ::close(w);
}

// Regression: in `while (buffered < want && co_await fill(s) > 0)` g++ 12 ran fill(s)
// even when enough was buffered, so every small read asked the kernel again: on a
// regular file the buffer doubled at each read (1 GiB for 4 KiB reads of a 1 GiB file),
// on a pipe the read waited for data it already had (this test then hangs).
TEST_P(FsRead, ASmallReadIsServedFromTheBufferWithoutAskingTheKernel) {
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int w = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(w, 0);
  ASSERT_EQ(::write(w, "abcdefghij\nklmnop", 17), 17);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(fifo, "rb");
    EXPECT_EQ(co_await f.read(4), "abcd");  // one read(2) takes all 17 bytes
    EXPECT_EQ(co_await f.read(2), "ef");
    char two[2];
    EXPECT_EQ(co_await f.readinto(two), 2u);
    EXPECT_EQ(co_await f.readline(2), "ij");
    EXPECT_EQ(co_await f.readline(), "\n");
    EXPECT_EQ(co_await f.readline(6), "klmnop");  // the limit is reached: no more reading
    co_await f.close();
  }());
  ::close(w);
}

TEST_F(FsTest, ReadsWorkOnCharacterDevices) {
  run([&]() -> Coro<void> {
    File zero = co_await fs::open("/dev/zero", "rb");
    EXPECT_EQ(co_await zero.read(5), std::string(5, '\0'));
    co_await zero.close();
    File null = co_await fs::open("/dev/null", "r+b");
    EXPECT_EQ(co_await null.read(), "");
    EXPECT_EQ(co_await null.write("discarded"), 9u);
    co_await null.close();
  }());
}

}  // namespace
}  // namespace corio::test
