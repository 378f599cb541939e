// Task<T>: a Future driving a Coro. Awaitable many times, named, and a failure nobody
// retrieved is reported when the task goes away.
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class TaskTest : public test::VirtualLoopTest {};

Coro<int> value_after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

Coro<int> fail_after(std::chrono::nanoseconds d, std::string msg) {
  co_await sleep(d);
  throw std::runtime_error(msg);
}

// Counts its live instances: every path a result takes (a Coro's return, a task's
// result, a future's value, a dropped value) must destroy what it made.
struct Counted {
  static inline int live = 0;
  std::string text;
  explicit Counted(std::string t) : text(std::move(t)) { ++live; }
  Counted(const Counted& o) : text(o.text) { ++live; }
  Counted(Counted&& o) noexcept : text(std::move(o.text)) { ++live; }
  Counted& operator=(const Counted&) = default;
  ~Counted() { --live; }
};

TEST_F(TaskTest, EveryResultIsDestroyedExactlyOnce) {
  Counted::live = 0;
  run([](EventLoop& loop) -> Coro<void> {
    auto make = [](std::string s) -> Coro<Counted> { co_return Counted(std::move(s)); };
    auto relay = [make](std::string s) -> Coro<Counted> {
      Counted c = co_await make(s + "!");
      co_return c;
    };
    Counted a = co_await relay("awaited");
    EXPECT_EQ(a.text, "awaited!");
    Task<Counted> t = create_task(relay("task"));
    Counted b = co_await t;
    EXPECT_EQ(b.text, "task!");
    EXPECT_EQ(t.result().text, "task!");
    // Cancelled after its body has returned: the value is dropped.
    Task<Counted> late = create_task([]() -> Coro<Counted> {
      current_task().cancel();
      co_return Counted("dropped");
    }());
    co_await sleep(0s);
    EXPECT_TRUE(late.cancelled());
    Future<Counted> f = loop.create_future<Counted>();
    f.set_result(Counted("future"));
    Future<Counted> never = loop.create_future<Counted>();
    never.cancel();
    auto failing = []() -> Coro<Counted> {
      Counted local("unwound");
      throw std::runtime_error("no value");
      co_return local;
    };
    bool caught = false;
    try {
      co_await failing();
    } catch (const std::runtime_error&) {
      caught = true;
    }
    EXPECT_TRUE(caught);
  }(loop));
  EXPECT_EQ(Counted::live, 0);
}

TEST_F(TaskTest, AwaitingANamedTaskLeavesItsResultInPlace) {
  run([]() -> Coro<void> {
    Task<std::string> t = create_task([]() -> Coro<std::string> { co_return std::string(100, 'x'); }());
    std::string a = co_await t;
    std::string b = co_await t;
    EXPECT_EQ(a, std::string(100, 'x'));
    EXPECT_EQ(b, a) << "awaiting again gives the same result";
    EXPECT_EQ(t.result(), a);
  }());
}

TEST_F(TaskTest, IsAFuture) {
  static_assert(std::is_base_of_v<Future<int>, Task<int>>);
  Task<int> t = loop.create_task(value_after(1s, 3));
  Future<int> f = t;  // a Task is usable wherever a Future is
  EXPECT_EQ(loop.run_until_complete(f), 3);
  EXPECT_TRUE(t.done());
  EXPECT_EQ(t.result(), 3);
}

TEST_F(TaskTest, StartsOnTheNextLoopIterationNotInsideCreateTask) {
  bool ran = false;
  run([](bool& ran) -> Coro<void> {
    Task<void> t = create_task([](bool& ran) -> Coro<void> {
      ran = true;
      co_return;
    }(ran));
    EXPECT_FALSE(ran);
    EXPECT_FALSE(t.done());
    co_await sleep(0s);
    EXPECT_TRUE(ran);
    EXPECT_TRUE(t.done());
  }(ran));
}

TEST_F(TaskTest, CanBeAwaitedManyTimesBySeveralTasks) {
  int result = run([]() -> Coro<int> {
    Task<int> shared = create_task(value_after(2s, 21));
    auto waiter = [](Task<int> t) -> Coro<int> { co_return co_await t; };
    Task<int> a = create_task(waiter(shared));
    Task<int> b = create_task(waiter(shared));
    int first = co_await shared;
    int again = co_await shared;  // awaiting a finished task returns at once
    EXPECT_EQ(first, again);
    co_return first + co_await a + co_await b - co_await shared;
  }());
  EXPECT_EQ(result, 42);
}

TEST_F(TaskTest, AFailedTaskRethrowsToEveryAwaiter) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(fail_after(1s, "bad"));
    for (int i = 0; i < 3; ++i) {
      try {
        co_await t;
        ADD_FAILURE() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "bad");
      }
    }
    EXPECT_TRUE(t.done());
    EXPECT_NE(t.exception(), nullptr);
  }());
}

TEST_F(TaskTest, DefaultNameIsTaskN) {
  run([]() -> Coro<void> {
    Task<int> a = create_task(value_after(0s, 0));
    Task<int> b = create_task(value_after(0s, 0));
    std::smatch ma, mb;
    std::string na = a.get_name(), nb = b.get_name();
    bool a_ok = std::regex_match(na, ma, std::regex("Task-([0-9]+)"));
    bool b_ok = std::regex_match(nb, mb, std::regex("Task-([0-9]+)"));
    EXPECT_TRUE(a_ok) << na;
    EXPECT_TRUE(b_ok) << nb;
    if (a_ok && b_ok) {
      EXPECT_EQ(std::stoi(mb[1]), std::stoi(ma[1]) + 1) << "task numbers count up";
    }
    co_await a;
    co_await b;
  }());
}

TEST_F(TaskTest, GetNameAndSetName) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(value_after(1s, 0), "worker");
    EXPECT_EQ(t.get_name(), "worker");
    t.set_name("renamed");
    EXPECT_EQ(t.get_name(), "renamed");
    EXPECT_EQ(TaskRef(t).get_name(), "renamed");
    co_await t;
    EXPECT_EQ(t.get_name(), "renamed");
  }());
}

TEST_F(TaskTest, DoneResultAndExceptionFollowTheCoroutine) {
  Task<int> ok = loop.create_task(value_after(1s, 8));
  Task<int> bad = loop.create_task(fail_after(2s, "nope"));
  EXPECT_FALSE(ok.done());
  EXPECT_THROW(ok.result(), InvalidStateError);
  loop.run_until_complete(value_after(3s, 0));
  EXPECT_TRUE(ok.done());
  EXPECT_EQ(ok.result(), 8);
  EXPECT_EQ(ok.exception(), nullptr);
  EXPECT_TRUE(bad.done());
  EXPECT_FALSE(bad.cancelled());
  CORIO_EXPECT_THROW_MSG(bad.result(), std::runtime_error, "nope");
}

TEST_F(TaskTest, NeverRetrievedExceptionIsReportedThroughTheExceptionHandler) {
  run([]() -> Coro<void> {
    create_task(fail_after(1s, "lost"), "forgotten");  // nobody keeps the handle
    co_await sleep(2s);
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("exception was never retrieved"), std::string::npos) << reports[0].message;
  ASSERT_NE(reports[0].exception, nullptr);
  CORIO_EXPECT_THROW_MSG(std::rethrow_exception(reports[0].exception), std::runtime_error, "lost");
}

// Regression: the report was built in ~FutureStateBase, where the virtual
// describe_self() is already the base's ("Future") and the task's name was lost.
TEST_F(TaskTest, NeverRetrievedReportNamesTheTask) {
  run([]() -> Coro<void> {
    create_task(fail_after(1s, "lost"), "forgotten");
    co_await sleep(2s);
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].task_name, "forgotten");
  EXPECT_NE(reports[0].message.find("forgotten"), std::string::npos) << reports[0].message;
}

TEST_F(TaskTest, NeverRetrievedIsReportedWhenTheLastHandleGoes) {
  {
    Task<int> t = loop.create_task(fail_after(1s, "held"));
    loop.run_until_complete(value_after(2s, 0));
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(errors.empty()) << "a handle still exists: the exception may yet be retrieved";
  }
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("never retrieved"), std::string::npos);
}

TEST_F(TaskTest, RetrievedExceptionIsNotReported) {
  {
    Task<int> awaited = loop.create_task(fail_after(1s, "a"));
    Task<int> asked = loop.create_task(fail_after(1s, "b"));
    Task<int> resulted = loop.create_task(fail_after(1s, "c"));
    EXPECT_THROW(loop.run_until_complete(Future<int>(awaited)), std::runtime_error);
    loop.run_until_complete(value_after(1s, 0));
    EXPECT_NE(asked.exception(), nullptr);
    EXPECT_THROW(resulted.result(), std::runtime_error);
  }
  EXPECT_TRUE(errors.empty()) << errors.messages();
}

TEST_F(TaskTest, ACancelledTaskIsNotReportedAsNeverRetrieved) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(value_after(10s, 0));
    co_await sleep(1s);
    t.cancel();
    co_await sleep(1s);
    EXPECT_TRUE(t.cancelled());
  }());
  EXPECT_TRUE(errors.empty()) << errors.messages();
}

TEST_F(TaskTest, DoneCallbackReceivesTheTask) {
  std::vector<std::string> seen;
  run([](std::vector<std::string>& seen) -> Coro<void> {
    Task<int> t = create_task(value_after(1s, 5), "cb-task");
    t.add_done_callback([&seen](Task<int>& done) {
      seen.push_back(done.get_name() + "=" + std::to_string(done.result()));
    });
    co_await t;
    co_await sleep(0s);
  }(seen));
  EXPECT_EQ(seen, (std::vector<std::string>{"cb-task=5"}));
}

TEST_F(TaskTest, CurrentTaskIsTheTaskBeingStepped) {
  EXPECT_FALSE(static_cast<bool>(current_task()));
  run([]() -> Coro<void> {
    TaskRef main = current_task();
    EXPECT_TRUE(static_cast<bool>(main));
    Task<void> child = create_task([](TaskRef parent) -> Coro<void> {
      EXPECT_TRUE(static_cast<bool>(current_task()));
      EXPECT_FALSE(current_task() == parent);
      co_return;
    }(main));
    co_await child;
    EXPECT_TRUE(current_task() == main);
    EXPECT_FALSE(current_task() == TaskRef(child));
  }());
  EXPECT_FALSE(static_cast<bool>(current_task()));
}

}  // namespace
}  // namespace corio
