// Seed 000, example 15: asyncio.Queue with five workers.
//
//   async def test(queue: asyncio.Queue):
//       while 1:
//           item = await queue.get()
//           await asyncio.sleep(1)
//           print(item)
//           queue.task_done()
//   async def main():
//       queue = asyncio.Queue(-1)
//       for i in range(50):
//           await queue.put(i)
//       taskList = []
//       for i in range(5):
//           task = asyncio.create_task(test(queue))
//           taskList.append(task)
//       await queue.join()
//       for k in taskList:
//           k.cancel()
//       # await asyncio.gather(*taskList, return_exceptions=True)
//   start = time.time()
//   asyncio.run(main())
//   print(time.time() - start)
//
// Shows: five workers share one queue; each takes an item, works 1 s, marks it done;
// queue.join() returns when all 50 are done, after 50 / 5 = 10 s; then the workers,
// stuck forever in get(), are cancelled (asyncio.run would cancel them anyway).
#include <corio/corio.hpp>

#include <cstdio>
#include <vector>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

corio::Coro<void> test(corio::Queue<int>& queue) {
  while (true) {
    int item = co_await queue.get();
    co_await corio::sleep(1s);
    std::printf("%d\n", item);
    queue.task_done();
  }
}

corio::Coro<void> main_coro() {
  corio::Queue<int> queue(-1);  // maxsize <= 0: unbounded
  for (int i = 0; i < 50; ++i) co_await queue.put(i);
  std::vector<corio::Task<void>> taskList;
  for (int i = 0; i < 5; ++i) {
    auto task = corio::create_task(test(queue));
    taskList.push_back(task);
  }
  co_await queue.join();
  for (auto& k : taskList) k.cancel();
  // The seed leaves this commented out; without it asyncio.run cancels and waits for
  // the workers on the way out, and so does corio::run. It is needed here all the
  // same: the workers hold a reference to `queue`, which dies with this frame.
  co_await corio::gather(corio::return_exceptions, taskList);
}

}  // namespace

int queue_workers_main() {
  double start = seeds::time_time();
  corio::run(main_coro());
  std::printf("%f\n", seeds::time_time() - start);
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 15,
    .name = "queue_workers",
    .title = "asyncio.Queue: 50 items, 5 workers sleeping 1 s each: 10 s",
    .python = "queue = asyncio.Queue(-1); 50 x put; 5 x create_task(test(queue)); await queue.join(); k.cancel()",
    .shows = "workers share a queue; join() waits until every item is task_done(); the idle workers are cancelled",
    .expect_seconds = 10,
    .expect_why = "50 items, 5 at a time, 1 s each",
    .run = &seed000::queue_workers_main,
    .check =
        [](corio::tour::Check& c) {
          const auto& out = c.transcript().out;
          if (!c.expect(out.size() == 51, "expected 50 items and the time, got " + std::to_string(out.size()) +
                                              " lines"))
            return;
          // Items leave the queue in order, five per second.
          for (int i = 0; i < 50; ++i) {
            double at = out[static_cast<std::size_t>(i)].at;
            int round = std::stoi(out[static_cast<std::size_t>(i)].text) / 5 + 1;
            c.expect(at >= round - 0.01 && at < round + 0.5,
                     "item " + out[static_cast<std::size_t>(i)].text + " printed at " + std::to_string(at) +
                         " s, expected at ~" + std::to_string(round) + " s");
          }
          c.number(R"((\d+\.\d+))", 10.0, 10.5);
        },
});
