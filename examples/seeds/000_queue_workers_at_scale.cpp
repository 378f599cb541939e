// Seed 000, example 15 at scale: the same worker pool on 100,000 items and 500 workers.
//
//   queue = asyncio.Queue(-1)
//   for i in range(100000): await queue.put(i)
//   tasks = [asyncio.create_task(test(queue)) for _ in range(500)]
//   await queue.join()
//   for k in tasks: k.cancel()
//   await asyncio.gather(*tasks, return_exceptions=True)
//
// Shows: the pattern of example 15 does not change with its size. 500 workers take
// turns on one queue (getters are served first come first served, so each worker
// handles exactly 200 items); join() returns when the last of the 100,000 items is
// task_done(). Each item's "work" is a 10 ms sleep (the seed's is 1 s, which would make
// this 200 s), so the run takes 100,000 / 500 x 10 ms = 2 s; what goes beyond that is
// the cost of 100,000 gets, sleeps and task_done()s. tests/sync/queue_test.cpp runs the
// 1 s version on the virtual clock.
#include <corio/corio.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

constexpr int kItems = 100'000;
constexpr int kWorkers = 500;

corio::Coro<void> worker(corio::Queue<int>& queue, std::vector<char>& seen, int& handled) {
  while (true) {
    int item = co_await queue.get();
    co_await corio::sleep(10ms);
    ++seen[static_cast<std::size_t>(item)];
    ++handled;
    queue.task_done();
  }
}

corio::Coro<void> main_coro() {
  corio::Queue<int> queue(-1);
  for (int i = 0; i < kItems; ++i) co_await queue.put(i);
  std::vector<char> seen(kItems, 0);
  std::vector<int> handled(kWorkers, 0);
  std::vector<corio::Task<void>> tasks;
  for (int w = 0; w < kWorkers; ++w)
    tasks.push_back(corio::create_task(worker(queue, seen, handled[static_cast<std::size_t>(w)])));
  co_await queue.join();
  for (auto& k : tasks) k.cancel();
  co_await corio::gather(corio::return_exceptions, tasks);
  auto [fewest, most] = std::minmax_element(handled.begin(), handled.end());
  std::printf("items handled once: %ld of %d\n", static_cast<long>(std::count(seen.begin(), seen.end(), 1)),
              kItems);
  std::printf("items per worker: %d to %d\n", *fewest, *most);
}

}  // namespace

int queue_workers_at_scale_main() {
  double start = seeds::time_time();
  corio::run(main_coro());
  std::printf("%f\n", seeds::time_time() - start);
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 15,
    .name = "queue_workers_at_scale",
    .title = "asyncio.Queue at scale: 100,000 items, 500 workers sleeping 10 ms each: 2 s",
    .python = "queue = asyncio.Queue(-1); 100000 x put; 500 x create_task(test(queue)); await queue.join()",
    .shows = "the worker pool of 000.15 at 2,000x the items; FIFO getters share the work evenly",
    .expect_seconds = 2,
    .expect_why = "100,000 items, 500 at a time, 10 ms each",
    .run = &seed000::queue_workers_at_scale_main,
    .check =
        [](corio::tour::Check& c) {
          c.number(R"(items handled once: (\d+) of 100000)", 100000, 100000);
          c.number(R"(items per worker: (\d+) to \d+)", 200, 200);
          c.number(R"(items per worker: \d+ to (\d+))", 200, 200);
          c.number(R"((\d+\.\d+))", 2.0, 2.5);
        },
});
