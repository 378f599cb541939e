// StreamWriter: buffered writing to a connection (asyncio.StreamWriter).
//
//   writer.write("GET / HTTP/1.0\r\n\r\n");   // sends at once if it can, else buffers
//   co_await writer.drain();                   // waits only while the buffer is too full
//   writer.close();
//   co_await writer.wait_closed();
//
// Design: write() never suspends. With nothing buffered it sends at once (one
// non-blocking send); whatever the kernel does not take is copied into the write
// buffer and flushed when the socket becomes writable, in order. Back-pressure is
// asyncio's: above the high-water mark (64 KiB) the writer is paused and drain()
// suspends until the buffer drops to the low-water mark (16 KiB); otherwise drain()
// returns without suspending. A failed send (the peer reset the connection) is
// recorded; the next write() or drain() raises it (ConnectionResetError,
// BrokenPipeError). close() flushes what is buffered, then closes the socket;
// wait_closed() waits for that.
#pragma once

#include <any>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/net/ssl.hpp"
#include "corio/net/stream_reader.hpp"
#include "corio/sync/detail/waiter_list.hpp"

namespace corio {

namespace detail {
void stream_add_ref(StreamState* s) noexcept;
void stream_release(StreamState* s) noexcept;
}  // namespace detail

/// StreamWriter::start_tls's keyword arguments (asyncio's).
struct StartTLSOptions {
  /// The name for SNI and the certificate check (client side); nullopt: none, which
  /// fails if the context checks host names. A view: copied when start_tls starts.
  std::optional<std::string_view> server_hostname = std::nullopt;
  /// How long the handshake may take before the connection is aborted (asyncio: 60 s).
  std::chrono::nanoseconds ssl_handshake_timeout = std::chrono::seconds(60);
};

/// Writes to a stream connection (asyncio.StreamWriter). A cheap handle; copies share
/// the stream.
class StreamWriter {
 public:
  /// What drain() returns; `co_await` it.
  class DrainAwaiter : public detail::Waiter {
   public:
    explicit DrainAwaiter(detail::StreamState* s) noexcept : s_(s) { detail::stream_add_ref(s_); }
    ~DrainAwaiter() { detail::stream_release(s_); }
    bool await_ready();
    void await_suspend(std::coroutine_handle<> h);
    void await_resume();

   private:
    detail::StreamState* s_;
  };

  /// Takes over a handle reference to `s` (used by open_connection and servers).
  static StreamWriter adopt(detail::StreamState* s) noexcept {
    StreamWriter w;
    w.s_ = s;
    return w;
  }
  StreamWriter(const StreamWriter& o) noexcept : s_(o.s_) { if (s_) detail::stream_add_handle(s_); }
  StreamWriter(StreamWriter&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  StreamWriter& operator=(StreamWriter o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~StreamWriter() { if (s_) detail::stream_drop_handle(s_); }

  /// Sends `data` now if nothing is buffered, buffering what the kernel does not take.
  /// Throws the error of an earlier failed send, and RuntimeError after write_eof() or
  /// close().
  void write(std::string_view data);
  /// Writes every piece, in order, with as few system calls as possible.
  void writelines(std::span<const std::string_view> lines);
  void writelines(std::initializer_list<std::string_view> lines) {
    writelines(std::span<const std::string_view>(lines.begin(), lines.size()));
  }
  template <class Range>
  void writelines(const Range& lines) {
    std::vector<std::string_view> v;
    for (const auto& l : lines) v.emplace_back(l);
    writelines(std::span<const std::string_view>(v));
  }

  /// Waits while the write buffer is above the high-water mark, until it is at or below
  /// the low-water mark; returns at once otherwise. Raises the error of a failed send,
  /// or ConnectionResetError("Connection lost") once the connection is closed.
  /// Cancellation: the wait ends with CancelledError; buffered data stays queued.
  [[nodiscard]] DrainAwaiter drain() noexcept { return DrainAwaiter(s_); }

  /// Closes the write side (shutdown(SHUT_WR)) once the buffer is flushed; over TLS,
  /// close_notify is sent first.
  void write_eof();
  /// True: sockets support half-close.
  bool can_write_eof() const noexcept;
  /// Flushes the buffer, then closes the connection (reads then see EOF).
  void close() noexcept;
  /// Closes at once, dropping buffered data.
  void abort() noexcept;
  /// True once close() or abort() was called (or the connection failed).
  bool is_closing() const noexcept;
  /// Waits until the socket is closed. Raises the error that ended the connection, if
  /// one did (as asyncio).
  /// Cancellation: only the wait is cancelled; the close goes on.
  Coro<void> wait_closed();

  /// Upgrades the connection to TLS and waits for the handshake (asyncio's
  /// StreamWriter.start_tls, Python 3.11). The side is the context's: a
  /// PROTOCOL_TLS_SERVER context answers the peer's handshake, a client one starts it.
  /// Buffered writes go out first; bytes already received but not read are taken as the
  /// peer's first TLS bytes. RuntimeError if the connection already uses TLS or is
  /// closing; SSLError / SSLCertVerificationError if the handshake fails,
  /// ConnectionAbortedError after ssl_handshake_timeout, ConnectionResetError if the
  /// peer closes first; the connection is aborted on any failure. The context is
  /// copied when the coroutine starts (with g++ 12 pass a named context, not a
  /// temporary: see create_connection.hpp).
  /// Cancellation: the handshake is abandoned and the connection aborted.
  Coro<void> start_tls(const SSLContext& sslcontext, StartTLSOptions options = {});
  /// The TLS side of the connection (asyncio's get_extra_info("ssl_object")), or
  /// nullopt for a plain connection.
  std::optional<SSLObject> ssl_object() const;

  /// "peername", "sockname" (SocketAddress) or "socket" (the int file descriptor; -1
  /// once closed); over TLS also "ssl_object" (SSLObject), "sslcontext" (SSLContext),
  /// "peercert" (std::optional<PeerCertificate>) and "cipher" (std::optional<tuple>);
  /// `default_value` for any other name.
  std::any get_extra_info(std::string_view name, std::any default_value = {}) const;
  /// Bytes waiting in the write buffer.
  std::size_t get_write_buffer_size() const noexcept;
  /// Sets the water marks (asyncio's transport.set_write_buffer_limits): `low` defaults
  /// to high / 4. ValueError unless high >= low.
  void set_write_buffer_limits(std::size_t high, std::optional<std::size_t> low = std::nullopt);

  detail::StreamState* state() const noexcept { return s_; }

 private:
  StreamWriter() noexcept = default;
  detail::StreamState* s_ = nullptr;
};

}  // namespace corio
