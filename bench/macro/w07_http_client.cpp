// W7 http-client: N GETs to a local HTTP server (nginx answering "Hello, World!"), CONC
// at a time, over one ClientSession whose TCPConnector has limit = CONC (BENCH.md W7).
//
// usage: w07_http_client URL [N=20000] [CONC=100] [MODE=workers]
//
// MODE workers: CONC tasks each take the next request number from a shared counter
//               until N have been sent (wrk's model: CONC requests always in flight).
// MODE tasks:   N tasks gathered at once, the connector's limit (CONC) queueing them
//               (the usual aiohttp idiom: gather(*[fetch(u) for u in urls])).
// Every response must be 200 with the body of the first one; the body is read whole
// (response.read()). Timed from before the first request (connections are opened
// inside the run, as a client would) to the last body read. The driver is chosen by
// CORIO_DRIVER (uring | epoll).
//
// Prints one JSON line: requests, requests_per_s, wall_s, cpu_s (this process, user +
// system), connections_made, reused, body_bytes, driver, impl.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "corio/http/client.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/loop/runner.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/gather.hpp"

namespace {

struct State {
  long n = 0;
  long next = 0;
  long done = 0;
  long bad = 0;
  long body_bytes = 0;
  std::string first_body;
};

double cpu_s() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

corio::Coro<void> fetch(corio::http::ClientSession& session, const corio::http::URL& url, State& st) {
  auto resp = co_await session.get(url);
  std::string body = co_await resp.read();
  if (resp.status() != 200) ++st.bad;
  if (st.first_body.empty()) st.first_body = body;
  else if (body != st.first_body) ++st.bad;
  st.body_bytes += static_cast<long>(body.size());
  ++st.done;
}

corio::Coro<void> worker(corio::http::ClientSession& session, const corio::http::URL& url, State& st) {
  while (st.next < st.n) {
    ++st.next;
    co_await fetch(session, url, st);
  }
}

corio::Coro<void> bench_main(std::string url_text, long n, long conc, std::string mode) {
  corio::http::URL url(url_text);
  corio::http::ConnectorOptions copts;
  copts.limit = static_cast<std::size_t>(conc);
  corio::http::SessionOptions sopts;
  sopts.connector = corio::http::TCPConnector(copts);
  corio::http::ClientSession session(std::move(sopts));
  State st;
  st.n = n;
  const double c0 = cpu_s();
  const auto t0 = bench::Clock::now();
  std::vector<corio::Task<void>> tasks;
  if (mode == "workers") {
    tasks.reserve(static_cast<std::size_t>(conc));
    for (long i = 0; i < conc; ++i) tasks.push_back(corio::create_task(worker(session, url, st)));
  } else {
    tasks.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) tasks.push_back(corio::create_task(fetch(session, url, st)));
  }
  co_await corio::gather(tasks);
  const double ns = bench::ns_since(t0);
  const double cpu = cpu_s() - c0;
  const auto stats = session.connector().statistics();
  co_await session.close();
  if (st.done != n || st.bad != 0) {
    std::fprintf(stderr, "w07_http_client: %ld of %ld done, %ld bad responses\n", st.done, n, st.bad);
    std::exit(1);
  }
  const std::string driver = corio::get_running_loop().driver_name();
  bench::Json("w07")
      .str("impl", "corio ClientSession (" + bench::compiler() + ", " + driver + ")")
      .str("driver", driver)
      .str("mode", mode)
      .integer("requests", n)
      .integer("concurrency", conc)
      .num("requests_per_s", static_cast<double>(n) / (ns / 1e9))
      .num("wall_s", ns / 1e9)
      .num("cpu_s", cpu)
      .integer("connections_made", static_cast<long long>(stats.connections_made))
      .integer("reused", static_cast<long long>(stats.reused))
      .integer("body_bytes", st.body_bytes)
      .integer("pid", ::getpid())
      .print();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: w07_http_client URL [N=20000] [CONC=100] [MODE=workers|tasks]\n");
    return 2;
  }
  const long n = bench::arg_count(argc, argv, 2, 20000);
  const long conc = bench::arg_count(argc, argv, 3, 100);
  const std::string mode = argc > 4 ? argv[4] : "workers";
  if (mode != "workers" && mode != "tasks") {
    std::fprintf(stderr, "w07_http_client: MODE must be workers or tasks\n");
    return 2;
  }
  corio::run(bench_main(argv[1], n, conc, mode));
  return 0;
}
