// ClientWebSocketResponse: the client side of a WebSocket, from
// ClientSession::ws_connect (aiohttp.ClientWebSocketResponse).
//
//   corio::http::ClientWebSocketResponse ws = co_await session.ws_connect("ws://127.0.0.1:8080/ws");
//   co_await ws.send_str("hello");
//   corio::http::WSMessage msg = co_await ws.receive();   // TEXT "hello" from an echo server
//   co_await ws.close();
//
// Design: ws_connect opens a connection of its own (ws:// plain, wss:// with the
// connector's SSLContext or the default one), not one from the session's pool, since
// the socket never goes back to it. Frames are masked (RFC 6455 §5.3). The message
// loop is the server's (autoping, autoclose, closing handshake, close codes).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "corio/core/coro.hpp"
#include "corio/http/client_exceptions.hpp"
#include "corio/http/multidict.hpp"
#include "corio/http/websocket.hpp"

namespace corio::http {

/// ws_connect's keyword arguments.
struct WSConnectOptions {
  /// Subprotocols offered, in order of preference (Sec-WebSocket-Protocol).
  std::vector<std::string> protocols{};
  /// Extra handshake headers (after the session's).
  Headers headers{};
  /// Answer pings and swallow pongs inside receive().
  bool autoping = true;
  /// Answer the server's close frame inside receive().
  bool autoclose = true;
  /// receive()'s default timeout in seconds; none by default.
  std::optional<double> receive_timeout{};
  /// How long close() waits for the server's close frame (aiohttp's timeout=).
  double close_timeout = 10.0;
  /// The largest message accepted (a larger one closes with 1009); 0: no limit.
  std::size_t max_msg_size = 4 * 1024 * 1024;
  /// false: do not verify the server's certificate (wss://).
  bool verify_ssl = true;
};

/// The server refused the upgrade (aiohttp.WSServerHandshakeError): not 101, or a
/// wrong Sec-WebSocket-Accept.
class WSServerHandshakeError : public ClientResponseError {
 public:
  using ClientResponseError::ClientResponseError;
};

/// A client WebSocket (aiohttp.ClientWebSocketResponse). Move-only.
class ClientWebSocketResponse {
 public:
  ClientWebSocketResponse(ClientWebSocketResponse&&) noexcept;
  ClientWebSocketResponse& operator=(ClientWebSocketResponse&&) noexcept;
  ~ClientWebSocketResponse();

  /// The subprotocol the server chose ("" for none).
  const std::string& protocol() const noexcept;
  /// The next message; CLOSED once closed. TimeoutError after `timeout` seconds.
  /// Cancellation: safe; nothing of the stream is lost.
  Coro<WSMessage> receive(std::optional<double> timeout = std::nullopt);
  /// The next message's text; ValueError if it is not TEXT (aiohttp: TypeError).
  Coro<std::string> receive_str(std::optional<double> timeout = std::nullopt);
  /// The next message's bytes; ValueError if it is not BINARY.
  Coro<std::string> receive_bytes(std::optional<double> timeout = std::nullopt);
  Coro<nlohmann::json> receive_json(std::optional<double> timeout = std::nullopt);
  /// Sends a text message. Cancellation: the connection is unusable after it.
  /// ConnectionResetError once closing.
  Coro<void> send_str(std::string_view data);
  Coro<void> send_bytes(std::string_view data);
  Coro<void> send_json(const nlohmann::json& data);
  Coro<void> ping(std::string_view message = {});
  Coro<void> pong(std::string_view message = {});
  /// The closing handshake (see web::WebSocketResponse::close), then the connection
  /// is closed. False if already closed.
  Coro<bool> close(int code = 1000, std::string_view message = {});
  bool closed() const noexcept;
  std::optional<int> close_code() const noexcept;

  struct Impl;

 private:
  friend class ClientSession;
  explicit ClientWebSocketResponse(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace corio::http
