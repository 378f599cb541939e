// wait: FIRST_COMPLETED / FIRST_EXCEPTION / ALL_COMPLETED, with or without a timeout;
// it returns (done, pending) and cancels nothing.
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class Wait : public test::VirtualLoopTest {};

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

Coro<int> fail_after(std::chrono::nanoseconds d, std::string msg) {
  co_await sleep(d);
  throw std::runtime_error(msg);
}

std::vector<int> results_of(const std::vector<Task<int>>& ts) {
  std::vector<int> out;
  for (const auto& t : ts) out.push_back(t.result());
  std::sort(out.begin(), out.end());
  return out;
}

TEST_F(Wait, AllCompletedWaitsForEveryTask) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1s, 1)), create_task(after(3s, 3)), create_task(after(2s, 2))};
    auto [done, pending] = co_await wait(ts);
    EXPECT_EQ(done.size(), 3u);
    EXPECT_TRUE(pending.empty());
    EXPECT_EQ(results_of(done), (std::vector<int>{1, 2, 3}));
    EXPECT_DOUBLE_EQ(loop.time(), 3.0);
  }(loop));
}

TEST_F(Wait, FirstCompletedReturnsWhenOneIsDone) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(3s, 3)), create_task(after(1s, 1)), create_task(after(2s, 2))};
    auto [done, pending] = co_await wait(ts, FIRST_COMPLETED);
    EXPECT_DOUBLE_EQ(loop.time(), 1.0);
    EXPECT_EQ(results_of(done), (std::vector<int>{1}));
    EXPECT_EQ(pending.size(), 2u);
    for (auto& p : pending) EXPECT_FALSE(p.done());
    for (auto& p : pending) co_await p;  // still running: wait() cancels nothing
  }(loop));
}

TEST_F(Wait, FirstCompletedCountsAFailureAsCompletion) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(fail_after(1s, "x")), create_task(after(2s, 2))};
    auto [done, pending] = co_await wait(ts, FIRST_COMPLETED);
    EXPECT_DOUBLE_EQ(loop.time(), 1.0);
    EXPECT_EQ(done.size(), 1u);
    EXPECT_NE(done[0].exception(), nullptr);
    EXPECT_EQ(pending.size(), 1u);
    co_await pending[0];
  }(loop));
}

TEST_F(Wait, FirstExceptionReturnsAtTheFirstFailure) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1s, 1)), create_task(fail_after(2s, "boom")),
                              create_task(after(5s, 5))};
    auto [done, pending] = co_await wait(ts, FIRST_EXCEPTION);
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
    EXPECT_EQ(done.size(), 2u);
    EXPECT_EQ(pending.size(), 1u);
    for (auto& d : done) {
      if (d.exception()) {
        EXPECT_THROW(d.result(), std::runtime_error);
      }
    }
    co_await pending[0];
  }(loop));
}

TEST_F(Wait, FirstExceptionWithoutFailuresIsAllCompleted) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1s, 1)), create_task(after(2s, 2))};
    auto [done, pending] = co_await wait(ts, FIRST_EXCEPTION);
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
    EXPECT_EQ(done.size(), 2u);
    EXPECT_TRUE(pending.empty());
  }(loop));
}

TEST_F(Wait, FirstExceptionDoesNotCountACancellationAsAFailure) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1h, 0)), create_task(after(2s, 2))};
    Task<int> victim = ts[0];
    loop.call_later(1s, [victim]() mutable { victim.cancel(); });
    auto [done, pending] = co_await wait(ts, FIRST_EXCEPTION);
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
    EXPECT_EQ(done.size(), 2u);
  }(loop));
}

TEST_F(Wait, TimeoutReturnsWhatIsDoneAndWhatIsPendingAndCancelsNothing) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1s, 1)), create_task(after(5s, 5)), create_task(after(2s, 2))};
    auto [done, pending] = co_await wait(ts, 3s);
    EXPECT_DOUBLE_EQ(loop.time(), 3.0);
    EXPECT_EQ(results_of(done), (std::vector<int>{1, 2}));
    EXPECT_EQ(pending.size(), 1u);
    EXPECT_FALSE(pending[0].cancelled());
    EXPECT_EQ(co_await pending[0], 5);
  }(loop));
}

TEST_F(Wait, TimeoutWithFirstCompleted) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(5s, 5)), create_task(after(6s, 6))};
    auto [done, pending] = co_await wait(ts, FIRST_COMPLETED, 2s);
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
    EXPECT_TRUE(done.empty());
    EXPECT_EQ(pending.size(), 2u);
    for (auto& p : pending) p.cancel();
  }(loop));
}

TEST_F(Wait, TasksAlreadyDoneReturnAtOnce) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1s, 1))};
    co_await ts[0];
    double before = loop.time();
    auto [done, pending] = co_await wait(ts, FIRST_COMPLETED);
    EXPECT_DOUBLE_EQ(loop.time(), before);
    EXPECT_EQ(done.size(), 1u);
  }(loop));
}

TEST_F(Wait, AnEmptySetIsAnError) {
  bool raised = run([]() -> Coro<bool> {
    try {
      co_await wait(std::vector<Task<int>>{});
    } catch (const std::invalid_argument&) {
      co_return true;
    }
    co_return false;
  }());
  EXPECT_TRUE(raised);
}

TEST_F(Wait, CancellingTheWaiterLeavesTheTasksRunning) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(5s, 5))};
    Task<void> waiter = create_task([](std::vector<Task<int>> ts) -> Coro<void> {
      co_await wait(ts);
    }(ts));
    co_await sleep(1s);
    waiter.cancel();
    try {
      co_await waiter;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(waiter.cancelled());
    EXPECT_FALSE(ts[0].done());
    EXPECT_EQ(co_await ts[0], 5);
  }());
}

TEST_F(Wait, WorksWithFutures) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Future<int>> fs{loop.create_future<int>(), loop.create_future<int>()};
    Future<int> second = fs[1];
    loop.call_later(1s, [second]() mutable { second.set_result(2); });
    auto [done, pending] = co_await wait(fs, FIRST_COMPLETED);
    EXPECT_EQ(done.size(), 1u);
    EXPECT_EQ(done[0].result(), 2);
    EXPECT_EQ(pending.size(), 1u);
  }(loop));
}

TEST_F(Wait, ManyTasksAllCompleted) {
  // wait() re-checks its condition on each completion; this guards that a large set
  // stays cheap enough (the check was O(n) per completion: O(n^2) overall).
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts;
    for (int i = 0; i < 10000; ++i) ts.push_back(create_task(after(std::chrono::milliseconds(i % 100), i)));
    auto [done, pending] = co_await wait(ts);
    EXPECT_EQ(done.size(), 10000u);
  }());
}

}  // namespace
}  // namespace corio
