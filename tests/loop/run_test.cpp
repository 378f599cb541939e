// Running and stopping a loop: run_until_complete, run_forever, stop, close,
// is_running / is_closed, and the errors for misuse.
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class RunTest : public test::VirtualLoopTest {};

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

TEST_F(RunTest, RunUntilCompleteReturnsTheResult) {
  EXPECT_EQ(run(after(1s, 5)), 5);
  EXPECT_DOUBLE_EQ(loop.time(), 1.0);
  EXPECT_FALSE(loop.is_running());
}

TEST_F(RunTest, RunUntilCompleteRethrowsTheException) {
  auto failing = []() -> Coro<void> {
    co_await sleep(1s);
    throw std::runtime_error("failed in loop");
  };
  CORIO_EXPECT_THROW_MSG(run(failing()), std::runtime_error, "failed in loop");
  EXPECT_FALSE(loop.is_running());
  EXPECT_EQ(run(after(1s, 1)), 1) << "the loop is usable after a failure";
}

TEST_F(RunTest, RunUntilCompleteCanBeCalledRepeatedly) {
  EXPECT_EQ(run(after(1s, 1)), 1);
  EXPECT_EQ(run(after(1s, 2)), 2);
  EXPECT_DOUBLE_EQ(loop.time(), 2.0);
}

TEST_F(RunTest, TasksCreatedBeforeRunningProgressDuringALaterRun) {
  Task<int> bg = loop.create_task(after(1s, 7));
  EXPECT_FALSE(bg.done());
  run(after(2s, 0));
  EXPECT_TRUE(bg.done());
  EXPECT_EQ(bg.result(), 7);
}

TEST_F(RunTest, DoneCallbacksAddedBeforeRunUntilCompleteHaveRunWhenItReturns) {
  // asyncio stops the loop through a scheduled callback, after the future's earlier
  // done-callbacks (seed 001's add_done_callback example relies on it).
  Task<int> t = loop.create_task(after(1s, 4));
  std::vector<int> seen;
  t.add_done_callback([&seen](Task<int>& done) { seen.push_back(done.result()); });
  EXPECT_EQ(loop.run_until_complete(Future<int>(t)), 4);
  EXPECT_EQ(seen, (std::vector<int>{4}));
}

TEST_F(RunTest, IsRunningIsTrueOnlyWhileRunning) {
  EXPECT_FALSE(loop.is_running());
  bool inside_callback = false, inside_task = false;
  loop.call_soon([&] { inside_callback = loop.is_running(); });
  run([](EventLoop& loop, bool& inside) -> Coro<void> {
    inside = loop.is_running();
    co_return;
  }(loop, inside_task));
  EXPECT_TRUE(inside_callback);
  EXPECT_TRUE(inside_task);
  EXPECT_FALSE(loop.is_running());
}

TEST_F(RunTest, RunForeverRunsUntilStop) {
  int ticks = 0;
  std::function<void()> tick = [&] {
    if (++ticks == 5) {
      loop.stop();
      return;
    }
    loop.call_later(1s, tick);
  };
  loop.call_soon(tick);
  loop.run_forever();
  EXPECT_EQ(ticks, 5);
  EXPECT_DOUBLE_EQ(loop.time(), 4.0);
  EXPECT_FALSE(loop.is_running());
}

TEST_F(RunTest, StopFinishesTheCurrentBatchFirst) {
  std::vector<int> order;
  loop.call_soon([&] {
    order.push_back(1);
    loop.stop();
  });
  loop.call_soon([&] { order.push_back(2); });  // same batch: still runs
  loop.call_soon([&] { loop.call_soon([&] { order.push_back(3); }); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{1, 2}));
  // What was scheduled for the next iteration runs on the next run.
  loop.call_soon([&] { loop.stop(); });
  loop.run_forever();
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST_F(RunTest, StopBeforeRunForeverMakesItRunOneIteration) {
  int calls = 0;
  loop.call_soon([&] { ++calls; });
  loop.stop();
  loop.run_forever();
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(loop.is_running());
}

TEST_F(RunTest, RunUntilCompleteRaisesIfTheLoopStopsFirst) {
  loop.call_later(1s, [this] { loop.stop(); });
  CORIO_EXPECT_THROW_MSG(run(after(10s, 0)), RuntimeError, "stopped before");
}

TEST_F(RunTest, RunForeverWhileRunningIsAnError) {
  bool raised = false;
  loop.call_soon([&] {
    try {
      loop.run_forever();
    } catch (const RuntimeError& e) {
      raised = std::string(e.what()).find("already running") != std::string::npos;
    }
  });
  run(after(1s, 0));
  EXPECT_TRUE(raised);
}

TEST_F(RunTest, RunUntilCompleteFromInsideATaskIsAnError) {
  bool raised = run([](EventLoop& loop) -> Coro<bool> {
    Future<int> f = loop.create_future<int>();
    f.set_result(1);
    try {
      loop.run_until_complete(f);  // done already: returns at once, no nested run
      Future<int> g = loop.create_future<int>();
      loop.run_until_complete(g);
    } catch (const RuntimeError&) {
      co_return true;
    }
    co_return false;
  }(loop));
  EXPECT_TRUE(raised);
}

TEST_F(RunTest, RunningASecondLoopOnTheSameThreadIsAnError) {
  bool raised = run([]() -> Coro<bool> {
    EventLoop other(test::virtual_options());
    try {
      other.run_forever();
    } catch (const RuntimeError& e) {
      co_return std::string(e.what()).find("another loop") != std::string::npos;
    }
    co_return false;
  }());
  EXPECT_TRUE(raised);
}

TEST_F(RunTest, CloseWhileRunningIsAnError) {
  bool raised = false;
  loop.call_soon([&] {
    try {
      loop.close();
    } catch (const RuntimeError&) {
      raised = true;
    }
  });
  run(after(1s, 0));
  EXPECT_TRUE(raised);
  EXPECT_FALSE(loop.is_closed());
}

TEST_F(RunTest, CloseMarksTheLoopClosedAndIsIdempotent) {
  EXPECT_FALSE(loop.is_closed());
  loop.close();
  EXPECT_TRUE(loop.is_closed());
  EXPECT_NO_THROW(loop.close());
  EXPECT_TRUE(loop.is_closed());
}

TEST_F(RunTest, AClosedLoopRefusesWork) {
  loop.close();
  EXPECT_THROW(loop.call_soon([] {}), RuntimeError);
  EXPECT_THROW(loop.call_later(1s, [] {}), RuntimeError);
  EXPECT_THROW(loop.call_at(1.0, [] {}), RuntimeError);
  EXPECT_THROW(loop.call_soon_threadsafe([] {}), RuntimeError);
  EXPECT_THROW(loop.run_forever(), RuntimeError);
  EXPECT_THROW(loop.create_future<int>(), RuntimeError);
  CORIO_EXPECT_THROW_MSG(loop.run_until_complete(after(1s, 0)), RuntimeError, "closed");
}

TEST_F(RunTest, CloseCancelsLeftoverTasksAndLetsThemUnwind) {
  bool cleaned_up = false;
  Task<void> t = loop.create_task([](bool& cleaned) -> Coro<void> {
    try {
      co_await sleep(1h);
    } catch (const CancelledError&) {
      cleaned = true;
      throw;
    }
  }(cleaned_up));
  run(after(1s, 0));
  EXPECT_FALSE(t.done());
  loop.close();
  EXPECT_TRUE(cleaned_up);
  EXPECT_TRUE(t.cancelled());
}

TEST_F(RunTest, CloseReleasesPendingCallbacksWithoutLeaking) {
  loop.call_soon([] {});
  loop.call_later(1s, [] {});
  Future<int> f = loop.create_future<int>();
  f.add_done_callback([](Future<int>&) {});
  f.set_result(1);  // its done callback is now queued
  loop.close();     // ASan's leak check verifies that nothing queued is lost
  EXPECT_TRUE(loop.is_closed());
}

// Regression: close() used to run the callbacks still in the ready queue to release
// them; asyncio discards them.
TEST_F(RunTest, CloseDiscardsPendingCallbacksWithoutRunningThem) {
  int calls = 0;
  loop.call_soon([&] { ++calls; });
  loop.call_later(1s, [&] { ++calls; });
  loop.close();
  EXPECT_EQ(calls, 0);
}

// Regression: close() used to cancel leftover tasks only when no loop ran on the
// thread, and otherwise reported "Task was destroyed but it is pending!" and leaked the
// task (LeakSanitizer flagged it).
TEST_F(RunTest, ALoopClosedWhileAnotherRunsStillFinishesItsLeftoverTasks) {
  run([]() -> Coro<void> {
    test::ErrorLog inner_errors;
    EventLoop inner(test::virtual_options());
    inner_errors.attach(inner);
    Task<void> left = inner.create_task([]() -> Coro<void> { co_await sleep(1h); }());
    inner.close();
    EXPECT_TRUE(left.done());
    EXPECT_TRUE(inner_errors.empty()) << inner_errors.messages();
    co_return;
  }());
}

TEST_F(RunTest, AllTasksListsUnfinishedTasksOnly) {
  Task<int> a = loop.create_task(after(1s, 1));
  Task<int> b = loop.create_task(after(3s, 2));
  EXPECT_EQ(loop.all_tasks().size(), 2u);
  run(after(2s, 0));
  auto left = loop.all_tasks();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_TRUE(left[0] == TaskRef(b));
  run(after(2s, 0));
  EXPECT_TRUE(loop.all_tasks().empty());
}

TEST_F(RunTest, AllTasksStaysExactWhileTasksFinishInAnyOrder) {
  // Enough tasks to cross the table's compaction threshold, finishing first in the
  // order they were made, then from the back, then scattered.
  std::vector<Task<int>> ts;
  for (int i = 0; i < 300; ++i) ts.push_back(loop.create_task(after(std::chrono::seconds(1 + i), i)));
  for (int i = 0; i < 300; ++i) ts.push_back(loop.create_task(after(std::chrono::seconds(900 - i), i)));
  for (int i = 0; i < 300; ++i) ts.push_back(loop.create_task(after(std::chrono::seconds(1000 + (i * 7) % 300), i)));
  auto unfinished = [&] {
    std::size_t n = 0;
    for (auto& t : ts) n += t.done() ? 0 : 1;
    return n;
  };
  for (int step : {150, 300, 450, 600, 700, 900, 1150, 1300}) {
    run(after(std::chrono::milliseconds(step * 1000 + 500 - static_cast<std::int64_t>(loop.time() * 1000)), 0));
    auto left = loop.all_tasks();
    ASSERT_EQ(left.size(), unfinished()) << "at " << step << " s";
    for (TaskRef& t : left) EXPECT_FALSE(t.done());
  }
  EXPECT_TRUE(loop.all_tasks().empty());
}

TEST(LoopDriver, TheDriverIsChosenByCorioDriver) {
  EventLoop loop;
  const char* env = std::getenv("CORIO_DRIVER");
  std::string name = loop.driver_name();
  if (env && *env) {
    EXPECT_EQ(name, env);
  } else {
    EXPECT_TRUE(name == "uring" || name == "epoll") << name;
  }
  loop.close();
  EXPECT_STREQ(loop.driver_name(), "closed");
}

TEST(LoopDriver, LoopOptionsSelectsTheDriverWhenTheEnvironmentDoesNot) {
  const char* env = std::getenv("CORIO_DRIVER");
  std::string saved = env ? env : "";
  ::unsetenv("CORIO_DRIVER");
  std::string name;
  {
    LoopOptions options;
    options.driver = LoopOptions::Driver::Epoll;
    EventLoop epoll(options);
    name = epoll.driver_name();
  }
  if (env) ::setenv("CORIO_DRIVER", saved.c_str(), 1);
  EXPECT_EQ(name, "epoll");
}

TEST(LoopDriver, AnUnknownCorioDriverIsRejected) {
  const char* env = std::getenv("CORIO_DRIVER");
  std::string saved = env ? env : "";
  ::setenv("CORIO_DRIVER", "kqueue", 1);
  bool rejected = false;
  try {
    EventLoop loop;
  } catch (const std::invalid_argument&) {
    rejected = true;
  }
  if (env) ::setenv("CORIO_DRIVER", saved.c_str(), 1); else ::unsetenv("CORIO_DRIVER");
  EXPECT_TRUE(rejected);
}

}  // namespace
}  // namespace corio
