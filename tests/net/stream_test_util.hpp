// Support for the stream, server and protocol tests: a real-clock loop (sockets need
// one: on a virtual clock a safety timeout would fire before the kernel answers) whose
// reports are checked like VirtualLoopTest's, a bound on every test body, and a few
// loopback helpers.
//
// Nothing here sleeps for correctness: waits are for events (a task finished, bytes
// arrived) and are bounded; the 10 s bound only turns a hang into a failure.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "corio/net/create_connection.hpp"
#include "corio/net/server.hpp"
#include "corio/net/streams.hpp"
#include "corio_test.hpp"

namespace corio::test {

using namespace std::chrono_literals;

/// A fixture with a real-clock loop whose reports go to `errors`; tear-down fails the
/// test on reports it did not take().
class NetTest : public ::testing::Test {
 protected:
  NetTest() { errors.attach(loop); }
  void TearDown() override {
    loop.close();
    EXPECT_TRUE(errors.empty()) << "unexpected loop reports:\n" << errors.messages();
  }
  /// Runs `coro` to completion, failing with TimeoutError after `limit`.
  template <class T>
  T run(Coro<T> coro, std::chrono::nanoseconds limit = 10s) {
    return loop.run_until_complete(wait_for(std::move(coro), limit));
  }

  ErrorLog errors;
  EventLoop loop;
};

/// The port of a server's first listening socket.
inline std::uint16_t port_of(const Server& s) { return s.sockets()[0].getsockname().port(); }

/// A loopback port on which nothing listens (bound, then released).
inline std::uint16_t unused_port() {
  Socket s(AF_INET, SOCK_STREAM);
  s.bind(SocketAddress("127.0.0.1", 0));
  return s.getsockname().port();
}

/// Echoes every chunk back until EOF.
inline Coro<void> echo_handler(StreamReader r, StreamWriter w) {
  for (;;) {
    std::string data = co_await r.read(64 * 1024);
    if (data.empty()) break;
    w.write(data);
    co_await w.drain();
  }
}

/// Suspends until `pred()` holds, checking after each loop iteration (at most `n`).
template <class P>
Coro<bool> until(P pred, int n = 10000) {
  for (int i = 0; i < n && !pred(); ++i) co_await sleep(0s);
  co_return pred();
}

}  // namespace corio::test
