// Seed 000, examples 9 and 10: asyncio.wait takes tasks or coroutines, and either way
// two hello() take one second.
//
//   startTime = time.time()
//   loop = asyncio.get_event_loop()
//   tasks = [loop.create_task(hello()), loop.create_task(hello())]    # example 9
//   # tasks = [hello(), hello()]                                      # example 10
//   a, b = loop.run_until_complete(asyncio.wait(tasks))
//   print(time.time() - startTime)
//
// Shows: "awaitables come in three kinds: coroutines, tasks and futures"; wait() accepts
// the tasks create_task returns, and (in Python 3.8) bare coroutines, which it wraps in
// tasks itself. It returns the (done, pending) pair, here a, b.
//
// Difference: Python 3.11 removed the coroutine form ("Passing coroutines is forbidden,
// use tasks explicitly") and corio::wait likewise takes tasks or futures, so example
// 10 spells out what 3.8's wait did: ensure_future() on each coroutine.
#include <corio/corio.hpp>

#include <cstdio>
#include <utility>
#include <vector>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

corio::Coro<void> hello() {
  std::printf("Hello world! (%s)\n", seeds::current_thread().c_str());
  co_await corio::sleep(1s);
  std::printf("Hello again! (%s)\n", seeds::current_thread().c_str());
}

// asyncio.wait(coroutines) as Python 3.8 had it: each coroutine becomes a task.
corio::Coro<corio::WaitResult<corio::Task<void>>> wait(std::vector<corio::Coro<void>> coros) {
  std::vector<corio::Task<void>> tasks;
  for (auto& c : coros) tasks.push_back(corio::ensure_future(std::move(c)));
  co_return co_await corio::wait(std::move(tasks));
}

}  // namespace

int wait_tasks_or_coros_main() {
  {
    double startTime = seeds::time_time();
    auto loop = corio::new_event_loop();
    std::vector<corio::Task<void>> tasks = {loop->create_task(hello()), loop->create_task(hello())};
    auto [a, b] = loop->run_until_complete(corio::wait(tasks));
    std::printf("%f\n", seeds::time_time() - startTime);
    (void)a, (void)b;
  }
  {
    double startTime = seeds::time_time();
    auto loop = corio::new_event_loop();
    std::vector<corio::Coro<void>> tasks;
    tasks.push_back(hello());
    tasks.push_back(hello());
    auto [a, b] = loop->run_until_complete(wait(std::move(tasks)));
    std::printf("%f\n", seeds::time_time() - startTime);
    (void)a, (void)b;
  }
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 9,
    .name = "wait_tasks_or_coros",
    .title = "asyncio.wait over tasks, then over coroutines: 1 s each (also 000.10)",
    .python = "tasks = [loop.create_task(hello()), ...] or [hello(), hello()]; "
              "a, b = loop.run_until_complete(asyncio.wait(tasks)); print(time.time() - startTime)",
    .shows = "wait() waits for tasks made by create_task or from coroutines; two 1 s hellos take 1 s both ways",
    .expect_seconds = 2,
    .expect_why = "two runs, each of two 1 s sleeps that overlap",
    .run = &seed000::wait_tasks_or_coros_main,
    .check =
        [](corio::tour::Check& c) {
          const char* world = R"(Hello world! \(<_MainThread\(MainThread, started \d+\)>\))";
          const char* again = R"(Hello again! \(<_MainThread\(MainThread, started \d+\)>\))";
          const char* secs = R"(\d+\.\d+)";
          c.lines_match({world, world, again, again, secs, world, world, again, again, secs});
          const auto& out = c.transcript().out;
          if (out.size() == 10) {
            for (std::size_t i : {4u, 9u}) {
              double t = std::stod(out[i].text);
              c.expect(t >= 1.0 && t < 1.5, "each run must take about 1 s, took " + out[i].text);
            }
          }
        },
});
