// call_soon_threadsafe: the one way into a loop from another thread. It must wake a
// loop that is blocked in the I/O driver with nothing else to do.
//
// The other threads wait on a latch that the loop opens once it is running: no sleeps
// decide the outcome of these tests.
#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

// A real-clock loop with no timers: the only way out of the driver is the wake-up.
TEST(CallSoonThreadsafe, WakesALoopBlockedInTheDriver) {
  EventLoop loop;
  Future<int> f = loop.create_future<int>();
  std::latch running(1);
  std::thread other([&] {
    running.wait();
    loop.call_soon_threadsafe([f]() mutable { f.set_result(42); });
  });
  loop.call_soon([&] { running.count_down(); });
  int r = loop.run_until_complete(f);
  other.join();
  EXPECT_EQ(r, 42);
}

TEST(CallSoonThreadsafe, TheCallbackRunsOnTheLoopThread) {
  EventLoop loop;
  Future<std::thread::id> f = loop.create_future<std::thread::id>();
  std::latch running(1);
  std::thread other([&] {
    running.wait();
    loop.call_soon_threadsafe([f]() mutable { f.set_result(std::this_thread::get_id()); });
  });
  loop.call_soon([&] { running.count_down(); });
  std::thread::id ran_on = loop.run_until_complete(f);
  other.join();
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(CallSoonThreadsafe, ManyThreadsManyCallbacksAllRunInPerThreadOrder) {
  EventLoop loop;
  constexpr int kThreads = 4, kEach = 2000;
  Future<void> all_done = loop.create_future<void>();
  int total = 0;
  std::vector<std::vector<int>> seen(kThreads);
  std::latch running(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      running.wait();
      for (int i = 0; i < kEach; ++i) {
        loop.call_soon_threadsafe([&, t, i]() mutable {
          seen[static_cast<std::size_t>(t)].push_back(i);
          if (++total == kThreads * kEach) all_done.set_result();
        });
      }
    });
  }
  loop.call_soon([&] { running.count_down(); });
  loop.run_until_complete(all_done);
  for (auto& th : threads) th.join();
  EXPECT_EQ(total, kThreads * kEach);
  for (int t = 0; t < kThreads; ++t) {
    const auto& v = seen[static_cast<std::size_t>(t)];
    ASSERT_EQ(v.size(), static_cast<std::size_t>(kEach));
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end())) << "callbacks of one thread run in FIFO order";
  }
}

TEST(CallSoonThreadsafe, AHandleCancelledBeforeItRunsDoesNotRun) {
  EventLoop loop(test::virtual_options());
  bool ran = false;
  Handle h = loop.call_soon_threadsafe([&] { ran = true; });
  h.cancel();
  loop.call_later(1s, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_FALSE(ran);
}

TEST(CallSoonThreadsafe, FromTheLoopThreadItselfWorksLikeCallSoon) {
  EventLoop loop(test::virtual_options());
  std::vector<int> order;
  loop.call_soon([&] {
    loop.call_soon_threadsafe([&] { order.push_back(2); });
    order.push_back(1);
  });
  loop.call_later(1s, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST(CallSoonThreadsafe, WakesAVirtualClockLoopWithNoTimers) {
  EventLoop loop(test::virtual_options());
  Future<int> f = loop.create_future<int>();
  std::latch running(1);
  std::thread other([&] {
    running.wait();
    loop.call_soon_threadsafe([f]() mutable { f.set_result(7); });
  });
  loop.call_soon([&] { running.count_down(); });
  EXPECT_EQ(loop.run_until_complete(f), 7);
  other.join();
}

TEST(CallSoonThreadsafe, ALoopOnAnotherThreadIsDrivenFromHere) {
  // One loop per thread: the worker runs its own loop; this thread reaches it only
  // through call_soon_threadsafe (the future is touched on the worker thread only).
  struct Shared {
    EventLoop* loop = nullptr;
    Future<int>* fut = nullptr;
  } shared;
  std::latch ready(1);
  int result = 0;
  std::thread worker([&] {
    EventLoop loop;
    Future<int> f = loop.create_future<int>();
    shared = {&loop, &f};
    loop.call_soon([&] { ready.count_down(); });
    result = loop.run_until_complete(f);
  });
  ready.wait();  // also publishes `shared`
  Shared s = shared;
  s.loop->call_soon_threadsafe([s] { s.fut->set_result(99); });
  worker.join();
  EXPECT_EQ(result, 99);
}

}  // namespace
}  // namespace corio
