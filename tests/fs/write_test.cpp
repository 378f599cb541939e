// Writing: the modes (w, a, x, r+, w+, a+), buffering and flush, close and the
// destructor, truncate, and whole-file helpers.
#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

TEST_F(FsTest, WriteModeCreatesTheFileAndReturnsTheByteCount) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "new", "w");
    EXPECT_TRUE(f.writable());
    EXPECT_FALSE(f.readable());
    EXPECT_EQ(f.name(), dir / "new");
    EXPECT_EQ(f.mode(), "w");
    EXPECT_EQ(co_await f.write("hello "), 6u);
    EXPECT_EQ(co_await f.write("world\n"), 6u);
    EXPECT_EQ(f.tell(), 12);
    co_await f.close();
    EXPECT_TRUE(f.closed());
  }());
  EXPECT_EQ(get_file(dir / "new"), "hello world\n");
}

TEST_F(FsTest, WriteModeTruncatesAnExistingFile) {
  put_file(dir / "a", "old content that is long");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "wb");
    co_await f.write("new");
    co_await f.close();
  }());
  EXPECT_EQ(get_file(dir / "a"), "new");
}

TEST_F(FsTest, SmallWritesStayBufferedUntilFlush) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w");
    co_await f.write("buffered");
    EXPECT_EQ(get_file(dir / "a"), "");
    co_await f.flush();
    EXPECT_EQ(get_file(dir / "a"), "buffered");
    co_await f.close();
  }());
}

TEST_F(FsTest, BufferingZeroWritesThrough) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "wb", 0);
    co_await f.write("at once");
    EXPECT_EQ(get_file(dir / "a"), "at once");
    co_await f.close();
  }());
}

TEST_F(FsTest, WritesLargerThanTheBufferGoStraightToTheKernel) {
  const std::string big = pattern(300'000);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "wb");
    co_await f.write("head");  // buffered, flushed before the big write
    co_await f.write(big);
    EXPECT_EQ(get_file(dir / "a").size(), 4 + big.size());
    co_await f.write("tail");
    co_await f.close();
  }());
  EXPECT_TRUE(get_file(dir / "a") == "head" + big + "tail");
}

TEST_F(FsTest, ManySmallWritesComeOutInOrder) {
  std::string expected;
  for (int i = 0; i < 20'000; ++i) expected += "line " + std::to_string(i) + "\n";
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w");
    for (int i = 0; i < 20'000; ++i) co_await f.write("line " + std::to_string(i) + "\n");
    co_await f.close();
  }());
  EXPECT_TRUE(get_file(dir / "a") == expected);
}

TEST_F(FsTest, AppendModeStartsAtTheEndAndAlwaysWritesThere) {
  put_file(dir / "log", "first\n");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "log", "a");
    EXPECT_EQ(f.tell(), 6);
    co_await f.write("second\n");
    co_await f.flush();
    EXPECT_EQ(f.tell(), 13);
    co_await f.seek(0);
    co_await f.write("third\n");  // O_APPEND: at the end whatever the position
    co_await f.close();
  }());
  EXPECT_EQ(get_file(dir / "log"), "first\nsecond\nthird\n");
}

TEST_F(FsTest, AppendPlusReadsAnywhereAndAppends) {
  put_file(dir / "log", "0123456789");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "log", "a+");
    co_await f.seek(2);
    EXPECT_EQ(co_await f.read(3), "234");
    co_await f.write("ab");
    co_await f.flush();
    EXPECT_EQ(f.tell(), 12);
    co_await f.seek(8);
    EXPECT_EQ(co_await f.read(), "89ab");
    co_await f.close();
  }());
  EXPECT_EQ(get_file(dir / "log"), "0123456789ab");
}

TEST_F(FsTest, ReadPlusOverwritesInPlace) {
  put_file(dir / "a", "0123456789");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "r+");
    EXPECT_EQ(co_await f.read(4), "0123");
    co_await f.write("xy");  // at the logical position 4, not after the read-ahead
    EXPECT_EQ(f.tell(), 6);
    EXPECT_EQ(co_await f.read(2), "67");  // flushes the write first
    co_await f.close();
  }());
  EXPECT_EQ(get_file(dir / "a"), "0123xy6789");
}

TEST_F(FsTest, WritePlusReadsBackWhatItWrote) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w+b");
    co_await f.write("round trip");
    EXPECT_EQ(co_await f.seek(0), 0);
    EXPECT_EQ(co_await f.read(), "round trip");
    co_await f.close();
  }());
}

TEST_F(FsTest, ExclusiveModeCreatesOnlyNewFiles) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "x", "x");
    co_await f.write("mine");
    co_await f.close();
    CORIO_EXPECT_THROW_MSG(co_await fs::open(dir / "x", "x"), FileExistsError, dir / "x");
  }());
  EXPECT_EQ(get_file(dir / "x"), "mine");
}

TEST_F(FsTest, TruncateCutsAtThePositionWithoutMovingIt) {
  put_file(dir / "a", "0123456789");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "r+");
    EXPECT_EQ(co_await f.read(4), "0123");
    EXPECT_EQ(co_await f.truncate(), 4);
    EXPECT_EQ(f.tell(), 4);
    EXPECT_EQ(co_await f.read(), "");
    EXPECT_EQ(co_await f.truncate(2), 2);
    co_await f.close();
  }());
  EXPECT_EQ(get_file(dir / "a"), "01");
}

TEST_F(FsTest, CloseTwiceIsAllowedAndAClosedFileRaisesValueError) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w");
    co_await f.close();
    co_await f.close();
    EXPECT_EQ(f.fileno(), -1);
    CORIO_EXPECT_THROW_MSG(co_await f.write("x"), ValueError, "closed file");
    CORIO_EXPECT_THROW_MSG(co_await f.read(), ValueError, "closed file");
    EXPECT_THROW(f.tell(), ValueError);
    File none;
    EXPECT_TRUE(none.closed());
    EXPECT_THROW(co_await none.read(), ValueError);
  }());
}

TEST_F(FsTest, AFileDroppedWithoutCloseIsFlushedAndClosed) {
  int fd = -1;
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w");
    fd = f.fileno();
    co_await f.write("kept");
  }());
  EXPECT_EQ(get_file(dir / "a"), "kept");
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);  // closed
}

TEST_F(FsTest, MovingAFileKeepsItOpen) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w");
    File g = std::move(f);
    co_await g.write("moved");
    EXPECT_TRUE(f.closed());  // NOLINT(bugprone-use-after-move): a moved-from File is closed
    File h;
    h = std::move(g);
    co_await h.close();
  }());
  EXPECT_EQ(get_file(dir / "a"), "moved");
}

TEST_F(FsTest, ReadFileAndWriteFileMoveWholeFiles) {
  const std::string data = pattern(1'500'000, 80);
  run([&]() -> Coro<void> {
    co_await fs::write_file(dir / "w", data);
    EXPECT_TRUE(co_await fs::read_file(dir / "w") == data);
    co_await fs::write_file(dir / "w", "more", true);
    EXPECT_TRUE(co_await fs::read_file(dir / "w") == data + "more");
    co_await fs::write_file(dir / "empty", "");
    EXPECT_EQ(co_await fs::read_file(dir / "empty"), "");
  }());
}

TEST_F(FsTest, ReadFileReadsFilesWhoseSizeIsNotKnownInAdvance) {
  run([&]() -> Coro<void> {
    std::string status = co_await fs::read_file("/proc/self/status");  // st_size is 0
    EXPECT_NE(status.find("VmRSS"), std::string::npos);
  }());
}

}  // namespace
}  // namespace corio::test
