// ClientResponse: what ClientSession's requests return (aiohttp.ClientResponse).
//
//   auto resp = co_await session.get("http://127.0.0.1:8080/data.json");
//   resp.raise_for_status();                     // ClientResponseError for 4xx / 5xx
//   nlohmann::json j = co_await resp.json();     // or text(), read(), content()
//
// The head (status, reason, headers) is there when the request returns; the body is
// read by read()/text()/json() (whole, cached: calling them again returns the same
// bytes) or streamed with content(). A body read to its end has already returned the
// connection to the pool. release() (and the destructor, aiohttp's `async with`)
// closes the connection of a body not read to its end, since the rest would have to
// be received first. A response is move-only.
//
// text() returns the body's bytes as they are (corio strings are bytes; no charset
// conversion, see docs/differences.md); charset() tells what the server declared.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "corio/core/coro.hpp"
#include "corio/http/content_reader.hpp"
#include "corio/http/multidict.hpp"
#include "corio/http/url.hpp"

namespace corio::http {

/// An HTTP response (aiohttp.ClientResponse).
class ClientResponse {
 public:
  /// Made by ClientSession from a response state whose head has been read.
  ClientResponse(std::shared_ptr<detail::ResponseState> state, std::string method, URL url);
  ClientResponse(ClientResponse&&) noexcept = default;
  ClientResponse& operator=(ClientResponse&& o) noexcept;
  ClientResponse(const ClientResponse&) = delete;
  ClientResponse& operator=(const ClientResponse&) = delete;
  ~ClientResponse() { release(); }

  /// The status code (200).
  int status() const noexcept;
  /// The reason phrase ("OK").
  const std::string& reason() const noexcept;
  /// The response headers (case-insensitive, repeated names kept).
  const Headers& headers() const noexcept;
  /// The URL of this response (the last one after redirects).
  const URL& url() const noexcept { return url_; }
  /// The request method ("GET").
  const std::string& method() const noexcept { return method_; }
  /// The redirect responses that led here, oldest first.
  const std::vector<ClientResponse>& history() const noexcept { return history_; }
  void set_history(std::vector<ClientResponse> h) { history_ = std::move(h); }
  /// HTTP version as (major, minor).
  std::pair<int, int> version() const noexcept;
  /// The media type of Content-Type, lower case ("text/html"); "application/octet-stream"
  /// when absent, as aiohttp.
  std::string content_type() const;
  /// The charset parameter of Content-Type, if any.
  std::optional<std::string> charset() const;
  /// Content-Length, if the server sent one.
  std::optional<std::size_t> content_length() const;
  /// status < 400.
  bool ok() const noexcept { return status() < 400; }
  /// Raises ClientResponseError(status, reason, url) when status >= 400. The
  /// connection is released first (aiohttp does the same).
  void raise_for_status();

  /// The whole body (decoded); cached, so a second call returns it again.
  /// Raises ClientPayloadError for a truncated body.
  /// Cancellation: nothing is lost; a later call goes on reading.
  Coro<std::string> read();
  /// read(), as text (the bytes as they are).
  /// Cancellation: as read().
  Coro<std::string> text();
  /// read() parsed as JSON. Raises ContentTypeError when the media type is not
  /// `content_type` (the default also accepts application/<x>+json, as aiohttp; pass ""
  /// to accept any), nlohmann::json::parse_error when it is not JSON.
  /// Cancellation: as read().
  Coro<nlohmann::json> json(std::string content_type = "application/json");
  /// The body as a stream.
  ContentReader& content() noexcept { return content_; }

  /// Returns the connection to the pool if the body was read to its end, else closes
  /// it. Idempotent; reading afterwards yields what was already received only.
  void release() noexcept;
  /// Closes the connection (aiohttp's close()).
  void close() noexcept;
  /// True once released or closed.
  bool closed() const noexcept { return released_; }

 private:
  std::shared_ptr<detail::ResponseState> s_;
  ContentReader content_;
  std::string method_;
  URL url_;
  std::vector<ClientResponse> history_;
  std::optional<std::string> body_;
  bool released_ = false;
};

}  // namespace corio::http
