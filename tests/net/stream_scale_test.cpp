// 10,000 concurrent loopback connections on one loop.
//
// Both ends of 10,000 connections need 20,000+ descriptors. When the hard
// RLIMIT_NOFILE allows that (or may be raised, as root with CAP_SYS_RESOURCE), server
// and clients share one process and one loop. Otherwise the server runs in a forked
// child with a loop of its own, and the 10,000 clients stay on the test's loop; the
// child reports what it saw over a socketpair. Either way every connection is open at
// the same moment: no client closes before all 10,000 have been echoed.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "corio/sync/event.hpp"
#include "corio/sync/semaphore.hpp"
#include "stream_test_util.hpp"

namespace corio::test {
namespace {

constexpr int kConnections = 10000;
constexpr rlim_t kFdsForBothEnds = 2 * kConnections + 256;

// The server side: echoes one line per connection, then holds the connection until the
// client closes it. Counts connections open at once.
struct EchoCounter {
  int open = 0;
  int max_open = 0;
  int handled = 0;
  Coro<void> operator()(StreamReader r, StreamWriter w) {
    max_open = std::max(max_open, ++open);
    std::string line = co_await r.readline();
    w.write(line);
    co_await w.drain();
    co_await r.read();  // until the client closes
    --open;
    ++handled;
  }
};

// The client side: 10,000 connections, each echoed once and kept open until all are.
Coro<int> clients(std::uint16_t port) {
  int connected = 0, failures = 0;
  Event all_connected;
  Semaphore connecting(512);  // SYNs beyond the accept queue would wait 1 s for a retry
  auto one = [&](int i) -> Coro<void> {
    try {
      co_await connecting.acquire();
      auto [reader, writer] = co_await open_connection("127.0.0.1", port);
      std::string hello = "hello " + std::to_string(i) + "\n";
      writer.write(hello);
      std::string echoed = co_await reader.readline();
      connecting.release();
      if (echoed != hello) ++failures;
      if (++connected == kConnections) all_connected.set();
      co_await all_connected.wait();
      writer.close();
      co_await writer.wait_closed();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "client " << i << ": " << e.what();
      ++failures;
      if (++connected == kConnections) all_connected.set();
    }
  };
  std::vector<Task<void>> tasks;
  tasks.reserve(kConnections);
  for (int i = 0; i < kConnections; ++i) tasks.push_back(create_task(one(i)));
  for (auto& t : tasks) co_await t;
  co_return failures;
}

bool fds_for_both_ends() {
  rlimit rl{};
  ::getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_max >= kFdsForBothEnds) return true;
  rlimit more{kFdsForBothEnds, kFdsForBothEnds};
  return ::setrlimit(RLIMIT_NOFILE, &more) == 0;  // allowed with CAP_SYS_RESOURCE
}

// Listening before any fork: clients may connect before the server's loop runs.
Socket listening_socket(int backlog) {
  Socket s(AF_INET, SOCK_STREAM);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(SocketAddress("127.0.0.1", 0));
  s.listen(backlog);
  return s;
}

TEST(StreamScale, TenThousandConcurrentConnectionsOnOneLoop) {
  ServerOptions options{.backlog = 4096};
  Socket listener = listening_socket(options.backlog);
  std::uint16_t port = listener.getsockname().port();

  if (fds_for_both_ends()) {
    EventLoop loop;
    EchoCounter counter;
    int failures = loop.run_until_complete(wait_for(
        [&]() -> Coro<int> {
          Server server = co_await start_server(std::ref(counter), std::move(listener), options);
          int f = co_await clients(port);
          server.close();
          co_await server.wait_closed();
          co_return f;
        }(),
        120s));
    EXPECT_EQ(failures, 0);
    EXPECT_EQ(counter.max_open, kConnections);
    EXPECT_EQ(counter.handled, kConnections);
    loop.close();
    return;
  }

  // The server ends live in a child process with its own loop.
  int ctl[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl), 0);
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(ctl[0]);
    int status = 1;
    try {
      EventLoop loop;
      EchoCounter counter;
      loop.run_until_complete([&]() -> Coro<void> {
        Server server = co_await start_server(std::ref(counter), std::move(listener), options);
        auto [reader, writer] = co_await open_connection(Socket::adopt(ctl[1]));
        co_await reader.readline();  // "report": every client has closed
        co_await until([&] { return counter.open == 0; }, 1 << 30);
        writer.write(std::to_string(counter.max_open) + " " + std::to_string(counter.handled) + "\n");
        co_await writer.drain();
        server.close();
        co_await server.wait_closed();
      }());
      loop.close();
      status = 0;
    } catch (...) {
    }
    ::_exit(status);
  }
  ::close(ctl[1]);
  listener.close();  // the child has it

  EventLoop loop;
  std::string report;
  int failures = loop.run_until_complete(wait_for(
      [&]() -> Coro<int> {
        auto [reader, writer] = co_await open_connection(Socket::adopt(ctl[0]));
        int f = co_await clients(port);
        writer.write("report\n");
        report = co_await reader.readline();
        co_return f;
      }(),
      120s));
  loop.close();
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(failures, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server process status " << status;
  EXPECT_EQ(report, std::to_string(kConnections) + " " + std::to_string(kConnections) + "\n")
      << "the server saw every connection open at once (max_open handled)";
}

}  // namespace
}  // namespace corio::test
