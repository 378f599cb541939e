// WsProtocol: receive/send/close over a WsTransport (see websocket_protocol.hpp).
#include "http/websocket_protocol.hpp"

#include <cerrno>
#include <chrono>
#include <random>

#include "corio/core/exceptions.hpp"
#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"
#include "corio/tasks/timeout.hpp"

namespace corio::http::detail {

namespace {
std::uint32_t mask_key() noexcept {
  // RFC 6455 §5.3 wants keys a proxy cannot predict; a per-thread generator seeded
  // from the OS is enough for that (the mask is not a secrecy measure).
  thread_local std::mt19937 gen{std::random_device{}()};
  std::uint32_t k = 0;
  while (k == 0) k = static_cast<std::uint32_t>(gen());
  return k;
}

std::chrono::nanoseconds seconds(double s) {
  return std::chrono::nanoseconds(static_cast<std::int64_t>(s * 1e9));
}

struct Flag {
  explicit Flag(bool& f) noexcept : f_(f) { f_ = true; }
  ~Flag() { f_ = false; }
  Flag(const Flag&) = delete;
  Flag& operator=(const Flag&) = delete;
  bool& f_;
};
}  // namespace

void WsProtocol::append_frame(WsOpcode opcode, std::string_view payload) {
  write_ws_frame(t_.out_buffer(), opcode, payload, true, cfg_.client ? mask_key() : 0);
}

Coro<WsProtocol::Next> WsProtocol::next_message() {
  while (true) {
    if (!pending_.empty()) {
      WsFrameParser::Status s = parser_.feed(pending_);
      if (s == WsFrameParser::Status::Message) co_return Next::Message;
      if (s == WsFrameParser::Status::Error) co_return Next::Error;
    }
    std::string_view got = co_await t_.read();
    if (got.empty()) co_return Next::Eof;
    pending_ = got;
  }
}

Coro<WSMessage> WsProtocol::receive(std::optional<double> timeout) {
  if (!timeout) timeout = cfg_.receive_timeout;
  if (!timeout) {
    WSMessage m = co_await receive_one();
    co_return m;
  }
  Coro<WSMessage> c = receive_one();
  WSMessage m = co_await wait_for(std::move(c), seconds(*timeout));
  co_return m;
}

Coro<WSMessage> WsProtocol::receive_one() {
  if (closed_) co_return WSMessage{WSMsgType::CLOSED, {}, {}};
  if (close_received_) co_return WSMessage{WSMsgType::CLOSING, {}, {}};
  if (reading_) throw RuntimeError("Concurrent call to receive() is not allowed");
  Flag reading(reading_);
  while (true) {
    Next n = co_await next_message();
    if (n == Next::Eof) {
      close_code_ = static_cast<int>(WSCloseCode::ABNORMAL_CLOSURE);
      closed_ = true;
      co_return WSMessage{WSMsgType::CLOSED, {}, {}};
    }
    if (n == Next::Error) {
      const std::uint16_t code = parser_.error_code();
      close_code_ = code;
      if (!close_sent_) {
        close_sent_ = true;
        append_frame(WsOpcode::Close, ws_close_payload(code, {}));
        t_.send_nowait();
      }
      closed_ = true;
      co_return WSMessage{WSMsgType::ERROR, std::to_string(code), std::string(parser_.error_text())};
    }
    std::string& payload = parser_.payload();
    switch (parser_.opcode()) {
      case WsOpcode::Close: {
        std::uint16_t code = 0, err = 0;
        std::string_view reason;
        (void)parse_ws_close(payload, code, reason, err);  // the parser has validated it
        close_received_ = true;
        close_code_ = code;
        WSMessage m{WSMsgType::CLOSE, std::to_string(code), std::string(reason)};
        if (close_sent_) {
          closed_ = true;  // the reply to our close: the handshake is complete
        } else if (cfg_.autoclose) {
          // Echo the peer's code (RFC 6455 §5.5.1); "no status" is answered with 1000.
          const std::uint16_t echo = code == 1005 ? 1000 : code;
          co_await close(echo, {});
        }
        co_return m;
      }
      case WsOpcode::Ping:
        if (cfg_.autoping) {
          if (!close_sent_) {
            std::string body = std::move(payload);
            co_await send_frame(WsOpcode::Pong, body);
          }
          continue;
        }
        co_return WSMessage{WSMsgType::PING, std::move(payload), {}};
      case WsOpcode::Pong:
        if (cfg_.autoping) continue;
        co_return WSMessage{WSMsgType::PONG, std::move(payload), {}};
      case WsOpcode::Text:
        co_return WSMessage{WSMsgType::TEXT, std::move(payload), {}};
      default:
        co_return WSMessage{WSMsgType::BINARY, std::move(payload), {}};
    }
  }
}

Coro<void> WsProtocol::send_frame(WsOpcode opcode, std::string_view payload) {
  if (close_sent_) throw ConnectionResetError(ECONNRESET, "Cannot write to closing transport");
  append_frame(opcode, payload);
  {
    Flag sending(sending_);
    co_await t_.send();
  }
  if (close_queued_) {
    close_queued_ = false;
    append_frame(WsOpcode::Close, ws_close_payload(static_cast<std::uint16_t>(WSCloseCode::GOING_AWAY), {}));
    t_.send_nowait();
  }
}

void WsProtocol::going_away() noexcept {
  if (closed_ || close_sent_) return;
  close_sent_ = true;
  if (sending_) {
    close_queued_ = true;
    return;
  }
  try {
    append_frame(WsOpcode::Close, ws_close_payload(static_cast<std::uint16_t>(WSCloseCode::GOING_AWAY), {}));
  } catch (...) {
    return;  // out of memory: the shutdown timeout ends the connection
  }
  t_.send_nowait();
}

Coro<bool> WsProtocol::close(std::uint16_t code, std::string_view message) {
  if (closed_) co_return false;
  if (!close_sent_) {
    close_sent_ = true;
    append_frame(WsOpcode::Close, ws_close_payload(code, message));
    bool failed = false;
    try {
      co_await t_.send();
    } catch (const OSError&) {
      failed = true;
    }
    if (failed) {
      close_code_ = static_cast<int>(WSCloseCode::ABNORMAL_CLOSURE);
      closed_ = true;
      co_return true;
    }
  }
  if (close_received_) {
    closed_ = true;
    co_return true;
  }
  // A receive() in another task is reading: it will see the peer's reply.
  if (reading_) co_return true;
  bool timed_out = false;
  try {
    Coro<void> reply = read_close_reply();
    co_await wait_for(std::move(reply), seconds(cfg_.close_timeout));
  } catch (const TimeoutError&) {
    timed_out = true;
  }
  if (timed_out) close_code_ = static_cast<int>(WSCloseCode::ABNORMAL_CLOSURE);
  closed_ = true;
  co_return true;
}

Coro<void> WsProtocol::read_close_reply() {
  Flag reading(reading_);
  while (true) {
    Next n = co_await next_message();
    if (n == Next::Eof) {
      close_code_ = static_cast<int>(WSCloseCode::ABNORMAL_CLOSURE);
      co_return;
    }
    if (n == Next::Error) {
      close_code_ = parser_.error_code();
      co_return;
    }
    if (parser_.opcode() == WsOpcode::Close) {
      std::uint16_t code = 0, err = 0;
      std::string_view reason;
      (void)parse_ws_close(parser_.payload(), code, reason, err);
      close_received_ = true;
      close_code_ = code;
      co_return;
    }
  }
}

std::string text_of(WSMessage&& m) {
  if (m.type != WSMsgType::TEXT) throw ValueError("Received message is not a str");
  return std::move(m.data);
}

std::string bytes_of(WSMessage&& m) {
  if (m.type != WSMsgType::BINARY) throw ValueError("Received message is not bytes");
  return std::move(m.data);
}

}  // namespace corio::http::detail
