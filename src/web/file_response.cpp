// FileResponse and guess_content_type (the sending is in connection_write.cpp).
#include "corio/web/file_response.hpp"

#include <array>
#include <utility>

#include "corio/http/multidict.hpp"

namespace corio::web {

FileResponse::FileResponse(std::string path, std::size_t chunk_size) {
  kind_ = Kind::File;
  file_path_ = std::move(path);
  file_chunk_ = chunk_size;
}

std::string_view guess_content_type(std::string_view path) noexcept {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 24> kTypes{{
      {".html", "text/html"},          {".htm", "text/html"},
      {".css", "text/css"},            {".js", "text/javascript"},
      {".mjs", "text/javascript"},     {".json", "application/json"},
      {".txt", "text/plain"},          {".md", "text/markdown"},
      {".csv", "text/csv"},            {".xml", "application/xml"},
      {".svg", "image/svg+xml"},       {".png", "image/png"},
      {".jpg", "image/jpeg"},          {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},           {".webp", "image/webp"},
      {".ico", "image/vnd.microsoft.icon"}, {".pdf", "application/pdf"},
      {".zip", "application/zip"},     {".gz", "application/gzip"},
      {".wasm", "application/wasm"},   {".mp4", "video/mp4"},
      {".woff2", "font/woff2"},        {".tar", "application/x-tar"},
  }};
  std::size_t slash = path.rfind('/');
  std::size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) {
    return "application/octet-stream";
  }
  std::string_view ext = path.substr(dot);
  for (const auto& [e, t] : kTypes) {
    if (http::iequals(e, ext)) return t;
  }
  return "application/octet-stream";
}

}  // namespace corio::web
