// create_task, ensure_future, current_task, all_tasks; a task nobody holds still runs.
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

}  // namespace
}  // namespace corio
