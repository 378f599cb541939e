// The conditional and Range decisions of FileResponse (see file_conditions.hpp).
//
// Order, as RFC 9110 section 13.2.2 and aiohttp: If-Match / If-Unmodified-Since (412),
// then If-None-Match / If-Modified-Since (304 for GET and HEAD), then Range for GET
// only, honoured only when If-Range (if any) still names this version of the file.
// Dates are compared in whole seconds because Last-Modified only carries seconds: a
// client echoing our own Last-Modified must get 304, not a fresh copy.
#include "web/file_conditions.hpp"

#include <charconv>
#include <cstdio>

#include "corio/http/multidict.hpp"
#include "corio/web/request.hpp"
#include "corio/web/response.hpp"

namespace corio::web::detail {

namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// All of `s` as a decimal number; false for "", a non-digit or an overflow.
bool parse_digits(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool all_digits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Whether the entity-tag list `header` ("*" or `"a", W/"b"`) names `etag`. A weak
// comparison ignores the W/ prefix; a strong one never matches a weak tag.
bool etag_matches(std::string_view header, std::string_view etag, bool weak) noexcept {
  if (trim(header) == "*") return true;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    bool is_weak = item.starts_with("W/");
    if (is_weak) item.remove_prefix(2);
    if (item == etag && (weak || !is_weak)) return true;
  }
  return false;
}

std::string make_etag(const struct stat& st) {
  // aiohttp's form: the modification time in nanoseconds and the size, in hex.
  const auto mtime_ns = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000u +
                        static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(mtime_ns),
                        static_cast<unsigned long long>(st.st_size));
  return std::string(buf, static_cast<std::size_t>(n));
}

bool is_get_or_head(std::string_view method) noexcept { return method == "GET" || method == "HEAD"; }

}  // namespace

ByteRange parse_byte_range(std::string_view value, std::uint64_t size) noexcept {
  ByteRange whole;
  std::size_t eq = value.find('=');
  if (eq == std::string_view::npos || !http::iequals(trim(value.substr(0, eq)), "bytes")) return whole;
  std::string_view spec = trim(value.substr(eq + 1));
  if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: send it all
  std::size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return whole;
  std::string_view first_s = spec.substr(0, dash), last_s = spec.substr(dash + 1);
  ByteRange out;
  out.kind = ByteRange::Kind::Slice;
  if (first_s.empty()) {  // "-n": the last n bytes
    if (!all_digits(last_s)) return whole;
    std::uint64_t n = 0;
    if (!parse_digits(last_s, n)) n = size;  // more digits than a length has: all of it
    if (n == 0 || size == 0) return {ByteRange::Kind::Unsatisfiable, 0, 0};
    n = std::min(n, size);
    out.first = size - n;
    out.length = n;
    return out;
  }
  if (!all_digits(first_s) || (!last_s.empty() && !all_digits(last_s))) return whole;
  std::uint64_t first = 0, last = ~std::uint64_t{0};
  if (!parse_digits(first_s, first)) return {ByteRange::Kind::Unsatisfiable, 0, 0};
  if (!last_s.empty() && !parse_digits(last_s, last)) last = ~std::uint64_t{0};
  if (last < first) return whole;  // invalid: ignored like any malformed Range
  if (first >= size) return {ByteRange::Kind::Unsatisfiable, 0, 0};
  last = std::min(last, size - 1);
  out.first = first;
  out.length = last - first + 1;
  return out;
}

std::optional<std::time_t> parse_http_date(std::string_view value) noexcept {
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // IMF-fixdate
      "%A, %d-%b-%y %H:%M:%S GMT",  // RFC 850
      "%a %b %e %H:%M:%S %Y",       // asctime
  };
  value = trim(value);
  char buf[64];
  if (value.empty() || value.size() >= sizeof buf) return std::nullopt;
  value.copy(buf, value.size());
  buf[value.size()] = '\0';
  for (const char* format : kFormats) {
    std::tm tm{};
    const char* end = ::strptime(buf, format, &tm);
    if (end != nullptr && *end == '\0') return ::timegm(&tm);
  }
  return std::nullopt;
}

std::string format_http_date(std::time_t t) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return std::string(buf, n);
}

FileSlice select_file_slice(const Request& request, StreamResponse& response, const struct stat& st) {
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::time_t mtime = st.st_mtim.tv_sec;
  http::Headers& h = response.headers();
  if (!h.contains("Last-Modified")) h.add("Last-Modified", format_http_date(mtime));
  if (!h.contains("ETag")) h.add("ETag", make_etag(st));
  // A handler that chose its own status (a custom 404 page, say) gets the file as is.
  if (response.status() != 200) return {0, size, true};
  h.add("Accept-Ranges", "bytes");
  const std::string etag = std::string(*h.get("ETag"));
  const std::string_view method = request.method();

  auto if_match = request.header("If-Match");
  auto if_unmodified = request.header("If-Unmodified-Since");
  std::optional<std::time_t> unmodified_since;
  if (if_unmodified && !if_match) unmodified_since = parse_http_date(*if_unmodified);
  if ((if_match && !etag_matches(*if_match, etag, false)) || (unmodified_since && mtime > *unmodified_since)) {
    response.set_status(412);
    return {0, 0, true};
  }

  auto if_none_match = request.header("If-None-Match");
  auto if_modified = request.header("If-Modified-Since");
  std::optional<std::time_t> modified_since;
  if (if_modified && !if_none_match && is_get_or_head(method)) modified_since = parse_http_date(*if_modified);
  if ((if_none_match && etag_matches(*if_none_match, etag, true)) || (modified_since && mtime <= *modified_since)) {
    if (!is_get_or_head(method)) {
      response.set_status(412);
      return {0, 0, true};
    }
    response.set_status(304);
    return {0, 0, false};
  }

  auto range = request.header("Range");
  if (!range || method != "GET") return {0, size, true};
  if (auto if_range = request.header("If-Range")) {
    // An entity-tag must match strongly; a date must be exactly the Last-Modified
    // (RFC 9110 section 13.1.5). Otherwise the client's copy is stale: send it all.
    std::string_view v = trim(*if_range);
    bool current = false;
    if (v.starts_with('"') || v.starts_with("W/")) {
      current = v == etag;
    } else {
      auto date = parse_http_date(v);
      current = date && *date == mtime;
    }
    if (!current) return {0, size, true};
  }
  ByteRange r = parse_byte_range(*range, size);
  switch (r.kind) {
    case ByteRange::Kind::Whole:
      return {0, size, true};
    case ByteRange::Kind::Unsatisfiable:
      response.set_status(416);
      h.add("Content-Range", "bytes */" + std::to_string(size));
      return {0, 0, true};
    case ByteRange::Kind::Slice:
      break;
  }
  response.set_status(206);
  h.add("Content-Range", "bytes " + std::to_string(r.first) + "-" + std::to_string(r.first + r.length - 1) + "/" +
                             std::to_string(size));
  return {r.first, r.length, true};
}

}  // namespace corio::web::detail
