// multipart/form-data on the server: FileField (a file part read whole by
// Request::post()) and MultipartReader / BodyPartReader (aiohttp's request.multipart(),
// a part at a time, for uploads too large to hold in memory).
//
//   corio::Coro<corio::web::Response> upload(corio::web::Request& request) {
//     corio::web::MultipartReader reader = request.multipart();
//     while (true) {
//       std::optional<corio::web::BodyPartReader> part = co_await reader.next();
//       if (!part) break;
//       while (true) {
//         std::string chunk = co_await part->read_chunk();   // "" at the part's end
//         if (chunk.empty()) break;
//         out.write(chunk.data(), chunk.size());             // to disk, say
//       }
//     }
//     co_return corio::web::Response("stored");
//   }
//
// Design: the reader pulls the request body through the connection and pushes it into
// a private incremental parser, so memory stays bounded by a socket read plus the
// current chunk, whatever the upload's size. Parts come in order: next() skips what is
// left of the current part, and a BodyPartReader from an earlier next() reads nothing
// more. The streaming reader is not limited by client_max_size (as request.content()
// and aiohttp's multipart()); post() is. Malformed bodies throw HTTPBadRequest (400).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "corio/core/coro.hpp"
#include "corio/http/multidict.hpp"

namespace corio::web {

class Request;

/// A file part of a multipart/form-data body, held in memory (aiohttp.web.FileField,
/// whose `file` is here the bytes themselves).
struct FileField {
  /// The form field's name (Content-Disposition name=).
  std::string name;
  /// The client's file name (filename=, or filename*= decoded).
  std::string filename;
  /// The part's Content-Type ("application/octet-stream" when it has none, as RFC 7578).
  std::string content_type;
  /// All of the part's headers.
  http::Headers headers;
  /// The file's bytes.
  std::string data;
};

class MultipartReader;

/// One part of a multipart body (aiohttp's BodyPartReader). Valid while its
/// MultipartReader lives.
class BodyPartReader {
 public:
  /// The part's headers.
  const http::Headers& headers() const noexcept { return headers_; }
  /// Content-Disposition's name, if any.
  const std::optional<std::string>& name() const noexcept { return name_; }
  /// Content-Disposition's filename (or filename*), if any.
  const std::optional<std::string>& filename() const noexcept { return filename_; }
  /// Up to `size` bytes of the part's body; "" at its end.
  /// Cancellation: the connection is closed (the body's position is lost).
  Coro<std::string> read_chunk(std::size_t size = 8192);
  /// The rest of the part's body.
  /// Cancellation: as read_chunk().
  Coro<std::string> read();
  /// The rest of the part's body as text (the bytes; UTF-8 is assumed).
  /// Cancellation: as read_chunk().
  Coro<std::string> text();
  /// True once the part's body has been read (or the reader moved past it).
  bool at_eof() const noexcept;

 private:
  friend class MultipartReader;
  struct State;
  BodyPartReader(State* state, std::uint64_t index, http::Headers headers);
  State* state_;
  std::uint64_t index_;
  http::Headers headers_;
  std::optional<std::string> name_, filename_;
};

/// Reads a multipart body part by part (aiohttp's MultipartReader); from
/// Request::multipart().
class MultipartReader {
 public:
  MultipartReader(MultipartReader&&) noexcept;
  MultipartReader& operator=(MultipartReader&&) noexcept;
  ~MultipartReader();

  /// The next part, or nullopt after the last one. Skips what is left of the current
  /// part. HTTPBadRequest for a malformed body.
  /// Cancellation: the connection is closed (the body's position is lost).
  Coro<std::optional<BodyPartReader>> next();
  /// True once the close delimiter has been read.
  bool at_eof() const noexcept;

 private:
  friend class Request;
  MultipartReader(Request& request, std::string_view boundary);
  std::unique_ptr<BodyPartReader::State> state_;
};

}  // namespace corio::web
