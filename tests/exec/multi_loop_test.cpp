// MultiLoop / serve_multicore: N loops on N threads set up by one coroutine, stopped
// together by stop() or a signal; a SO_REUSEPORT server answers on every loop.
//
// Loopback only. The client side is plain blocking sockets on the test's thread; the
// loops report readiness through a latch.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <latch>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "corio_test.hpp"
#include "corio/exec/exec.hpp"
#include "corio/net/server.hpp"
#include "corio/net/stream_reader.hpp"
#include "corio/net/stream_writer.hpp"

namespace corio {
namespace {

TEST(MultiLoop, EveryLoopRunsTheSetupOnItsOwnThread) {
  MultiLoop loops(3);
  std::latch ready(3);
  std::mutex mu;
  std::set<std::thread::id> threads;
  std::set<std::size_t> indices;
  std::thread runner([&] {
    loops.run([&](std::size_t i) -> Coro<void> {
      {
        std::lock_guard lock(mu);
        threads.insert(std::this_thread::get_id());
        indices.insert(i);
      }
      ready.count_down();
      co_return;
    });
  });
  ready.wait();
  loops.stop();
  runner.join();
  EXPECT_EQ(threads.size(), 3u);
  EXPECT_EQ(indices, (std::set<std::size_t>{0, 1, 2}));
}

TEST(MultiLoop, AFailingSetupStopsEveryLoopAndIsRethrown) {
  MultiLoop loops(3);
  std::atomic<int> cancelled{0};
  EXPECT_THROW(loops.run([&](std::size_t i) -> Coro<void> {
    if (i == 2) throw ValueError("setup 2 failed");
    try {
      co_await sleep(std::chrono::hours(1));
    } catch (const CancelledError&) {
      ++cancelled;  // closing the loop cancels what the setup left running
      throw;
    }
  }), ValueError);
  EXPECT_EQ(cancelled.load(), 2);
}

TEST(MultiLoop, StopBeforeRunMakesRunReturnAtOnce) {
  MultiLoop loops(2);
  loops.stop();
  std::atomic<int> setups{0};
  loops.run([&](std::size_t) -> Coro<void> {
    ++setups;
    co_return;
  });
  EXPECT_LE(setups.load(), 2);
}

TEST(MultiLoop, ASignalOnLoopZeroStopsThemAll) {
  MultiLoop loops(3);
  std::latch ready(3);
  std::thread runner([&] {
    loops.run(
        [&](std::size_t) -> Coro<void> {
          ready.count_down();
          co_await sleep(std::chrono::hours(1));
        },
        {SIGUSR1});
  });
  ready.wait();  // loop 0 installed its handler before the others started
  ::pthread_kill(runner.native_handle(), SIGUSR1);
  runner.join();  // returns: every loop stopped
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// Connects to 127.0.0.1:port and reads the server's one-line answer ("" on failure).
std::string ask(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    char buf[64];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

TEST(MultiLoop, AReusePortServerAnswersOnEveryLoop) {
  constexpr std::size_t kLoops = 3;
  const std::uint16_t port = free_port();
  MultiLoop loops(kLoops);
  std::latch listening(kLoops);
  std::thread runner([&] {
    loops.run([&](std::size_t i) -> Coro<void> {
      ServerOptions options;
      options.reuse_port = true;
      std::string answer = "loop " + std::to_string(i) + "\n";
      ClientConnectedCallback cb = [answer](StreamReader, StreamWriter w) -> Coro<void> {
        w.write(answer);
        w.close();
        co_await w.wait_closed();
      };
      Server server = co_await start_server(cb, "127.0.0.1", port, options);
      listening.count_down();
      co_await server.serve_forever();
    });
  });
  listening.wait();
  std::set<std::string> answers;
  for (int attempt = 0; attempt < 3000 && answers.size() < kLoops; ++attempt) answers.insert(ask(port));
  loops.stop();
  runner.join();
  EXPECT_EQ(answers, (std::set<std::string>{"loop 0\n", "loop 1\n", "loop 2\n"}));
}

}  // namespace
}  // namespace corio
