// The HTTPException family (aiohttp.web's web_exceptions): a handler or middleware
// throws one to answer with its status.
//
//   if (!found) throw corio::web::HTTPNotFound();
//   throw corio::web::HTTPFound("/login");             // 302 with Location: /login
//
// Design: in aiohttp an HTTPException is also a Response; in C++ a thrown object is
// copied and sliced, so it is a plain exception that carries what the response needs
// (status, reason, text body, headers) and the connection turns it into a Response.
// A handler may also co_return an error response without throwing (Response(status)).
// Subclasses are named as aiohttp's; all derive from HTTPException, which derives from
// corio::Error, so `catch (const corio::web::HTTPException&)` in a middleware sees them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "corio/core/exceptions.hpp"
#include "corio/http/multidict.hpp"

namespace corio::web {

/// An HTTP error (or redirect) answer, thrown by handlers (aiohttp.web.HTTPException).
class HTTPException : public Error {
 public:
  /// `status` with its standard reason; the body defaults to "<status>: <reason>".
  explicit HTTPException(int status, std::string text = {}, std::string reason = {});
  int status() const noexcept { return status_; }
  const std::string& reason() const noexcept { return reason_; }
  const std::string& text() const noexcept { return text_; }
  http::Headers& headers() noexcept { return headers_; }
  const http::Headers& headers() const noexcept { return headers_; }

 private:
  int status_;
  std::string reason_;
  std::string text_;
  http::Headers headers_;
};

#define CORIO_WEB_HTTP_ERROR(Name, code)                                                  \
  /** HTTP code (aiohttp.web.Name). */                                                    \
  class Name : public HTTPException {                                                     \
   public:                                                                                \
    explicit Name(std::string text = {}, std::string reason = {})                        \
        : HTTPException(code, std::move(text), std::move(reason)) {}                      \
  };

CORIO_WEB_HTTP_ERROR(HTTPNoContent, 204)
CORIO_WEB_HTTP_ERROR(HTTPBadRequest, 400)
CORIO_WEB_HTTP_ERROR(HTTPUnauthorized, 401)
CORIO_WEB_HTTP_ERROR(HTTPForbidden, 403)
CORIO_WEB_HTTP_ERROR(HTTPNotFound, 404)
CORIO_WEB_HTTP_ERROR(HTTPNotAcceptable, 406)
CORIO_WEB_HTTP_ERROR(HTTPRequestTimeout, 408)
CORIO_WEB_HTTP_ERROR(HTTPConflict, 409)
CORIO_WEB_HTTP_ERROR(HTTPGone, 410)
CORIO_WEB_HTTP_ERROR(HTTPLengthRequired, 411)
CORIO_WEB_HTTP_ERROR(HTTPUnsupportedMediaType, 415)
CORIO_WEB_HTTP_ERROR(HTTPUnprocessableEntity, 422)
CORIO_WEB_HTTP_ERROR(HTTPTooManyRequests, 429)
CORIO_WEB_HTTP_ERROR(HTTPRequestHeaderFieldsTooLarge, 431)
CORIO_WEB_HTTP_ERROR(HTTPInternalServerError, 500)
CORIO_WEB_HTTP_ERROR(HTTPNotImplemented, 501)
CORIO_WEB_HTTP_ERROR(HTTPBadGateway, 502)
CORIO_WEB_HTTP_ERROR(HTTPServiceUnavailable, 503)
CORIO_WEB_HTTP_ERROR(HTTPGatewayTimeout, 504)
#undef CORIO_WEB_HTTP_ERROR

/// 405 with the Allow header listing `allowed_methods` (aiohttp.web.HTTPMethodNotAllowed).
class HTTPMethodNotAllowed : public HTTPException {
 public:
  HTTPMethodNotAllowed(std::string_view method, const std::vector<std::string>& allowed_methods);
  const std::string& method() const noexcept { return method_; }

 private:
  std::string method_;
};

/// 413: the body is larger than client_max_size (aiohttp.web.HTTPRequestEntityTooLarge).
class HTTPRequestEntityTooLarge : public HTTPException {
 public:
  HTTPRequestEntityTooLarge(std::size_t max_size, std::size_t actual_size);
};

/// A redirect: `status` with Location: `location` (aiohttp.web.HTTPMove).
class HTTPMove : public HTTPException {
 public:
  HTTPMove(int status, std::string location);
  const std::string& location() const noexcept { return location_; }

 private:
  std::string location_;
};

#define CORIO_WEB_HTTP_MOVE(Name, code)                                          \
  /** Redirect code (aiohttp.web.Name). */                                       \
  class Name : public HTTPMove {                                                 \
   public:                                                                       \
    explicit Name(std::string location) : HTTPMove(code, std::move(location)) {} \
  };
CORIO_WEB_HTTP_MOVE(HTTPMovedPermanently, 301)
CORIO_WEB_HTTP_MOVE(HTTPFound, 302)
CORIO_WEB_HTTP_MOVE(HTTPSeeOther, 303)
CORIO_WEB_HTTP_MOVE(HTTPTemporaryRedirect, 307)
CORIO_WEB_HTTP_MOVE(HTTPPermanentRedirect, 308)
#undef CORIO_WEB_HTTP_MOVE

/// The standard reason phrase of `status` ("OK", "Not Found"; "" when unknown).
std::string_view status_reason(int status) noexcept;

}  // namespace corio::web
