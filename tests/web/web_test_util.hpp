// Support for the web server tests: a real-clock loop fixture that serves an
// Application on a free loopback port, and a raw HTTP/1.1 client on corio's streams
// (the tests speak the protocol byte by byte, so they can send malformed, pipelined or
// partial requests).
//
// Nothing sleeps for correctness: every wait is for bytes or EOF; the fixture's bound
// only turns a hang into a failure. Timeout tests use a virtual-clock loop instead
// (VirtualWebTest), where waiting for the server's 10 s header deadline is instant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "corio/net/streams.hpp"
#include "corio/web/web.hpp"
#include "corio_test.hpp"

namespace corio::test {

using namespace std::chrono_literals;

/// Bytes as hex digits: JSON strings must be UTF-8, file parts need not be.
inline std::string hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

/// One parsed reply.
struct HttpReply {
  int status = 0;
  std::string reason;
  http::Headers headers;
  std::string body;
  bool chunked = false;
};

/// Reads one reply from `r`. `head_only`: the reply to a HEAD has no body.
inline Coro<HttpReply> read_reply(StreamReader& r, bool head_only = false) {
  HttpReply out;
  std::string line = co_await r.readuntil("\r\n");
  // "HTTP/1.1 200 OK\r\n"
  out.status = std::stoi(line.substr(9, 3));
  out.reason = line.substr(13, line.size() - 15);
  while (true) {
    line = co_await r.readuntil("\r\n");
    if (line == "\r\n") break;
    auto colon = line.find(':');
    std::string value = line.substr(colon + 1, line.size() - colon - 3);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    out.headers.add(line.substr(0, colon), value);
  }
  if (head_only || out.status == 100 || out.status == 204 || out.status == 304) co_return out;
  if (auto te = out.headers.get("Transfer-Encoding"); te && *te == "chunked") {
    out.chunked = true;
    while (true) {
      std::string size_line = co_await r.readuntil("\r\n");
      std::size_t n = std::stoul(size_line, nullptr, 16);
      if (n == 0) {
        co_await r.readuntil("\r\n");
        break;
      }
      out.body += co_await r.readexactly(n);
      co_await r.readexactly(2);
    }
  } else if (auto cl = out.headers.get("Content-Length")) {
    std::size_t n = std::stoul(std::string(*cl));
    if (n) out.body = co_await r.readexactly(n);
  } else {
    out.body = co_await r.read();  // until the server closes
  }
  co_return out;
}

/// A connection to the test server.
struct Client {
  StreamReader reader;
  StreamWriter writer;

  static Coro<Client> connect(std::uint16_t port) {
    auto [r, w] = co_await open_connection("127.0.0.1", port);
    co_return Client{r, w};
  }
  /// Sends raw bytes.
  Coro<void> send(std::string_view raw) {
    writer.write(raw);
    co_await writer.drain();
  }
  /// Sends a GET for `path` and reads the reply.
  Coro<HttpReply> get(std::string path, std::string extra_headers = {}) {
    std::string raw = "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extra_headers + "\r\n";
    co_await send(raw);
    co_return co_await read_reply(reader);
  }
  /// True when the server closed the connection (EOF or reset) with nothing more sent.
  Coro<bool> closed() {
    try {
      std::string rest = co_await reader.read(1);
      co_return rest.empty();
    } catch (const ConnectionResetError&) {
      co_return true;
    }
  }
};

/// A real-clock loop serving `app` on 127.0.0.1:<port> once start() ran.
class WebTest : public ::testing::Test {
 protected:
  WebTest() : WebTest(LoopOptions{}) {}
  explicit WebTest(LoopOptions options) : loop(options) { errors.attach(loop); }
  void TearDown() override {
    if (runner) loop.run_until_complete(runner->cleanup());
    site.reset();  // a site must not outlive its runner
    runner.reset();
    loop.close();
    EXPECT_TRUE(errors.empty()) << "unexpected loop reports:\n" << errors.messages();
  }
  /// Sets up the runner and a site (https with `ssl`); returns the port.
  std::uint16_t start(web::ServerSettings settings = {}, const SSLContext* ssl = nullptr) {
    runner = std::make_unique<web::AppRunner>(app, settings);
    loop.run_until_complete(runner->setup());
    site = std::make_unique<web::TCPSite>(*runner, "127.0.0.1", 0, ssl);
    loop.run_until_complete(site->start());
    port = site->port();
    return port;
  }
  /// Runs `coro`, failing with TimeoutError after `limit`.
  template <class T>
  T run(Coro<T> coro, std::chrono::nanoseconds limit = 20s) {
    return loop.run_until_complete(wait_for(std::move(coro), limit));
  }
  /// One GET on a fresh connection.
  HttpReply get(std::string path, std::string extra_headers = {}) {
    return run([](std::uint16_t p, std::string path, std::string extra) -> Coro<HttpReply> {
      Client c = co_await Client::connect(p);
      HttpReply r = co_await c.get(path, extra);
      c.writer.close();
      co_return r;
    }(port, std::move(path), std::move(extra_headers)));
  }

  ErrorLog errors;
  EventLoop loop;
  web::Application app;
  std::unique_ptr<web::AppRunner> runner;
  std::unique_ptr<web::TCPSite> site;
  std::uint16_t port = 0;
};

/// The same on a virtual-clock loop (timeouts).
class VirtualWebTest : public WebTest {
 protected:
  VirtualWebTest() : WebTest(virtual_options()) {}
};

}  // namespace corio::test
