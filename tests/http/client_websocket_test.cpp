// ClientSession::ws_connect against corio's own server (echo, close both ways, pings,
// wss://, cookies and session headers in the handshake, the heartbeat) and against
// scripted raw servers (masking, fragmented replies, a masked server frame, a refused
// handshake, a peer that never answers the heartbeat's ping).
#include <gtest/gtest.h>

#include "../web/web_test_util.hpp"
#include "client_test_util.hpp"
#include "http/websocket_handshake.hpp"
#include "corio/http/client.hpp"
#include "corio/net/server.hpp"
#include "corio/sync/event.hpp"
#include "ssl_test_certs.hpp"

namespace corio::test {
namespace {

using http::WSMessage;
using http::WSMsgType;
using web::Request;
using web::Response;

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + i / 5) & 0xff);
  return s;
}

class ClientWebSocketTest : public WebTest {
 protected:
  ClientWebSocketTest() = default;
  explicit ClientWebSocketTest(LoopOptions options) : WebTest(options) {}
  /// /ws echoes until a non-data message, which it keeps in `last`; /close closes
  /// with 4001 at once.
  void add_routes() {
    app.add_get("/ws", [this](Request& req) -> Coro<Response> {
      web::WebSocketResponse ws;
      co_await ws.prepare(req);
      while (true) {
        WSMessage m = co_await ws.receive();
        if (m.type == WSMsgType::TEXT) {
          co_await ws.send_str(m.data);
        } else if (m.type == WSMsgType::BINARY) {
          co_await ws.send_bytes(m.data);
        } else {
          last = std::move(m);
          break;
        }
      }
      co_return ws;
    });
    app.add_get("/close", [](Request& req) -> Coro<Response> {
      web::WebSocketResponse ws;
      co_await ws.prepare(req);
      co_await ws.close(4001, "server done");
      co_return ws;
    });
  }
  std::string url(const std::string& path, const char* scheme = "ws") const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port) + path;
  }
  WSMessage last;
};

TEST_F(ClientWebSocketTest, EchoesTextAndBinaryIncludingOneMebibyte) {
  add_routes();
  start();
  run([](std::string u) -> Coro<void> {
    http::ClientSession session;
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u);
    co_await ws.send_str("hello");
    std::string s = co_await ws.receive_str();
    EXPECT_EQ(s, "hello");
    const std::string big = pattern(1 << 20);
    co_await ws.send_bytes(big);
    std::string b = co_await ws.receive_bytes();
    EXPECT_TRUE(b == big);
    nlohmann::json j = {{"a", 1}};
    co_await ws.send_json(j);
    nlohmann::json back = co_await ws.receive_json();
    EXPECT_EQ(back, j);
    bool closed = co_await ws.close(4000, "client done");
    EXPECT_TRUE(closed);
    EXPECT_TRUE(ws.closed());
    EXPECT_EQ(ws.close_code(), 4000);  // the server echoes the code
    co_await session.close();
  }(url("/ws")));
  EXPECT_EQ(last.type, WSMsgType::CLOSE);
  EXPECT_EQ(last.data, "4000");
  EXPECT_EQ(last.extra, "client done");
}

TEST_F(ClientWebSocketTest, ServerCloseIsReportedAndAnswered) {
  add_routes();
  start();
  run([](std::string u) -> Coro<void> {
    http::ClientSession session;
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u);
    WSMessage m = co_await ws.receive();
    EXPECT_EQ(m.type, WSMsgType::CLOSE);
    EXPECT_EQ(m.data, "4001");
    EXPECT_EQ(m.extra, "server done");
    EXPECT_TRUE(ws.closed());
    WSMessage after = co_await ws.receive();
    EXPECT_EQ(after.type, WSMsgType::CLOSED);
    bool again = co_await ws.close();
    EXPECT_FALSE(again);
    co_await session.close();
  }(url("/close")));
}

TEST_F(ClientWebSocketTest, PingIsAnsweredByTheServer) {
  add_routes();
  start();
  run([](std::string u) -> Coro<void> {
    http::ClientSession session;
    http::WSConnectOptions o;
    o.autoping = false;
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u, o);
    co_await ws.ping("are you there");
    WSMessage m = co_await ws.receive();
    EXPECT_EQ(m.type, WSMsgType::PONG);
    EXPECT_EQ(m.data, "are you there");
    co_await ws.close();
    co_await session.close();
  }(url("/ws")));
}

TEST_F(ClientWebSocketTest, RefusedHandshakeRaisesWSServerHandshakeError) {
  add_routes();
  start();
  run([](std::string u) -> Coro<void> {
    http::ClientSession session;
    int status = 0;
    try {
      co_await session.ws_connect(u);
    } catch (const http::WSServerHandshakeError& e) {
      status = e.status;
    }
    EXPECT_EQ(status, 404);
    co_await session.close();
  }(url("/nowhere")));
}

TEST_F(ClientWebSocketTest, WssToAnHttpsSite) {
  add_routes();
  SSLContext server(PROTOCOL_TLS_SERVER);
  server.load_cert_chain(test_certs().server_cert, test_certs().server_key);
  start({}, &server);
  run([](std::string u) -> Coro<void> {
    http::ConnectorOptions co;
    co.ssl_context = create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert);
    http::SessionOptions so;
    so.connector = http::TCPConnector(co);
    http::ClientSession session(so);
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u);
    const std::string big = pattern(300000);
    co_await ws.send_bytes(big);
    std::string b = co_await ws.receive_bytes();
    EXPECT_TRUE(b == big);
    co_await ws.close();
    EXPECT_EQ(ws.close_code(), 1000);
    co_await session.close();
  }(url("/ws", "wss")));
}

/// A scripted server: answers the handshake, checks the client's first frame is
/// masked, then sends `reply` raw.
Coro<void> scripted(StreamReader r, StreamWriter w, std::string reply, bool* masked) {
  std::string head = co_await r.readuntil("\r\n\r\n");
  auto at = head.find("Sec-WebSocket-Key: ");
  std::string key = head.substr(at + 19, 24);
  w.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: " + http::detail::websocket_accept(key) + "\r\n\r\n");
  co_await w.drain();
  std::string h = co_await r.readexactly(2);
  *masked = (h[1] & 0x80) != 0;
  co_await r.readexactly(static_cast<std::size_t>((h[1] & 0x7f) + 4));
  w.write(reply);
  co_await w.drain();
  // The client's next frames (a pong, its close): then hang up, without a close reply.
  // Not read() to EOF: the client closes only after a reply or close_timeout.
  std::string rest = co_await r.read(64 * 1024);
  w.close();
}

std::string server_frame(int opcode, std::string_view payload, bool fin = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  f += static_cast<char>(payload.size());
  f += payload;
  return f;
}

TEST_F(ClientWebSocketTest, ClientFramesAreMaskedAndFragmentedRepliesReassembled) {
  bool masked = false;
  std::string reply = server_frame(0x1, "frag", false) + server_frame(0x9, "pp") + server_frame(0x0, "mented");
  run([](bool* masked, std::string reply) -> Coro<void> {
    ClientConnectedCallback cb = [masked, reply](StreamReader r, StreamWriter w) -> Coro<void> {
      co_await scripted(std::move(r), std::move(w), reply, masked);
    };
    Server srv = co_await start_server(std::move(cb), "127.0.0.1", 0);
    http::ClientSession session;
    http::URL u("ws://127.0.0.1:" + std::to_string(port_of(srv)) + "/");
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u);
    co_await ws.send_str("x");
    std::string s = co_await ws.receive_str();
    EXPECT_EQ(s, "fragmented");
    co_await ws.close();
    co_await session.close();
    srv.close();
    co_await srv.wait_closed();
  }(&masked, reply));
  EXPECT_TRUE(masked);
}

TEST_F(ClientWebSocketTest, MaskedServerFrameIsAProtocolError) {
  bool masked = false;
  std::string reply = std::string("\x81\x82\x01\x02\x03\x04", 6) + "ab";  // masked: forbidden
  run([](bool* masked, std::string reply) -> Coro<void> {
    ClientConnectedCallback cb = [masked, reply](StreamReader r, StreamWriter w) -> Coro<void> {
      co_await scripted(std::move(r), std::move(w), reply, masked);
    };
    Server srv = co_await start_server(std::move(cb), "127.0.0.1", 0);
    http::ClientSession session;
    http::URL u("ws://127.0.0.1:" + std::to_string(port_of(srv)) + "/");
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u);
    co_await ws.send_str("x");
    WSMessage m = co_await ws.receive();
    EXPECT_EQ(m.type, WSMsgType::ERROR);
    EXPECT_EQ(ws.close_code(), 1002);
    co_await session.close();
    srv.close();
    co_await srv.wait_closed();
  }(&masked, reply));
}

TEST_F(ClientWebSocketTest, HandshakeSendsTheSessionsCookiesAndHeadersAndKeepsThe101sCookies) {
  std::vector<std::string> cookies, session_headers;
  app.add_get("/login", [](Request&) -> Coro<Response> {
    Response r("welcome");
    r.headers().add("Set-Cookie", "session=abc; Path=/");
    co_return r;
  });
  app.add_get("/ws", [&cookies, &session_headers](Request& req) -> Coro<Response> {
    cookies.emplace_back(req.header("Cookie").value_or("<none>"));
    session_headers.emplace_back(req.header("X-Session").value_or("<none>"));
    web::WebSocketResponse ws;
    ws.headers().add("Set-Cookie", "ws_token=xyz; Path=/");
    co_await ws.prepare(req);
    co_await ws.close();
    co_return ws;
  });
  start();
  run([](std::string base) -> Coro<void> {
    http::SessionOptions so;
    so.cookie_jar = std::make_shared<http::CookieJar>(true);  // the server is an IP address
    so.headers.add("X-Session", "yes");
    http::ClientSession session(so);
    http::ClientResponse login = co_await session.get(http::URL("http://" + base + "/login"));
    std::string body = co_await login.text();
    EXPECT_EQ(body, "welcome");
    // A Secure cookie is for https:// and wss:// only.
    session.cookie_jar().update_from_set_cookie("secret=s; Secure; Path=/", http::URL("https://" + base + "/"));
    const http::URL ws_url("ws://" + base + "/ws");
    {
      http::ClientWebSocketResponse ws = co_await session.ws_connect(ws_url);
      WSMessage m = co_await ws.receive();
      EXPECT_EQ(m.type, WSMsgType::CLOSE);
    }
    std::string jar = session.cookie_jar().filter_cookies(http::URL("http://" + base + "/"));
    EXPECT_NE(jar.find("ws_token=xyz"), std::string::npos) << jar;
    EXPECT_NE(jar.find("session=abc"), std::string::npos) << jar;
    // The second handshake carries the 101's cookie too; an explicit Cookie replaces the jar's.
    {
      http::ClientWebSocketResponse ws = co_await session.ws_connect(ws_url);
      co_await ws.receive();
    }
    {
      http::WSConnectOptions o;
      o.headers.add("Cookie", "mine=1");
      http::ClientWebSocketResponse ws = co_await session.ws_connect(ws_url, o);
      co_await ws.receive();
    }
    co_await session.close();
  }("127.0.0.1:" + std::to_string(port)));
  ASSERT_EQ(cookies.size(), 3u);
  EXPECT_EQ(cookies[0], "session=abc");
  EXPECT_EQ(cookies[1], "session=abc; ws_token=xyz");
  EXPECT_EQ(cookies[2], "mine=1");
  EXPECT_EQ(session_headers, (std::vector<std::string>{"yes", "yes", "yes"}));
}

// ---- heartbeat (virtual time) ----

class ClientWebSocketHeartbeatTest : public ClientWebSocketTest {
 protected:
  ClientWebSocketHeartbeatTest() : ClientWebSocketTest(virtual_options()) {}
  /// /ws answers pings itself (autoping off) and counts them; echoes TEXT.
  void add_pong_counter() {
    app.add_get("/ws", [this](Request& req) -> Coro<Response> {
      web::WebSocketOptions o;
      o.autoping = false;
      web::WebSocketResponse ws(o);
      co_await ws.prepare(req);
      while (true) {
        WSMessage m = co_await ws.receive();
        if (m.type == WSMsgType::PING) {
          ++pings;
          co_await ws.pong(m.data);
        } else if (m.type == WSMsgType::TEXT) {
          co_await ws.send_str(m.data);
        } else {
          last = std::move(m);
          break;
        }
      }
      co_return ws;
    });
  }
  int pings = 0;
};

TEST_F(ClientWebSocketHeartbeatTest, PingsAreSentAndTheirPongsKeepTheWebsocketOpen) {
  add_pong_counter();
  start();
  run([](std::string u, int& pings) -> Coro<void> {
    http::ClientSession session;
    http::WSConnectOptions o;
    o.heartbeat = 1.0;
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u, o);
    bool timed_out = false;
    try {
      co_await ws.receive(4.25);  // the pongs are swallowed (autoping): nothing to return
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_EQ(pings, 4);  // at 1, 2, 3 and 4 s, each answered
    EXPECT_FALSE(ws.closed());
    co_await ws.send_str("alive");
    std::string s = co_await ws.receive_str();
    EXPECT_EQ(s, "alive");
    co_await ws.close();
    EXPECT_EQ(ws.close_code(), 1000);
    co_await session.close();
  }(url("/ws"), pings));
  EXPECT_EQ(last.type, WSMsgType::CLOSE);
}

/// A raw server that answers the handshake, then swallows everything (pings too)
/// until the client goes; `got` is what it received after the handshake.
Coro<void> swallowing(StreamReader r, StreamWriter w, std::string* got, Event* done) {
  std::string head = co_await r.readuntil("\r\n\r\n");
  auto at = head.find("Sec-WebSocket-Key: ");
  std::string key = head.substr(at + 19, 24);
  w.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
          "Sec-WebSocket-Accept: " + http::detail::websocket_accept(key) + "\r\n\r\n");
  co_await w.drain();
  try {
    while (true) {
      std::string chunk = co_await r.read();
      if (chunk.empty()) break;
      *got += chunk;
    }
  } catch (const ConnectionResetError&) {
  }
  w.close();
  done->set();
}

TEST_F(ClientWebSocketHeartbeatTest, UnansweredPingDropsTheConnectionWithAnError1006) {
  std::string got;
  Event done;
  run([](std::string* got, Event* done) -> Coro<void> {
    ClientConnectedCallback cb = [got, done](StreamReader r, StreamWriter w) -> Coro<void> {
      co_await swallowing(std::move(r), std::move(w), got, done);
    };
    Server srv = co_await start_server(std::move(cb), "127.0.0.1", 0);
    http::ClientSession session;
    http::WSConnectOptions o;
    o.heartbeat = 1.0;
    http::URL u("ws://127.0.0.1:" + std::to_string(port_of(srv)) + "/");
    http::ClientWebSocketResponse ws = co_await session.ws_connect(u, o);
    EventLoop& loop = get_running_loop();
    const double opened = loop.time();
    WSMessage m = co_await ws.receive();
    EXPECT_NEAR(loop.time() - opened, 1.5, 0.05);  // heartbeat, then heartbeat/2 for the pong
    EXPECT_EQ(m.type, WSMsgType::ERROR);
    EXPECT_EQ(m.data, "1006");
    EXPECT_EQ(m.extra, "No PONG received after 0.5 seconds");
    EXPECT_TRUE(ws.closed());
    EXPECT_EQ(ws.close_code(), 1006);
    WSMessage after = co_await ws.receive();
    EXPECT_EQ(after.type, WSMsgType::CLOSED);
    bool refused = false;
    try {
      co_await ws.send_str("late");
    } catch (const ConnectionResetError&) {
      refused = true;
    }
    EXPECT_TRUE(refused);
    bool closed = co_await ws.close();
    EXPECT_FALSE(closed);
    bool ended = co_await done->wait();  // the server saw the connection end
    EXPECT_TRUE(ended);
    co_await session.close();
    srv.close();
    co_await srv.wait_closed();
  }(&got, &done));
  // One masked, empty ping and nothing else.
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(static_cast<unsigned char>(got[0]), 0x89);
  EXPECT_EQ(static_cast<unsigned char>(got[1]), 0x80);
}

TEST_F(ClientWebSocketHeartbeatTest, TheTimerDiesWithTheWebsocket) {
  add_pong_counter();
  start();
  run([](std::string u, int& pings) -> Coro<void> {
    http::ClientSession session;
    http::WSConnectOptions o;
    o.heartbeat = 1.0;
    {
      http::ClientWebSocketResponse ws = co_await session.ws_connect(u, o);
      http::ClientWebSocketResponse moved = std::move(ws);  // the timer follows the state
      co_await sleep(1250ms);
      EXPECT_EQ(pings, 1);
    }  // destroyed open: a timer left behind would fire into freed memory (ASan)
    co_await sleep(5s);
    EXPECT_EQ(pings, 1);
    co_await session.close();
  }(url("/ws"), pings));
}

}  // namespace
}  // namespace corio::test
