// timeout / timeout_at / wait_for: a deadline cancels the block, the block unwinds, and
// the CancelledError becomes TimeoutError — but only for the timeout that fired.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class TimeoutTest : public test::VirtualLoopTest {};

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

/// Sleeps `d`; records its cancellation and (after `cleanup` more) its end in `log`.
Coro<int> logged_sleep(std::vector<std::string>& log, EventLoop& loop, std::chrono::nanoseconds d,
                       std::chrono::nanoseconds cleanup = 0ns) {
  std::exception_ptr cancel;
  try {
    co_await sleep(d);
  } catch (const CancelledError&) {
    log.push_back("inner cancelled at " + std::to_string(loop.time()));
    cancel = std::current_exception();
  }
  if (cancel) {
    if (cleanup > 0ns) co_await sleep(cleanup);
    log.push_back("inner finished at " + std::to_string(loop.time()));
    std::rethrow_exception(cancel);
  }
  co_return 1;
}

TEST_F(TimeoutTest, TimeoutErrorIsAnOrdinaryError) {
  static_assert(std::is_base_of_v<Error, TimeoutError>);
  static_assert(std::is_base_of_v<std::exception, TimeoutError>);
}

TEST_F(TimeoutTest, WaitForReturnsTheResultInTime) {
  EXPECT_EQ(run(wait_for(after(1s, 8), 2s)), 8);
  EXPECT_DOUBLE_EQ(loop.time(), 1.0);
}

TEST_F(TimeoutTest, WaitForCancelsAndAwaitsTheInnerBeforeRaisingTimeoutError) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    try {
      co_await wait_for(logged_sleep(log, loop, 10s), 1s);
      log.push_back("no timeout");
    } catch (const TimeoutError&) {
      log.push_back("TimeoutError at " + std::to_string(loop.time()));
    }
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"inner cancelled at 1.000000", "inner finished at 1.000000",
                                           "TimeoutError at 1.000000"}));
}

TEST_F(TimeoutTest, WaitForWaitsForTheInnersCleanupToFinish) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    try {
      co_await wait_for(logged_sleep(log, loop, 10s, 500ms), 1s);
    } catch (const TimeoutError&) {
      log.push_back("TimeoutError at " + std::to_string(loop.time()));
    }
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"inner cancelled at 1.000000", "inner finished at 1.500000",
                                           "TimeoutError at 1.500000"}));
}

TEST_F(TimeoutTest, WaitForPassesOtherExceptionsThrough) {
  auto failing = []() -> Coro<int> {
    co_await sleep(1s);
    throw std::invalid_argument("inner failed");
  };
  EXPECT_THROW(run(wait_for(failing(), 5s)), std::invalid_argument);
}

TEST_F(TimeoutTest, WaitForWhoseInnerSwallowsTheCancellationReturnsItsValue) {
  int r = run(wait_for([]() -> Coro<int> {
    try {
      co_await sleep(10s);
    } catch (const CancelledError&) {
      co_return -1;
    }
    co_return 0;
  }(), 1s));
  EXPECT_EQ(r, -1);
}

TEST_F(TimeoutTest, AnOutsideCancellationPassesThroughWaitForAsCancelledError) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(wait_for(after(1h, 0), 10s));
    co_await sleep(1s);
    t.cancel();
    bool cancelled = false;
    try {
      co_await t;
    } catch (const CancelledError&) {
      cancelled = true;
    } catch (const TimeoutError&) {
      ADD_FAILURE() << "an outside cancellation is not a timeout";
    }
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(t.cancelled());
  }());
}

TEST_F(TimeoutTest, AfterATimeoutTheTaskIsNoLongerCancelling) {
  run([]() -> Coro<void> {
    try {
      co_await wait_for(after(10s, 0), 1s);
    } catch (const TimeoutError&) {
    }
    EXPECT_EQ(current_task().cancelling(), 0);
    co_await sleep(1s);  // and it can go on awaiting
  }());
  EXPECT_DOUBLE_EQ(loop.time(), 2.0);
}

TEST_F(TimeoutTest, TimeoutExpiresAndReportsExpired) {
  run([](EventLoop& loop) -> Coro<void> {
    Timeout t = timeout(2s);
    EXPECT_EQ(t.when(), std::optional<double>(2.0));
    EXPECT_FALSE(t.expired());
    bool timed_out = false;
    try {
      co_await t.run(after(5s, 0));
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_TRUE(t.expired());
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
  }(loop));
}

TEST_F(TimeoutTest, ABlockFinishingInTimeIsNotExpired) {
  run([]() -> Coro<void> {
    Timeout t = timeout(5s);
    int v = co_await t.run(after(1s, 3));
    EXPECT_EQ(v, 3);
    EXPECT_FALSE(t.expired());
    co_await sleep(10s);  // the disarmed deadline does not fire later
  }());
}

TEST_F(TimeoutTest, InnerTimeoutExpiresInsideAnOuterOneThatDoesNotFire) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    Timeout outer = timeout(10s);
    Timeout inner = timeout(1s);
    auto outer_block = [](std::vector<std::string>& log, EventLoop& loop, Timeout& inner) -> Coro<void> {
      try {
        co_await inner.run(after(5s, 0));
      } catch (const TimeoutError&) {
        log.push_back("inner TimeoutError at " + std::to_string(loop.time()));
      }
      co_await sleep(1s);
      log.push_back("outer block done at " + std::to_string(loop.time()));
    };
    co_await outer.run(outer_block(log, loop, inner));
    EXPECT_TRUE(inner.expired());
    EXPECT_FALSE(outer.expired());
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"inner TimeoutError at 1.000000", "outer block done at 2.000000"}));
}

TEST_F(TimeoutTest, OuterTimeoutExpiringFirstIsRaisedByTheOuterOnly) {
  run([](EventLoop& loop) -> Coro<void> {
    Timeout outer = timeout(1s);
    Timeout inner = timeout(10s);
    bool inner_saw_timeout = false;
    auto block = [](Timeout& inner, bool& saw) -> Coro<void> {
      try {
        co_await inner.run(after(1h, 0));
      } catch (const TimeoutError&) {
        saw = true;  // wrong: the inner deadline did not pass
        throw;
      }
    };
    bool outer_timeout = false;
    try {
      co_await outer.run(block(inner, inner_saw_timeout));
    } catch (const TimeoutError&) {
      outer_timeout = true;
    }
    EXPECT_TRUE(outer_timeout);
    EXPECT_FALSE(inner_saw_timeout);
    EXPECT_TRUE(outer.expired());
    EXPECT_FALSE(inner.expired());
    EXPECT_DOUBLE_EQ(loop.time(), 1.0);
  }(loop));
}

TEST_F(TimeoutTest, BothTimeoutsExpiringAtOnceRaiseOneTimeoutErrorAtEachLevel) {
  // The inner deadline fires; its block then keeps sleeping past the outer deadline.
  run([](EventLoop& loop) -> Coro<void> {
    Timeout outer = timeout(2s);
    auto block = [](EventLoop& loop) -> Coro<void> {
      try {
        co_await wait_for(after(1h, 0), 1s);
      } catch (const TimeoutError&) {
        EXPECT_DOUBLE_EQ(loop.time(), 1.0);
      }
      co_await sleep(1h);
    };
    bool outer_timeout = false;
    try {
      co_await outer.run(block(loop));
    } catch (const TimeoutError&) {
      outer_timeout = true;
    }
    EXPECT_TRUE(outer_timeout);
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
  }(loop));
}

TEST_F(TimeoutTest, RescheduleMovesTheDeadlineLater) {
  run([](EventLoop& loop) -> Coro<void> {
    Timeout t = timeout(1s);
    auto block = [](Timeout& t, EventLoop& loop) -> Coro<int> {
      co_await sleep(500ms);
      t.reschedule(loop.time() + 5);
      co_await sleep(2s);  // past the first deadline: still fine
      co_return 1;
    };
    EXPECT_EQ(co_await t.run(block(t, loop)), 1);
    EXPECT_FALSE(t.expired());
    EXPECT_EQ(t.when(), std::optional<double>(5.5));
  }(loop));
}

TEST_F(TimeoutTest, RescheduleEarlierFiresEarlier) {
  run([](EventLoop& loop) -> Coro<void> {
    Timeout t = timeout(1h);
    auto block = [](Timeout& t, EventLoop& loop) -> Coro<int> {
      t.reschedule(loop.time() + 3);
      co_await sleep(1h);
      co_return 1;
    };
    bool timed_out = false;
    try {
      co_await t.run(block(t, loop));
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_DOUBLE_EQ(loop.time(), 3.0);
  }(loop));
}

TEST_F(TimeoutTest, RescheduleToNoneDisablesTheDeadline) {
  run([](EventLoop& loop) -> Coro<void> {
    Timeout t = timeout(1s);
    auto block = [](Timeout& t) -> Coro<int> {
      t.reschedule(std::nullopt);
      co_await sleep(10s);
      co_return 2;
    };
    EXPECT_EQ(co_await t.run(block(t)), 2);
    EXPECT_FALSE(t.expired());
    EXPECT_EQ(t.when(), std::nullopt);
    EXPECT_DOUBLE_EQ(loop.time(), 10.0);
  }(loop));
}

TEST_F(TimeoutTest, RescheduleBeforeEnteringIsAllowed) {
  run([](EventLoop& loop) -> Coro<void> {
    Timeout t = timeout(1s);
    t.reschedule(loop.time() + 4);
    bool timed_out = false;
    try {
      co_await t.run(after(10s, 0));
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_DOUBLE_EQ(loop.time(), 4.0);
  }(loop));
}

TEST_F(TimeoutTest, RescheduleAfterExitOrExpiryIsAnError) {
  run([]() -> Coro<void> {
    Timeout done = timeout(5s);
    co_await done.run(after(1s, 0));
    EXPECT_THROW(done.reschedule(100.0), RuntimeError);

    Timeout expired = timeout(1s);
    try {
      co_await expired.run(after(5s, 0));
    } catch (const TimeoutError&) {
    }
    EXPECT_THROW(expired.reschedule(100.0), RuntimeError);
  }());
}

TEST_F(TimeoutTest, ATimeoutCannotBeEnteredTwice) {
  run([]() -> Coro<void> {
    Timeout t = timeout(5s);
    co_await t.run(after(1s, 0));
    bool raised = false;
    try {
      co_await t.run(after(1s, 0));
    } catch (const RuntimeError&) {
      raised = true;
    }
    EXPECT_TRUE(raised);
  }());
}

TEST_F(TimeoutTest, TimeoutAtUsesAnAbsoluteLoopTime) {
  run([](EventLoop& loop) -> Coro<void> {
    co_await sleep(1s);
    Timeout t = timeout_at(loop.time() + 2);
    EXPECT_EQ(t.when(), std::optional<double>(3.0));
    bool timed_out = false;
    try {
      co_await t.run(after(1h, 0));
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_DOUBLE_EQ(loop.time(), 3.0);
  }(loop));
}

TEST_F(TimeoutTest, TimeoutAtNoneNeverFires) {
  run([](EventLoop& loop) -> Coro<void> {
    Timeout t = timeout_at(std::nullopt);
    EXPECT_EQ(co_await t.run(after(100s, 9)), 9);
    EXPECT_FALSE(t.expired());
    EXPECT_DOUBLE_EQ(loop.time(), 100.0);
  }(loop));
}

TEST_F(TimeoutTest, ADeadlineAlreadyPassedFiresAtTheFirstAwait) {
  run([](EventLoop& loop) -> Coro<void> {
    co_await sleep(5s);
    Timeout t = timeout_at(1.0);
    bool timed_out = false;
    try {
      co_await t.run(after(1s, 0));
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_DOUBLE_EQ(loop.time(), 5.0);
  }(loop));
}

TEST_F(TimeoutTest, ABlockThatNeverAwaitsIsNotInterrupted) {
  int r = run([]() -> Coro<int> {
    Timeout t = timeout(0s);
    co_return co_await t.run([]() -> Coro<int> { co_return 4; }());
  }());
  EXPECT_EQ(r, 4);
}

TEST_F(TimeoutTest, TimeoutAsATemporary) {
  bool timed_out = false;
  run([](bool& timed_out) -> Coro<void> {
    try {
      co_await timeout(1s).run(after(2s, 0));  // Python: async with asyncio.timeout(1):
    } catch (const TimeoutError&) {
      timed_out = true;
    }
  }(timed_out));
  EXPECT_TRUE(timed_out);
}

}  // namespace
}  // namespace corio
