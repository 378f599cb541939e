// WsProtocol: one WebSocket endpoint's message loop over a byte transport, shared by
// the server (web::WebSocketResponse over its HTTP connection) and the client.
//
// receive() turns frames into aiohttp's WSMessages: pings are answered and pongs
// swallowed when autoping is on; a close frame is answered (autoclose) and reported as
// CLOSE, later calls get CLOSED; a protocol violation sends the close code the parser
// chose (1002/1007/1009) and is reported as ERROR; EOF without a close is 1006.
// close() sends our close frame, then reads (and drops) until the peer's close frame
// arrives or close_timeout passes — unless another receive() is reading, which then
// sees the reply. going_away() is the non-suspending close of graceful shutdown.
//
// Invariants: at most one reader (receive or close) at a time; frames are appended to
// the transport's out buffer whole, so a close frame queued by going_away() while a
// send is suspended lands after that send's frame, never inside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "corio/core/coro.hpp"
#include "corio/http/websocket.hpp"
#include "http/websocket_codec.hpp"

namespace corio::http::detail {

/// The bytes under a WebSocket.
class WsTransport {
 public:
  /// The next bytes of the stream, valid until the next read(); empty at EOF.
  virtual Coro<std::string_view> read() = 0;
  /// Where frames are appended before send() / send_nowait().
  virtual std::string& out_buffer() noexcept = 0;
  /// Sends the out buffer; ConnectionResetError when the peer is gone.
  virtual Coro<void> send() = 0;
  /// Sends what the socket takes now; the rest goes with the next send().
  virtual void send_nowait() noexcept = 0;

 protected:
  ~WsTransport() = default;
};

struct WsConfig {
  bool client = false;  // client frames are masked; a server's must not be
  bool autoping = true;
  bool autoclose = true;
  std::optional<double> receive_timeout;
  double close_timeout = 10.0;
  std::size_t max_msg_size = 4 * 1024 * 1024;
};

class WsProtocol {
 public:
  WsProtocol(WsTransport& transport, const WsConfig& config) noexcept
      : t_(transport), cfg_(config), parser_(!config.client, config.max_msg_size) {}

  Coro<WSMessage> receive(std::optional<double> timeout);
  /// Sends one frame; ConnectionResetError once a close was sent.
  Coro<void> send_frame(WsOpcode opcode, std::string_view payload);
  Coro<bool> close(std::uint16_t code, std::string_view message);
  void going_away() noexcept;

  bool closed() const noexcept { return closed_; }
  std::optional<int> close_code() const noexcept { return close_code_; }

 private:
  enum class Next : std::uint8_t { Message, Eof, Error };
  Coro<Next> next_message();
  Coro<WSMessage> receive_one();
  Coro<void> read_close_reply();
  void append_frame(WsOpcode opcode, std::string_view payload);

  WsTransport& t_;
  WsConfig cfg_;
  WsFrameParser parser_;
  std::string_view pending_;  // read and not yet parsed
  bool reading_ = false;
  bool sending_ = false;
  bool close_sent_ = false;
  bool close_received_ = false;
  bool closed_ = false;
  bool close_queued_ = false;  // going_away() during a send: the sender appends it
  std::optional<int> close_code_;
};

/// receive_str / receive_bytes of both sides: the message's data if it has that type,
/// else ValueError with aiohttp's message.
std::string text_of(WSMessage&& m);
std::string bytes_of(WSMessage&& m);

}  // namespace corio::http::detail
