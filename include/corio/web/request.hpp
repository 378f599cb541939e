// Request and BodyReader: an HTTP request as a handler sees it (aiohttp.web.Request and
// the request's `content` StreamReader).
//
//   corio::Coro<corio::web::Response> handler(corio::web::Request& request) {
//     auto name = request.match_info()["name"];
//     auto page = request.query().get("page", "1");
//     nlohmann::json body = co_await request.json();
//     co_return corio::web::json_response({{"name", name}, {"page", page}});
//   }
//
// Design: a connection owns one Request and reuses it for every request it serves, so
// the steady state allocates nothing for it. The method, path and raw headers are views
// into a copy of the request head that lives until the handler returns (a Request&
// must not be kept past the handler). headers(), query() and cookies-style derived
// views are built on first use only; header() looks a raw header up without building
// anything. The body is not read before the handler asks for it: read()/text()/json()/
// post() read it whole, limited to the application's client_max_size (413 beyond, as
// aiohttp), content() streams it without a limit. Reading the body drives the same
// connection the request came on (it runs in the handler's task), and "Expect:
// 100-continue" is answered when the body is first read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "corio/core/async_generator.hpp"
#include "corio/core/coro.hpp"
#include "corio/http/multidict.hpp"
#include "corio/web/multipart.hpp"
#include "corio/web/router.hpp"

namespace corio::web {

class Application;
namespace detail {
class HttpConnection;
}

/// An HTTP version (aiohttp's HttpVersion(major, minor)).
struct HttpVersion {
  int major = 1;
  int minor = 1;
  friend bool operator==(HttpVersion, HttpVersion) = default;
};

/// The request body as a stream (aiohttp's request.content, an aiohttp.StreamReader).
/// Not limited by client_max_size.
class BodyReader {
 public:
  /// Up to `n` bytes (n < 0: everything left); "" at the end of the body.
  /// Cancellation: the connection is closed (the body's position is lost).
  Coro<std::string> read(std::ptrdiff_t n = -1);
  /// Whatever is available now, waiting for some if none ("" at the end).
  /// Cancellation: as read().
  Coro<std::string> readany();
  /// Exactly `n` bytes; IncompleteReadError if the body ends first.
  /// Cancellation: as read().
  Coro<std::string> readexactly(std::size_t n);
  /// The body in chunks of at most `n` bytes (aiohttp's iter_chunked).
  /// Cancellation: as read().
  AsyncGenerator<std::string> iter_chunked(std::size_t n);
  /// True once the whole body has been read.
  bool at_eof() const noexcept;

 private:
  friend class Request;
  explicit BodyReader(detail::HttpConnection* c) noexcept : conn_(c) {}
  detail::HttpConnection* conn_;
};

/// An HTTP request (aiohttp.web.Request). Valid until its handler returns.
class Request {
 public:
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  /// "GET", "POST", ...
  std::string_view method() const noexcept { return method_; }
  /// The percent-decoded path, without the query ("/hello/wörld").
  std::string_view path() const noexcept { return path_; }
  /// The request target as sent, query included ("/hello/w%C3%B6rld?x=1").
  std::string_view raw_path() const noexcept { return raw_path_; }
  /// The query string without '?', not decoded.
  std::string_view query_string() const noexcept { return query_string_; }
  /// The decoded query parameters, in order (built on first use).
  const http::MultiDict& query() const;
  /// Every header (built on first use; header() is cheaper for one lookup).
  const http::Headers& headers() const;
  /// The first header named `name` (case-insensitive), without building headers().
  std::optional<std::string_view> header(std::string_view name) const noexcept;
  /// The raw headers, in order, as views.
  const std::vector<std::pair<std::string_view, std::string_view>>& raw_headers() const noexcept {
    return raw_headers_;
  }
  HttpVersion version() const noexcept { return version_; }
  /// Whether the connection stays open after this request (HTTP/1.1 unless
  /// "Connection: close"; HTTP/1.0 only with "Connection: keep-alive").
  bool keep_alive() const noexcept { return keep_alive_; }
  /// The peer's IP address ("127.0.0.1"), or "" for an unknown peer.
  std::string remote() const;
  /// True when the request came over TLS (an https site). aiohttp's secure.
  bool secure() const noexcept;
  /// "https" or "http", from the connection (aiohttp's scheme, without proxy headers).
  std::string_view scheme() const noexcept { return secure() ? "https" : "http"; }
  /// The Host header ("" if absent).
  std::string_view host() const noexcept { return header("Host").value_or(""); }
  /// The media type of the body (Content-Type without parameters; "" if absent).
  std::string_view content_type() const noexcept;
  /// Content-Length, if the request has one.
  std::optional<std::uint64_t> content_length() const noexcept { return content_length_; }
  /// True when the request has a body (a length > 0 or chunked).
  bool body_exists() const noexcept { return body_exists_; }
  /// True while some of the body is still unread.
  bool can_read_body() const noexcept;
  /// The path parameters of the matched route.
  MatchInfo& match_info() noexcept { return match_info_; }
  const MatchInfo& match_info() const noexcept { return match_info_; }
  /// The application serving the request.
  Application& app() const noexcept { return *app_; }

  /// The body as a stream.
  BodyReader& content() noexcept { return content_; }
  /// The whole body (cached: later calls return it again). HTTPRequestEntityTooLarge
  /// (413) beyond the application's client_max_size.
  /// Cancellation: the connection is closed.
  Coro<std::string> read();
  /// The body as text (read()).
  /// Cancellation: as read().
  Coro<std::string> text();
  /// The body parsed as JSON; HTTPBadRequest if it is not JSON.
  /// Cancellation: as read().
  Coro<nlohmann::json> json();
  /// The fields of an application/x-www-form-urlencoded or multipart/form-data body
  /// (empty for other types), read whole (so client_max_size applies: 413). Text parts
  /// become fields; parts with a filename go to files() instead, because a MultiDict
  /// holds strings (aiohttp puts FileField values in the same MultiDict). A malformed
  /// multipart body, or one without a boundary, is HTTPBadRequest (400).
  /// Cancellation: as read().
  Coro<http::MultiDict> post();
  /// The file parts of a multipart/form-data body, in order, once post() has run.
  const std::vector<FileField>& files() const noexcept { return files_; }
  /// The first file part named `name` (nullptr if none), once post() has run.
  const FileField* file(std::string_view name) const noexcept;
  /// A reader for a multipart body, a part at a time (aiohttp's request.multipart(),
  /// which needs no await here). HTTPBadRequest unless Content-Type is multipart/* with
  /// a boundary. Not limited by client_max_size.
  MultipartReader multipart();

  /// Runs `coro` as a task once the response has been sent (FastAPI's
  /// BackgroundTasks): it outlives the request and the connection; the AppRunner waits
  /// for it at cleanup. Failures go to the loop's exception handler.
  void add_background_task(Coro<void> coro);

 private:
  friend class detail::HttpConnection;
  friend class StreamResponse;
  friend class WebSocketResponse;
  explicit Request(detail::HttpConnection* c) noexcept : content_(c), conn_(c) {}
  void reset() noexcept;
  http::MultiDict parse_multipart_form(std::string_view body, std::string_view boundary);

  std::string_view method_, path_, raw_path_, query_string_;
  std::vector<std::pair<std::string_view, std::string_view>> raw_headers_;
  mutable std::optional<http::MultiDict> query_;
  mutable std::optional<http::Headers> headers_;
  std::string path_buf_;  // the decoded path when it differs from the raw one
  HttpVersion version_;
  bool keep_alive_ = true;
  bool body_exists_ = false;
  bool body_cached_ = false;
  std::optional<std::uint64_t> content_length_;
  std::string body_;
  std::vector<FileField> files_;
  MatchInfo match_info_;
  BodyReader content_;
  detail::HttpConnection* conn_;
  Application* app_ = nullptr;
  std::vector<Coro<void>> background_;
};

}  // namespace corio::web
