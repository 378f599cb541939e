// ServerCore: the state behind a Server (asyncio.Server), shared by start_server
// (streams) and create_server (protocols).
//
// Each listening socket has an accept task; what to do with an accepted socket is the
// `on_accept` function (spawn a stream handler, or build a transport for a protocol).
// The server counts what it is still responsible for in `active`: every accepted
// connection until its socket is closed (ServerConnection::detach), and every stream
// handler task until it finishes. wait_closed() is asyncio 3.12's: it returns once the
// server is closed, the accept tasks have ended (listening sockets closed) and `active`
// is zero.
//
// Accept errors: EMFILE/ENFILE/ENOBUFS/ENOMEM are reported through the loop's exception
// handler and accepting pauses for 100 ms (a timer: no spinning while the listener stays
// readable); the listener is never dropped. Aborted handshakes are ignored.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "corio/core/future.hpp"
#include "corio/core/task.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/net/socket.hpp"
#include "corio/sync/event.hpp"

namespace corio::detail {

struct ServerCore;

/// A connection accepted by a server: counted until its socket closes, and reachable by
/// close_clients()/abort_clients().
class ServerConnection {
 public:
  virtual void close_connection() noexcept = 0;
  virtual void abort_connection() noexcept = 0;

 protected:
  ServerConnection() = default;
  ~ServerConnection();
  ServerConnection(const ServerConnection&) = delete;
  ServerConnection& operator=(const ServerConnection&) = delete;
  /// Starts being counted by `server`.
  void attach(std::shared_ptr<ServerCore> server);
  /// Stops being counted (the socket is closed). Idempotent.
  void detach() noexcept;

 private:
  friend struct ServerCore;
  std::shared_ptr<ServerCore> server_;
  ServerConnection* prev_ = nullptr;
  ServerConnection* next_ = nullptr;
};

struct ServerCore : std::enable_shared_from_this<ServerCore> {
  using AcceptFn = std::function<void(int fd, const SocketAddress& peer)>;

  explicit ServerCore(EventLoop* l) : loop(l) {}
  ~ServerCore();

  /// listen() and start an accept task per socket (idempotent).
  void start_serving();
  /// Stops accepting: accept tasks are cancelled and close their sockets.
  void close();
  /// Closes (or aborts) every accepted connection still open.
  void close_clients(bool abort);
  void add_active() noexcept { ++active; }
  void drop_active() noexcept;
  void maybe_done() noexcept;

  EventLoop* loop;
  std::vector<Socket> listeners;
  std::vector<TaskRef> accept_tasks;
  AcceptFn on_accept;
  int backlog = 100;
  bool serving = false;
  bool closed = false;
  std::size_t accepting = 0;  // accept tasks not finished
  std::size_t active = 0;     // open connections + running handlers
  ServerConnection* conns = nullptr;
  Event done;                 // set once closed, not accepting and nothing active
  Future<void> forever;       // what serve_forever awaits; close() cancels it
  std::string unix_path;      // a Unix server's path, unlinked at close if still ours
  dev_t unix_dev = 0;
  ino_t unix_ino = 0;
};

/// The accept task's hold on listener `index`: when it goes, the listener is closed
/// and no longer counted. It is the task's parameter, not a local of its body, because
/// a task cancelled before its first step (close() right after start_serving()) is
/// destroyed without running the body, and the server must still see it end.
class AcceptLease {
 public:
  AcceptLease(std::shared_ptr<ServerCore> core, std::size_t index) noexcept : core_(std::move(core)), index_(index) {}
  AcceptLease(AcceptLease&& o) noexcept : core_(std::move(o.core_)), index_(o.index_) {}
  AcceptLease(const AcceptLease&) = delete;
  AcceptLease& operator=(const AcceptLease&) = delete;
  ~AcceptLease();
  ServerCore& core() const noexcept { return *core_; }
  std::size_t index() const noexcept { return index_; }

 private:
  std::shared_ptr<ServerCore> core_;
  std::size_t index_;
};

/// Accepting one listener until the server closes.
Coro<void> accept_loop(AcceptLease lease);

}  // namespace corio::detail
