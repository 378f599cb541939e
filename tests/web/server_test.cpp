// The web server end to end: routing, request data, bodies, middlewares, exceptions.
#include <gtest/gtest.h>

#include "web_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;

TEST_F(WebTest, HelloWorld) {
  app.add_get("/", [](Request&) -> Coro<Response> { co_return Response("Hello, World!"); });
  start();
  HttpReply r = get("/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.body, "Hello, World!");
  EXPECT_EQ(r.headers.get("Content-Length"), "13");
  EXPECT_EQ(r.headers.get("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_TRUE(r.headers.contains("Date"));
}

TEST_F(WebTest, PathParametersAndRegexes) {
  app.add_get("/hello/{name}", [](Request& req) -> Coro<Response> {
    co_return Response("Hello, " + std::string(req.match_info()["name"]));
  });
  app.add_get("/users/{id:\\d+}", [](Request& req) -> Coro<Response> {
    co_return Response("user " + std::string(req.match_info()["id"]));
  });
  start();
  EXPECT_EQ(get("/hello/world").body, "Hello, world");
  EXPECT_EQ(get("/hello/w%C3%B6rld").body, "Hello, w\xC3\xB6rld");  // matched decoded
  EXPECT_EQ(get("/users/7").body, "user 7");
  EXPECT_EQ(get("/users/x").status, 404);
}

TEST_F(WebTest, NotFoundAndMethodNotAllowed) {
  app.add_get("/only-get", [](Request&) -> Coro<Response> { co_return Response("x"); });
  start();
  HttpReply nf = get("/missing");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body, "404: Not Found");
  HttpReply na = run([](std::uint16_t p) -> Coro<HttpReply> {
    Client c = co_await Client::connect(p);
    co_await c.send("POST /only-get HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n");
    co_return co_await read_reply(c.reader);
  }(port));
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(na.headers.get("Allow"), "GET,HEAD");
}

TEST_F(WebTest, HeadAnswersWithoutBody) {
  app.add_get("/", [](Request&) -> Coro<Response> { co_return Response("twelve bytes"); });
  start();
  HttpReply r = run([](std::uint16_t p) -> Coro<HttpReply> {
    Client c = co_await Client::connect(p);
    co_await c.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\n");
    HttpReply h = co_await read_reply(c.reader, true);
    HttpReply g = co_await c.get("/");  // the connection is still in step
    EXPECT_EQ(g.body, "twelve bytes");
    co_return h;
  }(port));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Length"), "12");
}

TEST_F(WebTest, RequestAttributes) {
  app.add_get("/info", [](Request& req) -> Coro<Response> {
    nlohmann::json j;
    j["method"] = req.method();
    j["path"] = req.path();
    j["raw_path"] = req.raw_path();
    j["a"] = req.query().getall("a");
    j["b"] = req.query().get("b", "");
    j["agent"] = req.headers().get("user-agent", "");
    j["remote"] = req.remote();
    j["keep_alive"] = req.keep_alive();
    j["version"] = req.version().minor;
    j["host"] = req.host();
    co_return web::json_response(j);
  });
  start();
  HttpReply r = get("/info?a=1&a=2&b=x%20y+z", "User-Agent: corio-test\r\n");
  EXPECT_EQ(r.headers.get("Content-Type"), "application/json");
  auto j = nlohmann::json::parse(r.body);
  EXPECT_EQ(j["method"], "GET");
  EXPECT_EQ(j["path"], "/info");
  EXPECT_EQ(j["raw_path"], "/info?a=1&a=2&b=x%20y+z");
  EXPECT_EQ(j["a"], (nlohmann::json{"1", "2"}));
  EXPECT_EQ(j["b"], "x y z");
  EXPECT_EQ(j["agent"], "corio-test");
  EXPECT_EQ(j["remote"], "127.0.0.1");
  EXPECT_EQ(j["keep_alive"], true);
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["host"], "test");
}

Coro<HttpReply> post(std::uint16_t port, std::string path, std::string type, std::string body) {
  Client c = co_await Client::connect(port);
  std::string raw = "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: " + type +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  co_await c.send(raw);
  co_return co_await read_reply(c.reader);
}

TEST_F(WebTest, JsonAndFormBodies) {
  app.add_post("/json", [](Request& req) -> Coro<Response> {
    nlohmann::json j = co_await req.json();
    j["seen"] = true;
    co_return web::json_response(j);
  });
  app.add_post("/form", [](Request& req) -> Coro<Response> {
    http::MultiDict form = co_await req.post();
    co_return Response(std::string(form.get("name", "?")) + "/" + std::string(form.get("city", "?")));
  });
  start();
  HttpReply j = run(post(port, "/json", "application/json", R"({"x": 1})"));
  EXPECT_EQ(nlohmann::json::parse(j.body), (nlohmann::json{{"x", 1}, {"seen", true}}));
  HttpReply f = run(post(port, "/form", "application/x-www-form-urlencoded", "name=J%C3%BCrgen&city=New+York"));
  EXPECT_EQ(f.body, "J\xC3\xBCrgen/New York");
  HttpReply bad = run(post(port, "/json", "application/json", "{not json"));
  EXPECT_EQ(bad.status, 400);
}

TEST_F(WebTest, MiddlewaresRunOutermostFirstAndSeeErrors) {
  auto tag = [](std::string name) {
    return [name](Request& req, const web::Handler& handler) -> Coro<Response> {
      Response r(404);
      bool caught = false;
      try {
        r = co_await handler(req);
      } catch (const web::HTTPException& e) {
        caught = true;
        r = Response(std::string(e.text()), e.status());
      }
      r.headers().add("X-Order", name + (caught ? "!" : ""));
      co_return r;
    };
  };
  app.middlewares().push_back(tag("outer"));
  app.middlewares().push_back(tag("inner"));
  app.add_get("/", [](Request&) -> Coro<Response> { co_return Response("ok"); });
  start();
  HttpReply r = get("/");
  EXPECT_EQ(r.headers.getall("X-Order"), (std::vector<std::string_view>{"inner", "outer"}));
  HttpReply nf = get("/nope");
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.headers.getall("X-Order"), (std::vector<std::string_view>{"inner!", "outer"}));
}

TEST_F(WebTest, HandlersThrowHttpExceptions) {
  app.add_get("/redirect", [](Request&) -> Coro<Response> { throw web::HTTPFound("/target"); });
  app.add_get("/bad", [](Request&) -> Coro<Response> { throw web::HTTPBadRequest("no good"); });
  start();
  HttpReply r = get("/redirect");
  EXPECT_EQ(r.status, 302);
  EXPECT_EQ(r.reason, "Found");
  EXPECT_EQ(r.headers.get("Location"), "/target");
  HttpReply b = get("/bad");
  EXPECT_EQ(b.status, 400);
  EXPECT_EQ(b.body, "no good");
}

TEST_F(WebTest, HandlerFailureIs500AndTheConnectionStaysUsable) {
  app.add_get("/boom", [](Request&) -> Coro<Response> { throw std::runtime_error("kaboom"); });
  app.add_get("/fine", [](Request&) -> Coro<Response> { co_return Response("fine"); });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await c.get("/boom");
    EXPECT_EQ(r.status, 500);
    HttpReply ok = co_await c.get("/fine");
    EXPECT_EQ(ok.body, "fine");
  }(port));
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("Error handling request GET /boom"), std::string::npos);
}

TEST_F(WebTest, AnyAwaitableReturningCallableIsAHandler) {
  app.add_get("/task", [](Request&) {
    return create_task([]() -> Coro<Response> { co_return Response("from a task"); }());
  });
  start();
  EXPECT_EQ(get("/task").body, "from a task");
}

TEST_F(WebTest, StartupShutdownCleanupSignalsRunInOrder) {
  std::vector<std::string> seen;
  app.on_startup.push_back([&](web::Application&) -> Coro<void> { seen.push_back("startup"); co_return; });
  app.on_shutdown.push_back([&](web::Application&) -> Coro<void> { seen.push_back("shutdown"); co_return; });
  app.on_cleanup.push_back([&](web::Application&) -> Coro<void> { seen.push_back("cleanup"); co_return; });
  start();
  EXPECT_EQ(seen, (std::vector<std::string>{"startup"}));
  loop.run_until_complete(runner->cleanup());
  EXPECT_EQ(seen, (std::vector<std::string>{"startup", "shutdown", "cleanup"}));
  EXPECT_THROW(app.add_get("/late", [](Request&) -> Coro<Response> { co_return Response(); }), RuntimeError);
}

}  // namespace
}  // namespace corio::test
