// AppRunner, TCPSite, ServerState and the accept loop.
#include "corio/web/app_runner.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "corio/net/detail/io_await.hpp"
#include "corio/loop/runner.hpp"
#include "corio/net/errors.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/sleep.hpp"
#include "corio/tasks/timeout.hpp"
#include "corio/tasks/wait.hpp"
#include "web/connection.hpp"
#include "web/server_state.hpp"

namespace corio::web {

namespace detail {

thread_local ServerState* tls_server_state = nullptr;

void ServerState::link(HttpConnection* c) noexcept {
  c->next = conns;
  if (conns) conns->prev = c;
  conns = c;
  ++conn_count;
  no_connections.clear();
}

void ServerState::unlink(HttpConnection* c) noexcept {
  if (c->prev) c->prev->next = c->next; else conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = nullptr;
  if (--conn_count == 0) no_connections.set();
}

TaskRef ServerState::spawn_background(Coro<void> coro, std::string_view name) {
  // Prune finished tasks now and then so a long-running server does not accumulate them.
  if (background.size() >= 64) {
    std::erase_if(background, [](const Task<void>& t) { return t.done(); });
  }
  background.push_back(loop->create_task(std::move(coro), name));
  return TaskRef(background.back());
}

Coro<void> accept_loop(std::shared_ptr<ServerState> state, std::size_t index) {
  // The listener is closed here, when no accept can be in flight on it any more.
  struct Exit {
    ServerState* s;
    std::size_t i;
    ~Exit() { s->listeners[i].close(); }
  } exit{state.get(), index};
  const int lfd = state->listeners[index].fd();
  const std::optional<SSLContext> ssl = state->site_ssl[index];
  while (true) {
    SocketAddress peer;
    peer.reset_for_output();
    corio::detail::IoAwait a;
    a.op.kind = corio::detail::OpKind::Accept;
    a.op.fd = lfd;
    a.op.addr = peer.raw();
    a.op.addrlen = peer.size_ptr();
    std::int32_t r = co_await a;  // CancelledError ends the loop (TCPSite::stop)
    if (r >= 0) {
      int one = 1;  // responses are written whole: do not let Nagle hold their tails
      ::setsockopt(r, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      state->loop->create_task(serve_connection(state, r, peer, ssl));
      continue;
    }
    int err = -r;
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
      state->loop->call_exception_handler(ExceptionContext{
          "socket.accept() out of system resource; accepting pauses for 100 ms",
          std::make_exception_ptr(OSError(err, "accept")), {}, {}});
      co_await sleep(std::chrono::milliseconds(100));
    }
    // Other errors (ECONNABORTED, EINTR...) concern one connection: accept the next.
  }
}

}  // namespace detail

namespace {
Coro<void> wait_event(Event& e) { co_await e.wait(); }
}  // namespace

AppRunner::AppRunner(Application& app, ServerSettings settings) : app_(app), settings_(settings) {}

AppRunner::~AppRunner() {
  if (state_) {
    for (TaskRef& t : state_->accept_tasks) {
      if (t) t.cancel();
    }
    if (detail::tls_server_state == state_.get()) detail::tls_server_state = nullptr;
  }
}

Coro<void> AppRunner::setup() {
  if (set_up_) throw RuntimeError("AppRunner.setup() was called already");
  set_up_ = true;
  app_.freeze();
  state_ = std::make_shared<detail::ServerState>(&get_running_loop(), &app_, settings_);
  state_->no_connections.set();
  detail::tls_server_state = state_.get();
  for (AppCallback& cb : app_.on_startup) co_await cb(app_);
}

Coro<void> AppRunner::cleanup() {
  if (!state_ || cleaned_) co_return;
  cleaned_ = true;
  std::shared_ptr<detail::ServerState> st = state_;
  // 1. Stop accepting.
  for (std::size_t i = 0; i < st->listeners.size(); ++i) {
    if (st->accept_tasks[i]) st->accept_tasks[i].cancel();
    st->accept_tasks[i] = TaskRef();
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::nanoseconds(static_cast<std::int64_t>(settings_.shutdown_timeout * 1e9));
  auto left = [&] {
    return std::max(std::chrono::nanoseconds(0), std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                     deadline - std::chrono::steady_clock::now()));
  };
  // 2. on_shutdown, then close idle connections; busy ones close after their response.
  for (AppCallback& cb : app_.on_shutdown) co_await cb(app_);
  st->shutting_down = true;
  for (detail::HttpConnection* c = st->conns; c; c = c->next) c->shutdown_gracefully();
  if (st->conn_count > 0) {
    bool timed_out = false;
    try {
      Coro<void> idle = wait_event(st->no_connections);
      co_await wait_for(std::move(idle), left());
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    if (timed_out) {
      std::vector<TaskRef> tasks;
      for (detail::HttpConnection* c = st->conns; c; c = c->next) tasks.push_back(c->task);
      for (TaskRef& t : tasks) {
        if (t) t.cancel();
      }
      co_await st->no_connections.wait();
    }
  }
  // 3. Background tasks get what is left of the timeout.
  std::erase_if(st->background, [](const Task<void>& t) { return t.done(); });
  if (!st->background.empty()) {
    std::vector<Task<void>> tasks = std::move(st->background);
    std::vector<Task<void>> copy = tasks;
    auto waiting = wait(std::move(copy), left());
    auto res = co_await std::move(waiting);
    for (Task<void>& t : res.pending) t.cancel();
    for (Task<void>& t : tasks) {
      std::exception_ptr failure;
      try {
        co_await t;
      } catch (const CancelledError&) {
      } catch (...) {
        failure = std::current_exception();
      }
      if (failure) st->loop->call_exception_handler(ExceptionContext{"Background task failed", failure, {}, {}});
    }
  }
  if (detail::tls_server_state == st.get()) detail::tls_server_state = nullptr;
  for (AppCallback& cb : app_.on_cleanup) co_await cb(app_);
}

std::vector<SocketAddress> AppRunner::addresses() const {
  std::vector<SocketAddress> out;
  if (!state_) return out;
  for (const Socket& s : state_->listeners) {
    if (s) out.push_back(s.getsockname());
  }
  return out;
}

std::size_t AppRunner::connection_count() const noexcept { return state_ ? state_->conn_count : 0; }

TCPSite::TCPSite(AppRunner& runner, std::string host, std::uint16_t port, const SSLContext* ssl)
    : runner_(runner), host_(std::move(host)), port_(port) {
  if (ssl) {
    detail::prepare_site_context(*ssl);
    ssl_ = *ssl;
  }
}

TCPSite::~TCPSite() {
  auto st = runner_.state();
  if (st && index_ < st->accept_tasks.size() && st->accept_tasks[index_]) st->accept_tasks[index_].cancel();
}

Coro<void> TCPSite::start() {
  auto st = runner_.state();
  if (!st) throw RuntimeError("Call runner.setup() before making a site");
  if (index_ != static_cast<std::size_t>(-1)) co_return;
  SocketAddress addr(host_, port_);
  Socket s(addr.family(), SOCK_STREAM);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  if (runner_.settings().reuse_port) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  s.bind(addr);
  s.listen(runner_.settings().backlog);
  port_ = s.getsockname().port();
  index_ = st->listeners.size();
  st->listeners.push_back(std::move(s));
  st->site_ssl.push_back(ssl_);
  st->accept_tasks.emplace_back(st->loop->create_task(detail::accept_loop(st, index_), "accept " + name()));
}

Coro<void> TCPSite::stop() {
  auto st = runner_.state();
  if (!st || index_ >= st->listeners.size()) co_return;
  if (st->accept_tasks[index_]) st->accept_tasks[index_].cancel();
  st->accept_tasks[index_] = TaskRef();
  co_return;
}

std::string TCPSite::name() const {
  return (ssl_ ? "https://" : "http://") + host_ + ":" + std::to_string(port_);
}

}  // namespace corio::web
