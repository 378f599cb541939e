// sleep: sleep(0) yields to the loop exactly once; sleeps end in deadline order; a
// sleep in a nested Coro suspends the whole task.
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class Sleep : public test::VirtualLoopTest {};

TEST_F(Sleep, SleepZeroYieldsExactlyOnce) {
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

TEST_F(Sleep, SleepZeroDoesNotAdvanceTime) {
  double t = run([](EventLoop& loop) -> Coro<double> {
    for (int i = 0; i < 100; ++i) co_await sleep(0s);
    co_return loop.time();
  }(loop));
  EXPECT_DOUBLE_EQ(t, 0.0);
}

TEST_F(Sleep, SleepsEndInDeadlineOrder) {
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

TEST_F(Sleep, ANegativeSleepActsLikeSleepZero) {
  double t = run([](EventLoop& loop) -> Coro<double> {
    co_await sleep(-5s);
    co_await sleep(-1.0);
    co_return loop.time();
  }(loop));
  EXPECT_DOUBLE_EQ(t, 0.0);
}

TEST_F(Sleep, SleepInsideNestedCorosSuspendsTheWholeTask) {
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
