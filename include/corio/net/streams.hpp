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
// does without happy eyeballs. TCP connections get TCP_NODELAY, as in asyncio. With
// `.ssl = &context` (asyncio's ssl=) the TLS handshake is done before the pair is
// returned, and the pair is the same StreamReader/StreamWriter as over plain TCP:
//
//   corio::SSLContext ctx = corio::create_default_context();
//   auto [reader, writer] = co_await corio::open_connection("example.com", 443, {.ssl = &ctx});
//
// Servers are in server.hpp, TLS contexts in ssl.hpp.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "corio/core/coro.hpp"
#include "corio/net/server.hpp"
#include "corio/net/socket.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/net/ssl.hpp"
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
  /// TLS (asyncio's ssl=): a PROTOCOL_TLS_CLIENT context, or null for plain TCP. A
  /// pointer keeps this struct trivially destructible, which g++ 12 needs of arguments
  /// in a co_await expression (see create_connection.hpp); the context is copied when
  /// the call starts, so it must only outlive the start of the call (a local variable
  /// of the awaiting coroutine does).
  const SSLContext* ssl = nullptr;
  /// The name for SNI and the certificate check; nullopt: the host argument. An empty
  /// name sends no SNI and fails if the context checks host names (as Python). A view:
  /// copied when the call starts.
  std::optional<std::string_view> server_hostname = std::nullopt;
  /// How long the TLS handshake may take before ConnectionAbortedError (asyncio: 60 s).
  std::chrono::nanoseconds ssl_handshake_timeout = std::chrono::seconds(60);
};

/// Connects to host:port. Raises ConnectionRefusedError (or the error of each address
/// tried, as OSError "Multiple exceptions: ..."), gaierror for an unknown name; with
/// ssl, also SSLCertVerificationError (certificate refused), SSLError (other handshake
/// failures), ConnectionAbortedError (handshake timeout), ValueError for a server
/// context or a missing server name.
/// Cancellation: the connect, lookup or handshake in progress is abandoned, the socket
/// closed.
Coro<StreamPair> open_connection(std::string host, std::uint16_t port, ConnectionOptions options = {});
/// Wraps a connected stream socket (asyncio's open_connection(sock=...)); with ssl, the
/// handshake is done (server_hostname is then required if the context checks names).
/// Cancellation: the handshake is abandoned and the socket closed (none without ssl).
Coro<StreamPair> open_connection(Socket sock, ConnectionOptions options = {});
/// Connects to the Unix socket at `path` ('@name': abstract namespace); with ssl,
/// server_hostname is required if the context checks names.
/// Cancellation: the connect (or handshake) is abandoned and the socket closed.
Coro<StreamPair> open_unix_connection(std::string path, ConnectionOptions options = {});

}  // namespace corio
