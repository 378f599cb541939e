// TCPConnector / ConnectorCore: slots, the FIFO wait queue, idle connections, DNS
// cache and connecting (see tcp_connector.hpp and connector_core.hpp).
#include <sys/socket.h>

#include <any>
#include <cerrno>

#include "connector_core.hpp"
#include "corio/http/client_exceptions.hpp"
#include "corio/loop/event_loop.hpp"
#include "deadline.hpp"

namespace corio::http {

namespace detail {

namespace {

double seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

Coro<void> await_granted(Future<void> f) { co_await f; }

/// True when a pooled connection still looks usable: nothing unread, and a peek finds
/// neither EOF nor data (a server that closed an idle connection has sent a FIN). On a
/// TLS connection data may be a record for TLS itself (a TLS 1.3 session ticket), so
/// only EOF counts there. Without `peek`, only what the streams already know counts.
bool looks_alive(Connection& c, bool peek) {
  if (c.writer.is_closing() || c.reader.buffered() != 0 || c.reader.at_eof()) return false;
  if (!peek) return true;
  int fd = -1;
  try {
    fd = std::any_cast<int>(c.writer.get_extra_info("socket", -1));
  } catch (const std::bad_any_cast&) {
    return false;
  }
  if (fd < 0) return false;
  char b;
  ssize_t n = ::recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) return c.tls;
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

void ConnectionLease::release() noexcept {
  if (!core_) return;
  auto core = std::move(core_);
  if (conn_) core->give_back(key_, std::move(conn_));
  core->free_slot(key_);
}

void ConnectionLease::close() noexcept {
  if (!core_) return;
  auto core = std::move(core_);
  conn_.reset();
  core->free_slot(key_);
}

ConnectorCore::~ConnectorCore() { cleanup_timer_.cancel(); }

bool ConnectorCore::fits(const std::string& key) const noexcept {
  if (options_.limit != 0 && acquired_ >= options_.limit) return false;
  if (options_.limit_per_host != 0) {
    auto it = per_key_.find(key);
    if (it != per_key_.end() && it->second >= options_.limit_per_host) return false;
  }
  return true;
}

void ConnectorCore::take_slot(const std::string& key) {
  ++acquired_;
  ++per_key_[key];
}

void ConnectorCore::free_slot(const std::string& key) noexcept {
  --acquired_;
  auto it = per_key_.find(key);
  if (it != per_key_.end() && --it->second == 0) per_key_.erase(it);
  wake_waiters();
}

void ConnectorCore::wake_waiters() noexcept {
  for (auto it = waiters_.begin(); it != waiters_.end();) {
    if (it->granted.done()) {  // cancelled or timed out while queued
      it = waiters_.erase(it);
      continue;
    }
    if (options_.limit != 0 && acquired_ >= options_.limit) break;
    if (fits(it->key)) {
      take_slot(it->key);
      it->granted.set_result();
      it = waiters_.erase(it);
    } else {
      ++it;  // its host is at limit_per_host: a later request for another host may go
    }
  }
}

Coro<void> ConnectorCore::wait_for_slot(const ConnectTarget& target, const ClientTimeout& timeout) {
  Future<void> granted = loop_->create_future<void>();
  waiters_.push_back({target.key, granted});
  try {
    co_await bounded(await_granted(granted), timeout.pool, std::nullopt, Phase::Pool, target.what);
  } catch (...) {
    if (granted.done() && !granted.cancelled()) {
      free_slot(target.key);  // granted just before the cancellation: pass it on
    } else {
      granted.cancel();
      std::erase_if(waiters_, [&](const Waiter& w) { return w.granted.done(); });
    }
    throw;
  }
}

Coro<ConnectionLease> ConnectorCore::acquire(ConnectTarget target, ClientTimeout timeout,
                                             std::optional<double>* total_at) {
  if (closed_) throw ClientConnectionError("Connector is closed (" + target.what + ")");
  if (loop_ == nullptr) loop_ = &get_running_loop();
  if (fits(target.key)) {  // waiters that fit were granted a slot already: no barging
    take_slot(target.key);
  } else {
    co_await wait_for_slot(target, timeout);
  }
  ConnectionLease lease(shared_from_this(), target.key);
  if (!*total_at && timeout.total) *total_at = loop_->time() + seconds(*timeout.total);
  if (!target.fresh) {
    if (auto c = pop_idle(target.key, target.check_alive)) {
      ++stats.reused;
      lease.attach(std::move(c));
      co_return lease;
    }
  }
  std::optional<double> deadline = *total_at;
  lease.attach(co_await bounded(connect(target, timeout, deadline), timeout.connect, deadline, Phase::Connect,
                                target.what));
  co_return lease;
}

std::unique_ptr<Connection> ConnectorCore::pop_idle(const std::string& key, bool check_alive) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& conns = it->second;
  double now = loop_->time();
  double keepalive = seconds(options_.keepalive_timeout);
  std::unique_ptr<Connection> found;
  while (!conns.empty()) {
    auto c = std::move(conns.back());
    conns.pop_back();
    if (now - c->idle_since >= keepalive) {
      conns.clear();  // the older ones expired too
      break;
    }
    if (looks_alive(*c, check_alive)) {
      found = std::move(c);
      break;
    }
  }
  if (conns.empty()) idle_.erase(it);
  return found;
}

void ConnectorCore::give_back(const std::string& key, std::unique_ptr<Connection> conn) noexcept {
  if (closed_ || options_.force_close || loop_ == nullptr) return;  // conn closes here
  ++conn->uses;
  conn->idle_since = loop_->time();
  try {
    idle_[key].push_back(std::move(conn));
  } catch (...) {
    return;  // out of memory: the connection is closed instead of pooled
  }
  arm_cleanup();
}

void ConnectorCore::arm_cleanup() noexcept {
  if (cleanup_armed_ || loop_ == nullptr || loop_->is_closed()) return;
  double oldest = -1;
  for (auto& [k, v] : idle_) {
    if (!v.empty() && (oldest < 0 || v.front()->idle_since < oldest)) oldest = v.front()->idle_since;
  }
  if (oldest < 0) return;
  double delay = std::max(0.0, oldest + seconds(options_.keepalive_timeout) - loop_->time());
  std::weak_ptr<ConnectorCore> weak = weak_from_this();
  try {
    cleanup_timer_ = loop_->call_later(delay, [weak] {
      if (auto core = weak.lock()) {
        core->cleanup_armed_ = false;
        core->cleanup();
      }
    });
    cleanup_armed_ = true;
  } catch (...) {
    // No timer: idle connections are still dropped when found expired on reuse.
  }
}

void ConnectorCore::cleanup() noexcept {
  double now = loop_->time();
  double keepalive = seconds(options_.keepalive_timeout);
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& v = it->second;
    std::size_t expired = 0;
    while (expired < v.size() && now - v[expired]->idle_since >= keepalive) ++expired;
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(expired));
    it = v.empty() ? idle_.erase(it) : std::next(it);
  }
  arm_cleanup();
}

const SSLContext& ConnectorCore::tls_context(bool verify) {
  if (verify) {
    if (!verified_) {
      verified_ = options_.ssl_context ? *options_.ssl_context : create_default_context();
      if (options_.http2) verified_->set_alpn_protocols({"h2", "http/1.1"});
    }
    return *verified_;
  }
  if (!unverified_) {
    // aiohttp's ssl=False: encrypted, but neither the certificate nor the name checked.
    unverified_.emplace(SSLMethod::PROTOCOL_TLS_CLIENT);
    unverified_->set_check_hostname(false);
    unverified_->set_verify_mode(CERT_NONE);
    if (options_.http2) unverified_->set_alpn_protocols({"h2", "http/1.1"});
  }
  return *unverified_;
}

TCPConnector::Statistics ConnectorCore::snapshot() const noexcept {
  TCPConnector::Statistics s = stats;
  s.acquired = acquired_;
  for (const auto& [k, v] : idle_) s.idle += v.size();
  for (const auto& w : waiters_) s.waiting += w.granted.done() ? 0 : 1;
  return s;
}

void ConnectorCore::close() noexcept {
  closed_ = true;
  for (auto& [key, origin] : h2_) {
    if (origin.conn) {
      origin.conn->close();
      try {
        h2_closing_.push_back(std::move(origin.conn));
      } catch (...) {
      }
      origin.conn.reset();
    }
    for (auto& w : origin.waiters) {
      if (!w.done()) w.set_result();  // they find the connector closed
    }
    origin.waiters.clear();
  }
  idle_.clear();
  cleanup_timer_.cancel();
  cleanup_armed_ = false;
  for (auto& w : waiters_) {
    if (!w.granted.done()) w.granted.set_exception(std::make_exception_ptr(ClientConnectionError("Connector is closed")));
  }
  waiters_.clear();
}

Coro<std::shared_ptr<H2Connection>> ConnectorCore::acquire_h2(ConnectTarget target, ClientTimeout timeout,
                                                               std::optional<double>* total_at) {
  if (loop_ == nullptr) loop_ = &get_running_loop();
  for (;;) {
    if (closed_) throw ClientConnectionError("Connector is closed (" + target.what + ")");
    H2Origin& o = h2_[target.key];
    if (o.protocol == 1) co_return nullptr;
    if (o.conn) {
      if (o.conn->is_available()) {
        if (!*total_at && timeout.total) *total_at = loop_->time() + seconds(*timeout.total);
        co_return o.conn;
      }
      o.conn.reset();  // failed or going away: its open streams keep it until they end
    }
    if (!o.opening) break;
    // Another request is connecting to this origin: wait for it, then look again.
    Future<void> done = loop_->create_future<void>();
    o.waiters.push_back(done);
    try {
      co_await bounded(await_granted(done), timeout.connect, *total_at, Phase::Connect, target.what);
    } catch (...) {
      if (!done.done()) done.cancel();
      auto it = h2_.find(target.key);
      if (it != h2_.end()) std::erase_if(it->second.waiters, [](const Future<void>& f) { return f.done(); });
      throw;
    }
  }
  h2_[target.key].opening = true;
  std::shared_ptr<H2Connection> conn;
  int protocol = 0;
  std::exception_ptr failure;
  try {
    ConnectionLease lease = co_await acquire(target, timeout, total_at);
    if (!lease->h2) {
      protocol = 1;
      lease.release();  // the caller takes it from the idle pool
    } else {
      Connection* c = lease.get();
      c->detached = true;
      StreamReader reader = std::move(c->reader);
      StreamWriter writer = std::move(c->writer);
      lease.close();  // frees the slot: an HTTP/2 connection takes none
      std::string origin = target.tunnel ? "https://" + target.tunnel->host + ":" + std::to_string(target.tunnel->port)
                                         : "https://" + target.host + ":" + std::to_string(target.port);
      H2Settings settings;
      settings.origin = origin;
      settings.idle_timeout = options_.keepalive_timeout;  // as an idle HTTP/1.1 connection
      settings.ping_interval = options_.http2_ping_interval;
      settings.ping_timeout = options_.http2_ping_timeout;
      std::optional<double> deadline = *total_at;
      conn = co_await bounded(H2Connection::start(std::move(reader), std::move(writer), settings), timeout.sock_read,
                              deadline, Phase::SockRead, target.what);
      protocol = 2;
    }
  } catch (...) {
    failure = std::current_exception();
  }
  H2Origin& o = h2_[target.key];
  o.opening = false;
  if (protocol != 0) o.protocol = protocol;
  if (conn) {
    if (closed_) {
      conn->close();
      h2_closing_.push_back(conn);
      conn.reset();
      failure = std::make_exception_ptr(ClientConnectionError("Connector is closed (" + target.what + ")"));
    } else {
      o.conn = conn;
    }
  }
  for (auto& w : o.waiters) {
    if (!w.done()) w.set_result();
  }
  o.waiters.clear();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const H2ConnectionError& e) {
      throw ServerDisconnectedError(std::string(e.what()) + " (" + target.what + ")");
    }
  }
  co_return conn;
}

void ConnectorCore::drop_h2(const std::string& key, const std::shared_ptr<H2Connection>& conn) noexcept {
  auto it = h2_.find(key);
  if (it != h2_.end() && it->second.conn == conn) it->second.conn.reset();
}

Coro<void> ConnectorCore::wait_h2_closed() {
  std::vector<std::shared_ptr<H2Connection>> conns;
  conns.swap(h2_closing_);
  for (auto& c : conns) co_await c->wait_closed();
}

Coro<std::vector<SocketAddress>> ConnectorCore::resolve(const ConnectTarget& target) {
  std::string cache_key = target.host + ":" + std::to_string(target.port);
  if (options_.use_dns_cache) {
    auto it = dns_cache_.find(cache_key);
    if (it != dns_cache_.end()) {
      if (!it->second.expires_at || *it->second.expires_at > loop_->time()) co_return it->second.addresses;
      dns_cache_.erase(it);
    }
  }
  AddrInfoHints hints{.family = options_.family, .type = SOCK_STREAM};
  std::vector<AddrInfo> infos;
  try {
    infos = co_await getaddrinfo(target.host, static_cast<int>(target.port), hints);
  } catch (const gaierror& e) {
    throw ClientConnectorError(e.errno_value(),
                               "Cannot connect to host " + target.host + ":" + std::to_string(target.port) + " [" +
                                   e.what() + "] (" + target.what + ")",
                               target.host, target.port);
  }
  std::vector<SocketAddress> addresses;
  for (auto& info : infos) {
    if (std::find(addresses.begin(), addresses.end(), info.address) == addresses.end()) {
      addresses.push_back(info.address);
    }
  }
  if (options_.use_dns_cache) {
    DnsEntry entry{addresses, std::nullopt};
    if (options_.ttl_dns_cache) entry.expires_at = loop_->time() + seconds(*options_.ttl_dns_cache);
    dns_cache_[cache_key] = std::move(entry);
  }
  co_return addresses;
}

Coro<std::unique_ptr<Connection>> ConnectorCore::connect(const ConnectTarget& target, ClientTimeout timeout,
                                                         std::optional<double> total_at) {
  std::string where = target.host + ":" + std::to_string(target.port);
  const SSLContext* tls = target.ssl ? &tls_context(target.verify) : nullptr;
  std::vector<SocketAddress> addresses = co_await resolve(target);
  std::string errors;
  int last_errno = 0;
  for (const SocketAddress& addr : addresses) {
    try {
      ConnectionOptions opts;
      opts.family = addr.family();
      // A tunnel's TLS starts after CONNECT, inside the plain connection to the proxy.
      opts.ssl = target.tunnel ? nullptr : tls;
      if (opts.ssl) opts.server_hostname = std::string_view(target.host);
      StreamPair pair = co_await bounded(open_connection(addr.host(), addr.port(), opts), timeout.sock_connect,
                                         total_at, Phase::SockConnect, target.what);
      ++stats.connections_made;
      auto conn = std::make_unique<Connection>(std::move(pair.reader), std::move(pair.writer), target.key);
      if (target.tunnel) {
        // Raises client errors, not OSError: the next address of the proxy is not tried.
        co_await open_tunnel(conn->reader, conn->writer, *target.tunnel, *tls, target.what);
      }
      conn->tls = tls != nullptr;
      if (tls && options_.http2) {
        std::optional<SSLObject> so = conn->writer.ssl_object();
        conn->h2 = so && so->selected_alpn_protocol() == std::optional<std::string>("h2");
      }
      co_return conn;
    } catch (const OSError& e) {
      last_errno = e.errno_value();
      if (!errors.empty()) errors += "; ";
      errors += e.what();
    }
  }
  if (target.via_proxy) {
    throw ClientProxyConnectionError(last_errno, "Cannot connect to proxy " + where + " [" + errors + "] (" + target.what + ")",
                                     target.host, target.port);
  }
  throw ClientConnectorError(last_errno,
                             "Cannot connect to host " + where + (tls ? " ssl:default [" : " ssl:False [") + errors + "] (" + target.what + ")",
                             target.host, target.port);
}

}  // namespace detail

TCPConnector::TCPConnector(ConnectorOptions options)
    : core_(std::make_shared<detail::ConnectorCore>(std::move(options))) {}

TCPConnector::Statistics TCPConnector::statistics() const noexcept {
  return core_->snapshot();
}

std::size_t TCPConnector::limit() const noexcept { return core_->options_.limit; }
std::size_t TCPConnector::limit_per_host() const noexcept { return core_->options_.limit_per_host; }
const ConnectorOptions& TCPConnector::options() const noexcept { return core_->options_; }
bool TCPConnector::closed() const noexcept { return core_->closed_; }

Coro<void> TCPConnector::close() {
  core_->close();
  co_await core_->wait_h2_closed();
}

}  // namespace corio::http
