// ClientTimeout: the client's deadlines (aiohttp.ClientTimeout), and where each applies.
//
//   corio::http::ClientTimeout t{.total = 10s, .sock_read = 2s, .pool = 30s};
//   corio::http::ClientSession session({.timeout = t});
//
// Phases of a request and the deadline of each (nullopt = no limit):
//   pool          waiting for a free connection slot when `limit` / `limit_per_host` are
//                 reached (ConnectionTimeoutError). Not in aiohttp, where that wait is
//                 part of `connect` and `total`.
//   total         starts when the first connection slot is granted (so queueing behind
//                 the pool limit never eats a request's budget) and ends when the body
//                 has been read: connect, send, response head, body, every redirect hop
//                 (later hops' pool waits included). Raises corio::TimeoutError.
//   connect       resolving the name and connecting (every address tried), a new
//                 connection only (ConnectionTimeoutError).
//   sock_connect  each single connect() attempt (ConnectionTimeoutError).
//   sock_read     the gap between two reads from the socket, head and body
//                 (SocketTimeoutError).
//
// Defaults are aiohttp's: total 5 minutes, sock_connect 30 s, the rest unlimited.
#pragma once

#include <chrono>
#include <optional>

namespace corio::http {

/// The client's deadlines; see the file comment for the phase each one bounds.
struct ClientTimeout {
  std::optional<std::chrono::nanoseconds> total = std::chrono::minutes(5);
  std::optional<std::chrono::nanoseconds> connect = std::nullopt;
  std::optional<std::chrono::nanoseconds> sock_read = std::nullopt;
  std::optional<std::chrono::nanoseconds> sock_connect = std::chrono::seconds(30);
  std::optional<std::chrono::nanoseconds> pool = std::nullopt;
};

}  // namespace corio::http
