// URL: an immutable, parsed URL, after yarl.URL (what aiohttp's client takes and returns).
//
//   corio::http::URL u("http://example.com:8080/a b/c?x=1&y=2#top");
//   u.host();            // "example.com"
//   u.port();            // 8080 (80 / 443 when not written)
//   u.path();            // "/a b/c"  (decoded)   u.raw_path(): "/a%20b/c"
//   u.query().get("x");  // "1"
//   u.join(URL("../d")); // http://example.com:8080/d   (RFC 3986 section 5.2)
//   u.with_query({{"q", "a&b"}});  // ...?q=a%26b
//
// Design: the URL is kept in its encoded ("raw") form, split into components; the
// decoded views are computed on demand. Parsing follows RFC 3986's generic syntax and
// re-quotes what must be quoted (a space in a path becomes %20) while leaving valid %XX
// escapes as they are, as yarl does, so URL(str(u)) == u. Host names are lower-cased;
// IPv6 literals are written in brackets in the URL and returned without them by host().
// Relative references (no scheme) are allowed; requesting one raises InvalidURL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "corio/http/multidict.hpp"

namespace corio::http {

class URL {
 public:
  /// The empty relative URL.
  URL() = default;
  /// Parses `text`; throws InvalidURL for a malformed port or scheme. Implicit, as
  /// aiohttp's methods take `str | URL`.
  URL(std::string_view text);  // NOLINT(google-explicit-constructor)
  URL(const char* text) : URL(std::string_view(text)) {}  // NOLINT(google-explicit-constructor)
  URL(std::string text) : URL(std::string_view(text)) {}  // NOLINT(google-explicit-constructor)

  /// "http", "https" (lower case), or empty for a relative URL.
  const std::string& scheme() const noexcept { return scheme_; }
  const std::string& user() const noexcept { return user_; }
  const std::string& password() const noexcept { return password_; }
  /// The host, lower-cased, IPv6 without brackets; empty for a relative URL.
  const std::string& host() const noexcept { return host_; }
  /// The port written in the URL, or the scheme's default (80, 443), or nullopt.
  std::optional<std::uint16_t> port() const noexcept;
  /// The port written in the URL only.
  std::optional<std::uint16_t> explicit_port() const noexcept { return port_; }
  /// The path, decoded ("/a b").
  std::string path() const;
  /// The path as sent on the wire ("/a%20b"); "/" for an absolute URL without one.
  const std::string& raw_path() const noexcept { return path_; }
  /// The query's fields, decoded (parse_qsl).
  MultiDict query() const;
  /// The query string as sent, without '?'.
  const std::string& raw_query_string() const noexcept { return query_; }
  /// The query string, decoded.
  std::string query_string() const;
  /// The fragment, decoded, without '#'.
  std::string fragment() const;
  const std::string& raw_fragment() const noexcept { return fragment_; }

  /// True when the URL has a scheme and a host.
  bool is_absolute() const noexcept { return !scheme_.empty() && has_authority_; }
  /// The request target of an origin-form request: raw path plus "?query".
  std::string path_qs() const;
  /// "host" or "host:port" (port only when written and not the default), IPv6 in
  /// brackets: the value of the Host header.
  std::string host_port() const;
  /// scheme://host[:port] with no user, path, query or fragment.
  URL origin() const;

  /// Resolves `ref` against this URL as a base (RFC 3986 section 5.2, yarl's join).
  URL join(const URL& ref) const;
  /// The same URL with the query replaced by `fields` (urlencoded).
  URL with_query(const MultiDict& fields) const;
  /// The same URL with the query replaced by an already encoded string.
  URL with_query(std::string_view raw_query) const;
  /// The same URL with `fields` appended to its query (yarl's extend_query).
  URL extend_query(const MultiDict& fields) const;
  /// The same URL with another path (quoted as needed); the query and fragment kept.
  URL with_path(std::string_view path) const;
  /// The same URL without the fragment (what is sent, and what redirects compare).
  URL with_fragment(std::string_view fragment) const;

  /// The URL as text, encoded (yarl's str(url)).
  std::string str() const;
  /// The URL as text without user information (what error messages show).
  std::string human_repr() const;

  friend bool operator==(const URL& a, const URL& b) noexcept = default;

 private:
  std::string scheme_, user_, password_, host_;
  std::optional<std::uint16_t> port_;
  std::string path_, query_, fragment_;
  bool has_authority_ = false;
  bool has_query_ = false;
  bool has_fragment_ = false;
};

}  // namespace corio::http
