// Connection set-up shared by the streams and the protocol API: resolve a host, connect
// to the first address that accepts (asyncio's create_connection without happy
// eyeballs), and make the bound sockets of a server (asyncio's create_server).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/net/socket.hpp"
#include "corio/net/socket_address.hpp"

namespace corio {
struct ServerOptions;
}

namespace corio::detail {

/// The addresses of host:port for sockets of `type`: a numeric host directly, a name
/// through corio::getaddrinfo (hosts file, then DNS).
Coro<std::vector<SocketAddress>> resolve(std::string host, std::uint16_t port, int family, int type);

/// A stream socket connected to the first address of host:port that accepts. Raises the
/// error of the only address tried, or OSError("Multiple exceptions: ...") naming each.
/// Cancellation: the connect in progress is abandoned and its socket closed.
Coro<std::pair<Socket, SocketAddress>> connect_stream(std::string host, std::uint16_t port, int family,
                                                      std::optional<SocketAddress> local_addr);

/// A stream socket connected to the Unix socket at `path`.
Coro<Socket> connect_unix(std::string path);

/// Bound, not yet listening sockets for host:port. An empty host means every interface
/// (0.0.0.0 and ::, as asyncio's host=None).
Coro<std::vector<Socket>> bind_stream_listeners(std::string host, std::uint16_t port, const ServerOptions& options);

/// A bound Unix stream socket at `path`; a stale socket file left there is removed
/// first (as asyncio). Returns the file's device and inode for the cleanup at close.
Socket bind_unix_listener(const std::string& path, dev_t* dev, ino_t* ino);

}  // namespace corio::detail
