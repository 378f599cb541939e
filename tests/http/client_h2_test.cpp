// ClientSession over HTTP/2 against a real nginx (tests/http/h2_nginx.hpp): ALPN picks
// h2 and 100 concurrent GETs share one connection; a TLS server without http2 falls
// back to HTTP/1.1; redirects, cookies and gzip bodies work over h2 as over HTTP/1.1.
//
// Every test starts its own nginx; a test is skipped only if /usr/sbin/nginx is missing.
#include <unistd.h>

#include <iostream>
#include <set>
#include <sstream>
#include <vector>

#include "client_nginx_fixture.hpp"
#include "corio/http/client.hpp"
#include "corio/net/ssl.hpp"
#include "corio/tasks/gather.hpp"
#include "corio_test.hpp"
#include "h2_nginx.hpp"

namespace corio::test {
namespace {

using namespace std::chrono_literals;
using namespace corio::http;
using h2::H2Nginx;
using h2::h2_pattern;

class ClientH2Test : public h2::H2NginxTest {};

/// A session trusting the test CA.
SessionOptions trusting_session(bool http2 = true) {
  SSLContext ctx = create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert);
  ConnectorOptions copts;
  copts.ssl_context = ctx;
  copts.http2 = http2;
  SessionOptions o;
  o.connector = TCPConnector(copts);
  return o;
}

struct Fetched {
  int status = 0;
  std::pair<int, int> version;
  std::string body;
};

Coro<Fetched> fetch(ClientSession& session, std::string url) {
  ClientResponse resp = co_await session.get(URL(url));
  Fetched f;
  f.status = resp.status();
  f.version = resp.version();
  std::string body = co_await resp.text();
  f.body = std::move(body);
  co_return f;
}

TEST_F(ClientH2Test, HundredConcurrentGetsShareOneH2Connection) {
  H2Nginx& n = start_nginx();
  std::string base = "https://localhost:" + std::to_string(n.tls_port);
  run([](std::string base) -> Coro<void> {
    ClientSession session(trusting_session());
    std::vector<Coro<Fetched>> gets;
    for (int i = 0; i < 100; ++i) gets.push_back(fetch(session, base + "/conn"));
    std::vector<Fetched> results = co_await gather(std::move(gets));
    std::set<std::string> connections;
    int max_requests = 0;
    for (const Fetched& f : results) {
      EXPECT_EQ(f.status, 200);
      EXPECT_EQ(f.version, std::make_pair(2, 0));
      std::istringstream in(f.body);
      std::string conn, protocol;
      int requests = 0;
      in >> conn >> requests >> protocol;
      EXPECT_EQ(protocol, "HTTP/2.0") << f.body;
      connections.insert(conn);
      max_requests = std::max(max_requests, requests);
    }
    EXPECT_EQ(connections.size(), 1U) << "every request on one connection";
    EXPECT_EQ(max_requests, 100);
    EXPECT_EQ(session.connector().statistics().connections_made, 1U);
    EXPECT_EQ(session.connector().statistics().acquired, 0U) << "an h2 connection holds no slot";
    // A later request reuses it.
    Fetched again = co_await fetch(session, base + "/small.txt");
    EXPECT_EQ(again.body, "hello over h2\n");
    EXPECT_EQ(session.connector().statistics().connections_made, 1U);
    co_await session.close();
  }(base));
}

TEST_F(ClientH2Test, Http2DisabledUsesHttp11) {
  H2Nginx& n = start_nginx();
  std::string base = "https://localhost:" + std::to_string(n.tls_port);
  run([](std::string base) -> Coro<void> {
    ClientSession session(trusting_session(false));
    Fetched f = co_await fetch(session, base + "/conn");
    EXPECT_EQ(f.status, 200);
    EXPECT_EQ(f.version, std::make_pair(1, 1));
    EXPECT_TRUE(f.body.ends_with("HTTP/1.1")) << f.body;
    co_await session.close();
  }(base));
}

TEST_F(ClientH2Test, ServerWithoutHttp2FallsBackToHttp11) {
  Nginx plain(R"(location = /conn { default_type text/plain; return 200 "$connection $server_protocol"; })", true);
  plain.start();
  std::string base = "https://localhost:" + std::to_string(plain.tls_port());
  run([](std::string base, std::string cert) -> Coro<void> {
    SSLContext ctx = create_default_context(Purpose::SERVER_AUTH, cert);
    ConnectorOptions copts;
    copts.ssl_context = ctx;
    SessionOptions o;
    o.connector = TCPConnector(copts);
    ClientSession session(std::move(o));
    std::vector<Coro<Fetched>> gets;
    for (int i = 0; i < 10; ++i) gets.push_back(fetch(session, base + "/conn"));
    std::vector<Fetched> results = co_await gather(std::move(gets));
    for (const Fetched& f : results) {
      EXPECT_EQ(f.status, 200);
      EXPECT_EQ(f.version, std::make_pair(1, 1));
      EXPECT_TRUE(f.body.ends_with("HTTP/1.1")) << f.body;
    }
    Fetched again = co_await fetch(session, base + "/conn");
    EXPECT_EQ(again.version, std::make_pair(1, 1));
    EXPECT_GE(session.connector().statistics().reused, 1U) << "HTTP/1.1 keep-alive pooling as before";
    co_await session.close();
  }(base, plain.cert_file()));
}

TEST_F(ClientH2Test, RedirectAndCookiesOverH2) {
  H2Nginx& n = start_nginx("", R"(
    location = /redir { add_header Set-Cookie "h2c=yes; Path=/" always; return 302 /cookie; }
    location = /cookie { default_type text/plain; return 200 "$http_cookie|$server_protocol"; }
)");
  std::string base = "https://localhost:" + std::to_string(n.tls_port);
  run([](std::string base) -> Coro<void> {
    ClientSession session(trusting_session());
    ClientResponse resp = co_await session.get(URL(base + "/redir"));
    EXPECT_EQ(resp.status(), 200);
    EXPECT_EQ(resp.version(), std::make_pair(2, 0));
    EXPECT_EQ(resp.url().path(), "/cookie");
    EXPECT_EQ(resp.history().size(), 1U);
    if (resp.history().size() == 1) {
      EXPECT_EQ(resp.history()[0].status(), 302);
      EXPECT_EQ(resp.history()[0].reason(), "Found");
    }
    std::string body = co_await resp.text();
    EXPECT_EQ(body, "h2c=yes|HTTP/2.0");
    ClientResponse missing = co_await session.get(URL(base + "/nothing-here"));
    EXPECT_EQ(missing.status(), 404);
    EXPECT_EQ(missing.version(), std::make_pair(2, 0));
    bool raised = false;
    try {
      missing.raise_for_status();
    } catch (const ClientResponseError& e) {
      raised = e.status == 404;
    }
    EXPECT_TRUE(raised);
    EXPECT_EQ(session.connector().statistics().connections_made, 1U);
    co_await session.close();
  }(base));
}

TEST_F(ClientH2Test, GzipBodyOverH2IsDecompressed) {
  H2Nginx& n = start_nginx("", R"(
    location /gz/ { alias )" + h2::nginx_www() + R"(/; gzip on; gzip_types *; gzip_min_length 0; }
)");
  std::string base = "https://localhost:" + std::to_string(n.tls_port);
  run([](std::string base) -> Coro<void> {
    ClientSession session(trusting_session());
    ClientResponse resp = co_await session.get(URL(base + "/gz/big.bin"));
    EXPECT_EQ(resp.status(), 200);
    EXPECT_EQ(resp.version(), std::make_pair(2, 0));
    EXPECT_EQ(resp.headers().get("Content-Encoding", ""), "gzip");
    std::string body = co_await resp.read();
    EXPECT_TRUE(body == h2_pattern(8u << 20)) << "size " << body.size();
    // Streamed, chunk by chunk, through the decompressor as well.
    ClientResponse again = co_await session.get(URL(base + "/gz/big.bin"));
    std::size_t total = 0;
    for (;;) {
      std::string chunk = co_await again.content().read(100000);
      if (chunk.empty()) break;
      total += chunk.size();
    }
    EXPECT_EQ(total, 8u << 20);
    EXPECT_TRUE(again.content().at_eof());
    co_await session.close();
  }(base));
}

}  // namespace
}  // namespace corio::test
