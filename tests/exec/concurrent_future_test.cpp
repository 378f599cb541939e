// concurrent::Future: a result any thread can wait for (concurrent.futures.Future).
//
// Other threads are synchronized with latches; the only timed waits are the ones whose
// expiry is the point of the test.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>

#include "corio/exec/concurrent_future.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

TEST(ConcurrentFuture, AResultSetOnAnotherThreadWakesTheWaiter) {
  concurrent::Future<int> f;
  std::thread t([f]() mutable { f.set_result(42); });
  EXPECT_EQ(f.result(), 42);
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancelled());
  t.join();
}

TEST(ConcurrentFuture, ResultWithATimeoutRaisesTimeoutErrorWhileStillPending) {
  concurrent::Future<int> f;
  EXPECT_THROW(f.result(1ms), TimeoutError);
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.wait(1ms));
  f.set_result(1);
  EXPECT_EQ(f.result(1ms), 1);
}

TEST(ConcurrentFuture, AnExceptionIsRethrownByResultAndReturnedByException) {
  concurrent::Future<void> f;
  std::thread t([f]() mutable { f.set_exception(std::make_exception_ptr(std::out_of_range("nope"))); });
  t.join();
  EXPECT_THROW(f.result(), std::out_of_range);
  std::exception_ptr e = f.exception();
  ASSERT_TRUE(e);
  EXPECT_THROW(std::rethrow_exception(e), std::out_of_range);
}

TEST(ConcurrentFuture, CancelSucceedsOnlyWhilePending) {
  concurrent::Future<int> pending;
  EXPECT_TRUE(pending.cancel());
  EXPECT_TRUE(pending.cancelled());
  EXPECT_TRUE(pending.done());
  EXPECT_TRUE(pending.cancel()) << "cancelling twice still reports cancelled";
  EXPECT_THROW(pending.result(), CancelledError);
  EXPECT_THROW(pending.exception(), CancelledError);
  EXPECT_FALSE(pending.set_running_or_notify_cancel());

  concurrent::Future<int> running;
  EXPECT_TRUE(running.set_running_or_notify_cancel());
  EXPECT_TRUE(running.running());
  EXPECT_FALSE(running.cancel());
  running.set_result(3);
  EXPECT_FALSE(running.cancel());
  EXPECT_EQ(running.result(), 3);
}

TEST(ConcurrentFuture, SettingTwiceRaisesInvalidStateError) {
  concurrent::Future<int> f;
  f.set_result(1);
  EXPECT_THROW(f.set_result(2), InvalidStateError);
  EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))), InvalidStateError);
  concurrent::Future<int> c;
  c.cancel();
  EXPECT_THROW(c.set_result(2), InvalidStateError);
}

TEST(ConcurrentFuture, CallbacksRunOnTheThreadThatCompletesTheFuture) {
  concurrent::Future<std::string> f;
  std::thread::id ran_on;
  std::string seen;
  f.add_done_callback([&](concurrent::Future<std::string>& d) {
    ran_on = std::this_thread::get_id();
    seen = d.result();
  });
  std::thread t([f]() mutable { f.set_result("done"); });
  std::thread::id completer = t.get_id();
  t.join();
  EXPECT_EQ(ran_on, completer);
  EXPECT_EQ(seen, "done");
}

TEST(ConcurrentFuture, ACallbackAddedToADoneFutureRunsAtOnceHere) {
  concurrent::Future<int> f;
  f.cancel();
  std::thread::id ran_on;
  bool cancelled = false;
  f.add_done_callback([&](concurrent::Future<int>& d) {
    ran_on = std::this_thread::get_id();
    cancelled = d.cancelled();
  });
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_TRUE(cancelled);
}

TEST(ConcurrentFuture, CallbacksRunInOrderAndAFailingOneDoesNotStopTheOthers) {
  concurrent::Future<int> f;
  std::string order;
  f.add_done_callback([&](concurrent::Future<int>&) { order += "a"; });
  f.add_done_callback([&](concurrent::Future<int>&) -> void { throw std::runtime_error("callback fails"); });
  f.add_done_callback([&](concurrent::Future<int>&) { order += "b"; });
  testing::internal::CaptureStderr();
  f.set_result(0);
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(order, "ab");
  EXPECT_NE(err.find("callback fails"), std::string::npos) << err;
}

TEST(ConcurrentFuture, ManyThreadsWaitOnOneFuture) {
  concurrent::Future<int> f;
  std::atomic<int> sum{0};
  std::vector<std::thread> waiters;
  std::latch waiting(8);
  for (int i = 0; i < 8; ++i) {
    waiters.emplace_back([&, f] {
      waiting.count_down();
      sum += f.result();
    });
  }
  waiting.wait();
  f.set_result(5);
  for (auto& t : waiters) t.join();
  EXPECT_EQ(sum.load(), 40);
}

}  // namespace
}  // namespace corio
