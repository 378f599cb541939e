// shield: cancelling the awaiter cancels only the outer future; the inner task keeps
// running and completes.
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class Shield : public test::VirtualLoopTest {};

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

TEST_F(Shield, PassesTheResultThrough) {
  EXPECT_EQ(run([]() -> Coro<int> { co_return co_await shield(after(1s, 6)); }()), 6);
}

TEST_F(Shield, PassesAnExceptionThrough) {
  auto failing = []() -> Coro<int> {
    co_await sleep(1s);
    throw std::length_error("inner failed");
  };
  EXPECT_THROW(run([](Coro<int> c) -> Coro<int> { co_return co_await shield(std::move(c)); }(failing())),
               std::length_error);
}

TEST_F(Shield, CancellingTheAwaiterLeavesTheInnerTaskRunningToCompletion) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    Task<int> inner = create_task([](std::vector<std::string>& log, EventLoop& loop) -> Coro<int> {
      co_await sleep(5s);
      log.push_back("inner done at " + std::to_string(loop.time()));
      co_return 42;
    }(log, loop));
    Task<void> outer = create_task([](Task<int> inner, std::vector<std::string>& log) -> Coro<void> {
      try {
        co_await shield(inner);
      } catch (const CancelledError&) {
        log.push_back("outer cancelled");
        throw;
      }
    }(inner, log));
    co_await sleep(1s);
    outer.cancel();
    try {
      co_await outer;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(outer.cancelled());
    EXPECT_FALSE(inner.done());
    EXPECT_FALSE(inner.cancelled());
    EXPECT_EQ(co_await inner, 42);
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"outer cancelled", "inner done at 5.000000"}));
}

TEST_F(Shield, AShieldedCoroRunsOnAsItsOwnTask) {
  bool finished = false;
  run([](bool& finished) -> Coro<void> {
    Task<void> outer = create_task([](bool& finished) -> Coro<void> {
      co_await shield([](bool& finished) -> Coro<void> {
        co_await sleep(3s);
        finished = true;
      }(finished));
    }(finished));
    co_await sleep(1s);
    outer.cancel();
    co_await sleep(5s);
    EXPECT_TRUE(outer.cancelled());
  }(finished));
  EXPECT_TRUE(finished);
}

TEST_F(Shield, CancellingTheInnerCancelsTheOuter) {
  run([]() -> Coro<void> {
    Task<int> inner = create_task(after(1h, 0));
    Future<int> outer = shield(inner);
    co_await sleep(1s);
    inner.cancel();
    bool cancelled = false;
    try {
      co_await outer;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(outer.cancelled());
  }());
}

TEST_F(Shield, ShieldOfADoneFutureIsThatFuture) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(after(0s, 1));
    co_await t;
    Future<int> s = shield(t);
    EXPECT_TRUE(s.done());
    EXPECT_EQ(s.result(), 1);
  }());
}

TEST_F(Shield, AFailureOfTheInnerAfterTheOuterWasCancelledIsNotReportedAsLost) {
  run([]() -> Coro<void> {
    Task<void> outer = create_task([]() -> Coro<void> {
      co_await shield([]() -> Coro<int> {
        co_await sleep(2s);
        throw std::runtime_error("late failure");
      }());
    }());
    co_await sleep(1s);
    outer.cancel();
    co_await sleep(5s);
  }());
  // The fixture fails the test if the inner's failure was reported as never retrieved.
}

}  // namespace
}  // namespace corio
