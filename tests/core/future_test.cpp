// Future<T>: set_result / set_exception / cancel, the InvalidStateError rules, done
// callbacks (order, scheduling, removal) and awaiting from a task.
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class FutureTest : public test::VirtualLoopTest {
 protected:
  /// Lets the loop run `n` iterations (each sleep(0) is one).
  void spin(int n = 3) {
    run([](int n) -> Coro<void> {
      for (int i = 0; i < n; ++i) co_await sleep(0s);
    }(n));
  }
};

TEST_F(FutureTest, StartsPending) {
  Future<int> f = loop.create_future<int>();
  EXPECT_TRUE(f.valid());
  EXPECT_FALSE(f.done());
  EXPECT_FALSE(f.cancelled());
}

TEST_F(FutureTest, SetResultMakesItDoneWithThatResult) {
  Future<int> f = loop.create_future<int>();
  f.set_result(5);
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancelled());
  EXPECT_EQ(f.result(), 5);
  EXPECT_EQ(f.exception(), nullptr);
}

TEST_F(FutureTest, VoidFutureSetResult) {
  Future<void> f = loop.create_future<void>();
  f.set_result();
  EXPECT_TRUE(f.done());
  EXPECT_NO_THROW(f.result());
}

TEST_F(FutureTest, SetExceptionIsRethrownByResultAndReturnedByException) {
  Future<int> f = loop.create_future<int>();
  f.set_exception(std::make_exception_ptr(std::invalid_argument("bad")));
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancelled());
  CORIO_EXPECT_THROW_MSG(f.result(), std::invalid_argument, "bad");
  std::exception_ptr e = f.exception();
  ASSERT_NE(e, nullptr);
  EXPECT_THROW(std::rethrow_exception(e), std::invalid_argument);
}

TEST_F(FutureTest, CancelMakesResultAndExceptionRaiseCancelledError) {
  Future<int> f = loop.create_future<int>();
  EXPECT_TRUE(f.cancel("stop it"));
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.cancelled());
  CORIO_EXPECT_THROW_MSG(f.result(), CancelledError, "stop it");
  EXPECT_THROW(f.exception(), CancelledError);
}

TEST_F(FutureTest, CancelOnADoneFutureReturnsFalse) {
  Future<int> f = loop.create_future<int>();
  f.set_result(1);
  EXPECT_FALSE(f.cancel());
  EXPECT_FALSE(f.cancelled());
  Future<int> g = loop.create_future<int>();
  EXPECT_TRUE(g.cancel());
  EXPECT_FALSE(g.cancel());
}

TEST_F(FutureTest, ResultAndExceptionOfAPendingFutureRaiseInvalidStateError) {
  Future<int> f = loop.create_future<int>();
  EXPECT_THROW(f.result(), InvalidStateError);
  EXPECT_THROW(f.exception(), InvalidStateError);
}

TEST_F(FutureTest, SettingADoneFutureRaisesInvalidStateError) {
  Future<int> f = loop.create_future<int>();
  f.set_result(1);
  EXPECT_THROW(f.set_result(2), InvalidStateError);
  EXPECT_THROW(f.set_exception(std::make_exception_ptr(std::runtime_error("x"))), InvalidStateError);
  EXPECT_EQ(f.result(), 1);

  Future<int> c = loop.create_future<int>();
  c.cancel();
  EXPECT_THROW(c.set_result(2), InvalidStateError);
  EXPECT_THROW(c.set_exception(std::make_exception_ptr(std::runtime_error("x"))), InvalidStateError);
}

TEST_F(FutureTest, InvalidStateErrorIsAnOrdinaryError) {
  static_assert(std::is_base_of_v<Error, InvalidStateError>);
  static_assert(std::is_base_of_v<std::exception, InvalidStateError>);
}

TEST_F(FutureTest, CopiesShareOneState) {
  Future<int> f = loop.create_future<int>();
  Future<int> g = f;
  EXPECT_TRUE(f == g);
  g.set_result(3);
  EXPECT_TRUE(f.done());
  EXPECT_EQ(f.result(), 3);
}

TEST_F(FutureTest, DoneCallbacksRunInRegistrationOrderOnTheLoopNotInsideSetResult) {
  Future<int> f = loop.create_future<int>();
  std::vector<int> order;
  f.add_done_callback([&](Future<int>& fut) { order.push_back(fut.result() * 10 + 1); });
  f.add_done_callback([&](Future<int>&) { order.push_back(2); });
  f.add_done_callback([&](Future<int>&) { order.push_back(3); });
  f.set_result(1);
  EXPECT_TRUE(order.empty()) << "callbacks must be scheduled, not called by set_result";
  spin();
  EXPECT_EQ(order, (std::vector<int>{11, 2, 3}));
}

TEST_F(FutureTest, ADoneCallbackAddedToADoneFutureIsScheduledSoon) {
  Future<int> f = loop.create_future<int>();
  f.set_result(1);
  int calls = 0;
  f.add_done_callback([&](Future<int>&) { ++calls; });
  EXPECT_EQ(calls, 0);
  spin();
  EXPECT_EQ(calls, 1);
}

TEST_F(FutureTest, DoneCallbacksRunOnCancelAndOnException) {
  Future<int> a = loop.create_future<int>();
  Future<int> b = loop.create_future<int>();
  std::vector<std::string> seen;
  a.add_done_callback([&](Future<int>& f) { seen.push_back(f.cancelled() ? "cancelled" : "?"); });
  b.add_done_callback([&](Future<int>& f) {
    try {
      f.result();
    } catch (const std::runtime_error& e) {
      seen.push_back(e.what());
    }
  });
  a.cancel();
  b.set_exception(std::make_exception_ptr(std::runtime_error("failed")));
  spin();
  EXPECT_EQ(seen, (std::vector<std::string>{"cancelled", "failed"}));
}

TEST_F(FutureTest, RemoveDoneCallbackRemovesThatCallbackOnly) {
  Future<int> f = loop.create_future<int>();
  std::vector<int> order;
  f.add_done_callback([&](Future<int>&) { order.push_back(1); });
  std::uint64_t id = f.add_done_callback([&](Future<int>&) { order.push_back(2); });
  f.add_done_callback([&](Future<int>&) { order.push_back(3); });
  EXPECT_EQ(f.remove_done_callback(id), 1u);
  EXPECT_EQ(f.remove_done_callback(id), 0u);
  f.set_result(0);
  spin();
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
}

TEST_F(FutureTest, AnExceptionInADoneCallbackGoesToTheExceptionHandler) {
  Future<int> f = loop.create_future<int>();
  int after = 0;
  f.add_done_callback([](Future<int>&) { throw std::logic_error("callback broke"); });
  f.add_done_callback([&](Future<int>&) { ++after; });
  f.set_result(1);
  spin();
  EXPECT_EQ(after, 1) << "a failing callback must not stop the next one";
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("done callback"), std::string::npos) << reports[0].message;
  EXPECT_THROW(std::rethrow_exception(reports[0].exception), std::logic_error);
}

TEST_F(FutureTest, AwaitingAFutureSuspendsUntilItIsSet) {
  Future<std::string> f = loop.create_future<std::string>();
  loop.call_later(2s, [f]() mutable { f.set_result("ready"); });
  auto r = run([](Future<std::string> f, EventLoop& loop) -> Coro<std::string> {
    std::string v = co_await f;
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
    co_return v;
  }(f, loop));
  EXPECT_EQ(r, "ready");
}

TEST_F(FutureTest, AwaitingAFailedFutureRethrows) {
  Future<int> f = loop.create_future<int>();
  loop.call_later(1s, [f]() mutable { f.set_exception(std::make_exception_ptr(std::domain_error("no"))); });
  EXPECT_THROW(run([](Future<int> f) -> Coro<int> { co_return co_await f; }(f)), std::domain_error);
}

TEST_F(FutureTest, AwaitingACancelledFutureRaisesCancelledError) {
  Future<int> f = loop.create_future<int>();
  loop.call_later(1s, [f]() mutable { f.cancel("gone"); });
  auto body = [](Future<int> f) -> Coro<std::string> {
    try {
      co_await f;
    } catch (const CancelledError& e) {
      co_return e.message();
    }
    co_return "not cancelled";
  };
  EXPECT_EQ(run(body(f)), "gone");
}

TEST_F(FutureTest, RunUntilCompleteAcceptsAFuture) {
  Future<int> f = loop.create_future<int>();
  loop.call_later(5s, [f]() mutable { f.set_result(9); });
  EXPECT_EQ(loop.run_until_complete(f), 9);
  EXPECT_DOUBLE_EQ(loop.time(), 5.0);
}

TEST_F(FutureTest, CancellingTheAwaitingTaskCancelsTheFuture) {
  Future<int> f = loop.create_future<int>();
  run([](Future<int> f) -> Coro<void> {
    Task<void> waiter = create_task([](Future<int> f) -> Coro<void> { co_await f; }(f));
    co_await sleep(1s);
    waiter.cancel();
    try {
      co_await waiter;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(waiter.cancelled());
  }(f));
  EXPECT_TRUE(f.cancelled());
}

TEST_F(FutureTest, AwaitingAnAlreadyDoneFutureReturnsItsResult) {
  Future<int> f = loop.create_future<int>();
  f.set_result(4);
  EXPECT_EQ(run([](Future<int> f) -> Coro<int> { co_return co_await f; }(f)), 4);
}

}  // namespace
}  // namespace corio
