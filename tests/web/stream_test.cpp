// Streamed bodies both ways, large transfers, FileResponse, background tasks,
// graceful shutdown, and a short wrk run.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "corio/net/subprocess.hpp"
#include "web_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4096) % 26);
  return s;
}

TEST_F(WebTest, StreamResponseWithoutLengthIsChunked) {
  app.add_get("/stream", [](Request& req) -> Coro<Response> {
    web::StreamResponse resp;
    resp.set_content_type("text/plain");
    co_await resp.prepare(req);
    for (int i = 0; i < 3; ++i) co_await resp.write("part" + std::to_string(i) + ";");
    co_await resp.write_eof();
    co_return resp;
  });
  app.add_get("/sized", [](Request& req) -> Coro<Response> {
    web::StreamResponse resp;
    resp.set_content_length(10);
    co_await resp.prepare(req);
    co_await resp.write("01234");
    co_await resp.write("56789");
    co_return resp;  // write_eof is implied
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await c.get("/stream");
    EXPECT_TRUE(r.chunked);
    EXPECT_EQ(r.body, "part0;part1;part2;");
    HttpReply s = co_await c.get("/sized");  // same connection: framing was right
    EXPECT_FALSE(s.chunked);
    EXPECT_EQ(s.headers.get("Content-Length"), "10");
    EXPECT_EQ(s.body, "0123456789");
  }(port));
}

TEST_F(WebTest, LargeDownloadAndUpload) {
  const std::string big = pattern(6 * 1024 * 1024 + 123);
  app.add_get("/big", [&big](Request&) -> Coro<Response> { co_return Response(std::string(big)); });
  app.add_get("/big-stream", [&big](Request& req) -> Coro<Response> {
    web::StreamResponse resp;
    co_await resp.prepare(req);
    for (std::size_t off = 0; off < big.size(); off += 100000) {
      co_await resp.write(std::string_view(big).substr(off, 100000));
    }
    co_return resp;
  });
  app.add_post("/upload", [&big](Request& req) -> Coro<Response> {
    std::size_t n = 0;
    bool same = true;
    auto chunks = req.content().iter_chunked(64 * 1024);
    while (auto chunk = co_await chunks.next()) {
      same = same && big.compare(n, chunk->size(), *chunk) == 0;
      n += chunk->size();
    }
    co_return Response(std::to_string(n) + (same ? " same" : " different"));
  });
  start();
  run([](std::uint16_t p, const std::string& big) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await c.get("/big");
    EXPECT_TRUE(r.body == big);
    HttpReply s = co_await c.get("/big-stream");
    EXPECT_TRUE(s.chunked);
    EXPECT_TRUE(s.body == big);
    std::string head = "POST /upload HTTP/1.1\r\nHost: t\r\nContent-Length: " + std::to_string(big.size()) + "\r\n\r\n";
    c.writer.write(head);
    c.writer.write(big);
    co_await c.writer.drain();
    HttpReply u = co_await read_reply(c.reader);
    EXPECT_EQ(u.body, std::to_string(big.size()) + " same");
  }(port, big));
}

TEST_F(WebTest, ChunkedUploadIsReadWhole) {
  app.add_post("/echo", [](Request& req) -> Coro<Response> { co_return Response(co_await req.text()); });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    co_await c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n");
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.body, "hello world");
    HttpReply again = co_await c.get("/missing");  // the connection is in step
    EXPECT_EQ(again.status, 404);
  }(port));
}

TEST_F(WebTest, UnreadBodyIsDrainedAndTheConnectionKept) {
  app.add_post("/ignore", [](Request&) -> Coro<Response> { co_return Response("ignored"); });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    std::string body(10000, 'z');
    co_await c.send("POST /ignore HTTP/1.1\r\nHost: t\r\nContent-Length: 10000\r\n\r\n" + body);
    HttpReply r = co_await read_reply(c.reader);
    EXPECT_EQ(r.body, "ignored");
    HttpReply again = co_await c.get("/missing");
    EXPECT_EQ(again.status, 404);
  }(port));
}

class FileTest : public WebTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/corio-web-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    content = pattern(3 * 1024 * 1024 + 7);
    std::ofstream(dir + "/data.bin", std::ios::binary) << content;
    std::ofstream(dir + "/index.html") << "<h1>hi</h1>";
  }
  void TearDown() override {
    std::remove((dir + "/data.bin").c_str());
    std::remove((dir + "/index.html").c_str());
    ::rmdir(dir.c_str());
    WebTest::TearDown();
  }
  std::string dir, content;
};

TEST_F(FileTest, FileResponseSendsTheFile) {
  app.add_get("/files/{name}", [this](Request& req) -> Coro<Response> {
    co_return web::FileResponse(dir + "/" + std::string(req.match_info()["name"]));
  });
  start();
  run([](std::uint16_t p, const std::string& content) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await c.get("/files/data.bin");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.get("Content-Type"), "application/octet-stream");
    EXPECT_TRUE(r.headers.contains("Last-Modified"));
    EXPECT_TRUE(r.body == content);
    HttpReply h = co_await c.get("/files/index.html");
    EXPECT_EQ(h.headers.get("Content-Type"), "text/html");
    EXPECT_EQ(h.body, "<h1>hi</h1>");
    co_await c.send("HEAD /files/data.bin HTTP/1.1\r\nHost: t\r\n\r\n");
    HttpReply head = co_await read_reply(c.reader, true);
    EXPECT_EQ(head.headers.get("Content-Length"), std::to_string(content.size()));
    HttpReply missing = co_await c.get("/files/nope");
    EXPECT_EQ(missing.status, 404);
  }(port, content));
}

TEST_F(WebTest, BackgroundTaskOutlivesTheResponse) {
  Event release;
  std::vector<std::string> log;
  app.add_get("/later", [&](Request& req) -> Coro<Response> {
    req.add_background_task([](Event& release, std::vector<std::string>& log) -> Coro<void> {
      log.push_back("background started");
      co_await release.wait();
      log.push_back("background finished");
    }(release, log));
    log.push_back("handler returned");
    co_return Response("queued");
  });
  start();
  HttpReply r = get("/later");
  EXPECT_EQ(r.body, "queued");  // the reply came while the task still waits
  EXPECT_EQ(log, (std::vector<std::string>{"handler returned", "background started"}));
  release.set();
  loop.run_until_complete(runner->cleanup());  // waits for background tasks
  EXPECT_EQ(log.back(), "background finished");
}

TEST_F(WebTest, GracefulShutdownFinishesTheRequestInFlight) {
  Event in_handler, release;
  app.add_get("/slow", [&](Request&) -> Coro<Response> {
    in_handler.set();
    co_await release.wait();
    co_return Response("done");
  });
  app.add_get("/fast", [](Request&) -> Coro<Response> { co_return Response("fast"); });
  start();
  run([](web::AppRunner& runner, std::uint16_t p, Event& in_handler, Event& release) -> Coro<void> {
    Client idle = co_await Client::connect(p);
    HttpReply f = co_await idle.get("/fast");  // now an idle keep-alive connection
    EXPECT_EQ(f.body, "fast");
    Client busy = co_await Client::connect(p);
    co_await busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    co_await in_handler.wait();
    Task<void> cleanup = create_task(runner.cleanup());
    EXPECT_TRUE(co_await idle.closed());  // idle connections close at once
    EXPECT_FALSE(cleanup.done());
    release.set();
    HttpReply r = co_await read_reply(busy.reader);
    EXPECT_EQ(r.body, "done");
    EXPECT_EQ(r.headers.get("Connection"), "close");
    co_await cleanup;
    EXPECT_EQ(runner.connection_count(), 0u);
  }(*runner, port, in_handler, release));
}

TEST_F(WebTest, WrkGetsOnly2xx) {
  if (::access("/usr/bin/wrk", X_OK) != 0) GTEST_SKIP() << "wrk is not installed";
  app.add_get("/", [](Request&) -> Coro<Response> { co_return Response("Hello, World!"); });
  start();
  std::string out = run([](std::uint16_t p) -> Coro<std::string> {
    std::string url = "http://127.0.0.1:" + std::to_string(p) + "/";
    auto proc = co_await create_subprocess_exec("/usr/bin/wrk", {"-t1", "-c32", "-d2s", url},
                                                {.stdout = subprocess::PIPE});
    auto [o, e] = co_await proc.communicate();
    EXPECT_EQ(proc.returncode(), 0);
    co_return o;
  }(port), 30s);
  EXPECT_NE(out.find("Requests/sec"), std::string::npos) << out;
  EXPECT_EQ(out.find("Non-2xx"), std::string::npos) << out;
  EXPECT_EQ(out.find("Socket errors"), std::string::npos) << out;
}

}  // namespace
}  // namespace corio::test
