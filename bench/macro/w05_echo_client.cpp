// W5 echo: the load generator. Plain epoll and blocking-free sockets, no corio, so that
// every server (corio, asyncio, uvloop, Asio, Tokio) is driven by the same client.
//
// usage: w05_echo_client PORT SERVER_PID [CONNS=50] [SECONDS=10] [SIZE=64] [WARMUP_S=1]
//
// Opens CONNS connections to 127.0.0.1:PORT (TCP_NODELAY); each keeps one SIZE-byte
// request in flight: send, wait for the SIZE bytes echoed back (checked), send again.
// After WARMUP_S seconds the counters are reset and SECONDS are measured: round trips,
// the latency of each (send to last byte received), the server's CPU time (utime +
// stime of SERVER_PID, all its threads, from /proc/PID/stat) and the client's own.
// Prints one JSON line:
//   round_trips_per_s, server_cpu_us_per_rt, server_cpu (cores busy: 1.0 = one core),
//   client_cpu (the same for this process; near 1.0 means the client is the limit),
//   p50_us, p99_us, p999_us, max_us
// Run it pinned to another CPU than the server (bench/run.py: server on CPU 0, client
// on CPU 1).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "w05_echo_client: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

long arg(int argc, char** argv, int i, long fallback) {
  if (argc <= i) return fallback;
  char* end = nullptr;
  long v = std::strtol(argv[i], &end, 10);
  if (!end || *end || v < 0) {
    std::fprintf(stderr, "w05_echo_client: bad argument '%s'\n", argv[i]);
    std::exit(2);
  }
  return v;
}

/// utime + stime of a process (all threads), in clock ticks; -1 if it is gone.
long long proc_cpu_ticks(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  auto rp = s.rfind(')');  // the command name may hold spaces
  if (rp == std::string::npos) return -1;
  std::istringstream in(s.substr(rp + 2));
  std::string field;
  long long utime = 0, stime = 0;
  // Fields after the name start at 3 (state); utime is 14, stime 15.
  for (int i = 3; i <= 15 && (in >> field); ++i) {
    if (i == 14) utime = std::atoll(field.c_str());
    if (i == 15) stime = std::atoll(field.c_str());
  }
  return utime + stime;
}

double self_cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

struct Conn {
  int fd = -1;
  std::size_t got = 0;
  Clock::time_point sent;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: w05_echo_client PORT SERVER_PID [CONNS=50] [SECONDS=10] [SIZE=64] [WARMUP_S=1]\n");
    return 2;
  }
  const long port = arg(argc, argv, 1, 0);
  const long pid = arg(argc, argv, 2, 0);
  const long nconns = arg(argc, argv, 3, 50);
  const double seconds = static_cast<double>(arg(argc, argv, 4, 10));
  const std::size_t size = static_cast<std::size_t>(arg(argc, argv, 5, 64));
  const double warmup = static_cast<double>(arg(argc, argv, 6, 1));
  const bool spin = std::getenv("W5_SPIN") != nullptr;
  if (port <= 0 || port > 65535 || nconns <= 0 || size == 0 || size > 65536 || seconds <= 0) {
    std::fprintf(stderr, "w05_echo_client: bad arguments\n");
    return 2;
  }

  std::string request(size, '\0');
  for (std::size_t i = 0; i < size; ++i) request[i] = static_cast<char>('a' + i % 26);
  std::vector<char> buf(size);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

  int ep = ::epoll_create1(EPOLL_CLOEXEC);
  if (ep < 0) die("epoll_create1");
  std::vector<Conn> conns(static_cast<std::size_t>(nconns));
  for (std::size_t i = 0; i < conns.size(); ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) die("connect");
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    conns[i].fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    if (::epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
  }

  auto send_request = [&](Conn& c) {
    c.got = 0;
    c.sent = Clock::now();
    ssize_t n = ::send(c.fd, request.data(), size, MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(size)) die("send (short or failed)");
  };
  for (auto& c : conns) send_request(c);

  std::vector<std::uint32_t> lat;  // ns, measured phase only
  lat.reserve(8'000'000);
  long long rts = 0;
  bool measuring = false;
  const auto t_start = Clock::now();
  const auto t_measure = t_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  const auto t_end = t_measure + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  long long ticks0 = 0;
  double cpu0 = 0;
  Clock::time_point m0;
  epoll_event evs[256];
  while (true) {
    auto now = Clock::now();
    if (!measuring && now >= t_measure) {
      measuring = true;
      rts = 0;
      lat.clear();
      ticks0 = proc_cpu_ticks(pid);
      cpu0 = self_cpu_s();
      m0 = Clock::now();
    }
    if (now >= t_end) break;
    int n = ::epoll_wait(ep, evs, 256, spin ? 0 : 100);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[evs[k].data.u64];
      ssize_t r = ::recv(c.fd, buf.data() + c.got, size - c.got, 0);
      if (r < 0) {
        if (errno == EAGAIN || errno == EINTR) continue;
        die("recv");
      }
      if (r == 0) {
        std::fprintf(stderr, "w05_echo_client: the server closed a connection\n");
        return 1;
      }
      c.got += static_cast<std::size_t>(r);
      if (c.got < size) continue;
      auto done = Clock::now();
      if (std::memcmp(buf.data(), request.data(), size) != 0) {
        std::fprintf(stderr, "w05_echo_client: wrong echo\n");
        return 1;
      }
      ++rts;
      if (measuring) {
        auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(done - c.sent).count();
        if (lat.size() < lat.capacity()) lat.push_back(static_cast<std::uint32_t>(std::min<long long>(ns, UINT32_MAX)));
      }
      send_request(c);
    }
  }
  const double wall = std::chrono::duration<double>(Clock::now() - m0).count();
  const long long ticks1 = proc_cpu_ticks(pid);
  const double client_cpu = (self_cpu_s() - cpu0) / wall;
  // Every connection has one request in flight: take its echo before closing, so that
  // the server sees a clean EOF rather than a reset.
  for (auto& c : conns) {
    ::fcntl(c.fd, F_SETFL, ::fcntl(c.fd, F_GETFL) & ~O_NONBLOCK);
    timeval tv{2, 0};
    ::setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (c.got < size) {
      ssize_t r = ::recv(c.fd, buf.data() + c.got, size - c.got, 0);
      if (r <= 0) break;
      c.got += static_cast<std::size_t>(r);
    }
    ::close(c.fd);
  }
  ::close(ep);
  if (ticks0 < 0 || ticks1 < 0) {
    std::fprintf(stderr, "w05_echo_client: cannot read /proc/%ld/stat\n", pid);
    return 1;
  }
  if (rts == 0 || lat.empty()) {
    std::fprintf(stderr, "w05_echo_client: no round trip measured\n");
    return 1;
  }
  const double server_cpu_s = static_cast<double>(ticks1 - ticks0) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::sort(lat.begin(), lat.end());
  auto pct = [&](double p) {
    std::size_t i = std::min(lat.size() - 1, static_cast<std::size_t>(p * static_cast<double>(lat.size())));
    return lat[i] / 1e3;
  };
  std::printf(
      "{\"workload\": \"w05\", \"system\": \"client\", \"conns\": %ld, \"size\": %zu, \"seconds\": %.3f, "
      "\"round_trips\": %lld, \"round_trips_per_s\": %.1f, \"server_cpu_s\": %.3f, \"server_cpu\": %.3f, "
      "\"server_cpu_us_per_rt\": %.4f, \"client_cpu\": %.3f, \"p50_us\": %.1f, \"p99_us\": %.1f, "
      "\"p999_us\": %.1f, \"max_us\": %.1f}\n",
      nconns, size, wall, rts, static_cast<double>(rts) / wall, server_cpu_s, server_cpu_s / wall,
      server_cpu_s * 1e6 / static_cast<double>(rts), client_cpu, pct(0.50), pct(0.99), pct(0.999),
      lat.back() / 1e3);
  return 0;
}
