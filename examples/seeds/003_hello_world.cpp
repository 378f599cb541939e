// Seed 003, examples 18 and 21: asyncio's Hello world, first as a generator-based
// coroutine, then "with the new syntax: replace @asyncio.coroutine by async and
// yield from by await; the rest stays the same".
//
//   @asyncio.coroutine                       async def hello():
//   def hello():                                 print("Hello world!")
//       print("Hello world!")                    r = await asyncio.sleep(1)
//       # 异步调用asyncio.sleep(1):               print("Hello again!")
//       r = yield from asyncio.sleep(1)
//       print("Hello again!")
//   loop = asyncio.get_event_loop()          # get the EventLoop
//   loop.run_until_complete(hello())         # run the coroutine
//   loop.close()
//
// Shows: the coroutine prints, hands the thread back to the loop at the sleep ("the
// thread does not wait for asyncio.sleep(), it goes on with the next message of the
// loop"), and is resumed one second later. Both spellings are one corio::Coro.
//
// Difference: asyncio.sleep(1) returns None into r; corio::sleep returns nothing.
#include <corio/corio.hpp>

#include <cstdio>

#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed003 {
namespace {

corio::Coro<void> hello() {
  std::printf("Hello world!\n");
  co_await corio::sleep(1s);  // r = yield from asyncio.sleep(1) / r = await asyncio.sleep(1)
  std::printf("Hello again!\n");
}

}  // namespace

int hello_world_main() {
  auto loop = corio::new_event_loop();  // asyncio.get_event_loop()
  loop->run_until_complete(hello());
  loop->close();
  return 0;
}

}  // namespace seed003

CORIO_TOUR_STOP({
    .seed = "003",
    .index = 18,
    .name = "hello_world",
    .title = "asyncio Hello world: yield from / await asyncio.sleep(1) (also 003.21)",
    .python = "@asyncio.coroutine def hello(): print('Hello world!'); r = yield from asyncio.sleep(1); "
              "print('Hello again!')",
    .shows = "at the sleep the coroutine gives the thread back to the loop, which resumes it 1 s later",
    .expect_seconds = 1,
    .expect_why = "one asyncio.sleep(1)",
    .run = &seed003::hello_world_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"Hello world!", "Hello again!"});
          c.appears_at("Hello again!", 1.0, 1.5);
        },
});
