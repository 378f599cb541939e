// What a FileResponse sends for a request: the whole file, one byte range, or no body
// (304 Not Modified, 412 Precondition Failed, 416 Range Not Satisfiable), decided from
// the file's stat and the request's conditional and Range headers (RFC 9110 sections
// 13 and 14, as aiohttp's FileResponse.prepare).
//
// Kept apart from the connection's sending loop so that the decision is plain code on
// plain data: the loop only learns an offset, a length and whether to send a body.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace corio::web {
class Request;
class StreamResponse;
}  // namespace corio::web

namespace corio::web::detail {

/// The part of the file to send; `length` bytes from `offset` (0 for no body).
struct FileSlice {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  bool has_body = true;  // false for 304: no Content-Length, nothing after the head
};

/// Sets the status and the Accept-Ranges, ETag, Last-Modified and Content-Range headers
/// of `response` for `request` and the file described by `st`, and returns the slice.
FileSlice select_file_slice(const Request& request, StreamResponse& response, const struct stat& st);

/// The byte range of a "Range: bytes=..." value for a file of `size` bytes.
struct ByteRange {
  enum class Kind : std::uint8_t { Whole, Slice, Unsatisfiable };
  Kind kind = Kind::Whole;
  std::uint64_t first = 0;
  std::uint64_t length = 0;
};
/// Whole for several ranges or a malformed value (RFC 9110 lets a server ignore Range).
ByteRange parse_byte_range(std::string_view value, std::uint64_t size) noexcept;

/// An HTTP-date (IMF-fixdate, RFC 850 or asctime) as seconds since the epoch.
std::optional<std::time_t> parse_http_date(std::string_view value) noexcept;
/// `t` as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT").
std::string format_http_date(std::time_t t);

}  // namespace corio::web::detail
