// create_connection, create_server, create_datagram_endpoint: connection set-up around
// the protocol transports.
#include "corio/net/create_connection.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "corio/net/errors.hpp"
#include "corio/sync/exceptions.hpp"
#include "net/connect.hpp"
#include "net/server_core.hpp"
#include "net/tls_streams.hpp"
#include "net/tls_transport.hpp"
#include "net/transports.hpp"

namespace corio {

namespace {

using StreamEndpoint = std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>;

std::shared_ptr<Protocol> make_protocol(const ProtocolFactory& factory) {
  std::shared_ptr<Protocol> p = factory();
  if (!p) throw RuntimeError("protocol factory returned no protocol");
  return p;
}

// With `tls`, each accepted connection gets a TlsTransport between its socket
// transport and the protocol, which meets the protocol only after the handshake.
Server finish_server(std::shared_ptr<detail::ServerCore> core, ProtocolFactory factory, const ServerOptions& o,
                     std::shared_ptr<const detail::TlsParams> tls) {
  core->backlog = o.backlog;
  detail::ServerCore* c = core.get();
  core->on_accept = [c, factory = std::move(factory), tls = std::move(tls)](int fd, const SocketAddress& peer) {
    std::shared_ptr<Protocol> p;
    try {
      p = make_protocol(factory);
      if (tls) p = std::make_shared<detail::TlsTransport>(c->loop, std::move(p), *tls, /*server_side=*/true);
    } catch (...) {
      ::close(fd);
      throw;
    }
    detail::make_socket_transport(fd, p, &peer, c->shared_from_this());
  };
  if (o.start_serving) core->start_serving();
  return Server(std::move(core));
}

}  // namespace

Coro<StreamEndpoint> create_connection(ProtocolFactory factory, std::string host, std::uint16_t port,
                                       ConnectionOptions options) {
  std::optional<detail::TlsParams> tls = detail::client_tls(options, host, "create_connection");
  auto [sock, peer] = co_await detail::connect_stream(std::move(host), port, options.family, options.local_addr);
  std::shared_ptr<Protocol> p = make_protocol(factory);
  if (!tls) {
    std::shared_ptr<Transport> t = detail::make_socket_transport(sock.release(), p, &peer, nullptr);
    co_return StreamEndpoint(std::move(t), std::move(p));
  }
  auto t = std::make_shared<detail::TlsTransport>(&detail::running_loop_ref(), p, *tls, /*server_side=*/false);
  detail::make_socket_transport(sock.release(), t, &peer, nullptr);
  Future<void> handshake = t->handshake();
  std::exception_ptr failed;
  try {
    co_await handshake;
  } catch (...) {  // the handshake's error, or CancelledError
    failed = std::current_exception();
  }
  if (failed) {
    t->abort();
    std::rethrow_exception(failed);
  }
  co_return StreamEndpoint(std::move(t), std::move(p));
}

Coro<StreamEndpoint> create_unix_connection(ProtocolFactory factory, std::string path) {
  Socket sock = co_await detail::connect_unix(path);
  SocketAddress peer = SocketAddress::unix_path(path);
  std::shared_ptr<Protocol> p = make_protocol(factory);
  std::shared_ptr<Transport> t = detail::make_socket_transport(sock.release(), p, &peer, nullptr);
  co_return StreamEndpoint(std::move(t), std::move(p));
}

Coro<Server> create_server(ProtocolFactory factory, std::string host, std::uint16_t port, ServerOptions options) {
  auto tls = detail::server_tls(options, "create_server");
  auto core = std::make_shared<detail::ServerCore>(&detail::running_loop_ref());
  core->listeners = co_await detail::bind_stream_listeners(std::move(host), port, options);
  co_return finish_server(std::move(core), std::move(factory), options, std::move(tls));
}

Coro<Server> create_unix_server(ProtocolFactory factory, std::string path, ServerOptions options) {
  auto tls = detail::server_tls(options, "create_unix_server");
  auto core = std::make_shared<detail::ServerCore>(&detail::running_loop_ref());
  core->listeners.push_back(detail::bind_unix_listener(path, &core->unix_dev, &core->unix_ino));
  core->unix_path = path;
  co_return finish_server(std::move(core), std::move(factory), options, std::move(tls));
}

Coro<std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>> create_datagram_endpoint(
    DatagramProtocolFactory factory, std::optional<SocketAddress> local_addr, std::optional<SocketAddress> remote_addr,
    DatagramOptions options) {
  int family = options.family;
  if (local_addr) family = local_addr->family();
  else if (remote_addr) family = remote_addr->family();
  if (family == AF_UNSPEC) family = AF_INET;
  if (local_addr && remote_addr && local_addr->family() != remote_addr->family()) {
    throw ValueError("local_addr and remote_addr must be of the same family");
  }
  Socket sock(family, SOCK_DGRAM);
  if (options.reuse_port) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  if (options.allow_broadcast) sock.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
  if (local_addr) sock.bind(*local_addr);
  if (remote_addr && ::connect(sock.fd(), remote_addr->raw(), remote_addr->size()) < 0) {
    throw_os_error(errno, "connect to " + remote_addr->to_string());
  }
  std::shared_ptr<DatagramProtocol> p = factory();
  if (!p) throw RuntimeError("protocol factory returned no protocol");
  std::shared_ptr<DatagramTransport> t = detail::make_datagram_transport(sock.release(), p, remote_addr);
  co_return std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>(std::move(t),
                                                                                             std::move(p));
}

}  // namespace corio
