// Server and start_server: accepting stream connections (asyncio.Server,
// asyncio.start_server, asyncio.start_unix_server).
//
//   corio::Coro<void> echo(corio::StreamReader r, corio::StreamWriter w) {
//     while (true) {
//       std::string data = co_await r.read(4096);
//       if (data.empty()) break;
//       w.write(data);
//       co_await w.drain();
//     }
//   }
//   corio::Server server = co_await corio::start_server(echo, "127.0.0.1", 8888);
//   co_await server.serve_forever();
//
// Design: every listening socket has an accept task; each accepted connection gets a
// task running the callback with its reader and writer (an exception escaping the
// callback is reported through the loop's exception handler and the connection is
// closed). close() stops accepting at once; existing connections go on, and
// wait_closed() returns when they are all closed and their callbacks have finished
// (asyncio 3.12); close_clients()/abort_clients() (3.13) end them. When accept fails
// for lack of file descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM) the error
// is reported and accepting pauses for 100 ms; the listener is kept.
//
// TLS: with `.ssl = &context` (a PROTOCOL_TLS_SERVER context) each connection's task
// first does the handshake, bounded by ssl_handshake_timeout, and runs the callback
// only if it succeeds. A failed or timed-out handshake (garbage, an untrusted client
// certificate, a client that never speaks) closes that connection and is reported
// only in debug mode, as asyncio logs it at debug level; the server goes on.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>

#include "corio/core/coro.hpp"
#include "corio/net/socket.hpp"
#include "corio/net/ssl.hpp"
#include "corio/net/stream_reader.hpp"
#include "corio/net/stream_writer.hpp"

namespace corio {

class EventLoop;
namespace detail {
struct ServerCore;
}

/// start_server's and create_server's keyword arguments (asyncio's defaults).
struct ServerOptions {
  int backlog = 100;
  bool reuse_address = true;
  bool reuse_port = false;
  /// The StreamReader limit of each connection (streams only).
  std::size_t limit = kDefaultStreamLimit;
  /// Listen and accept at once (else on start_serving() or serve_forever()).
  bool start_serving = true;
  /// AF_INET or AF_INET6 to restrict the addresses; AF_UNSPEC for all.
  int family = AF_UNSPEC;
  /// TLS (asyncio's ssl=): a PROTOCOL_TLS_SERVER context, or null. The
  /// server keeps a copy (a shared handle), so the pointer need only be valid during
  /// the call; a pointer keeps this struct trivially destructible (g++ 12, see
  /// create_connection.hpp).
  const SSLContext* ssl = nullptr;
  /// How long a connection's TLS handshake may take before it is dropped (asyncio: 60 s).
  std::chrono::nanoseconds ssl_handshake_timeout = std::chrono::seconds(60);
};

/// The callback of start_server: runs as a task for each connection. (With g++ 12, a
/// lambda that captures by value should be a named variable, not written inside the
/// co_await expression: see create_connection.hpp.)
using ClientConnectedCallback = std::function<Coro<void>(StreamReader, StreamWriter)>;

/// A listening server (asyncio.Server). A handle: copies refer to the same server. The
/// loop keeps a server that was not closed serving even when no handle is left.
class Server {
 public:
  Server() noexcept = default;
  explicit Server(std::shared_ptr<detail::ServerCore> core) noexcept : core_(std::move(core)) {}

  /// Stops accepting (the listening sockets close); connections already accepted go on.
  void close();
  /// Waits until the server is closed and every connection it accepted is closed and
  /// its callback finished.
  /// Cancellation: only the wait is cancelled.
  Coro<void> wait_closed();
  /// Listens and accepts (idempotent). Does not suspend.
  /// Cancellation: none (no suspension).
  Coro<void> start_serving();
  /// Accepts until cancelled, then closes the server and waits for it. RuntimeError if
  /// the server is closed or already serving forever. As asyncio, close() called from
  /// elsewhere makes it raise CancelledError.
  /// Cancellation: closes the server, waits for wait_closed(), then raises.
  Coro<void> serve_forever();
  /// True while accepting.
  bool is_serving() const noexcept;
  /// The listening sockets (empty once closed).
  std::span<const Socket> sockets() const noexcept;
  /// Closes every accepted connection (flushing what they have buffered).
  void close_clients();
  /// Aborts every accepted connection.
  void abort_clients();
  /// The loop the server runs on.
  EventLoop& get_loop() const noexcept;

  explicit operator bool() const noexcept { return core_ != nullptr; }
  const std::shared_ptr<detail::ServerCore>& core() const noexcept { return core_; }

 private:
  std::shared_ptr<detail::ServerCore> core_;
};

/// Listens on host:port (empty host: every interface; port 0: any free port) and runs
/// `cb(reader, writer)` as a task for each connection.
/// Cancellation: while resolving the host; the sockets made so far are closed.
Coro<Server> start_server(ClientConnectedCallback cb, std::string host, std::uint16_t port,
                          ServerOptions options = {});
/// The same on a socket already bound (asyncio's sock=); it is listened on here.
/// Cancellation: none (no suspension).
Coro<Server> start_server(ClientConnectedCallback cb, Socket sock, ServerOptions options = {});
/// Listens on the Unix socket `path` (a stale socket file there is removed first; the
/// file is removed again when the server closes, as Python 3.13). A path starting with
/// '@' is in the abstract namespace.
/// Cancellation: none (no suspension).
Coro<Server> start_unix_server(ClientConnectedCallback cb, std::string path, ServerOptions options = {});

}  // namespace corio
