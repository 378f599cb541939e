// A stand-in web site on loopback for the HTTP client stops (the seeds fetch douban.com
// and codeflex.co; the tour never leaves the machine): a corio start_server that
// answers each GET after `latency`, a stand-in for a real site's round trip.
//
//   /img/<name>   `image_size` bytes (a deterministic pattern), Content-Type image/png
//   /hello/<x>    "Hello, <x>" (the localhost:8080 server of seed 000's semaphore example)
//   anything else a small HTML page that names the path
//
// Connections are kept alive; the server lives until close().
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include <corio/corio.hpp>
#include <corio/net/server.hpp>
#include <corio/net/streams.hpp>

namespace seeds {

inline constexpr std::size_t image_size = 64 * 1024 + 17;

/// The body the site serves for `path`.
inline std::string site_body(const std::string& path) {
  if (path.rfind("/img/", 0) == 0) {
    std::string img(image_size, '\0');
    for (std::size_t i = 0; i < img.size(); ++i) img[i] = static_cast<char>((i * 31 + path.size()) & 0xFF);
    return img;
  }
  if (path.rfind("/hello/", 0) == 0) return "Hello, " + path.substr(7);
  return "<html><title>" + path + "</title><body>page " + path + "</body></html>";
}

struct LocalSite {
  corio::Server server;
  std::uint16_t port = 0;
  /// "http://127.0.0.1:<port><path>"
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
  corio::Coro<void> close() {
    server.close();
    server.close_clients();
    co_await server.wait_closed();
  }
};

/// Starts the site on a free loopback port.
/// Cancellation: none beyond start_server's.
inline corio::Coro<LocalSite> start_local_site(std::chrono::milliseconds latency) {
  corio::ClientConnectedCallback serve = [latency](corio::StreamReader r, corio::StreamWriter w) -> corio::Coro<void> {
    try {
      for (;;) {
        std::string head = co_await r.readuntil("\r\n\r\n");
        std::string path = head.substr(head.find(' ') + 1);
        path = path.substr(0, path.find(' '));
        if (latency.count() > 0) co_await corio::sleep(latency);
        std::string body = site_body(path);
        const char* type = path.rfind("/img/", 0) == 0 ? "image/png" : "text/html; charset=utf-8";
        w.write("HTTP/1.1 200 OK\r\nContent-Type: " + std::string(type) +
                "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n");
        w.write(body);
        co_await w.drain();
      }
    } catch (const corio::IncompleteReadError&) {  // the client closed the connection
    } catch (const corio::ConnectionError&) {
    }
  };
  LocalSite site;
  site.server = co_await corio::start_server(serve, "127.0.0.1", 0);
  site.port = site.server.sockets()[0].getsockname().port();
  co_return site;
}

}  // namespace seeds
