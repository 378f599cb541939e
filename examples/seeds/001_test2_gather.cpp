// Seed 001, example 4: "the usual way to be concurrent: asyncio.wait or asyncio.gather"
// (test2, with gather).
//
//   async def test2():
//       star = time.time()
//       task1 = loop.create_task(func1())
//       task2 = loop.create_task(func2())
//       tasks = [task1, task2]
//       result = await asyncio.gather(*tasks)
//       print(task1.result())
//       print('all done', time.time()-star)
//   loop.run_until_complete(test2())
//
// Shows: gather waits for every task and collects their results in order; each task
// keeps its own result too. 3 s in all.
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

corio::Coro<void> test2() {
  double star = seeds::time_time();
  auto coroutine1 = func1();
  auto coroutine2 = func2();
  auto task1 = loop->create_task(std::move(coroutine1));
  auto task2 = loop->create_task(std::move(coroutine2));
  std::vector<corio::Task<std::string>> tasks = {task1, task2};
  std::vector<std::string> result = co_await corio::gather(tasks);  // ['1finished', '2finished']
  std::printf("%s\n", task1.result().c_str());
  std::printf("all done %f\n", seeds::time_time() - star);
}

}  // namespace

int test2_gather_main() {
  auto owned = corio::new_event_loop();
  loop = owned.get();
  loop->run_until_complete(test2());
  return 0;
}

}  // namespace seed001

CORIO_TOUR_STOP({
    .seed = "001",
    .index = 4,
    .name = "test2_gather",
    .title = "test2: result = await asyncio.gather(*tasks): 3 s",
    .python = "tasks = [task1, task2]; result = await asyncio.gather(*tasks); print(task1.result())",
    .shows = "gather waits for all the tasks at once and returns their results in order",
    .expect_seconds = 3,
    .expect_why = "func1 (1 s) and func2 (3 s) overlap",
    .run = &seed001::test2_gather_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({"1finished", R"(all done \d+\.\d+)"});
          c.number(R"(all done (\d+\.\d+))", 3.0, 3.5);
        },
});
