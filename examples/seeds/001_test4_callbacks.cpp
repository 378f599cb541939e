// Seed 001, example 6: "callbacks with several tasks: add one to each task" (test4).
//
//   def callback(task):
//       print(f'回调函数触发:{task.result()}')        # "callback fired"
//   async def test4():
//       star = time.time()
//       task1 = loop.create_task(func1())
//       task2 = loop.create_task(func2())
//       tasks = [task1, task2]
//       for task in tasks:
//           task.add_done_callback(callback)
//       await asyncio.gather(*tasks)
//       print('all done', time.time()-star)
//   loop.run_until_complete(test3())   # sic: the seed runs test3 here; test4 is meant
//
// Shows: each callback fires as its own task finishes (after 1 s, then after 3 s),
// before gather hands control back to test4.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed001 {
namespace {

corio::EventLoop* loop;  // the seed's module-level loop

corio::Coro<std::string> func1() {
  co_await corio::sleep(1s);
  co_return "1finished";
}
corio::Coro<std::string> func2() {
  co_await corio::sleep(3s);
  co_return "2finished";
}

void callback(corio::Task<std::string>& task) {
  std::printf("callback fired: %s\n", task.result().c_str());
}

corio::Coro<void> test4() {
  double star = seeds::time_time();
  auto coroutine1 = func1();
  auto coroutine2 = func2();
  auto task1 = loop->create_task(std::move(coroutine1));
  auto task2 = loop->create_task(std::move(coroutine2));
  std::vector<corio::Task<std::string>> tasks = {task1, task2};
  for (auto& task : tasks) task.add_done_callback(callback);
  co_await corio::gather(tasks);
  std::printf("all done %f\n", seeds::time_time() - star);
}

}  // namespace

int test4_callbacks_main() {
  auto owned = corio::new_event_loop();
  loop = owned.get();
  loop->run_until_complete(test4());
  return 0;
}

}  // namespace seed001

CORIO_TOUR_STOP({
    .seed = "001",
    .index = 6,
    .name = "test4_callbacks",
    .title = "test4: a done callback on each task, then gather: 3 s",
    .python = "for task in tasks: task.add_done_callback(callback); await asyncio.gather(*tasks)",
    .shows = "each task's callback fires when that task finishes (1 s, 3 s), before gather returns",
    .expect_seconds = 3,
    .expect_why = "func1 (1 s) and func2 (3 s) overlap",
    .run = &seed001::test4_callbacks_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({"callback fired: 1finished", "callback fired: 2finished", R"(all done \d+\.\d+)"});
          c.appears_at("callback fired: 1finished", 1.0, 1.5);
          c.appears_at("callback fired: 2finished", 3.0, 3.5);
          c.number(R"(all done (\d+\.\d+))", 3.0, 3.5);
        },
});
