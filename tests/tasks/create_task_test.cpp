// create_task, ensure_future, current_task, all_tasks, and sleep's scheduling rules.
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class CreateTask : public test::VirtualLoopTest {};

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

TEST_F(CreateTask, SchedulesTheCoroutineOnTheRunningLoop) {
  int r = run([]() -> Coro<int> {
    Task<int> t = create_task(after(1s, 4));
    EXPECT_FALSE(t.done());
    co_return co_await t;
  }());
  EXPECT_EQ(r, 4);
}

TEST_F(CreateTask, TasksRunConcurrently) {
  double elapsed = run([](EventLoop& loop) -> Coro<double> {
    std::vector<Task<int>> ts;
    for (int i = 0; i < 10; ++i) ts.push_back(create_task(after(1s, i)));
    int sum = 0;
    for (auto& t : ts) sum += co_await t;
    EXPECT_EQ(sum, 45);
    co_return loop.time();
  }(loop));
  EXPECT_DOUBLE_EQ(elapsed, 1.0) << "ten 1 s sleeps in parallel take 1 s, not 10";
}

TEST_F(CreateTask, OutsideARunningLoopIsAnError) {
  CORIO_EXPECT_THROW_MSG(create_task(after(1s, 0)), RuntimeError, "no running event loop");
  EXPECT_THROW(all_tasks(), RuntimeError);
}

TEST_F(CreateTask, TheNameIsGiven) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(after(0s, 0), "named");
    EXPECT_EQ(t.get_name(), "named");
    co_await t;
  }());
}

TEST_F(CreateTask, ATaskNobodyHoldsStillRunsToCompletion) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log) -> Coro<void> {
    // The handle is dropped at once: the loop keeps the task alive.
    create_task([](std::vector<std::string>& log) -> Coro<void> {
      log.push_back("started");
      co_await sleep(5s);
      log.push_back("finished");
    }(log));
    co_await sleep(10s);
  }(log));
  EXPECT_EQ(log, (std::vector<std::string>{"started", "finished"}));
}

TEST_F(CreateTask, EnsureFutureWrapsACoroAndPassesTasksAndFuturesThrough) {
  run([](EventLoop& loop) -> Coro<void> {
    Task<int> t = ensure_future(after(1s, 1));
    Task<int> same = ensure_future(t);
    EXPECT_TRUE(t == same);
    Future<int> f = loop.create_future<int>();
    Future<int> g = ensure_future(f);
    EXPECT_TRUE(f == g);
    f.set_result(2);
    EXPECT_EQ(co_await t + co_await g, 3);
  }(loop));
}

TEST_F(CreateTask, CurrentTaskInsideAndOutside) {
  EXPECT_FALSE(static_cast<bool>(current_task()));
  run([]() -> Coro<void> {
    Task<std::string> t = create_task([]() -> Coro<std::string> {
      co_await sleep(1s);
      co_return current_task().get_name();  // still the same task after a suspension
    }(), "me");
    EXPECT_EQ(co_await t, "me");
  }());
  loop.call_soon([] { EXPECT_FALSE(static_cast<bool>(current_task())) << "a plain callback runs in no task"; });
  run(after(1s, 0));
}

TEST_F(CreateTask, AllTasksListsTheUnfinishedTasksOfTheRunningLoop) {
  run([]() -> Coro<void> {
    Task<int> a = create_task(after(1s, 0), "a");
    Task<int> b = create_task(after(2s, 0), "b");
    auto names = [] {
      std::vector<std::string> out;
      for (const TaskRef& t : all_tasks()) out.push_back(t.get_name());
      std::sort(out.begin(), out.end());
      return out;
    };
    std::string me = current_task().get_name();
    std::vector<std::string> expected{"a", "b", me};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(names(), expected) << "the current task is listed too";
    co_await a;
    expected.erase(std::find(expected.begin(), expected.end(), "a"));
    EXPECT_EQ(names(), expected);
    co_await b;
    EXPECT_EQ(names(), (std::vector<std::string>{me}));
  }());
}

TEST_F(CreateTask, AllTasksCanCancelEverythingElse) {
  run([]() -> Coro<void> {
    for (int i = 0; i < 5; ++i) create_task(after(1h, i));
    co_await sleep(0s);
    TaskRef me = current_task();
    for (TaskRef& t : all_tasks()) {
      if (!(t == me)) t.cancel();
    }
    co_await sleep(0s);
    EXPECT_EQ(all_tasks().size(), 1u);
  }());
}

TEST_F(CreateTask, SleepZeroYieldsExactlyOnce) {
  std::string trace;
  run([](std::string& trace) -> Coro<void> {
    auto worker = [](std::string& trace, char name) -> Coro<void> {
      for (int i = 1; i <= 3; ++i) {
        trace += name;
        trace += char('0' + i);
        trace += ' ';
        co_await sleep(0s);
      }
    };
    Task<void> a = create_task(worker(trace, 'a'));
    Task<void> b = create_task(worker(trace, 'b'));
    co_await a;
    co_await b;
  }(trace));
  EXPECT_EQ(trace, "a1 b1 a2 b2 a3 b3 ");
}

TEST_F(CreateTask, SleepZeroDoesNotAdvanceTime) {
  double t = run([](EventLoop& loop) -> Coro<double> {
    for (int i = 0; i < 100; ++i) co_await sleep(0s);
    co_return loop.time();
  }(loop));
  EXPECT_DOUBLE_EQ(t, 0.0);
}

TEST_F(CreateTask, SleepsEndInDeadlineOrder) {
  std::vector<std::pair<int, double>> log;
  run([](std::vector<std::pair<int, double>>& log, EventLoop& loop) -> Coro<void> {
    auto s = [](std::vector<std::pair<int, double>>& log, EventLoop& loop, int id, double secs) -> Coro<void> {
      co_await sleep(secs);
      log.emplace_back(id, loop.time());
    };
    Task<void> a = create_task(s(log, loop, 3, 3.0));
    Task<void> b = create_task(s(log, loop, 1, 1.0));
    Task<void> c = create_task(s(log, loop, 2, 2.0));
    co_await a;
    co_await b;
    co_await c;
  }(log, loop));
  EXPECT_EQ(log, (std::vector<std::pair<int, double>>{{1, 1.0}, {2, 2.0}, {3, 3.0}}));
}

TEST_F(CreateTask, ANegativeSleepActsLikeSleepZero) {
  double t = run([](EventLoop& loop) -> Coro<double> {
    co_await sleep(-5s);
    co_await sleep(-1.0);
    co_return loop.time();
  }(loop));
  EXPECT_DOUBLE_EQ(t, 0.0);
}

TEST_F(CreateTask, SleepInsideNestedCorosSuspendsTheWholeTask) {
  std::string trace;
  run([](std::string& trace) -> Coro<void> {
    auto inner = [](std::string& trace) -> Coro<void> {
      trace += "i";
      co_await sleep(1s);
      trace += "I";
    };
    auto outer = [inner](std::string& trace) -> Coro<void> {
      co_await inner(trace);
      trace += "O";
    };
    Task<void> t = create_task(outer(trace));
    co_await sleep(0.5);
    trace += "m";
    co_await t;
  }(trace));
  EXPECT_EQ(trace, "imIO");
}

}  // namespace
}  // namespace corio
