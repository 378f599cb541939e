// CookieJar: Set-Cookie parsing and RFC 6265 matching (see cookie_jar.hpp).
#include "corio/http/cookie_jar.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <ctime>

namespace corio::http {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_ip(std::string_view host) {
  if (host.find(':') != std::string_view::npos) return true;
  in_addr a{};
  return ::inet_pton(AF_INET, std::string(host).c_str(), &a) == 1;
}

/// RFC 6265 section 5.1.3.
bool domain_match(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.' && !is_ip(host);
}

/// RFC 6265 section 5.1.4.
bool path_match(std::string_view request_path, std::string_view cookie_path) {
  if (request_path == cookie_path) return true;
  if (!request_path.starts_with(cookie_path)) return false;
  return cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/';
}

std::string default_path(std::string_view uri_path) {
  if (uri_path.empty() || uri_path[0] != '/') return "/";
  auto slash = uri_path.rfind('/');
  return slash == 0 ? "/" : std::string(uri_path.substr(0, slash));
}

bool digits(std::string_view s, std::size_t lo, std::size_t hi, int& out) {
  if (s.size() < lo || s.size() > hi) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_cookie_date(std::string_view text) {
  // Tokens are split at the delimiters of section 5.1.1; each fills the first field it
  // looks like, in the order time, day, month, year.
  auto delimiter = [](unsigned char c) {
    return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
           (c >= 0x7B && c <= 0x7E);
  };
  std::optional<int> hour, minute, second, day, month, year;
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && delimiter(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t j = i;
    while (j < text.size() && !delimiter(static_cast<unsigned char>(text[j]))) ++j;
    std::string_view tok = text.substr(i, j - i);
    i = j;
    if (tok.empty()) continue;
    int h = 0, m = 0, s = 0, v = 0;
    if (!hour) {
      auto c1 = tok.find(':');
      auto c2 = c1 == std::string_view::npos ? c1 : tok.find(':', c1 + 1);
      if (c2 != std::string_view::npos && digits(tok.substr(0, c1), 1, 2, h) &&
          digits(tok.substr(c1 + 1, c2 - c1 - 1), 1, 2, m) && digits(tok.substr(c2 + 1), 1, 2, s)) {
        hour = h, minute = m, second = s;
        continue;
      }
    }
    if (!day && digits(tok, 1, 2, v)) {
      day = v;
      continue;
    }
    if (!month && tok.size() >= 3) {
      std::string l = lower(tok.substr(0, 3));
      auto it = std::find(std::begin(kMonths), std::end(kMonths), l);
      if (it != std::end(kMonths)) {
        month = static_cast<int>(it - std::begin(kMonths)) + 1;
        continue;
      }
    }
    if (!year && digits(tok, 2, 4, v)) {
      if (v >= 70 && v <= 99) v += 1900;
      if (v >= 0 && v <= 69) v += 2000;
      year = v;
    }
  }
  if (!hour || !day || !month || !year) return std::nullopt;
  if (*day < 1 || *day > 31 || *year < 1601 || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return std::chrono::system_clock::from_time_t(::timegm(&tm));
}

void CookieJar::update_from_set_cookie(std::string_view header, const URL& url, Clock::time_point now) {
  if (!unsafe_ && is_ip(url.host())) return;
  // name=value; attr=value; flag ... (RFC 6265 section 5.2)
  auto semi = header.find(';');
  std::string_view pair = header.substr(0, semi);
  std::string_view attrs = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
  auto eq = pair.find('=');
  if (eq == std::string_view::npos) return;
  Cookie c;
  c.name = std::string(trim(pair.substr(0, eq)));
  c.value = std::string(trim(pair.substr(eq + 1)));
  if (c.name.empty()) return;
  if (c.value.size() >= 2 && c.value.front() == '"' && c.value.back() == '"') c.value = c.value.substr(1, c.value.size() - 2);
  std::optional<Clock::time_point> max_age_expiry, expires;
  std::string domain_attr;
  bool has_path = false;
  while (!attrs.empty()) {
    auto next = attrs.find(';');
    std::string_view av = attrs.substr(0, next);
    attrs = next == std::string_view::npos ? std::string_view() : attrs.substr(next + 1);
    auto aeq = av.find('=');
    std::string name = lower(trim(av.substr(0, aeq)));
    std::string_view value = aeq == std::string_view::npos ? std::string_view() : trim(av.substr(aeq + 1));
    if (name == "expires") {
      expires = parse_cookie_date(value);
    } else if (name == "max-age") {
      long long secs = 0;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
      if (ec == std::errc() && p == value.data() + value.size()) {
        max_age_expiry = secs <= 0 ? Clock::time_point::min() : now + std::chrono::seconds(secs);
      }
    } else if (name == "domain") {
      std::string_view d = value;
      if (d.starts_with('.')) d.remove_prefix(1);
      domain_attr = lower(d);
    } else if (name == "path") {
      if (value.starts_with('/')) {
        c.path = std::string(value);
        has_path = true;
      }
    } else if (name == "secure") {
      c.secure = true;
    } else if (name == "httponly") {
      c.http_only = true;
    }
  }
  if (max_age_expiry) {
    c.expires = max_age_expiry;
  } else if (expires) {
    c.expires = expires;
  }
  const std::string& host = url.host();
  if (!domain_attr.empty()) {
    if (!domain_match(host, domain_attr)) return;  // a cookie for someone else's domain
    c.domain = domain_attr;
    c.host_only = false;
  } else {
    c.domain = host;
    c.host_only = true;
  }
  if (!has_path) c.path = default_path(url.raw_path());
  store(std::move(c), now);
}

void CookieJar::store(Cookie c, Clock::time_point now) {
  auto same = std::find_if(cookies_.begin(), cookies_.end(), [&](const Cookie& o) {
    return o.name == c.name && o.domain == c.domain && o.path == c.path;
  });
  bool expired = c.expires && *c.expires <= now;
  if (same != cookies_.end()) {
    if (expired) {
      cookies_.erase(same);
    } else {
      *same = std::move(c);  // keeps the old one's place: its creation time (section 5.3 step 11)
    }
  } else if (!expired) {
    cookies_.push_back(std::move(c));
  }
}

void CookieJar::update_cookies(const MultiDict& cookies, const URL& url) {
  if (!unsafe_ && !url.host().empty() && is_ip(url.host())) return;
  for (const auto& [name, value] : cookies) {
    // Built in one go: assigning "/" to c.path trips a -Wrestrict false positive of g++ 12.
    Cookie c{.name = name, .value = value, .domain = url.host(), .path = std::string(1, '/'),
             .expires = std::nullopt, .host_only = !url.host().empty()};
    store(std::move(c), Clock::now());
  }
}

std::string CookieJar::filter_cookies(const URL& url, Clock::time_point now) {
  std::erase_if(cookies_, [&](const Cookie& c) { return c.expires && *c.expires <= now; });
  std::vector<const Cookie*> matched;
  const std::string& host = url.host();
  std::string path = url.raw_path().empty() ? "/" : url.raw_path();
  bool secure = url.scheme() == "https" || url.scheme() == "wss";
  for (const Cookie& c : cookies_) {
    if (!c.domain.empty()) {
      if (c.host_only ? host != c.domain : !domain_match(host, c.domain)) continue;
    }
    if (!path_match(path, c.path)) continue;
    if (c.secure && !secure) continue;
    matched.push_back(&c);
  }
  // Longer paths first; stable, so older cookies first among equal paths.
  std::stable_sort(matched.begin(), matched.end(),
                   [](const Cookie* a, const Cookie* b) { return a->path.size() > b->path.size(); });
  std::string out;
  for (const Cookie* c : matched) {
    if (!out.empty()) out += "; ";
    out += c->name;
    out += '=';
    out += c->value;
  }
  return out;
}

void CookieJar::clear_domain(std::string_view domain) {
  std::string d = lower(domain);
  std::erase_if(cookies_, [&](const Cookie& c) { return domain_match(c.domain, d); });
}

}  // namespace corio::http
