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
// STAND-IN: corio has no HTTP client yet, so `fake_get` below stands in for the
// ClientSession GET and the 1 s pause: a 100 us sleep returning a made-up body. With the
// seed's real 1 s the run would take 100,000 / 5 s, five and a half hours. The seed
// prints every body; this prints one line per 10,000 responses and a summary. Replace
// `fake_get` with the HTTP client's session.get(...).read() once it exists.
#include <corio/corio.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

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
};

/// STAND-IN for `session.get(f'http://localhost:8080/{url}')` + `response.read()` and
/// the seed's `asyncio.sleep(1)`: a short sleep, then a body.
corio::Coro<std::string> fake_get(int url) {
  co_await corio::sleep(100us);
  co_return "b'Hello, " + std::to_string(url) + "'";
}

corio::Coro<void> hello(corio::Semaphore& sem, int url, Stats& stats) {
  auto permit = co_await sem.scoped();  // async with sem:
  stats.peak = std::max(stats.peak, ++stats.inside);
  std::string r = co_await fake_get(url);
  --stats.inside;
  if (++stats.done % 10'000 == 0) std::printf("%d responses, last %s\n", stats.done, r.c_str());
}

corio::Coro<void> main_coro(Stats& stats) {
  corio::Semaphore sem(kLimit);  // this
  std::vector<corio::Task<void>> tasks;
  tasks.reserve(kRequests);
  for (int i = 0; i < kRequests; ++i) tasks.push_back(corio::ensure_future(hello(sem, i, stats)));
  co_await corio::gather(tasks);
}

}  // namespace

int semaphore_limit_main() {
  Stats stats;
  double start = seeds::time_time();
  corio::run(main_coro(stats));
  std::printf("%d requests, at most %d at a time, in %.2f s\n", stats.done, stats.peak,
              seeds::time_time() - start);
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 16,
    .name = "semaphore_limit",
    .title = "asyncio.Semaphore(5) limits 100,000 requests to 5 at a time (HTTP GET stood in by a sleep)",
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
