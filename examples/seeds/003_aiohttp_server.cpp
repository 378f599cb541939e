// Seed 003, example 21: the aiohttp web server, with corio::web. Two routes, `/` and
// `/hello/{name}`, each handler sleeping 0.5 s as in the seed. Instead of serving
// forever, the stop starts the server on a free loopback port, requests both routes at
// once with a raw HTTP client on corio's streams, prints the replies and how long each
// took, and stops the server: both replies come after ~0.5 s, not 1 s, because one
// loop serves both requests concurrently.
//
//   async def index(request):
//       await asyncio.sleep(0.5)
//       return web.Response(body=b'<h1>Index</h1>')
//
//   async def hello(request):
//       await asyncio.sleep(0.5)
//       text = '<h1>hello, %s!</h1>' % request.match_info['name']
//       return web.Response(body=text.encode('utf-8'))
//
//   app = web.Application(loop=loop)
//   app.router.add_route('GET', '/', index)
//   app.router.add_route('GET', '/hello/{name}', hello)
//   srv = await loop.create_server(app.make_handler(), '127.0.0.1', 8000)
#include <corio/corio.hpp>
#include <corio/net/streams.hpp>
#include <corio/web/web.hpp>

#include <chrono>
#include <cstdio>
#include <string>

#include "tour.hpp"

namespace seed003_aiohttp {
namespace {

using namespace std::chrono_literals;
namespace web = corio::web;

corio::Coro<web::Response> index(web::Request&) {
  co_await corio::sleep(500ms);
  web::Response r;
  r.set_body("<h1>Index</h1>");
  co_return r;
}

corio::Coro<web::Response> hello(web::Request& request) {
  co_await corio::sleep(500ms);
  web::Response r;
  r.set_body("<h1>hello, " + std::string(request.match_info()["name"]) + "!</h1>");
  co_return r;
}

// GET `path` on a fresh connection; prints the status line, the body and the time.
corio::Coro<void> fetch(std::uint16_t port, std::string path) {
  auto& loop = corio::get_running_loop();
  double t0 = loop.time();
  auto [reader, writer] = co_await corio::open_connection("127.0.0.1", port);
  writer.write("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  co_await writer.drain();
  std::string reply = co_await reader.read();  // the server closes after the reply
  writer.close();
  std::string status = reply.substr(0, reply.find("\r\n"));
  std::string body = reply.substr(reply.find("\r\n\r\n") + 4);
  std::printf("GET %s -> %s %s (%.2f s)\n", path.c_str(), status.c_str(), body.c_str(), loop.time() - t0);
}

corio::Coro<void> main_coro() {
  web::Application app;
  app.router().add_route("GET", "/", index);
  app.router().add_route("GET", "/hello/{name}", hello);
  web::AppRunner runner(app);
  co_await runner.setup();
  web::TCPSite site(runner, "127.0.0.1", 0);
  co_await site.start();
  std::printf("Server started at %s...\n", site.name().c_str());
  co_await corio::gather(fetch(site.port(), "/"), fetch(site.port(), "/hello/corio"));
  co_await runner.cleanup();
  std::printf("Server stopped\n");
}

int aiohttp_server_main() {
  corio::run(main_coro());
  return 0;
}

}  // namespace
}  // namespace seed003_aiohttp

CORIO_TOUR_STOP({
    .seed = "003",
    .index = 21,
    .name = "aiohttp_server",
    .title = "aiohttp's web server: / and /hello/{name}, each handler sleeping 0.5 s",
    .python = "app.router.add_route('GET', '/hello/{name}', hello); "
              "srv = await loop.create_server(app.make_handler(), '127.0.0.1', 8000)",
    .shows = "corio::web serves both routes concurrently on one loop: two 0.5 s handlers, 0.5 s in all",
    .expect_seconds = 0.5,
    .expect_why = "the two handlers' 0.5 s sleeps overlap",
    .run = &seed003_aiohttp::aiohttp_server_main,
    .check =
        [](corio::tour::Check& c) {
          c.expect(c.count(R"(Server started at http://127\.0\.0\.1:\d+\.\.\.)") == 1, "the server says where it listens");
          c.expect(c.count(R"(GET / -> HTTP/1\.1 200 OK <h1>Index</h1> \(0\.[5-9]\d s\))") == 1,
                   "/ answers the index after ~0.5 s");
          c.expect(c.count(R"(GET /hello/corio -> HTTP/1\.1 200 OK <h1>hello, corio!</h1> \(0\.[5-9]\d s\))") == 1,
                   "/hello/corio answers with the name after ~0.5 s");
          const auto& out = c.transcript().out;
          c.expect(!out.empty() && out.back().text == "Server stopped", "the server stops last");
        },
});
