// AppRunner and TCPSite: serving an Application on the running loop, started and
// stopped explicitly (aiohttp.web.AppRunner / TCPSite), for tests and embedding.
//
//   corio::web::AppRunner runner(app);
//   co_await runner.setup();                                  // freeze, on_startup
//   corio::web::TCPSite site(runner, "127.0.0.1", 0);         // port 0: any free port
//   co_await site.start();
//   std::uint16_t port = site.port();
//   ...
//   co_await runner.cleanup();                                // graceful shutdown
//
// Graceful shutdown (cleanup()) follows aiohttp: the sites stop accepting; on_shutdown
// runs; idle keep-alive connections are closed at once; a connection busy with a request
// finishes it (answering with "Connection: close") and closes; after
// `shutdown_timeout` the remaining connections are cancelled. Then background tasks get
// what is left of the timeout before being cancelled, and on_cleanup runs.
//
// https (aiohttp's TCPSite(..., ssl_context=ctx)): give the site a PROTOCOL_TLS_SERVER
// context with its certificate loaded; each connection then does the TLS handshake
// (bounded by ServerSettings::ssl_handshake_timeout) before its first request. A failed
// handshake, e.g. a plain-HTTP client, drops that connection only. The server speaks
// HTTP/1.1: a context without ALPN protocols is given {"http/1.1"}, and one offering
// anything else is refused, so that an HTTP/2 client does not pick h2.
//
//   corio::SSLContext ctx(corio::PROTOCOL_TLS_SERVER);
//   ctx.load_cert_chain("cert.pem", "key.pem");
//   corio::web::TCPSite site(runner, "0.0.0.0", 8443, &ctx);   // https://0.0.0.0:8443
//
// Limits and timeouts are in ServerSettings (aiohttp's defaults where it has them).
// A runner belongs to the loop that set it up; for several loops, one runner per loop
// (run_app's workers do that, sharing the frozen application).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/net/socket_address.hpp"
#include "corio/net/ssl.hpp"
#include "corio/web/application.hpp"

namespace corio::web {

namespace detail {
struct ServerState;
}

/// The HTTP server's limits and timeouts. Trivially destructible: pass it by value.
struct ServerSettings {
  /// Longest request line (method, target, version); longer: 431 and close.
  std::size_t max_line_size = 8190;
  /// Longest header line (name and value); longer: 431 and close.
  std::size_t max_field_size = 8190;
  /// Most header lines in one request; more: 431 and close.
  std::size_t max_headers = 128;
  /// Seconds to receive a complete request head once its first byte came (slowloris):
  /// 408 and close.
  double header_timeout = 10.0;
  /// Seconds a TLS site gives a new connection to complete its handshake (asyncio's
  /// ssl_handshake_timeout); then the connection is dropped.
  double ssl_handshake_timeout = 60.0;
  /// Seconds an idle keep-alive connection is kept (aiohttp's keepalive_timeout).
  double keepalive_timeout = 75.0;
  /// Seconds cleanup() lets requests in flight and background tasks finish.
  double shutdown_timeout = 60.0;
  /// Unread body bytes the server reads and discards after a response to keep the
  /// connection; a larger unread body closes it.
  std::size_t max_drain = 256 * 1024;
  /// listen() backlog.
  int backlog = 1024;
  /// SO_REUSEPORT on the listening sockets (several loops sharing a port).
  bool reuse_port = false;
};

/// Serves an Application on the running loop (aiohttp.web.AppRunner).
class AppRunner {
 public:
  explicit AppRunner(Application& app, ServerSettings settings = {});
  ~AppRunner();
  AppRunner(const AppRunner&) = delete;
  AppRunner& operator=(const AppRunner&) = delete;

  /// Freezes the application and runs its on_startup callbacks.
  /// Cancellation: propagates from the callback running.
  Coro<void> setup();
  /// Graceful shutdown (see the file comment), then on_cleanup. Idempotent.
  /// Cancellation: the remaining connections and tasks are aborted, then it propagates.
  Coro<void> cleanup();
  /// The addresses the sites listen on.
  std::vector<SocketAddress> addresses() const;
  Application& app() noexcept { return app_; }
  const ServerSettings& settings() const noexcept { return settings_; }
  /// Open connections (for tests and statistics).
  std::size_t connection_count() const noexcept;

  std::shared_ptr<detail::ServerState> state() const noexcept { return state_; }

 private:
  Application& app_;
  ServerSettings settings_;
  std::shared_ptr<detail::ServerState> state_;
  bool set_up_ = false;
  bool cleaned_ = false;
};

/// A listening TCP socket of a runner (aiohttp.web.TCPSite).
class TCPSite {
 public:
  /// `host` numeric ("127.0.0.1", "::", "0.0.0.0"); port 0 picks a free port. `ssl`: a
  /// PROTOCOL_TLS_SERVER context to serve https (copied: a context is a handle), or null
  /// for http. ValueError for a client context or ALPN protocols other than http/1.1.
  TCPSite(AppRunner& runner, std::string host = "0.0.0.0", std::uint16_t port = 8080,
          const SSLContext* ssl = nullptr);
  ~TCPSite();
  TCPSite(const TCPSite&) = delete;
  TCPSite& operator=(const TCPSite&) = delete;

  /// Binds, listens and starts accepting. OSError if the address is taken.
  /// Cancellation: none (no suspension).
  Coro<void> start();
  /// Stops accepting (connections go on until the runner's cleanup()).
  /// Cancellation: none (no suspension).
  Coro<void> stop();
  /// The port bound (the real one after start() with port 0).
  std::uint16_t port() const noexcept { return port_; }
  /// "http://host:port", or "https://host:port" with TLS.
  std::string name() const;

 private:
  AppRunner& runner_;
  std::string host_;
  std::uint16_t port_;
  std::optional<SSLContext> ssl_;
  std::size_t index_ = static_cast<std::size_t>(-1);
};

}  // namespace corio::web
