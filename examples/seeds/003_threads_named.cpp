// Seed 003, example 5: a thread with a name (threading.Thread(target=loop,
// name='LoopThread')).
//
//   def loop():
//       print 'thread %s is running...' % threading.current_thread().name
//       n = 0
//       while n < 5:
//           n = n + 1
//           print 'thread %s >>> %s' % (threading.current_thread().name, n)
//           time.sleep(1)
//       print 'thread %s ended.' % threading.current_thread().name
//   print 'thread %s is running...' % threading.current_thread().name
//   t = threading.Thread(target=loop, name='LoopThread')
//   t.start()
//   t.join()
//   print 'thread %s ended.' % threading.current_thread().name
//
// Shows: a process starts with one thread, the main thread ("MainThread"); it can start
// more, each running a function; a name is only for printing. corio's
// current_thread_name() is threading.current_thread().name (corio's own threads are
// named too: executor workers, LoopThread, MultiLoop).
//
// Difference: std::thread has no name argument: the thread names itself first thing.
#include <chrono>
#include <cstdio>
#include <thread>

#include "corio/exec/thread_name.hpp"
#include "tour.hpp"

using namespace std::chrono_literals;

namespace seed003 {
namespace {

void loop() {
  std::printf("thread %s is running...\n", corio::current_thread_name().c_str());
  int n = 0;
  while (n < 5) {
    n = n + 1;
    std::printf("thread %s >>> %d\n", corio::current_thread_name().c_str(), n);
    std::fflush(stdout);
    std::this_thread::sleep_for(1s);  // time.sleep(1): this thread only
  }
  std::printf("thread %s ended.\n", corio::current_thread_name().c_str());
}

}  // namespace

int threads_named_main() {
  std::printf("thread %s is running...\n", corio::current_thread_name().c_str());
  std::thread t([] {
    corio::set_current_thread_name("LoopThread");
    loop();
  });
  t.join();
  std::printf("thread %s ended.\n", corio::current_thread_name().c_str());
  return 0;
}

}  // namespace seed003

CORIO_TOUR_STOP({
    .seed = "003",
    .index = 5,
    .name = "threads_named",
    .title = "threading.Thread(target=loop, name='LoopThread'): a named thread counting to 5",
    .python = "t = threading.Thread(target=loop, name='LoopThread'); t.start(); t.join()",
    .shows = "the main thread starts a named thread and waits for it; current_thread().name tells them apart",
    .expect_seconds = 5,
    .expect_why = "five time.sleep(1) in the thread, joined by the main thread",
    .run = &seed003::threads_named_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"thread MainThread is running...", "thread LoopThread is running...", "thread LoopThread >>> 1",
                   "thread LoopThread >>> 2", "thread LoopThread >>> 3", "thread LoopThread >>> 4",
                   "thread LoopThread >>> 5", "thread LoopThread ended.", "thread MainThread ended."});
          c.appears_at("thread LoopThread >>> 5", 4.0, 4.5);
          c.appears_at("thread MainThread ended.", 5.0, 5.5);
        },
});
