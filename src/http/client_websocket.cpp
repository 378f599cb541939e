// ClientSession::ws_connect and ClientWebSocketResponse (see client_websocket.hpp):
// the opening handshake on a stream pair of its own, then WsProtocol over the streams.
#include "corio/http/client_websocket.hpp"

#include <cerrno>

#include "corio/core/exceptions.hpp"
#include "corio/http/client_session.hpp"
#include "corio/net/errors.hpp"
#include "corio/net/streams.hpp"
#include "corio/sync/exceptions.hpp"
#include "http/websocket_handshake.hpp"
#include "http/websocket_protocol.hpp"

namespace corio::http {

using detail::WsOpcode;

struct ClientWebSocketResponse::Impl final : detail::WsTransport {
  Impl(StreamReader r, StreamWriter w, const detail::WsConfig& cfg)
      : reader(std::move(r)), writer(std::move(w)), proto(*this, cfg) {}
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  Coro<std::string_view> read() override {
    bool lost = false;
    try {
      in = co_await reader.read(64 * 1024);
    } catch (const OSError&) {
      lost = true;  // a reset is an end without a close frame, as EOF
    }
    if (lost) in.clear();
    co_return std::string_view(in);
  }
  std::string& out_buffer() noexcept override { return out; }
  Coro<void> send() override {
    writer.write(out);
    out.clear();
    co_await writer.drain();
  }
  void send_nowait() noexcept override {
    try {
      writer.write(out);
    } catch (...) {
      // the connection is gone: the reader sees EOF
    }
    out.clear();
  }

  StreamReader reader;
  StreamWriter writer;
  std::string in;
  std::string out;
  std::string protocol;
  detail::WsProtocol proto;
};

namespace {
/// The status and headers of the handshake reply.
struct ReplyHead {
  int status = 0;
  Headers headers;
};

ReplyHead parse_head(std::string_view head, const std::string& url) {
  ReplyHead out;
  std::size_t eol = head.find("\r\n");
  std::string_view line = head.substr(0, eol);
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/") throw WSServerHandshakeError(0, "Invalid response status", url);
  out.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  head.remove_prefix(eol + 2);
  while (!head.empty()) {
    eol = head.find("\r\n");
    line = head.substr(0, eol);
    if (line.empty()) break;
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
      out.headers.add(std::string(line.substr(0, colon)), std::string(value));
    }
    if (eol == std::string_view::npos) break;
    head.remove_prefix(eol + 2);
  }
  return out;
}
}  // namespace

Coro<ClientWebSocketResponse> ClientSession::ws_connect(URL url) {
  WSConnectOptions o;
  ClientWebSocketResponse ws = co_await ws_connect(std::move(url), std::move(o));
  co_return ws;
}

Coro<ClientWebSocketResponse> ClientSession::ws_connect(URL url, WSConnectOptions options) {
  if (closed_) throw RuntimeError("Session is closed");
  const bool secure = url.scheme() == "wss" || url.scheme() == "https";
  if (!(secure || url.scheme() == "ws" || url.scheme() == "http") || url.host().empty()) {
    throw InvalidURL(url.human_repr());
  }
  const std::uint16_t port = url.explicit_port().value_or(secure ? 443 : 80);
  const std::string url_text = url.human_repr();

  std::optional<SSLContext> ctx;
  ConnectionOptions copts;
  if (secure) {
    const auto& configured = connector_.options().ssl_context;
    ctx = configured ? *configured : create_default_context();
    if (!options.verify_ssl) {
      ctx->set_check_hostname(false);
      ctx->set_verify_mode(CERT_NONE);
    }
    copts.ssl = &*ctx;
    copts.server_hostname = url.host();
  }
  std::optional<StreamReader> reader_slot;
  std::optional<StreamWriter> writer_slot;
  try {
    auto [r, w] = co_await open_connection(url.host(), port, copts);
    reader_slot.emplace(std::move(r));
    writer_slot.emplace(std::move(w));
  } catch (const OSError& e) {
    throw ClientConnectorError(e.errno_value(), "Cannot connect to host " + url.host_port() + ": " + e.what(),
                               url.host(), port);
  }

  StreamReader& reader = *reader_slot;
  StreamWriter& writer = *writer_slot;
  const std::string key = detail::new_websocket_key();
  std::string req = "GET " + url.path_qs() + " HTTP/1.1\r\nHost: " + url.host_port() +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                    "Sec-WebSocket-Key: " + key + "\r\n";
  if (!options.protocols.empty()) {
    req += "Sec-WebSocket-Protocol: ";
    for (std::size_t i = 0; i < options.protocols.size(); ++i) {
      if (i) req += ", ";
      req += options.protocols[i];
    }
    req += "\r\n";
  }
  for (const Headers* hs : {&headers_, &options.headers}) {
    for (const auto& [k, v] : *hs) {
      // The session's Accept-Encoding and the like mean nothing to an upgrade; they
      // are sent anyway, as aiohttp does, except what the handshake itself sets.
      if (iequals(k, "Upgrade") || iequals(k, "Connection") || iequals(k, "Host")) continue;
      req += k;
      req += ": ";
      req += v;
      req += "\r\n";
    }
  }
  req += "\r\n";
  writer.write(req);
  co_await writer.drain();
  std::string head;
  try {
    head = co_await reader.readuntil("\r\n\r\n");
  } catch (const std::exception&) {
    throw ServerDisconnectedError("Server disconnected during the WebSocket handshake");
  }
  ReplyHead reply = parse_head(head, url_text);
  if (reply.status != 101) throw WSServerHandshakeError(reply.status, "Invalid response status", url_text);
  if (!detail::header_has_token(reply.headers.get("Upgrade").value_or(""), "websocket")) {
    throw WSServerHandshakeError(reply.status, "Invalid upgrade header", url_text);
  }
  if (!detail::header_has_token(reply.headers.get("Connection").value_or(""), "upgrade")) {
    throw WSServerHandshakeError(reply.status, "Invalid connection header", url_text);
  }
  if (reply.headers.get("Sec-WebSocket-Accept").value_or("") != detail::websocket_accept(key)) {
    throw WSServerHandshakeError(reply.status, "Invalid challenge response", url_text);
  }

  detail::WsConfig cfg;
  cfg.client = true;
  cfg.autoping = options.autoping;
  cfg.autoclose = options.autoclose;
  cfg.receive_timeout = options.receive_timeout;
  cfg.close_timeout = options.close_timeout;
  cfg.max_msg_size = options.max_msg_size;
  auto impl = std::make_unique<ClientWebSocketResponse::Impl>(std::move(reader), std::move(writer), cfg);
  if (auto p = reply.headers.get("Sec-WebSocket-Protocol")) impl->protocol = std::string(*p);
  co_return ClientWebSocketResponse(std::move(impl));
}

ClientWebSocketResponse::ClientWebSocketResponse(std::unique_ptr<Impl> impl) noexcept : impl_(std::move(impl)) {}
ClientWebSocketResponse::ClientWebSocketResponse(ClientWebSocketResponse&&) noexcept = default;
ClientWebSocketResponse& ClientWebSocketResponse::operator=(ClientWebSocketResponse&&) noexcept = default;

ClientWebSocketResponse::~ClientWebSocketResponse() {
  if (impl_) impl_->writer.close();
}

const std::string& ClientWebSocketResponse::protocol() const noexcept { return impl_->protocol; }

Coro<WSMessage> ClientWebSocketResponse::receive(std::optional<double> timeout) {
  WSMessage m = co_await impl_->proto.receive(timeout);
  if (impl_->proto.closed()) impl_->writer.close();
  co_return m;
}

Coro<std::string> ClientWebSocketResponse::receive_str(std::optional<double> timeout) {
  WSMessage m = co_await receive(timeout);
  co_return detail::text_of(std::move(m));
}

Coro<std::string> ClientWebSocketResponse::receive_bytes(std::optional<double> timeout) {
  WSMessage m = co_await receive(timeout);
  co_return detail::bytes_of(std::move(m));
}

Coro<nlohmann::json> ClientWebSocketResponse::receive_json(std::optional<double> timeout) {
  std::string s = co_await receive_str(timeout);
  co_return nlohmann::json::parse(s);
}

Coro<void> ClientWebSocketResponse::send_str(std::string_view data) {
  co_await impl_->proto.send_frame(WsOpcode::Text, data);
}

Coro<void> ClientWebSocketResponse::send_bytes(std::string_view data) {
  co_await impl_->proto.send_frame(WsOpcode::Binary, data);
}

Coro<void> ClientWebSocketResponse::send_json(const nlohmann::json& data) {
  std::string s = data.dump();
  co_await impl_->proto.send_frame(WsOpcode::Text, s);
}

Coro<void> ClientWebSocketResponse::ping(std::string_view message) {
  if (message.size() > 125) throw ValueError("a ping's payload is at most 125 bytes");
  co_await impl_->proto.send_frame(WsOpcode::Ping, message);
}

Coro<void> ClientWebSocketResponse::pong(std::string_view message) {
  if (message.size() > 125) throw ValueError("a pong's payload is at most 125 bytes");
  co_await impl_->proto.send_frame(WsOpcode::Pong, message);
}

Coro<bool> ClientWebSocketResponse::close(int code, std::string_view message) {
  bool r = co_await impl_->proto.close(static_cast<std::uint16_t>(code), message);
  if (impl_->proto.closed()) impl_->writer.close();
  co_return r;
}

bool ClientWebSocketResponse::closed() const noexcept { return impl_->proto.closed(); }

std::optional<int> ClientWebSocketResponse::close_code() const noexcept { return impl_->proto.close_code(); }

}  // namespace corio::http
