// WebSocketResponse against a hand-built client (websocket_test_util.hpp): handshake
// checks, echo of text and binary (large, fragmented), ping/pong, the closing
// handshake from either side, protocol violations with their close codes, many
// websockets at once, graceful shutdown and https.
#include <gtest/gtest.h>

#include <vector>

#include "corio/tasks/gather.hpp"
#include "ssl_test_certs.hpp"
#include "websocket_test_util.hpp"

namespace corio::test {
namespace {

using web::Request;
using web::Response;
using web::WSMessage;
using web::WSMsgType;

/// What the echo handler saw last (its closing message, its close code).
struct Seen {
  WSMessage last;
  std::optional<int> close_code;
  bool done = false;
};

/// /ws echoes TEXT and BINARY until anything else arrives, which it records.
void add_echo(web::Application& app, Seen& seen, web::WebSocketOptions options = {}) {
  app.add_get("/ws", [&seen, options](Request& req) -> Coro<Response> {
    web::WebSocketResponse ws(options);
    co_await ws.prepare(req);
    while (true) {
      WSMessage m = co_await ws.receive();
      if (m.type == WSMsgType::TEXT) {
        co_await ws.send_str(m.data);
      } else if (m.type == WSMsgType::BINARY) {
        co_await ws.send_bytes(m.data);
      } else {
        seen.last = std::move(m);
        break;
      }
    }
    seen.close_code = ws.close_code();
    seen.done = true;
    co_return ws;
  });
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  return s;
}

class WebSocketTest : public WebTest {
 protected:
  /// Sends `frames` on a new websocket and expects a close frame with `code`, then EOF.
  void expect_violation(std::string frames, int code) {
    run([](std::uint16_t p, std::string frames, int code) -> Coro<void> {
      Client c = co_await ws_open(p);
      co_await c.send(frames);
      WsFrame f = co_await read_ws_frame(c.reader);
      EXPECT_EQ(f.opcode, 0x8);
      EXPECT_EQ(f.close_code(), code);
      WsFrame end = co_await read_ws_frame(c.reader);
      EXPECT_EQ(end.opcode, -1);
    }(port, std::move(frames), code));
  }
};

TEST_F(WebSocketTest, HandshakeAnswers101WithTheAcceptKey) {
  Seen seen;
  add_echo(app, seen);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await ws_handshake(c);
    EXPECT_EQ(r.status, 101);
    EXPECT_EQ(r.headers.get("Sec-WebSocket-Accept").value_or(""), kSampleAccept);
    EXPECT_EQ(r.headers.get("Upgrade").value_or(""), "websocket");
    EXPECT_FALSE(r.headers.contains("Sec-WebSocket-Protocol"));
  }(port));
}

TEST_F(WebSocketTest, SubprotocolIsNegotiatedInTheClientsOrder) {
  app.add_get("/ws", [](Request& req) -> Coro<Response> {
    web::WebSocketOptions o;
    o.protocols = {"chat", "superchat"};
    web::WebSocketResponse ws(o);
    co_await ws.prepare(req);
    co_await ws.send_str(ws.ws_protocol());
    co_await ws.close();
    co_return ws;
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await Client::connect(p);
    HttpReply r = co_await ws_handshake(c, "/ws", "Sec-WebSocket-Protocol: other, superchat, chat\r\n");
    EXPECT_EQ(r.headers.get("Sec-WebSocket-Protocol").value_or(""), "superchat");
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.payload, "superchat");
  }(port));
}

TEST_F(WebSocketTest, InvalidHandshakesAre400) {
  Seen seen;
  add_echo(app, seen);
  start();
  const std::string base = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  HttpReply no_key = get("/ws", base + "Sec-WebSocket-Version: 13\r\n");
  EXPECT_EQ(no_key.status, 400);
  HttpReply bad_key = get("/ws", base + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n");
  EXPECT_EQ(bad_key.status, 400);
  HttpReply version = get("/ws", base + "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: " + std::string(kSampleKey) + "\r\n");
  EXPECT_EQ(version.status, 400);
  EXPECT_EQ(version.headers.get("Sec-WebSocket-Version").value_or(""), "13");
  HttpReply plain = get("/ws");
  EXPECT_EQ(plain.status, 400);
  EXPECT_NE(plain.body.find("No WebSocket UPGRADE"), std::string::npos);
  EXPECT_FALSE(seen.done);
}

TEST_F(WebSocketTest, EchoesTextBinaryLargeAndFragmentedMessages) {
  Seen seen;
  add_echo(app, seen);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await ws_open(p);
    co_await c.send(ws_frame(0x1, "hello"));
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0x1);
    EXPECT_TRUE(f.fin);
    EXPECT_FALSE(f.masked);
    EXPECT_EQ(f.payload, "hello");

    const std::string big = pattern(1 << 20);  // 1 MiB: a 64-bit length both ways
    co_await c.send(ws_frame(0x2, big));
    f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0x2);
    EXPECT_TRUE(f.payload == big);

    // Three fragments with a ping between them, and "€" split across two of them.
    co_await c.send(ws_frame(0x1, "a\xe2", false) + ws_frame(0x9, "p1") + ws_frame(0x0, "\x82", false) +
                    ws_frame(0x0, "\xac" "b", true));
    WsFrame pong = co_await read_ws_frame(c.reader);
    EXPECT_EQ(pong.opcode, 0xa);
    EXPECT_EQ(pong.payload, "p1");
    f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.payload, "a\xe2\x82\xac" "b");

    // One byte at a time: the parser resumes anywhere.
    const std::string slow = ws_frame(0x2, pattern(300));
    for (char ch : slow) co_await c.send(std::string_view(&ch, 1));
    f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.payload, pattern(300));
  }(port));
}

TEST_F(WebSocketTest, PingsWithoutAutopingReachTheHandler) {
  app.add_get("/ws", [](Request& req) -> Coro<Response> {
    web::WebSocketOptions o;
    o.autoping = false;
    web::WebSocketResponse ws(o);
    co_await ws.prepare(req);
    WSMessage ping = co_await ws.receive();
    EXPECT_EQ(ping.type, WSMsgType::PING);
    co_await ws.pong("handler:" + ping.data);
    WSMessage pong = co_await ws.receive();
    EXPECT_EQ(pong.type, WSMsgType::PONG);
    co_await ws.ping("server");
    WSMessage closing = co_await ws.receive();
    EXPECT_EQ(closing.type, WSMsgType::CLOSE);
    co_return ws;
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await ws_open(p);
    co_await c.send(ws_frame(0x9, "x"));
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0xa);
    EXPECT_EQ(f.payload, "handler:x");
    co_await c.send(ws_frame(0xa, "unsolicited"));
    f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0x9);
    EXPECT_EQ(f.payload, "server");
    co_await c.send(ws_frame(0x8, close_payload(1000)));
    f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0x8);
  }(port));
}

TEST_F(WebSocketTest, ClientInitiatedCloseIsEchoedAndReported) {
  Seen seen;
  add_echo(app, seen);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await ws_open(p);
    co_await c.send(ws_frame(0x8, close_payload(4000, "bye")));
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0x8);
    EXPECT_EQ(f.close_code(), 4000);
    WsFrame end = co_await read_ws_frame(c.reader);
    EXPECT_EQ(end.opcode, -1);  // the server closed the TCP connection
  }(port));
  EXPECT_TRUE(seen.done);
  EXPECT_EQ(seen.last.type, WSMsgType::CLOSE);
  EXPECT_EQ(seen.last.data, "4000");
  EXPECT_EQ(seen.last.extra, "bye");
  EXPECT_EQ(seen.close_code, 4000);
}

TEST_F(WebSocketTest, ServerInitiatedCloseWaitsForTheReply) {
  std::optional<int> code;
  bool result = false;
  app.add_get("/ws", [&](Request& req) -> Coro<Response> {
    web::WebSocketResponse ws;
    co_await ws.prepare(req);
    result = co_await ws.close(4001, "done");
    code = ws.close_code();
    EXPECT_TRUE(ws.closed());
    WSMessage after = co_await ws.receive();
    EXPECT_EQ(after.type, WSMsgType::CLOSED);
    co_return ws;
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await ws_open(p);
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0x8);
    EXPECT_EQ(f.close_code(), 4001);
    EXPECT_EQ(f.payload.substr(2), "done");
    co_await c.send(ws_frame(0x1, "late data is dropped") + ws_frame(0x8, close_payload(4002)));
    WsFrame end = co_await read_ws_frame(c.reader);
    EXPECT_EQ(end.opcode, -1);
  }(port));
  EXPECT_TRUE(result);
  EXPECT_EQ(code, 4002);
}

TEST_F(WebSocketTest, OversizedMessageClosesWith1009) {
  Seen seen;
  web::WebSocketOptions o;
  o.max_msg_size = 1024;
  add_echo(app, seen, o);
  start();
  // The limit is on the message: two fragments of 600 bytes exceed it together.
  expect_violation(ws_frame(0x2, pattern(600), false) + ws_frame(0x0, pattern(600)), 1009);
  EXPECT_EQ(seen.last.type, WSMsgType::ERROR);
  EXPECT_EQ(seen.close_code, 1009);
}

TEST_F(WebSocketTest, InvalidUtf8ClosesWith1007) {
  Seen seen;
  add_echo(app, seen);
  start();
  expect_violation(ws_frame(0x1, "ok\xc0\xaf"), 1007);  // an overlong '/'
  EXPECT_EQ(seen.last.type, WSMsgType::ERROR);
  EXPECT_EQ(seen.last.data, "1007");
}

TEST_F(WebSocketTest, UnmaskedClientFrameClosesWith1002) {
  Seen seen;
  add_echo(app, seen);
  start();
  expect_violation(ws_frame(0x1, "hi", true, false), 1002);
  EXPECT_EQ(seen.close_code, 1002);
}

TEST_F(WebSocketTest, FramingViolationsCloseWith1002) {
  Seen seen;
  add_echo(app, seen);
  start();
  expect_violation(ws_frame(0x0, "no message to continue"), 1002);
  expect_violation(ws_frame(0x9, "fragmented ping", false), 1002);
  expect_violation(ws_frame(0x3, "reserved opcode"), 1002);
  expect_violation(ws_frame(0x8, close_payload(999)), 1002);
}

TEST_F(WebSocketTest, TwoHundredWebsocketsAtOnce) {
  Seen seen;
  add_echo(app, seen);
  start();
  run([](std::uint16_t p) -> Coro<void> {
    constexpr int kCount = 200;
    std::vector<Client> clients;
    for (int i = 0; i < kCount; ++i) {
      Client c = co_await ws_open(p);
      clients.push_back(std::move(c));
    }
    // Every socket has a message in flight before any reply is read.
    for (int i = 0; i < kCount; ++i) co_await clients[i].send(ws_frame(0x1, "m" + std::to_string(i)));
    for (int i = 0; i < kCount; ++i) {
      WsFrame f = co_await read_ws_frame(clients[i].reader);
      EXPECT_EQ(f.payload, "m" + std::to_string(i));
    }
    for (Client& c : clients) co_await c.send(ws_frame(0x8, close_payload(1000)));
    for (Client& c : clients) {
      WsFrame f = co_await read_ws_frame(c.reader);
      EXPECT_EQ(f.opcode, 0x8);
    }
  }(port));
}

TEST_F(WebSocketTest, GracefulShutdownClosesOpenWebsocketsWith1001) {
  Seen seen;
  add_echo(app, seen);
  start();
  Client c = run(ws_open(port));
  run([](Client& c) -> Coro<void> {
    co_await c.send(ws_frame(0x1, "before"));
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.payload, "before");
  }(c));
  // The client answers the server's close as a browser would.
  auto client = [](Client& c) -> Coro<void> {
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.opcode, 0x8);
    EXPECT_EQ(f.close_code(), 1001);
    co_await c.send(ws_frame(0x8, close_payload(1001)));
    WsFrame end = co_await read_ws_frame(c.reader);
    EXPECT_EQ(end.opcode, -1);
  };
  run([](web::AppRunner& runner, Coro<void> client) -> Coro<void> {
    Coro<void> cleanup = runner.cleanup();
    co_await gather(std::move(cleanup), std::move(client));
  }(*runner, client(c)));
  EXPECT_TRUE(seen.done);
  EXPECT_EQ(seen.last.type, WSMsgType::CLOSE);
  EXPECT_EQ(seen.close_code, 1001);
  site.reset();
  runner.reset();
}

TEST_F(WebSocketTest, WebsocketOverHttps) {
  Seen seen;
  add_echo(app, seen);
  SSLContext server(PROTOCOL_TLS_SERVER);
  server.load_cert_chain(test_certs().server_cert, test_certs().server_key);
  start({}, &server);
  run([](std::uint16_t p) -> Coro<void> {
    SSLContext ctx = create_default_context(Purpose::SERVER_AUTH, test_certs().ca_cert);
    ConnectionOptions o;
    o.ssl = &ctx;
    auto [r, w] = co_await open_connection("127.0.0.1", p, o);
    Client c{r, w};
    HttpReply reply = co_await ws_handshake(c);
    EXPECT_EQ(reply.status, 101);
    const std::string big = pattern(200000);
    co_await c.send(ws_frame(0x2, big) + ws_frame(0x1, "tls"));
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_TRUE(f.payload == big);
    f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.payload, "tls");
    co_await c.send(ws_frame(0x8, close_payload(1000)));
    f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.close_code(), 1000);
  }(port));
  EXPECT_EQ(seen.close_code, 1000);
}

TEST_F(VirtualWebTest, ReceiveTimeoutRaisesTimeoutError) {
  bool timed_out = false;
  app.add_get("/ws", [&](Request& req) -> Coro<Response> {
    web::WebSocketOptions o;
    o.receive_timeout = 5.0;
    web::WebSocketResponse ws(o);
    co_await ws.prepare(req);
    try {
      co_await ws.receive();
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    WSMessage m = co_await ws.receive(30.0);  // nothing was lost: the next frame arrives
    co_await ws.send_str("after:" + m.data);
    co_return ws;
  });
  start();
  run([](std::uint16_t p) -> Coro<void> {
    Client c = co_await ws_open(p);
    co_await sleep(10s);  // virtual time
    co_await c.send(ws_frame(0x1, "x"));
    WsFrame f = co_await read_ws_frame(c.reader);
    EXPECT_EQ(f.payload, "after:x");
  }(port));
  EXPECT_TRUE(timed_out);
}

}  // namespace
}  // namespace corio::test
