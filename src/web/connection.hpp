// HttpConnection: one HTTP/1.1 server connection — the read/parse/dispatch/write loop.
//
// Reading: the connection owns a receive buffer and receives straight into its free
// tail (one recv per wake-up, IoAwait on either driver). nodejs' http-parser runs over
// the new bytes and pauses itself at the end of each request head and each message, so
// the loop handles one request at a time in order however many arrived together. Field
// positions are kept as offsets from the start of the message (the buffer may be
// compacted or grown while a head arrives in pieces); when the head is complete it is
// copied once into `head_`, and the Request's views point there, stable while the
// handler runs even if reading the body moves the receive buffer.
//
// Bodies are pulled by the handler (Request::read, BodyReader): the parser is resumed
// over buffered bytes and more is received only when needed; on_body copies into
// `body_`. A body the handler did not read is discarded after the response when it is
// small (ServerSettings::max_drain), else the connection closes ("Connection: close").
//
// Writing: a response is serialized into `wbuf_` (reused, so the steady state does not
// allocate); responses of pipelined requests accumulate there and go out in one send
// when the parser needs more bytes, i.e. one write per read batch, in request order.
// Large bodies are not copied: they go out with writev next to the buffered head.
// Sends are direct non-blocking send()s; on EAGAIN the connection waits for POLLOUT.
//
// Timeouts use one lazily re-armed timer per connection: entering a waiting state only
// moves `deadline_ns_`, and the timer, when it fires early, re-arms itself for the new
// deadline. An expired wait is ended with shutdown(2), which completes the pending
// receive with EOF on both drivers: SHUT_RD while a head is arriving (the loop then
// answers 408), SHUT_RDWR when idle (keep-alive timeout, graceful shutdown).
//
// TLS (https sites): `tls_` holds the TLS engine (src/net/tls_session.hpp) and the
// ciphertext buffers; null on plain TCP, whose path stays as above plus a null check
// where the two differ (receive, send, sendfile). The handshake runs first, bounded by
// the same timer (phase Handshake); then a receive pulls ciphertext and decrypts into
// the receive buffer's tail, and a send encrypts wbuf_ (and large bodies, in 64 KiB
// pieces) into the engine's output, which is sent as the plain bytes would be: what the
// socket did not take yet is counted in tls_unsent_, so unsent() covers both. Files
// are read and encrypted (no sendfile). close_notify goes out before every close the
// connection makes itself.
//
// WebSockets: WebSocketResponse::prepare() sends its 101 head through upgrade(); from
// then on the connection is the websocket's transport (ws_read over the same receive
// buffer, so bytes that came with the head are not lost; frames go out through wbuf_)
// and the loop ends with the handler, without lingering. Graceful shutdown asks the
// websocket to close (WsPeer::going_away) instead of waiting for a response.
//
// Invariants: at most one receive is in flight (the loop's or a body read's, both in
// the connection's task); `wbuf_[woff_..]` is unsent data in order; the Request is
// valid from head to the end of the response.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/core/task.hpp"
#include "corio/loop/handle.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/net/ssl.hpp"
#include "corio/web/request.hpp"
#include "corio/web/response.hpp"
#include "web/server_state.hpp"

namespace corio::web::detail {

/// Above this much buffered, a response or write() waits for the socket (asyncio's
/// high-water mark).
inline constexpr std::size_t kHighWater = 64 * 1024;

/// The websocket that took a connection over (told when the server shuts down).
class WsPeer {
 public:
  virtual void going_away() noexcept = 0;

 protected:
  ~WsPeer() = default;
};

class HttpConnection {
 public:
  /// What the parser reached in the buffered bytes.
  enum class Parsed : std::uint8_t { NeedMore, Head, MessageEnd, Error };
  /// What the connection is doing (decides what an expired deadline means).
  enum class Phase : std::uint8_t { Idle, ReadingHead, Busy, Lingering, Handshake };

  HttpConnection(ServerState& state, int fd, const SocketAddress& peer);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  /// Makes this a TLS connection of `ctx` (before run()); false if OpenSSL failed.
  bool use_tls(const SSLContext& ctx) noexcept;
  /// Serves requests until the connection ends; never throws but CancelledError.
  Coro<void> run();

  // ---- for graceful shutdown ----
  /// Closes now if idle; otherwise closes after the current response.
  void shutdown_gracefully() noexcept;
  TaskRef task;
  HttpConnection* prev = nullptr;
  HttpConnection* next = nullptr;

  // ---- for Request / BodyReader ----
  /// Body bytes received and not yet handed out.
  std::size_t body_buffered() const noexcept { return body_.size() - body_off_; }
  /// True once the whole body has been parsed.
  bool body_complete() const noexcept { return msg_complete_; }
  /// Takes up to n buffered body bytes (n = npos: all).
  std::string take_body(std::size_t n);
  /// Parses or receives more of the body (sends 100 Continue first if expected).
  /// Throws HTTPBadRequest for a malformed body and ConnectionResetError at EOF.
  Coro<void> more_body();
  ServerState& state() noexcept { return state_; }
  const SocketAddress& peer() const noexcept { return peer_; }
  bool secure() const noexcept { return tls_ != nullptr; }

  // ---- for StreamResponse ----
  Coro<void> prepare(StreamResponse& resp);
  Coro<void> write(StreamResponse& resp, std::string_view data);
  Coro<void> write_eof(StreamResponse& resp, std::string_view data);

  // ---- for WebSocketResponse: after upgrade() the socket is the websocket's ----
  /// Sends `head` (a 101 response) and hands the connection to `peer`.
  Coro<void> upgrade(std::string_view head, WsPeer* peer);
  /// The websocket is gone (its handler may still run).
  void detach_ws() noexcept { ws_ = nullptr; }
  /// The next bytes of the stream (buffered ones first), valid until the next call;
  /// empty at EOF.
  Coro<std::string_view> ws_read();
  /// Frames are appended here, then sent with ws_send() or ws_send_nowait().
  std::string& ws_out() noexcept { return wbuf_; }
  /// ConnectionResetError when the peer is gone.
  Coro<void> ws_send() { return flush(); }
  void ws_send_nowait() noexcept { (void)try_flush(); }

  // ---- parser callbacks ----
  int on_message_begin() noexcept;
  int on_url(const char* at, std::size_t len) noexcept;
  int on_header_field(const char* at, std::size_t len) noexcept;
  int on_header_value(const char* at, std::size_t len) noexcept;
  int on_headers_complete() noexcept;
  int on_body(const char* at, std::size_t len) noexcept;
  int on_message_complete() noexcept;

 private:
  struct HeaderPos {
    std::uint32_t name_off, name_len, value_off, value_len;
  };

  // reading (connection.cpp)
  Parsed parse() noexcept;
  void build_request();
  bool make_room();
  void arm(double seconds) noexcept;
  void on_timer() noexcept;
  Coro<bool> handle_request();
  Coro<bool> drain_body();
  Coro<void> linger();
  void close_fd() noexcept;
  /// Bytes written and not yet taken by the socket (plain and encrypted).
  std::size_t unsent() const noexcept { return wbuf_.size() - woff_ + tls_unsent_; }

  // TLS (connection_tls.cpp)
  struct Tls;
  Coro<bool> tls_handshake();
  /// Decrypted bytes into [dst, dst + cap), as a receive: > 0 bytes, 0 at EOF or
  /// close_notify, < 0 -errno. SSLError for a corrupt stream.
  Coro<std::int32_t> tls_receive(char* dst, std::size_t cap);
  /// Encrypts `plain` into the engine's output (broken_ on failure).
  void tls_encrypt(std::string_view plain) noexcept;
  /// Sends the engine's output: true when all is sent (or broken_), false if the
  /// socket is full.
  bool tls_send_output() noexcept;
  bool tls_try_flush() noexcept;
  Coro<void> tls_flush(std::string_view extra, std::string_view tail);
  /// Queues close_notify and sends it if the socket takes it now.
  void tls_close_notify() noexcept;

  // writing (connection_write.cpp)
  void append_head(const StreamResponse& r, std::uint64_t length, bool chunked);
  /// Queues a response with a small in-memory body (head and body) in wbuf_; false
  /// (nothing queued) when the body is large enough to be sent from where it is.
  bool append_response(Response& r);
  void append_error(int status, std::string_view text);
  bool try_flush() noexcept;
  Coro<void> flush(std::string_view extra = {}, std::string_view tail = {});
  Coro<void> wait_writable();
  Coro<void> send_file(StreamResponse& r);
  Coro<void> send_response(Response& r);

  ServerState& state_;
  EventLoop* loop_;
  int fd_;
  bool retained_ = false;      // fd_ is retained by the loop's driver (released before close)
  SocketAddress peer_;
  http_parser parser_{};

  // receive buffer
  std::unique_ptr<char[]> rbuf_;
  std::size_t rcap_ = 0, rhead_ = 0, rtail_ = 0;
  std::size_t msg_start_ = 0;  // valid while in_head_
  bool in_head_ = false;
  bool eof_ = false;

  // the head being parsed
  std::uint32_t url_off_ = 0, url_len_ = 0;
  std::vector<HeaderPos> hdrs_;
  bool last_was_value_ = true;
  int limit_error_ = 0;        // 431 when a size limit was crossed
  Parsed event_ = Parsed::NeedMore;  // set by the callback that paused the parser
  bool msg_complete_ = false;
  bool discard_body_ = false;  // draining: on_body drops the bytes
  bool expect_continue_ = false;
  std::string head_;           // the completed head; the Request's views point here

  // body
  std::string body_;
  std::size_t body_off_ = 0;
  std::uint64_t body_received_ = 0;

  // writing
  std::string wbuf_;
  std::size_t woff_ = 0;
  bool broken_ = false;        // a send failed: the peer is gone
  bool keep_alive_ = true;     // of the response being written
  bool closing_ = false;       // close after the current response
  bool streaming_ = false;     // a StreamResponse has been prepared
  bool upgraded_ = false;      // a websocket owns the connection
  WsPeer* ws_ = nullptr;

  // TLS: null on plain TCP
  std::unique_ptr<Tls> tls_;
  std::size_t tls_unsent_ = 0; // encrypted bytes the socket has not taken yet

  // timeouts
  Phase phase_ = Phase::Idle;
  bool timed_out_ = false;
  std::int64_t deadline_ns_ = 0;
  std::int64_t timer_when_ = 0;
  bool timer_armed_ = false;
  TimerHandle timer_;

  Request req_;
};

/// Runs a connection for an accepted socket `fd` (owned from now on).
/// With `ssl`, the connection is https.
Coro<void> serve_connection(std::shared_ptr<ServerState> state, int fd, SocketAddress peer,
                            std::optional<SSLContext> ssl);

/// The parser settings (callbacks into HttpConnection), shared by every connection.
const http_parser_settings& parser_settings() noexcept;

}  // namespace corio::web::detail
