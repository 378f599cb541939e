// Support for the HTTP client tests: a real-clock loop fixture (sockets need one; see
// tests/net/stream_test_util.hpp) whose reports are checked, and scripted servers:
// corio start_server handlers that read a request head and answer exact bytes.
//
// Nothing here sleeps for correctness; every test body is bounded by `run`'s limit.
#pragma once

#include <cctype>
#include <chrono>
#include <cstdint>
#include <string>

#include "corio/http/client.hpp"
#include "corio/net/server.hpp"
#include "corio/net/streams.hpp"
#include "corio_test.hpp"

namespace corio::test {

using namespace std::chrono_literals;

/// A fixture with a real-clock loop whose reports go to `errors`.
class ClientTest : public ::testing::Test {
 protected:
  ClientTest() { errors.attach(loop); }
  void TearDown() override {
    loop.close();
    EXPECT_TRUE(errors.empty()) << "unexpected loop reports:\n" << errors.messages();
  }
  /// Runs `coro` to completion, failing with TimeoutError after `limit`.
  template <class T>
  T run(Coro<T> coro, std::chrono::nanoseconds limit = 20s) {
    return loop.run_until_complete(wait_for(std::move(coro), limit));
  }

  ErrorLog errors;
  EventLoop loop;
};

/// The port of a server's first listening socket.
inline std::uint16_t port_of(const Server& s) { return s.sockets()[0].getsockname().port(); }

/// "http://127.0.0.1:<port><path>".
inline std::string url_of(const Server& s, const std::string& path = "/") {
  return "http://127.0.0.1:" + std::to_string(port_of(s)) + path;
}

/// Reads one request: its head and its Content-Length body. Empty at EOF.
inline Coro<std::string> read_request(StreamReader& r) {
  std::string head;
  try {
    head = co_await r.readuntil("\r\n\r\n");
  } catch (const IncompleteReadError&) {
    co_return std::string();
  }
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto at = lower.find("\r\ncontent-length:");
  if (at != std::string::npos) {
    std::size_t n = std::stoul(head.substr(at + 17));
    if (n > 0) head += co_await r.readexactly(n);
  }
  co_return head;
}

/// The body of a request read by read_request.
inline std::string body_of(const std::string& request) {
  auto at = request.find("\r\n\r\n");
  return at == std::string::npos ? std::string() : request.substr(at + 4);
}

/// A client timeout without the default total and sock_connect deadlines, for tests on a
/// virtual clock (whose time jumps while a socket waits, so that only the deadline
/// under test may be armed).
inline http::ClientTimeout no_deadlines() {
  http::ClientTimeout t;
  t.total = std::nullopt;
  t.sock_connect = std::nullopt;
  return t;
}

}  // namespace corio::test
