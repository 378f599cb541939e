// W5 echo: the kernel's floor. The least a server can do per round trip on Linux: one
// epoll_wait for many ready sockets, then recv and send for each. No framework, no
// coroutines, no buffering beyond what a 64-byte echo needs. Its CPU per round trip is
// what any event-loop server pays the kernel before running a line of its own code, so
// it bounds from below what corio, uvloop, Asio or Tokio can reach on this machine.
//
// usage: w05_floor_server PORT   (0: any free port)
// Prints one JSON line (port, pid, impl) once it listens; runs until killed.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
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

void close_conn(int ep, int fd) {
  ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  unsent.erase(fd);
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

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 0;
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
  std::printf("{\"workload\":\"w05\", \"impl\":\"raw epoll, no framework (the kernel's floor)\", \"port\":%d, \"pid\":%d}\n",
              ntohs(addr.sin_port), static_cast<int>(::getpid()));
  std::fflush(stdout);

  epoll_event events[256];
  static char buf[65536];
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
      if (r > 0) {
        if (!send_all(ep, fd, buf, static_cast<std::size_t>(r))) close_conn(ep, fd);
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_conn(ep, fd);
      }
    }
  }
}
