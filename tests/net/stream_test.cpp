// open_connection / StreamReader / StreamWriter over loopback TCP: round trips,
// half-close, back-pressure, errors of a reset connection, closing.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "corio/net/dns.hpp"
#include "corio/sync/event.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

using StreamTest = NetTest;

// drain() is an awaitable (no coroutine frame on the hot path); a task needs a Coro.
Coro<void> drain_task(StreamWriter w) { co_await w.drain(); }

TEST_F(StreamTest, EchoRoundTripThroughStartServerAndOpenConnection) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write("hello\n");
    co_await writer.drain();
    EXPECT_EQ(co_await reader.readline(), "hello\n");
    writer.writelines({"a", "", "b", "c\n"});
    EXPECT_EQ(co_await reader.readline(), "abc\n");
    writer.close();
    co_await writer.wait_closed();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(StreamTest, ManyPipelinedLinesArriveInOrder) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    std::string all;
    for (int i = 0; i < 1000; ++i) all += "line " + std::to_string(i) + "\n";
    writer.write(all);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_EQ(co_await reader.readline(), "line " + std::to_string(i) + "\n");
    }
    writer.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(StreamTest, OpenConnectionToAClosedPortRaisesConnectionRefusedError) {
  std::uint16_t port = unused_port();
  CORIO_EXPECT_THROW_MSG(run(open_connection("127.0.0.1", port)), ConnectionRefusedError,
                         "127.0.0.1:" + std::to_string(port));
}

TEST_F(StreamTest, OpenConnectionResolvesANameThroughGetaddrinfo) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("localhost", port_of(server), {.family = AF_INET});
    writer.write("named\n");
    EXPECT_EQ(co_await reader.readline(), "named\n");
    server.close();
  }());
}

TEST_F(StreamTest, OpenConnectionToAnUnknownNameRaisesGaierror) {
  EXPECT_THROW(run(open_connection("no-such-host.invalid", 80)), gaierror);
}

TEST_F(StreamTest, OpenConnectionBindsTheLocalAddress) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    std::uint16_t local_port = unused_port();
    auto [reader, writer] = co_await open_connection(
        "127.0.0.1", port_of(server), {.local_addr = SocketAddress("127.0.0.1", local_port)});
    auto sockname = std::any_cast<SocketAddress>(writer.get_extra_info("sockname"));
    EXPECT_EQ(sockname.port(), local_port);
    server.close();
  }());
}

TEST_F(StreamTest, GetExtraInfoGivesBothAddressesAndTheSocket) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    auto peer = std::any_cast<SocketAddress>(writer.get_extra_info("peername"));
    auto local = std::any_cast<SocketAddress>(writer.get_extra_info("sockname"));
    EXPECT_EQ(peer.to_string(), "127.0.0.1:" + std::to_string(port_of(server)));
    EXPECT_EQ(local.host(), "127.0.0.1");
    int fd = std::any_cast<int>(writer.get_extra_info("socket"));
    EXPECT_GE(fd, 0);
    int nodelay = 0;
    socklen_t n = sizeof nodelay;
    ::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &n);
    EXPECT_EQ(nodelay, 1) << "asyncio sets TCP_NODELAY";
    EXPECT_FALSE(writer.get_extra_info("nonsense").has_value());
    EXPECT_EQ(std::any_cast<int>(writer.get_extra_info("nonsense", 7)), 7);
    writer.close();
    co_await writer.wait_closed();
    EXPECT_EQ(std::any_cast<int>(writer.get_extra_info("socket")), -1);
    server.close();
  }());
}

TEST_F(StreamTest, EchoOverIpv6Loopback) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "::1", 0);
    auto [reader, writer] = co_await open_connection("::1", port_of(server));
    writer.write("six\n");
    EXPECT_EQ(co_await reader.readline(), "six\n");
    EXPECT_EQ(std::any_cast<SocketAddress>(writer.get_extra_info("peername")).family(), AF_INET6);
    server.close();
  }());
}

TEST_F(StreamTest, HalfCloseWriteEofThenReadTheReply) {
  run([]() -> Coro<void> {
    // The server reads the whole request (until EOF), then answers and closes.
    auto handler = [](StreamReader r, StreamWriter w) -> Coro<void> {
      std::string request = co_await r.read();
      w.write("got " + std::to_string(request.size()) + " bytes");
      co_await w.drain();
      w.close();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    EXPECT_TRUE(writer.can_write_eof());
    writer.write(std::string(100000, 'q'));
    writer.write_eof();
    EXPECT_THROW(writer.write("more"), RuntimeError);
    EXPECT_EQ(co_await reader.read(), "got 100000 bytes");
    EXPECT_TRUE(reader.at_eof());
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(StreamTest, DrainBlocksWhileTheReaderDoesNotReadAndReturnsOnceItDoes) {
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

TEST_F(StreamTest, WaterMarksFollowSetWriteBufferLimits) {
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

TEST_F(StreamTest, ACancelledDrainKeepsTheBufferedDataQueued) {
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

TEST_F(StreamTest, ACancelledReadKeepsTheBytesThatArrived) {
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

TEST_F(StreamTest, AReadOfBufferedDataWhileAnotherReadWaitsKeepsTheBufferInPlace) {
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

TEST_F(StreamTest, AReaderOfAFastPeerDoesNotStarveTheOtherTasks) {
  // The peer is a thread with a blocking socket, so data is always ready: on epoll every
  // receive completes at once and the reader would never suspend by itself.
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  SocketAddress any("127.0.0.1", 0);
  ASSERT_EQ(::bind(lfd, any.raw(), any.size()), 0);
  ASSERT_EQ(::listen(lfd, 1), 0);
  SocketAddress addr;
  addr.reset_for_output();
  ::getsockname(lfd, addr.raw(), addr.size_ptr());
  const std::size_t total_bytes = 32u << 20;
  std::thread peer([lfd, total_bytes] {
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

TEST_F(StreamTest, ACancelledReaderOfAFastPeerStops) {
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

TEST_F(StreamTest, LimitOverrunOnASocketThenRecovery) {
  run([]() -> Coro<void> {
    auto handler = [](StreamReader, StreamWriter w) -> Coro<void> {
      w.write(std::string(100, 'L') + "\nshort\n");
      co_await w.drain();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server), {.limit = 16});
    EXPECT_EQ(reader.limit(), 16u);
    std::size_t consumed = 0;
    try {
      co_await reader.readuntil("\n");
    } catch (const LimitOverrunError& e) {
      consumed = e.consumed;
    }
    EXPECT_GT(consumed, 16u);
    co_await reader.readexactly(consumed);  // skip what the error says
    std::string rest = co_await reader.readuntil("\n");
    EXPECT_EQ(rest.back(), '\n');
    EXPECT_EQ(co_await reader.readline(), "short\n");
    server.close();
  }());
}

// The server resets the connection (SO_LINGER 0): the client's next operations raise.
Coro<void> reset_connection(StreamReader, StreamWriter w) {
  int fd = std::any_cast<int>(w.get_extra_info("socket"));
  linger lg{1, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  w.abort();
  co_return;
}

TEST_F(StreamTest, AResetConnectionRaisesConnectionResetErrorOnRead) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(reset_connection, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    EXPECT_THROW(co_await reader.read(100), ConnectionResetError);
    EXPECT_THROW(writer.write("x"), ConnectionResetError) << "the error surfaces on the next write";
    EXPECT_THROW(co_await writer.drain(), ConnectionResetError);
    EXPECT_TRUE(writer.is_closing());
    server.close();
  }());
}

TEST_F(StreamTest, AResetConnectionSurfacesOnTheNextWriteOrDrain) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(reset_connection, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    bool raised = false;
    for (int i = 0; i < 2000 && !raised; ++i) {  // until the RST has arrived
      try {
        writer.write("ping");
        co_await writer.drain();
        co_await sleep(1ms);
      } catch (const ConnectionResetError&) {
        raised = true;
      } catch (const BrokenPipeError&) {
        raised = true;
      }
    }
    EXPECT_TRUE(raised);
    EXPECT_TRUE(writer.is_closing());
    writer.close();
    bool wait_raised = false;
    try {
      co_await writer.wait_closed();
    } catch (const ConnectionError&) {
      wait_raised = true;  // as asyncio: wait_closed raises what ended the connection
    }
    EXPECT_TRUE(wait_raised);
    server.close();
  }());
}

TEST_F(StreamTest, CloseFlushesTheBufferBeforeClosingTheSocket) {
  run([]() -> Coro<void> {
    std::size_t received = 0;
    Event done;
    auto handler = [&](StreamReader r, StreamWriter) -> Coro<void> {
      received = (co_await r.read()).size();
      done.set();
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write(std::string(16u << 20, 'f'));
    writer.close();
    EXPECT_TRUE(writer.is_closing());
    EXPECT_THROW(writer.write("late"), RuntimeError);
    co_await writer.wait_closed();
    co_await done.wait();
    EXPECT_EQ(received, 16u << 20);
    EXPECT_THROW(co_await writer.drain(), ConnectionResetError) << "drain after close: Connection lost";
    server.close();
  }());
}

TEST_F(StreamTest, AbortDropsTheBufferAndClosesAtOnce) {
  run([]() -> Coro<void> {
    Event go;
    auto handler = [&](StreamReader r, StreamWriter) -> Coro<void> {
      co_await go.wait();
      try {
        while (!(co_await r.read(1 << 20)).empty()) {
        }
      } catch (const ConnectionResetError&) {
      }
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write(std::string(16u << 20, 'a'));
    EXPECT_GT(writer.get_write_buffer_size(), 0u);
    writer.abort();
    EXPECT_EQ(writer.get_write_buffer_size(), 0u);
    co_await writer.wait_closed();
    go.set();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(StreamTest, DroppingBothHandlesClosesTheConnection) {
  run([]() -> Coro<void> {
    auto handler = [](StreamReader r, StreamWriter w) -> Coro<void> {
      w.write("bye");
      co_await w.drain();
      // handles dropped here: the connection closes after the flush
      (void)r;
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    EXPECT_EQ(co_await reader.read(), "bye");
    EXPECT_TRUE(reader.at_eof());
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(StreamTest, CloseWhileAReadWaitsEndsTheReadWithEof) {
  run([]() -> Coro<void> {
    Event hold;
    auto handler = [&](StreamReader, StreamWriter) -> Coro<void> { co_await hold.wait(); };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    auto reading = create_task(reader.read(100));
    co_await sleep(0s);
    writer.close();
    EXPECT_EQ(co_await reading, "");
    co_await writer.wait_closed();
    hold.set();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(StreamTest, OpenConnectionOnAConnectedSocket) {
  run([]() -> Coro<void> {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
    auto [r1, w1] = co_await open_connection(Socket::adopt(sv[0]));
    auto [r2, w2] = co_await open_connection(Socket::adopt(sv[1]));
    w1.write("over a socketpair\n");
    EXPECT_EQ(co_await r2.readline(), "over a socketpair\n");
    w2.write_eof();
    EXPECT_EQ(co_await r1.read(), "");
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

TEST_F(StreamTest, CancellingAPendingConnectRaisesCancelledError) {
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

TEST_F(StreamTest, WaitForOnAPendingConnectRaisesTimeoutError) {
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
