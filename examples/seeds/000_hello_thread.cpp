// Seed 000, examples 5 and 6: hello() run by the event loop, first written with
// @asyncio.coroutine / yield from (which Python 3.8 deprecates and 3.11 removed), then
// with async def / await, which "does the same".
//
//   @asyncio.coroutine                       async def hello():
//   def hello():                                 print('Hello world! (%s)' % threading.currentThread())
//       print('Hello world! (%s)' % ...)         await asyncio.sleep(1)
//       yield from asyncio.sleep(1)              print('Hello again! (%s)' % threading.currentThread())
//       print('Hello again! (%s)' % ...)
//   loop = asyncio.get_event_loop()
//   loop.run_until_complete(hello())
//
// Shows: a coroutine runs on the loop of the calling (main) thread; at the await it
// gives the loop back, and one second later the loop resumes it where it stopped. In
// corio both spellings are one thing: a function returning corio::Coro that co_awaits.
//
// Difference: asyncio.get_event_loop() made a loop for the main thread on first use;
// corio never makes one implicitly, new_event_loop() does.
#include <corio/corio.hpp>

#include <cstdio>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

corio::Coro<void> hello() {
  std::printf("Hello world! (%s)\n", seeds::current_thread().c_str());
  co_await corio::sleep(1s);  // yield from asyncio.sleep(1) / await asyncio.sleep(1)
  std::printf("Hello again! (%s)\n", seeds::current_thread().c_str());
}

}  // namespace

int hello_thread_main() {
  auto loop = corio::new_event_loop();  // asyncio.get_event_loop()
  loop->run_until_complete(hello());
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 5,
    .name = "hello_thread",
    .title = "hello(): Hello world!, sleep 1 s, Hello again! (also example 6, async def)",
    .python = "@asyncio.coroutine def hello(): print(...); yield from asyncio.sleep(1); print(...)  "
              "loop.run_until_complete(hello())",
    .shows = "the loop runs the coroutine on the main thread; the await hands the loop back for 1 s",
    .expect_seconds = 1,
    .expect_why = "one asyncio.sleep(1)",
    .run = &seed000::hello_thread_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({R"(Hello world! \(<_MainThread\(MainThread, started \d+\)>\))",
                         R"(Hello again! \(<_MainThread\(MainThread, started \d+\)>\))"});
          c.appears_at("Hello again! .*", 1.0, 1.5);
        },
});
