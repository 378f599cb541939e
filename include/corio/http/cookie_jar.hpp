// CookieJar: the cookies a ClientSession keeps between requests (aiohttp.CookieJar), a
// practical subset of RFC 6265.
//
//   session.cookie_jar().update_cookies({{"token", "abc"}}, URL("http://localhost/"));
//   std::string header = jar.filter_cookies(URL("http://localhost/api"));  // "token=abc"
//
// Stored per cookie: name, value, domain (host-only unless a Domain attribute was
// given), path (the default path of RFC 6265 section 5.1.4 when absent), expiry
// (Max-Age wins over Expires), Secure, HttpOnly. Matching on each request: domain-match
// (a host-only cookie needs the exact host), path-match, not expired, Secure only over
// https; longer paths first, then older cookies first (section 5.4). A Set-Cookie whose
// Domain does not domain-match the response's host is ignored, a new cookie replaces an
// old one with the same (name, domain, path), and an expiry in the past deletes it.
//
// As aiohttp's default jar, cookies from hosts given as IP addresses are ignored unless
// the jar is made `unsafe` (ClientSession's default jar is safe; use
// CookieJar(true) for 127.0.0.1). Not implemented: the public suffix list (a Domain of
// "com" is accepted), SameSite, and the cookie count limits.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "corio/http/multidict.hpp"
#include "corio/http/url.hpp"

namespace corio::http {

/// One stored cookie (a Morsel in aiohttp's SimpleCookie).
struct Cookie {
  std::string name;
  std::string value;
  std::string domain;  // lower case, no leading dot
  std::string path;
  std::optional<std::chrono::system_clock::time_point> expires;  // nullopt: session cookie
  bool host_only = true;
  bool secure = false;
  bool http_only = false;
};

/// The cookies of one session.
class CookieJar {
 public:
  using Clock = std::chrono::system_clock;

  /// `unsafe`: also accept cookies from IP-address hosts (aiohttp's unsafe=True).
  explicit CookieJar(bool unsafe = false) : unsafe_(unsafe) {}

  /// Stores the cookies of one Set-Cookie header value received from `response_url`.
  /// Malformed or foreign-domain cookies are ignored, as browsers do.
  void update_from_set_cookie(std::string_view set_cookie, const URL& response_url,
                              Clock::time_point now = Clock::now());
  /// Stores plain name=value cookies for `response_url`'s host (aiohttp's
  /// update_cookies); with an empty URL they are sent to every host.
  void update_cookies(const MultiDict& cookies, const URL& response_url = URL());
  /// The value of the Cookie header for a request to `request_url` ("a=1; b=2"; empty
  /// when none matches). Expired cookies are dropped on the way.
  std::string filter_cookies(const URL& request_url, Clock::time_point now = Clock::now());

  /// Forgets every cookie (aiohttp's clear()).
  void clear() noexcept { cookies_.clear(); }
  /// Forgets the cookies of `domain` and its subdomains (aiohttp's clear_domain()).
  void clear_domain(std::string_view domain);
  std::size_t size() const noexcept { return cookies_.size(); }
  std::vector<Cookie>::const_iterator begin() const noexcept { return cookies_.begin(); }
  std::vector<Cookie>::const_iterator end() const noexcept { return cookies_.end(); }
  bool unsafe() const noexcept { return unsafe_; }

 private:
  void store(Cookie c, Clock::time_point now);
  bool unsafe_;
  std::vector<Cookie> cookies_;  // in creation order (older first)
};

/// Parses a cookie date (RFC 6265 section 5.1.1: "Wed, 21 Oct 2015 07:28:00 GMT" and its
/// historic variants). nullopt when it is not one.
std::optional<std::chrono::system_clock::time_point> parse_cookie_date(std::string_view text);

}  // namespace corio::http
