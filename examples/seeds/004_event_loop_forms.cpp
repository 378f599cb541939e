// Seed 004, examples 1 and 2: an I/O wait, and the two ways to run a coroutine from
// synchronous code.
//
//   # io等待 (an I/O wait)
//   async def download(url):
//       await asyncio.sleep(1)
//
//   # python 3.5/3.6
//   loop = asyncio.get_event_loop()
//   results = loop.run_until_complete(fetch(url))
//   # python 3.7
//   asyncio.run(fetch(url))
//
// Shows: "we cannot call an async function directly; asyncio's event loop runs it":
// loop.run_until_complete (a loop we own) and asyncio.run (a fresh loop, closed after)
// both run it to the end and hand back its result.
//
// Difference: the seed runs fetch(url), an aiohttp GET (needs the http layer); here
// both forms run the seed's download(url), whose I/O is a 1 s sleep.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed004 {
namespace {

corio::Coro<void> download(std::string url) {
  (void)url;
  co_await corio::sleep(1s);
}

}  // namespace

int event_loop_forms_main() {
  std::string url = "https://www.example.com/page1";

  double start = seeds::time_time();
  auto loop = corio::new_event_loop();  // python 3.5/3.6
  loop->run_until_complete(download(url));
  loop->close();
  std::printf("loop.run_until_complete(download(url)): %.2f s\n", seeds::time_time() - start);

  start = seeds::time_time();
  corio::run(download(url));  // python 3.7
  std::printf("asyncio.run(download(url)): %.2f s\n", seeds::time_time() - start);
  return 0;
}

}  // namespace seed004

CORIO_TOUR_STOP({
    .seed = "004",
    .index = 1,
    .name = "event_loop_forms",
    .title = "download(url) run by loop.run_until_complete, then by asyncio.run (also 004.2)",
    .python = "async def download(url): await asyncio.sleep(1);  loop.run_until_complete(...) / asyncio.run(...)",
    .shows = "a coroutine only runs on a loop: one we made and close, or the one asyncio.run makes for it",
    .expect_seconds = 2,
    .expect_why = "two runs of a 1 s download",
    .run = &seed004::event_loop_forms_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({R"(loop.run_until_complete\(download\(url\)\): 1\.\d\d s)",
                         R"(asyncio.run\(download\(url\)\): 1\.\d\d s)"});
        },
});
