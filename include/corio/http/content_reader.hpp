// ContentReader: a response body read as a stream (aiohttp's `response.content`, an
// aiohttp.StreamReader; renamed so as not to be confused with corio::StreamReader).
//
//   auto resp = co_await session.get(url);
//   auto chunks = resp.content().iter_chunked(512);
//   while (auto chunk = co_await chunks.next()) file.write(*chunk);
//
// Design: a handle to the response's state; each read returns decoded body bytes
// (chunked framing removed, gzip/deflate inflated) from the response's buffer, reading
// from the connection only when the buffer is empty. When the body has been read to
// its end the connection is already back in the pool.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "corio/core/async_generator.hpp"
#include "corio/core/coro.hpp"

namespace corio::http {

namespace detail {
class ResponseState;
}

/// The body of a ClientResponse, read piece by piece.
class ContentReader {
 public:
  explicit ContentReader(std::shared_ptr<detail::ResponseState> state) noexcept : s_(std::move(state)) {}

  /// Up to `n` bytes (n < 0: all the rest). Empty at the end of the body.
  /// Raises ClientPayloadError if the body was cut short.
  /// Cancellation: nothing is lost; bytes received stay buffered.
  Coro<std::string> read(std::ptrdiff_t n = -1);
  /// Whatever is buffered, or the next bytes to arrive (aiohttp's readany()).
  /// Cancellation: as read().
  Coro<std::string> readany();
  /// One line, '\n' included (the last line may lack it; empty at the end).
  /// Cancellation: as read().
  Coro<std::string> readline();
  /// Exactly `n` bytes; IncompleteReadError if the body ends first.
  /// Cancellation: as read().
  Coro<std::string> readexactly(std::size_t n);
  /// The body in chunks of at most `n` bytes (aiohttp's iter_chunked). The generator
  /// keeps the response state alive.
  /// Cancellation: as read().
  AsyncGenerator<std::string> iter_chunked(std::size_t n);
  /// The body in the pieces it arrives in (aiohttp's iter_any).
  /// Cancellation: as read().
  AsyncGenerator<std::string> iter_any();
  /// True when the whole body has been received and read.
  bool at_eof() const noexcept;
  /// Bytes received and not read yet.
  std::size_t buffered() const noexcept;

 private:
  std::shared_ptr<detail::ResponseState> s_;
};

}  // namespace corio::http
