// FileResponse: a file sent as the body with sendfile(2) (aiohttp.web.FileResponse).
//
//   app.add_get("/logo.png", [](corio::web::Request&) -> corio::Coro<corio::web::Response> {
//     co_return corio::web::FileResponse("static/logo.png");
//   });
//
// Design: the file is opened when the response is sent, so a missing file answers 404
// (aiohttp raises HTTPNotFound then too) and a directory 403. The connection writes the
// head (Content-Length, Content-Type guessed from the extension, Last-Modified), then
// moves the bytes with sendfile(2) straight from the page cache to the socket: the
// socket is non-blocking, so when its buffer is full the connection waits for
// writability on the loop instead of blocking. When sendfile is not available for the
// pair (EINVAL/ENOSYS, e.g. some special files) it falls back to pread + send.
//
// Ranges and conditions, as aiohttp: every 200 carries Accept-Ranges: bytes, ETag
// (aiohttp's "<mtime_ns hex>-<size hex>") and Last-Modified. If-Match and
// If-Unmodified-Since answer 412, If-None-Match and If-Modified-Since 304 (GET/HEAD).
// One Range on a GET (bytes=a-b, bytes=a-, bytes=-n) answers 206 with Content-Range and
// only those bytes, still by sendfile; an unsatisfiable one 416 with
// "Content-Range: bytes */SIZE". Several ranges or a malformed Range get the whole file
// with 200 (RFC 9110 allows ignoring Range; multipart/byteranges is not produced).
// If-Range (an entity-tag or the exact Last-Modified date) keeps the Range only while
// it names the current file. A handler that sets another status than 200 gets the file
// as is, without any of this.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "corio/web/response.hpp"

namespace corio::web {

/// Sends the file at `path` (aiohttp.web.FileResponse). Convertible to Response.
class FileResponse : public StreamResponse {
 public:
  /// `chunk_size`: the most one sendfile/pread moves before the loop runs others.
  explicit FileResponse(std::string path, std::size_t chunk_size = 256 * 1024);
  const std::string& path() const noexcept { return file_path_; }
};

/// The media type for a file name's extension ("text/html", ...), or
/// "application/octet-stream" (Python's mimetypes.guess_type for common types).
std::string_view guess_content_type(std::string_view path) noexcept;

}  // namespace corio::web
