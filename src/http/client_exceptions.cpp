// The client's exceptions (see client_exceptions.hpp) and the timeouts of bounded()
// (see deadline.hpp).
#include "corio/http/client_exceptions.hpp"

#include "deadline.hpp"

namespace corio::http {

ClientResponseError::ClientResponseError(int status, std::string message, std::string url)
    : ClientError(std::to_string(status) + ", message='" + message + "', url='" + url + "'"),
      status(status),
      message(std::move(message)),
      url(std::move(url)) {}

namespace detail {

namespace {
std::string seconds_text(std::chrono::nanoseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", std::chrono::duration<double>(d).count());
  return buf;
}
}  // namespace

void raise_phase_timeout(Phase phase, std::chrono::nanoseconds limit, const std::string& what) {
  std::string s = seconds_text(limit);
  switch (phase) {
    case Phase::Pool:
      throw ConnectionTimeoutError("Timeout waiting for a free connection in the pool (pool=" + s + " s): " + what);
    case Phase::Connect:
      throw ConnectionTimeoutError("Connection timeout (connect=" + s + " s): " + what);
    case Phase::SockConnect:
      throw ConnectionTimeoutError("Connection timeout (sock_connect=" + s + " s): " + what);
    case Phase::SockRead:
      throw SocketTimeoutError("Timeout on reading data from socket (sock_read=" + s + " s): " + what);
    case Phase::Send:
      break;
  }
  throw ServerTimeoutError("Timeout sending the request: " + what);
}

void raise_total_timeout(const std::string& what) {
  throw TimeoutError("Total timeout of the request exceeded: " + what);
}

}  // namespace detail

}  // namespace corio::http
