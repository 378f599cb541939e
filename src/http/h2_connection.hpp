// H2Connection: one HTTP/2 client connection over an established stream pair, with many
// requests multiplexed on it (private to the http layer: the client's connector plugs it
// in when ALPN selects "h2").
//
//   SSLContext ctx = create_default_context();
//   ctx.set_alpn_protocols({"h2", "http/1.1"});
//   auto [reader, writer] = co_await open_connection(host, 443, {.ssl = &ctx});
//   if (writer.ssl_object()->selected_alpn_protocol() == "h2") {
//     std::shared_ptr<H2Connection> conn =
//         co_await H2Connection::start(std::move(reader), std::move(writer), settings);
//     H2Request req{.method = "GET", .authority = host, .path = "/"};
//     H2Response resp = co_await conn->request(std::move(req));   // head only
//     std::string body = co_await resp.read_all();                 // or read(n) in a loop
//   }
//
// Design: nghttp2's session does the framing, HPACK, stream states and flow-control
// accounting; this class moves bytes and wakes tasks. Two tasks per connection: the
// reader feeds every received chunk to nghttp2_session_mem_recv, whose callbacks fill
// per-stream state (head, body buffer, trailers, end, error) and set the stream's event;
// the sender drains nghttp2_session_mem_send into the StreamWriter in batches (one write
// per batch, drain() above 64 KiB so a large upload never piles up in memory), woken by
// send_soon() whenever something was submitted or consumed.
//
// Invariants:
//  - Receive flow control is the consumer's: automatic WINDOW_UPDATE is off and a
//    stream's bytes are handed to nghttp2_session_consume only when read() returns them,
//    so a stream buffers at most its window (H2Settings::stream_window) and a slow
//    reader slows only its own stream. Bytes of a response nobody will read (dropped or
//    cancelled) are consumed at once, so the connection window never leaks.
//  - At most the server's SETTINGS_MAX_CONCURRENT_STREAMS streams are open; request()
//    waits for a slot in FIFO order (the server's SETTINGS are awaited in start(), so
//    the first burst already respects the limit). A slot is released when nghttp2 closes
//    the stream, never earlier.
//  - Every stream ends in exactly one of: END_STREAM received (complete), an H2Error set
//    (RST_STREAM, GOAWAY, connection loss or protocol error), or abandoned by the client
//    (RST_STREAM CANCEL sent). Nothing waits forever: closing the connection fails every
//    open stream and every request waiting for a slot.
//  - All of it runs on the loop's thread; nghttp2 callbacks never suspend.
//
// Bodies are returned raw (Content-Encoding untouched): decoding is the client's, as for
// HTTP/1.1. Server push is disabled (SETTINGS_ENABLE_PUSH = 0). The server's PINGs are
// answered by nghttp2; our own PINGs (ping_interval) and the idle close (idle_timeout)
// run on one timer (h2_health.cpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "corio/core/coro.hpp"
#include "corio/core/exceptions.hpp"
#include "corio/http/multidict.hpp"
#include "corio/net/stream_reader.hpp"
#include "corio/net/stream_writer.hpp"

namespace corio::http {

namespace detail {
class H2Core;
struct H2Stream;
}  // namespace detail

class H2Connection;

/// An HTTP/2 failure. `stream_id` is 0 for a connection-level failure; `error_code` is
/// the HTTP/2 error code (RFC 9113 section 7) when the peer sent one; `retryable` means
/// the server is known not to have processed the request (GOAWAY above its stream,
/// REFUSED_STREAM, or never sent), so it may be retried on another connection even if it
/// is not idempotent.
class H2Error : public Error {
 public:
  H2Error(const std::string& message, std::int32_t stream_id, std::uint32_t error_code, bool retryable)
      : Error(message), stream_id(stream_id), error_code(error_code), retryable(retryable) {}
  std::int32_t stream_id;
  std::uint32_t error_code;
  bool retryable;
};

/// The server reset one stream (RST_STREAM); the connection and its other streams go
/// on. what(): "HTTP/2 stream 5 (GET https://host/path) was reset by the server:
/// INTERNAL_ERROR".
class H2StreamError : public H2Error {
 public:
  using H2Error::H2Error;
};

/// The connection is unusable: lost, closed by the client, a protocol error, or the
/// server's GOAWAY (then `retryable` for the streams it did not process). what() names
/// the origin.
class H2ConnectionError : public H2Error {
 public:
  using H2Error::H2Error;
};

/// Connection settings of H2Connection::start. Trivially destructible, as g++ 12 needs
/// of arguments inside a co_await expression (see corio/net/create_connection.hpp).
struct H2Settings {
  /// Names the connection in error messages, e.g. "https://example.com:443"; empty: the
  /// peer's address. A view: copied when start() starts.
  std::string_view origin;
  /// Per-stream receive window (SETTINGS_INITIAL_WINDOW_SIZE): how much of a response
  /// body the server may send ahead of read(), so also the most a stream buffers.
  std::uint32_t stream_window = 1u << 20;
  /// Connection receive window: the most all streams together buffer.
  std::uint32_t connection_window = 16u << 20;
  /// SETTINGS_MAX_HEADER_LIST_SIZE advertised to the server (0: not sent).
  std::uint32_t max_header_list_size = 256u * 1024;
  /// Cap on concurrent streams even if the server allows more (0: the server's limit).
  std::uint32_t max_concurrent_streams = 0;
  /// Send a PING when nothing arrived from the server for this long (0: never), and
  /// fail the connection if nothing arrives within ping_timeout after it: a server or
  /// path that died silently fails the streams waiting on it instead of hanging them.
  std::chrono::nanoseconds ping_interval{0};
  std::chrono::nanoseconds ping_timeout = std::chrono::seconds(15);
  /// Close the connection (GOAWAY NO_ERROR) once it has had no stream for this long
  /// (0: never), as the pool closes idle HTTP/1.1 connections.
  std::chrono::nanoseconds idle_timeout{0};
};

/// A streamed request body: each call returns the next chunk; an empty chunk ends it.
/// Cancellation: as the source's own awaits.
using H2BodySource = std::function<Coro<std::string>()>;

/// One request. Header names are sent lowercased (HTTP/2 requires it); connection-
/// specific headers (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding,
/// Upgrade) are dropped, a Host header becomes :authority when `authority` is empty.
/// Build it as a named local and pass it with std::move: g++ 12 mishandles braced
/// temporaries inside a co_await expression.
struct H2Request {
  std::string method = "GET";
  std::string scheme = "https";
  /// host[:port], the :authority pseudo-header.
  std::string authority;
  /// Path and query ("/search?q=1"), the :path pseudo-header.
  std::string path = "/";
  Headers headers;
  /// The body, sent with the request (ignored when `body_source` is set).
  std::string body;
  /// A streamed body, pulled as flow control and the socket allow.
  H2BodySource body_source;
};

/// Counters for tests and debugging.
struct H2Statistics {
  std::size_t active_streams = 0;       // open streams now
  std::size_t peak_active_streams = 0;  // the most open at once
  std::size_t waiting_requests = 0;     // requests waiting for a stream slot
  std::size_t streams_opened = 0;       // streams this connection ever opened
  std::uint32_t max_concurrent_streams = 0;  // the limit in force now
  std::size_t pings_sent = 0;                // health-check PINGs (H2Settings::ping_interval)
};

/// A response: its head at once, its body streamed. Move-only; dropping it before the
/// body ended resets the stream (RST_STREAM CANCEL) and frees its window. Keeps its
/// connection open while it lives.
class H2Response {
 public:
  H2Response(H2Response&&) noexcept = default;
  H2Response& operator=(H2Response&& o) noexcept;
  H2Response(const H2Response&) = delete;
  H2Response& operator=(const H2Response&) = delete;
  ~H2Response() { release(); }

  /// The :status of the final response (1xx responses are skipped).
  int status = 0;
  /// The response headers, names lowercased as received, :status excluded.
  Headers headers;

  /// Up to `n` bytes of the body (at least 1 unless at its end); "" at the end. Bytes
  /// received before a failure are returned first; then the failure is raised
  /// (H2StreamError, H2ConnectionError). Each call returns its bytes to the flow-control
  /// windows, so the server sends more only as the caller reads.
  /// Cancellation: nothing is consumed; received bytes stay buffered.
  Coro<std::string> read(std::size_t n = 64 * 1024);
  /// The rest of the body. Raises as read().
  /// Cancellation: what was read so far is lost to the caller (as StreamReader::read(-1)).
  Coro<std::string> read_all();
  /// True once the whole body was read.
  bool at_eof() const noexcept;
  /// Body bytes received and not read yet.
  std::size_t buffered() const noexcept;
  /// Trailing headers (complete once at_eof()); empty if the server sent none.
  const Headers& trailers() const noexcept;
  /// The HTTP/2 stream identifier.
  std::int32_t stream_id() const noexcept;
  /// Lets go of the stream: if the body has not ended, resets it (RST_STREAM CANCEL);
  /// unread bytes are returned to the connection window. Idempotent.
  void release() noexcept;

 private:
  friend class H2Connection;
  H2Response(std::shared_ptr<H2Connection> conn, std::shared_ptr<detail::H2Stream> st);
  std::shared_ptr<H2Connection> conn_;
  std::shared_ptr<detail::H2Stream> st_;
};

/// An HTTP/2 client connection. Shared (std::shared_ptr): the connector's pool and every
/// live response hold it; the connection is closed when the last holder lets go, or by
/// close().
class H2Connection : public std::enable_shared_from_this<H2Connection> {
 public:
  /// Starts HTTP/2 on a connected pair (TLS with ALPN "h2", or cleartext with prior
  /// knowledge): sends the preface and SETTINGS (push disabled, the windows of
  /// `settings`) and waits for the server's SETTINGS. Raises H2ConnectionError if the
  /// peer closes or does not speak HTTP/2.
  /// Cancellation: the connection is closed.
  static Coro<std::shared_ptr<H2Connection>> start(StreamReader reader, StreamWriter writer,
                                                   H2Settings settings = {});

  /// Sends a request and returns once the response head arrived (the body is read from
  /// the response). Waits first for a stream slot if the server's concurrency limit is
  /// reached (FIFO). Raises H2StreamError if the server resets the stream,
  /// H2ConnectionError if the connection fails, is closed or is going away (`retryable`
  /// when the request was not processed), H2Error for a request nghttp2 refuses (a bad
  /// header).
  /// Cancellation: a request waiting for a slot leaves the queue; a sent one is reset
  /// (RST_STREAM CANCEL); other streams are not affected.
  Coro<H2Response> request(H2Request req);

  /// True while new requests may be sent: not closed, no GOAWAY received, stream ids
  /// left. The pool should open a new connection when false.
  bool is_available() const noexcept;
  /// True once the connection is closed or failed.
  bool is_closed() const noexcept;
  /// Sends GOAWAY, fails every open stream and waiting request with H2ConnectionError
  /// ("closed by the client"), and closes the connection after flushing. Idempotent.
  void close() noexcept;
  /// Waits until the socket is closed and the connection's tasks have ended.
  /// Cancellation: only the wait is cancelled.
  Coro<void> wait_closed();
  /// Counters (active and peak streams, waiting requests, the limit).
  H2Statistics statistics() const noexcept;
  /// The origin used in error messages.
  const std::string& origin() const noexcept;

  /// Closes the connection (see close()).
  ~H2Connection();

  /// Use start(). Public for std::make_shared.
  explicit H2Connection(std::shared_ptr<detail::H2Core> core) noexcept : core_(std::move(core)) {}

 private:
  friend class H2Response;
  std::shared_ptr<detail::H2Core> core_;
};

}  // namespace corio::http
