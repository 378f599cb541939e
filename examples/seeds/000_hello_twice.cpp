// Seed 000, examples 7 and 8 (the same code twice), and seed 003, example 19: two
// hello() at once take one second, not two.
//
//   async def hello():                       # seed 003: @asyncio.coroutine + yield from
//       print('Hello world! (%s)' % threading.currentThread())
//       await asyncio.sleep(1)
//       print('Hello again! (%s)' % threading.currentThread())
//   loop = asyncio.get_event_loop()
//   tasks = [hello(), hello()]
//   loop.run_until_complete(asyncio.wait(tasks))
//   loop.close()                             # seed 003
//
// Seed 003 shows the output: two "Hello world!" lines, "(pause of about 1 second)", two
// "Hello again!" lines, all from the same MainThread.
//
// Shows: while one coroutine waits the loop runs the other; the two 1 s sleeps
// overlap in one thread.
//
// Difference: asyncio.wait() wrapped bare coroutines in tasks itself until Python 3.11,
// which (like corio) asks for tasks: each hello() goes through loop.create_task.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

corio::Coro<void> hello() {
  std::printf("Hello world! (%s)\n", seeds::current_thread().c_str());
  co_await corio::sleep(1s);
  std::printf("Hello again! (%s)\n", seeds::current_thread().c_str());
}

}  // namespace

int hello_twice_main() {
  auto loop = corio::new_event_loop();
  std::vector<corio::Task<void>> tasks = {loop->create_task(hello()), loop->create_task(hello())};
  loop->run_until_complete(corio::wait(tasks));
  loop->close();
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 7,
    .name = "hello_twice",
    .title = "two hello() under asyncio.wait take 1 s (also 000.8 and 003.19)",
    .python = "tasks = [hello(), hello()]; loop.run_until_complete(asyncio.wait(tasks))",
    .shows = "the loop switches coroutines at await: both sleep at the same time in one thread",
    .expect_seconds = 1,
    .expect_why = "two 1 s sleeps overlap",
    .run = &seed000::hello_twice_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({R"(Hello world! \(<_MainThread\(MainThread, started \d+\)>\))",
                         R"(Hello world! \(<_MainThread\(MainThread, started \d+\)>\))",
                         R"(Hello again! \(<_MainThread\(MainThread, started \d+\)>\))",
                         R"(Hello again! \(<_MainThread\(MainThread, started \d+\)>\))"});
          const auto& out = c.transcript().out;
          if (out.size() == 4) {
            c.expect(out[1].at < 0.5, "both hello() must start before either sleeps out");
            c.expect(out[2].at >= 1.0 && out[3].at < 1.5, "both must wake after 1 s, together");
            auto thread = [](const std::string& l) { return l.substr(l.find('(')); };
            c.expect(thread(out[0].text) == thread(out[3].text), "all four lines come from the same thread");
          }
        },
});
