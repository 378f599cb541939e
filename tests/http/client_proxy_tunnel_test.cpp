// https through an http proxy (CONNECT), against a small CONNECT proxy written here
// with corio streams and a corio TLS server as the target, all on 127.0.0.1: the
// request goes through the tunnel with the target's certificate checked, a tunnel is
// kept alive for later requests to the same target only, the proxy's refusals and
// failures raise aiohttp's proxy errors, and Proxy-Authorization carries the URL's
// credentials. Against nginx (when installed), ALPN picks h2 inside the tunnel.
#include <string>
#include <vector>

#include "client_test_util.hpp"
#include "corio/http/client.hpp"
#include "corio/net/ssl.hpp"
#include "corio/tasks/create_task.hpp"
#include "h2_nginx.hpp"
#include "ssl_test_certs.hpp"

namespace corio::test {
namespace {

using namespace corio::http;

/// What the test proxy does with a CONNECT.
enum class ProxyMode { Tunnel, Refuse407, Refuse403, CloseBeforeAnswer, CloseAfterAnswer };

/// A CONNECT proxy: records each CONNECT head, answers per `mode`, and in Tunnel mode
/// connects to 127.0.0.1 at the requested port and relays bytes both ways.
struct TestProxy {
  ProxyMode mode = ProxyMode::Tunnel;
  std::vector<std::string> connects;

  static Coro<void> pump(StreamReader from, StreamWriter to) {
    try {
      for (;;) {
        std::string chunk = co_await from.read(64 * 1024);
        if (chunk.empty()) break;
        to.write(chunk);
        co_await to.drain();
      }
    } catch (const OSError&) {
      // one side went away: the relay ends
    }
    to.close();
  }

  ClientConnectedCallback handler() {
    return [this](StreamReader r, StreamWriter w) -> Coro<void> {
      std::string head;
      try {
        head = co_await r.readuntil("\r\n\r\n");
      } catch (const IncompleteReadError&) {
        co_return;
      }
      connects.push_back(head);
      if (mode == ProxyMode::CloseBeforeAnswer) {
        w.close();
        co_return;
      }
      if (mode == ProxyMode::Refuse407) {
        w.write("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\nContent-Length: 0\r\n\r\n");
        co_await w.drain();
        co_return;
      }
      if (mode == ProxyMode::Refuse403) {
        w.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        co_await w.drain();
        co_return;
      }
      w.write("HTTP/1.1 200 Connection established\r\n\r\n");
      co_await w.drain();
      if (mode == ProxyMode::CloseAfterAnswer) {
        w.close();
        co_return;
      }
      std::string authority = head.substr(8, head.find(' ', 8) - 8);
      int port = std::stoi(authority.substr(authority.rfind(':') + 1));
      StreamPair target = co_await open_connection("127.0.0.1", port);
      Task<void> upstream = create_task(pump(r, target.writer));
      co_await pump(target.reader, w);
      co_await upstream;
    };
  }
};

/// An HTTP/1.1 keep-alive server answering every request with its request line.
ClientConnectedCallback echo_request_line() {
  return [](StreamReader r, StreamWriter w) -> Coro<void> {
    for (;;) {
      std::string req = co_await read_request(r);
      if (req.empty()) break;
      std::string line = req.substr(0, req.find("\r\n"));
      w.write("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(line.size()) + "\r\n\r\n" + line);
      co_await w.drain();
    }
  };
}

SSLContext server_tls(bool trusted) {
  SSLContext c(PROTOCOL_TLS_SERVER);
  if (trusted) {
    c.load_cert_chain(test_certs().server_cert, test_certs().server_key);
  } else {
    c.load_cert_chain(test_certs().self_signed_cert, test_certs().self_signed_key);
  }
  return c;
}

SessionOptions trusting_session() {
  ConnectorOptions copts;
  copts.ssl_context = create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert);
  SessionOptions o;
  o.connector = TCPConnector(copts);
  return o;
}

std::string https_url(const Server& s, const std::string& path) {
  return "https://localhost:" + std::to_string(port_of(s)) + path;
}

class ClientProxyTunnelTest : public ClientTest {};

TEST_F(ClientProxyTunnelTest, GetsThroughTheTunnelAndReusesItForTheSameTargetOnly) {
  TestProxy proxy;
  run([&]() -> Coro<void> {
    SSLContext tls = server_tls(true);
    ServerOptions sopts;
    sopts.ssl = &tls;
    Server target = co_await start_server(echo_request_line(), "127.0.0.1", 0, sopts);
    Server other = co_await start_server(echo_request_line(), "127.0.0.1", 0, sopts);
    Server proxy_server = co_await start_server(proxy.handler(), "127.0.0.1", 0);
    ClientSession session(trusting_session());
    RequestOptions via;
    via.proxy = URL(url_of(proxy_server));
    for (int i = 0; i < 3; ++i) {
      auto resp = co_await session.get(URL(https_url(target, "/n/" + std::to_string(i) + "?q=1")), via);
      EXPECT_EQ(resp.status(), 200);
      std::string body = co_await resp.text();
      EXPECT_EQ(body, "GET /n/" + std::to_string(i) + "?q=1 HTTP/1.1") << "origin form inside the tunnel";
    }
    EXPECT_EQ(proxy.connects.size(), 1U) << "one CONNECT for three requests";
    std::string first = proxy.connects.empty() ? std::string() : proxy.connects[0];
    std::string authority = "localhost:" + std::to_string(port_of(target));
    EXPECT_TRUE(first.starts_with("CONNECT " + authority + " HTTP/1.1\r\n")) << first;
    EXPECT_NE(first.find("\r\nHost: " + authority + "\r\n"), std::string::npos);
    EXPECT_EQ(first.find("Proxy-Authorization"), std::string::npos);

    auto resp = co_await session.get(URL(https_url(other, "/other")), via);
    EXPECT_EQ(co_await resp.text(), "GET /other HTTP/1.1");
    EXPECT_EQ(proxy.connects.size(), 2U) << "another target needs its own tunnel";
    auto direct = co_await session.get(URL(https_url(target, "/direct")));
    EXPECT_EQ(co_await direct.text(), "GET /direct HTTP/1.1");
    EXPECT_EQ(proxy.connects.size(), 2U) << "a direct request does not use a tunnel";
    EXPECT_EQ(session.connector().statistics().connections_made, 3U);
    co_await session.close();
    for (Server* s : {&target, &other, &proxy_server}) {
      s->close();
      co_await s->wait_closed();
    }
  }());
}

TEST_F(ClientProxyTunnelTest, TrustEnvTakesHttpsProxyForHttpsUrls) {
  TestProxy proxy;
  run([&]() -> Coro<void> {
    SSLContext tls = server_tls(true);
    ServerOptions sopts;
    sopts.ssl = &tls;
    Server target = co_await start_server(echo_request_line(), "127.0.0.1", 0, sopts);
    Server proxy_server = co_await start_server(proxy.handler(), "127.0.0.1", 0);
    ::setenv("https_proxy", url_of(proxy_server).c_str(), 1);
    SessionOptions o = trusting_session();
    o.trust_env = true;
    ClientSession session(std::move(o));
    auto resp = co_await session.get(URL(https_url(target, "/env")));
    EXPECT_EQ(co_await resp.text(), "GET /env HTTP/1.1");
    EXPECT_EQ(proxy.connects.size(), 1U);
    ::setenv("no_proxy", "localhost", 1);
    auto direct = co_await session.get(URL(https_url(target, "/direct")));
    EXPECT_EQ(co_await direct.text(), "GET /direct HTTP/1.1");
    EXPECT_EQ(proxy.connects.size(), 1U) << "no_proxy names the host";
    ::unsetenv("https_proxy");
    ::unsetenv("no_proxy");
    co_await session.close();
    target.close();
    proxy_server.close();
    co_await target.wait_closed();
    co_await proxy_server.wait_closed();
  }());
}

TEST_F(ClientProxyTunnelTest, SendsTheProxyUrlsCredentialsAsBasicProxyAuthorization) {
  TestProxy proxy;
  run([&]() -> Coro<void> {
    SSLContext tls = server_tls(true);
    ServerOptions sopts;
    sopts.ssl = &tls;
    Server target = co_await start_server(echo_request_line(), "127.0.0.1", 0, sopts);
    Server proxy_server = co_await start_server(proxy.handler(), "127.0.0.1", 0);
    ClientSession session(trusting_session());
    RequestOptions via;
    via.proxy = URL("http://user:pass@127.0.0.1:" + std::to_string(port_of(proxy_server)));
    auto resp = co_await session.get(URL(https_url(target, "/auth")), via);
    EXPECT_EQ(co_await resp.text(), "GET /auth HTTP/1.1") << "the credentials stay with the proxy";
    EXPECT_EQ(proxy.connects.size(), 1U);
    std::string first = proxy.connects.empty() ? std::string() : proxy.connects[0];
    EXPECT_NE(first.find("\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n"), std::string::npos) << first;
    co_await session.close();
    target.close();
    proxy_server.close();
    co_await target.wait_closed();
    co_await proxy_server.wait_closed();
  }());
}

TEST_F(ClientProxyTunnelTest, AProxyRefusingConnectRaisesClientHttpProxyErrorWithItsStatus) {
  TestProxy proxy;
  run([&]() -> Coro<void> {
    Server proxy_server = co_await start_server(proxy.handler(), "127.0.0.1", 0);
    ClientSession session(trusting_session());
    RequestOptions via;
    via.proxy = URL(url_of(proxy_server));
    std::string url = "https://localhost:9/secret";
    for (auto [mode, status] : {std::pair{ProxyMode::Refuse407, 407}, std::pair{ProxyMode::Refuse403, 403}}) {
      proxy.mode = mode;
      int seen = 0;
      std::string what;
      try {
        co_await session.get(URL(url), via);
      } catch (const ClientHttpProxyError& e) {
        seen = e.status;
        what = e.what();
      }
      EXPECT_EQ(seen, status);
      EXPECT_NE(what.find(url_of(proxy_server).substr(0, url_of(proxy_server).size() - 1)), std::string::npos) << what;
      EXPECT_NE(what.find("localhost:9"), std::string::npos) << what;
    }
    EXPECT_EQ(proxy.connects.size(), 2U);
    co_await session.close();
    proxy_server.close();
    co_await proxy_server.wait_closed();
  }());
}

TEST_F(ClientProxyTunnelTest, AProxyClosingDuringTheHandshakeRaisesAConnectionError) {
  TestProxy proxy;
  run([&]() -> Coro<void> {
    Server proxy_server = co_await start_server(proxy.handler(), "127.0.0.1", 0);
    ClientSession session(trusting_session());
    RequestOptions via;
    via.proxy = URL(url_of(proxy_server));

    proxy.mode = ProxyMode::CloseBeforeAnswer;
    std::string what;
    try {
      co_await session.get(URL("https://localhost:9/a"), via);
    } catch (const ClientProxyConnectionError& e) {
      what = e.what();
    }
    EXPECT_NE(what.find("closed the connection before answering"), std::string::npos) << what;
    EXPECT_NE(what.find("localhost:9"), std::string::npos) << what;

    proxy.mode = ProxyMode::CloseAfterAnswer;  // the TLS handshake with the target is cut
    bool failed = false;
    try {
      co_await session.get(URL("https://localhost:9/b"), via);
    } catch (const ClientConnectorError& e) {
      failed = std::string(e.what()).find("through proxy") != std::string::npos;
    }
    EXPECT_TRUE(failed);

    // A proxy nobody listens on: the connect to it fails.
    std::uint16_t port = port_of(proxy_server);
    proxy_server.close();
    co_await proxy_server.wait_closed();
    bool refused = false;
    try {
      co_await session.get(URL("https://localhost:9/c"), via);
    } catch (const ClientProxyConnectionError& e) {
      refused = std::string(e.what()).find("proxy 127.0.0.1:" + std::to_string(port)) != std::string::npos;
    }
    EXPECT_TRUE(refused);
    co_await session.close();
  }());
}

TEST_F(ClientProxyTunnelTest, TheTargetsCertificateIsVerifiedThroughTheTunnel) {
  TestProxy proxy;
  run([&]() -> Coro<void> {
    SSLContext untrusted = server_tls(false);
    ServerOptions sopts;
    sopts.ssl = &untrusted;
    Server target = co_await start_server(echo_request_line(), "127.0.0.1", 0, sopts);
    Server proxy_server = co_await start_server(proxy.handler(), "127.0.0.1", 0);
    ClientSession session(trusting_session());
    RequestOptions via;
    via.proxy = URL(url_of(proxy_server));
    std::string what;
    bool proxy_blamed = false;
    try {
      co_await session.get(URL(https_url(target, "/x")), via);
    } catch (const ClientProxyConnectionError&) {
      proxy_blamed = true;
    } catch (const ClientConnectorError& e) {
      what = e.what();
    }
    EXPECT_FALSE(proxy_blamed);
    EXPECT_NE(what.find("certificate"), std::string::npos) << what;
    EXPECT_NE(what.find("localhost:" + std::to_string(port_of(target))), std::string::npos) << what;

    RequestOptions unverified = via;
    unverified.ssl = false;
    auto resp = co_await session.get(URL(https_url(target, "/y")), unverified);
    EXPECT_EQ(co_await resp.text(), "GET /y HTTP/1.1") << "ssl=false skips verification through a tunnel too";
    co_await session.close();
    target.close();
    proxy_server.close();
    co_await target.wait_closed();
    co_await proxy_server.wait_closed();
  }());
}

TEST_F(ClientProxyTunnelTest, APlainHttpProxyGetsTheCredentialsToo) {
  std::string seen;
  run([&]() -> Coro<void> {
    ClientConnectedCallback forward_proxy = [&seen](StreamReader r, StreamWriter w) -> Coro<void> {
      seen = co_await read_request(r);
      w.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      co_await w.drain();
    };
    Server proxy_server = co_await start_server(forward_proxy, "127.0.0.1", 0);
    ClientSession session;
    RequestOptions via;
    via.proxy = URL("http://user:pass@127.0.0.1:" + std::to_string(port_of(proxy_server)));
    auto resp = co_await session.get(URL("http://example.invalid/plain"), via);
    EXPECT_EQ(co_await resp.text(), "ok");
    EXPECT_TRUE(seen.starts_with("GET http://example.invalid/plain HTTP/1.1\r\n")) << seen;
    EXPECT_NE(seen.find("\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n"), std::string::npos) << seen;
    co_await session.close();
    proxy_server.close();
    co_await proxy_server.wait_closed();
  }());
}

class ClientProxyTunnelH2Test : public h2::H2NginxTest {};

Coro<std::string> get_text(ClientSession& session, URL url, RequestOptions options) {
  ClientResponse resp = co_await session.get(std::move(url), std::move(options));
  std::string body = co_await resp.text();
  co_return body;
}

TEST_F(ClientProxyTunnelH2Test, ConcurrentRequestsShareOneH2ConnectionThroughOneTunnel) {
  h2::H2Nginx& n = start_nginx();
  std::string base = "https://localhost:" + std::to_string(n.tls_port);
  TestProxy proxy;
  run([&]() -> Coro<void> {
    Server proxy_server = co_await start_server(proxy.handler(), "127.0.0.1", 0);
    ClientSession session(trusting_session());
    RequestOptions via;
    via.proxy = URL(url_of(proxy_server));
    std::vector<Task<std::string>> gets;
    for (int i = 0; i < 10; ++i) {
      gets.push_back(create_task(get_text(session, URL(base + "/conn"), via)));
    }
    std::string first_connection;
    for (auto& get : gets) {
      std::string body = co_await get;
      EXPECT_TRUE(body.ends_with("HTTP/2.0")) << body;
      std::string connection = body.substr(0, body.find(' '));
      if (first_connection.empty()) first_connection = connection;
      EXPECT_EQ(connection, first_connection) << "one connection carries every stream";
    }
    EXPECT_EQ(proxy.connects.size(), 1U) << "one tunnel";
    co_await session.close();
    proxy_server.close();
    co_await proxy_server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
