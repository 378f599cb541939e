// HTTP/2 connection health against a scripted server (h2_script_server.hpp) on
// 127.0.0.1: the client PINGs a connection the server has gone quiet on and fails it
// when the PING is not answered, keeps a long request alive while PINGs are answered,
// answers the server's PINGs, and closes a connection without streams after its idle
// timeout. Through ClientSession: an idle h2 connection is closed after the connector's
// keepalive_timeout, and a request the server refused with GOAWAY is sent again on a
// new connection.
#include <string>

#include "client_test_util.hpp"
#include "corio/http/client.hpp"
#include "corio/net/ssl.hpp"
#include "h2_script_server.hpp"
#include "http/h2_connection.hpp"
#include "ssl_test_certs.hpp"

namespace corio::test {
namespace {

using namespace corio::http;

class H2HealthTest : public ClientTest {};

Coro<std::shared_ptr<H2Connection>> connect_h2c(const Server& server, H2Settings settings) {
  StreamPair pair = co_await open_connection("127.0.0.1", port_of(server));
  std::shared_ptr<H2Connection> conn = co_await H2Connection::start(std::move(pair.reader), std::move(pair.writer),
                                                                      settings);
  co_return conn;
}

H2Request get_request(const Server& server) {
  H2Request req;
  req.scheme = "http";
  req.authority = "127.0.0.1:" + std::to_string(port_of(server));
  req.path = "/";
  return req;
}

TEST_F(H2HealthTest, AnUnansweredPingFailsTheConnectionAndItsRequests) {
  ScriptedH2Server script;
  script.answer_pings = false;
  script.respond_after_pings = 1000;  // never answers the request
  run([&]() -> Coro<void> {
    Server server = co_await start_server(script.handler(), "127.0.0.1", 0);
    H2Settings settings;
    settings.ping_interval = 30ms;
    settings.ping_timeout = 30ms;
    std::shared_ptr<H2Connection> conn = co_await connect_h2c(server, settings);
    H2Request req = get_request(server);
    std::string what;
    bool retryable = true;
    try {
      co_await conn->request(std::move(req));
    } catch (const H2ConnectionError& e) {
      what = e.what();
      retryable = e.retryable;
    }
    EXPECT_NE(what.find("no answer to PING"), std::string::npos) << what;
    EXPECT_FALSE(retryable) << "the server may have processed the request";
    EXPECT_GE(script.pings_received, 1);
    EXPECT_TRUE(conn->is_closed());
    co_await conn->wait_closed();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(H2HealthTest, AnsweredPingsKeepALongRequestAliveAndAnIdleConnectionIsClosed) {
  ScriptedH2Server script;
  script.respond_after_pings = 4;  // the response comes after four PING round trips
  run([&]() -> Coro<void> {
    Server server = co_await start_server(script.handler(), "127.0.0.1", 0);
    H2Settings settings;
    settings.ping_interval = 20ms;
    settings.ping_timeout = 2s;
    settings.idle_timeout = 40ms;  // shorter than the request: a stream keeps it open
    std::shared_ptr<H2Connection> conn = co_await connect_h2c(server, settings);
    H2Request req = get_request(server);
    double started = loop.time();
    H2Response resp = co_await conn->request(std::move(req));
    EXPECT_EQ(resp.status, 200);
    // Regression: an answered PING must move the timer to the next PING at once, not
    // at the old PING's deadline (four round trips then took 4 x ping_timeout).
    EXPECT_LT(loop.time() - started, 1.0);
    EXPECT_GE(conn->statistics().pings_sent, 4U);
    EXPECT_EQ(script.goaways_received, 0);
    resp.release();
    co_await conn->wait_closed();  // closed by the idle timeout, nothing else
    EXPECT_FALSE(conn->is_available());
    co_await script.wait_until([&] { return script.connections_closed == 1; });
    EXPECT_EQ(script.goaways_received, 1) << "a graceful close: GOAWAY first";
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(H2HealthTest, TheServersPingIsAnswered) {
  ScriptedH2Server script;
  script.ping_client = true;
  run([&]() -> Coro<void> {
    Server server = co_await start_server(script.handler(), "127.0.0.1", 0);
    std::shared_ptr<H2Connection> conn = co_await connect_h2c(server, H2Settings{});
    co_await script.wait_until([&] { return script.ping_ack_received; });
    EXPECT_EQ(conn->statistics().pings_sent, 0U) << "no PINGs of its own by default";
    conn->close();
    co_await conn->wait_closed();
    server.close();
    co_await server.wait_closed();
  }());
}

SSLContext h2_server_tls() {
  SSLContext c(PROTOCOL_TLS_SERVER);
  c.load_cert_chain(test_certs().server_cert, test_certs().server_key);
  c.set_alpn_protocols({"h2"});
  return c;
}

SessionOptions trusting_session(std::chrono::nanoseconds keepalive) {
  ConnectorOptions copts;
  copts.ssl_context = create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert);
  copts.keepalive_timeout = keepalive;
  SessionOptions o;
  o.connector = TCPConnector(copts);
  return o;
}

TEST_F(H2HealthTest, TheSessionClosesAnIdleH2ConnectionAfterKeepaliveTimeout) {
  ScriptedH2Server script;
  run([&]() -> Coro<void> {
    SSLContext tls = h2_server_tls();
    ServerOptions sopts;
    sopts.ssl = &tls;
    Server server = co_await start_server(script.handler(), "127.0.0.1", 0, sopts);
    std::string url = "https://localhost:" + std::to_string(port_of(server)) + "/";
    ClientSession session(trusting_session(50ms));
    auto first = co_await session.get(URL(url));
    EXPECT_EQ(first.status(), 200);
    EXPECT_EQ(first.version(), std::make_pair(2, 0));
    first.release();
    co_await script.wait_until([&] { return script.connections_closed == 1; });
    EXPECT_EQ(script.goaways_received, 1);
    auto second = co_await session.get(URL(url));
    EXPECT_EQ(second.status(), 200);
    EXPECT_EQ(session.connector().statistics().connections_made, 2U) << "a new connection after the idle close";
    second.release();
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

TEST_F(H2HealthTest, ARequestRefusedByGoawayIsSentAgainOnANewConnection) {
  ScriptedH2Server script;
  script.goaway_on_first_connection = true;
  run([&]() -> Coro<void> {
    SSLContext tls = h2_server_tls();
    ServerOptions sopts;
    sopts.ssl = &tls;
    Server server = co_await start_server(script.handler(), "127.0.0.1", 0, sopts);
    std::string url = "https://localhost:" + std::to_string(port_of(server)) + "/";
    ClientSession session(trusting_session(15s));
    // POST: not idempotent, yet safe to send again, since GOAWAY's last stream says the
    // server did not process it.
    auto resp = co_await session.post(URL(url));
    EXPECT_EQ(resp.status(), 200);
    EXPECT_EQ(script.connections, 2);
    EXPECT_EQ(script.requests, 2);
    resp.release();
    co_await session.close();
    server.close();
    co_await server.wait_closed();
  }());
}

}  // namespace
}  // namespace corio::test
