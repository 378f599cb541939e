// add_reader / remove_reader / add_writer / remove_writer on pipes and socketpairs:
// level-triggered callbacks, as asyncio's selector loop gives.
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

struct Fds {
  int a = -1, b = -1;
  ~Fds() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
};

Fds make_pipe() {
  int p[2];
  if (::pipe2(p, O_NONBLOCK | O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
  return Fds{p[0], p[1]};
}

Fds make_socketpair() {
  int s[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, s) != 0) {
    throw std::runtime_error("socketpair");
  }
  return Fds{s[0], s[1]};
}

void write_all(int fd, const std::string& s) {
  ASSERT_EQ(::write(fd, s.data(), s.size()), static_cast<ssize_t>(s.size()));
}

std::string read_some(int fd) {
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

// Real-clock loops: an fd test blocks in the driver until the kernel reports readiness.
class FdWatchTest : public ::testing::Test {
 protected:
  FdWatchTest() { errors.attach(loop); }
  void TearDown() override {
    loop.close();
    EXPECT_TRUE(errors.empty()) << errors.messages();
  }
  test::ErrorLog errors;
  EventLoop loop;
};

TEST_F(FdWatchTest, ReaderIsCalledWhenAPipeBecomesReadable) {
  Fds p = make_pipe();
  Future<std::string> got = loop.create_future<std::string>();
  loop.add_reader(p.a, [&] {
    got.set_result(read_some(p.a));
    EXPECT_TRUE(loop.remove_reader(p.a));
  });
  loop.call_soon([&] { write_all(p.b, "hello"); });
  EXPECT_EQ(loop.run_until_complete(got), "hello");
  EXPECT_FALSE(loop.remove_reader(p.a)) << "already removed";
}

TEST_F(FdWatchTest, ReaderIsLevelTriggeredAndCalledUntilDrained) {
  Fds p = make_pipe();
  write_all(p.b, "abcdef");
  Future<std::string> got = loop.create_future<std::string>();
  std::string acc;
  int calls = 0;
  loop.add_reader(p.a, [&] {
    ++calls;
    char c;
    if (::read(p.a, &c, 1) == 1) acc += c;  // one byte a call: still readable after
    if (acc.size() == 6) {
      loop.remove_reader(p.a);
      got.set_result(acc);
    }
  });
  EXPECT_EQ(loop.run_until_complete(got), "abcdef");
  EXPECT_EQ(calls, 6);
}

TEST_F(FdWatchTest, ReaderSeesEveryMessageOnASocketpair) {
  Fds s = make_socketpair();
  Future<void> done = loop.create_future<void>();
  std::string acc;
  int sent = 0;
  std::function<void()> send_next = [&] {
    write_all(s.b, "m" + std::to_string(sent++) + ";");
    if (sent < 5) loop.call_soon(send_next);
  };
  loop.add_reader(s.a, [&] {
    acc += read_some(s.a);
    if (acc.size() >= 15) {
      loop.remove_reader(s.a);
      done.set_result();
    }
  });
  loop.call_soon(send_next);
  loop.run_until_complete(done);
  EXPECT_EQ(acc, "m0;m1;m2;m3;m4;");
}

TEST_F(FdWatchTest, RemovedReaderIsNotCalled) {
  Fds p = make_pipe();
  int calls = 0;
  loop.add_reader(p.a, [&] { ++calls; });
  EXPECT_TRUE(loop.remove_reader(p.a));
  write_all(p.b, "x");
  // A writer on the other pipe end is always ready: use it to run a few iterations.
  int iterations = 0;
  loop.add_writer(p.b, [&] {
    if (++iterations == 5) {
      loop.remove_writer(p.b);
      loop.stop();
    }
  });
  loop.run_forever();
  EXPECT_EQ(calls, 0);
}

TEST_F(FdWatchTest, AddReaderAgainReplacesTheCallback) {
  Fds p = make_pipe();
  Future<std::string> got = loop.create_future<std::string>();
  loop.add_reader(p.a, [&] { got.set_result("old"); });
  loop.add_reader(p.a, [&] {
    loop.remove_reader(p.a);
    got.set_result("new");
  });
  write_all(p.b, "x");
  EXPECT_EQ(loop.run_until_complete(got), "new");
}

TEST_F(FdWatchTest, WriterIsCalledWhenWritable) {
  Fds s = make_socketpair();
  Future<int> calls = loop.create_future<int>();
  int n = 0;
  loop.add_writer(s.a, [&] {
    if (++n == 3) {
      EXPECT_TRUE(loop.remove_writer(s.a));
      calls.set_result(n);
    }
  });
  EXPECT_EQ(loop.run_until_complete(calls), 3);
  EXPECT_FALSE(loop.remove_writer(s.a));
}

TEST_F(FdWatchTest, WriterWaitsWhileTheSocketBufferIsFull) {
  Fds s = make_socketpair();
  // Fill the socket buffer: a write would block now.
  std::string chunk(65536, 'x');
  std::size_t filled = 0;
  while (true) {
    ssize_t n = ::write(s.a, chunk.data(), chunk.size());
    if (n <= 0) break;
    filled += static_cast<std::size_t>(n);
  }
  ASSERT_GT(filled, 0u);
  std::vector<std::string> events;
  Future<void> done = loop.create_future<void>();
  loop.add_writer(s.a, [&] {
    events.push_back("writable");
    loop.remove_writer(s.a);
    done.set_result();
  });
  loop.call_soon([&] {
    events.push_back("draining");
    std::size_t drained = 0;
    char buf[65536];
    while (drained < filled) {
      ssize_t n = ::read(s.b, buf, sizeof buf);
      if (n <= 0) break;
      drained += static_cast<std::size_t>(n);
    }
  });
  loop.run_until_complete(done);
  EXPECT_EQ(events, (std::vector<std::string>{"draining", "writable"}));
}

TEST_F(FdWatchTest, ReaderAndWriterOnTheSameFd) {
  Fds s = make_socketpair();
  write_all(s.b, "ping");
  Future<void> done = loop.create_future<void>();
  bool read = false, wrote = false;
  auto check = [&] {
    if (read && wrote && !done.done()) done.set_result();
  };
  loop.add_reader(s.a, [&] {
    EXPECT_EQ(read_some(s.a), "ping");
    read = true;
    loop.remove_reader(s.a);
    check();
  });
  loop.add_writer(s.a, [&] {
    wrote = true;
    loop.remove_writer(s.a);
    check();
  });
  loop.run_until_complete(done);
  EXPECT_TRUE(read);
  EXPECT_TRUE(wrote);
}

TEST_F(FdWatchTest, ReaderIsCalledOnHangup) {
  Fds p = make_pipe();
  Future<std::string> got = loop.create_future<std::string>();
  loop.add_reader(p.a, [&] {
    char c;
    ssize_t n = ::read(p.a, &c, 1);
    loop.remove_reader(p.a);
    got.set_result(n == 0 ? "eof" : "data");
  });
  loop.call_soon([&] {
    ::close(p.b);
    p.b = -1;
  });
  EXPECT_EQ(loop.run_until_complete(got), "eof");
}

TEST_F(FdWatchTest, AnExceptionInAReaderGoesToTheHandlerAndTheLoopGoesOn) {
  Fds p = make_pipe();
  write_all(p.b, "x");
  Future<void> done = loop.create_future<void>();
  int calls = 0;
  loop.add_reader(p.a, [&] {
    if (++calls == 1) throw std::runtime_error("reader failed");
    loop.remove_reader(p.a);
    done.set_result();
  });
  loop.run_until_complete(done);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(errors.contains("fd callback")) << errors.messages();
  errors.take();
}

TEST_F(FdWatchTest, ABadFdIsRejected) {
  EXPECT_THROW(loop.add_reader(-1, [] {}), std::system_error);
  EXPECT_FALSE(loop.remove_reader(12345));
}

TEST_F(FdWatchTest, WatchesStillRegisteredAtCloseAreReleased) {
  Fds p = make_pipe();
  loop.add_reader(p.a, [] {});
  loop.add_writer(p.b, [] {});
  loop.close();  // ASan's leak check verifies the watches are freed
  EXPECT_FALSE(loop.remove_reader(p.a));
}

TEST_F(FdWatchTest, IoWorksUnderTheVirtualClock) {
  EventLoop vloop(test::virtual_options());
  Fds p = make_pipe();
  Future<std::string> got = vloop.create_future<std::string>();
  vloop.add_reader(p.a, [&] {
    vloop.remove_reader(p.a);
    got.set_result(read_some(p.a));
  });
  // A far timer is pending: the virtual clock must still poll I/O before jumping.
  vloop.call_later(1h, [] {});
  vloop.call_soon([&] { write_all(p.b, "v"); });
  EXPECT_EQ(vloop.run_until_complete(got), "v");
  EXPECT_LT(vloop.time(), 3600.0);
}

}  // namespace
}  // namespace corio
