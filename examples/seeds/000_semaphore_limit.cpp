// Seed 000, example 16: a Semaphore limits 100,000 requests to 5 at a time.
//
//   async def hello(sem, url):
//       async with sem:
//           async with ClientSession() as session:
//               async with session.get(f'http://localhost:8080/{url}') as response:
//                   r = await response.read()
//                   print(r)
//                   await asyncio.sleep(1)
//   def main():
//       loop = asyncio.get_event_loop()
//       tasks = []
//       sem = asyncio.Semaphore(5)  # this
//       for i in range(100000):
//           task = asyncio.ensure_future(hello(sem, i))
//           tasks.append(task)
//       feature = asyncio.ensure_future(asyncio.gather(*tasks))
//       loop.run_until_complete(feature)
//
// Shows: all 100,000 tasks exist at once, but `async with sem` lets only 5 of them into
// the request at a time; the others wait in the semaphore's queue, first come first
// served, and each release hands the permit to the next one.
//
// The server is a local stand-in for the seed's localhost:8080 (local_site.hpp, "Hello,
// <i>" for /hello/<i>). Two departures from the seed: the requests share one
// ClientSession (the seed opens one per request; 100,000 client-closed connections
// would leave more sockets in TIME_WAIT than loopback has ephemeral ports), and the
// seed's 1 s pause inside the semaphore is 100 us (with 1 s the run would take 100,000
// / 5 s, five and a half hours). The seed prints every body; this prints one line per
// 10,000 responses and a summary.
#include <corio/corio.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include <corio/http/client.hpp>

#include "local_site.hpp"
#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

constexpr int kRequests = 100'000;
constexpr int kLimit = 5;

struct Stats {
  int inside = 0;  // requests in progress right now
  int peak = 0;
  int done = 0;
  std::size_t connections = 0;
};

/// session.get(f'http://localhost:8080/{url}') + response.read(), as the seed's b'...'.
corio::Coro<std::string> get(corio::http::ClientSession& session, const std::string& base, int url) {
  auto response = co_await session.get(base + std::to_string(url));
  std::string r = co_await response.read();
  co_return "b'" + r + "'";
}

corio::Coro<void> hello(corio::Semaphore& sem, corio::http::ClientSession& session, const std::string& base,
                        int url, Stats& stats) {
  auto permit = co_await sem.scoped();  // async with sem:
  stats.peak = std::max(stats.peak, ++stats.inside);
  std::string r = co_await get(session, base, url);
  co_await corio::sleep(100us);  // the seed's asyncio.sleep(1), shortened
  --stats.inside;
  if (++stats.done % 10'000 == 0) std::printf("%d responses, last %s\n", stats.done, r.c_str());
}

corio::Coro<void> main_coro(Stats& stats) {
  seeds::LocalSite site = co_await seeds::start_local_site(std::chrono::milliseconds(0));
  std::string base = site.url("/hello/");
  corio::http::ClientSession session;
  corio::Semaphore sem(kLimit);  // this
  std::vector<corio::Task<void>> tasks;
  tasks.reserve(kRequests);
  for (int i = 0; i < kRequests; ++i) tasks.push_back(corio::ensure_future(hello(sem, session, base, i, stats)));
  co_await corio::gather(tasks);
  stats.connections = session.connector().statistics().connections_made;
  co_await session.close();
  co_await site.close();
}

}  // namespace

int semaphore_limit_main() {
  Stats stats;
  double start = seeds::time_time();
  corio::run(main_coro(stats));
  std::printf("%d requests, at most %d at a time, in %.2f s over %zu connections\n", stats.done, stats.peak,
              seeds::time_time() - start, stats.connections);
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 16,
    .name = "semaphore_limit",
    .title = "asyncio.Semaphore(5) limits 100,000 HTTP GETs (to a local server) to 5 at a time",
    .python = "sem = asyncio.Semaphore(5); 100000 x ensure_future(hello(sem, i)); async with sem: await session.get(...)",
    .shows = "100,000 tasks exist at once, but the semaphore lets only 5 into the request; permits go first come, first served",
    .run = &seed000::semaphore_limit_main,
    .check =
        [](corio::tour::Check& c) {
          const auto& out = c.transcript().out;
          c.expect(c.count(R"(\d+ responses, last b'Hello, \d+')") == 10, "expected 10 progress lines");
          c.expect(!out.empty() && out.back().text.rfind("100000 requests, at most 5 at a time", 0) == 0,
                   "expected the summary '100000 requests, at most 5 at a time, ...'");
          // Permits go out in arrival order, so the last response is the last task's.
          c.expect(c.count(R"(100000 responses, last b'Hello, 99999')") == 1,
                   "the 100,000th response should be request 99999's (FIFO permits)");
        },
});
