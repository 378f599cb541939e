// StreamReader: buffered reading from a connection (asyncio.StreamReader).
//
//   auto [reader, writer] = co_await corio::open_connection("127.0.0.1", 8080);
//   std::string line = co_await reader.readline();       // up to and including '\n'
//   std::string head = co_await reader.readexactly(4);   // IncompleteReadError at EOF
//
// Design: a StreamReader is a handle to the connection's state, shared with its
// StreamWriter (copies of either refer to the same stream). The state owns the receive
// buffer; a read receives straight into the free tail of that buffer (one recv, no copy
// until the returned string) and the buffer is reused, so the steady state allocates
// nothing but the strings handed out. Every read in flight holds a reference to the
// state, so the kernel never writes into freed memory even if all handles are dropped
// while a read waits.
//
// Cancellation never loses bytes: data is consumed from the buffer only when a read
// returns it. Bytes that arrived while a read was being cancelled stay in the buffer
// for the next read. A reader made with StreamReader() has no socket; it is fed with
// feed_data()/feed_eof(), as asyncio's is in tests and protocols.
//
// The connection is closed when the last StreamReader and StreamWriter handle of it is
// gone (after the pending writes are flushed), or by StreamWriter::close().
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "corio/core/coro.hpp"
#include "corio/core/exceptions.hpp"

namespace corio {

/// asyncio's default limit of a stream's buffer (the `limit` argument): 64 KiB.
inline constexpr std::size_t kDefaultStreamLimit = 64 * 1024;

/// EOF came before a read could be satisfied (asyncio.IncompleteReadError). `partial`
/// holds the bytes read before EOF, `expected` how many were asked for (nullopt for
/// readuntil, as Python's None).
class IncompleteReadError : public Error {
 public:
  IncompleteReadError(std::string partial, std::optional<std::size_t> expected);
  std::string partial;
  std::optional<std::size_t> expected;
};

/// The buffer reached the limit while looking for a separator
/// (asyncio.LimitOverrunError). The data stays buffered; `consumed` is how many bytes
/// to consume to get past it (e.g. with readexactly) and recover.
class LimitOverrunError : public Error {
 public:
  LimitOverrunError(const std::string& message, std::size_t consumed);
  std::size_t consumed;
};

namespace detail {
class StreamState;
void stream_add_handle(StreamState* s) noexcept;
void stream_drop_handle(StreamState* s) noexcept;
}  // namespace detail

/// Reads from a stream connection (asyncio.StreamReader). A cheap handle; copies share
/// the stream. One read may wait for data at a time (RuntimeError otherwise).
class StreamReader {
 public:
  /// A reader without a socket, fed by feed_data()/feed_eof().
  explicit StreamReader(std::size_t limit = kDefaultStreamLimit);
  /// Takes over a handle reference to `s` (used by open_connection and servers).
  static StreamReader adopt(detail::StreamState* s) noexcept {
    StreamReader r{Adopting{}};
    r.s_ = s;
    return r;
  }
  StreamReader(const StreamReader& o) noexcept : s_(o.s_) { if (s_) detail::stream_add_handle(s_); }
  StreamReader(StreamReader&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  StreamReader& operator=(StreamReader o) noexcept {
    std::swap(s_, o.s_);
    return *this;
  }
  ~StreamReader() { if (s_) detail::stream_drop_handle(s_); }

  /// Up to `n` bytes (n < 0: everything until EOF). Returns at once when data is
  /// buffered; an empty string means EOF.
  /// Cancellation: nothing is consumed; bytes that arrived stay buffered.
  Coro<std::string> read(std::ptrdiff_t n = -1);
  /// One line, '\n' included; at EOF the partial last line (empty once exhausted).
  /// Throws ValueError if the line exceeds the limit (the line is discarded, as asyncio).
  /// Cancellation: nothing is consumed.
  Coro<std::string> readline();
  /// Data up to and including `separator`. Throws IncompleteReadError at EOF (the data
  /// goes into `partial`) and LimitOverrunError past the limit (the data stays).
  /// Cancellation: nothing is consumed.
  Coro<std::string> readuntil(std::string separator = "\n");
  /// Exactly `n` bytes; IncompleteReadError if EOF comes first.
  /// Cancellation: nothing is consumed.
  Coro<std::string> readexactly(std::size_t n);

  /// True when EOF was received and the buffer is empty.
  bool at_eof() const noexcept;
  /// Marks the end of the data (wakes a waiting read).
  void feed_eof() noexcept;
  /// Appends data (socketless readers only; RuntimeError otherwise).
  void feed_data(std::string_view data);
  /// Makes waiting and later reads raise `exc`.
  void set_exception(std::exception_ptr exc) noexcept;
  /// The exception set by set_exception or a failed receive, or null.
  std::exception_ptr exception() const noexcept;
  /// The limit given at creation.
  std::size_t limit() const noexcept;
  /// Bytes buffered and not read yet.
  std::size_t buffered() const noexcept;

  detail::StreamState* state() const noexcept { return s_; }

 private:
  struct Adopting {};
  explicit StreamReader(Adopting) noexcept {}
  detail::StreamState* s_ = nullptr;
};

}  // namespace corio
