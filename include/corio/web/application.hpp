// Application: the router, the middlewares, the signals and the limits of a web app
// (aiohttp.web.Application).
//
//   corio::web::Application app;
//   app.add_get("/", hello);
//   app.add_get("/hello/{name}", greet);
//   app.middlewares().push_back(timing);
//   app.on_startup.push_back([](corio::web::Application&) -> corio::Coro<void> { co_return; });
//   corio::web::run_app(app, "127.0.0.1", 8080);
//
// Design: an application is configured, then frozen when a runner sets it up; after
// that its router and middleware chain are immutable (adding a route throws). Freezing
// wraps each route's handler in the middlewares once (the first middleware is the
// outermost, as aiohttp), and also the 404/405 answers, so middlewares see those too.
// A frozen application may be shared by the loops of a multi-core run_app: it holds no
// per-request mutable state (handlers that capture mutable state must make it per loop).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/core/task.hpp"
#include "corio/web/handler.hpp"
#include "corio/web/request.hpp"
#include "corio/web/router.hpp"

namespace corio::web {

/// A web application (aiohttp.web.Application).
class Application {
 public:
  /// `client_max_size`: the largest body read()/text()/json()/post() accept (1 MiB, as
  /// aiohttp); larger bodies answer 413.
  explicit Application(std::size_t client_max_size = 1024 * 1024);
  Application(const Application&) = delete;
  Application& operator=(const Application&) = delete;

  UrlDispatcher& router() noexcept { return router_; }
  const UrlDispatcher& router() const noexcept { return router_; }

  /// Routes `method` + `path` to `handler`: any callable taking Request& and returning
  /// an awaitable of Response (or of something convertible to it).
  template <class F>
  Route& add_route(std::string_view method, std::string_view path, F handler) {
    return router_.add_route(method, path, detail::make_handler(std::move(handler)));
  }
  /// GET (and HEAD unless allow_head is false).
  template <class F>
  Route& add_get(std::string_view path, F handler, bool allow_head = true) {
    return router_.add_get(path, detail::make_handler(std::move(handler)), allow_head);
  }
  template <class F>
  Route& add_post(std::string_view path, F handler) { return add_route("POST", path, std::move(handler)); }
  template <class F>
  Route& add_put(std::string_view path, F handler) { return add_route("PUT", path, std::move(handler)); }
  template <class F>
  Route& add_patch(std::string_view path, F handler) { return add_route("PATCH", path, std::move(handler)); }
  template <class F>
  Route& add_delete(std::string_view path, F handler) { return add_route("DELETE", path, std::move(handler)); }
  template <class F>
  Route& add_head(std::string_view path, F handler) { return add_route("HEAD", path, std::move(handler)); }

  /// The middlewares, outermost first (RuntimeError to change once frozen: it is
  /// checked at freeze()).
  std::vector<Middleware>& middlewares() noexcept { return middlewares_; }

  /// Run by AppRunner::setup(), in order, before the server accepts.
  std::vector<AppCallback> on_startup;
  /// Run by AppRunner::cleanup() once the sites stopped accepting, before the open
  /// connections are closed.
  std::vector<AppCallback> on_shutdown;
  /// Run by AppRunner::cleanup() last, once every connection and background task is done.
  std::vector<AppCallback> on_cleanup;

  /// Runs `coro` as a task owned by the serving runner (aiohttp's background tasks /
  /// FastAPI's BackgroundTasks): it outlives the request that started it; the runner
  /// cancels it at cleanup if it is still running after the shutdown timeout. Needs a
  /// running loop.
  TaskRef create_background_task(Coro<void> coro, std::string_view name = {});

  /// Builds the middleware chains and makes the router immutable (idempotent).
  void freeze();
  bool frozen() const noexcept { return frozen_; }
  std::size_t client_max_size() const noexcept { return client_max_size_; }

  /// The chains that answer 404 and 405 through the middlewares (set by freeze()).
  const Handler& not_found_chain() const noexcept { return not_found_; }
  const Handler& not_allowed_chain() const noexcept { return not_allowed_; }

 private:
  Handler wrap(Handler h) const;

  UrlDispatcher router_;
  std::vector<Middleware> middlewares_;
  std::size_t client_max_size_;
  bool frozen_ = false;
  Handler not_found_;
  Handler not_allowed_;
};

}  // namespace corio::web
