// ClientSession: building requests, sending them on pooled connections, the stale
// connection retry, redirects and cookies (see client_session.hpp).
#include "corio/http/client_session.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "corio/core/exceptions.hpp"
#include "corio/http/client_exceptions.hpp"
#include "corio/http/query.hpp"
#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"
#include "deadline.hpp"
#include "proxy_tunnel.hpp"
#include "response_state.hpp"

namespace corio::http {

namespace {

constexpr std::size_t kRedirectDrainLimit = 64 * 1024;

bool idempotent(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "PUT" || method == "DELETE" ||
         method == "TRACE";
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

void check_header(std::string_view name, std::string_view value) {
  // A plain loop: find_first_of("\r\n") costs a memchr per character, and every header
  // of every request passes here.
  auto bad = [](std::string_view s) {
    for (char c : s) {
      if (c == '\r' || c == '\n') return true;
    }
    return false;
  };
  if (name.empty() || bad(name) || bad(value) || name.find(':') != std::string_view::npos) {
    throw ValueError("invalid header " + std::string(name) + ": newline or colon where none may be");
  }
}

void validate(const URL& url) {
  if (!url.is_absolute() || url.host().empty()) throw InvalidURL(url.human_repr() + " (not an absolute URL with a host)");
  if (url.scheme() != "http" && url.scheme() != "https") {
    throw InvalidURL(url.human_repr() + " (unsupported scheme '" + url.scheme() + "')");
  }
}

Coro<void> drain_writer(StreamWriter w) { co_await w.drain(); }

/// The connection for an https URL through an http proxy: to the proxy, then CONNECT to
/// the URL's host; pooled under a key naming both.
detail::ConnectTarget tunnel_target(const URL& proxy, const URL& url, bool verify) {
  validate(proxy);
  if (proxy.scheme() != "http") {
    throw InvalidURL(proxy.human_repr() + " (only http:// proxies can tunnel to " + url.human_repr() + ")");
  }
  detail::ConnectTarget target;
  target.host = proxy.host();
  target.port = proxy.port().value_or(80);
  target.ssl = true;
  target.verify = verify;
  target.via_proxy = true;
  detail::Tunnel tunnel;
  tunnel.host = url.host();
  tunnel.port = url.port().value_or(443);
  tunnel.proxy = proxy.origin().human_repr();
  if (!proxy.user().empty()) tunnel.authorization = detail::basic_authorization(proxy.user(), proxy.password());
  target.key = "tunnel " + tunnel.proxy + " https://" + tunnel.host + ":" + std::to_string(tunnel.port);
  // Credentials pick the proxy's view of who we are: tunnels opened with others are not shared.
  if (!tunnel.authorization.empty()) target.key += " as " + proxy.user();
  if (!verify) target.key += " unverified";
  target.tunnel = std::move(tunnel);
  return target;
}

}  // namespace

struct ClientSession::Prepared {
  std::string method;
  URL url;
  Headers headers;
  std::optional<std::string> body;
  std::optional<URL> proxy;
  ClientTimeout timeout;
  bool verify = true;
};

ClientSession::ClientSession(SessionOptions options)
    : base_url_(std::move(options.base_url)),
      connector_(options.connector ? std::move(*options.connector) : TCPConnector()),
      connector_owner_(options.connector_owner),
      timeout_(options.timeout),
      jar_(options.cookie_jar ? std::move(options.cookie_jar) : std::make_shared<CookieJar>()),
      raise_for_status_(options.raise_for_status),
      auto_decompress_(options.auto_decompress),
      trust_env_(options.trust_env) {
  headers_.add("Accept", "*/*");
  if (auto_decompress_) headers_.add("Accept-Encoding", "gzip, deflate");
  headers_.add("User-Agent", "corio-http/0.1");
  headers_.update(options.headers);
}

ClientSession::~ClientSession() {
  if (!closed_ && connector_owner_) connector_.core()->close();
}

Coro<void> ClientSession::close() {
  if (!closed_ && connector_owner_) co_await connector_.close();
  closed_ = true;
}

Coro<ClientResponse> ClientSession::get(URL url, RequestOptions o) { return request("GET", std::move(url), std::move(o)); }
Coro<ClientResponse> ClientSession::post(URL url, RequestOptions o) { return request("POST", std::move(url), std::move(o)); }
Coro<ClientResponse> ClientSession::put(URL url, RequestOptions o) { return request("PUT", std::move(url), std::move(o)); }
Coro<ClientResponse> ClientSession::patch(URL url, RequestOptions o) { return request("PATCH", std::move(url), std::move(o)); }
Coro<ClientResponse> ClientSession::delete_(URL url, RequestOptions o) {
  return request("DELETE", std::move(url), std::move(o));
}
Coro<ClientResponse> ClientSession::options(URL url, RequestOptions o) {
  return request("OPTIONS", std::move(url), std::move(o));
}
Coro<ClientResponse> ClientSession::request(std::string method, URL url) {
  return request(std::move(method), std::move(url), RequestOptions{});
}
Coro<ClientResponse> ClientSession::get(URL url) { return get(std::move(url), RequestOptions{}); }
Coro<ClientResponse> ClientSession::post(URL url) { return post(std::move(url), RequestOptions{}); }
Coro<ClientResponse> ClientSession::put(URL url) { return put(std::move(url), RequestOptions{}); }
Coro<ClientResponse> ClientSession::patch(URL url) { return patch(std::move(url), RequestOptions{}); }
Coro<ClientResponse> ClientSession::delete_(URL url) { return delete_(std::move(url), RequestOptions{}); }
Coro<ClientResponse> ClientSession::head(URL url) { return head(std::move(url), RequestOptions{}); }
Coro<ClientResponse> ClientSession::options(URL url) { return options(std::move(url), RequestOptions{}); }
Coro<ClientResponse> ClientSession::head(URL url, RequestOptions o) {
  if (!o.allow_redirects) o.allow_redirects = false;  // aiohttp's head() default
  return request("HEAD", std::move(url), std::move(o));
}

std::optional<URL> ClientSession::proxy_for(const URL& url, const RequestOptions& options) const {
  if (options.proxy) return options.proxy;
  if (!trust_env_) return std::nullopt;
  bool https = url.scheme() == "https";  // https URLs go through HTTPS_PROXY, by CONNECT
  const char* env = std::getenv(https ? "https_proxy" : "http_proxy");
  if (env == nullptr || *env == '\0') env = std::getenv(https ? "HTTPS_PROXY" : "HTTP_PROXY");
  if (env == nullptr || *env == '\0') return std::nullopt;
  const char* no = std::getenv("no_proxy");
  if (no == nullptr) no = std::getenv("NO_PROXY");
  if (no != nullptr) {
    std::string_view list(no);
    while (!list.empty()) {
      auto comma = list.find(',');
      std::string_view entry = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
      while (!entry.empty() && entry.back() == ' ') entry.remove_suffix(1);
      if (entry.starts_with('.')) entry.remove_prefix(1);
      if (entry == "*") return std::nullopt;
      const std::string& h = url.host();
      if (!entry.empty() && (h == entry || (h.size() > entry.size() && h.ends_with(entry) &&
                                            h[h.size() - entry.size() - 1] == '.'))) {
        return std::nullopt;
      }
    }
  }
  return URL(std::string_view(env));
}

Coro<ClientResponse> ClientSession::request(std::string method, URL url, RequestOptions options) {
  if (closed_) throw RuntimeError("Session is closed");
  for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (base_url_ && !url.is_absolute()) url = base_url_->join(url);
  if (!options.params.empty()) url = url.extend_query(options.params);
  validate(url);

  Prepared req;
  req.method = std::move(method);
  req.url = std::move(url);
  req.headers = headers_;
  req.headers.update(options.headers);
  std::optional<std::string> content_type;
  if (options.json) {
    req.body = options.json->dump();
    content_type = "application/json";
  } else if (options.form) {
    req.body = urlencode(*options.form);
    content_type = "application/x-www-form-urlencoded";
  } else if (options.form_data) {
    FormData::Encoded encoded = options.form_data->encode();
    req.body = std::move(encoded.body);
    content_type = std::move(encoded.content_type);
  } else if (options.data) {
    req.body = std::move(*options.data);
    content_type = "application/octet-stream";
  }
  if (content_type) req.headers.setdefault("Content-Type", *content_type);
  for (const auto& [k, v] : req.headers) check_header(k, v);
  req.timeout = options.timeout.value_or(timeout_);
  req.verify = options.ssl.value_or(connector_.options().ssl);
  bool allow_redirects = options.allow_redirects.value_or(true);

  std::optional<double> total_at;  // set when the first connection slot is granted
  std::vector<ClientResponse> history;
  int redirects = 0;
  for (;;) {
    req.proxy = proxy_for(req.url, options);
    ClientResponse resp = co_await send(req, &total_at);
    if (resp.headers().contains("Set-Cookie")) {
      for (std::string_view v : resp.headers().getall("Set-Cookie")) jar_->update_from_set_cookie(v, req.url);
    }

    std::optional<std::string_view> location;
    if (allow_redirects && is_redirect(resp.status())) {
      location = resp.headers().get("Location");
      if (!location) location = resp.headers().get("URI");
    }
    if (!location) {
      resp.set_history(std::move(history));
      if (options.raise_for_status.value_or(raise_for_status_)) resp.raise_for_status();
      co_return resp;
    }
    if (++redirects > options.max_redirects) {
      resp.release();
      throw TooManyRedirects(resp.status(), "Too many redirects (max_redirects=" + std::to_string(options.max_redirects) + ")",
                             resp.url().human_repr());
    }
    URL next = req.url.join(URL(*location));
    if (next.scheme() != "http" && next.scheme() != "https") {
      throw InvalidURL(next.human_repr() + " (redirect from " + req.url.human_repr() + " to an unsupported scheme)");
    }
    int status = resp.status();
    if ((status == 301 || status == 302 || status == 303) && req.method != "HEAD") {
      req.method = "GET";
      req.body.reset();
      req.headers.erase("Content-Type");
      req.headers.erase("Content-Length");
    }
    if (next.origin() != req.url.origin()) req.headers.erase("Authorization");
    // Read a small redirect body so that its connection returns to the pool.
    bool drain = resp.content().at_eof() ||
                 resp.content_length().value_or(kRedirectDrainLimit + 1) <= kRedirectDrainLimit;
    if (drain) {
      bool failed = false;
      try {
        co_await resp.read();
      } catch (const ClientError&) {
        failed = true;  // the redirect is followed anyway; its connection is closed
      }
      (void)failed;
    }
    resp.release();
    history.push_back(std::move(resp));
    req.url = next;
  }
}

Coro<ClientResponse> ClientSession::send(const Prepared& req, std::optional<double>* total_at) {
  const URL& url = req.url;
  std::string what = req.method + " " + url.human_repr();
  detail::ConnectTarget target;
  std::string request_target;
  bool tunnelled = req.proxy && url.scheme() == "https";
  if (tunnelled) {
    target = tunnel_target(*req.proxy, url, req.verify);
    request_target = url.path_qs();
  } else if (req.proxy) {
    validate(*req.proxy);
    target.host = req.proxy->host();
    target.port = req.proxy->port().value_or(80);
    target.ssl = req.proxy->scheme() == "https";
    target.via_proxy = true;
    target.key = "proxy " + req.proxy->scheme() + "://" + target.host + ":" + std::to_string(target.port);
    request_target = url.with_fragment("").str();
  } else {
    target.host = url.host();
    target.port = url.port().value_or(80);
    target.ssl = url.scheme() == "https";
    target.verify = req.verify;
    target.key.reserve(url.scheme().size() + target.host.size() + 20);
    target.key += url.scheme();
    target.key += "://";
    target.key += target.host;
    target.key += ':';
    target.key += std::to_string(target.port);
    if (target.ssl && !target.verify) target.key += " unverified";
    request_target = url.path_qs();
  }
  target.what = what;
  // An idempotent request is sent once more on a new connection when its pooled one
  // turns out closed (below), so the pool need not peek at the socket first.
  target.check_alive = !idempotent(req.method);

  std::string head;
  head.reserve(512);
  head += req.method;
  head += ' ';
  head += request_target;
  head += " HTTP/1.1\r\n";
  if (req.proxy && !tunnelled && !req.proxy->user().empty() && !req.headers.contains("Proxy-Authorization")) {
    head += "Proxy-Authorization: " + detail::basic_authorization(req.proxy->user(), req.proxy->password()) + "\r\n";
  }
  if (!req.headers.contains("Host")) {
    head += "Host: ";
    head += url.host_port();
    head += "\r\n";
  }
  for (const auto& [k, v] : req.headers) {
    head += k;
    head += ": ";
    head += v;
    head += "\r\n";
  }
  if (jar_->size() != 0 && !req.headers.contains("Cookie")) {
    std::string cookies = jar_->filter_cookies(url);
    if (!cookies.empty()) head += "Cookie: " + cookies + "\r\n";
  }
  if (!req.headers.contains("Content-Length") && !req.headers.contains("Transfer-Encoding")) {
    if (req.body) {
      head += "Content-Length: " + std::to_string(req.body->size()) + "\r\n";
    } else if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
      head += "Content-Length: 0\r\n";
    }
  }
  head += "\r\n";

  bool try_h2 = target.ssl && (!req.proxy || tunnelled) && connector_.options().http2;
  std::string cookies;
  if (try_h2 && !req.headers.contains("Cookie")) cookies = jar_->filter_cookies(url);
  for (int attempt = 0; try_h2; ++attempt) {
    const std::shared_ptr<detail::ConnectorCore>& core = connector_.core();
    std::shared_ptr<H2Connection> h2 = co_await core->acquire_h2(target, req.timeout, total_at);
    if (!h2) break;  // the origin speaks HTTP/1.1
    H2Request h2req;
    h2req.method = req.method;
    h2req.scheme = "https";
    if (!req.headers.contains("Host")) h2req.authority = url.host_port();
    h2req.path = request_target;
    h2req.headers = req.headers;
    if (!cookies.empty()) h2req.headers.add("Cookie", cookies);
    if (req.body) h2req.body = *req.body;
    bool retry = false;
    try {
      H2Response r = co_await detail::bounded(h2->request(std::move(h2req)), req.timeout.sock_read, *total_at,
                                              detail::Phase::SockRead, what);
      auto state = std::make_shared<detail::ResponseState>(detail::ConnectionLease(), req.method == "HEAD", what,
                                                           req.timeout.sock_read, *total_at, auto_decompress_);
      state->start_h2(std::move(r));
      co_return ClientResponse(std::move(state), req.method, url);
    } catch (const H2ConnectionError& e) {
      core->drop_h2(target.key, h2);
      if (!(e.retryable && attempt < 2)) {
        throw ServerDisconnectedError(std::string(e.what()) + " (" + what + ")");
      }
      retry = true;
    } catch (const H2StreamError& e) {
      if (!(e.retryable && attempt < 2)) {
        throw ServerDisconnectedError(std::string(e.what()) + " (" + what + ")");
      }
      retry = true;
    } catch (const H2Error& e) {
      throw ClientConnectionError(std::string(e.what()) + " (" + what + ")");
    }
    (void)retry;
  }

  for (int attempt = 0;; ++attempt) {
    target.fresh = attempt > 0;
    detail::ConnectionLease lease = co_await connector_.core()->acquire(target, req.timeout, total_at);
    if (lease->h2) {  // ALPN picked h2 where HTTP/1.1 was expected (a proxy, or the origin changed)
      lease.close();
      throw ClientConnectionError("The server selected HTTP/2 where HTTP/1.1 was needed (" + what + ")");
    }
    bool reused = lease->uses > 0;
    StreamWriter writer = lease->writer;
    auto state = std::make_shared<detail::ResponseState>(std::move(lease), req.method == "HEAD", what,
                                                         req.timeout.sock_read, *total_at, auto_decompress_);
    bool stale = false;  // the server had closed the pooled connection
    std::exception_ptr failure;
    try {
      writer.write(head);
      if (req.body && !req.body->empty()) writer.write(*req.body);
      if (writer.get_write_buffer_size() == 0) {
        // All sent already (the usual case for a request head): drain() cannot wait, so
        // no deadline timer and no coroutine around it; it still raises a send error.
        co_await writer.drain();
      } else {
        co_await detail::bounded(drain_writer(writer), std::nullopt, *total_at, detail::Phase::Send, what);
      }
      co_await state->read_head();
    } catch (const ServerDisconnectedError&) {
      stale = !state->parser.started();
      failure = std::current_exception();
    } catch (const ClientOSError&) {
      stale = !state->parser.started();
      failure = std::current_exception();
    } catch (const OSError& e) {  // the request could not be written
      stale = true;
      failure = std::make_exception_ptr(ClientOSError(e.errno_value(), std::string(e.what()) + " (" + what + ")"));
    }
    if (failure) {
      state->lease.close();
      if (stale && reused && attempt == 0 && idempotent(req.method)) continue;
      std::rethrow_exception(failure);
    }
    co_return ClientResponse(std::move(state), req.method, url);
  }
}

}  // namespace corio::http
