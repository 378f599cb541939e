// create_task, ensure_future, current_task, all_tasks; a task nobody holds still runs.
#include <algorithm>
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

// A task that has not parked yet is not in the loop's table: all_tasks() finds it in
// the ready queue, in the rest of the batch being run, or running.
std::vector<std::string> all_task_names() {
  std::vector<std::string> out;
  for (const TaskRef& t : all_tasks()) out.push_back(t.get_name());
  std::sort(out.begin(), out.end());
  return out;
}

struct Seen {
  std::string who;
  std::vector<std::string> names;
};

Coro<void> record_all_tasks(std::vector<Seen>& log) {
  log.push_back({current_task().get_name(), all_task_names()});
  co_return;
}

void expect_every_state_listed(EventLoop& loop) {
  std::vector<Seen> log;
  std::string main;
  loop.run_until_complete([](std::vector<Seen>& log, std::string& me) -> Coro<void> {
    me = current_task().get_name();
    std::vector<std::string> main_only{me};
    Task<void> a = create_task(record_all_tasks(log), "a");
    Task<void> b = create_task([]() -> Coro<void> { co_await sleep(1h); }(), "b");
    Task<void> c = create_task(record_all_tasks(log), "c");
    // Fresh tasks, queued: listed though none has run.
    std::vector<std::string> all{"a", "b", "c", me};
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all_task_names(), all);
    co_await a;
    co_await c;
    std::vector<std::string> b_and_main{"b", me};
    std::sort(b_and_main.begin(), b_and_main.end());
    EXPECT_EQ(all_task_names(), b_and_main);
    for (TaskRef& t : all_tasks()) {
      if (t.get_name() == "b") t.cancel();
    }
    while (!b.done()) co_await sleep(0s);
    EXPECT_EQ(all_task_names(), main_only);
  }(log, main));
  // a and c ran in one batch: each saw itself running, b (queued or parked), main
  // (queued or parked), and the other one if it had not run yet.
  ASSERT_EQ(log.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    std::vector<std::string> expected{"b", main, log[k].who};
    if (k == 0) expected.push_back(log[1].who);
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(log[k].names, expected) << log[k].who;
  }
}

TEST_F(CreateTask, AllTasksListsTasksThatHaveNotParkedYet) { expect_every_state_listed(loop); }

TEST(CreateTaskShuffled, AllTasksListsTasksThatHaveNotParkedYetInAShuffledBatch) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    LoopOptions options = test::virtual_options();
    options.shuffle_seed = seed;
    EventLoop loop(options);
    expect_every_state_listed(loop);
    loop.close();
  }
}

TEST(CreateTaskClose, ATaskCreatedByACloseCallbackIsStillFinished) {
  test::ErrorLog errors;
  EventLoop loop(test::virtual_options());
  errors.attach(loop);
  Task<void> late;
  loop.add_close_callback([&] { late = loop.create_task([]() -> Coro<void> { co_await sleep(1h); }(), "late"); });
  loop.close();
  ASSERT_TRUE(late.valid());
  EXPECT_TRUE(late.cancelled()) << "never run, but not left behind either";
  EXPECT_TRUE(errors.contains("Task was destroyed but it is pending!")) << errors.messages();
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
