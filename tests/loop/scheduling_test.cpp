// call_soon / call_later / call_at: FIFO order, timer order, handle cancellation, and
// loop.time() under the virtual clock.
#include <chrono>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class Scheduling : public test::VirtualLoopTest {
 protected:
  /// Runs the loop until the callbacks scheduled so far (and their timers) have run.
  void run_until_idle(std::chrono::nanoseconds horizon = 1h) {
    loop.call_later(horizon, [this] { loop.stop(); });
    loop.run_forever();
  }
};

TEST_F(Scheduling, CallSoonRunsCallbacksInFifoOrder) {
  std::vector<int> order;
  for (int i = 0; i < 10; ++i) loop.call_soon([&order, i] { order.push_back(i); });
  loop.call_soon([this] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(Scheduling, ACallbackScheduledByACallbackRunsAfterThoseAlreadyQueued) {
  std::vector<std::string> order;
  loop.call_soon([&] {
    order.push_back("a");
    loop.call_soon([&] { order.push_back("a-child"); });
  });
  loop.call_soon([&] { order.push_back("b"); });
  run_until_idle();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "a-child"}));
}

TEST_F(Scheduling, CallSoonDoesNotRunInline) {
  bool ran = false;
  loop.call_soon([&] { ran = true; });
  EXPECT_FALSE(ran);
  run_until_idle();
  EXPECT_TRUE(ran);
}

TEST_F(Scheduling, CallLaterRunsEarlierTimersFirst) {
  std::vector<int> order;
  loop.call_later(3s, [&] { order.push_back(3); });
  loop.call_later(1s, [&] { order.push_back(1); });
  loop.call_later(2s, [&] { order.push_back(2); });
  loop.call_later(0.5, [&] { order.push_back(0); });  // seconds as a double
  run_until_idle();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(Scheduling, TimersDueAtTheSameTimeRunInFifoOrder) {
  std::vector<int> order;
  for (int i = 0; i < 20; ++i) loop.call_later(1s, [&order, i] { order.push_back(i); });
  // Mixed in out of deadline order, so that some land in the heap lane.
  loop.call_later(500ms, [&order] { order.push_back(-1); });
  for (int i = 20; i < 25; ++i) loop.call_at(1.0, [&order, i] { order.push_back(i); });
  run_until_idle();
  std::vector<int> expected{-1};
  for (int i = 0; i < 25; ++i) expected.push_back(i);
  EXPECT_EQ(order, expected);
}

TEST_F(Scheduling, ManyTimersInRandomOrderRunSortedByDeadline) {
  std::vector<std::int64_t> fired;
  std::uint64_t x = 12345;
  for (int i = 0; i < 1000; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    auto ms = static_cast<std::int64_t>((x >> 33) % 10000);
    loop.call_later(std::chrono::milliseconds(ms), [&fired, this] { fired.push_back(static_cast<std::int64_t>(loop.time() * 1000 + 0.5)); });
  }
  run_until_idle();
  ASSERT_EQ(fired.size(), 1000u);
  EXPECT_TRUE(std::is_sorted(fired.begin(), fired.end()));
}

TEST_F(Scheduling, CallAtUsesLoopTime) {
  double seen = -1;
  TimerHandle h = loop.call_at(loop.time() + 7.5, [&] { seen = loop.time(); });
  EXPECT_DOUBLE_EQ(h.when(), 7.5);
  run_until_idle();
  EXPECT_DOUBLE_EQ(seen, 7.5);
}

TEST_F(Scheduling, CallLaterWithANegativeDelayRunsSoon) {
  std::vector<int> order;
  loop.call_later(1s, [&] { order.push_back(2); });
  loop.call_later(-5s, [&] { order.push_back(1); });
  run_until_idle();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

TEST_F(Scheduling, TimerHandleWhenIsTheScheduledLoopTime) {
  TimerHandle h = loop.call_later(3s, [] {});
  EXPECT_DOUBLE_EQ(h.when(), loop.time() + 3.0);
}

TEST_F(Scheduling, CancelledCallSoonHandleDoesNotRun) {
  std::vector<int> order;
  loop.call_soon([&] { order.push_back(1); });
  Handle h = loop.call_soon([&] { order.push_back(2); });
  loop.call_soon([&] { order.push_back(3); });
  EXPECT_FALSE(h.cancelled());
  h.cancel();
  EXPECT_TRUE(h.cancelled());
  run_until_idle();
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
}

TEST_F(Scheduling, CancelledTimerDoesNotRun) {
  std::vector<int> order;
  TimerHandle a = loop.call_later(1s, [&] { order.push_back(1); });
  TimerHandle b = loop.call_later(2s, [&] { order.push_back(2); });
  b.cancel();
  run_until_idle();
  EXPECT_EQ(order, (std::vector<int>{1}));
  EXPECT_TRUE(b.cancelled());
}

TEST_F(Scheduling, ATimerCancelledByAnEarlierCallbackOfTheSameBatchDoesNotRun) {
  std::vector<int> order;
  TimerHandle second;
  loop.call_later(1s, [&] {
    order.push_back(1);
    second.cancel();
  });
  second = loop.call_later(1s, [&] { order.push_back(2); });
  run_until_idle();
  EXPECT_EQ(order, (std::vector<int>{1}));
}

TEST_F(Scheduling, CancellingAfterTheCallbackRanHasNoEffect) {
  int calls = 0;
  Handle h = loop.call_soon([&] { ++calls; });
  run_until_idle();
  h.cancel();
  EXPECT_EQ(calls, 1);
}

TEST_F(Scheduling, CancellingManyTimersLeavesTheRest) {
  std::vector<TimerHandle> hs;
  int calls = 0;
  for (int i = 0; i < 5000; ++i) hs.push_back(loop.call_later(std::chrono::milliseconds(i + 1), [&] { ++calls; }));
  for (int i = 0; i < 5000; i += 2) hs[static_cast<std::size_t>(i)].cancel();
  run_until_idle();
  EXPECT_EQ(calls, 2500);
}

TEST_F(Scheduling, VirtualClockStartsAtZeroAndJumpsToTheNextTimer) {
  EXPECT_DOUBLE_EQ(loop.time(), 0.0);
  std::vector<double> times;
  loop.call_later(3600s, [&] { times.push_back(loop.time()); });
  loop.call_later(1ms, [&] { times.push_back(loop.time()); });
  auto t0 = std::chrono::steady_clock::now();
  run_until_idle(2h);
  auto real = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(times, (std::vector<double>{0.001, 3600.0}));
  EXPECT_DOUBLE_EQ(loop.time(), 7200.0);
  EXPECT_LT(real, 5s) << "virtual time must not sleep";
}

TEST_F(Scheduling, VirtualClockDoesNotAdvanceWhileWorkIsReady) {
  std::vector<double> times = run([](EventLoop& loop) -> Coro<std::vector<double>> {
    Task<void> sleeper = create_task([]() -> Coro<void> { co_await sleep(1s); }());
    std::vector<double> times;
    for (int i = 0; i < 50; ++i) {
      co_await sleep(0s);
      times.push_back(loop.time());
    }
    co_await sleeper;
    times.push_back(loop.time());
    co_return times;
  }(loop));
  for (std::size_t i = 0; i + 1 < times.size(); ++i) EXPECT_DOUBLE_EQ(times[i], 0.0);
  EXPECT_DOUBLE_EQ(times.back(), 1.0);
}

TEST_F(Scheduling, SleepOfAnHourUnderTheVirtualClockTakesNoRealTime) {
  auto t0 = std::chrono::steady_clock::now();
  double t = run([](EventLoop& loop) -> Coro<double> {
    co_await sleep(3600s);
    co_return loop.time();
  }(loop));
  EXPECT_DOUBLE_EQ(t, 3600.0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(RealClock, TimeIsMonotonicSecondsOfSteadyClock) {
  EventLoop loop;
  double a = loop.time();
  double now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  double b = loop.time();
  EXPECT_LE(a, b);
  EXPECT_NEAR(a, now, 1.0);
}

TEST(RealClock, ShortTimersFireInOrderOnTheRealClock) {
  EventLoop loop;
  std::vector<int> order;
  // Deadlines relative to one reading of the clock: with call_later, a descheduling of
  // more than 1 ms between the first two calls would legitimately reverse them.
  double start = loop.time();
  loop.call_at(start + 0.002, [&] { order.push_back(2); });
  loop.call_at(start + 0.001, [&] { order.push_back(1); });
  loop.call_at(start + 0.003, [&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  EXPECT_GE(loop.time() - start, 0.003);
}

}  // namespace
}  // namespace corio
