// open_connection / open_unix_connection: a connected (StreamReader, StreamWriter) pair
// (asyncio.open_connection, asyncio.open_unix_connection).
//
//   auto [reader, writer] = co_await corio::open_connection("127.0.0.1", 8888);
//   writer.write("ping\n");
//   co_await writer.drain();
//   std::string reply = co_await reader.readline();
//   writer.close();
//   co_await writer.wait_closed();
//
// A numeric host is used as is; a name is resolved with corio::getaddrinfo (hosts
// file, then DNS) and each address is tried in order until one accepts, as asyncio
// does without happy eyeballs. TCP connections get TCP_NODELAY, as in asyncio. TLS
// (asyncio's ssl=) comes with the TLS layer. Servers are in server.hpp.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "corio/core/coro.hpp"
#include "corio/net/server.hpp"
#include "corio/net/socket.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/net/stream_reader.hpp"
#include "corio/net/stream_writer.hpp"

namespace corio {

/// What open_connection returns: `auto [reader, writer] = co_await open_connection(...)`.
struct StreamPair {
  StreamReader reader;
  StreamWriter writer;
};

/// open_connection's keyword arguments.
struct ConnectionOptions {
  /// The StreamReader's limit (asyncio's limit=, 64 KiB).
  std::size_t limit = kDefaultStreamLimit;
  /// AF_INET or AF_INET6 to restrict the addresses tried; AF_UNSPEC for all.
  int family = AF_UNSPEC;
  /// Bind the socket to this (numeric) address before connecting.
  std::optional<SocketAddress> local_addr = std::nullopt;
};

/// Connects to host:port. Raises ConnectionRefusedError (or the error of each address
/// tried, as OSError "Multiple exceptions: ..."), gaierror for an unknown name.
/// Cancellation: the connect (or lookup) in progress is abandoned, the socket closed.
Coro<StreamPair> open_connection(std::string host, std::uint16_t port, ConnectionOptions options = {});
/// Wraps a connected stream socket (asyncio's open_connection(sock=...)).
/// Cancellation: none (no suspension).
Coro<StreamPair> open_connection(Socket sock, ConnectionOptions options = {});
/// Connects to the Unix socket at `path` ('@name': abstract namespace).
/// Cancellation: the connect is abandoned and the socket closed.
Coro<StreamPair> open_unix_connection(std::string path, ConnectionOptions options = {});

}  // namespace corio
