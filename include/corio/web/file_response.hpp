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
// Not supported yet: Range requests, If-Modified-Since (the whole file is always sent).
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
