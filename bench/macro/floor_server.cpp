// The kernel's floor for the W5 echo and W6 hello servers. The least a server can do per
// request on Linux: one epoll_wait for many ready sockets, then recv and send for each. No
// framework, no coroutines, no buffering beyond what the workload needs. Its CPU per
// request is what any event-loop server pays the kernel before running a line of its own
// code, so it bounds from below what corio, uvloop, nginx, Asio or Tokio can reach on this
// machine.
//
// usage: floor_server echo PORT   W5: echoes every byte it receives
//        floor_server http PORT   W6: answers every request head ("\r\n\r\n") with a
//                                 keep-alive "Hello, World!" shaped like nginx's; the
//                                 responses to pipelined requests go out in one send
// PORT 0 picks a free port. Prints one JSON line (port, pid, impl) once it listens; runs
// until killed. It does not parse HTTP: it is a floor, not a server (wrk's GETs have no
// body, so a request ends at its blank line).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <unordered_map>

namespace {

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// What a connection could not send yet (the peer's window was full): sent before the
// next receive. Never happens with one 64-byte request in flight, but the floor must
// still be a correct echo server.
std::unordered_map<int, std::string> unsent;

void forget_heads(int fd);

void close_conn(int ep, int fd) {
  ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  unsent.erase(fd);
  forget_heads(fd);
}

bool send_all(int ep, int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        unsent[fd].append(p, n);
        epoll_event ev{.events = EPOLLIN | EPOLLOUT, .data = {.fd = fd}};
        ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        return true;
      }
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// W6: nginx's response with the same header lines and a Date that changes once a second.
struct HelloResponses {
  std::string one;
  std::string batch;  // `one` repeated, rebuilt per receive only when pipelined
  std::time_t date_of = 0;

  void refresh() {
    std::time_t now = std::time(nullptr);
    if (now == date_of) return;
    date_of = now;
    char date[64];
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    one = std::string("HTTP/1.1 200 OK\r\nServer: floor\r\nDate: ") + date +
          "\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n"
          "Hello, World!";
  }
};

// Request heads ended in this receive; `tail` carries the last 3 bytes of the previous one
// so that a blank line split across two receives is still counted once.
struct HeadCounter {
  char tail[3] = {0, 0, 0};

  std::size_t count(const char* p, std::size_t n) {
    std::size_t heads = 0;
    std::uint32_t window = (std::uint32_t(std::uint8_t(tail[0])) << 16) |
                           (std::uint32_t(std::uint8_t(tail[1])) << 8) | std::uint8_t(tail[2]);
    for (std::size_t i = 0; i < n; ++i) {
      window = (window << 8) | std::uint8_t(p[i]);
      if (window == 0x0d0a0d0a) ++heads;
    }
    tail[0] = char(window >> 16);
    tail[1] = char(window >> 8);
    tail[2] = char(window);
    return heads;
  }
};

std::unordered_map<int, HeadCounter> heads;

void forget_heads(int fd) { heads.erase(fd); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::strcmp(argv[1], "echo") != 0 && std::strcmp(argv[1], "http") != 0)) {
    std::fprintf(stderr, "usage: floor_server echo|http PORT\n");
    return 2;
  }
  const bool http = std::strcmp(argv[1], "http") == 0;
  const int port = std::atoi(argv[2]);
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) die("socket");
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
  if (::listen(lfd, 1024) < 0) die("listen");
  socklen_t len = sizeof addr;
  ::getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len);

  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  epoll_event lev{.events = EPOLLIN, .data = {.fd = lfd}};
  ::epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  std::printf("{\"workload\":\"%s\", \"impl\":\"raw epoll, no framework (the kernel's floor)\", \"port\":%d, \"pid\":%d}\n",
              http ? "w06" : "w05", ntohs(addr.sin_port), static_cast<int>(::getpid()));
  std::fflush(stdout);

  epoll_event events[256];
  static char buf[65536];
  HelloResponses hello;
  while (true) {
    int n = ::epoll_wait(ep, events, 256, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        while (true) {
          int c = ::accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (c < 0) break;
          ::setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event ev{.events = EPOLLIN, .data = {.fd = c}};
          ::epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
        }
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        auto it = unsent.find(fd);
        std::string pending = it == unsent.end() ? std::string() : std::move(it->second);
        if (it != unsent.end()) unsent.erase(it);
        epoll_event ev{.events = EPOLLIN, .data = {.fd = fd}};
        ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
        if (!send_all(ep, fd, pending.data(), pending.size())) {
          close_conn(ep, fd);
          continue;
        }
        if (unsent.count(fd)) continue;
      }
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || unsent.count(fd)) continue;
      ssize_t r = ::recv(fd, buf, sizeof buf, 0);
      if (r > 0 && http) {
        std::size_t n = heads[fd].count(buf, static_cast<std::size_t>(r));
        if (n == 0) continue;
        hello.refresh();
        const std::string* out = &hello.one;
        if (n > 1) {
          hello.batch.clear();
          for (std::size_t k = 0; k < n; ++k) hello.batch += hello.one;
          out = &hello.batch;
        }
        if (!send_all(ep, fd, out->data(), out->size())) close_conn(ep, fd);
      } else if (r > 0) {
        if (!send_all(ep, fd, buf, static_cast<std::size_t>(r))) close_conn(ep, fd);
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_conn(ep, fd);
      }
    }
  }
}
