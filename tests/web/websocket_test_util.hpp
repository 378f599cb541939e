// A hand-built WebSocket client for the server tests: the handshake and the frames
// are written byte by byte (RFC 6455), so the server is not only tested against
// corio's own codec, and frames the codec would never produce can be sent.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "web_test_util.hpp"

namespace corio::test {

/// RFC 6455 §1.3's example key and its accept value.
inline constexpr std::string_view kSampleKey = "dGhlIHNhbXBsZSBub25jZQ==";
inline constexpr std::string_view kSampleAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// One frame as written by a client: masked unless `mask` is false.
inline std::string ws_frame(int opcode, std::string_view payload, bool fin = true, bool mask = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  const int m = mask ? 0x80 : 0;
  const std::size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(m | static_cast<int>(n));
  } else if (n < 65536) {
    f += static_cast<char>(m | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(m | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff);
  }
  const char key[4] = {'\x37', '\xfa', '\x21', '\x3d'};
  if (mask) f.append(key, 4);
  for (std::size_t i = 0; i < n; ++i) f += mask ? static_cast<char>(payload[i] ^ key[i % 4]) : payload[i];
  return f;
}

/// A close frame's payload.
inline std::string close_payload(int code, std::string_view reason = {}) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xff);
  p += reason;
  return p;
}

struct WsFrame {
  int opcode = -1;  // -1: the connection ended
  bool fin = false;
  bool masked = false;
  std::string payload;
  int close_code() const {
    return payload.size() >= 2 ? (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1])
                               : 1005;
  }
};

/// Reads one server frame (opcode -1 at EOF).
inline Coro<WsFrame> read_ws_frame(StreamReader& r) {
  WsFrame f;
  std::string h;
  try {
    h = co_await r.readexactly(2);
  } catch (const IncompleteReadError&) {
    co_return f;
  } catch (const ConnectionResetError&) {
    co_return f;
  }
  f.fin = (h[0] & 0x80) != 0;
  f.opcode = h[0] & 0x0f;
  f.masked = (h[1] & 0x80) != 0;
  std::uint64_t n = h[1] & 0x7f;
  if (n >= 126) {
    std::string ext = co_await r.readexactly(n == 126 ? 2 : 8);
    n = 0;
    for (char c : ext) n = (n << 8) | static_cast<unsigned char>(c);
  }
  if (f.masked) co_await r.readexactly(4);  // a server must not mask: the tests check `masked`
  if (n) f.payload = co_await r.readexactly(static_cast<std::size_t>(n));
  co_return f;
}

/// Sends a client handshake for `path` and reads the reply's head.
inline Coro<HttpReply> ws_handshake(Client& c, std::string path = "/ws", std::string extra = {}) {
  std::string req = "GET " + path +
                    " HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
                    std::string(kSampleKey) + "\r\n" + extra + "\r\n";
  co_await c.send(req);
  HttpReply r = co_await read_reply(c.reader, true);
  co_return r;
}

/// A connected, upgraded raw websocket.
inline Coro<Client> ws_open(std::uint16_t port, std::string path = "/ws") {
  Client c = co_await Client::connect(port);
  HttpReply r = co_await ws_handshake(c, path);
  if (r.status != 101) throw RuntimeError("handshake answered " + std::to_string(r.status));
  co_return c;
}

}  // namespace corio::test
