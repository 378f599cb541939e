// Application: freezing (middleware chains) and background tasks.
#include "corio/web/application.hpp"

#include "corio/tasks/create_task.hpp"
#include "corio/web/exceptions.hpp"
#include "web/server_state.hpp"

namespace corio::web {

Application::Application(std::size_t client_max_size) : client_max_size_(client_max_size) {}

Handler Application::wrap(Handler h) const {
  // The last middleware is the innermost: wrap from the back.
  for (auto it = middlewares_.rbegin(); it != middlewares_.rend(); ++it) {
    h = [mw = *it, next = std::move(h)](Request& r) -> Coro<Response> { return mw(r, next); };
  }
  return h;
}

void Application::freeze() {
  if (frozen_) return;
  for (Route* r : router_.routes()) r->chain = wrap(r->handler);
  not_found_ = wrap([](Request&) -> Coro<Response> { throw HTTPNotFound(); });
  not_allowed_ = wrap([](Request& r) -> Coro<Response> {
    throw HTTPMethodNotAllowed(r.method(), r.match_info().allowed_methods());
  });
  router_.freeze();
  frozen_ = true;
}

TaskRef Application::create_background_task(Coro<void> coro, std::string_view name) {
  if (detail::ServerState* s = detail::tls_server_state) return s->spawn_background(std::move(coro), name);
  return TaskRef(create_task(std::move(coro), name));
}

}  // namespace corio::web
