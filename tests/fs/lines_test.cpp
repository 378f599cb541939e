// Lines: readline across buffer refills (buffers from 1 byte to the default, lines
// longer than the buffer), a last line without '\n', readline(limit), readlines(), and
// `async for line in f` through lines().
#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

// Lines of every length from 0 to 300 bytes plus a few longer than 64 KiB; no '\n' at
// the very end.
std::vector<std::string> awkward_lines() {
  std::vector<std::string> lines;
  std::string body = pattern(200'000);
  std::size_t at = 0;
  for (std::size_t len = 0; len <= 300; ++len, at += len) lines.push_back(body.substr(at % 100'000, len) + "\n");
  lines.push_back(body.substr(0, 70'000) + "\n");
  lines.push_back("\n");
  lines.push_back(body.substr(1, 150'000) + "\n");
  lines.push_back("no newline at the end");
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l;
  return s;
}

class FsLines : public FsReadPaths {};
INSTANTIATE_TEST_SUITE_P(ReadPaths, FsLines, ::testing::Bool(), read_path_name);

TEST_P(FsLines, ReadlineSplitsExactlyAtNewlinesWhateverTheBufferSize) {
  const auto lines = awkward_lines();
  put_file(dir / "lines", joined(lines));
  for (std::ptrdiff_t buffering : {1, 2, 7, 64, 4096, -1}) {
    run([&]() -> Coro<void> {
      File f = co_await fs::open(dir / "lines", "r", buffering);
      std::vector<std::string> got;
      for (;;) {
        std::string line = co_await f.readline();
        if (line.empty()) break;
        got.push_back(std::move(line));
      }
      EXPECT_TRUE(got == lines) << "buffering " << buffering << ": " << got.size() << " lines";
      co_await f.close();
    }());
  }
}

TEST_P(FsLines, LinesIteratesLikeAsyncForOverTheFile) {
  put_file(dir / "a", "one\ntwo\n\nthree");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    std::vector<std::string> got;
    auto lines = f.lines();
    while (auto line = co_await lines.next()) got.push_back(*line);
    EXPECT_EQ(got, (std::vector<std::string>{"one\n", "two\n", "\n", "three"}));
    co_await f.close();
  }());
}

TEST_P(FsLines, LinesOfALargeFileWithAsyncFor) {
  const std::string data = pattern(73 * 68'000, 73);
  put_file(dir / "a", data);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    std::size_t count = 0, bytes = 0;
    co_await async_for(f.lines(), [&](std::string line) {
      ++count;
      bytes += line.size();
      EXPECT_EQ(line.back(), '\n');
    });
    EXPECT_EQ(count, 68'000u);
    EXPECT_EQ(bytes, data.size());
    co_await f.close();
  }());
}

TEST_F(FsTest, ReadlineWithALimitStopsThere) {
  put_file(dir / "a", "abcdefgh\nij\n");
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    EXPECT_EQ(co_await f.readline(3), "abc");
    EXPECT_EQ(co_await f.readline(100), "defgh\n");
    EXPECT_EQ(co_await f.readline(0), "");
    EXPECT_EQ(co_await f.readline(3), "ij\n");
    EXPECT_EQ(co_await f.readline(3), "");
    co_await f.close();
  }());
}

TEST_F(FsTest, ReadlinesReturnsEveryRemainingLine) {
  const auto lines = awkward_lines();
  put_file(dir / "a", joined(lines));
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a");
    std::string first = co_await f.readline();
    auto rest = co_await f.readlines();
    rest.insert(rest.begin(), first);
    EXPECT_TRUE(rest == lines);
    EXPECT_TRUE((co_await f.readlines()).empty());
    co_await f.close();
  }());
}

TEST_F(FsTest, ReadlineAfterWritesInReadWriteMode) {
  run([&]() -> Coro<void> {
    File f = co_await fs::open(dir / "a", "w+");
    co_await f.write("alpha\nbeta\n");
    co_await f.seek(0);
    EXPECT_EQ(co_await f.readline(), "alpha\n");
    co_await f.write("BETA\n");
    co_await f.seek(0);
    EXPECT_EQ(co_await f.read(), "alpha\nBETA\n");
    co_await f.close();
  }());
}

}  // namespace
}  // namespace corio::test
