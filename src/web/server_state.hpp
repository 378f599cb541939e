// ServerState: what one AppRunner shares with its sites and connections on its loop.
//
// It counts and links the open connections (intrusive list) so that cleanup() can close
// the idle ones, tell the busy ones to close after their response, and cancel what is
// left after the shutdown timeout; and it owns the background tasks (created by
// Application::create_background_task and Request::add_background_task), pruned as
// they finish. Everything here is touched only from the runner's loop.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "corio/core/task.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/net/socket.hpp"
#include "corio/net/ssl.hpp"
#include "corio/sync/event.hpp"
#include "corio/web/app_runner.hpp"
#include "corio/web/application.hpp"

namespace corio::web::detail {

class HttpConnection;

struct ServerState : std::enable_shared_from_this<ServerState> {
  ServerState(EventLoop* l, Application* a, ServerSettings s) : loop(l), app(a), settings(s) {}

  void link(HttpConnection* c) noexcept;
  void unlink(HttpConnection* c) noexcept;
  /// Starts `coro` as a tracked background task.
  TaskRef spawn_background(Coro<void> coro, std::string_view name);

  EventLoop* loop;
  Application* app;
  ServerSettings settings;
  HttpConnection* conns = nullptr;
  std::size_t conn_count = 0;
  Event no_connections;     // set whenever conn_count is 0
  bool shutting_down = false;
  std::vector<Socket> listeners;     // one per site (closed when stopped)
  std::vector<TaskRef> accept_tasks; // parallel to listeners
  std::vector<std::optional<SSLContext>> site_ssl;  // parallel to listeners: https sites
  std::vector<Task<void>> background;
};

/// The ServerState of the runner set up last on this thread (for
/// Application::create_background_task); null when none.
extern thread_local ServerState* tls_server_state;

/// Checks that `ctx` can serve https (a server context whose ALPN list is empty or only
/// "http/1.1") and sets its ALPN list to {"http/1.1"} when empty. ValueError otherwise.
/// Not thread-safe when it sets: run_app calls it once before its workers start.
void prepare_site_context(const SSLContext& ctx);

/// Accepts connections on state->listeners[index] until cancelled.
Coro<void> accept_loop(std::shared_ptr<ServerState> state, std::size_t index);

}  // namespace corio::web::detail
