// https: the server behind TLS (TCPSite(..., &ctx)), driven by ClientSession trusting the
// run-time test CA (tests/net/ssl_test_certs.hpp) and by raw TLS streams for what the
// session hides (pipelining, timeouts). Hosts are 127.0.0.1: the server certificate
// names it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "corio/http/client.hpp"
#include "corio/sync/event.hpp"
#include "ssl_test_certs.hpp"
#include "web_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;

SSLContext server_ctx() {
  SSLContext c(PROTOCOL_TLS_SERVER);
  c.load_cert_chain(test_certs().server_cert, test_certs().server_key);
  return c;
}

SSLContext trusting_ctx() { return create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert); }

http::ClientSession trusting_session() {
  http::ConnectorOptions o;
  o.ssl_context = trusting_ctx();
  http::SessionOptions so;
  so.connector = http::TCPConnector(o);
  return http::ClientSession(so);
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4093) % 26);
  return s;
}

/// A raw TLS connection (streams), for requests written byte by byte.
Coro<Client> connect_tls(std::uint16_t port) {
  SSLContext ctx = trusting_ctx();
  ConnectionOptions o;
  o.ssl = &ctx;
  auto [r, w] = co_await open_connection("127.0.0.1", port, o);
  co_return Client{r, w};
}

class TlsWebTest : public WebTest {
 protected:
  std::uint16_t start_tls(web::ServerSettings settings = {}) {
    SSLContext ctx = server_ctx();
    start(settings, &ctx);
    base = "https://127.0.0.1:" + std::to_string(port);
    return port;
  }
  std::string base;
};

void add_routes(web::Application& app, web::AppRunner** runner_out) {
  app.add_get("/hello", [](Request& req) -> Coro<Response> {
    co_return Response(std::string(req.scheme()) + " hello");
  });
  app.add_post("/echo", [](Request& req) -> Coro<Response> {
    std::string body = co_await req.read();
    co_return Response(std::move(body));
  });
  app.add_get("/conns", [runner_out](Request&) -> Coro<Response> {
    co_return Response(std::to_string((*runner_out)->connection_count()));
  });
}

TEST_F(TlsWebTest, GetAndPostOverHttps) {
  web::AppRunner* r = nullptr;
  add_routes(app, &r);
  start_tls();
  r = runner.get();
  EXPECT_EQ(site->name(), "https://127.0.0.1:" + std::to_string(port));
  run([](std::string base) -> Coro<void> {
    http::ClientSession session = trusting_session();
    auto get = co_await session.get(base + "/hello");
    EXPECT_EQ(get.status(), 200);
    EXPECT_EQ(co_await get.text(), "https hello") << "the request knows it came over TLS";
    http::RequestOptions post{.data = std::string("posted over TLS")};
    auto echoed = co_await session.post(base + "/echo", post);
    EXPECT_EQ(co_await echoed.text(), "posted over TLS");
    co_await session.close();
  }(base));
}

TEST_F(TlsWebTest, KeepAliveReusesOneTlsConnection) {
  web::AppRunner* r = nullptr;
  add_routes(app, &r);
  start_tls();
  r = runner.get();
  run([](std::string base) -> Coro<void> {
    http::ClientSession session = trusting_session();
    for (int i = 0; i < 5; ++i) {
      auto resp = co_await session.get(base + "/conns");
      EXPECT_EQ(co_await resp.text(), "1") << "request " << i << ": one connection on the server";
    }
    EXPECT_EQ(session.connector().statistics().connections_made, 1U);
    co_await session.close();
  }(base));
}

TEST_F(TlsWebTest, PipelinedRequestsAreAnsweredInOrder) {
  web::AppRunner* r = nullptr;
  add_routes(app, &r);
  start_tls();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await connect_tls(p);
    co_await c.send(
        "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
        "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
        "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    HttpReply a = co_await read_reply(c.reader);
    HttpReply b = co_await read_reply(c.reader);
    HttpReply d = co_await read_reply(c.reader);
    EXPECT_EQ(a.body, "https hello");
    EXPECT_EQ(b.body, "abc");
    EXPECT_EQ(d.body, "https hello");
    c.writer.close();
  }(port));
}

TEST_F(TlsWebTest, LargeDownloadAndUploadSurvivePartialWrites) {
  const std::string big = pattern(6 * 1024 * 1024 + 123);
  app.add_get("/big", [&big](Request&) -> Coro<Response> { co_return Response(std::string(big)); });
  app.add_get("/streamed", [&big](Request& req) -> Coro<Response> {
    web::StreamResponse resp;
    co_await resp.prepare(req);
    for (std::size_t off = 0; off < big.size(); off += 1000 * 1000) {
      co_await resp.write(std::string_view(big).substr(off, 1000 * 1000));
    }
    co_await resp.write_eof();
    co_return resp;
  });
  app.add_post("/upload", [&big](Request& req) -> Coro<Response> {
    std::string body;
    for (int pieces = 0; pieces < 100000; ++pieces) {  // streamed: no client_max_size
      std::string piece = co_await req.content().readany();
      if (piece.empty()) break;
      body += piece;
    }
    co_return Response(body == big ? "same" : "differs: " + std::to_string(body.size()));
  });
  start_tls();
  run([](std::string base, const std::string& big) -> Coro<void> {
    http::ClientSession session = trusting_session();
    auto down = co_await session.get(base + "/big");
    std::string got = co_await down.read();
    EXPECT_EQ(got.size(), big.size());
    EXPECT_TRUE(got == big) << "the download arrives whole and in order";
    auto chunked = co_await session.get(base + "/streamed");
    std::string streamed = co_await chunked.read();
    EXPECT_TRUE(streamed == big) << "a chunked StreamResponse too";
    http::RequestOptions up{.data = big};
    auto resp = co_await session.post(base + "/upload", up);
    EXPECT_EQ(co_await resp.text(), "same");
    EXPECT_EQ(session.connector().statistics().connections_made, 1U);
    co_await session.close();
  }(base, big));
}

TEST_F(TlsWebTest, FileResponseIsReadAndEncrypted) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("corio_tls_file_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string content = pattern(3 * 1024 * 1024 + 7);
  std::ofstream(dir / "data.bin", std::ios::binary) << content;
  std::string file = (dir / "data.bin").string();
  app.add_get("/file", [file](Request&) -> Coro<Response> { co_return web::FileResponse(file); });
  start_tls();
  run([](std::string base, const std::string& content) -> Coro<void> {
    http::ClientSession session = trusting_session();
    for (int i = 0; i < 2; ++i) {
      auto resp = co_await session.get(base + "/file");
      EXPECT_EQ(resp.status(), 200);
      std::string got = co_await resp.read();
      EXPECT_TRUE(got == content) << "file " << i << ": " << got.size() << " bytes";
    }
    EXPECT_EQ(session.connector().statistics().connections_made, 1U) << "kept alive after a file";
    co_await session.close();
  }(base, content));
  std::filesystem::remove_all(dir);
}

TEST_F(TlsWebTest, PlainHttpToTheTlsPortFailsAndTheServerGoesOn) {
  web::AppRunner* r = nullptr;
  add_routes(app, &r);
  start_tls();
  run([](std::uint16_t p, std::string base) -> Coro<void> {
    Client raw = co_await Client::connect(p);
    co_await raw.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    std::string answer;
    try {
      std::string got = co_await raw.reader.read();  // an alert at most, then EOF
      answer = got;
    } catch (const ConnectionResetError&) {
      // The server closed with the request unread: a reset, as good as EOF here.
    }
    EXPECT_FALSE(answer.starts_with("HTTP/")) << "no plain-text answer from a TLS port";
    raw.writer.close();

    http::ClientSession plain;
    bool failed = false;
    try {
      auto resp = co_await plain.get("http://127.0.0.1:" + std::to_string(p) + "/hello");
      co_await resp.read();
    } catch (const http::ClientError&) {
      failed = true;
    }
    EXPECT_TRUE(failed) << "an http client gets an error, not a response";
    co_await plain.close();

    http::ClientSession session = trusting_session();
    auto resp = co_await session.get(base + "/hello");
    EXPECT_EQ(co_await resp.text(), "https hello") << "the next https client is served";
    co_await session.close();
  }(port, base));
}

TEST_F(TlsWebTest, ClientWithTheWrongCaGetsACertificateError) {
  web::AppRunner* r = nullptr;
  add_routes(app, &r);
  start_tls();
  run([](std::string base) -> Coro<void> {
    http::ConnectorOptions o;
    o.ssl_context = create_default_context(Purpose::SERVER_AUTH, test_certs().other_ca_cert);
    http::SessionOptions so;
    so.connector = http::TCPConnector(o);
    http::ClientSession wrong(so);
    std::string error;
    try {
      co_await wrong.get(base + "/hello");
    } catch (const http::ClientConnectorError& e) {
      error = e.what();
    }
    EXPECT_NE(error.find("certificate verify failed"), std::string::npos) << error;
    co_await wrong.close();

    http::ClientSession session = trusting_session();
    auto resp = co_await session.get(base + "/hello");
    EXPECT_EQ(co_await resp.text(), "https hello");
    co_await session.close();
  }(base));
}

TEST_F(TlsWebTest, ContextsThatCannotServeHttp11AreRefused) {
  web::AppRunner r(app);
  loop.run_until_complete(r.setup());
  SSLContext client = trusting_ctx();
  EXPECT_THROW(web::TCPSite(r, "127.0.0.1", 0, &client), ValueError);
  SSLContext h2 = server_ctx();
  h2.set_alpn_protocols({"h2", "http/1.1"});
  EXPECT_THROW(web::TCPSite(r, "127.0.0.1", 0, &h2), ValueError);
  loop.run_until_complete(r.cleanup());
}

TEST_F(TlsWebTest, GracefulShutdownClosesAnIdleTlsConnectionAndFinishesABusyOne) {
  Event entered, release;
  app.add_get("/hello", [](Request&) -> Coro<Response> { co_return Response("hi"); });
  app.add_get("/slow", [&](Request&) -> Coro<Response> {
    entered.set();
    co_await release.wait();
    co_return Response("finished");
  });
  start_tls();
  run([](web::AppRunner& runner, std::uint16_t p, Event& entered, Event& release) -> Coro<void> {
    Client idle = co_await connect_tls(p);
    HttpReply first = co_await idle.get("/hello");
    EXPECT_EQ(first.body, "hi");
    Client busy = co_await connect_tls(p);
    co_await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await entered.wait();
    EXPECT_EQ(runner.connection_count(), 2U);
    Task<void> cleanup = create_task(runner.cleanup());
    EXPECT_TRUE(co_await idle.closed()) << "the idle connection is closed at once";
    release.set();
    HttpReply slow = co_await read_reply(busy.reader);
    EXPECT_EQ(slow.body, "finished");
    EXPECT_EQ(slow.headers.get("Connection").value_or(""), "close");
    EXPECT_TRUE(co_await busy.closed());
    busy.writer.close();  // ends the server's linger
    co_await cleanup;
    EXPECT_EQ(runner.connection_count(), 0U);
  }(*runner, port, entered, release));
}

class VirtualTlsTest : public VirtualWebTest {};

TEST_F(VirtualTlsTest, SilentClientIsDroppedAfterTheHandshakeTimeout) {
  app.add_get("/hello", [](Request&) -> Coro<Response> { co_return Response("hi"); });
  web::ServerSettings s;
  s.ssl_handshake_timeout = 5.0;
  SSLContext ctx = server_ctx();
  start(s, &ctx);
  loop.run_until_complete([](EventLoop& loop, std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);  // TCP only: no ClientHello
    double t0 = loop.time();
    EXPECT_TRUE(co_await c.closed());
    EXPECT_GE(loop.time() - t0, 5.0);
    EXPECT_LT(loop.time() - t0, 7.0);
  }(loop, port));
}

TEST_F(VirtualTlsTest, SlowHeadAndIdleTimeoutsHoldOverTls) {
  app.add_get("/hello", [](Request&) -> Coro<Response> { co_return Response("hi"); });
  web::ServerSettings s;
  s.header_timeout = 10.0;
  SSLContext ctx = server_ctx();
  start(s, &ctx);
  loop.run_until_complete([](EventLoop& loop, std::uint16_t p) -> Coro<void> {
    Client slow = co_await connect_tls(p);
    double t0 = loop.time();
    co_await slow.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: ");  // never finished
    HttpReply r = co_await read_reply(slow.reader);
    EXPECT_EQ(r.status, 408);
    EXPECT_TRUE(co_await slow.closed());
    EXPECT_GE(loop.time() - t0, 10.0);
    EXPECT_LT(loop.time() - t0, 12.0);

    Client idle = co_await connect_tls(p);
    HttpReply ok = co_await idle.get("/hello");
    EXPECT_EQ(ok.body, "hi");
    t0 = loop.time();
    EXPECT_TRUE(co_await idle.closed());
    EXPECT_GE(loop.time() - t0, 75.0);
  }(loop, port));
}

}  // namespace
}  // namespace corio::test
