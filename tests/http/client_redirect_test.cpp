// Redirect semantics against a scripted server (what each status does to the method
// and body, relative Locations, Authorization across origins), and requests sent
// through an http proxy.
#include <cstdlib>

#include "client_test_util.hpp"

namespace corio::test {
namespace {

using namespace corio::http;

/// Answers `/s<code>` with a redirect of that status to /end, and /end with the method
/// and body it received; records every request.
struct Redirector {
  std::vector<std::string> requests;
  ClientConnectedCallback handler() {
    return [this](StreamReader r, StreamWriter w) -> Coro<void> {
      try {
        for (;;) {
          std::string req = co_await read_request(r);
          if (req.empty()) break;
          requests.push_back(req);
          std::string target = req.substr(req.find(' ') + 1);
          target = target.substr(0, target.find(' '));
          if (target.starts_with("/s")) {
            w.write("HTTP/1.1 " + target.substr(2, 3) + " Moved\r\nLocation: end?from=" + target.substr(2, 3) +
                    "\r\nContent-Length: 0\r\n\r\n");
          } else {
            std::string answer = req.substr(0, req.find(' ')) + " " + body_of(req);
            w.write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(answer.size()) + "\r\n\r\n" + answer);
          }
          co_await w.drain();
        }
      } catch (const ConnectionError&) {
      }
    };
  }
};

using ClientRedirectTest = ClientTest;

TEST_F(ClientRedirectTest, EachRedirectStatusTreatsMethodAndBodyAsAiohttpDoes) {
  Redirector red;
  run([&]() -> Coro<void> {
    auto handler = red.handler();
    Server server = co_await start_server(handler, "127.0.0.1", 0);
    ClientSession session;
    RequestOptions body{.data = std::string("payload")};
    for (auto [status, expect] : {std::pair{"301", "GET "}, {"302", "GET "}, {"303", "GET "},
                                  {"307", "POST payload"}, {"308", "POST payload"}}) {
      auto resp = co_await session.post(url_of(server, std::string("/s") + status), body);
      EXPECT_EQ(co_await resp.text(), expect) << status;
      EXPECT_EQ(resp.url().path_qs(), std::string("/end?from=") + status) << "relative Location resolved";
      EXPECT_EQ(resp.history().size(), 1U);
    }
    RequestOptions follow{.allow_redirects = true};
    auto head = co_await session.request("HEAD", url_of(server, "/s303"), follow);
    EXPECT_EQ(head.method(), "HEAD") << "a HEAD stays a HEAD";
    EXPECT_TRUE(red.requests.back().starts_with("HEAD /end?from=303"));
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(ClientRedirectTest, AuthorizationIsDroppedWhenARedirectLeavesTheOrigin) {
  Redirector red;
  std::string seen_by_other;
  run([&]() -> Coro<void> {
    ClientConnectedCallback other = [&seen_by_other](StreamReader r, StreamWriter w) -> Coro<void> {
      seen_by_other = co_await read_request(r);
      w.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
      co_await read_request(r);
    };
    Server target = co_await start_server(other, "127.0.0.1", 0);
    ClientConnectedCallback to_other = [&target](StreamReader r, StreamWriter w) -> Coro<void> {
      co_await read_request(r);
      w.write("HTTP/1.1 302 Found\r\nLocation: " + url_of(target, "/x") + "\r\nContent-Length: 0\r\n\r\n");
      co_await read_request(r);
    };
    Server origin = co_await start_server(to_other, "127.0.0.1", 0);
    ClientSession session;
    RequestOptions auth{.headers = {{"Authorization", "Bearer secret"}}};
    auto resp = co_await session.get(url_of(origin), auth);
    EXPECT_EQ(resp.status(), 200);
    EXPECT_EQ(seen_by_other.find("Authorization"), std::string::npos) << seen_by_other;
    co_await session.close();
    origin.close();
    target.close();
    co_await origin.wait_closed();
    co_await target.wait_closed();
  }());
}

TEST_F(ClientRedirectTest, AProxyGetsTheRequestInAbsoluteForm) {
  std::string seen;
  run([&]() -> Coro<void> {
    ClientConnectedCallback proxy = [&seen](StreamReader r, StreamWriter w) -> Coro<void> {
      for (;;) {
        std::string req = co_await read_request(r);
        if (req.empty()) break;
        seen = req;
        w.write("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nproxied");
        co_await w.drain();
      }
    };
    Server server = co_await start_server(proxy, "127.0.0.1", 0);
    ClientSession session;
    RequestOptions via{.proxy = URL(url_of(server))};
    auto resp = co_await session.get("http://example.invalid:8080/a?b=1", via);
    EXPECT_EQ(co_await resp.text(), "proxied");
    EXPECT_TRUE(seen.starts_with("GET http://example.invalid:8080/a?b=1 HTTP/1.1\r\n")) << seen;
    EXPECT_NE(seen.find("\r\nHost: example.invalid:8080\r\n"), std::string::npos);
    co_await session.close();

    // trust_env: http_proxy from the environment, unless no_proxy names the host.
    ::setenv("http_proxy", url_of(server).c_str(), 1);
    ::setenv("no_proxy", "localhost, 127.0.0.1", 1);
    ClientSession env({.trust_env = true});
    auto via_env = co_await env.get("http://example.invalid/env");
    EXPECT_EQ(co_await via_env.text(), "proxied");
    EXPECT_TRUE(seen.starts_with("GET http://example.invalid/env HTTP/1.1\r\n")) << seen;
    auto direct = co_await env.get(url_of(server, "/direct"));  // no_proxy: straight to the host
    EXPECT_EQ(co_await direct.text(), "proxied");
    EXPECT_TRUE(seen.starts_with("GET /direct HTTP/1.1\r\n")) << seen;
    ::unsetenv("http_proxy");
    ::unsetenv("no_proxy");
    co_await env.close();
    server.close();
    co_await server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
