// Seed 001, example 7: "three ways to create a task; all work, pick your habit".
//
//   loop.create_task
//   asyncio.create_task
//   asyncio.ensure_future
//
// Shows: the three spellings make the same thing, a scheduled Task, here three func1()
// running at once (1 s in all). loop.create_task needs the loop in hand; create_task
// uses the running loop; ensure_future also passes a task or future through unchanged.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>

#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed001 {
namespace {

corio::Coro<std::string> func1() {
  co_await corio::sleep(1s);
  co_return "1finished";
}

corio::Coro<void> main_coro() {
  corio::Task<std::string> t1 = corio::get_running_loop().create_task(func1());  // loop.create_task
  corio::Task<std::string> t2 = corio::create_task(func1());                      // asyncio.create_task
  corio::Task<std::string> t3 = corio::ensure_future(func1());                    // asyncio.ensure_future
  corio::Task<std::string> same = corio::ensure_future(t3);                      // a task passes through
  co_await corio::gather(t1, t2, t3);
  std::printf("loop.create_task:      %s -> %s\n", t1.get_name().c_str(), t1.result().c_str());
  std::printf("asyncio.create_task:   %s -> %s\n", t2.get_name().c_str(), t2.result().c_str());
  std::printf("asyncio.ensure_future: %s -> %s\n", t3.get_name().c_str(), t3.result().c_str());
  std::printf("ensure_future(task) is task: %s\n", same == t3 ? "True" : "False");
}

}  // namespace

int create_task_three_ways_main() {
  corio::run(main_coro());
  return 0;
}

}  // namespace seed001

CORIO_TOUR_STOP({
    .seed = "001",
    .index = 7,
    .name = "create_task_three_ways",
    .title = "loop.create_task, asyncio.create_task, asyncio.ensure_future",
    .python = "loop.create_task / asyncio.create_task / asyncio.ensure_future",
    .shows = "three spellings of one thing: a scheduled task; three func1() run at once",
    .expect_seconds = 1,
    .expect_why = "three 1 s func1() overlap",
    .run = &seed001::create_task_three_ways_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({R"(loop.create_task: +Task-\d+ -> 1finished)", R"(asyncio.create_task: +Task-\d+ -> 1finished)",
                         R"(asyncio.ensure_future: Task-\d+ -> 1finished)", "ensure_future\\(task\\) is task: True"});
        },
});
