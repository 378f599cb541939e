// Cancellation (DESIGN.md §3): task.cancel() makes the await point the task is
// suspended on throw CancelledError; CancelledError is not a std::exception;
// cancelling()/uncancel() count requests as asyncio does.
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class Cancellation : public test::VirtualLoopTest {};

TEST_F(Cancellation, CancelledErrorIsNotAStdException) {
  static_assert(!std::is_base_of_v<std::exception, CancelledError>);
  static_assert(std::is_base_of_v<BaseException, CancelledError>);
  bool swallowed = false;
  run([](bool& swallowed) -> Coro<void> {
    Task<void> t = create_task([](bool& swallowed) -> Coro<void> {
      try {
        co_await sleep(1h);
      } catch (const std::exception&) {
        swallowed = true;  // must not happen: cancellation is not an ordinary error
      }
    }(swallowed));
    co_await sleep(1s);
    t.cancel();
    try {
      co_await t;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(t.cancelled());
  }(swallowed));
  EXPECT_FALSE(swallowed);
}

TEST_F(Cancellation, CancelWhileSleepingRaisesAtTheAwaitAndRemovesTheTimer) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    Task<void> t = create_task([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
      try {
        co_await sleep(1h);
        log.push_back("woke normally");
      } catch (const CancelledError&) {
        log.push_back("cancelled at " + std::to_string(loop.time()));
        throw;
      }
    }(log, loop));
    co_await sleep(2s);
    EXPECT_TRUE(t.cancel());
    EXPECT_FALSE(t.done()) << "cancel() only requests; the task unwinds on its next step";
    co_await sleep(0s);
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(t.cancelled());
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled at 2.000000"}));
  EXPECT_LT(loop.time(), 3600.0) << "the cancelled sleep's timer must not keep the loop busy";
}

TEST_F(Cancellation, CancelBeforeTheFirstStepMeansTheBodyNeverRuns) {
  bool ran = false;
  run([](bool& ran) -> Coro<void> {
    Task<void> t = create_task([](bool& ran) -> Coro<void> {
      ran = true;
      co_return;
    }(ran));
    EXPECT_TRUE(t.cancel());
    try {
      co_await t;
      ADD_FAILURE() << "awaiting a cancelled task must raise";
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(t.cancelled());
  }(ran));
  EXPECT_FALSE(ran);
}

TEST_F(Cancellation, CancelBeforeTheFirstStepDestroysTheFrame) {
  bool destroyed = false;
  run([](bool& destroyed) -> Coro<void> {
    struct Guard {
      bool& b;
      ~Guard() { b = true; }
    };
    Task<void> t = create_task([](Guard g) -> Coro<void> {
      (void)g;
      co_return;
    }(Guard{destroyed}));
    // The Guard parameter is copied into the frame; the temporary's destructor already
    // ran, so reset and watch the frame's copy.
    destroyed = false;
    t.cancel();
    co_await sleep(0s);
    EXPECT_TRUE(t.cancelled());
  }(destroyed));
  EXPECT_TRUE(destroyed);
}

TEST_F(Cancellation, TheCancelMessageSurvivesACancelBeforeTheFirstStep) {
  std::string msg = run([]() -> Coro<std::string> {
    Task<void> t = create_task([]() -> Coro<void> { co_return; }());
    t.cancel("too early");
    try {
      co_await t;
    } catch (const CancelledError& e) {
      co_return e.message();
    }
    co_return "not cancelled";
  }());
  EXPECT_EQ(msg, "too early");
}

TEST_F(Cancellation, CancelOnADoneTaskReturnsFalse) {
  run([]() -> Coro<void> {
    Task<int> t = create_task([]() -> Coro<int> { co_return 1; }());
    co_await t;
    EXPECT_FALSE(t.cancel());
    EXPECT_FALSE(t.cancelled());
    EXPECT_EQ(t.result(), 1);
  }());
}

TEST_F(Cancellation, TheCancelMessageReachesTheTaskAndItsAwaiters) {
  std::string inside;
  std::string outside = run([](std::string& inside) -> Coro<std::string> {
    Task<void> t = create_task([](std::string& inside) -> Coro<void> {
      try {
        co_await sleep(1h);
      } catch (const CancelledError& e) {
        inside = e.message();
        throw;
      }
    }(inside));
    co_await sleep(1s);
    t.cancel("shutting down");
    try {
      co_await t;
    } catch (const CancelledError& e) {
      co_return e.message();
    }
    co_return "";
  }(inside));
  EXPECT_EQ(inside, "shutting down");
  EXPECT_EQ(outside, "shutting down");
}

TEST_F(Cancellation, ATaskThatCatchesCancelledErrorAndReturnsAValueIsNotCancelled) {
  run([]() -> Coro<void> {
    Task<int> t = create_task([]() -> Coro<int> {
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        co_return -1;
      }
      co_return 0;
    }());
    co_await sleep(1s);
    t.cancel();
    int r = co_await t;
    EXPECT_EQ(r, -1);
    EXPECT_FALSE(t.cancelled());
    EXPECT_EQ(t.cancelling(), 1) << "the request is still counted, as in asyncio";
  }());
}

TEST_F(Cancellation, ATaskMayAwaitAgainAfterCatchingCancelledError) {
  double finished_at = run([](EventLoop& loop) -> Coro<double> {
    Task<double> t = create_task([](EventLoop& loop) -> Coro<double> {
      bool cancelled = false;
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        cancelled = true;
      }
      EXPECT_TRUE(cancelled);
      co_await sleep(3s);  // cleanup that awaits: the cancellation was delivered once
      co_return loop.time();
    }(loop));
    co_await sleep(1s);
    t.cancel();
    co_return co_await t;
  }(loop));
  EXPECT_DOUBLE_EQ(finished_at, 4.0);
}

TEST_F(Cancellation, CancellingCountsRequestsAndUncancelTakesThemBack) {
  run([]() -> Coro<void> {
    Task<void> t = create_task([]() -> Coro<void> {
      bool cancelled = false;
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        cancelled = true;
      }
      EXPECT_TRUE(cancelled);
      TaskRef me = current_task();
      EXPECT_EQ(me.cancelling(), 2);
      EXPECT_EQ(me.uncancel(), 1);
      EXPECT_EQ(me.uncancel(), 0);
      EXPECT_EQ(me.uncancel(), 0) << "never below zero";
      co_await sleep(1s);  // no cancellation pending any more: sleeps normally
    }());
    co_await sleep(1s);
    EXPECT_EQ(t.cancelling(), 0);
    t.cancel();
    t.cancel();
    EXPECT_EQ(t.cancelling(), 2);
    co_await t;
    EXPECT_FALSE(t.cancelled());
  }());
}

TEST_F(Cancellation, UncancelToZeroBeforeDeliveryRetractsThePendingCancellation) {
  run([]() -> Coro<void> {
    Task<int> t = create_task([]() -> Coro<int> {
      // Woken by its timer and cancelled in the same loop iteration, before it ran.
      co_await sleep(1s);
      co_return 7;
    }());
    co_await sleep(1s);  // our timer was armed first: t is woken too, and runs after us
    t.cancel();
    EXPECT_EQ(t.uncancel(), 0);
    EXPECT_EQ(co_await t, 7);
    EXPECT_FALSE(t.cancelled());
  }());
}

TEST_F(Cancellation, CancelTwiceDeliversOneCancelledError) {
  int caught = 0;
  run([](int& caught) -> Coro<void> {
    Task<void> t = create_task([](int& caught) -> Coro<void> {
      for (int i = 0; i < 3; ++i) {
        try {
          co_await sleep(1h);
        } catch (const CancelledError&) {
          ++caught;
        }
      }
    }(caught));
    co_await sleep(1s);
    t.cancel();
    t.cancel();
    co_await sleep(1s);
    t.cancel();  // a second, later request reaches the next await
    co_await sleep(1s);
    EXPECT_FALSE(t.done());
    t.cancel();
    co_await t;
  }(caught));
  EXPECT_EQ(caught, 3);
}

TEST_F(Cancellation, CancellingTheAwaiterOfATaskCancelsThatTaskToo) {
  // asyncio: awaiting a task and being cancelled cancels the awaited task.
  run([]() -> Coro<void> {
    Task<int> inner = create_task([]() -> Coro<int> {
      co_await sleep(1h);
      co_return 1;
    }());
    Task<void> outer = create_task([](Task<int> inner) -> Coro<void> { co_await inner; }(inner));
    co_await sleep(1s);
    outer.cancel();
    co_await sleep(0s);
    co_await sleep(0s);
    EXPECT_TRUE(outer.cancelled());
    EXPECT_TRUE(inner.cancelled());
  }());
}

TEST_F(Cancellation, CancelInsideANestedCoroUnwindsEveryLevel) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log) -> Coro<void> {
    auto level2 = [](std::vector<std::string>& log) -> Coro<void> {
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        log.push_back("level2");
        throw;
      }
    };
    auto level1 = [level2](std::vector<std::string>& log) -> Coro<void> {
      try {
        co_await level2(log);
      } catch (const CancelledError&) {
        log.push_back("level1");
        throw;
      }
    };
    Task<void> t = create_task(level1(log));
    co_await sleep(1s);
    t.cancel();
    try {
      co_await t;
    } catch (const CancelledError&) {
      log.push_back("awaiter");
    }
  }(log));
  EXPECT_EQ(log, (std::vector<std::string>{"level2", "level1", "awaiter"}));
}

TEST_F(Cancellation, TheCurrentTaskCanCancelItself) {
  run([]() -> Coro<void> {
    Task<void> t = create_task([]() -> Coro<void> {
      current_task().cancel();
      co_await sleep(0s);  // the next await point raises
      ADD_FAILURE() << "not cancelled";
    }());
    try {
      co_await t;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(t.cancelled());
  }());
}

TEST_F(Cancellation, ATaskThatFinishesWithoutAwaitingAfterCancelIsCancelled) {
  // cancel() while the task is running (from its own body) and the body then returns
  // without another await: asyncio marks it cancelled.
  run([]() -> Coro<void> {
    Task<int> t = create_task([]() -> Coro<int> {
      current_task().cancel();
      co_return 5;
    }());
    try {
      co_await t;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(t.cancelled());
  }());
}

// A woken task's queue link and a parked task's wait hook share one word: a task
// queued to resume must not be mistaken for one that is still waiting.
TEST_F(Cancellation, ATaskWokenButNotYetResumedIsCancelledAtItsAwait) {
  run([]() -> Coro<void> {
    Event ev;
    bool cancelled = false;
    Task<void> t = create_task([](Event& ev, bool& cancelled) -> Coro<void> {
      try {
        co_await ev.wait();
      } catch (const CancelledError&) {
        cancelled = true;
        throw;
      }
    }(ev, cancelled));
    co_await sleep(0s);  // t parks on the event
    ev.set();            // t is queued to resume...
    EXPECT_TRUE(t.cancel());  // ...and cancelled before it does
    co_await sleep(0s);
    co_await sleep(0s);
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(t.cancelled());
  }());
}

TEST_F(Cancellation, CancellingASleeperInterruptsItsSleepAfterItWasQueuedAndParkedAgain) {
  run([](EventLoop& loop) -> Coro<void> {
    int woke = 0;
    Task<void> t = create_task([](int& woke) -> Coro<void> {
      co_await sleep(0s);
      ++woke;
      co_await sleep(1h);
      ++woke;
    }(woke));
    co_await sleep(0s);
    co_await sleep(0s);
    EXPECT_EQ(woke, 1);
    EXPECT_TRUE(t.cancel());
    co_await sleep(0s);
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(woke, 1);
    EXPECT_LT(loop.time(), 1.0);
  }(loop));
}

}  // namespace
}  // namespace corio
