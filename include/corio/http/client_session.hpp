// ClientSession: the HTTP client (aiohttp.ClientSession).
//
//   corio::http::ClientSession session;
//   auto resp = co_await session.get("http://127.0.0.1:8080/", {.params = {{"q", "x"}}});
//   std::string body = co_await resp.text();
//   auto posted = co_await session.post(url, {.json = nlohmann::json{{"a", 1}}});
//   co_await session.close();
//
// Design: a session is a connection pool (TCPConnector), a CookieJar, default headers
// and a default ClientTimeout. A request builds its URL (base_url, params), encodes
// its body (data: raw bytes; form: urlencoded; form_data: FormData, urlencoded or
// multipart; json: nlohmann::json), takes a connection from the pool and sends the
// request head and body in one write, then reads the response head; the body is left
// to the caller (see ClientResponse).
// Set-Cookie headers of every response feed the jar; Cookie is sent from it.
//
// Redirects (allow_redirects, default on except for head()): 301, 302 and 303 become a
// GET without body (a HEAD stays a HEAD), 307 and 308 repeat the method and body;
// Location is resolved against the current URL; more than max_redirects hops raise
// TooManyRedirects; the redirect responses are kept in history(). Authorization is
// dropped when a redirect leaves the origin. A redirect's small body is read so its
// connection goes back to the pool.
//
// Retry: when a pooled (kept-alive) connection turns out to be closed by the server
// before any byte of the response arrived (EOF, reset, broken pipe), an idempotent
// request (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) is sent once more on a new
// connection; others raise ServerDisconnectedError / ClientOSError. Because of that
// retry the pool does not peek at a pooled socket before an idempotent request (a recv
// system call per request saved); others are still checked that way first.
//
// Timeouts: see client_timeout.hpp (`pool` is separate, and `total` starts when the
// first connection slot is granted).
//
// Proxy: RequestOptions::proxy, or with trust_env the http_proxy / HTTP_PROXY (for
// http:// URLs) and https_proxy / HTTPS_PROXY (for https:// URLs) environment
// variables, no_proxy / NO_PROXY honoured. An http:// request is sent to the proxy in
// absolute form; an https:// one goes through a CONNECT tunnel, with TLS (and HTTP/2 by
// ALPN) to the target inside it. A user:password in the proxy URL is sent as
// Proxy-Authorization: Basic. A refused CONNECT raises ClientHttpProxyError.
//
// With g++ 12, do not write a RequestOptions temporary inside a co_await expression:
// g++ 12 destroys a braced aggregate made there twice (`co_await session.get(url,
// {.headers = h})` corrupts the heap; clang and later g++ are fine). Bind the options to
// a named variable first: `RequestOptions o{.headers = h}; co_await session.get(url, o);`.
// For the same reason every method has an overload without options instead of a
// defaulted `= {}` argument, so `co_await session.get(url)` is safe everywhere.
//
// A session belongs to one loop. Close it (co_await session.close()) before its loop
// is closed; the destructor closes its idle connections too.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "corio/core/coro.hpp"
#include "corio/http/client_response.hpp"
#include "corio/http/client_timeout.hpp"
#include "corio/http/client_websocket.hpp"
#include "corio/http/cookie_jar.hpp"
#include "corio/http/form_data.hpp"
#include "corio/http/multidict.hpp"
#include "corio/http/tcp_connector.hpp"
#include "corio/http/url.hpp"

namespace corio::http {

/// A request's keyword arguments (aiohttp's request(...) parameters).
struct RequestOptions {
  /// Query fields appended to the URL's own.
  MultiDict params{};
  /// Headers for this request; they replace the session's of the same name.
  Headers headers{};
  /// A raw body (aiohttp's data=bytes). Content-Type defaults to application/octet-stream.
  std::optional<std::string> data{};
  /// A form body, urlencoded (aiohttp's data=dict).
  std::optional<MultiDict> form{};
  /// A FormData body (aiohttp's data=FormData): urlencoded, or multipart/form-data when
  /// a field has a filename or content type.
  std::optional<FormData> form_data{};
  /// A JSON body (aiohttp's json=).
  std::optional<nlohmann::json> json{};
  /// Replaces the session's timeout.
  std::optional<ClientTimeout> timeout{};
  /// Follow redirects (default: yes, except for head()).
  std::optional<bool> allow_redirects{};
  /// Redirect hops followed before TooManyRedirects.
  int max_redirects = 10;
  /// Replaces the session's raise_for_status.
  std::optional<bool> raise_for_status{};
  /// false: do not verify the server's certificate for this request (aiohttp's ssl=False).
  std::optional<bool> ssl{};
  /// An http:// proxy for this request (https:// URLs are tunnelled through it by CONNECT).
  std::optional<URL> proxy{};
};

/// ClientSession's keyword arguments.
struct SessionOptions {
  /// Relative request URLs are joined to this one.
  std::optional<URL> base_url{};
  /// The pool; by default a new TCPConnector() owned by the session.
  std::optional<TCPConnector> connector{};
  /// Close the connector with the session (false to share one pool between sessions).
  bool connector_owner = true;
  /// Headers sent with every request (after the defaults Accept, Accept-Encoding and
  /// User-Agent, which they may replace).
  Headers headers{};
  /// The default deadlines of every request.
  ClientTimeout timeout{};
  /// The cookie jar; by default a new (safe) CookieJar. Share one between sessions by
  /// passing the same pointer.
  std::shared_ptr<CookieJar> cookie_jar{};
  /// Call raise_for_status() on every response.
  bool raise_for_status = false;
  /// Inflate gzip / deflate bodies (Accept-Encoding: gzip, deflate is sent).
  bool auto_decompress = true;
  /// Use http_proxy / HTTP_PROXY, https_proxy / HTTPS_PROXY and no_proxy / NO_PROXY from
  /// the environment.
  bool trust_env = false;
};

/// An HTTP client session (aiohttp.ClientSession).
class ClientSession {
 public:
  explicit ClientSession(SessionOptions options = {});
  ~ClientSession();
  ClientSession(const ClientSession&) = delete;
  ClientSession& operator=(const ClientSession&) = delete;

  /// Sends `method` to `url` and returns the response once its head has arrived.
  /// Raises InvalidURL, ClientConnectorError, ServerDisconnectedError, ClientOSError,
  /// ClientResponseError (malformed response, raise_for_status), TooManyRedirects,
  /// ServerTimeoutError subclasses, TimeoutError (total).
  /// Cancellation: the connection in use is closed, a pool slot is given back, and
  /// CancelledError is raised.
  Coro<ClientResponse> request(std::string method, URL url, RequestOptions options);
  Coro<ClientResponse> request(std::string method, URL url);
  /// request("GET", ...). Cancellation: as request().
  Coro<ClientResponse> get(URL url, RequestOptions options);
  Coro<ClientResponse> get(URL url);
  /// request("POST", ...). Cancellation: as request().
  Coro<ClientResponse> post(URL url, RequestOptions options);
  Coro<ClientResponse> post(URL url);
  /// request("PUT", ...). Cancellation: as request().
  Coro<ClientResponse> put(URL url, RequestOptions options);
  Coro<ClientResponse> put(URL url);
  /// request("PATCH", ...). Cancellation: as request().
  Coro<ClientResponse> patch(URL url, RequestOptions options);
  Coro<ClientResponse> patch(URL url);
  /// request("DELETE", ...) (`delete` is a C++ keyword). Cancellation: as request().
  Coro<ClientResponse> delete_(URL url, RequestOptions options);
  Coro<ClientResponse> delete_(URL url);
  /// request("HEAD", ...), not following redirects unless asked. Cancellation: as request().
  Coro<ClientResponse> head(URL url, RequestOptions options);
  Coro<ClientResponse> head(URL url);
  /// request("OPTIONS", ...). Cancellation: as request().
  Coro<ClientResponse> options(URL url, RequestOptions options);
  Coro<ClientResponse> options(URL url);

  /// Opens a WebSocket to a ws:// or wss:// URL (aiohttp's ws_connect); see
  /// client_websocket.hpp. Raises WSServerHandshakeError, ClientConnectorError.
  /// Cancellation: the connection is closed.
  Coro<ClientWebSocketResponse> ws_connect(URL url, WSConnectOptions options);
  Coro<ClientWebSocketResponse> ws_connect(URL url);

  /// Closes the session and, if it owns it, the connector; later requests raise
  /// RuntimeError. Cancellation: none (no suspension).
  Coro<void> close();
  bool closed() const noexcept { return closed_; }
  CookieJar& cookie_jar() noexcept { return *jar_; }
  TCPConnector& connector() noexcept { return connector_; }
  const Headers& headers() const noexcept { return headers_; }
  const ClientTimeout& timeout() const noexcept { return timeout_; }

 private:
  struct Prepared;
  Coro<ClientResponse> send(const Prepared& req, std::optional<double>* total_at);
  std::optional<URL> proxy_for(const URL& url, const RequestOptions& options) const;

  std::optional<URL> base_url_;
  TCPConnector connector_;
  bool connector_owner_;
  Headers headers_;
  ClientTimeout timeout_;
  std::shared_ptr<CookieJar> jar_;
  bool raise_for_status_;
  bool auto_decompress_;
  bool trust_env_;
  bool closed_ = false;
};

}  // namespace corio::http
