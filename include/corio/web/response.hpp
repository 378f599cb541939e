// StreamResponse, Response and json_response (aiohttp.web's web_response).
//
//   co_return corio::web::Response("Hello, World!");            // text/plain; utf-8
//   co_return corio::web::json_response({{"ok", true}});
//
//   corio::web::StreamResponse resp;                              // streamed body
//   co_await resp.prepare(request);                               // sends the head
//   co_await resp.write("part 1");                                // chunked: no length
//   co_await resp.write_eof();
//   co_return resp;
//
// Design: every handler returns a Response by value (Coro<Response>). All of a
// response's state lives in StreamResponse, and Response converts from any
// StreamResponse (a prepared stream, a FileResponse) without losing anything, so
// `co_return resp;` works for every kind, as returning any StreamResponse does in
// aiohttp. A Response with an in-memory body is serialized by the connection into its
// write buffer after the handler returns (pipelined responses share one send); a
// prepared StreamResponse has already written its head and body through the connection.
// The Content-Length is always computed; HEAD responses keep it and drop the body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "corio/core/coro.hpp"
#include "corio/http/multidict.hpp"

namespace corio::web {

class Request;
namespace detail {
class HttpConnection;
}

/// A response whose body may be streamed (aiohttp.web.StreamResponse); the base of
/// Response and FileResponse.
class StreamResponse {
 public:
  /// What the body is: in memory (Response), a file (FileResponse), or written by the
  /// handler through prepare()/write().
  enum class Kind : std::uint8_t { Body, File, Stream };

  explicit StreamResponse(int status = 200, std::string reason = {});
  StreamResponse(const StreamResponse&) = default;
  StreamResponse& operator=(const StreamResponse&) = default;
  StreamResponse(StreamResponse&&) noexcept = default;
  StreamResponse& operator=(StreamResponse&&) noexcept = default;

  int status() const noexcept { return status_; }
  /// The reason phrase (the standard one unless set).
  std::string_view reason() const noexcept;
  void set_status(int status, std::string reason = {});
  http::Headers& headers() noexcept { return headers_; }
  const http::Headers& headers() const noexcept { return headers_; }
  /// The media type sent in Content-Type (unless headers() has one); "" sends none
  /// ("application/octet-stream" default as aiohttp for a streamed body).
  const std::string& content_type() const noexcept { return content_type_; }
  void set_content_type(std::string ct) { content_type_ = std::move(ct); }
  /// The charset parameter of Content-Type ("" for none).
  const std::string& charset() const noexcept { return charset_; }
  void set_charset(std::string cs) { charset_ = std::move(cs); }
  /// A Content-Length for a streamed body (else it is sent chunked on HTTP/1.1).
  std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }
  void set_content_length(std::uint64_t n) noexcept { content_length_ = n; }
  /// Forces chunked transfer encoding for a streamed body.
  void enable_chunked_encoding() noexcept { chunked_ = true; }
  /// Asks the connection to close after this response (Connection: close).
  void force_close() noexcept { force_close_ = true; }
  bool keep_alive_forced_off() const noexcept { return force_close_; }
  /// True once prepare() has sent the head.
  bool prepared() const noexcept { return prepared_; }
  Kind kind() const noexcept { return kind_; }

  /// Sends the status line and headers for `request` (idempotent).
  /// Cancellation: the connection is closed (part of the head may be sent).
  Coro<void> prepare(Request& request);
  /// Sends a piece of the body (a chunk when chunked). Returns once the data is handed
  /// to the kernel or the write buffer is below its high-water mark.
  /// Cancellation: the connection is closed.
  Coro<void> write(std::string_view data);
  /// Sends `data` and ends the body (the last chunk when chunked). Idempotent.
  /// Cancellation: the connection is closed.
  Coro<void> write_eof(std::string_view data = {});

 protected:
  friend class detail::HttpConnection;
  friend class Response;

  int status_;
  bool prepared_ = false;
  bool eof_sent_ = false;
  bool chunked_ = false;
  bool send_chunked_ = false;  // decided at prepare(): chunk framing on the wire
  bool force_close_ = false;
  bool head_only_ = false;     // HEAD request: no body on the wire
  Kind kind_ = Kind::Stream;
  std::optional<std::uint64_t> content_length_;
  std::string reason_;
  http::Headers headers_;
  std::string content_type_;
  std::string charset_;
  std::string body_;           // Kind::Body
  std::string file_path_;      // Kind::File
  std::size_t file_chunk_ = 0;
  detail::HttpConnection* conn_ = nullptr;
};

/// A response with its whole body in memory (aiohttp.web.Response).
class Response : public StreamResponse {
 public:
  /// An empty body with `status`.
  explicit Response(int status = 200) : StreamResponse(status) { kind_ = Kind::Body; }
  /// A text body (aiohttp's text=): Content-Type `content_type`; charset=utf-8.
  explicit Response(std::string text, int status = 200, std::string content_type = "text/plain");
  /// Any StreamResponse (a prepared stream, a FileResponse): nothing is lost.
  Response(StreamResponse&& other) noexcept : StreamResponse(std::move(other)) {}  // NOLINT

  /// The body bytes.
  const std::string& body() const noexcept { return body_; }
  /// Sets raw bytes (aiohttp's body=); Content-Type application/octet-stream unless set.
  void set_body(std::string body);
  /// The body as text.
  const std::string& text() const noexcept { return body_; }
  /// Sets a text body (charset utf-8; text/plain unless a content type is set).
  void set_text(std::string text);
};

/// A Response whose body is `data` serialized as JSON (aiohttp.web.json_response).
Response json_response(const nlohmann::json& data, int status = 200);

}  // namespace corio::web
