// A 64 MiB file written and read back through every kind of call: 1 MiB chunks, odd
// sizes, readinto, readline and read() to EOF, compared byte for byte.
#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

constexpr std::size_t kSize = 64u << 20;

class FsLarge : public FsReadPaths {};
INSTANTIATE_TEST_SUITE_P(ReadPaths, FsLarge, ::testing::Bool(), read_path_name);

TEST_P(FsLarge, SixtyFourMebibytesRoundTripThroughEveryKindOfCall) {
  const std::string data = pattern(kSize, 4099);
  run([&]() -> Coro<void> {
    // Write: 1 MiB chunks, then odd sizes that straddle the 64 KiB write buffer.
    File w = co_await fs::open(dir / "big", "wb");
    std::size_t at = 0;
    for (; at < kSize / 2; at += 1 << 20) co_await w.write(std::string_view(data).substr(at, 1 << 20));
    for (std::size_t n = 1; at < kSize; n = n * 7 % 100'003 + 1) {
      std::size_t k = std::min(n, kSize - at);
      co_await w.write(std::string_view(data).substr(at, k));
      at += k;
    }
    co_await w.close();
    EXPECT_EQ((co_await fs::stat(dir / "big")).st_size, static_cast<std::int64_t>(kSize));

    // Read: 1 MiB chunks.
    File r = co_await fs::open(dir / "big", "rb");
    std::string back;
    back.reserve(kSize);
    for (;;) {
      std::string chunk = co_await r.read(1 << 20);
      if (chunk.empty()) break;
      back += chunk;
    }
    EXPECT_TRUE(back == data);

    // readinto with a 3 MiB + 1 buffer, from the middle.
    co_await r.seek(kSize / 3);
    back.clear();
    std::vector<char> buf((3 << 20) + 1);
    while (std::size_t n = co_await r.readinto(buf)) back.append(buf.data(), n);
    EXPECT_TRUE(back == data.substr(kSize / 3));

    // Lines.
    co_await r.seek(0);
    std::size_t lines = 0, bytes = 0;
    bool same = true;
    auto gen = r.lines();
    while (auto line = co_await gen.next()) {
      same = same && data.compare(bytes, line->size(), *line) == 0;
      bytes += line->size();
      ++lines;
    }
    EXPECT_TRUE(same);
    EXPECT_EQ(bytes, kSize);
    EXPECT_EQ(lines, kSize / 4099 + 1);

    // Everything at once.
    co_await r.seek(0);
    EXPECT_TRUE(co_await r.read() == data);
    co_await r.close();
    EXPECT_TRUE(co_await fs::read_file(dir / "big") == data);
  }(), 120s);
}

}  // namespace
}  // namespace corio::test
