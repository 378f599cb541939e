// MultipartParser: a push parser for multipart/form-data bodies (RFC 7578, RFC 2046
// section 5.1), with no I/O, so that post(), the streaming MultipartReader and the
// fuzzer share it.
//
// Design: the caller feeds bytes as they arrive and pulls events: Part (a part's
// headers are complete), Data (some of its body), PartEnd, Done (the close delimiter),
// or NeedInput. The buffer starts with a virtual "\r\n" so the first delimiter, which
// has no CRLF before it, matches the same "\r\n--boundary" as the others. In a part's
// body, everything up to the last delimiter-length-minus-one bytes is known not to
// begin a delimiter and is handed out at once, so a large part never accumulates: the
// buffer holds at most what was fed plus a delimiter's length. Malformed input (no
// delimiter at all, a bad boundary line, headers over the limit, a missing close
// delimiter at the end) throws HTTPBadRequest with a message that says which.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "corio/http/multidict.hpp"

namespace corio::web::detail {

class MultipartParser {
 public:
  enum class Event : std::uint8_t { NeedInput, Part, Data, PartEnd, Done };

  /// The most a part's header block may take before HTTPBadRequest.
  static constexpr std::size_t kMaxHeaderSize = 8 * 1024;

  explicit MultipartParser(std::string_view boundary, std::size_t max_header_size = kMaxHeaderSize);

  /// Appends received bytes (ignored after Done).
  void feed(std::string_view data);
  /// The body ended: a missing close delimiter is now an error.
  void feed_eof() noexcept { eof_ = true; }
  /// The next event. Data puts up to `max` bytes (0: no limit) of the current part in
  /// `data`; Part makes headers() the new part's. Throws HTTPBadRequest.
  Event next(std::string& data, std::size_t max = 0);
  /// The current part's headers.
  const http::Headers& headers() const noexcept { return headers_; }

 private:
  enum class State : std::uint8_t { Preamble, AfterDelimiter, Headers, Body, Done };
  std::string_view pending() const noexcept { return std::string_view(buf_).substr(pos_); }
  void consume(std::size_t n) noexcept { pos_ += n; }
  void parse_headers(std::string_view block);

  std::string delimiter_;  // "\r\n--" + boundary
  std::string buf_;
  std::size_t pos_ = 0;
  std::size_t safe_ = 0;           // bytes from pos_ known not to start a delimiter
  bool delimiter_found_ = false;  // ... and a delimiter follows them
  bool eof_ = false;
  bool in_part_ = false;
  State state_ = State::Preamble;
  std::size_t max_header_size_;
  http::Headers headers_;
};

/// The boundary parameter of a multipart Content-Type value (quoted or not), or
/// nullopt when it is missing or not 1 to 70 characters (RFC 2046).
std::optional<std::string> multipart_boundary(std::string_view content_type) noexcept;

/// The parameters that matter in a part's Content-Disposition: form-data; name=...;
/// filename=... (filename* in RFC 5987's UTF-8''percent form wins over filename).
struct ContentDisposition {
  std::string type;
  std::optional<std::string> name;
  std::optional<std::string> filename;
};
ContentDisposition parse_content_disposition(std::string_view value);

}  // namespace corio::web::detail
