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
// Differences: the threads run the seed's test() coroutine instead of getHttp (that
// part of example 14 needs the http layer); they are joined, which the seed forgets;
// corio's get_event_loop() makes no loop implicitly, on the main thread either.
#include <corio/corio.hpp>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "seed_support.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed000 {
namespace {

corio::Coro<void> test() {
  co_await corio::sleep(1s);
  std::printf("Hello again! (%s)\n", seeds::current_thread().c_str());
}

void run_loop_inside_thread() {
  auto loop = corio::new_event_loop();
  corio::set_event_loop(loop.get());
  corio::get_event_loop().run_until_complete(test());
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

  std::vector<std::thread> threadTasks;
  for (int i = 0; i < 10; ++i) {
    threadTasks.emplace_back([i] {
      seeds::thread_name() = "Thread-" + std::to_string(i + 1);
      run_loop_inside_thread();
    });
  }
  for (auto& t : threadTasks) t.join();
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 13,
    .name = "loop_in_thread",
    .title = "a loop per thread: none until set_event_loop, then 10 threads each run one",
    .python = "def run_loop_inside_thread(): loop = asyncio.new_event_loop(); asyncio.set_event_loop(loop); "
              "loop.run_until_complete(...)",
    .shows = "the current loop is thread-local; 10 threads run 10 loops in parallel, each sleeping 1 s",
    .expect_seconds = 1,
    .expect_why = "ten threads sleep 1 s in parallel, each on its own loop",
    .run = &seed000::loop_in_thread_main,
    .check =
        [](corio::tour::Check& c) {
          const auto& out = c.transcript().out;
          c.expect(out.size() == 11, "expected 11 lines, got " + std::to_string(out.size()));
          c.appears_at(R"(RuntimeError: .*no current event loop.* \(<Thread\(Thread-0, started \d+\)>\))", 0, 0.5);
          c.expect(c.count(R"(Hello again! \(<Thread\(Thread-([1-9]|10), started \d+\)>\))") == 10,
                   "every thread's loop must print once");
          for (int i = 1; i <= 10; ++i) {
            std::string re = R"(Hello again! \(<Thread\(Thread-)" + std::to_string(i) + R"(, started \d+\)>\))";
            c.appears_at(re, 1.0, 1.5);
          }
        },
});
