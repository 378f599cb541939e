// The HTTPException family and the standard reason phrases.
#include "corio/web/exceptions.hpp"

#include <http_parser.h>

#include "corio/sync/exceptions.hpp"

namespace corio::web {

namespace {
std::string default_text(int status, std::string_view reason) {
  return std::to_string(status) + ": " + std::string(reason);
}
}  // namespace

std::string_view status_reason(int status) noexcept {
  switch (status) {
#define CORIO_WEB_REASON(num, name, string) \
  case num:                                 \
    return #string;
    HTTP_STATUS_MAP(CORIO_WEB_REASON)
#undef CORIO_WEB_REASON
    default:
      return "";
  }
}

HTTPException::HTTPException(int status, std::string text, std::string reason)
    : Error(std::to_string(status) + " " + std::string(reason.empty() ? status_reason(status) : reason)),
      status_(status),
      reason_(reason.empty() ? std::string(status_reason(status)) : std::move(reason)),
      text_(text.empty() && status >= 400 ? default_text(status, reason_) : std::move(text)) {}

HTTPMethodNotAllowed::HTTPMethodNotAllowed(std::string_view method, const std::vector<std::string>& allowed)
    : HTTPException(405), method_(method) {
  std::string allow;
  for (const std::string& m : allowed) {
    if (!allow.empty()) allow += ",";
    allow += m;
  }
  headers().add("Allow", allow);
}

HTTPRequestEntityTooLarge::HTTPRequestEntityTooLarge(std::size_t max_size, std::size_t actual_size)
    : HTTPException(413, "Maximum request body size " + std::to_string(max_size) + " exceeded, actual body size " +
                             std::to_string(actual_size)) {}

HTTPMove::HTTPMove(int status, std::string location) : HTTPException(status), location_(std::move(location)) {
  if (location_.empty()) throw ValueError("HTTP redirects need a location to redirect to");
  headers().add("Location", location_);
}

}  // namespace corio::web
