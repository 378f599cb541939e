// URL parsing, re-quoting and RFC 3986 reference resolution (see url.hpp).
#include "corio/http/url.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "corio/http/client_exceptions.hpp"
#include "corio/http/query.hpp"

namespace corio::http {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

bool is_hex(char c) noexcept { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

/// Characters a path, query or fragment may hold unencoded (RFC 3986 pchar plus '/',
/// and '?' outside the path).
bool allowed(unsigned char c, bool in_path) noexcept {
  if (std::isalnum(c)) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':                                     // unreserved
    case '!': case '$': case '&': case '\'': case '(': case ')': case '*':      // sub-delims
    case '+': case ',': case ';': case '=':
    case ':': case '@': case '/':
      return true;
    case '?':
      return !in_path;
    default:
      return false;
  }
}

/// Encodes what must be encoded and keeps valid %XX escapes (yarl's requoting), so that
/// quoting an already quoted component changes nothing.
std::string requote(std::string_view s, bool in_path) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      out.append(s.substr(i, 3));
      i += 2;
    } else if (allowed(c, in_path)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::uint16_t> default_port(std::string_view scheme) noexcept {
  if (scheme == "http" || scheme == "ws") return 80;
  if (scheme == "https" || scheme == "wss") return 443;
  return std::nullopt;
}

/// RFC 3986 section 5.2.4.
std::string remove_dot_segments(std::string_view in) {
  std::string out;
  while (!in.empty()) {
    if (in.starts_with("../")) {
      in.remove_prefix(3);
    } else if (in.starts_with("./")) {
      in.remove_prefix(2);
    } else if (in.starts_with("/./")) {
      in.remove_prefix(2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.starts_with("/../") || in == "/..") {
      in = in.size() == 3 ? std::string_view("/") : in.substr(3);
      auto slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in = {};
    } else {
      std::size_t next = in.find('/', 1);
      if (next == std::string_view::npos) next = in.size();
      out.append(in.substr(0, next));
      in.remove_prefix(next);
    }
  }
  return out;
}

}  // namespace

URL::URL(std::string_view text) {
  // Leading and trailing blanks are dropped, as yarl does for pasted URLs.
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);

  std::string_view rest = text;
  // scheme ":" — only when the part before ':' is a valid scheme.
  if (auto colon = rest.find(':'); colon != std::string_view::npos && colon > 0) {
    std::string_view candidate = rest.substr(0, colon);
    bool ok = std::isalpha(static_cast<unsigned char>(candidate[0])) != 0 &&
              std::all_of(candidate.begin(), candidate.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
              });
    if (ok && candidate.find_first_of("/?#") == std::string_view::npos) {
      scheme_ = lower(candidate);
      rest.remove_prefix(colon + 1);
    }
  }
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    has_authority_ = true;
    std::size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end);
    if (auto at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      authority.remove_prefix(at + 1);
      auto colon = userinfo.find(':');
      user_ = unquote(userinfo.substr(0, colon));
      if (colon != std::string_view::npos) password_ = unquote(userinfo.substr(colon + 1));
    }
    std::string_view port_text;
    if (authority.starts_with('[')) {
      auto close = authority.find(']');
      if (close == std::string_view::npos) throw InvalidURL("Invalid IPv6 URL: " + std::string(text));
      host_ = lower(authority.substr(1, close - 1));
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (after[0] != ':') throw InvalidURL("Invalid URL (text after IPv6 host): " + std::string(text));
        port_text = after.substr(1);
      }
    } else {
      auto colon = authority.rfind(':');
      host_ = lower(authority.substr(0, colon));
      if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (!port_text.empty()) {
      unsigned value = 0;
      auto [p, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
      if (ec != std::errc() || p != port_text.data() + port_text.size() || value > 65535) {
        throw InvalidURL("Invalid port '" + std::string(port_text) + "' in URL: " + std::string(text));
      }
      port_ = static_cast<std::uint16_t>(value);
    }
  }
  std::size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    has_fragment_ = true;
    fragment_ = requote(rest.substr(hash + 1), false);
    rest = rest.substr(0, hash);
  }
  std::size_t qmark = rest.find('?');
  if (qmark != std::string_view::npos) {
    has_query_ = true;
    query_ = requote(rest.substr(qmark + 1), false);
    rest = rest.substr(0, qmark);
  }
  path_ = requote(rest, true);
  if (has_authority_ && path_.empty()) path_ = "/";
}

std::optional<std::uint16_t> URL::port() const noexcept { return port_ ? port_ : default_port(scheme_); }

std::string URL::path() const { return unquote(path_); }
MultiDict URL::query() const { return parse_qsl(query_); }
std::string URL::query_string() const { return unquote_plus(query_); }
std::string URL::fragment() const { return unquote(fragment_); }

std::string URL::path_qs() const {
  std::string out = path_.empty() ? std::string("/") : path_;
  if (has_query_ && !query_.empty()) {
    out += '?';
    out += query_;
  }
  return out;
}

std::string URL::host_port() const {
  std::string out = host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_;
  if (port_ && port_ != default_port(scheme_)) out += ":" + std::to_string(*port_);
  return out;
}

URL URL::origin() const {
  URL u;
  u.scheme_ = scheme_;
  u.host_ = host_;
  u.port_ = port_;
  u.has_authority_ = has_authority_;
  u.path_ = has_authority_ ? "/" : "";
  return u;
}

URL URL::join(const URL& r) const {
  URL t;
  if (!r.scheme_.empty()) {
    t = r;
    t.path_ = remove_dot_segments(r.path_);
    if (t.has_authority_ && t.path_.empty()) t.path_ = "/";
    return t;
  }
  if (r.has_authority_) {
    t = r;
    t.path_ = remove_dot_segments(r.path_);
    if (t.path_.empty()) t.path_ = "/";
  } else {
    t.user_ = user_;
    t.password_ = password_;
    t.host_ = host_;
    t.port_ = port_;
    t.has_authority_ = has_authority_;
    if (r.path_.empty()) {
      t.path_ = path_;
      t.has_query_ = r.has_query_ ? true : has_query_;
      t.query_ = r.has_query_ ? r.query_ : query_;
    } else {
      if (r.path_.starts_with('/')) {
        t.path_ = remove_dot_segments(r.path_);
      } else {
        std::string merged;
        if (has_authority_ && path_.empty()) {
          merged = "/" + r.path_;
        } else {
          auto slash = path_.rfind('/');
          merged = (slash == std::string::npos ? std::string() : path_.substr(0, slash + 1)) + r.path_;
        }
        t.path_ = remove_dot_segments(merged);
      }
      t.has_query_ = r.has_query_;
      t.query_ = r.query_;
    }
  }
  t.scheme_ = scheme_;
  t.has_fragment_ = r.has_fragment_;
  t.fragment_ = r.fragment_;
  return t;
}

URL URL::with_query(const MultiDict& fields) const { return with_query(std::string_view(urlencode(fields))); }

URL URL::with_query(std::string_view raw_query) const {
  URL u = *this;
  u.query_ = requote(raw_query, false);
  u.has_query_ = !u.query_.empty();
  return u;
}

URL URL::extend_query(const MultiDict& fields) const {
  if (fields.empty()) return *this;
  std::string extra = urlencode(fields);
  return with_query(query_.empty() ? extra : query_ + "&" + extra);
}

URL URL::with_path(std::string_view path) const {
  URL u = *this;
  u.path_ = requote(path, true);
  if (u.has_authority_ && !u.path_.starts_with('/')) u.path_.insert(0, 1, '/');
  return u;
}

URL URL::with_fragment(std::string_view fragment) const {
  URL u = *this;
  u.fragment_ = requote(fragment, false);
  u.has_fragment_ = !u.fragment_.empty();
  return u;
}

namespace {
std::string build(const URL& u, const std::string& scheme, bool with_user, bool has_authority,
                  bool has_query, bool has_fragment) {
  std::string out;
  if (!scheme.empty()) out += scheme + ":";
  if (has_authority) {
    out += "//";
    if (with_user && !u.user().empty()) {
      out += quote(u.user(), "");
      if (!u.password().empty()) out += ":" + quote(u.password(), "");
      out += '@';
    }
    out += u.host().find(':') != std::string::npos ? "[" + u.host() + "]" : u.host();
    if (u.explicit_port()) out += ":" + std::to_string(*u.explicit_port());
  }
  out += u.raw_path();
  if (has_query) out += "?" + u.raw_query_string();
  if (has_fragment) out += "#" + u.raw_fragment();
  return out;
}
}  // namespace

std::string URL::str() const { return build(*this, scheme_, true, has_authority_, has_query_, has_fragment_); }
std::string URL::human_repr() const {
  return build(*this, scheme_, false, has_authority_, has_query_, has_fragment_);
}

}  // namespace corio::http
