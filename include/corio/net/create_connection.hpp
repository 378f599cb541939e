// create_connection, create_server, create_datagram_endpoint and the Unix twins: the
// transports-and-protocols entry points (asyncio's loop.create_connection, ...), here
// free functions on the running loop, like open_connection.
//
//   auto [transport, protocol] = co_await corio::create_connection(
//       [] { return std::make_shared<Client>(); }, "127.0.0.1", 8888);
//   auto [udp, proto] = co_await corio::create_datagram_endpoint(
//       [] { return std::make_shared<Echo>(); }, corio::SocketAddress("127.0.0.1", 9999));
//
// A protocol factory returns a std::shared_ptr to a new protocol; a factory returning a
// pointer to a subclass converts. The transport keeps the protocol alive; the returned
// pair is for convenience. connection_made has been called when these return.
//
// TLS (ssl= in the options, as for open_connection / start_server): the protocol is
// made when the connection is, but its connection_made runs only once the handshake is
// complete; create_connection returns then, or raises the handshake's error
// (SSLCertVerificationError, SSLError, ConnectionResetError, ConnectionAbortedError
// after ssl_handshake_timeout). A server drops a connection whose handshake fails
// without its protocol hearing of it (reported in debug mode). The transport's
// get_extra_info answers "ssl_object", "sslcontext", "peercert" and "cipher";
// can_write_eof() is false (write_eof raises NotImplementedError). After the peer's
// close_notify, a reset of the socket is not an error for connection_lost.
//
// With g++ 12, pass a factory that captures by value as a named variable (or as a
// ProtocolFactory returned by a function), not as a lambda written inside the co_await
// expression: g++ 12 destroys such a temporary twice, releasing what it captured once
// too often. clang and later g++ are not affected.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "corio/core/coro.hpp"
#include "corio/net/protocol.hpp"
#include "corio/net/server.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/net/streams.hpp"
#include "corio/net/transport.hpp"

namespace corio {

using ProtocolFactory = std::function<std::shared_ptr<Protocol>()>;
using DatagramProtocolFactory = std::function<std::shared_ptr<DatagramProtocol>()>;

/// create_datagram_endpoint's keyword arguments.
struct DatagramOptions {
  /// AF_INET or AF_INET6 when neither address is given (default AF_INET).
  int family = AF_UNSPEC;
  bool reuse_port = false;
  bool allow_broadcast = false;
};

/// Connects to host:port (as open_connection) and runs a new protocol on it.
/// Cancellation: the connect in progress is abandoned; no protocol is made.
Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_connection(
    ProtocolFactory factory, std::string host, std::uint16_t port, ConnectionOptions options = {});
/// The same over the Unix socket at `path`.
/// Cancellation: as create_connection.
Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_unix_connection(
    ProtocolFactory factory, std::string path);

/// Listens on host:port (as start_server) and runs a new protocol per connection.
/// Cancellation: while resolving the host.
Coro<Server> create_server(ProtocolFactory factory, std::string host, std::uint16_t port,
                           ServerOptions options = {});
/// The same on the Unix socket at `path`.
/// Cancellation: none (no suspension).
Coro<Server> create_unix_server(ProtocolFactory factory, std::string path, ServerOptions options = {});

/// A UDP endpoint bound to `local_addr` (if given) and connected to `remote_addr` (if
/// given; then sendto's address may be omitted and only that peer's datagrams arrive).
/// Cancellation: none (no suspension).
Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>> create_datagram_endpoint(
    DatagramProtocolFactory factory, std::optional<SocketAddress> local_addr,
    std::optional<SocketAddress> remote_addr = std::nullopt, DatagramOptions options = {});

}  // namespace corio
