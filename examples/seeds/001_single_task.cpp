// Seed 001, example 1: one task, step by step ("how an asyncio coroutine works").
//
//   loop = asyncio.get_event_loop()                       #1 the event loop
//   async def func1(): await asyncio.sleep(1); return '1finished'
//   async def func2(): await asyncio.sleep(3); return '2finished'
//   coroutine = func1()                                   #3 a coroutine object
//   task = loop.create_task(coroutine)                    #4 a task
//   def _callback(task):                                  #5 a done callback
//       print(f'回调函数获得结果:{task.result()}')          #  "the callback got the result"
//   task.add_done_callback(_callback)
//   loop.run_until_complete(task)                         #6 run the loop
//   print(task.result())                                  #7 the result
//
// Shows: the four steps: make a coroutine, wrap it in a task, optionally add a done
// callback, run it on the loop and take its result. The callback runs, on the loop,
// before run_until_complete returns.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>
#include <utility>

#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed001 {
namespace {

corio::Coro<std::string> func1() {
  co_await corio::sleep(1s);
  co_return "1finished";
}
[[maybe_unused]] corio::Coro<std::string> func2() {  // defined by the seed, unused
  co_await corio::sleep(3s);
  co_return "2finished";
}

}  // namespace

int single_task_main() {
  auto loop = corio::new_event_loop();                      // 1
  auto coroutine = func1();                                 // 3
  corio::Task<std::string> task = loop->create_task(std::move(coroutine));  // 4
  auto _callback = [](corio::Task<std::string>& task) {     // 5
    std::printf("the callback got the result: %s\n", task.result().c_str());
  };
  task.add_done_callback(_callback);
  loop->run_until_complete(task);                           // 6
  std::printf("%s\n", task.result().c_str());               // 7
  return 0;
}

}  // namespace seed001

CORIO_TOUR_STOP({
    .seed = "001",
    .index = 1,
    .name = "single_task",
    .title = "one task: create_task, add_done_callback, run_until_complete, result()",
    .python = "task = loop.create_task(func1()); task.add_done_callback(_callback); "
              "loop.run_until_complete(task); print(task.result())",
    .shows = "coroutine -> task -> callback -> loop -> result; the callback runs before run_until_complete returns",
    .expect_seconds = 1,
    .expect_why = "func1 sleeps 1 s",
    .run = &seed001::single_task_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"the callback got the result: 1finished", "1finished"});
          c.appears_at("the callback got the result: 1finished", 1.0, 1.5);
        },
});
