// `corio scan`: the command line of the scanner. Parses the options, runs the scan on
// a fresh loop, draws a progress bar on stderr when stderr is a terminal, and prints
// the open ports, the filtered ones and the elapsed time on stdout.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include <corio/corio.hpp>
#include <corio/net/dns.hpp>
#include <corio/net/errors.hpp>

#include "scanner.hpp"

namespace corio::scan {
namespace {

constexpr const char* kUsage =
    "usage: corio scan HOST [--ports SPEC] [--concurrency N] [--timeout S] [--retries N]\n"
    "\n"
    "TCP connect scan of HOST: an IPv4 or IPv6 address (127.0.0.1, ::1) or a name, resolved\n"
    "with corio::getaddrinfo (the first address is scanned).\n"
    "\n"
    "  --ports SPEC       ports to scan: 1-65535 (default), 22,80,8000-8100\n"
    "  --concurrency N    connects in flight at once (default 1024)\n"
    "  --timeout S        seconds to wait for an answer to one connect (default 1)\n"
    "  --retries N        further attempts for a port that timed out (default 1)\n"
    "\n"
    "A port is open when the connect completes, closed when it is refused, filtered when\n"
    "nothing answered in time (after the retries) or the host was unreachable. Open ports\n"
    "go to stdout, one per line ('22/tcp open'), then a summary with the elapsed time.\n"
    "A progress bar is drawn on stderr when it is a terminal.\n";

/// "1-3,7,9-10" from sorted ports.
std::string ranges(const std::vector<std::uint16_t>& ports) {
  std::string out;
  for (std::size_t i = 0; i < ports.size();) {
    std::size_t j = i;
    while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(ports[i]);
    if (j > i) out += '-' + std::to_string(ports[j]);
    i = j + 1;
  }
  return out;
}

void draw_bar(const Progress& p) {
  constexpr int kWidth = 30;
  double frac = p.total ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1.0;
  int filled = static_cast<int>(frac * kWidth);
  char bar[kWidth + 1];
  for (int i = 0; i < kWidth; ++i) bar[i] = i < filled ? '#' : '.';
  bar[kWidth] = '\0';
  std::fprintf(stderr, "\r[%s] %3d%% %zu/%zu ports, %zu open, %.1f s\033[K", bar, static_cast<int>(frac * 100),
               p.done, p.total, p.open, p.seconds);
  std::fflush(stderr);
}

struct Args {
  std::string host;
  std::string ports = "1-65535";
  Options options;
};

double parse_number(const char* name, const char* text) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0') throw std::invalid_argument(std::string(name) + ": not a number: " + text);
  return v;
}

Args parse_args(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      std::size_t n = std::strlen(name);
      if (arg.size() > n && arg.compare(0, n, name) == 0 && arg[n] == '=') return argv[i] + n + 1;
      if (i + 1 >= argc) throw std::invalid_argument(std::string(name) + " needs a value");
      return argv[++i];
    };
    auto is = [&](const char* name) {
      std::size_t n = std::strlen(name);
      return arg == name || (arg.size() > n && arg.compare(0, n, name) == 0 && arg[n] == '=');
    };
    if (is("--ports")) {
      a.ports = value("--ports");
    } else if (is("--concurrency")) {
      double v = parse_number("--concurrency", value("--concurrency"));
      if (v < 1 || v > 1'000'000 || v != static_cast<int>(v)) throw std::invalid_argument("--concurrency must be a whole number >= 1");
      a.options.concurrency = static_cast<int>(v);
    } else if (is("--timeout")) {
      double v = parse_number("--timeout", value("--timeout"));
      if (!(v > 0 && v <= 3600)) throw std::invalid_argument("--timeout must be in (0, 3600] seconds");
      a.options.timeout = std::chrono::nanoseconds(static_cast<std::int64_t>(v * 1e9));
    } else if (is("--retries")) {
      double v = parse_number("--retries", value("--retries"));
      if (v < 0 || v > 100 || v != static_cast<int>(v)) throw std::invalid_argument("--retries must be a whole number in 0-100");
      a.options.retries = static_cast<int>(v);
    } else if (arg.size() > 1 && arg[0] == '-' && arg != "-") {
      throw std::invalid_argument("unknown option " + arg);
    } else if (a.host.empty()) {
      a.host = arg;
    } else {
      throw std::invalid_argument("one HOST only, got " + a.host + " and " + arg);
    }
  }
  if (a.host.empty()) throw std::invalid_argument("HOST is missing");
  return a;
}

/// A numeric HOST as it is; a name through getaddrinfo (its first address).
Coro<std::string> resolve(std::string host) {
  try {
    SocketAddress(host, 0);
    co_return host;
  } catch (const std::invalid_argument&) {
  }
  auto infos = co_await getaddrinfo(host, 0, AddrInfoHints{.type = SOCK_STREAM});
  if (infos.empty()) throw std::invalid_argument("no address for " + host);
  co_return infos.front().address.host();
}

Coro<Result> resolve_and_scan(const Args& args, std::vector<std::uint16_t> ports, bool bar) {
  std::string ip = co_await resolve(args.host);
  std::printf("corio scan %s%s%s: %zu ports, %d at a time, timeout %g s\n", args.host.c_str(),
              ip == args.host ? "" : " = ", ip == args.host ? "" : ip.c_str(), ports.size(),
              args.options.concurrency, static_cast<double>(args.options.timeout.count()) / 1e9);
  std::fflush(stdout);
  Options options = args.options;
  if (bar) options.on_progress = &draw_bar;
  co_return co_await scan(ip, std::move(ports), options);
}

}  // namespace

int scan_main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0) {
      std::fputs(kUsage, stdout);
      return 0;
    }
  }
  Args args;
  std::vector<std::uint16_t> ports;
  try {
    args = parse_args(argc, argv);
    ports = parse_ports(args.ports);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "corio scan: %s\n\n%s", e.what(), kUsage);
    return 2;
  }
  bool bar = ::isatty(STDERR_FILENO) == 1;
  Result r;
  try {
    r = corio::run(resolve_and_scan(args, std::move(ports), bar));
  } catch (const std::exception& e) {
    if (bar) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "corio scan: %s\n", e.what());
    return 1;
  }
  if (bar) std::fputs("\r\033[K", stderr);
  for (std::uint16_t p : r.open) std::printf("%u/tcp open\n", static_cast<unsigned>(p));
  if (!r.filtered.empty()) std::printf("filtered: %s\n", ranges(r.filtered).c_str());
  std::printf("%zu open, %zu closed, %zu filtered in %.3f s\n", r.open.size(), r.closed, r.filtered.size(),
              r.seconds);
  if (r.timeouts || r.self_connects || r.local_errors) {
    std::printf("(%zu timed-out attempts, %zu self-connects counted closed, %zu attempts repeated after local errors)\n",
                r.timeouts, r.self_connects, r.local_errors);
  }
  return 0;
}

}  // namespace corio::scan
