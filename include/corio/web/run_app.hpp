// run_app: serve an Application until Ctrl-C (aiohttp.web.run_app), on one loop or on
// several (one per core) sharing the port with SO_REUSEPORT.
//
//   corio::web::run_app(app, "0.0.0.0", 8080);
//   corio::web::RunAppOptions opts;
//   opts.port = 8080;
//   opts.workers = 4;
//   corio::web::run_app(app, opts);                           // 4 loops, 4 threads
//   opts.ssl = &server_ctx;                                   // https (see TCPSite)
//
// Design: one loop: a Runner-run coroutine sets up an AppRunner and a TCPSite, waits for
// SIGINT/SIGTERM, then runs the graceful cleanup. Several workers: serve_multicore runs
// N loops; each loop has its own AppRunner and SO_REUSEPORT listener, and they share
// the one frozen Application — its router and middleware chains are immutable, so the
// request path shares nothing mutable; the kernel spreads connections over the
// listeners. The signals (on_startup, on_shutdown, on_cleanup) run on every loop,
// each time with the same Application: a callback that makes per-loop resources
// (connection pools...) must keep them per loop (e.g. thread_local).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "corio/web/app_runner.hpp"
#include "corio/web/application.hpp"

namespace corio::web {

/// run_app's keyword arguments. `settings` holds the limits and timeouts.
struct RunAppOptions {
  std::string host = "0.0.0.0";
  std::uint16_t port = 8080;
  /// Loops (threads) serving; 1 runs on the calling thread only.
  std::size_t workers = 1;
  /// Serve https with this PROTOCOL_TLS_SERVER context (aiohttp's ssl_context=); null:
  /// http. Used while run_app runs; the workers share it.
  const SSLContext* ssl = nullptr;
  /// Print "======== Running on http(s)://host:port ========" as aiohttp does.
  bool print_banner = true;
  ServerSettings settings{};
};

/// Serves `app` until SIGINT or SIGTERM, then shuts down gracefully. Blocks.
void run_app(Application& app, RunAppOptions options);
/// run_app(app, {.host = host, .port = port}).
void run_app(Application& app, std::string host = "0.0.0.0", std::uint16_t port = 8080);

}  // namespace corio::web
