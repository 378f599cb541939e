// WebSocketResponse: a handler's side of a WebSocket (aiohttp.web.WebSocketResponse).
//
//   corio::Coro<corio::web::Response> echo(corio::web::Request& request) {
//     corio::web::WebSocketResponse ws;
//     co_await ws.prepare(request);                 // the handshake: 101 Switching Protocols
//     while (true) {
//       corio::web::WSMessage msg = co_await ws.receive();
//       if (msg.type != corio::web::WSMsgType::TEXT) break;   // CLOSE, CLOSED, ERROR
//       co_await ws.send_str(msg.data);
//     }
//     co_return ws;
//   }
//
// After prepare() the connection belongs to the websocket: no more HTTP is parsed on
// it, and it closes when the handler returns. The websocket lives in the handler's
// frame; returning it (`co_return ws;`) is aiohttp's idiom and sends nothing more.
// Graceful server shutdown sends close 1001 (going away) to every open websocket; the
// handler's receive() then gets the client's reply as CLOSE. Works over https sites.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "corio/core/coro.hpp"
#include "corio/http/websocket.hpp"
#include "corio/web/response.hpp"

namespace corio::web {

using http::WSCloseCode;
using http::WSMessage;
using http::WSMsgType;

/// WebSocketResponse's settings (aiohttp's constructor arguments).
struct WebSocketOptions {
  /// Subprotocols the server speaks, in order of preference.
  std::vector<std::string> protocols;
  /// Answer pings with pongs and swallow pongs inside receive().
  bool autoping = true;
  /// Answer the peer's close frame inside receive().
  bool autoclose = true;
  /// receive()'s default timeout in seconds (TimeoutError); none by default.
  std::optional<double> receive_timeout;
  /// How long close() waits for the peer's close frame (aiohttp's timeout=).
  double close_timeout = 10.0;
  /// The largest message accepted; a larger one closes with 1009. 0: no limit.
  std::size_t max_msg_size = 4 * 1024 * 1024;
};

/// The server side of a WebSocket (aiohttp.web.WebSocketResponse).
class WebSocketResponse : public StreamResponse {
 public:
  WebSocketResponse();
  explicit WebSocketResponse(WebSocketOptions options);
  ~WebSocketResponse();
  WebSocketResponse(WebSocketResponse&&) noexcept;
  WebSocketResponse& operator=(WebSocketResponse&&) = delete;

  /// Checks the handshake (GET, Upgrade: websocket, Connection: upgrade,
  /// Sec-WebSocket-Version 13, a 16-byte Sec-WebSocket-Key; HTTPBadRequest otherwise)
  /// and sends 101 Switching Protocols with the negotiated subprotocol.
  /// Cancellation: the connection is closed.
  Coro<void> prepare(Request& request);
  /// The subprotocol chosen at prepare() ("" for none).
  const std::string& ws_protocol() const noexcept { return protocol_; }

  /// The next message (see WSMessage); CLOSED once closed. TimeoutError after
  /// `timeout` seconds (default: WebSocketOptions::receive_timeout).
  /// Cancellation: safe; nothing of the stream is lost.
  Coro<WSMessage> receive(std::optional<double> timeout = std::nullopt);
  /// The next message's text; ValueError if it is not TEXT (aiohttp: TypeError).
  Coro<std::string> receive_str(std::optional<double> timeout = std::nullopt);
  /// The next message's bytes; ValueError if it is not BINARY.
  Coro<std::string> receive_bytes(std::optional<double> timeout = std::nullopt);
  /// The next TEXT message parsed as JSON.
  Coro<nlohmann::json> receive_json(std::optional<double> timeout = std::nullopt);

  /// Sends a text message (`data` must be UTF-8). Cancellation: the connection is
  /// closed. ConnectionResetError once closing.
  Coro<void> send_str(std::string_view data);
  /// Sends a binary message. Cancellation and errors: as send_str.
  Coro<void> send_bytes(std::string_view data);
  /// Sends `data` serialized as a text message.
  Coro<void> send_json(const nlohmann::json& data);
  Coro<void> ping(std::string_view message = {});
  Coro<void> pong(std::string_view message = {});
  /// Starts or completes the closing handshake: sends close(code, message) and waits
  /// up to close_timeout for the peer's close frame. False if already closed.
  Coro<bool> close(int code = 1000, std::string_view message = {});

  /// True once the closing handshake is done (or the connection was lost).
  bool closed() const noexcept;
  /// The close code: the peer's, 1006 for a lost connection, ours for a violation.
  std::optional<int> close_code() const noexcept;

 private:
  struct Impl;
  Impl& impl();
  WebSocketOptions options_;
  std::string protocol_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corio::web
