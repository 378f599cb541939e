// Handler and Middleware: the callables a web Application routes requests to
// (aiohttp.web's handlers and new-style middlewares).
//
//   corio::Coro<corio::web::Response> hello(corio::web::Request& request) {
//     co_return corio::web::Response("Hello, World!");
//   }
//   corio::Coro<corio::web::Response> timing(corio::web::Request& request,
//                                            const corio::web::Handler& handler) {
//     auto t0 = std::chrono::steady_clock::now();
//     corio::web::Response resp = co_await handler(request);
//     resp.headers().add("X-Elapsed-Us", ...);
//     co_return resp;
//   }
//
// A middleware receives the next handler of the chain by reference: the chain is built
// once when the application is frozen, so a request costs no allocation for it. The
// reference is valid while the application lives (a middleware must not keep it past
// the application).
#pragma once

#include <functional>

#include "corio/core/coro.hpp"
#include "corio/web/response.hpp"

namespace corio::web {

class Request;
class Application;

/// A request handler: `Coro<Response>(Request&)` (aiohttp's `async def handler(request)`).
using Handler = std::function<Coro<Response>(Request&)>;
/// A middleware (aiohttp's `@web.middleware async def m(request, handler)`): calls
/// `handler(request)` to go on, or answers by itself.
using Middleware = std::function<Coro<Response>(Request&, const Handler&)>;
/// A startup / shutdown / cleanup callback (aiohttp's signals: `async def f(app)`).
using AppCallback = std::function<Coro<void>(Application&)>;

namespace detail {
/// Turns any callable taking Request& and returning an awaitable of something
/// convertible to Response into a Handler (Coro<Response> callables are kept as is).
template <class F>
Handler make_handler(F f) {
  using R = std::invoke_result_t<F&, Request&>;
  if constexpr (std::is_same_v<R, Coro<Response>>) {
    return Handler(std::move(f));
  } else {
    return Handler([f = std::move(f)](Request& r) -> Coro<Response> {
      auto awaitable = f(r);  // named: g++ 12 mishandles temporaries in co_await
      co_return Response(co_await std::move(awaitable));
    });
  }
}
}  // namespace detail

}  // namespace corio::web
