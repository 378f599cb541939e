// Seed 000, example 13 (asyncio's _Local.get_event_loop, quoted from its source) and
// the thread side of example 14 (run_loop_inside_thread).
//
//   def get_event_loop(self):
//       if (self._local._loop is None and not self._local._set_called and
//               isinstance(threading.current_thread(), threading._MainThread)):
//           self.set_event_loop(self.new_event_loop())
//       if self._local._loop is None:
//           raise RuntimeError('There is no current event loop in thread %r.' % ...)
//       return self._local._loop
//
//   async def test():
//       await asyncio.sleep(1)
//       print('Hello again! (%s)' % threading.currentThread())
//   def run_loop_inside_thread():
//       loop = asyncio.new_event_loop()
//       asyncio.set_event_loop(loop)
//       loop.run_until_complete(asyncio.wait([getHttp(i) for i in tasks]))
//   for i in range(10):
//       threading.Thread(target=run_loop_inside_thread).start()
//
// Shows: "an event loop is not thread-safe: it schedules and runs tasks in one thread".
// The current loop is per thread; a new thread has none until it makes one with
// new_event_loop() and set_event_loop(), and then each thread runs its own loop, in
// parallel with the others.
//
// Differences: each thread's loop runs the seed's test() beside its ten getHttp()
// requests; the pages come from a local stand-in site (seeds/local_site.hpp, 100 ms per
// answer) that runs on a loop of its own thread (LoopThread), not from the internet;
// the threads are joined, which the seed forgets; corio's get_event_loop() makes no loop
// implicitly, on the main thread either.
#include <corio/corio.hpp>
#include <corio/exec/exec.hpp>
#include <corio/http/client.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "local_site.hpp"
#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

corio::Coro<void> test() {
  co_await corio::sleep(1s);
  std::printf("Hello again! (%s)\n", seeds::current_thread().c_str());
}

corio::Coro<std::size_t> getHttp(corio::http::ClientSession& session, std::string url) {
  auto resp = co_await session.get(url);
  std::string page = co_await resp.text();
  co_return page.size();
}

// The ten requests of one thread, at once on its loop; one line when all are answered.
corio::Coro<void> get_pages(std::string base) {
  corio::http::ClientSession session;
  std::vector<corio::Coro<std::size_t>> gets;
  for (int i = 0; i < 10; ++i) gets.push_back(getHttp(session, base + "/page/" + std::to_string(i)));
  std::vector<std::size_t> sizes = co_await corio::gather(std::move(gets));
  co_await session.close();
  std::size_t bytes = 0;
  for (std::size_t n : sizes) bytes += n;
  std::printf("%zu pages, %zu bytes (%s)\n", sizes.size(), bytes, seeds::current_thread().c_str());
}

void run_loop_inside_thread(const std::string& base) {
  auto loop = corio::new_event_loop();
  corio::set_event_loop(loop.get());
  corio::get_event_loop().run_until_complete([](std::string base) -> corio::Coro<void> {
    co_await corio::gather(test(), get_pages(std::move(base)));
  }(base));
  corio::set_event_loop(nullptr);
}

}  // namespace

int loop_in_thread_main() {
  std::thread([] {
    seeds::thread_name() = "Thread-0";
    try {
      corio::get_event_loop();
    } catch (const corio::RuntimeError& e) {
      std::printf("RuntimeError: %s (%s)\n", e.what(), seeds::current_thread().c_str());
    }
  }).join();

  // The site the threads fetch from answers on a loop of its own thread.
  corio::LoopThread site_thread("site");
  seeds::LocalSite site =
      corio::run_coroutine_threadsafe(seeds::start_local_site(100ms), site_thread.loop()).result();
  const std::string base = site.url("");

  std::vector<std::thread> threadTasks;
  for (int i = 0; i < 10; ++i) {
    threadTasks.emplace_back([i, &base] {
      seeds::thread_name() = "Thread-" + std::to_string(i + 1);
      run_loop_inside_thread(base);
    });
  }
  for (auto& t : threadTasks) t.join();
  corio::run_coroutine_threadsafe(site.close(), site_thread.loop()).result();
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 13,
    .name = "loop_in_thread",
    .title = "a loop per thread: none until set_event_loop, then 10 threads each run one, fetching 10 pages",
    .python = "def run_loop_inside_thread(): loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop); "
              "loop.run_until_complete(...)",
    .shows = "the current loop is thread-local; 10 threads run 10 loops in parallel, each fetching 10 pages "
             "at once (100 ms per answer) while sleeping 1 s",
    .expect_seconds = 1,
    .expect_why = "ten threads sleep 1 s in parallel, each on its own loop",
    .run = &seed000::loop_in_thread_main,
    .check =
        [](corio::tour::Check& c) {
          const auto& out = c.transcript().out;
          c.expect(out.size() == 21, "expected 21 lines, got " + std::to_string(out.size()));
          c.appears_at(R"(RuntimeError: .*no current event loop.* \(<Thread\(Thread-0, started \d+\)>\))", 0, 0.5);
          c.expect(c.count(R"(Hello again! \(<Thread\(Thread-([1-9]|10), started \d+\)>\))") == 10,
                   "every thread's loop must print once");
          for (int i = 1; i <= 10; ++i) {
            std::string re = R"(Hello again! \(<Thread\(Thread-)" + std::to_string(i) + R"(, started \d+\)>\))";
            c.appears_at(re, 1.0, 1.5);
            // Ten requests at once on each loop: about one answer's time, not ten.
            std::string pages = R"(10 pages, \d+ bytes \(<Thread\(Thread-)" + std::to_string(i) + R"(, started \d+\)>\))";
            c.appears_at(pages, 0.1, 0.9);
          }
        },
});
