// run_in_executor, to_thread, wrap_future and the loop's default executor
// (loop.run_in_executor, asyncio.to_thread, asyncio.wrap_future).
//
// The loops here run on the real clock: their tasks wait for other threads, and a
// virtual clock would jump past any timer meanwhile. Nothing sleeps: the other threads
// are held and released with latches.
#include <atomic>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>

#include "corio_test.hpp"
#include "corio/exec/exec.hpp"

namespace corio {
namespace {

TEST(RunInExecutor, RunsTheFunctionInTheExecutorAndAwaitsItsResult) {
  ThreadPoolExecutor pool(2, "pool");
  auto [value, name] = run([&]() -> Coro<std::pair<int, std::string>> {
    co_return co_await run_in_executor(&pool, [](int x) { return std::make_pair(x * x, current_thread_name()); }, 20);
  }());
  EXPECT_EQ(value, 400);
  EXPECT_EQ(name, "pool_0");
}

TEST(RunInExecutor, NullMeansTheLoopsDefaultExecutor) {
  std::string name = run([]() -> Coro<std::string> {
    co_return co_await run_in_executor(nullptr, [] { return current_thread_name(); });
  }());
  EXPECT_EQ(name, "corio_0");
}

TEST(RunInExecutor, TheLoopKeepsRunningWhileTheJobBlocks) {
  // The job blocks until a task on the loop has run: only a loop that is not blocked
  // by the job lets that task run.
  ThreadPoolExecutor pool(1);
  run([&]() -> Coro<void> {
    std::latch ticked(1);
    auto job = run_in_executor(&pool, [&] { ticked.wait(); });
    co_await sleep(std::chrono::milliseconds(0));
    ticked.count_down();
    co_await job;
  }());
}

TEST(ToThread, AnExceptionOfTheFunctionIsRaisedAtTheAwait) {
  run([]() -> Coro<void> {
    try {
      co_await to_thread([]() -> int { throw std::length_error("too long"); });
      ADD_FAILURE() << "no exception";
    } catch (const std::length_error& e) {
      EXPECT_STREQ(e.what(), "too long");
    }
  }());
}

TEST(ToThread, ReturnsMoveOnlyResults) {
  auto p = run([]() -> Coro<std::unique_ptr<int>> {
    Future<std::unique_ptr<int>> f = to_thread([] { return std::make_unique<int>(5); });
    const std::unique_ptr<int>& r = co_await f;  // a move-only result stays in the future
    co_return std::make_unique<int>(*r);
  }());
  EXPECT_EQ(*p, 5);
}

TEST(ToThread, CarriesTheCallersContextVarsButNotBack) {
  static ContextVar<std::string> var("var", "unset");
  run([]() -> Coro<void> {
    var.set("caller");
    std::string seen = co_await to_thread([] {
      std::string s = var.get();
      var.set("worker");  // in the worker's copy only
      return s;
    });
    EXPECT_EQ(seen, "caller");
    EXPECT_EQ(var.get(), "caller");
    EXPECT_EQ(co_await to_thread([] { return var.get(); }), "caller") << "the worker's own change is gone";
  }());
}

Coro<void> await_job(ThreadPoolExecutor& pool, std::atomic<bool>& ran) {
  co_await run_in_executor(&pool, [&ran] { ran = true; });
}

TEST(RunInExecutor, CancellingTheTaskCancelsAJobThatHasNotStarted) {
  ThreadPoolExecutor pool(1);
  std::latch started(1), release(1);
  std::atomic<bool> ran{false};
  run([&]() -> Coro<void> {
    auto blocker = run_in_executor(&pool, [&] {
      started.count_down();
      release.wait();
    });
    auto waiter = create_task(await_job(pool, ran));
    co_await sleep(std::chrono::milliseconds(0));  // the waiter is now awaiting
    waiter.cancel();
    try {
      co_await waiter;
      ADD_FAILURE() << "the task was not cancelled";
    } catch (const CancelledError&) {
    }
    co_await to_thread([&] { started.wait(); });
    release.count_down();
    co_await blocker;
  }());
  pool.shutdown(true);
  EXPECT_FALSE(ran.load()) << "the queued job was cancelled with its future";
}

TEST(WrapFuture, TheLoopFutureGetsTheConcurrentFuturesResult) {
  concurrent::Future<int> cf;
  std::thread setter;
  int r = run([&]() -> Coro<int> {
    Future<int> lf = wrap_future(cf);
    setter = std::thread([cf]() mutable { cf.set_result(11); });
    co_return co_await lf;
  }());
  setter.join();
  EXPECT_EQ(r, 11);
}

TEST(WrapFuture, AnExceptionAndACancellationCrossOver) {
  run([]() -> Coro<void> {
    concurrent::Future<int> failing;
    failing.set_exception(std::make_exception_ptr(std::runtime_error("remote")));
    EXPECT_THROW(co_await wrap_future(failing), std::runtime_error);
    concurrent::Future<int> cancelled;
    cancelled.cancel();
    Future<int> lf = wrap_future(cancelled);
    try {
      co_await lf;
      ADD_FAILURE() << "not cancelled";
    } catch (const CancelledError&) {
    }
  }());
}

TEST(WrapFuture, CancellingTheLoopFutureCancelsTheConcurrentOne) {
  concurrent::Future<int> cf;
  run([&]() -> Coro<void> {
    Future<int> lf = wrap_future(cf);
    lf.cancel();
    co_await sleep(std::chrono::milliseconds(0));
  }());
  EXPECT_TRUE(cf.cancelled());
}

TEST(DefaultExecutor, ClosingTheLoopWaitsForTheWorkItStarted) {
  std::atomic<bool> finished{false};
  std::latch started(1), release(1);
  run([&]() -> Coro<void> {
    // Not awaited: the loop closes while the job is still running.
    (void)to_thread([&] {
      started.count_down();
      release.wait();
      finished = true;
    });
    co_await to_thread([&] { started.wait(); });
    release.count_down();
  }());
  EXPECT_TRUE(finished.load());
}

TEST(DefaultExecutor, ClosingTheLoopKeepsItRunningForJobsThatNeedIt) {
  // A job that asks the closing loop for something must get its answer (asyncio.run's
  // shutdown_default_executor runs the loop meanwhile).
  std::atomic<int> answer{0};
  std::latch go(1);
  run([&]() -> Coro<void> {
    EventLoop& loop = get_running_loop();
    (void)to_thread([&answer, &go, &loop] {
      go.wait();
      answer = run_coroutine_threadsafe([]() -> Coro<int> { co_return 17; }(), loop).result();
    });
    go.count_down();
    co_return;
  }());
  EXPECT_EQ(answer.load(), 17);
}

TEST(DefaultExecutor, SetDefaultExecutorReplacesIt) {
  auto mine = std::make_shared<ThreadPoolExecutor>(1, "mine");
  std::string name = run([&]() -> Coro<std::string> {
    set_default_executor(get_running_loop(), mine);
    co_return co_await to_thread([] { return current_thread_name(); });
  }());
  EXPECT_EQ(name, "mine_0");
  EXPECT_THROW(mine->submit([] {}), RuntimeError) << "the loop shut it down when it closed";
}

}  // namespace
}  // namespace corio
