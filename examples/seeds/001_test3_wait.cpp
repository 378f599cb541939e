// Seed 001, example 5: the same with asyncio.wait (test3).
//
//   async def test3():
//       star = time.time()
//       task1 = loop.create_task(func1())
//       task2 = loop.create_task(func2())
//       tasks = [task1, task2]
//       await asyncio.wait(tasks)
//       print(task1.result())
//       print('all done', time.time()-star)
//   loop.run_until_complete(test3())
//
// Shows: wait returns when all tasks are done (ALL_COMPLETED) without collecting
// results; they are read from the tasks. 3 s in all.
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

corio::Coro<void> test3() {
  double star = seeds::time_time();
  auto coroutine1 = func1();
  auto coroutine2 = func2();
  auto task1 = loop->create_task(std::move(coroutine1));
  auto task2 = loop->create_task(std::move(coroutine2));
  std::vector<corio::Task<std::string>> tasks = {task1, task2};
  co_await corio::wait(tasks);
  std::printf("%s\n", task1.result().c_str());
  std::printf("all done %f\n", seeds::time_time() - star);
}

}  // namespace

int test3_wait_main() {
  auto owned = corio::new_event_loop();
  loop = owned.get();
  loop->run_until_complete(test3());
  return 0;
}

}  // namespace seed001

CORIO_TOUR_STOP({
    .seed = "001",
    .index = 5,
    .name = "test3_wait",
    .title = "test3: await asyncio.wait(tasks): 3 s",
    .python = "tasks = [task1, task2]; await asyncio.wait(tasks); print(task1.result())",
    .shows = "wait returns once every task is done; the results stay in the tasks",
    .expect_seconds = 3,
    .expect_why = "func1 (1 s) and func2 (3 s) overlap",
    .run = &seed001::test3_wait_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({"1finished", R"(all done \d+\.\d+)"});
          c.number(R"(all done (\d+\.\d+))", 3.0, 3.5);
        },
});
