// WebSocket message types shared by the server (web::WebSocketResponse) and the client
// (aiohttp's WSMsgType, WSMessage and WSCloseCode).
#pragma once

#include <cstdint>
#include <string>

namespace corio::http {

/// What a received WebSocket message is (aiohttp.WSMsgType).
enum class WSMsgType : std::uint8_t {
  CONTINUATION = 0x0,
  TEXT = 0x1,
  BINARY = 0x2,
  PING = 0x9,
  PONG = 0xa,
  CLOSE = 0x8,
  CLOSING = 0x1f,  // CLOSING, CLOSED, ERROR are not on the wire (opcodes are 4 bits)
  CLOSED = 0x20,
  ERROR = 0x21,
};

/// Close codes of RFC 6455 §7.4.1 (aiohttp.WSCloseCode).
enum class WSCloseCode : std::uint16_t {
  OK = 1000,
  GOING_AWAY = 1001,
  PROTOCOL_ERROR = 1002,
  UNSUPPORTED_DATA = 1003,
  ABNORMAL_CLOSURE = 1006,
  INVALID_TEXT = 1007,
  POLICY_VIOLATION = 1008,
  MESSAGE_TOO_BIG = 1009,
  MANDATORY_EXTENSION = 1010,
  INTERNAL_ERROR = 1011,
  SERVICE_RESTART = 1012,
  TRY_AGAIN_LATER = 1013,
  BAD_GATEWAY = 1014,
};

/// One received message (aiohttp.WSMessage). TEXT/BINARY/PING/PONG: `data` is the
/// payload. CLOSE: `data` is the peer's close code in decimal ("1000") and `extra` its
/// reason. ERROR: `data` is the close code we sent for the violation, `extra` why.
struct WSMessage {
  WSMsgType type = WSMsgType::CLOSED;
  std::string data;
  std::string extra;
};

}  // namespace corio::http
