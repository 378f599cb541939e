// as_completed: one awaitable per input, yielding results in the order they finish; a
// timeout makes the remaining ones raise TimeoutError.
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

Coro<int> fail_after(std::chrono::nanoseconds d, std::string msg) {
  co_await sleep(d);
  throw std::runtime_error(msg);
}

class AsCompleted : public test::VirtualLoopTest {};

TEST_F(AsCompleted, YieldsResultsInTheOrderTheyFinish) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Coro<int>> cs;
    cs.push_back(after(3s, 3));
    cs.push_back(after(1s, 1));
    cs.push_back(after(2s, 2));
    std::vector<std::pair<int, double>> seen;
    for (auto& next : as_completed(std::move(cs))) {
      int v = co_await std::move(next);
      seen.emplace_back(v, loop.time());
    }
    EXPECT_EQ(seen, (std::vector<std::pair<int, double>>{{1, 1.0}, {2, 2.0}, {3, 3.0}}));
  }(loop));
}

TEST_F(AsCompleted, WorksWithTasksAndPassesFailuresThrough) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(2s, 2)), create_task(fail_after(1s, "bad"))};
    auto its = as_completed(ts);
    bool failed_first = false;
    try {
      co_await std::move(its[0]);
    } catch (const std::runtime_error&) {
      failed_first = true;
    }
    EXPECT_TRUE(failed_first);
    EXPECT_EQ(co_await std::move(its[1]), 2);
  }());
}

TEST_F(AsCompleted, TimeoutRaisesTimeoutErrorForWhatHasNotFinished) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1s, 1)), create_task(after(5s, 5)), create_task(after(6s, 6))};
    auto its = as_completed(ts, 2s);
    EXPECT_EQ(co_await std::move(its[0]), 1);
    bool timed_out = false;
    try {
      co_await std::move(its[1]);
    } catch (const TimeoutError&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    EXPECT_DOUBLE_EQ(loop.time(), 2.0);
    bool again = false;
    try {
      co_await std::move(its[2]);
    } catch (const TimeoutError&) {
      again = true;
    }
    EXPECT_TRUE(again);
    EXPECT_FALSE(ts[1].cancelled()) << "as_completed cancels nothing";
    for (auto& t : ts) t.cancel();
  }(loop));
}

TEST_F(AsCompleted, AlreadyFinishedTasksComeFirst) {
  run([]() -> Coro<void> {
    Task<int> done = create_task(after(0s, 0));
    co_await done;
    std::vector<Task<int>> ts{create_task(after(1s, 1)), done};
    auto its = as_completed(ts);
    EXPECT_EQ(co_await std::move(its[0]), 0);
    EXPECT_EQ(co_await std::move(its[1]), 1);
  }());
}

TEST_F(AsCompleted, DroppingTheAwaitablesEarlyIsSafe) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts{create_task(after(1s, 1)), create_task(after(2s, 2))};
    {
      auto its = as_completed(ts, 10s);
      EXPECT_EQ(co_await std::move(its[0]), 1);
    }
    co_await sleep(20s);  // a finishing task and the expired timer find nobody listening
  }());
}

}  // namespace
}  // namespace corio
