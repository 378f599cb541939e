// Flow control of streams: drain() back-pressure against a slow reader, the water
// marks, a reader that must not starve the loop, reads of buffered data while another
// read waits.
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "corio/sync/event.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

using StreamFlowTest = NetTest;

// drain() is an awaitable (no coroutine frame on the hot path); a task needs a Coro.
Coro<void> drain_task(StreamWriter w) { co_await w.drain(); }

TEST_F(StreamFlowTest, DrainBlocksWhileTheReaderDoesNotReadAndReturnsOnceItDoes) {
  run([]() -> Coro<void> {
    Event go;
    std::size_t received = 0;
    auto handler = [&](StreamReader r, StreamWriter) -> Coro<void> {
      co_await go.wait();  // a slow reader: reads nothing until told
      for (;;) {
        std::string d = co_await r.read(1 << 20);
        if (d.empty()) break;
        received += d.size();
      }
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    co_await writer.drain();  // nothing buffered: returns at once

    // More than the kernel's socket buffers hold: the rest stays in the writer.
    const std::size_t total = 32u << 20;
    writer.write(std::string(total, 'x'));
    EXPECT_GT(writer.get_write_buffer_size(), 64u * 1024);
    auto draining = create_task(drain_task(writer));
    for (int i = 0; i < 200; ++i) co_await sleep(0s);
    EXPECT_FALSE(draining.done()) << "drain must block while the peer does not read";

    go.set();
    co_await draining;
    EXPECT_LE(writer.get_write_buffer_size(), 16u * 1024) << "drain returns at the low-water mark";
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
    EXPECT_EQ(received, total);
  }());
}

TEST_F(StreamFlowTest, WaterMarksFollowSetWriteBufferLimits) {
  run([]() -> Coro<void> {
    Event go;
    auto handler = [&](StreamReader r, StreamWriter) -> Coro<void> {
      co_await go.wait();
      while (!(co_await r.read(1 << 20)).empty()) {
      }
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    EXPECT_THROW(writer.set_write_buffer_limits(10, 20), ValueError);
    writer.set_write_buffer_limits(1 << 20);  // low = 256 KiB
    writer.write(std::string(24u << 20, 'y'));
    auto draining = create_task(drain_task(writer));
    for (int i = 0; i < 50; ++i) co_await sleep(0s);
    EXPECT_FALSE(draining.done());
    go.set();
    co_await draining;
    EXPECT_LE(writer.get_write_buffer_size(), 256u * 1024);
    server.close();
  }());
}
TEST_F(StreamFlowTest, AReadOfBufferedDataWhileAnotherReadWaitsKeepsTheBufferInPlace) {
  // Regression: emptying the buffer used to rewind it while the waiting read's receive
  // was in flight, so the bytes it received were read from the wrong place.
  run([]() -> Coro<void> {
    Event send_more;
    auto handler = [&](StreamReader, StreamWriter w) -> Coro<void> {
      w.write("abc");
      co_await send_more.wait();
      w.write("123456");
      co_await w.drain();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    StreamReader r = reader;
    auto waiting = create_task(r.readexactly(6));
    EXPECT_TRUE(co_await until([&] { return r.buffered() == 3; }));
    EXPECT_EQ(co_await reader.read(3), "abc") << "buffered data is read without waiting";
    send_more.set();
    EXPECT_EQ(co_await waiting, "123456");
    server.close();
  }());
}
TEST_F(StreamFlowTest, AReaderOfAFastPeerDoesNotStarveTheOtherTasks) {
  // The peer is a thread with a blocking socket, so data is always ready: on epoll every
  // receive completes at once and the reader would never suspend by itself.
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  SocketAddress any("127.0.0.1", 0);
  ASSERT_EQ(::bind(lfd, any.raw(), any.size()), 0);
  ASSERT_EQ(::listen(lfd, 1), 0);
  SocketAddress addr;
  addr.reset_for_output();
  ::getsockname(lfd, addr.raw(), addr.size_ptr());
  constexpr std::size_t total_bytes = 32u << 20;
  std::thread peer([lfd] {
    int fd = ::accept(lfd, nullptr, nullptr);
    std::string chunk(1 << 16, 'h');
    for (std::size_t sent = 0; sent < total_bytes;) {
      ssize_t n = ::send(fd, chunk.data(), std::min(chunk.size(), total_bytes - sent), MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  run([&]() -> Coro<void> {
    auto [reader, writer] = co_await open_connection("127.0.0.1", addr.port());
    int ticks = 0;
    bool done = false;
    auto tick = [](int& n, const bool& stop) -> Coro<void> {
      while (!stop) {
        ++n;
        co_await sleep(0s);
      }
    };
    auto ticker = create_task(tick(ticks, done));
    std::size_t total = 0;
    for (;;) {
      std::string d = co_await reader.read(4096);
      if (d.empty()) break;
      total += d.size();
    }
    done = true;
    co_await ticker;
    EXPECT_EQ(total, total_bytes);
    EXPECT_GE(ticks, 5) << "the reading task must yield now and then";
  }());
  peer.join();
  ::close(lfd);
}
}  // namespace
}  // namespace corio::test
