// Cancellation: a cancelled read consumes nothing (the position stays, the bytes stay
// buffered), a cancelled write is all or nothing, a cancelled close still flushes and
// closes, a cancelled open leaves no descriptor behind. Cancellations land at every
// point of an operation by cancelling after 0, 1, 2, ... turns of the loop.
#include <dirent.h>

#include "fs_test_util.hpp"

namespace corio::test {
namespace {

using fs::File;

int open_fds() {
  int n = 0;
  if (DIR* d = ::opendir("/proc/self/fd")) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n;
}

class FsCancel : public FsReadPaths {};
INSTANTIATE_TEST_SUITE_P(ReadPaths, FsCancel, ::testing::Bool(), read_path_name);

TEST_P(FsCancel, ACancelledChunkedReadNeverLosesOrRepeatsBytes) {
  const std::string data = pattern(16 << 20);
  put_file(dir / "big", data);
  for (int turns = 0; turns < 8; ++turns) {
    run([&]() -> Coro<void> {
      File f = co_await fs::open(dir / "big", "rb");
      std::string received;
      auto reader = create_task([](File& f, std::string& out) -> Coro<void> {
        for (;;) {
          std::string chunk = co_await f.read(1 << 20);
          if (chunk.empty()) co_return;
          out += chunk;
        }
      }(f, received));
      for (int i = 0; i < turns; ++i) co_await sleep(0);
      reader.cancel();
      try {
        co_await reader;
      } catch (const CancelledError&) {
      }
      EXPECT_EQ(f.tell(), static_cast<std::int64_t>(received.size())) << "turns " << turns;
      std::string rest = co_await f.read();
      EXPECT_EQ(received.size() + rest.size(), data.size()) << "turns " << turns;
      EXPECT_TRUE(received + rest == data) << "turns " << turns;
      co_await f.close();
    }());
  }
}

TEST_P(FsCancel, ACancelledReadOnAFifoKeepsWhatArrived) {
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  int w = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(w, 0);
  run([&]() -> Coro<void> {
    File f = co_await fs::open(fifo, "rb");
    auto reader = create_task(f.read(5));
    for (int i = 0; i < 3; ++i) co_await sleep(0);
    EXPECT_FALSE(reader.done());  // parked: the pipe is empty
    reader.cancel();
    for (int i = 0; i < 3; ++i) co_await sleep(0);
    // io_uring has cancelled the read by now; a pool thread is still inside read(2)
    // and takes what comes next, which the File keeps.
    EXPECT_EQ(::write(w, "hello world", 11), 11);
    std::string first;
    try {
      first = co_await reader;
    } catch (const CancelledError&) {
    }
    ::close(w);
    w = -1;
    std::string rest = co_await f.read();
    EXPECT_EQ(first + rest, "hello world");
    co_await f.close();
  }());
  if (w >= 0) ::close(w);
}

TEST_P(FsCancel, ACancelledWriteIsAllOrNothing) {
  const std::string big = pattern(8 << 20);
  for (int turns = 0; turns < 6; ++turns) {
    run([&]() -> Coro<void> {
      File f = co_await fs::open(dir / "w", "wb");
      auto writer = create_task(f.write(big));
      for (int i = 0; i < turns; ++i) co_await sleep(0);
      writer.cancel();
      bool cancelled = false;
      try {
        co_await writer;
      } catch (const CancelledError&) {
        cancelled = true;
      }
      const std::int64_t pos = f.tell();
      EXPECT_TRUE(pos == 0 || pos == static_cast<std::int64_t>(big.size())) << "turns " << turns << ": " << pos;
      if (!cancelled) {
        EXPECT_EQ(pos, static_cast<std::int64_t>(big.size()));
      }
      co_await f.close();
      std::string on_disk = get_file(dir / "w");
      EXPECT_TRUE(on_disk.empty() || on_disk == big) << "turns " << turns << ": " << on_disk.size() << " bytes";
      EXPECT_EQ(on_disk.size(), static_cast<std::size_t>(pos));
    }());
  }
}

TEST_P(FsCancel, ACancelledCloseStillFlushesAndCloses) {
  for (int turns = 0; turns < 4; ++turns) {
    run([&]() -> Coro<void> {
      File f = co_await fs::open(dir / "c", "w");
      co_await f.write("pending data");
      auto closer = create_task(f.close());
      for (int i = 0; i < turns; ++i) co_await sleep(0);
      bool started = turns > 0;
      closer.cancel();
      try {
        co_await closer;
      } catch (const CancelledError&) {
      }
      if (started) {
        EXPECT_TRUE(f.closed()) << "turns " << turns;
        EXPECT_EQ(get_file(dir / "c"), "pending data");
      }
      co_await f.close();  // cancelled before it began: close now
      EXPECT_EQ(get_file(dir / "c"), "pending data");
    }());
  }
}

TEST_P(FsCancel, ACancelledOpenLeavesNoDescriptorBehind) {
  const std::string fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int before = open_fds();
  run([&]() -> Coro<void> {
    // Opening a FIFO for reading blocks (on a worker) until a writer comes.
    auto opener = create_task(fs::open(fifo, "rb"));
    for (int i = 0; i < 3; ++i) co_await sleep(0);
    opener.cancel();
    int w = ::open(fifo.c_str(), O_RDWR | O_CLOEXEC);  // lets a blocked open finish
    EXPECT_THROW(co_await opener, CancelledError);
    ::close(w);
  }());
  EXPECT_EQ(open_fds(), before);
}

TEST_P(FsCancel, ClosingTheLoopWaitsForAReadInFlight) {
  put_file(dir / "big", pattern(8 << 20));
  std::string got;
  ErrorLog other_errors;
  {
    EventLoop other;
    other_errors.attach(other);
    auto reader = other.create_task([](std::string path, std::string& out) -> Coro<void> {
      File f = co_await fs::open(path, "rb");
      for (;;) {
        std::string chunk = co_await f.read(1 << 20);
        if (chunk.empty()) break;
        out += chunk;
      }
    }(dir / "big", got));
    auto turn = []() -> Coro<void> { co_await sleep(0); };
    other.run_until_complete(turn());  // the reader opens the file
    other.run_until_complete(turn());  // and is reading
    other.close();  // cancels the reader and lets it unwind
    EXPECT_TRUE(reader.done());
  }
  EXPECT_LE(got.size(), std::size_t{8} << 20);
  EXPECT_TRUE(other_errors.empty()) << other_errors.messages();
}

}  // namespace
}  // namespace corio::test
