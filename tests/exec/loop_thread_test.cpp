// LoopThread and run_coroutine_threadsafe: a loop per thread, driven from other threads
// (asyncio.run_coroutine_threadsafe).
//
// Hand-offs between threads go through latches and concurrent futures; the only sleeps
// are hour-long ones that the tests cancel.
#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "corio_test.hpp"
#include "corio/core/frame_allocator.hpp"
#include "corio/exec/exec.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

Coro<std::pair<std::string, std::thread::id>> where_am_i() {
  co_await sleep(0s);
  co_return std::make_pair(current_thread_name(), std::this_thread::get_id());
}

TEST(LoopThread, RunsItsLoopOnItsOwnNamedThread) {
  LoopThread worker("worker");
  auto [name, id] = run_coroutine_threadsafe(where_am_i(), worker.loop()).result();
  EXPECT_EQ(name, "worker");
  EXPECT_EQ(id, worker.get_id());
  EXPECT_NE(id, std::this_thread::get_id());
}

TEST(LoopThread, TheLoopIsTheThreadsCurrentLoop) {
  LoopThread worker;
  EventLoop* seen = run_coroutine_threadsafe([]() -> Coro<EventLoop*> { co_return &get_event_loop(); }(),
                                             worker.loop()).result();
  EXPECT_EQ(seen, &worker.loop());
}

TEST(LoopThread, TenThreadsRunTenLoopsInParallel) {
  std::vector<std::unique_ptr<LoopThread>> threads;
  for (int i = 0; i < 10; ++i) threads.push_back(std::make_unique<LoopThread>("loop-" + std::to_string(i)));
  std::vector<concurrent::Future<std::pair<std::string, std::thread::id>>> fs;
  for (auto& t : threads) fs.push_back(run_coroutine_threadsafe(where_am_i(), t->loop()));
  std::set<std::thread::id> ids;
  for (std::size_t i = 0; i < fs.size(); ++i) {
    auto [name, id] = fs[i].result();
    EXPECT_EQ(name, "loop-" + std::to_string(i));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 10u);
}

// Regression: callbacks posted from a plain thread are allocated by that thread's frame
// pool and freed by the loop's. The freed blocks used to pile up on the loop's thread
// while the producer carved new memory for every post (about 16 MB per million posts).
TEST(LoopThread, PostingFromAnotherThreadReusesTheMemoryTheLoopFrees) {
  LoopThread worker;
  std::atomic<int> ran{0};
  auto post_wave = [&](int n) {
    std::promise<void> done;
    for (int i = 0; i < n; ++i) worker.loop().call_soon_threadsafe([&ran] { ran.fetch_add(1, std::memory_order_relaxed); });
    worker.loop().call_soon_threadsafe([&done] { done.set_value(); });
    done.get_future().wait();
  };
  post_wave(50'000);  // warm both pools
  const std::size_t before = detail::frame_pool_reserved_bytes();
  for (int wave = 0; wave < 40; ++wave) post_wave(50'000);
  const std::size_t grown = detail::frame_pool_reserved_bytes() - before;
  EXPECT_EQ(ran.load(), 41 * 50'000);
  if (before == 0) GTEST_SKIP() << "the frame pool is off in this build (sanitizers)";
  EXPECT_LT(grown, 4u << 20) << "2,000,000 posts took " << grown << " bytes of fresh pool memory";
}

TEST(RunCoroutineThreadsafe, AnExceptionOfTheCoroutineIsRaisedByResult) {
  LoopThread worker;
  auto f = run_coroutine_threadsafe([]() -> Coro<int> {
    co_await sleep(0s);
    throw ValueError("bad value");
  }(), worker.loop());
  EXPECT_THROW(f.result(), ValueError);
  EXPECT_FALSE(f.cancelled());
}

Coro<void> sleep_an_hour(std::latch& started, std::latch& saw_cancel) {
  started.count_down();
  try {
    co_await sleep(std::chrono::hours(1));
  } catch (const CancelledError&) {
    saw_cancel.count_down();
    throw;
  }
}

TEST(RunCoroutineThreadsafe, CancellingTheFutureCancelsTheTaskOnItsLoop) {
  LoopThread worker;
  std::latch started(1), saw_cancel(1);
  auto f = run_coroutine_threadsafe(sleep_an_hour(started, saw_cancel), worker.loop());
  started.wait();
  EXPECT_FALSE(f.running()) << "as in asyncio, the future stays pending while the task runs";
  EXPECT_TRUE(f.cancel());
  EXPECT_TRUE(f.cancelled());
  saw_cancel.wait();  // the task got CancelledError at its await
  EXPECT_THROW(f.result(), CancelledError);
}

Coro<void> block_thread(std::latch& entered, std::latch& release) {
  entered.count_down();
  release.wait();  // blocks the whole loop on purpose
  co_return;
}

Coro<void> set_flag(std::atomic<bool>& flag) {
  flag = true;
  co_return;
}

TEST(RunCoroutineThreadsafe, AFutureCancelledBeforeTheLoopGotToItNeverRunsTheCoroutine) {
  LoopThread worker;
  std::latch entered(1), release(1);
  std::atomic<bool> ran{false};
  auto busy = run_coroutine_threadsafe(block_thread(entered, release), worker.loop());
  entered.wait();
  auto f = run_coroutine_threadsafe(set_flag(ran), worker.loop());
  EXPECT_TRUE(f.cancel());
  release.count_down();
  busy.result();
  // One more round trip: the cancelled submission has been handled by now.
  run_coroutine_threadsafe([]() -> Coro<void> { co_return; }(), worker.loop()).result();
  EXPECT_FALSE(ran.load());
}

TEST(RunCoroutineThreadsafe, TheTaskStartsInACopyOfTheCallersContext) {
  static ContextVar<std::string> who("who", "nobody");
  auto token = who.set("main thread");
  LoopThread worker;
  auto f = run_coroutine_threadsafe([]() -> Coro<std::string> {
    std::string before = who.get();
    who.set("task");
    co_return before;
  }(), worker.loop());
  EXPECT_EQ(f.result(), "main thread");
  EXPECT_EQ(who.get(), "main thread");
  who.reset(token);
  EXPECT_EQ(who.get(), "nobody");
}

TEST(RunCoroutineThreadsafe, StoppingTheLoopThreadCancelsItsUnfinishedTasks) {
  std::latch started(1), saw_cancel(1);
  concurrent::Future<void> f;
  {
    LoopThread worker;
    f = run_coroutine_threadsafe(sleep_an_hour(started, saw_cancel), worker.loop());
    started.wait();
  }  // stop(): the loop closes on its thread and cancels the task
  EXPECT_TRUE(f.done());
  EXPECT_TRUE(f.cancelled());
}

TEST(RunCoroutineThreadsafe, AClosedLoopRefusesNewCoroutines) {
  LoopThread worker;
  worker.stop();
  EXPECT_TRUE(worker.loop().is_closed());
  EXPECT_THROW(run_coroutine_threadsafe([]() -> Coro<void> { co_return; }(), worker.loop()), RuntimeError);
}

TEST(RunCoroutineThreadsafe, LoopsOnDifferentThreadsCallEachOther) {
  // A task on loop A asks loop B for a value and awaits it without blocking loop A.
  LoopThread a("A"), b("B");
  EventLoop& lb = b.loop();
  auto f = run_coroutine_threadsafe([](EventLoop& other) -> Coro<std::string> {
    auto cf = run_coroutine_threadsafe([]() -> Coro<std::string> { co_return current_thread_name(); }(), other);
    std::string there = co_await wrap_future(cf);
    co_return there + " answered " + current_thread_name();
  }(lb), a.loop());
  EXPECT_EQ(f.result(), "B answered A");
}

}  // namespace
}  // namespace corio
