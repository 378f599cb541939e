// TaskGroup: structured concurrency. All children succeed; the first failure cancels
// the siblings and the owner, and join() raises every failure in an ExceptionGroup;
// cancel() ends the group early without error; an outside cancellation of the owner
// propagates as CancelledError; task_group(body) is the `async with` block.
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class TaskGroupTest : public test::VirtualLoopTest {};

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

Coro<int> fail_after(std::chrono::nanoseconds d, std::string msg) {
  co_await sleep(d);
  throw std::runtime_error(msg);
}

/// Sleeps for `d`, logging "<name> cancelled" if interrupted.
Coro<void> sleeper(std::vector<std::string>& log, std::string name, std::chrono::nanoseconds d) {
  try {
    co_await sleep(d);
  } catch (const CancelledError&) {
    log.push_back(name + " cancelled");
    throw;
  }
  log.push_back(name + " done");
}

std::vector<std::string> messages_of(const ExceptionGroup& eg) {
  std::vector<std::string> out;
  for (const auto& e : eg.exceptions()) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      out.push_back(x.what());
    } catch (...) {
      out.push_back("?");
    }
  }
  return out;
}

TEST_F(TaskGroupTest, JoinWaitsForEveryChild) {
  run([](EventLoop& loop) -> Coro<void> {
    TaskGroup tg;
    Task<int> a = tg.create_task(after(1s, 1));
    Task<int> b = tg.create_task(after(3s, 2));
    Task<int> c = tg.create_task(after(2s, 3));
    EXPECT_EQ(tg.size(), 3u);
    co_await tg.join();
    EXPECT_EQ(tg.size(), 0u);
    EXPECT_EQ(a.result() + b.result() + c.result(), 6);
    EXPECT_DOUBLE_EQ(loop.time(), 3.0);
  }(loop));
}

TEST_F(TaskGroupTest, JoinOfAnEmptyGroupReturnsAtOnce) {
  run([]() -> Coro<void> {
    TaskGroup tg;
    co_await tg.join();
  }());
}

TEST_F(TaskGroupTest, ChildrenMayBeAddedWhileJoining) {
  run([](EventLoop& loop) -> Coro<void> {
    TaskGroup tg;
    tg.create_task([](TaskGroup& tg) -> Coro<void> {
      co_await sleep(1s);
      tg.create_task(after(2s, 0));  // joins the group while join() waits
    }(tg));
    co_await tg.join();
    EXPECT_DOUBLE_EQ(loop.time(), 3.0);
  }(loop));
}

TEST_F(TaskGroupTest, AFailureCancelsTheSiblingsAndJoinRaisesAnExceptionGroup) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    TaskGroup tg;
    tg.create_task(sleeper(log, "sibling", 1h));
    tg.create_task(fail_after(1s, "child failed"));
    Task<void> quick = tg.create_task(sleeper(log, "quick", 500ms));
    bool raised = false;
    try {
      co_await tg.join();
    } catch (const ExceptionGroup& eg) {
      raised = true;
      EXPECT_EQ(messages_of(eg), (std::vector<std::string>{"child failed"}));
    }
    EXPECT_TRUE(raised);
    EXPECT_DOUBLE_EQ(loop.time(), 1.0);
    EXPECT_FALSE(quick.cancelled());
    EXPECT_EQ(current_task().cancelling(), 0) << "the group took back the cancellation it sent its owner";
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"quick done", "sibling cancelled"}));
}

TEST_F(TaskGroupTest, TheExceptionGroupHoldsEveryFailure) {
  run([]() -> Coro<void> {
    TaskGroup tg;
    tg.create_task(fail_after(1s, "first"));
    // Fails while being cancelled: its cleanup raises.
    tg.create_task([]() -> Coro<void> {
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        throw std::logic_error("cleanup failed");
      }
    }());
    std::vector<std::string> got;
    try {
      co_await tg.join();
    } catch (const ExceptionGroup& eg) {
      got = messages_of(eg);
    }
    EXPECT_EQ(got, (std::vector<std::string>{"first", "cleanup failed"})) << "in the order they happened";
  }());
}

TEST_F(TaskGroupTest, AChildFailureInterruptsTheOwnersBody) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    bool raised = false;
    try {
      co_await task_group([&log](TaskGroup& tg) -> Coro<void> {
        tg.create_task(fail_after(1s, "boom"));
        co_await sleeper(log, "body", 1h);  // interrupted by the child's failure
      });
    } catch (const ExceptionGroup& eg) {
      raised = true;
      EXPECT_EQ(messages_of(eg), (std::vector<std::string>{"boom"}));
    }
    EXPECT_TRUE(raised);
    EXPECT_DOUBLE_EQ(loop.time(), 1.0);
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"body cancelled"}));
}

TEST_F(TaskGroupTest, CreateTaskAfterAFailureIsRefused) {
  run([]() -> Coro<void> {
    TaskGroup tg;
    tg.create_task(fail_after(1s, "x"));
    try {
      co_await sleep(1h);
    } catch (const CancelledError&) {
    }
    EXPECT_THROW(tg.create_task(after(1s, 0)), RuntimeError);
    try {
      co_await tg.join();
    } catch (const ExceptionGroup&) {
    }
  }());
}

TEST_F(TaskGroupTest, CancelEndsTheGroupEarlyWithoutError) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log, EventLoop& loop) -> Coro<void> {
    TaskGroup tg;
    Task<void> a = tg.create_task(sleeper(log, "a", 1h));
    Task<void> b = tg.create_task(sleeper(log, "b", 1h));
    co_await sleep(2s);
    tg.cancel();
    co_await tg.join();  // no exception
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.cancelled());
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
    EXPECT_EQ(current_task().cancelling(), 0) << "cancel() does not touch the owner";
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b cancelled"}));
}

TEST_F(TaskGroupTest, CancelFromAChildEndsTheGroup) {
  run([](EventLoop& loop) -> Coro<void> {
    TaskGroup tg;
    tg.create_task([](TaskGroup& tg) -> Coro<void> {
      co_await sleep(1s);
      tg.cancel();  // e.g. "found what we were looking for"
    }(tg));
    tg.create_task(after(1h, 0));
    co_await tg.join();
    EXPECT_DOUBLE_EQ(loop.time(), 1.0);
  }(loop));
}

TEST_F(TaskGroupTest, OutsideCancellationOfTheOwnerPropagatesAsCancelledError) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log) -> Coro<void> {
    Task<void> owner = create_task([](std::vector<std::string>& log) -> Coro<void> {
      TaskGroup tg;
      tg.create_task(sleeper(log, "child", 1h));
      try {
        co_await tg.join();
      } catch (const CancelledError&) {
        log.push_back("owner got CancelledError");
        throw;
      } catch (const ExceptionGroup&) {
        log.push_back("owner got ExceptionGroup");
      }
    }(log));
    co_await sleep(1s);
    owner.cancel();
    try {
      co_await owner;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(owner.cancelled());
  }(log));
  EXPECT_EQ(log, (std::vector<std::string>{"child cancelled", "owner got CancelledError"}));
}

TEST_F(TaskGroupTest, OutsideCancellationDuringTheBodyCancelsTheChildren) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log) -> Coro<void> {
    Task<void> owner = create_task([](std::vector<std::string>& log) -> Coro<void> {
      co_await task_group([&log](TaskGroup& tg) -> Coro<void> {
        tg.create_task(sleeper(log, "child", 1h));
        co_await sleeper(log, "body", 1h);
      });
    }(log));
    co_await sleep(1s);
    owner.cancel();
    try {
      co_await owner;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(owner.cancelled());
  }(log));
  EXPECT_EQ(log, (std::vector<std::string>{"body cancelled", "child cancelled"}));
}

TEST_F(TaskGroupTest, TaskGroupHelperRunsTheBodyThenJoins) {
  std::vector<int> results;
  run([](std::vector<int>& results, EventLoop& loop) -> Coro<void> {
    co_await task_group([&results](TaskGroup& tg) -> Coro<void> {
      for (int i = 0; i < 3; ++i) {
        tg.create_task([](std::vector<int>& results, int i) -> Coro<void> {
          co_await sleep(std::chrono::seconds(3 - i));
          results.push_back(i);
        }(results, i));
      }
      co_await sleep(1s);
    });
    EXPECT_DOUBLE_EQ(loop.time(), 3.0);
  }(results, loop));
  EXPECT_EQ(results, (std::vector<int>{2, 1, 0}));
}

TEST_F(TaskGroupTest, TaskGroupHelperReportsTheBodysErrorFirstWithTheChildrens) {
  std::vector<std::string> got;
  run([](std::vector<std::string>& got) -> Coro<void> {
    try {
      co_await task_group([](TaskGroup& tg) -> Coro<void> {
        tg.create_task([]() -> Coro<void> {
          try {
            co_await sleep(1h);
          } catch (const CancelledError&) {
            throw std::logic_error("child cleanup failed");
          }
        }());
        co_await sleep(1s);
        throw std::runtime_error("body failed");
      });
    } catch (const ExceptionGroup& eg) {
      got = messages_of(eg);
    }
  }(got));
  EXPECT_EQ(got, (std::vector<std::string>{"body failed", "child cleanup failed"}));
}

TEST_F(TaskGroupTest, JoinTwiceIsAnError) {
  run([]() -> Coro<void> {
    TaskGroup tg;
    co_await tg.join();
    bool raised = false;
    try {
      co_await tg.join();
    } catch (const RuntimeError&) {
      raised = true;
    }
    EXPECT_TRUE(raised);
    EXPECT_THROW(tg.create_task(after(1s, 0)), RuntimeError);
  }());
}

TEST_F(TaskGroupTest, OutsideATaskIsAnError) {
  EXPECT_THROW(TaskGroup(), RuntimeError);
}

TEST_F(TaskGroupTest, AGroupDestroyedWithoutJoinCancelsItsChildren) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log) -> Coro<void> {
    {
      TaskGroup tg;
      tg.create_task(sleeper(log, "orphan", 1h));
      co_await sleep(1s);
    }
    co_await sleep(1s);
  }(log));
  EXPECT_EQ(log, (std::vector<std::string>{"orphan cancelled"}));
}

TEST_F(TaskGroupTest, FailuresOfAGroupDestroyedWithoutJoinAreReported) {
  run([]() -> Coro<void> {
    {
      TaskGroup tg;
      tg.create_task(fail_after(1s, "unseen"));
      try {
        co_await sleep(1h);  // interrupted by the failure
      } catch (const CancelledError&) {
      }
    }  // no join()
    co_await sleep(0s);
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u) << errors.messages();
  EXPECT_NE(reports[0].message.find("without join()"), std::string::npos) << reports[0].message;
  EXPECT_THROW(std::rethrow_exception(reports[0].exception), ExceptionGroup);
}

TEST_F(TaskGroupTest, NestedGroupsPropagateFailuresOutward) {
  run([]() -> Coro<void> {
    bool raised = false;
    try {
      co_await task_group([](TaskGroup& outer) -> Coro<void> {
        outer.create_task(task_group([](TaskGroup& inner) -> Coro<void> {
          inner.create_task(fail_after(1s, "deep"));
          co_await sleep(1h);
        }));
        co_await sleep(1h);
      });
    } catch (const ExceptionGroup& eg) {
      // The outer group holds the inner group's ExceptionGroup.
      raised = eg.exceptions().size() == 1;
      try {
        std::rethrow_exception(eg.exceptions()[0]);
      } catch (const ExceptionGroup& inner) {
        EXPECT_EQ(messages_of(inner), (std::vector<std::string>{"deep"}));
      } catch (...) {
        ADD_FAILURE() << "expected a nested ExceptionGroup";
      }
    }
    EXPECT_TRUE(raised);
  }());
}

}  // namespace
}  // namespace corio
