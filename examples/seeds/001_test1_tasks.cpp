// Seed 001, example 3: "written this way it is concurrent" (test1).
//
//   async def test1():
//       star = time.time()
//       coroutine1 = func1()
//       coroutine2 = func2()
//       task1 = loop.create_task(coroutine1)
//       task2 = loop.create_task(coroutine2)
//       await task1
//       await task2
//       print('all done', time.time()-star)
//   loop.run_until_complete(test1())
//
// Shows: both tasks are scheduled before the first await, so they run together; awaiting
// them one by one then takes as long as the longer one: all done after 3 s, not 4.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>
#include <utility>

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

corio::Coro<void> test1() {
  double star = seeds::time_time();
  auto coroutine1 = func1();
  auto coroutine2 = func2();
  auto task1 = loop->create_task(std::move(coroutine1));
  auto task2 = loop->create_task(std::move(coroutine2));
  co_await task1;
  co_await task2;
  std::printf("all done %f\n", seeds::time_time() - star);
}

}  // namespace

int test1_tasks_main() {
  auto owned = corio::new_event_loop();
  loop = owned.get();
  loop->run_until_complete(test1());
  return 0;
}

}  // namespace seed001

CORIO_TOUR_STOP({
    .seed = "001",
    .index = 3,
    .name = "test1_tasks",
    .title = "test1: create both tasks, then await each: concurrent, 3 s",
    .python = "task1 = loop.create_task(c1); task2 = loop.create_task(c2); await task1; await task2",
    .shows = "tasks start when created, so awaiting them in turn costs only the longest: 3 s, not 4",
    .expect_seconds = 3,
    .expect_why = "func1 (1 s) and func2 (3 s) overlap",
    .run = &seed001::test1_tasks_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({R"(all done \d+\.\d+)"});
          c.number(R"(all done (\d+\.\d+))", 3.0, 3.5);
        },
});
