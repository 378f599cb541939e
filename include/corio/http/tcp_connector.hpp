// TCPConnector: the client's connection pool (aiohttp.TCPConnector).
//
//   corio::http::TCPConnector connector({.limit = 30, .limit_per_host = 10});
//   corio::http::ClientSession session({.connector = connector});
//
// Design: connections are keyed by scheme://host:port. A request first takes a *slot*:
// at most `limit` connections are in use at once (0: no limit), and at most
// `limit_per_host` per key (0: no limit); idle pooled connections do not count, as in
// aiohttp. Requests that find no free slot wait in one FIFO queue; a freed slot goes to
// the first waiter whose key it fits, and is granted to that waiter before it runs, so
// nobody barges ahead. With the slot held, the request takes the most recently used
// idle connection of its key (LIFO: warm connections stay warm and the others age out),
// after checking with a non-blocking peek that the server has not closed it (skipped
// for idempotent requests, which are retried on a new connection instead), or opens a
// new one: the name is resolved with corio::getaddrinfo (cached for ttl_dns_cache when
// use_dns_cache) and each address is tried in turn with open_connection. A response
// read to its end hands its connection back to the idle list; one not read to its end
// closes it. Idle connections are closed after keepalive_timeout.
//
// A TCPConnector is a handle; copies share one pool. The pool binds to the loop of its
// first request and must be used from that loop only. close() closes the idle
// connections; connections in use close when their responses are released.
//
// https: the connection is wrapped in TLS by open_connection(ssl=...) with the URL's
// host for SNI and the certificate check. Verified and unverified (ssl=false)
// connections to one host are pooled apart. https through an http proxy: the
// connection goes to the proxy, asks it with CONNECT for a tunnel to the target, then
// starts TLS with the target inside it; such connections are pooled under a key naming
// the proxy and the target.
//
// HTTP/2 (options.http2, on by default): https connections offer "h2" and "http/1.1" by
// ALPN. The first request to an origin opens a connection while the others to that
// origin wait for it; if the server picked h2, that one connection is shared by every
// request to the origin (streams multiplexed, no slot taken) until it closes or the
// server sends GOAWAY, then the next request opens another. If it picked HTTP/1.1 the
// connection joins the ordinary pool and the origin is HTTP/1.1 from then on. An HTTP/2
// connection without a stream for keepalive_timeout is closed (GOAWAY), and one whose
// server sent nothing for http2_ping_interval is sent a PING; the server's GOAWAY sends
// the requests it did not process to a new connection (they are retried whatever
// their method: the server promises it did not act on them).
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "corio/core/coro.hpp"
#include "corio/net/ssl.hpp"

namespace corio::http {

namespace detail {
class ConnectorCore;
}

/// TCPConnector's keyword arguments (aiohttp's defaults).
struct ConnectorOptions {
  /// Connections in use at once, over all hosts (0: unlimited).
  std::size_t limit = 100;
  /// Connections in use at once to one scheme://host:port (0: unlimited).
  std::size_t limit_per_host = 0;
  /// How long an idle connection is kept for reuse.
  std::chrono::nanoseconds keepalive_timeout = std::chrono::seconds(15);
  /// Close every connection after its response instead of pooling it.
  bool force_close = false;
  /// Cache name lookups per host and port.
  bool use_dns_cache = true;
  /// How long a cached lookup is used (nullopt: for ever).
  std::optional<std::chrono::nanoseconds> ttl_dns_cache = std::chrono::seconds(10);
  /// AF_INET or AF_INET6 to restrict the addresses tried; AF_UNSPEC for all.
  int family = AF_UNSPEC;
  /// Verify https servers' certificates and host names; false disables verification,
  /// as aiohttp's ssl=False (RequestOptions::ssl does the same for one request).
  bool ssl = true;
  /// The TLS context of https connections (aiohttp's ssl=SSLContext); by default
  /// create_default_context() (the system's CAs), made on the first https request.
  std::optional<SSLContext> ssl_context = std::nullopt;
  /// Offer HTTP/2 ("h2") by ALPN on https connections and use it when the server picks
  /// it: one connection per origin then carries every request to it, multiplexed (it
  /// does not count against `limit`). False: HTTP/1.1 only.
  bool http2 = true;
  /// HTTP/2 health check: a PING after this long without a byte from the server (0:
  /// never); no byte within http2_ping_timeout after it fails the connection and its
  /// requests (ServerDisconnectedError), so a silently dead server does not hang them.
  std::chrono::nanoseconds http2_ping_interval = std::chrono::seconds(30);
  std::chrono::nanoseconds http2_ping_timeout = std::chrono::seconds(15);
};

/// A pool of keep-alive connections (aiohttp.TCPConnector). A handle: copies share it.
class TCPConnector {
 public:
  /// A pool with these limits. Nothing is opened until the first request.
  explicit TCPConnector(ConnectorOptions options = {});

  /// Counters for tests and tuning.
  struct Statistics {
    std::size_t acquired = 0;          // connection slots in use
    std::size_t idle = 0;              // pooled connections waiting for reuse
    std::size_t waiting = 0;           // requests queued for a slot
    std::size_t connections_made = 0;  // connections opened so far
    std::size_t reused = 0;            // requests sent on a pooled connection
  };
  Statistics statistics() const noexcept;

  std::size_t limit() const noexcept;
  std::size_t limit_per_host() const noexcept;
  const ConnectorOptions& options() const noexcept;
  /// Closes the idle connections and the HTTP/2 ones (waiting until they have closed);
  /// later requests raise ClientConnectionError.
  /// Cancellation: only the wait for the HTTP/2 connections to finish closing.
  Coro<void> close();
  bool closed() const noexcept;

  const std::shared_ptr<detail::ConnectorCore>& core() const noexcept { return core_; }

 private:
  std::shared_ptr<detail::ConnectorCore> core_;
};

}  // namespace corio::http
