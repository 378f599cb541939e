// run / Runner and the per-thread current loop: get_running_loop, get_event_loop,
// set_event_loop, new_event_loop, and Ctrl-C becoming KeyboardInterrupt.
#include <signal.h>

#include <stdexcept>
#include <string>
#include <thread>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

TEST(Run, ReturnsTheResultOfTheMainCoroutine) {
  EXPECT_EQ(run(after(1s, 11), test::virtual_options()), 11);
}

TEST(Run, RethrowsTheExceptionOfTheMainCoroutine) {
  auto failing = []() -> Coro<void> {
    co_await sleep(1s);
    throw std::invalid_argument("main failed");
  };
  EXPECT_THROW(run(failing(), test::virtual_options()), std::invalid_argument);
}

TEST(Run, CancelsLeftoverTasksAndLetsThemFinish) {
  bool cancelled = false;
  bool finished = false;
  int r = run([](bool& cancelled, bool& finished) -> Coro<int> {
    create_task([](bool& cancelled, bool& finished) -> Coro<void> {
      try {
        co_await sleep(1h);
        finished = true;
      } catch (const CancelledError&) {
        cancelled = true;
        throw;
      }
    }(cancelled, finished));
    co_await sleep(1s);
    co_return 3;
  }(cancelled, finished), test::virtual_options());
  EXPECT_EQ(r, 3);
  EXPECT_TRUE(cancelled) << "run() cancels what is left when the main coroutine returns";
  EXPECT_FALSE(finished);
}

TEST(Run, ALeftoverTaskMayAwaitDuringItsCancellation) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log) -> Coro<void> {
    create_task([](std::vector<std::string>& log) -> Coro<void> {
      bool cancelled = false;
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        cancelled = true;
      }
      if (cancelled) {
        co_await sleep(1s);  // asynchronous cleanup
        log.push_back("cleaned up");
      }
    }(log));
    co_await sleep(0s);
  }(log), test::virtual_options());
  EXPECT_EQ(log, (std::vector<std::string>{"cleaned up"}));
}

TEST(Run, TheLoopIsClosedAfterwardsAndNoLongerCurrent) {
  EventLoop* seen = nullptr;
  run([](EventLoop*& seen) -> Coro<void> {
    seen = &get_running_loop();
    EXPECT_TRUE(&get_event_loop() == seen);
    co_return;
  }(seen), test::virtual_options());
  EXPECT_NE(seen, nullptr);
  EXPECT_THROW(get_running_loop(), RuntimeError);
  EXPECT_THROW(get_event_loop(), RuntimeError);
}

TEST(Run, UsesTheRealClockByDefault) {
  double t = run([]() -> Coro<double> {
    co_await sleep(1ms);
    co_return get_running_loop().time();
  }());
  EXPECT_GT(t, 1.0) << "steady_clock seconds, not a virtual clock starting at 0";
}

TEST(RunnerTest, RunsSeveralCoroutinesOnOneLoop) {
  Runner runner(test::virtual_options());
  EventLoop& loop = runner.get_loop();
  EXPECT_EQ(runner.run(after(1s, 1)), 1);
  EXPECT_EQ(runner.run(after(1s, 2)), 2);
  EXPECT_EQ(&runner.get_loop(), &loop);
  EXPECT_DOUBLE_EQ(loop.time(), 2.0);
  EXPECT_FALSE(loop.is_closed());
  runner.close();
  EXPECT_TRUE(loop.is_closed());
  runner.close();  // idempotent
}

TEST(RunnerTest, TasksOfOneRunContinueInTheNext) {
  Runner runner(test::virtual_options());
  Task<int> bg = runner.run([]() -> Coro<Task<int>> { co_return create_task(after(5s, 50)); }());
  EXPECT_FALSE(bg.done());
  runner.run(after(10s, 0));
  EXPECT_TRUE(bg.done());
  EXPECT_EQ(bg.result(), 50);
}

TEST(RunnerTest, RunAfterCloseIsAnError) {
  Runner runner(test::virtual_options());
  runner.close();
  EXPECT_THROW(runner.run(after(1s, 0)), RuntimeError);
}

TEST(RunnerTest, DebugFlagIsAppliedToTheLoop) {
  Runner on(test::virtual_options(), true);
  EXPECT_TRUE(on.get_loop().get_debug());
  on.close();
  Runner off(test::virtual_options(), false);
  EXPECT_FALSE(off.get_loop().get_debug());
}

TEST(RunnerTest, TheRunnersLoopIsThisThreadsCurrentLoopUntilClosed) {
  {
    Runner runner(test::virtual_options());
    EXPECT_EQ(&get_event_loop(), &runner.get_loop());
  }
  EXPECT_THROW(get_event_loop(), RuntimeError);
}

TEST(RunnerTest, CloseCancelsTasksLeftByRun) {
  Runner runner(test::virtual_options());
  Task<int> left = runner.run([]() -> Coro<Task<int>> { co_return create_task(after(1h, 0)); }());
  runner.close();
  EXPECT_TRUE(left.cancelled());
}

TEST(CurrentLoop, GetRunningLoopThrowsOutsideARunningLoop) {
  CORIO_EXPECT_THROW_MSG(get_running_loop(), RuntimeError, "no running event loop");
  EventLoop loop(test::virtual_options());
  EXPECT_THROW(get_running_loop(), RuntimeError) << "a loop that is not running is not the running loop";
}

TEST(CurrentLoop, GetRunningLoopInsideReturnsThatLoop) {
  EventLoop loop(test::virtual_options());
  EventLoop* inside = loop.run_until_complete([]() -> Coro<EventLoop*> { co_return &get_running_loop(); }());
  EXPECT_EQ(inside, &loop);
  EventLoop* in_callback = nullptr;
  loop.call_soon([&] {
    in_callback = &get_running_loop();
    loop.stop();
  });
  loop.run_forever();
  EXPECT_EQ(in_callback, &loop);
}

TEST(CurrentLoop, GetEventLoopReturnsTheLoopSetForThisThread) {
  EXPECT_THROW(get_event_loop(), RuntimeError);
  auto loop = new_event_loop(test::virtual_options());
  set_event_loop(loop.get());
  EXPECT_EQ(&get_event_loop(), loop.get());
  set_event_loop(nullptr);
  EXPECT_THROW(get_event_loop(), RuntimeError);
}

TEST(CurrentLoop, GetEventLoopPrefersTheRunningLoop) {
  auto set = new_event_loop(test::virtual_options());
  auto running = new_event_loop(test::virtual_options());
  set_event_loop(set.get());
  EventLoop* seen = running->run_until_complete([]() -> Coro<EventLoop*> { co_return &get_event_loop(); }());
  set_event_loop(nullptr);
  EXPECT_EQ(seen, running.get());
}

TEST(CurrentLoop, TheCurrentLoopIsPerThread) {
  auto mine = new_event_loop(test::virtual_options());
  set_event_loop(mine.get());
  bool other_had_none = false;
  bool other_sees_its_own = false;
  std::thread other([&] {
    try {
      get_event_loop();
    } catch (const RuntimeError&) {
      other_had_none = true;
    }
    auto theirs = new_event_loop(test::virtual_options());
    set_event_loop(theirs.get());
    other_sees_its_own = &get_event_loop() == theirs.get();
    set_event_loop(nullptr);
  });
  other.join();
  EXPECT_TRUE(other_had_none);
  EXPECT_TRUE(other_sees_its_own);
  EXPECT_EQ(&get_event_loop(), mine.get()) << "the other thread's set_event_loop did not touch ours";
  set_event_loop(nullptr);
}

TEST(CurrentLoop, EachThreadRunsItsOwnLoopAtTheSameTime) {
  int a = 0, b = 0;
  std::thread t1([&] { a = run(after(1s, 1), test::virtual_options()); });
  std::thread t2([&] { b = run(after(1s, 2), test::virtual_options()); });
  t1.join();
  t2.join();
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
}

// gtest runs tests on the main thread, where run() turns SIGINT into cancelling the
// main task and raising KeyboardInterrupt once it has unwound.
TEST(KeyboardInterruptTest, RunOnTheMainThreadTurnsSigintIntoKeyboardInterrupt) {
  struct sigaction sa {};
  ASSERT_EQ(sigaction(SIGINT, nullptr, &sa), 0);
  ASSERT_EQ(sa.sa_handler, SIG_DFL) << "run() only handles SIGINT when it has its default disposition";
  bool main_saw_cancel = false;
  auto main_coro = [](bool& saw) -> Coro<int> {
    ::raise(SIGINT);  // as if the user pressed Ctrl-C
    try {
      co_await get_running_loop().create_future<void>();  // waits forever
    } catch (const CancelledError&) {
      saw = true;
      throw;
    }
    co_return 0;
  };
  EXPECT_THROW(run(main_coro(main_saw_cancel)), KeyboardInterrupt);
  EXPECT_TRUE(main_saw_cancel) << "the main task is cancelled and unwinds first";
  // The default disposition and an unblocked SIGINT are restored.
  ASSERT_EQ(sigaction(SIGINT, nullptr, &sa), 0);
  EXPECT_EQ(sa.sa_handler, SIG_DFL);
  sigset_t cur;
  pthread_sigmask(SIG_BLOCK, nullptr, &cur);
  EXPECT_EQ(sigismember(&cur, SIGINT), 0);
}

TEST(KeyboardInterruptTest, KeyboardInterruptIsNotAStdException) {
  static_assert(!std::is_base_of_v<std::exception, KeyboardInterrupt>);
  static_assert(std::is_base_of_v<BaseException, KeyboardInterrupt>);
}

TEST(KeyboardInterruptTest, AMainTaskThatSwallowsTheCancellationReturnsNormally) {
  int r = run([]() -> Coro<int> {
    ::raise(SIGINT);
    try {
      co_await get_running_loop().create_future<void>();
    } catch (const CancelledError&) {
      co_return 5;  // swallowed: like asyncio, no KeyboardInterrupt then
    }
    co_return 0;
  }());
  EXPECT_EQ(r, 5);
}

}  // namespace
}  // namespace corio
