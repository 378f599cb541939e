// ConnectorCore: the state behind TCPConnector handles (see tcp_connector.hpp for the
// design), and ConnectionLease, what a request holds while it uses a connection.
//
// Invariants:
//  - acquired_ == number of live ConnectionLease objects that hold a slot (each
//    counted in per_key_[key] as well); a slot is granted to a waiter (counts bumped)
//    before its future is resolved.
//  - After every release of a slot, every waiter that fits the free capacity has been
//    granted one, so a request arriving to a free slot never passes a waiter.
//  - idle_[key] is ordered oldest first; reuse pops the back.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "corio/core/future.hpp"
#include "corio/http/client_timeout.hpp"
#include "corio/http/tcp_connector.hpp"
#include "corio/loop/handle.hpp"
#include "corio/net/dns.hpp"
#include "corio/net/streams.hpp"
#include "h2_connection.hpp"
#include "proxy_tunnel.hpp"

namespace corio::http::detail {

/// One open connection.
struct Connection {
  Connection(StreamReader r, StreamWriter w, std::string k)
      : reader(std::move(r)), writer(std::move(w)), key(std::move(k)) {}
  ~Connection() {
    if (!detached) writer.close();
  }
  StreamReader reader;
  StreamWriter writer;
  std::string key;
  bool tls = false;      // the bytes on the socket are TLS records
  bool h2 = false;       // ALPN selected "h2"
  bool detached = false;  // the streams were handed on (to an H2Connection): not closed here
  int uses = 0;          // responses completed on it
  double idle_since = 0;  // loop time it went back to the pool
};

class ConnectorCore;

/// A slot in the pool plus (once connected) its connection. Destroying it closes the
/// connection and frees the slot; release() pools the connection instead.
class ConnectionLease {
 public:
  ConnectionLease() = default;
  ConnectionLease(std::shared_ptr<ConnectorCore> core, std::string key) : core_(std::move(core)), key_(std::move(key)) {}
  ConnectionLease(ConnectionLease&& o) noexcept = default;
  ConnectionLease& operator=(ConnectionLease&& o) noexcept {
    if (this != &o) {
      close();
      core_ = std::move(o.core_);
      key_ = std::move(o.key_);
      conn_ = std::move(o.conn_);
    }
    return *this;
  }
  ~ConnectionLease() { close(); }

  Connection* get() const noexcept { return conn_.get(); }
  Connection* operator->() const noexcept { return conn_.get(); }
  explicit operator bool() const noexcept { return core_ != nullptr; }
  void attach(std::unique_ptr<Connection> c) noexcept { conn_ = std::move(c); }
  /// Hands the connection back to the pool for reuse and frees the slot.
  void release() noexcept;
  /// Closes the connection (if any) and frees the slot.
  void close() noexcept;

 private:
  std::shared_ptr<ConnectorCore> core_;
  std::string key_;
  std::unique_ptr<Connection> conn_;
};

/// Where to connect and under which limits.
struct ConnectTarget {
  std::string key;   // scheme://host:port, or naming the proxy (and the tunnel's target)
  std::string host;  // as in the URL (a name or a numeric address); the proxy's for a proxy
  std::uint16_t port = 0;
  bool ssl = false;  // TLS on the connection (with a tunnel: to tunnel->host, inside it)
  bool via_proxy = false;  // host:port is a proxy: connect failures are ClientProxyConnectionError
  std::optional<Tunnel> tunnel;  // https through an http proxy: CONNECT first
  bool verify = true;  // check the certificate (https only)
  bool fresh = false;  // do not reuse a pooled connection (the retry after a stale one)
  // Peek at a pooled connection before reusing it (a recv per request). Requests that
  // are retried when their pooled connection turns out closed skip it.
  bool check_alive = true;
  std::string what;    // "GET http://..." for messages
};

class ConnectorCore : public std::enable_shared_from_this<ConnectorCore> {
 public:
  explicit ConnectorCore(ConnectorOptions options) : options_(std::move(options)) {}
  ~ConnectorCore();

  /// A slot for `target` (waiting under timeout.pool) and a connection: a pooled one,
  /// or a new one (connect / sock_connect limits). Sets *total_at when it is unset and
  /// timeout.total is, once the slot is granted.
  /// Cancellation: leaves the wait queue (passing on a slot granted meanwhile) or
  /// abandons the connect; nothing leaks.
  Coro<ConnectionLease> acquire(ConnectTarget target, ClientTimeout timeout, std::optional<double>* total_at);

  /// For an https target with http2 on: the origin's shared HTTP/2 connection (opening
  /// one if needed, while concurrent callers for the same origin wait for it), or null
  /// when the origin speaks HTTP/1.1 (then a connection just opened is in the idle pool).
  /// Cancellation: a caller that was opening the connection lets the next waiter try.
  Coro<std::shared_ptr<H2Connection>> acquire_h2(ConnectTarget target, ClientTimeout timeout,
                                                  std::optional<double>* total_at);
  /// Forgets `conn` as the origin's HTTP/2 connection (it failed or is going away).
  void drop_h2(const std::string& key, const std::shared_ptr<H2Connection>& conn) noexcept;
  /// Waits until the HTTP/2 connections closed by close() have ended.
  Coro<void> wait_h2_closed();

  void give_back(const std::string& key, std::unique_ptr<Connection> conn) noexcept;
  void free_slot(const std::string& key) noexcept;
  void close() noexcept;
  TCPConnector::Statistics snapshot() const noexcept;

  TCPConnector::Statistics stats{};  // connections_made and reused; the rest is computed
  ConnectorOptions options_;
  bool closed_ = false;

 private:
  struct Waiter {
    std::string key;
    Future<void> granted;
  };
  struct DnsEntry {
    std::vector<SocketAddress> addresses;
    std::optional<double> expires_at;
  };

  bool fits(const std::string& key) const noexcept;
  void take_slot(const std::string& key);
  void wake_waiters() noexcept;
  Coro<void> wait_for_slot(const ConnectTarget& target, const ClientTimeout& timeout);
  std::unique_ptr<Connection> pop_idle(const std::string& key, bool check_alive);
  Coro<std::unique_ptr<Connection>> connect(const ConnectTarget& target, ClientTimeout timeout,
                                            std::optional<double> total_at);
  Coro<std::vector<SocketAddress>> resolve(const ConnectTarget& target);
  void arm_cleanup() noexcept;
  void cleanup() noexcept;

  std::size_t acquired_ = 0;
  std::unordered_map<std::string, std::size_t> per_key_;
  std::deque<Waiter> waiters_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle_;
  std::unordered_map<std::string, DnsEntry> dns_cache_;
  struct H2Origin {
    int protocol = 0;  // 0 unknown, 1 HTTP/1.1, 2 HTTP/2
    std::shared_ptr<H2Connection> conn;
    bool opening = false;               // a request is connecting to the origin
    std::vector<Future<void>> waiters;  // requests waiting for that connect, resolved when it ends
  };
  std::unordered_map<std::string, H2Origin> h2_;
  std::vector<std::shared_ptr<H2Connection>> h2_closing_;
  const SSLContext& tls_context(bool verify);

  EventLoop* loop_ = nullptr;
  std::optional<SSLContext> verified_, unverified_;  // made on first use
  TimerHandle cleanup_timer_;
  bool cleanup_armed_ = false;
};

}  // namespace corio::http::detail
