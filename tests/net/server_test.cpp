// Server (start_server): serving, closing with clients connected (asyncio 3.12's
// wait_closed), serve_forever, failing callbacks, accept back-off on EMFILE.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "corio/sync/event.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

using ServerTest = NetTest;

Coro<std::string> round_trip(std::uint16_t port, std::string line) {
  auto [reader, writer] = co_await open_connection("127.0.0.1", port);
  writer.write(line);
  std::string reply = co_await reader.readline();
  writer.close();
  co_await writer.wait_closed();
  co_return reply;
}

TEST_F(ServerTest, ListensOnAnEphemeralPortAndServes) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    EXPECT_TRUE(server.is_serving());
    EXPECT_EQ(server.sockets().size(), 1u);
    EXPECT_NE(port_of(server), 0);
    EXPECT_EQ(&server.get_loop(), &get_running_loop());
    EXPECT_EQ(co_await round_trip(port_of(server), "x\n"), "x\n");
    server.close();
    EXPECT_FALSE(server.is_serving());
    EXPECT_TRUE(server.sockets().empty());
    co_await server.wait_closed();
  }());
}

// Regression: the accept task, cancelled before its first step, never ran the body that
// counted it out, so wait_closed() waited forever for a server that accepted nothing.
TEST_F(ServerTest, WaitClosedReturnsForAServerClosedBeforeItAcceptedAnything) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ServerTest, AnEmptyHostListensOnEveryInterface) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "", 0);
    EXPECT_GE(server.sockets().size(), 1u);
    std::uint16_t port = server.sockets()[0].getsockname().port();
    EXPECT_EQ(co_await round_trip(port, "any\n"), "any\n");
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ServerTest, BindingAPortInUseRaisesOSErrorNamingTheAddress) {
  run([]() -> Coro<void> {
    Server first = co_await start_server(echo_handler, "127.0.0.1", 0);
    std::uint16_t port = port_of(first);
    bool raised = false;
    try {
      co_await start_server(echo_handler, "127.0.0.1", port);
    } catch (const OSError& e) {
      raised = e.errno_value() == EADDRINUSE &&
               std::string(e.what()).find("127.0.0.1:" + std::to_string(port)) != std::string::npos;
    }
    EXPECT_TRUE(raised);
    first.close();
  }());
}

TEST_F(ServerTest, ReusePortLetsTwoServersShareAPort) {
  run([]() -> Coro<void> {
    Server first = co_await start_server(echo_handler, "127.0.0.1", 0, {.reuse_port = true});
    std::uint16_t port = port_of(first);
    Server second = co_await start_server(echo_handler, "127.0.0.1", port, {.reuse_port = true});
    EXPECT_EQ(port_of(second), port);
    EXPECT_EQ(co_await round_trip(port, "shared\n"), "shared\n");
    first.close();
    second.close();
    co_await first.wait_closed();
    co_await second.wait_closed();
  }());
}

TEST_F(ServerTest, StartServingFalseListensOnlyWhenAsked) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.start_serving = false});
    EXPECT_FALSE(server.is_serving());
    std::uint16_t port = port_of(server);
    EXPECT_THROW(co_await open_connection("127.0.0.1", port), ConnectionRefusedError);
    co_await server.start_serving();
    EXPECT_TRUE(server.is_serving());
    EXPECT_EQ(co_await round_trip(port, "late\n"), "late\n");
    server.close();
  }());
}

TEST_F(ServerTest, StartServerOnAnExistingSocket) {
  run([]() -> Coro<void> {
    Socket sock(AF_INET, SOCK_STREAM);
    sock.bind(SocketAddress("127.0.0.1", 0));
    std::uint16_t port = sock.getsockname().port();
    Server server = co_await start_server(echo_handler, std::move(sock));
    EXPECT_EQ(co_await round_trip(port, "sock\n"), "sock\n");
    server.close();
  }());
}

TEST_F(ServerTest, CloseStopsAcceptingWhileConnectedClientsGoOnUntilTheyClose) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    std::uint16_t port = port_of(server);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port);
    writer.write("accepted?\n");  // a connection the server has not accepted yet would be dropped
    EXPECT_EQ(co_await reader.readline(), "accepted?\n");
    server.close();
    auto waiting = create_task(server.wait_closed());
    for (int i = 0; i < 50; ++i) co_await sleep(0s);
    EXPECT_FALSE(waiting.done()) << "wait_closed waits for the connected client (asyncio 3.12)";
    EXPECT_THROW(co_await open_connection("127.0.0.1", port), ConnectionRefusedError);
    writer.write("still served\n");
    EXPECT_EQ(co_await reader.readline(), "still served\n");
    writer.close();
    co_await waiting;
  }());
}

TEST_F(ServerTest, WaitClosedWaitsForTheCallbacksToFinish) {
  run([]() -> Coro<void> {
    Event release;
    bool finished = false;
    auto handler = [&](StreamReader r, StreamWriter w) -> Coro<void> {
      co_await r.readline();
      w.write("hello\n");
      co_await r.read();  // until the client closes
      w.close();
      co_await release.wait();
      finished = true;
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    {
      auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
      writer.write("hi\n");
      EXPECT_EQ(co_await reader.readline(), "hello\n");
      writer.close();
      co_await writer.wait_closed();
    }
    server.close();
    auto waiting = create_task(server.wait_closed());
    for (int i = 0; i < 50; ++i) co_await sleep(0s);
    EXPECT_FALSE(waiting.done());
    release.set();
    co_await waiting;
    EXPECT_TRUE(finished);
  }());
}

TEST_F(ServerTest, CloseClientsEndsTheConnectionsSoWaitClosedReturns) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto [r1, w1] = co_await open_connection("127.0.0.1", port_of(server));
    auto [r2, w2] = co_await open_connection("127.0.0.1", port_of(server));
    w1.write("a\n");
    w2.write("b\n");
    EXPECT_EQ(co_await r1.readline(), "a\n");
    EXPECT_EQ(co_await r2.readline(), "b\n");
    server.close();
    server.close_clients();
    EXPECT_EQ(co_await r1.read(), "");
    EXPECT_EQ(co_await r2.read(), "");
    co_await server.wait_closed();
  }());
}

TEST_F(ServerTest, AbortClientsResetsTheConnections) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write("a\n");
    EXPECT_EQ(co_await reader.readline(), "a\n");
    server.close();
    server.abort_clients();
    std::string rest;
    try {
      rest = co_await reader.read();
    } catch (const ConnectionResetError&) {
    }
    EXPECT_EQ(rest, "");
    co_await server.wait_closed();
  }());
}

TEST_F(ServerTest, AFailingCallbackIsReportedAndItsConnectionClosed) {
  run([]() -> Coro<void> {
    auto handler = [](StreamReader r, StreamWriter) -> Coro<void> {
      co_await r.readline();
      throw std::runtime_error("handler failed");
    };
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    auto [reader, writer] = co_await open_connection("127.0.0.1", port_of(server));
    writer.write("go\n");
    EXPECT_EQ(co_await reader.read(), "") << "the connection is closed";
    server.close();
    co_await server.wait_closed();
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].message, "Unhandled exception in client_connected_cb");
  EXPECT_NE(describe(reports[0].exception).find("handler failed"), std::string::npos);
}

TEST_F(ServerTest, CancellingServeForeverClosesTheServer) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0, {.start_serving = false});
    auto serving = create_task(server.serve_forever());
    co_await sleep(0s);
    EXPECT_TRUE(server.is_serving());
    EXPECT_EQ(co_await round_trip(port_of(server), "f\n"), "f\n");
    serving.cancel();
    bool cancelled = false;
    try {
      co_await serving;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(server.is_serving());
    co_await server.wait_closed();
  }());
}

TEST_F(ServerTest, CloseFromElsewhereEndsServeForeverWithCancelledError) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(echo_handler, "127.0.0.1", 0);
    auto serving = create_task(server.serve_forever());
    co_await sleep(0s);
    bool twice = false;
    try {
      co_await server.serve_forever();
    } catch (const RuntimeError&) {
      twice = true;
    }
    EXPECT_TRUE(twice) << "serve_forever() cannot run twice";
    server.close();
    bool cancelled = false;
    try {
      co_await serving;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_THROW(co_await server.serve_forever(), RuntimeError) << "the server is closed";
  }());
}

TEST_F(ServerTest, AcceptBacksOffOnEmfileAndKeepsTheListener) {
  // Client sockets are made first; then the descriptor limit is lowered so that the
  // server's accept fails with EMFILE, and raised again after three failures.
  std::vector<ExceptionContext> reports;
  Event third;
  loop.set_exception_handler([&](EventLoop&, const ExceptionContext& c) {
    reports.push_back(c);
    if (reports.size() == 3) third.set();
  });
  run([&]() -> Coro<void> {
    // The port comes from below the kernel's ephemeral range: the scanner tests, which
    // may run alongside, probe the ports around their own ephemeral listeners, and a
    // probe accepted here before the limit drops and closed after it would free a
    // descriptor for one of this test's accepts.
    Server server;
    for (std::uint16_t candidate = static_cast<std::uint16_t>(20000 + ::getpid() % 5000);; ++candidate) {
      bool bound = false;
      try {
        server = co_await start_server(echo_handler, "127.0.0.1", candidate);
        bound = true;
      } catch (const OSError& e) {
        if (e.errno_value() != EADDRINUSE || candidate >= 30000) throw;
      }
      if (bound) break;
    }
    std::uint16_t port = port_of(server);
    std::vector<Socket> clients;
    for (int i = 0; i < 3; ++i) clients.emplace_back(AF_INET, SOCK_STREAM);
    rlimit saved{};
    ::getrlimit(RLIMIT_NOFILE, &saved);
    int highest = 0;
    for (const Socket& c : clients) highest = std::max(highest, c.fd());
    // UBSan checks a virtual call's type through a pipe when its cache misses, which
    // fails without descriptors: make the calls the EMFILE report makes once before.
    try {
      throw_os_error(EMFILE, "warm-up");
    } catch (const OSError& e) {
      (void)e.code().message();
    }
    // A free descriptor below the limit would let an accept succeed: fill every hole
    // under the highest client socket first.
    std::vector<int> fillers;
    while (true) {
      int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      if (fd > highest) {
        ::close(fd);
        break;
      }
      fillers.push_back(fd);
    }
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(highest + 1);  // no new descriptor fits
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    double t0 = get_running_loop().time();
    for (Socket& c : clients) co_await sock_connect(c, SocketAddress("127.0.0.1", port));
    co_await third.wait();
    double elapsed = get_running_loop().time() - t0;
    EXPECT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    for (int fd : fillers) ::close(fd);
    // Three failures are two pauses apart: a spinning accept would report thousands.
    EXPECT_GE(elapsed, 0.19) << "accept must pause 100 ms after EMFILE";
    EXPECT_TRUE(server.is_serving());
    // The listener survived: the queued connections are accepted and served.
    for (Socket& c : clients) co_await sock_sendall(c, "back\n");
    for (Socket& c : clients) {
      std::string reply;
      while (reply.find('\n') == std::string::npos) reply += co_await sock_recv(c, 100);
      EXPECT_EQ(reply, "back\n");
    }
    EXPECT_EQ(co_await round_trip(port, "new\n"), "new\n");
    clients.clear();
    server.close();
    co_await server.wait_closed();
  }());
  ASSERT_GE(reports.size(), 3u);
  EXPECT_LE(reports.size(), 5u);
  for (const auto& r : reports) {
    EXPECT_EQ(r.message, "socket.accept() out of system resource; accepting pauses for 100 ms");
    bool emfile = false;
    try {
      std::rethrow_exception(r.exception);
    } catch (const OSError& e) {
      emfile = e.errno_value() == EMFILE;
    }
    EXPECT_TRUE(emfile);
  }
  errors.attach(loop);
}

}  // namespace
}  // namespace corio::test
