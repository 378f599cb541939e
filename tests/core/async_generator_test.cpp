// AsyncGenerator<T>: Python's async generators — next() until exhaustion, async_for,
// aclose() with cleanup that may await, and exceptions from the body.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class AsyncGeneratorTest : public test::VirtualLoopTest {};

AsyncGenerator<int> ticker(int n, std::chrono::nanoseconds every) {
  for (int i = 0; i < n; ++i) {
    co_await sleep(every);
    co_yield i;
  }
}

TEST_F(AsyncGeneratorTest, NextYieldsEachValueThenNullopt) {
  run([](EventLoop& loop) -> Coro<void> {
    auto gen = ticker(3, 1s);
    std::vector<std::pair<int, double>> seen;
    while (auto v = co_await gen.next()) seen.emplace_back(*v, loop.time());
    EXPECT_EQ(seen, (std::vector<std::pair<int, double>>{{0, 1.0}, {1, 2.0}, {2, 3.0}}));
    EXPECT_TRUE(gen.done());
    EXPECT_EQ(co_await gen.next(), std::nullopt) << "an exhausted generator stays exhausted";
  }(loop));
}

TEST_F(AsyncGeneratorTest, BodyDoesNotRunUntilTheFirstNext) {
  run([]() -> Coro<void> {
    bool started = false;
    auto gen = [](bool& s) -> AsyncGenerator<int> {
      s = true;
      co_yield 1;
    }(started);
    co_await sleep(1s);
    EXPECT_FALSE(started);
    EXPECT_EQ(co_await gen.next(), 1);
    EXPECT_TRUE(started);
  }());
}

TEST_F(AsyncGeneratorTest, AsyncForWithAPlainCallback) {
  std::vector<int> seen = run([]() -> Coro<std::vector<int>> {
    std::vector<int> seen;
    co_await async_for(ticker(4, 10ms), [&seen](int v) { seen.push_back(v); });
    co_return seen;
  }());
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(AsyncGeneratorTest, AsyncForWithACoroutineCallbackAwaitsEachCall) {
  auto [seen, t] = run([](EventLoop& loop) -> Coro<std::pair<std::vector<std::string>, double>> {
    std::vector<std::string> seen;
    co_await async_for(ticker(3, 1s), [&seen](int v) -> Coro<void> {
      co_await sleep(1s);
      seen.push_back("v" + std::to_string(v));
    });
    co_return std::make_pair(seen, loop.time());
  }(loop));
  EXPECT_EQ(seen, (std::vector<std::string>{"v0", "v1", "v2"}));
  EXPECT_DOUBLE_EQ(t, 6.0);  // 3 x (1 s in the generator + 1 s in the callback)
}

TEST_F(AsyncGeneratorTest, AnExceptionInTheBodyComesOutOfNext) {
  run([]() -> Coro<void> {
    auto gen = []() -> AsyncGenerator<int> {
      co_yield 1;
      co_await sleep(1s);
      throw std::runtime_error("generator failed");
    }();
    EXPECT_EQ(co_await gen.next(), 1);
    bool caught = false;
    try {
      co_await gen.next();
    } catch (const std::runtime_error& e) {
      caught = std::string(e.what()) == "generator failed";
    }
    EXPECT_TRUE(caught);
    EXPECT_TRUE(gen.done());
    EXPECT_EQ(co_await gen.next(), std::nullopt);
  }());
}

TEST_F(AsyncGeneratorTest, AnExceptionInTheBodyComesOutOfAsyncFor) {
  EXPECT_THROW(run([]() -> Coro<void> {
                 auto gen = []() -> AsyncGenerator<int> {
                   co_yield 1;
                   throw std::invalid_argument("bad item");
                 }();
                 co_await async_for(std::move(gen), [](int) {});
               }()),
               std::invalid_argument);
}

TEST_F(AsyncGeneratorTest, AnExceptionInTheAsyncForCallbackPropagates) {
  EXPECT_THROW(run([]() -> Coro<void> {
                 co_await async_for(ticker(5, 1s), [](int v) {
                   if (v == 2) throw std::out_of_range("stop at 2");
                 });
               }()),
               std::out_of_range);
}

TEST_F(AsyncGeneratorTest, AcloseRaisesGeneratorExitAndLetsCleanupAwait) {
  auto [log, t] = run([](EventLoop& loop) -> Coro<std::pair<std::vector<std::string>, double>> {
    std::vector<std::string> log;
    auto gen = [](std::vector<std::string>& log) -> AsyncGenerator<int> {
      bool exiting = false;
      try {
        co_yield 1;
        co_yield 2;
      } catch (const GeneratorExit&) {
        exiting = true;
      }
      if (exiting) {
        co_await sleep(2s);  // asynchronous cleanup (C++ cannot co_await inside catch)
        log.push_back("cleaned up");
      }
    }(log);
    EXPECT_EQ(co_await gen.next(), 1);
    co_await gen.aclose();
    log.push_back("closed");
    EXPECT_TRUE(gen.done());
    EXPECT_EQ(co_await gen.next(), std::nullopt);
    co_return std::make_pair(log, loop.time());
  }(loop));
  EXPECT_EQ(log, (std::vector<std::string>{"cleaned up", "closed"}));
  EXPECT_DOUBLE_EQ(t, 2.0);
}

TEST_F(AsyncGeneratorTest, AcloseOnAnUnstartedOrFinishedGeneratorIsHarmless) {
  run([]() -> Coro<void> {
    auto finished = ticker(1, 1s);
    EXPECT_EQ(co_await finished.next(), 0);
    EXPECT_EQ(co_await finished.next(), std::nullopt);
    co_await finished.aclose();
    co_await finished.aclose();
  }());
}

TEST_F(AsyncGeneratorTest, AcloseWhenTheBodyIgnoresGeneratorExitIsARuntimeError) {
  run([]() -> Coro<void> {
    auto gen = []() -> AsyncGenerator<int> {
      while (true) {
        try {
          co_yield 1;
        } catch (const GeneratorExit&) {
        }
      }
    }();
    co_await gen.next();
    bool raised = false;
    try {
      co_await gen.aclose();
    } catch (const RuntimeError& e) {
      raised = std::string(e.what()).find("ignored GeneratorExit") != std::string::npos;
    }
    EXPECT_TRUE(raised);
  }());
}

TEST_F(AsyncGeneratorTest, CancellingTheConsumerTaskCancelsTheAwaitInsideTheBody) {
  run([]() -> Coro<void> {
    bool body_saw_cancel = false;
    Task<void> consumer = create_task([](bool& saw) -> Coro<void> {
      auto gen = [](bool& saw) -> AsyncGenerator<int> {
        try {
          co_await sleep(100s);
        } catch (const CancelledError&) {
          saw = true;
          throw;
        }
        co_yield 1;
      }(saw);
      co_await gen.next();
    }(body_saw_cancel));
    co_await sleep(1s);
    consumer.cancel();
    try {
      co_await consumer;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(consumer.cancelled());
    EXPECT_TRUE(body_saw_cancel);
  }());
  EXPECT_LT(loop.time(), 100.0);
}

TEST_F(AsyncGeneratorTest, DestroyingASuspendedGeneratorRunsDestructors) {
  run([]() -> Coro<void> {
    bool destroyed = false;
    {
      auto gen = [](bool& d) -> AsyncGenerator<int> {
        struct Guard {
          bool& b;
          ~Guard() { b = true; }
        } g{d};
        co_yield 1;
        co_yield 2;
      }(destroyed);
      EXPECT_EQ(co_await gen.next(), 1);
      EXPECT_FALSE(destroyed);
    }
    EXPECT_TRUE(destroyed);
  }());
}

}  // namespace
}  // namespace corio
