// H2Connection against a real nginx (tests/http/h2_nginx.hpp): ALPN picks h2 over TLS,
// prior-knowledge h2c in the clear, many requests multiplexed on one connection, large
// bodies both ways under flow control, the server's concurrency limit, GOAWAY,
// cancellation of one stream, and the server dying mid-way.
//
// Every test starts its own nginx; a test is skipped only if /usr/sbin/nginx is missing.
// Nothing sleeps: waits are for events, and each body is bounded by `run`'s limit.
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <set>
#include <sstream>
#include <vector>

#include "corio/net/server.hpp"
#include "corio/net/ssl.hpp"
#include "corio/net/streams.hpp"
#include "corio/sync/event.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/gather.hpp"
#include "corio_test.hpp"
#include "h2_nginx.hpp"
#include "http/h2_connection.hpp"

namespace corio::test {
namespace {

using namespace std::chrono_literals;
using http::H2Connection;
using http::H2ConnectionError;
using http::H2Error;
using http::H2Request;
using http::H2Response;
using http::H2Settings;
using h2::H2Nginx;
using h2::h2_pattern;

class H2Test : public h2::H2NginxTest {};

/// A TLS connection to nginx offering h2 and http/1.1, as the client's connector does.
Coro<std::shared_ptr<H2Connection>> connect_tls(std::uint16_t port, H2Settings settings = {},
                                                std::string* alpn = nullptr) {
  SSLContext ctx = create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert);
  ctx.set_alpn_protocols({"h2", "http/1.1"});
  auto [reader, writer] = co_await open_connection("127.0.0.1", port, {.ssl = &ctx, .server_hostname = "localhost"});
  std::optional<SSLObject> tls = writer.ssl_object();
  if (alpn) *alpn = tls ? tls->selected_alpn_protocol().value_or("none") : "plain";
  std::string origin = "https://localhost:" + std::to_string(port);
  settings.origin = origin;
  auto conn = co_await H2Connection::start(std::move(reader), std::move(writer), settings);
  co_return conn;
}

/// A cleartext connection with prior knowledge (h2c).
Coro<std::shared_ptr<H2Connection>> connect_plain(std::uint16_t port, H2Settings settings = {}) {
  auto [reader, writer] = co_await open_connection("127.0.0.1", port);
  std::string origin = "http://127.0.0.1:" + std::to_string(port);
  settings.origin = origin;
  auto conn = co_await H2Connection::start(std::move(reader), std::move(writer), settings);
  co_return conn;
}

H2Request get(const std::string& path, const std::string& scheme = "https") {
  H2Request req;
  req.method = "GET";
  req.scheme = scheme;
  req.authority = "localhost";
  req.path = path;
  return req;
}

/// GETs `path` and returns the whole body (status checked).
Coro<std::string> fetch(std::shared_ptr<H2Connection> conn, std::string path) {
  H2Request req = get(path);
  H2Response resp = co_await conn->request(std::move(req));
  EXPECT_EQ(resp.status, 200) << path;
  std::string body = co_await resp.read_all();
  co_return body;
}

/// "$connection $connection_requests $server_protocol" split.
struct ConnInfo {
  std::string connection;
  int requests = 0;
  std::string protocol;
};
ConnInfo parse_conn(const std::string& body) {
  ConnInfo c;
  std::istringstream in(body);
  in >> c.connection >> c.requests >> c.protocol;
  return c;
}

TEST_F(H2Test, AlpnSelectsH2AndARequestRoundTrips) {
  H2Nginx& n = start_nginx();
  run([](std::uint16_t port) -> Coro<void> {
    std::string alpn;
    auto conn = co_await connect_tls(port, {}, &alpn);
    EXPECT_EQ(alpn, "h2");
    EXPECT_TRUE(conn->is_available());
    H2Request req = get("/conn");
    H2Response resp = co_await conn->request(std::move(req));
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(resp.headers.get("content-type", ""), "text/plain");
    EXPECT_EQ(resp.headers.get("Content-Type", ""), "text/plain");  // Headers compare names case-insensitively
    EXPECT_EQ(resp.stream_id(), 1);
    std::string body = co_await resp.read_all();
    EXPECT_EQ(parse_conn(body).protocol, "HTTP/2.0") << body;
    EXPECT_TRUE(resp.at_eof());
    conn->close();
    co_await conn->wait_closed();
    EXPECT_TRUE(conn->is_closed());
  }(n.tls_port));
}

TEST_F(H2Test, PriorKnowledgeCleartextSpeaksH2c) {
  H2Nginx& n = start_nginx();
  run([](std::uint16_t port) -> Coro<void> {
    auto conn = co_await connect_plain(port);
    H2Request req = get("/small.txt", "http");
    H2Response resp = co_await conn->request(std::move(req));
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(resp.headers.get("content-length", ""), "14");
    EXPECT_EQ(co_await resp.read_all(), "hello over h2\n");
    H2Request req2 = get("/conn", "http");
    H2Response resp2 = co_await conn->request(std::move(req2));
    std::string body = co_await resp2.read_all();
    EXPECT_EQ(parse_conn(body).protocol, "HTTP/2.0");
    EXPECT_EQ(parse_conn(body).requests, 2);
  }(n.plain_port));
}

TEST_F(H2Test, HundredConcurrentRequestsAreMultiplexedOnOneConnection) {
  H2Nginx& n = start_nginx();
  run([](std::uint16_t port) -> Coro<void> {
    auto conn = co_await connect_tls(port);
    std::vector<Coro<std::string>> requests;
    for (int i = 0; i < 100; ++i) requests.push_back(fetch(conn, "/conn"));
    std::vector<std::string> bodies = co_await gather(std::move(requests));
    std::set<std::string> connections;
    std::set<int> numbers;
    for (const auto& b : bodies) {
      ConnInfo c = parse_conn(b);
      connections.insert(c.connection);
      numbers.insert(c.requests);
      EXPECT_EQ(c.protocol, "HTTP/2.0");
    }
    EXPECT_EQ(connections.size(), 1u) << "one TCP connection served them all";
    EXPECT_EQ(numbers.size(), 100u) << "as 100 distinct requests of that connection";
    EXPECT_EQ(*numbers.begin(), 1);
    EXPECT_EQ(*numbers.rbegin(), 100);
    http::H2Statistics stats = conn->statistics();
    EXPECT_EQ(stats.streams_opened, 100u);
    EXPECT_GT(stats.peak_active_streams, 50u) << "the requests were in flight together";
    EXPECT_EQ(stats.active_streams, 0u);
  }(n.tls_port));
}

TEST_F(H2Test, RequestHeadersAreSentLowercasedWithoutConnectionHeaders) {
  H2Nginx& n = start_nginx();
  run([](std::uint16_t port) -> Coro<void> {
    auto conn = co_await connect_tls(port);
    H2Request req = get("/echo-headers");
    req.authority = "localhost:" + std::to_string(port);
    req.headers.add("X-Test", "Some Value");
    // Connection-specific headers are a protocol error in HTTP/2 (nginx would reset the
    // stream): they are dropped.
    req.headers.add("Connection", "keep-alive");
    req.headers.add("Transfer-Encoding", "chunked");
    H2Response resp = co_await conn->request(std::move(req));
    EXPECT_EQ(resp.status, 200);
    EXPECT_EQ(co_await resp.read_all(), "Some Value|localhost:" + std::to_string(port) + "|https|");
    H2Request missing = get("/no-such-file");
    H2Response r404 = co_await conn->request(std::move(missing));
    EXPECT_EQ(r404.status, 404);
    EXPECT_FALSE((co_await r404.read_all()).empty());
  }(n.tls_port));
}

TEST_F(H2Test, LargeBodiesStreamUnderFlowControl) {
  H2Nginx& n = start_nginx();
  run([](std::uint16_t port) -> Coro<void> {
    // Small windows: without WINDOW_UPDATEs as the reader consumes, nginx would stall
    // after 64 KiB of each stream and 128 KiB of the connection.
    H2Settings settings;
    settings.stream_window = 64 * 1024;
    settings.connection_window = 128 * 1024;
    auto conn = co_await connect_tls(port, settings);
    const std::string expected = h2_pattern(8u << 20);
    auto download = [](std::shared_ptr<H2Connection> c, const std::string* want) -> Coro<void> {
      H2Request req = get("/big.bin");
      H2Response resp = co_await c->request(std::move(req));
      EXPECT_EQ(resp.status, 200);
      EXPECT_EQ(resp.headers.get("content-length", ""), std::to_string(want->size()));
      std::string body;
      std::size_t max_buffered = 0;
      for (;;) {
        max_buffered = std::max(max_buffered, resp.buffered());
        std::string chunk = co_await resp.read(16 * 1024);
        if (chunk.empty()) break;
        EXPECT_LE(chunk.size(), 16u * 1024);
        body += chunk;
      }
      EXPECT_LE(max_buffered, 64u * 1024) << "a stream never buffers more than its window";
      EXPECT_TRUE(body == *want) << "body of " << body.size() << " bytes differs";
    };
    std::vector<Coro<void>> downloads;
    for (int i = 0; i < 3; ++i) downloads.push_back(download(conn, &expected));
    co_await gather(std::move(downloads));
  }(n.tls_port));
}

TEST_F(H2Test, UploadsAStreamedAndAWholeBody) {
  H2Nginx& n = start_nginx();
  // PUT answers 201 only for a file that does not exist yet: names unique per run, so
  // that --gtest_repeat (same pid, same document root) still creates new files.
  static int round = 0;
  const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++round);
  run([](std::uint16_t port, std::string tag) -> Coro<void> {
    auto conn = co_await connect_tls(port);
    const std::string payload = h2_pattern(3u << 20);
    // A streamed body of 100 KiB chunks, pulled as nginx's windows open.
    std::size_t offset = 0;
    H2Request put;
    put.method = "PUT";
    put.authority = "localhost";
    put.path = "/dav/streamed-" + tag + ".bin";
    put.body_source = [&payload, &offset]() -> Coro<std::string> {
      std::size_t n = std::min<std::size_t>(100 * 1024, payload.size() - offset);
      std::string chunk = payload.substr(offset, n);
      offset += n;
      co_return chunk;
    };
    std::string path = put.path;
    H2Response created = co_await conn->request(std::move(put));
    EXPECT_EQ(created.status, 201);
    EXPECT_EQ(offset, payload.size());
    std::string back = co_await fetch(conn, path);
    EXPECT_TRUE(back == payload) << "uploaded " << back.size() << " bytes differ";

    H2Request whole;
    whole.method = "PUT";
    whole.authority = "localhost";
    whole.path = "/dav/whole-" + tag + ".txt";
    whole.body = "a body sent at once";
    whole.headers.add("Content-Type", "text/plain");
    std::string whole_path = whole.path;
    H2Response r = co_await conn->request(std::move(whole));
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(co_await fetch(conn, whole_path), "a body sent at once");
  }(n.tls_port, tag));
}

TEST_F(H2Test, TheServersMaxConcurrentStreamsIsRespected) {
  H2Nginx& n = start_nginx("  http2_max_concurrent_streams 8;");
  run([](std::uint16_t port) -> Coro<void> {
    auto conn = co_await connect_tls(port);
    EXPECT_EQ(conn->statistics().max_concurrent_streams, 8u) << "start() waits for the server's SETTINGS";
    std::vector<Coro<std::string>> requests;
    for (int i = 0; i < 50; ++i) requests.push_back(fetch(conn, "/conn"));
    // nginx refuses streams beyond its limit (REFUSED_STREAM): all 50 succeed only if
    // the client queued them.
    std::vector<std::string> bodies = co_await gather(std::move(requests));
    std::set<int> numbers;
    for (const auto& b : bodies) numbers.insert(parse_conn(b).requests);
    EXPECT_EQ(numbers.size(), 50u);
    http::H2Statistics stats = conn->statistics();
    EXPECT_EQ(stats.peak_active_streams, 8u);
    EXPECT_EQ(stats.streams_opened, 50u);
    EXPECT_EQ(stats.waiting_requests, 0u);
  }(n.tls_port));
}

TEST_F(H2Test, GoawayFailsUnprocessedStreamsAsRetryable) {
  // nginx says GOAWAY after 10 requests on a connection.
  H2Nginx& n = start_nginx("  keepalive_requests 10;");
  run([](std::uint16_t port) -> Coro<void> {
    auto conn = co_await connect_tls(port);
    auto attempt = [](std::shared_ptr<H2Connection> c) -> Coro<int> {
      try {
        co_await fetch(c, "/conn");
        co_return 1;
      } catch (const H2Error& e) {
        EXPECT_TRUE(e.retryable) << e.what();
        EXPECT_NE(std::string(e.what()).find("localhost"), std::string::npos) << e.what();
        co_return 0;
      }
    };
    std::vector<Coro<int>> requests;
    for (int i = 0; i < 20; ++i) requests.push_back(attempt(conn));
    std::vector<int> ok = co_await gather(std::move(requests));
    int succeeded = 0;
    for (int v : ok) succeeded += v;
    EXPECT_EQ(succeeded, 10);
    EXPECT_FALSE(conn->is_available()) << "a connection going away takes no new request";
    CORIO_EXPECT_THROW_MSG(co_await fetch(conn, "/conn"), H2ConnectionError, "localhost");
  }(n.tls_port));
}

TEST_F(H2Test, CancellingOneRequestLeavesTheOthersAlone) {
  H2Nginx& n = start_nginx();
  run([](std::uint16_t port) -> Coro<void> {
    H2Settings settings;
    settings.stream_window = 64 * 1024;
    settings.connection_window = 256 * 1024;
    auto conn = co_await connect_tls(port, settings);
    const std::string expected = h2_pattern(8u << 20);

    // 1. A request cancelled before its response head arrived.
    H2Request req = get("/big.bin");
    Task<H2Response> doomed = create_task(conn->request(std::move(req)));
    co_await sleep(0s);  // let it send its HEADERS
    doomed.cancel();
    bool cancelled = false;
    try {
      co_await doomed;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);

    // 2. A download cancelled mid-body while others go on.
    Event first_chunk;
    auto slow = [](std::shared_ptr<H2Connection> c, Event* started) -> Coro<void> {
      H2Request r = get("/big.bin");
      H2Response resp = co_await c->request(std::move(r));
      std::string chunk = co_await resp.read(1024);
      EXPECT_FALSE(chunk.empty());
      started->set();
      for (;;) co_await resp.read(1024);  // cancelled here
    };
    Task<void> victim = create_task(slow(conn, &first_chunk));
    std::vector<Task<std::string>> others;
    for (int i = 0; i < 4; ++i) others.push_back(create_task(fetch(conn, "/big.bin")));
    co_await first_chunk.wait();
    victim.cancel();
    bool victim_cancelled = false;
    try {
      co_await victim;
    } catch (const CancelledError&) {
      victim_cancelled = true;
    }
    EXPECT_TRUE(victim_cancelled);

    // 3. Responses dropped with unread bytes: their bytes go back to the connection
    //    window, or the downloads above would stall on it.
    for (int i = 0; i < 4; ++i) {
      H2Request r = get("/big.bin");
      H2Response dropped = co_await conn->request(std::move(r));
      std::string chunk = co_await dropped.read(10);
      EXPECT_EQ(chunk.size(), 10u);
    }
    for (auto& t : others) {
      std::string body = co_await t;
      EXPECT_TRUE(body == expected) << "a download of " << body.size() << " bytes differs";
    }
    EXPECT_EQ(co_await fetch(conn, "/small.txt"), "hello over h2\n");
    EXPECT_TRUE(conn->is_available());
  }(n.tls_port));
}

TEST_F(H2Test, NginxKilledMidwayFailsPendingRequestsClearly) {
  H2Nginx& n = start_nginx();
  run([](H2Nginx* nginx) -> Coro<void> {
    H2Settings settings;
    settings.stream_window = 64 * 1024;
    settings.connection_window = 256 * 1024;
    auto conn = co_await connect_tls(nginx->tls_port, settings);
    H2Request req = get("/big.bin");
    H2Response resp = co_await conn->request(std::move(req));
    std::string first = co_await resp.read(1024);
    EXPECT_EQ(first.size(), 1024u);
    // A second response, its body held back by its stream window (nginx queues a head
    // behind DATA that the connection window blocks, so that one must stay open).
    H2Request req2 = get("/big.bin");
    H2Response resp2 = co_await conn->request(std::move(req2));
    EXPECT_EQ(resp2.status, 200);
    nginx->kill();
    const std::string origin = "HTTP/2 connection to https://localhost:" + std::to_string(nginx->tls_port);
    for (H2Response* r : {&resp, &resp2}) {
      std::string what;
      try {
        for (;;) {
          std::string chunk = co_await r->read();
          if (chunk.empty()) break;
        }
      } catch (const H2ConnectionError& e) {
        what = e.what();
      }
      // A FIN reads "was closed by the server", a reset "was lost: Connection reset...".
      EXPECT_NE(what.find(origin), std::string::npos) << what;
    }
    EXPECT_TRUE(conn->is_closed());
    EXPECT_FALSE(conn->is_available());
    CORIO_EXPECT_THROW_MSG(co_await fetch(conn, "/small.txt"), H2ConnectionError, origin);
  }(&n));
}

TEST_F(H2Test, ClosingTheConnectionFailsItsOpenStreams) {
  H2Nginx& n = start_nginx();
  run([](std::uint16_t port) -> Coro<void> {
    H2Settings settings;
    settings.stream_window = 64 * 1024;
    auto conn = co_await connect_tls(port, settings);
    H2Request req = get("/big.bin");
    H2Response resp = co_await conn->request(std::move(req));
    conn->close();
    std::string what;
    try {
      co_await resp.read_all();
    } catch (const H2ConnectionError& e) {
      what = e.what();
    }
    EXPECT_NE(what.find("closed by the client"), std::string::npos) << what;
    co_await conn->wait_closed();
  }(n.tls_port));
}

// A peer that answers the preface in HTTP/1.1 (an HTTP/1.1-only server reached with
// prior knowledge) fails start() with an error naming it.
Coro<void> http11_only(StreamReader r, StreamWriter w) {
  co_await r.read(1024);
  w.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  w.close();
}

TEST_F(H2Test, AServerThatDoesNotSpeakHttp2FailsStart) {
  run([]() -> Coro<void> {
    Server server = co_await start_server(http11_only, "127.0.0.1", 0);
    std::uint16_t port = server.sockets()[0].getsockname().port();
    std::string what;
    try {
      co_await connect_plain(port);
    } catch (const H2ConnectionError& e) {
      what = e.what();
    }
    EXPECT_NE(what.find("HTTP/2 connection to http://127.0.0.1:" + std::to_string(port)), std::string::npos)
        << what;
    server.close();
    co_await server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
