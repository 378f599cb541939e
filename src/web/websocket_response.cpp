// WebSocketResponse: the handshake, and the message API over WsProtocol with the HTTP
// connection as its transport (see websocket_response.hpp).
#include "corio/web/websocket_response.hpp"

#include "corio/core/exceptions.hpp"
#include "corio/sync/exceptions.hpp"
#include "corio/web/exceptions.hpp"
#include "corio/web/request.hpp"
#include "http/websocket_handshake.hpp"
#include "http/websocket_protocol.hpp"
#include "web/connection.hpp"

namespace corio::web {

using http::detail::WsOpcode;

struct WebSocketResponse::Impl final : detail::WsPeer, http::detail::WsTransport {
  Impl(detail::HttpConnection* c, const http::detail::WsConfig& cfg) : conn(c), proto(*this, cfg) {}
  ~Impl() {
    if (conn) conn->detach_ws();
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Coro<std::string_view> read() override { return conn->ws_read(); }
  std::string& out_buffer() noexcept override { return conn->ws_out(); }
  Coro<void> send() override { return conn->ws_send(); }
  void send_nowait() noexcept override { conn->ws_send_nowait(); }
  void going_away() noexcept override { proto.going_away(); }

  detail::HttpConnection* conn;
  http::detail::WsProtocol proto;
};

namespace {
std::string choose_protocol(std::string_view offered, const std::vector<std::string>& ours) {
  // The client's order decides, as in aiohttp.
  while (!offered.empty()) {
    std::size_t comma = offered.find(',');
    std::string_view item = offered.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    for (const std::string& p : ours) {
      if (p == item) return p;
    }
    if (comma == std::string_view::npos) break;
    offered.remove_prefix(comma + 1);
  }
  return {};
}

}  // namespace

WebSocketResponse::WebSocketResponse() : WebSocketResponse(WebSocketOptions{}) {}

WebSocketResponse::WebSocketResponse(WebSocketOptions options) : StreamResponse(101), options_(std::move(options)) {}

WebSocketResponse::~WebSocketResponse() = default;
WebSocketResponse::WebSocketResponse(WebSocketResponse&&) noexcept = default;

WebSocketResponse::Impl& WebSocketResponse::impl() {
  if (!impl_) throw RuntimeError("Call .prepare() first");
  return *impl_;
}

Coro<void> WebSocketResponse::prepare(Request& request) {
  if (impl_) co_return;
  if (request.method() != "GET") {
    std::vector<std::string> allowed{"GET"};
    throw HTTPMethodNotAllowed(request.method(), allowed);
  }
  std::string_view upgrade = request.header("Upgrade").value_or("");
  if (!http::detail::header_has_token(upgrade, "websocket")) {
    throw HTTPBadRequest("No WebSocket UPGRADE hdr: " + std::string(upgrade) +
                         "\n Can \"Upgrade\" only to \"WebSocket\".");
  }
  std::string_view connection = request.header("Connection").value_or("");
  if (!http::detail::header_has_token(connection, "upgrade")) {
    throw HTTPBadRequest("No CONNECTION upgrade hdr: " + std::string(connection));
  }
  std::string_view version = request.header("Sec-WebSocket-Version").value_or("");
  if (version != "13") {
    HTTPBadRequest e("Unsupported version: " + std::string(version));
    e.headers().add("Sec-WebSocket-Version", "13");  // the version we speak (RFC 6455 §4.4)
    throw e;
  }
  std::string_view key = request.header("Sec-WebSocket-Key").value_or("");
  if (!http::detail::valid_websocket_key(key)) throw HTTPBadRequest("Handshake error: '" + std::string(key) + "'");
  if (auto offered = request.header("Sec-WebSocket-Protocol")) protocol_ = choose_protocol(*offered, options_.protocols);

  std::string head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n";
  head += "Sec-WebSocket-Accept: ";
  head += http::detail::websocket_accept(key);
  head += "\r\n";
  if (!protocol_.empty()) {
    head += "Sec-WebSocket-Protocol: ";
    head += protocol_;
    head += "\r\n";
  }
  for (const auto& [k, v] : headers_) {
    head += k;
    head += ": ";
    head += v;
    head += "\r\n";
  }
  head += "Server: corio\r\n\r\n";

  http::detail::WsConfig cfg;
  cfg.client = false;
  cfg.autoping = options_.autoping;
  cfg.autoclose = options_.autoclose;
  cfg.receive_timeout = options_.receive_timeout;
  cfg.close_timeout = options_.close_timeout;
  cfg.max_msg_size = options_.max_msg_size;
  impl_ = std::make_unique<Impl>(request.conn_, cfg);
  conn_ = request.conn_;
  status_ = 101;
  prepared_ = true;
  eof_sent_ = true;  // no HTTP body follows: the connection does not end one
  co_await request.conn_->upgrade(head, impl_.get());
}

Coro<WSMessage> WebSocketResponse::receive(std::optional<double> timeout) {
  WSMessage m = co_await impl().proto.receive(timeout);
  co_return m;
}

Coro<std::string> WebSocketResponse::receive_str(std::optional<double> timeout) {
  WSMessage m = co_await receive(timeout);
  co_return http::detail::text_of(std::move(m));
}

Coro<std::string> WebSocketResponse::receive_bytes(std::optional<double> timeout) {
  WSMessage m = co_await receive(timeout);
  co_return http::detail::bytes_of(std::move(m));
}

Coro<nlohmann::json> WebSocketResponse::receive_json(std::optional<double> timeout) {
  std::string s = co_await receive_str(timeout);
  co_return nlohmann::json::parse(s);
}

Coro<void> WebSocketResponse::send_str(std::string_view data) {
  co_await impl().proto.send_frame(WsOpcode::Text, data);
}

Coro<void> WebSocketResponse::send_bytes(std::string_view data) {
  co_await impl().proto.send_frame(WsOpcode::Binary, data);
}

Coro<void> WebSocketResponse::send_json(const nlohmann::json& data) {
  std::string s = data.dump();
  co_await impl().proto.send_frame(WsOpcode::Text, s);
}

Coro<void> WebSocketResponse::ping(std::string_view message) {
  if (message.size() > 125) throw ValueError("a ping's payload is at most 125 bytes");
  co_await impl().proto.send_frame(WsOpcode::Ping, message);
}

Coro<void> WebSocketResponse::pong(std::string_view message) {
  if (message.size() > 125) throw ValueError("a pong's payload is at most 125 bytes");
  co_await impl().proto.send_frame(WsOpcode::Pong, message);
}

Coro<bool> WebSocketResponse::close(int code, std::string_view message) {
  if (!impl_) throw RuntimeError("Call .prepare() first");
  bool r = co_await impl_->proto.close(static_cast<std::uint16_t>(code), message);
  co_return r;
}

bool WebSocketResponse::closed() const noexcept { return impl_ && impl_->proto.closed(); }

std::optional<int> WebSocketResponse::close_code() const noexcept {
  return impl_ ? impl_->proto.close_code() : std::nullopt;
}

}  // namespace corio::web
