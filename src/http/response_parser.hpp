// ResponseParser: the client's glue to nodejs' http-parser (HTTP_RESPONSE mode).
//
// Bytes go in with feed(); the parser's callbacks fill status, reason, headers and
// append body bytes (already de-chunked) to `body`, which the owner drains. The parser
// pauses itself at the end of a message, so feed() returns how many bytes belonged to
// this response and the rest (a pipelined or stray tail) stays with the caller.
// Interim 1xx responses (100 Continue) are skipped: their head is parsed and dropped.
// A HEAD request's response, a 204 and a 304 have no body whatever their Content-Length
// says; http-parser is told so through on_headers_complete's return value (1 = skip the
// body), since on its own it would wait for the Content-Length bytes of a 304.
//
// Invariant: the http_parser struct is the first member of a ResponseParser that does
// not move (parser.data points back at it), hence non-copyable and non-movable.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "corio/http/multidict.hpp"

namespace corio::http::detail {

class ResponseParser {
 public:
  /// `head_request`: the response answers a HEAD (no body).
  explicit ResponseParser(bool head_request);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  /// Parses `data`; returns how many bytes were consumed (fewer than data.size() only
  /// once the message is complete). Returns with error() set on malformed input.
  std::size_t feed(std::string_view data);
  /// Tells the parser the connection was closed: completes a read-until-close body, or
  /// sets error() when the message was cut short.
  void feed_eof();

  /// The http_parser error name ("HPE_INVALID_CONSTANT") and description, or empty.
  const std::string& error() const noexcept { return error_; }
  bool headers_complete() const noexcept { return headers_complete_; }
  bool message_complete() const noexcept { return message_complete_; }
  /// True once any byte of the response arrived.
  bool started() const noexcept { return started_; }
  /// The connection may carry another request after this response (HTTP/1.1 without
  /// "Connection: close", or 1.0 with keep-alive) and the body was not delimited by
  /// the close of the connection.
  bool keep_alive() const noexcept { return keep_alive_; }

  int status = 0;
  std::string reason;
  Headers headers;
  int http_major = 1;
  int http_minor = 1;
  /// Body bytes parsed and not yet taken by the owner.
  std::string body;

 private:
  static int on_message_begin(http_parser* p);
  static int on_status(http_parser* p, const char* at, std::size_t n);
  static int on_header_field(http_parser* p, const char* at, std::size_t n);
  static int on_header_value(http_parser* p, const char* at, std::size_t n);
  static int on_headers_complete(http_parser* p);
  static int on_body(http_parser* p, const char* at, std::size_t n);
  static int on_message_complete(http_parser* p);
  void flush_header();
  void set_error();

  http_parser parser_;
  bool head_request_;
  bool headers_complete_ = false;
  bool message_complete_ = false;
  bool started_ = false;
  bool keep_alive_ = false;
  bool in_value_ = false;
  std::string field_, value_;
  std::string error_;
};

}  // namespace corio::http::detail
