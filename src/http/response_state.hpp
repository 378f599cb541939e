// ResponseState: one HTTP/1.1 response being received on a pooled connection; what
// ClientResponse and its ContentReader share.
//
// Design: bytes are read from the connection in chunks of up to 64 KiB (each read under
// sock_read and the total deadline), fed to the ResponseParser, and the body bytes it
// yields go through the Decompressor (when the body is gzip/deflate encoded and
// auto_decompress is on) into `buf`, from which the ContentReader hands them out. The
// connection goes back to the pool the moment the parser sees the end of the message
// — before the caller has consumed `buf` — when the response allows keep-alive and
// nothing followed it; otherwise it is closed. release() of a response whose body is
// not complete closes the connection (the rest of the body would have to be read).
//
// Invariants: pos <= buf.size(); `eof` implies the lease is released; a read error or
// a truncated body closes the connection and sets `error`, re-raised by later reads.
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "connector_core.hpp"
#include "decompressor.hpp"
#include "h2_connection.hpp"
#include "response_parser.hpp"

namespace corio::http::detail {

class ResponseState {
 public:
  ResponseState(ConnectionLease lease, bool head_request, std::string what,
                std::optional<std::chrono::nanoseconds> sock_read, std::optional<double> total_at,
                bool auto_decompress)
      : parser(head_request),
        lease(std::move(lease)),
        what(std::move(what)),
        sock_read_(sock_read),
        total_at_(total_at),
        auto_decompress_(auto_decompress) {}

  /// Reads until the response head is complete. Raises ServerDisconnectedError (EOF
  /// first), ClientOSError (a socket error), ClientResponseError (400: not HTTP),
  /// SocketTimeoutError / TimeoutError.
  /// Cancellation: raises CancelledError; the connection is closed.
  Coro<void> read_head();
  /// Reads until more decoded body bytes are buffered or the body is complete. Returns
  /// false when it was already complete. Raises ClientPayloadError for a cut or
  /// undecodable body.
  /// Cancellation: nothing is lost; the response can be read on.
  Coro<bool> fill();
  /// Decoded bytes buffered and not yet handed out.
  std::size_t buffered() const noexcept { return buf.size() - pos; }
  /// Takes up to `n` buffered bytes.
  std::string take(std::size_t n);
  /// Pools the connection if the body is complete, closes it otherwise (HTTP/2: resets
  /// the stream if the body is not complete).
  void release() noexcept;
  /// Makes this the state of an HTTP/2 response (the lease stays empty): the head is
  /// taken from `r` (version 2.0, no reason phrase from the wire), the body is read from
  /// it by fill().
  void start_h2(H2Response r);

  ResponseParser parser;
  ConnectionLease lease;
  std::string what;  // "GET http://..." for messages
  std::string buf;
  std::size_t pos = 0;
  bool eof = false;
  std::exception_ptr error;
  std::optional<H2Response> h2;

 private:
  Coro<void> fill_h2();
  Coro<std::string> read_chunk();
  void feed(std::string_view chunk);
  void take_body();
  void finish_if_complete() noexcept;

  std::optional<std::chrono::nanoseconds> sock_read_;
  std::optional<double> total_at_;
  bool auto_decompress_;
  bool trailing_garbage_ = false;
  std::unique_ptr<Decompressor> decoder_;
};

}  // namespace corio::http::detail
