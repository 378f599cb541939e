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
// Heartbeat (aiohttp's heartbeat=): one loop timer, re-armed lazily. A read that brings
// bytes only notes the time (no timer call per frame); when the timer fires early it
// re-arms itself for `heartbeat` after the last received bytes. When it fires on time,
// a PING goes out (non-suspending, as going_away's close) and the timer is set for
// heartbeat/2; if nothing was received by then the connection is dead: close code 1006,
// the transport is aborted (a pending read ends at EOF) and the pending receive() gets
// ERROR, later ones CLOSED. Frames are only read inside receive()/close(), so the
// PONG is seen only by a side that is receiving (aiohttp before 3.10 likewise). The
// timer stops once closing starts and is cancelled by the destructor.
//
// Invariants: at most one reader (receive or close) at a time; frames are appended to
// the transport's out buffer whole, so a close frame queued by going_away() (or a ping
// of the heartbeat) while a send is suspended lands after that send's frame, never
// inside it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "corio/core/coro.hpp"
#include "corio/http/websocket.hpp"
#include "corio/loop/event_loop.hpp"
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
  /// Drops the connection now (the heartbeat found it dead); a pending read() ends
  /// with EOF.
  virtual void abort() noexcept = 0;

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
  std::optional<double> heartbeat;  // seconds between pings when nothing is received
};

class WsProtocol {
 public:
  /// Starts the heartbeat if configured (needs the running loop).
  WsProtocol(WsTransport& transport, const WsConfig& config);
  ~WsProtocol();
  WsProtocol(const WsProtocol&) = delete;
  WsProtocol& operator=(const WsProtocol&) = delete;

  Coro<WSMessage> receive(std::optional<double> timeout);
  /// Sends one frame; ConnectionResetError once a close was sent or the connection is
  /// closed (lost, or dropped by the heartbeat).
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
  void note_received() noexcept;
  void arm_heartbeat(std::int64_t at_ns) noexcept;
  void stop_heartbeat() noexcept;
  void on_heartbeat() noexcept;
  void send_heartbeat_ping() noexcept;
  WSMessage heartbeat_error() const;

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

  // ---- heartbeat (hb_ns_ == 0: none) ----
  EventLoop* loop_ = nullptr;
  std::int64_t hb_ns_ = 0;
  TimerHandle hb_timer_;
  bool hb_armed_ = false;
  bool awaiting_pong_ = false;  // a ping is out; the timer is its deadline
  bool ping_queued_ = false;    // the ping came during a send: the sender appends it
  bool hb_failed_ = false;      // no answer in time: the connection was aborted
  std::uint64_t received_ = 0;  // reads that brought bytes
  std::uint64_t received_at_ping_ = 0;
  std::int64_t last_received_ns_ = 0;
};

/// receive_str / receive_bytes of both sides: the message's data if it has that type,
/// else ValueError with aiohttp's message.
std::string text_of(WSMessage&& m);
std::string bytes_of(WSMessage&& m);

}  // namespace corio::http::detail
