// ServerCore (accept tasks, connection accounting) and the Server handle.
#include "corio/net/server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "corio/net/detail/io_await.hpp"
#include "corio/net/errors.hpp"
#include "corio/tasks/sleep.hpp"
#include "net/server_core.hpp"

namespace corio {

namespace detail {

namespace {
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

bool transient_accept_error(int err) noexcept {
  // The peer gave up before accept, or a signal: just accept the next one.
  return err == ECONNABORTED || err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == EPROTO ||
         err == ENETDOWN || err == ENOPROTOOPT || err == EHOSTDOWN || err == ENONET || err == EHOSTUNREACH ||
         err == EOPNOTSUPP || err == ENETUNREACH || err == EPERM;
}

void unlink_if_ours(const ServerCore& c) noexcept {
  if (c.unix_path.empty() || c.unix_path.front() == '@' || c.unix_ino == 0) return;
  struct stat st{};
  if (::stat(c.unix_path.c_str(), &st) == 0 && st.st_dev == c.unix_dev && st.st_ino == c.unix_ino) {
    ::unlink(c.unix_path.c_str());
  }
}
}  // namespace

ServerConnection::~ServerConnection() { detach(); }

void ServerConnection::attach(std::shared_ptr<ServerCore> server) {
  server_ = std::move(server);
  next_ = server_->conns;
  if (next_) next_->prev_ = this;
  server_->conns = this;
  server_->add_active();
}

void ServerConnection::detach() noexcept {
  if (!server_) return;
  std::shared_ptr<ServerCore> s = std::move(server_);
  if (prev_) prev_->next_ = next_; else s->conns = next_;
  if (next_) next_->prev_ = prev_;
  prev_ = next_ = nullptr;
  s->drop_active();
}

ServerCore::~ServerCore() {
  if (!closed) unlink_if_ours(*this);
}

void ServerCore::start_serving() {
  if (serving || closed) return;
  for (Socket& l : listeners) l.listen(backlog);
  serving = true;
  for (std::size_t i = 0; i < listeners.size(); ++i) {
    accept_tasks.emplace_back(loop->create_task(accept_loop(AcceptLease(shared_from_this(), i)),
                                                "accept " + listeners[i].getsockname().to_string()));
    ++accepting;
  }
}

void ServerCore::close() {
  if (closed) return;
  closed = true;
  serving = false;
  for (TaskRef& t : accept_tasks) t.cancel();
  accept_tasks.clear();
  if (forever.valid() && !forever.done()) forever.cancel();
  unlink_if_ours(*this);
  maybe_done();
}

void ServerCore::close_clients(bool abort) {
  std::vector<ServerConnection*> all;
  for (ServerConnection* c = conns; c; c = c->next_) all.push_back(c);
  for (ServerConnection* c : all) {
    if (abort) c->abort_connection(); else c->close_connection();
  }
}

void ServerCore::drop_active() noexcept {
  --active;
  maybe_done();
}

void ServerCore::maybe_done() noexcept {
  if (closed && accepting == 0 && active == 0) done.set();
}

AcceptLease::~AcceptLease() {
  if (!core_) return;  // moved from
  core_->listeners[index_].close();  // only now: no accept is in flight on it any more
  --core_->accepting;
  core_->maybe_done();
}

Coro<void> accept_loop(AcceptLease lease) {
  ServerCore* core = &lease.core();
  const std::size_t index = lease.index();
  const int lfd = core->listeners[index].fd();
  while (core->serving) {
    SocketAddress peer;
    peer.reset_for_output();
    std::int32_t r;
    try {
      if (tls_current_task) tls_current_task->throw_if_cancel_requested();
      IoAwait a;
      a.op.kind = OpKind::Accept;
      a.op.fd = lfd;
      a.op.addr = peer.raw();
      a.op.addrlen = peer.size_ptr();
      r = co_await a;
    } catch (const CancelledError&) {
      co_return;  // close(), or the loop is closing
    }
    if (r >= 0) {
      if (!core->serving) {
        ::close(r);
        break;
      }
      try {
        core->on_accept(r, peer);
      } catch (...) {
        core->loop->call_exception_handler(
            ExceptionContext{"Error setting up an accepted connection", std::current_exception(), {}, {}});
      }
      continue;
    }
    int err = -r;
    if (transient_accept_error(err)) continue;
    bool resources = err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
    core->loop->call_exception_handler(ExceptionContext{
        resources ? "socket.accept() out of system resource; accepting pauses for 100 ms"
                  : "accept() failed; accepting pauses for 100 ms",
        std::make_exception_ptr(OSError(err, "accept on " + core->listeners[index].getsockname().to_string())),
        {}, {}});
    try {
      co_await sleep(kAcceptRetryDelay);
    } catch (const CancelledError&) {
      co_return;
    }
  }
}

}  // namespace detail

void Server::close() { core_->close(); }

Coro<void> Server::wait_closed() {
  std::shared_ptr<detail::ServerCore> c = core_;
  co_await c->done.wait();
}

Coro<void> Server::start_serving() {
  core_->start_serving();
  co_return;
}

Coro<void> Server::serve_forever() {
  std::shared_ptr<detail::ServerCore> c = core_;
  if (c->forever.valid()) throw RuntimeError("server is already being awaited on serve_forever()");
  if (c->closed) throw RuntimeError("server is closed");
  c->start_serving();
  c->forever = c->loop->create_future<void>();
  struct Reset {
    detail::ServerCore* c;
    ~Reset() { c->forever = Future<void>(); }
  } reset{c.get()};
  std::exception_ptr cancelled;
  try {
    co_await c->forever;
  } catch (const CancelledError&) {
    cancelled = std::current_exception();
  }
  if (cancelled) {
    // As asyncio: close, wait for the connections, then let the cancellation through.
    c->close();
    try {
      co_await c->done.wait();
    } catch (const CancelledError&) {
    }
    std::rethrow_exception(cancelled);
  }
}

bool Server::is_serving() const noexcept { return core_->serving; }

std::span<const Socket> Server::sockets() const noexcept {
  if (core_->closed) return {};
  return core_->listeners;
}

void Server::close_clients() { core_->close_clients(false); }
void Server::abort_clients() { core_->close_clients(true); }
EventLoop& Server::get_loop() const noexcept { return *core_->loop; }

}  // namespace corio
