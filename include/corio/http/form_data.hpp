// FormData: a form body for ClientSession (aiohttp.FormData).
//
//   corio::http::FormData form;
//   form.add_field("title", "holiday");
//   form.add_field("photo", jpeg_bytes, "beach.jpg", "image/jpeg");
//   corio::http::RequestOptions o{.form_data = form};
//   auto resp = co_await session.post(url, o);
//
// Design: as aiohttp, plain fields only are sent urlencoded; a field with a filename or
// a content type (or force_multipart) makes the whole form multipart/form-data with a
// random boundary (32 hex digits, like aiohttp's uuid4().hex). Values are bytes and
// are held in memory. In Content-Disposition, '"', CR and LF in names and filenames
// are percent-encoded as browsers do (WHATWG's multipart/form-data encoding).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace corio::http {

/// A form for ClientSession requests (aiohttp.FormData).
class FormData {
 public:
  /// `force_multipart`: multipart/form-data even with plain fields only (aiohttp's
  /// default_to_multipart).
  explicit FormData(bool force_multipart = false);

  /// Adds a field; a `filename` or `content_type` makes the form multipart.
  void add_field(std::string name, std::string value, std::optional<std::string> filename = std::nullopt,
                 std::optional<std::string> content_type = std::nullopt);
  /// True when the form will be sent as multipart/form-data.
  bool is_multipart() const noexcept { return multipart_; }
  /// The boundary used when multipart.
  const std::string& boundary() const noexcept { return boundary_; }
  /// The body and its Content-Type.
  struct Encoded {
    std::string body;
    std::string content_type;
  };
  Encoded encode() const;

 private:
  struct Field {
    std::string name, value;
    std::optional<std::string> filename, content_type;
  };
  std::vector<Field> fields_;
  std::string boundary_;
  bool multipart_;
};

}  // namespace corio::http
