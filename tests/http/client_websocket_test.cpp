// ClientSession::ws_connect against corio's own server (echo, close both ways, pings,
// wss://) and against scripted raw servers (masking, fragmented replies, a masked
// server frame, a refused handshake).
#include <gtest/gtest.h>

#include "../web/web_test_util.hpp"
#include "client_test_util.hpp"
#include "http/websocket_handshake.hpp"
#include "corio/http/client.hpp"
#include "corio/net/server.hpp"
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
  std::string rest = co_await r.read();  // until the client closes
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

}  // namespace
}  // namespace corio::test
