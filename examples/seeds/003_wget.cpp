// Seed 003, example 20: fetch the response headers of three sites concurrently with
// asyncio.open_connection, "3 connections done concurrently by one thread through
// coroutines".
//
//   @asyncio.coroutine
//   def wget(host):
//       print('wget %s...' % host)
//       connect = asyncio.open_connection(host, 80)
//       reader, writer = yield from connect
//       header = 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' % host
//       writer.write(header.encode('utf-8'))
//       yield from writer.drain()
//       while True:
//           line = yield from reader.readline()
//           if line == b'\r\n':
//               break
//           print('%s header > %s' % (host, line.decode('utf-8').rstrip()))
//       # Ignore the body, close the socket
//       writer.close()
//
//   loop = asyncio.get_event_loop()
//   tasks = [wget(host) for host in ['www.sina.com.cn', 'www.sohu.com', 'www.163.com']]
//   loop.run_until_complete(asyncio.wait(tasks))
//   loop.close()
//
// There is no internet here, so the example first starts the three "sites" itself: one
// local HTTP/1.0 server per host name, answering with the headers the seed shows, each
// after a delay (sohu 0.1 s, sina 0.2 s, 163 0.3 s). wget() is the seed's, connecting to
// the host's local port instead of port 80. The three requests overlap: all three start
// at once, the headers arrive in the order the servers answer (sohu, sina, 163, as in
// the seed's transcript), and the whole takes the slowest answer's 0.3 s, not the sum.
//
// Differences: asyncio.wait() takes a set in Python, so the seed's "wget ..." lines come
// in an arbitrary order; corio::wait keeps the list order.
#include <corio/corio.hpp>
#include <corio/net/server.hpp>
#include <corio/net/streams.hpp>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed003 {
namespace {

struct Site {
  const char* host;
  std::chrono::milliseconds delay;
  const char* response;  // status line and headers, then the blank line and a body
};

const Site kSites[] = {
    {"www.sina.com.cn", 200ms,
     "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Wed, 20 May 2015 04:56:33 GMT\r\nContent-Type: text/html\r\n"
     "Connection: close\r\n\r\n<html>sina</html>"},
    {"www.sohu.com", 100ms, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<html>sohu</html>"},
    {"www.163.com", 300ms,
     "HTTP/1.0 302 Moved Temporarily\r\nServer: Cdn Cache Server V2.0\r\nLocation: http://www.163.com/index.html\r\n"
     "Connection: close\r\n\r\n"},
};

// One stand-in web site: reads the request head, checks its Host, answers after a delay.
corio::ClientConnectedCallback site(const Site& s) {
  return [&s](corio::StreamReader reader, corio::StreamWriter writer) -> corio::Coro<void> {
    std::string head = co_await reader.readuntil("\r\n\r\n");
    bool ok = head.rfind("GET / HTTP/1.0\r\n", 0) == 0 && head.find(std::string("Host: ") + s.host) != std::string::npos;
    co_await corio::sleep(s.delay);
    writer.write(ok ? s.response : "HTTP/1.0 400 Bad Request\r\n\r\n");
    co_await writer.drain();
    writer.close();
  };
}

// Where each host name "resolves" to: the local port of its stand-in server.
std::map<std::string, std::uint16_t> g_ports;

corio::Coro<void> wget(std::string host) {
  std::printf("wget %s...\n", host.c_str());
  auto [reader, writer] = co_await corio::open_connection("127.0.0.1", g_ports[host]);  // (host, 80)
  std::string header = "GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n";
  writer.write(header);
  co_await writer.drain();
  for (;;) {
    std::string line = co_await reader.readline();
    if (line == "\r\n") break;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();  // rstrip()
    std::printf("%s header > %s\n", host.c_str(), line.c_str());
  }
  // Ignore the body, close the socket
  writer.close();
}

corio::Coro<void> start_sites(std::vector<corio::Server>& servers) {
  for (const Site& s : kSites) {
    corio::ClientConnectedCallback cb = site(s);
    servers.push_back(co_await corio::start_server(cb, "127.0.0.1", 0));
    g_ports[s.host] = servers.back().sockets()[0].getsockname().port();
  }
}

corio::Coro<void> stop_sites(std::vector<corio::Server>& servers) {
  for (corio::Server& s : servers) s.close();
  for (corio::Server& s : servers) co_await s.wait_closed();
}

}  // namespace

int wget_main() {
  auto loop = corio::new_event_loop();  // asyncio.get_event_loop()
  std::vector<corio::Server> servers;
  loop->run_until_complete(start_sites(servers));
  std::vector<corio::Task<void>> tasks;
  for (const char* host : {"www.sina.com.cn", "www.sohu.com", "www.163.com"}) tasks.push_back(loop->create_task(wget(host)));
  loop->run_until_complete(corio::wait(tasks));
  loop->run_until_complete(stop_sites(servers));
  loop->close();
  return 0;
}

}  // namespace seed003

CORIO_TOUR_STOP({
    .seed = "003",
    .index = 20,
    .name = "wget",
    .title = "three sites' response headers fetched concurrently with open_connection (local stand-ins)",
    .python = "reader, writer = yield from asyncio.open_connection(host, 80); writer.write(header); "
              "yield from writer.drain(); line = yield from reader.readline() ... for sina, sohu, 163",
    .shows = "one thread, three connections in flight: the headers come in the order the servers answer and "
             "the whole takes the slowest answer, not the sum",
    .expect_seconds = 0.3,
    .expect_why = "three requests overlap; the slowest stand-in server answers after 0.3 s",
    .run = &seed003::wget_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"wget www.sina.com.cn...",
                   "wget www.sohu.com...",
                   "wget www.163.com...",
                   "www.sohu.com header > HTTP/1.1 200 OK",
                   "www.sohu.com header > Content-Type: text/html",
                   "www.sohu.com header > Connection: close",
                   "www.sina.com.cn header > HTTP/1.1 200 OK",
                   "www.sina.com.cn header > Server: nginx",
                   "www.sina.com.cn header > Date: Wed, 20 May 2015 04:56:33 GMT",
                   "www.sina.com.cn header > Content-Type: text/html",
                   "www.sina.com.cn header > Connection: close",
                   "www.163.com header > HTTP/1.0 302 Moved Temporarily",
                   "www.163.com header > Server: Cdn Cache Server V2.0",
                   "www.163.com header > Location: http://www.163.com/index.html",
                   "www.163.com header > Connection: close"});
          c.appears_at("wget www.163.com...", 0.0, 0.1);
          c.appears_at("www.sohu.com header > HTTP/1.1 200 OK", 0.1, 0.2);
          c.appears_at("www.sina.com.cn header > HTTP/1.1 200 OK", 0.2, 0.3);
          c.appears_at("www.163.com header > HTTP/1.0 302 Moved Temporarily", 0.3, 0.4);
        },
});
