// libFuzzer target: the HTTP/1.1 server's request parser and connection loop.
//
// Each input is what a client sends on one connection. It goes through a socketpair
// into a real HttpConnection (serve_connection) of a running AppRunner, so the whole
// reading path is exercised: http-parser's pauses, head limits, bodies (identity and
// chunked, read whole, streamed, drained or refused), pipelining, Expect, errors. The
// client end then half-closes and reads everything back. Invariants: nothing crashes or
// leaks (ASan/UBSan), the connection always ends, and whatever the server wrote is a
// sequence of HTTP/1.1 responses (it starts with "HTTP/1.1 ").
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "corio/corio.hpp"
#include "corio/net/socket.hpp"
#include "corio/web/web.hpp"
#include "web/connection.hpp"

namespace {

using corio::Coro;
using corio::web::Request;
using corio::web::Response;

struct Harness {
  corio::EventLoop loop;
  corio::web::Application app{64 * 1024};
  std::unique_ptr<corio::web::AppRunner> runner;

  Harness() {
    app.add_get("/", [](Request&) -> Coro<Response> { co_return Response("Hello, World!"); });
    app.add_get("/p/{name}/{id:\\d+}", [](Request& r) -> Coro<Response> {
      std::string out(r.match_info()["name"]);
      out += r.query().get("q", "");
      out += r.headers().get("X-A", "");
      co_return Response(out);
    });
    app.add_post("/echo", [](Request& r) -> Coro<Response> { co_return Response(co_await r.text()); });
    app.add_post("/form", [](Request& r) -> Coro<Response> {
      auto form = co_await r.post();
      co_return Response(std::to_string(form.size()));
    });
    app.add_post("/parts", [](Request& r) -> Coro<Response> {
      corio::web::MultipartReader reader = r.multipart();
      std::size_t n = 0;
      while (true) {
        std::optional<corio::web::BodyPartReader> part = co_await reader.next();
        if (!part) break;
        std::string chunk = co_await part->read_chunk(5);  // leave the rest to next()
        n += chunk.size() + part->name().value_or("").size();
      }
      co_return Response(std::to_string(n));
    });
    app.add_post("/json", [](Request& r) -> Coro<Response> { co_return corio::web::json_response(co_await r.json()); });
    app.add_put("/stream", [](Request& r) -> Coro<Response> {
      std::size_t n = 0;
      while (true) {
        std::string piece = co_await r.content().read(7);
        if (piece.empty()) break;
        n += piece.size();
      }
      corio::web::StreamResponse resp;
      co_await resp.prepare(r);
      co_await resp.write(std::to_string(n));
      co_return resp;
    });
    loop.set_exception_handler([](corio::EventLoop&, const corio::ExceptionContext&) {});
    corio::web::ServerSettings s;
    s.max_line_size = 512;
    s.max_field_size = 512;
    s.max_headers = 16;
    s.max_drain = 1024;
    runner = std::make_unique<corio::web::AppRunner>(app, s);
    loop.run_until_complete(runner->setup());
  }
};

Coro<std::string> exchange(std::shared_ptr<corio::web::detail::ServerState> state, std::string_view input) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) std::abort();
  corio::Socket client = corio::Socket::adopt(fds[0]);
  auto server = corio::create_task(corio::web::detail::serve_connection(state, fds[1], corio::SocketAddress(), std::nullopt));
  co_await corio::sock_sendall(client, input);
  client.shutdown(SHUT_WR);
  std::string out;
  while (true) {
    std::string piece;
    try {
      piece = co_await corio::sock_recv(client, 65536);
    } catch (const corio::ConnectionResetError&) {
      break;
    }
    if (piece.empty()) break;
    out += piece;
  }
  co_await server;
  co_return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Harness* h = new Harness();  // lives for the process: the loop never closes mid-run
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string out = h->loop.run_until_complete(exchange(h->runner->state(), input));
  if (!out.empty() && out.rfind("HTTP/1.1 ", 0) != 0) std::abort();
  return 0;
}
