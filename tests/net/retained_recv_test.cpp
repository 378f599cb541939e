// Receives on a socket the driver retains (Driver::retain, what the web server does:
// on epoll one edge-triggered registration for the socket's life). They must give the
// same bytes in the same order as plain receives: across exchanges, with bytes that
// arrive while nobody reads, into small buffers, at EOF (also right after the last
// bytes, which brings no new edge) and reset, when a waiting receive is cancelled, when
// the fd is released with bytes unread and its number reused, and when the loop
// closes with a receive pending.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>

#include "corio/net/detail/io_await.hpp"
#include "corio/net/socket.hpp"
#include "loop/driver/driver.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

// A connected loopback TCP pair: `server` non-blocking (the loop's side), `client`
// blocking (the test writes with it directly).
struct TcpPair {
  int server = -1;
  int client = -1;
  TcpPair() {
    int l = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t n = sizeof a;
    EXPECT_EQ(::bind(l, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(l, 4), 0);
    EXPECT_EQ(::getsockname(l, reinterpret_cast<sockaddr*>(&a), &n), 0);
    client = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    server = ::accept4(l, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_GE(server, 0);
    ::close(l);
  }
  ~TcpPair() {
    if (server >= 0) ::close(server);
    if (client >= 0) ::close(client);
  }
  void send(std::string_view s) const { EXPECT_EQ(::send(client, s.data(), s.size(), 0), static_cast<ssize_t>(s.size())); }
};

// Retains the fd for a test's scope and releases it before the fd closes.
struct Retained {
  EventLoop& loop;
  int fd;
  Retained(EventLoop& l, int f) : loop(l), fd(f) { loop.driver().retain(fd); }
  ~Retained() { loop.driver().release(fd); }
};

Coro<std::int32_t> recv_into(int fd, char* buf, std::size_t len) {
  corio::detail::IoAwait a;
  corio::detail::prepare_recv(a, fd, buf, len);
  std::int32_t r = co_await a;
  co_return r;
}

// Receives until `n` bytes arrived, `chunk` at most per receive; stops early at EOF.
Coro<std::string> recv_exactly(int fd, std::size_t n, std::size_t chunk = 64 * 1024) {
  std::string out;
  std::string buf(chunk, '\0');
  while (out.size() < n) {
    std::int32_t r = co_await recv_into(fd, buf.data(), std::min(chunk, n - out.size()));
    if (r <= 0) break;
    out.append(buf.data(), static_cast<std::size_t>(r));
  }
  co_return out;
}

// Lets the loop run `n` iterations: completions that arrive meanwhile find no reader.
Coro<void> spin(int n = 20) {
  for (int i = 0; i < n; ++i) co_await sleep(0s);
}

std::string pattern(std::size_t n, std::size_t seed = 0) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}


using RetainedRecvTest = NetTest;

TEST_F(RetainedRecvTest, ExchangesArriveInOrder) {
  TcpPair p;
  Retained keep(loop, p.server);
  run([&]() -> Coro<void> {
    for (int i = 0; i < 300; ++i) {
      std::string msg = "request " + std::to_string(i) + "\r\n";
      p.send(msg);
      EXPECT_EQ(co_await recv_exactly(p.server, msg.size()), msg);
    }
  }());
}

TEST_F(RetainedRecvTest, BytesThatArriveWithNoReaderWaitForTheNextOne) {
  TcpPair p;
  Retained keep(loop, p.server);
  run([&]() -> Coro<void> {
    // After a first exchange nobody reads while three writes arrive.
    p.send("hello ");
    EXPECT_EQ(co_await recv_exactly(p.server, 6), "hello ");
    p.send("one ");
    co_await spin();
    p.send("two ");
    co_await spin();
    p.send("three");
    co_await spin();
    char buf[64];
    std::int32_t r = co_await recv_into(p.server, buf, sizeof buf);
    EXPECT_GT(r, 0);
    std::string got(buf, static_cast<std::size_t>(std::max(r, 0)));
    got += co_await recv_exactly(p.server, 13 - got.size());
    EXPECT_EQ(got, "one two three");
  }());
}

TEST_F(RetainedRecvTest, ASmallBufferTakesTheBytesInPieces) {
  TcpPair p;
  Retained keep(loop, p.server);
  run([&]() -> Coro<void> {
    const std::string data = pattern(20000);
    p.send(data);
    co_await spin();
    EXPECT_EQ(co_await recv_exactly(p.server, data.size(), 100), data);
  }());
}

TEST_F(RetainedRecvTest, PeerCloseEndsTheStreamAfterItsBytes) {
  TcpPair p;
  Retained keep(loop, p.server);
  run([&]() -> Coro<void> {
    p.send("bye");
    ::close(p.client);
    p.client = -1;
    co_await spin();
    char buf[16];
    std::int32_t r = co_await recv_into(p.server, buf, sizeof buf);
    EXPECT_EQ(std::string(buf, static_cast<std::size_t>(std::max(r, 0))), "bye");
    EXPECT_EQ(co_await recv_into(p.server, buf, sizeof buf), 0);
    EXPECT_EQ(co_await recv_into(p.server, buf, sizeof buf), 0) << "EOF stays EOF";
  }());
}

TEST_F(RetainedRecvTest, PeerResetIsReported) {
  TcpPair p;
  Retained keep(loop, p.server);
  run([&]() -> Coro<void> {
    char buf[16];
    p.send("x");
    EXPECT_EQ(co_await recv_into(p.server, buf, sizeof buf), 1);
    linger lg{1, 0};  // close with RST
    ::setsockopt(p.client, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(p.client);
    p.client = -1;
    EXPECT_EQ(co_await recv_into(p.server, buf, sizeof buf), -ECONNRESET);
  }());
}

TEST_F(RetainedRecvTest, ShutdownEndsAWaitingReceive) {
  // The web server's timeouts end a pending receive this way.
  TcpPair p;
  Retained keep(loop, p.server);
  run([&]() -> Coro<void> {
    char buf[16];
    auto reading = create_task(recv_into(p.server, buf, sizeof buf));
    co_await spin();
    EXPECT_FALSE(reading.done());
    ::shutdown(p.server, SHUT_RD);
    EXPECT_EQ(co_await reading, 0);
  }());
}

TEST_F(RetainedRecvTest, CancellingAWaitingReceiveLosesNoByte) {
  TcpPair p;
  Retained keep(loop, p.server);
  run([&]() -> Coro<void> {
    char buf[64];
    p.send("first");
    EXPECT_EQ(co_await recv_exactly(p.server, 5), "first");
    // Cancelled while the stream is armed and empty.
    auto reading = create_task(recv_into(p.server, buf, sizeof buf));
    co_await spin();
    reading.cancel();
    bool cancelled = false;
    try {
      co_await reading;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    p.send("second");
    co_await spin();
    EXPECT_EQ(co_await recv_exactly(p.server, 6), "second");
    // Cancelled in the same iteration as the bytes arrive: whichever wins, every byte
    // reaches the cancelled receive (which sees its result; the task then ends
    // cancelled, as asyncio's does) or the next one.
    std::string got;
    auto record = [](int fd, std::string& into) -> Coro<void> {
      char b2[64];
      std::int32_t r = co_await recv_into(fd, b2, sizeof b2);
      if (r > 0) into.append(b2, static_cast<std::size_t>(r));
    };
    for (int i = 0; i < 20; ++i) {
      auto racing = create_task(record(p.server, got));
      co_await sleep(0s);
      std::string msg = "race" + std::to_string(i) + ";";
      p.send(msg);
      racing.cancel();
      try {
        co_await racing;
      } catch (const CancelledError&) {
      }
    }
    std::string want;
    for (int i = 0; i < 20; ++i) want += "race" + std::to_string(i) + ";";
    co_await spin();
    got += co_await recv_exactly(p.server, want.size() - got.size());
    EXPECT_EQ(got, want);
  }());
}

TEST_F(RetainedRecvTest, ReleaseWithBytesUnreadThenReuseOfTheFdNumber) {
  auto first = std::make_unique<TcpPair>();
  const int fd = first->server;
  loop.driver().retain(fd);
  run([&]() -> Coro<void> {
    first->send("old");
    EXPECT_EQ(co_await recv_exactly(fd, 3), "old");
    first->send("stale bytes nobody reads");
    co_await spin();
  }());
  loop.driver().release(fd);
  first.reset();  // closes the fd: the next socket may get its number
  TcpPair second;
  Retained keep(loop, second.server);
  run([&]() -> Coro<void> {
    second.send("fresh");
    EXPECT_EQ(co_await recv_exactly(second.server, 5), "fresh");
  }());
}

// LoopOptions::single_thread (what run_app's loops use): on io_uring the ring belongs
// to the loop's thread and its completion work runs in the loop's waits. The same
// exchanges, cancellations and timers, on the main thread and on a thread of its own.
Coro<void> exchanges(TcpPair& p) {
  for (int i = 0; i < 100; ++i) {
    std::string msg = "request " + std::to_string(i);
    p.send(msg);
    EXPECT_EQ(co_await recv_exactly(p.server, msg.size()), msg);
  }
  char buf[16];
  auto reading = create_task(recv_into(p.server, buf, sizeof buf));
  co_await sleep(1ms);
  reading.cancel();
  bool cancelled = false;
  try {
    co_await reading;
  } catch (const CancelledError&) {
    cancelled = true;
  }
  EXPECT_TRUE(cancelled);
  p.send("after");
  EXPECT_EQ(co_await recv_exactly(p.server, 5), "after");
}

void run_single_thread_loop() {
  TcpPair p;
  LoopOptions options;
  options.single_thread = true;
  EventLoop loop(options);
  {
    Retained keep(loop, p.server);
    loop.run_until_complete(wait_for(exchanges(p), 10s));
  }
  loop.close();
}

TEST(SingleThreadLoopTest, ServesSocketsOnTheMainThread) { run_single_thread_loop(); }

TEST(SingleThreadLoopTest, ServesSocketsOnAThreadOfItsOwn) {
  std::thread t(run_single_thread_loop);
  t.join();
}

TEST(SingleThreadLoopTest, RunningItOnAnotherThreadFailsClearly) {
  LoopOptions options;
  options.single_thread = true;
  EventLoop loop(options);
  std::string error;
  std::thread t([&] {
    try {
      loop.run_until_complete([]() -> Coro<void> { co_await sleep(1ms); }());
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  t.join();
  if (std::string_view(loop.driver_name()) == "uring") {
    EXPECT_NE(error.find("single_thread"), std::string::npos) << error;
  } else {
    EXPECT_EQ(error, "") << "epoll does not tie a loop to a thread";
  }
  loop.close();
}

TEST(SingleThreadLoopTest, RunMakesSuchALoop) {
  TcpPair p;
  corio::run([&]() -> Coro<void> {
    Retained keep(get_running_loop(), p.server);
    co_await exchanges(p);
  }());
}

TEST(RetainedRecvLoopTest, ClosingTheLoopWithRetainedSockets) {
  // One fd released with bytes unread, one still retained with a receive pending.
  TcpPair a, b;
  {
    EventLoop loop;
    loop.driver().retain(a.server);
    loop.driver().retain(b.server);
    loop.run_until_complete([&]() -> Coro<void> {
      a.send("x");
      b.send("y");
      EXPECT_EQ(co_await recv_exactly(a.server, 1), "x");
      EXPECT_EQ(co_await recv_exactly(b.server, 1), "y");
      a.send("left over");
      co_await spin();
    }());
    loop.driver().release(a.server);
    // And one receive still waiting when the loop closes.
    // (The fd is a parameter: the lambda object is gone before the coroutine runs.)
    auto waiting = loop.create_task([](int fd) -> Coro<void> {
      char buf[8];
      (void)co_await recv_into(fd, buf, sizeof buf);
    }(b.server));
    loop.run_until_complete(spin(5));
    loop.close();
  }
  b.send("after the loop");  // nothing may receive it now
}

}  // namespace
}  // namespace corio::test
