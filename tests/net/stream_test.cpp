// open_connection / StreamReader / StreamWriter over loopback TCP: round trips, names,
// addresses, half-close, limits, errors of a reset connection, closing.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "corio/net/dns.hpp"
#include "corio/sync/event.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

using StreamTest = NetTest;

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
}  // namespace
}  // namespace corio::test
