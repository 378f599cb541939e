// Cancellation of stream operations: a pending connect, a read (no byte is lost), a
// drain (the data stays queued), a reader of a peer that never pauses.
#include <sys/socket.h>

#include "corio/sync/event.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

using StreamCancelTest = NetTest;

// drain() is an awaitable (no coroutine frame on the hot path); a task needs a Coro.
Coro<void> drain_task(StreamWriter w) { co_await w.drain(); }

TEST_F(StreamCancelTest, ACancelledDrainKeepsTheBufferedDataQueued) {
  run([]() -> Coro<void> {
    Event go;
    std::size_t received = 0;
    auto handler = [&](StreamReader r, StreamWriter) -> Coro<void> {
      co_await go.wait();
      for (;;) {
        std::string d = co_await r.read(1 << 20);
        if (d.empty()) break;
        received += d.size();
      }
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    const std::size_t total = 24u << 20;
    writer.write(std::string(total, 'z'));
    auto draining = create_task(drain_task(writer));
    co_await sleep(0s);
    std::size_t before = writer.get_write_buffer_size();
    draining.cancel();
    bool cancelled = false;
    try {
      co_await draining;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(writer.get_write_buffer_size(), before);
    go.set();
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
    EXPECT_EQ(received, total) << "every byte still arrives after the cancelled drain";
  }());
}
TEST_F(StreamCancelTest, ACancelledReadKeepsTheBytesThatArrived) {
  run([]() -> Coro<void> {
    Event send_second;
    auto handler = [&](StreamReader, StreamWriter w) -> Coro<void> {
      w.write("12345");
      co_await send_second.wait();
      w.write("67890");
      co_await w.drain();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    auto reading = create_task(reader.readexactly(10));
    StreamReader r = reader;
    EXPECT_TRUE(co_await until([&] { return r.buffered() == 5; }));
    reading.cancel();
    bool cancelled = false;
    try {
      co_await reading;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_EQ(reader.buffered(), 5u);
    send_second.set();
    EXPECT_EQ(co_await reader.readexactly(10), "1234567890");
    server.close();
  }());
}
// A peer that sends without pause: on epoll every receive completes at once.
Coro<void> firehose(StreamReader, StreamWriter w) {
  std::string chunk(1 << 16, 'h');
  try {
    for (int i = 0; i < 512; ++i) {
      w.write(chunk);
      co_await w.drain();
    }
  } catch (const ConnectionError&) {
  }
}
TEST_F(StreamCancelTest, ACancelledReaderOfAFastPeerStops) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(firehose, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    StreamReader r = reader;
    std::size_t total = 0;
    auto read_all = [](StreamReader r, std::size_t& n) -> Coro<void> {
      for (;;) n += (co_await r.read(4096)).size();
    };
    auto reading = create_task(read_all(r, total));
    EXPECT_TRUE(co_await until([&] { return total > (1u << 20); }));
    reading.cancel();
    bool cancelled = false;
    try {
      co_await reading;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_LT(total, 512u << 16) << "the cancellation arrived before the peer stopped sending";
    server.close();
  }());
}
// A listener whose accept queue is full never answers the next SYN: a connect to it
// stays pending, which is what the cancellation tests need.
struct FullListener {
  Socket listener{AF_INET, SOCK_STREAM};
  std::vector<Socket> fillers;
  std::uint16_t port = 0;
  FullListener() {
    listener.bind(SocketAddress("127.0.0.1", 0));
    listener.listen(0);
    port = listener.getsockname().port();
  }
  // Connects until a connect times out: the queue is full from then on.
  Coro<void> fill() {
    for (int i = 0; i < 8; ++i) {
      Socket s(AF_INET, SOCK_STREAM);
      try {
        co_await wait_for(sock_connect(s, SocketAddress("127.0.0.1", port)), 50ms);
      } catch (const TimeoutError&) {
        co_return;
      }
      fillers.push_back(std::move(s));
    }
  }
};

TEST_F(StreamCancelTest, CancellingAPendingConnectRaisesCancelledError) {
  FullListener full;
  run([&]() -> Coro<void> {
    co_await full.fill();
    auto connecting = create_task(open_connection("127.0.0.1", full.port));
    for (int i = 0; i < 20; ++i) co_await sleep(0s);
    EXPECT_FALSE(connecting.done()) << "the connect should be pending";
    connecting.cancel();
    bool cancelled = false;
    try {
      co_await connecting;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
  }());
}

TEST_F(StreamCancelTest, WaitForOnAPendingConnectRaisesTimeoutError) {
  FullListener full;
  run([&]() -> Coro<void> {
    co_await full.fill();
    bool timed_out = false;
    try {
      co_await wait_for(open_connection("127.0.0.1", full.port), 50ms);
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
  }());
}
}  // namespace
}  // namespace corio::test
