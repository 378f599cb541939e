// HTTP/1.1 connection handling: keep-alive, pipelining, HTTP/1.0, Connection: close,
// Expect: 100-continue, limits (400/413/431) and timeouts (slowloris, idle keep-alive).
#include <gtest/gtest.h>

#include "corio/sync/event.hpp"
#include "web_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;

void add_echo_path(web::Application& app) {
  app.add_get("/n/{i}", [](Request& req) -> Coro<Response> {
    co_return Response("reply " + std::string(req.match_info()["i"]));
  });
}

TEST_F(WebTest, KeepAliveReusesOneConnection) {
  add_echo_path(app);
  start();
  run([](web::AppRunner& runner, std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    for (int i = 0; i < 5; ++i) {
      HttpReply r = co_await c.get("/n/" + std::to_string(i));
      EXPECT_EQ(r.body, "reply " + std::to_string(i));
      EXPECT_FALSE(r.headers.contains("Connection"));
    }
    EXPECT_EQ(runner.connection_count(), 1u);
  }(*runner, port));
}

TEST_F(WebTest, PipelinedRequestsAreAnsweredInOrder) {
  add_echo_path(app);
  // A handler that suspends, so that order cannot come from running to completion.
  app.add_get("/slow/{i}", [](Request& req) -> Coro<Response> {
    co_await sleep(0s);
    co_await sleep(0s);
    co_return Response("slow " + std::string(req.match_info()["i"]));
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    std::string batch;
    for (int i = 0; i < 16; ++i) {
      batch += "GET /" + std::string(i % 3 == 0 ? "slow/" : "n/") + std::to_string(i) + " HTTP/1.1\r\nHost: t\r\n\r\n";
    }
    co_await c.send(batch);  // all 16 in one write
    for (int i = 0; i < 16; ++i) {
      HttpReply r = co_await read_reply(c.reader);
      EXPECT_EQ(r.body, (i % 3 == 0 ? "slow " : "reply ") + std::to_string(i));
    }
  }(port));
}

TEST_F(WebTest, RequestArrivingWhileTheHandlerWaitsIsServed) {
  // The next request arrives while the connection has no receive pending and the loop
  // waits for I/O meanwhile: on epoll the connection's edge-triggered registration must
  // remember that readiness, or the request would never be read.
  add_echo_path(app);
  auto started = std::make_shared<Event>();
  auto release = std::make_shared<Event>();
  app.add_get("/wait", [started, release](Request&) -> Coro<Response> {
    started->set();
    co_await release->wait();
    co_return Response("waited");
  });
  start();
  run([](std::uint16_t p, std::shared_ptr<Event> started, std::shared_ptr<Event> release) -> Coro<void> {
    Client c = co_await Client::connect(p);
    co_await c.send("GET /wait HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await started->wait();
    co_await c.send("GET /n/1 HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await sleep(20ms);  // the loop polls for I/O with the request unread
    release->set();
    HttpReply a = co_await read_reply(c.reader);
    EXPECT_EQ(a.body, "waited");
    HttpReply b = co_await read_reply(c.reader);
    EXPECT_EQ(b.body, "reply 1");
    // And the connection still waits for more after that.
    co_await sleep(20ms);
    HttpReply d = co_await c.get("/n/2");
    EXPECT_EQ(d.body, "reply 2");
  }(port, started, release));
}

TEST_F(WebTest, Http10ClosesUnlessKeepAlive) {
  add_echo_path(app);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    co_await c.send("GET /n/1 HTTP/1.0\r\n\r\n");
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.body, "reply 1");
    EXPECT_EQ(r.headers.get("Connection"), "close");
    EXPECT_TRUE(co_await c.closed());

    Client k = co_await Client::connect(p);
    co_await k.send("GET /n/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    HttpReply r2 = co_await read_reply(k.reader);
    EXPECT_EQ(r2.headers.get("Connection"), "keep-alive");
    co_await k.send("GET /n/3 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    HttpReply r3 = co_await read_reply(k.reader);
    EXPECT_EQ(r3.body, "reply 3");
  }(port));
}

TEST_F(WebTest, ConnectionCloseIsHonoured) {
  add_echo_path(app);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await c.get("/n/1", "Connection: close\r\n");
    EXPECT_EQ(r.headers.get("Connection"), "close");
    EXPECT_TRUE(co_await c.closed());
  }(port));
}

TEST_F(WebTest, ExpectContinueIsAnsweredBeforeTheBody) {
  app.add_post("/upload", [](Request& req) -> Coro<Response> {
    std::string body = co_await req.text();
    co_return Response("got " + std::to_string(body.size()));
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    co_await c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    HttpReply cont = co_await read_reply(c.reader);
    EXPECT_EQ(cont.status, 100);
    co_await c.send("hello");
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.body, "got 5");
  }(port));
}

TEST_F(WebTest, MalformedRequestIs400ThenClose) {
  add_echo_path(app);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    co_await c.send("GARBAGE\x01 / HTTP/1.1\r\n\r\n");
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(r.headers.get("Connection"), "close");
    EXPECT_TRUE(co_await c.closed());
  }(port));
}

TEST_F(WebTest, OversizedHeadIs431ThenClose) {
  add_echo_path(app);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    co_await c.send("GET /n/1 HTTP/1.1\r\nX-Big: " + std::string(9000, 'a') + "\r\n\r\n");
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.status, 431);
    EXPECT_TRUE(co_await c.closed());

    Client u = co_await Client::connect(p);
    co_await u.send("GET /" + std::string(9000, 'u') + " HTTP/1.1\r\n\r\n");
    HttpReply ru = co_await read_reply(u.reader);
    EXPECT_EQ(ru.status, 431);
    EXPECT_TRUE(co_await u.closed());

    Client m = co_await Client::connect(p);
    std::string many = "GET /n/1 HTTP/1.1\r\n";
    for (int i = 0; i < 200; ++i) many += "X-H" + std::to_string(i) + ": v\r\n";
    co_await m.send(many + "\r\n");
    HttpReply rm = co_await read_reply(m.reader);
    EXPECT_EQ(rm.status, 431);
    EXPECT_TRUE(co_await m.closed());
  }(port));
}

TEST_F(WebTest, BodyOverClientMaxSizeIs413) {
  app.add_post("/upload", [](Request& req) -> Coro<Response> {
    std::string body = co_await req.read();
    co_return Response("got " + std::to_string(body.size()));
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    // Announced too large: refused before reading.
    Client c = co_await Client::connect(p);
    std::string big(2 * 1024 * 1024, 'x');
    co_await c.send("POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n");
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(r.headers.get("Connection"), "close");
    // Chunked, growing past the limit while read.
    Client k = co_await Client::connect(p);
    co_await k.send("POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    std::string chunk(256 * 1024, 'y');
    std::string framed;
    for (int i = 0; i < 5; ++i) framed += "40000\r\n" + chunk + "\r\n";
    k.writer.write(framed);
    HttpReply rk = co_await read_reply(k.reader);
    EXPECT_EQ(rk.status, 413);
  }(port));
}

TEST_F(VirtualWebTest, SlowHeadIsAnswered408AndClosed) {
  add_echo_path(app);
  web::ServerSettings s;
  s.header_timeout = 10.0;
  start(s);
  loop.run_until_complete([](EventLoop& loop, std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    double t0 = loop.time();
    co_await c.send("GET /n/1 HTTP/1.1\r\nHost: t\r\nX-Slow: ");  // never finished
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.status, 408);
    EXPECT_TRUE(co_await c.closed());
    EXPECT_GE(loop.time() - t0, 10.0);
    EXPECT_LT(loop.time() - t0, 12.0);
  }(loop, port));
}

TEST_F(VirtualWebTest, IdleKeepAliveConnectionIsClosedAfterTheTimeout) {
  add_echo_path(app);
  start();
  loop.run_until_complete([](EventLoop& loop, std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await c.get("/n/1");
    EXPECT_EQ(r.body, "reply 1");
    double t0 = loop.time();
    EXPECT_TRUE(co_await c.closed());
    EXPECT_GE(loop.time() - t0, 75.0);
  }(loop, port));
}

}  // namespace
}  // namespace corio::test
