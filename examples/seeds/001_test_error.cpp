// Seed 001, example 2: "an example that cannot run concurrently" (test_error).
//
//   loop = asyncio.get_event_loop()
//   async def func1(): await asyncio.sleep(1); return '1finished'
//   async def func2(): await asyncio.sleep(3); return '2finished'
//   async def test_error():
//       star = time.time()
//       coroutine1 = func1()
//       coroutine2 = func2()
//       await loop.create_task(coroutine1)
//       await loop.create_task(coroutine2)
//       print('all done', time.time()-star)
//   loop.run_until_complete(test_error())
//
// Shows: making the coroutine objects schedules nothing; each task is created only
// when the line before has finished awaiting the previous one, so the sleeps run one
// after the other: all done after 1 + 3 = 4 s.
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

corio::Coro<void> test_error() {
  double star = seeds::time_time();
  auto coroutine1 = func1();
  auto coroutine2 = func2();
  co_await loop->create_task(std::move(coroutine1));
  co_await loop->create_task(std::move(coroutine2));
  std::printf("all done %f\n", seeds::time_time() - star);
}

}  // namespace

int test_error_main() {
  auto owned = corio::new_event_loop();
  loop = owned.get();
  loop->run_until_complete(test_error());
  return 0;
}

}  // namespace seed001

CORIO_TOUR_STOP({
    .seed = "001",
    .index = 2,
    .name = "test_error",
    .title = "test_error: await loop.create_task(c1) then (c2): sequential, 4 s",
    .python = "await loop.create_task(coroutine1); await loop.create_task(coroutine2); print('all done', ...)",
    .shows = "a coroutine object does nothing until it becomes a task; creating each task only after "
             "awaiting the previous one serializes them",
    .expect_seconds = 4,
    .expect_why = "func1 sleeps 1 s, then func2 3 s: one after the other",
    .run = &seed001::test_error_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({R"(all done \d+\.\d+)"});
          c.number(R"(all done (\d+\.\d+))", 4.0, 4.5);
        },
});
