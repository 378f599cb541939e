// Seed 004, example 9: the same coroutine with async/await.
//
//   async def coroutine():
//       print("Coroutine started")
//       value = await asyncio.sleep(1)  # 模拟异步操作 (a simulated async operation)
//       print("Coroutine received:", value)
//   asyncio.run(coroutine())
//
// Shows: the coroutine awaits instead of yielding; the event loop (made by
// asyncio.run) resumes it once the 1 s sleep is over, with the sleep's result, None.
//
// Difference: corio::sleep returns nothing (asyncio.sleep's optional `result` argument
// has no corio counterpart), so None is printed as such.
#include <corio/corio.hpp>

#include <cstdio>

#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed004 {
namespace {

corio::Coro<void> coroutine() {
  std::printf("Coroutine started\n");
  co_await corio::sleep(1s);  // value = await asyncio.sleep(1): value is None
  std::printf("Coroutine received: %s\n", "None");
}

}  // namespace

int async_coroutine_main() {
  corio::run(coroutine());
  return 0;
}

}  // namespace seed004

CORIO_TOUR_STOP({
    .seed = "004",
    .index = 9,
    .name = "async_coroutine",
    .title = "value = await asyncio.sleep(1) under asyncio.run",
    .python = "async def coroutine(): print(...); value = await asyncio.sleep(1); print(...);  "
              "asyncio.run(coroutine())",
    .shows = "await suspends the coroutine and the loop resumes it when the sleep is over",
    .expect_seconds = 1,
    .expect_why = "one asyncio.sleep(1)",
    .run = &seed004::async_coroutine_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"Coroutine started", "Coroutine received: None"});
          c.appears_at("Coroutine received: None", 1.0, 1.5);
        },
});
