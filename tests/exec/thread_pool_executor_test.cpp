// ThreadPoolExecutor: submit, map, shutdown, and exceptions that cross threads
// (concurrent.futures.ThreadPoolExecutor).
//
// Jobs that must be "still running" or "not started yet" hold on a latch the test opens;
// no sleep decides an outcome.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <latch>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "corio/exec/thread_name.hpp"
#include "corio/exec/thread_pool_executor.hpp"

namespace corio {
namespace {

TEST(ThreadPoolExecutor, SubmitRunsTheFunctionOnAWorkerAndReturnsItsResult) {
  ThreadPoolExecutor pool(2);
  auto f = pool.submit([](int a, int b) { return std::make_pair(a * b, std::this_thread::get_id()); }, 6, 7);
  auto [product, ran_on] = f.result();
  EXPECT_EQ(product, 42);
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(ThreadPoolExecutor, ArgumentsAreMovedIntoTheJobSoMoveOnlyOnesWork) {
  ThreadPoolExecutor pool(1);
  auto p = std::make_unique<int>(9);
  auto f = pool.submit([](std::unique_ptr<int> q) { return *q + 1; }, std::move(p));
  EXPECT_EQ(f.result(), 10);
  auto g = pool.submit([] { return std::make_unique<std::string>("move-only result"); });
  EXPECT_EQ(*g.result(), "move-only result");
}

TEST(ThreadPoolExecutor, AnExceptionCrossesToTheThreadAskingForTheResult) {
  ThreadPoolExecutor pool(1);
  auto f = pool.submit([]() -> int { throw std::invalid_argument("bad input 7"); });
  try {
    f.result();
    FAIL() << "result() did not rethrow";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "bad input 7");
  }
  EXPECT_TRUE(f.done());
  EXPECT_FALSE(f.cancelled());
}

TEST(ThreadPoolExecutor, WorkersAreNamedAfterThePrefix) {
  ThreadPoolExecutor pool(2, "crunch");
  EXPECT_EQ(pool.submit([] { return current_thread_name(); }).result(), "crunch_0");
  ThreadPoolExecutor unnamed(1);
  std::string name = unnamed.submit([] { return current_thread_name(); }).result();
  EXPECT_EQ(name.rfind("ThreadPoolExecutor-", 0), 0u) << name;
  EXPECT_EQ(name.substr(name.size() - 2), "_0") << name;
}

TEST(ThreadPoolExecutor, StartsWorkersLazilyAndNeverMoreThanMaxWorkers) {
  ThreadPoolExecutor pool(3);
  EXPECT_EQ(pool.max_workers(), 3u);
  EXPECT_EQ(pool.num_threads(), 0u);
  pool.submit([] {}).result();
  EXPECT_EQ(pool.num_threads(), 1u);

  std::latch release(1);
  std::atomic<int> running{0}, most{0};
  std::vector<concurrent::Future<void>> fs;
  for (int i = 0; i < 10; ++i) {
    fs.push_back(pool.submit([&] {
      int now = ++running;
      int m = most.load();
      while (now > m && !most.compare_exchange_weak(m, now)) {
      }
      release.wait();
      --running;
    }));
  }
  EXPECT_EQ(pool.num_threads(), 3u);
  release.count_down();
  for (auto& f : fs) f.result();
  EXPECT_LE(most.load(), 3);
}

TEST(ThreadPoolExecutor, TheWorkersRunInParallel) {
  // Each job waits for the other: only two threads running at once get through.
  ThreadPoolExecutor pool(2);
  std::barrier meet(2);
  auto a = pool.submit([&] { meet.arrive_and_wait(); });
  auto b = pool.submit([&] { meet.arrive_and_wait(); });
  a.result();
  b.result();
}

TEST(ThreadPoolExecutor, DefaultMaxWorkersIsPythons) {
  ThreadPoolExecutor pool;
  std::size_t cores = std::thread::hardware_concurrency();
  EXPECT_EQ(pool.max_workers(), std::min<std::size_t>(32, cores + 4));
}

TEST(ThreadPoolExecutor, ShutdownWithWaitRunsEverythingQueuedFirst) {
  ThreadPoolExecutor pool(1);
  std::latch release(1);
  std::atomic<int> ran{0};
  auto blocker = pool.submit([&] { release.wait(); });
  std::vector<concurrent::Future<void>> queued;
  for (int i = 0; i < 20; ++i) queued.push_back(pool.submit([&] { ++ran; }));
  std::thread opener([&] { release.count_down(); });
  pool.shutdown(true);
  opener.join();
  EXPECT_EQ(ran.load(), 20);
  for (auto& f : queued) EXPECT_TRUE(f.done());
  EXPECT_THROW(pool.submit([] {}), RuntimeError);
}

TEST(ThreadPoolExecutor, ShutdownWithoutWaitReturnsWhileWorkIsRunning) {
  ThreadPoolExecutor pool(1);
  std::latch started(1), release(1);
  auto f = pool.submit([&] {
    started.count_down();
    release.wait();
    return 7;
  });
  started.wait();
  pool.shutdown(false);  // returns although the job cannot finish yet
  EXPECT_FALSE(f.done());
  EXPECT_TRUE(f.running());
  EXPECT_THROW(pool.submit([] {}), RuntimeError);
  release.count_down();
  EXPECT_EQ(f.result(), 7);
}

TEST(ThreadPoolExecutor, ShutdownWithCancelFuturesCancelsWhatHasNotStarted) {
  ThreadPoolExecutor pool(1);
  std::latch started(1), release(1);
  std::atomic<bool> queued_ran{false};
  auto running = pool.submit([&] {
    started.count_down();
    release.wait();
    return 1;
  });
  started.wait();
  auto q1 = pool.submit([&] { queued_ran = true; });
  auto q2 = pool.submit([&] { queued_ran = true; });
  pool.shutdown(false, true);
  EXPECT_TRUE(q1.cancelled());
  EXPECT_TRUE(q2.cancelled());
  EXPECT_THROW(q1.result(), CancelledError);
  release.count_down();
  EXPECT_EQ(running.result(), 1) << "a running job is not interrupted";
  pool.shutdown(true);
  EXPECT_FALSE(queued_ran.load());
}

TEST(ThreadPoolExecutor, AJobCancelledBeforeItStartsNeverRuns) {
  ThreadPoolExecutor pool(1);
  std::latch started(1), release(1);
  std::atomic<bool> ran{false};
  auto blocker = pool.submit([&] {
    started.count_down();
    release.wait();
  });
  started.wait();
  auto victim = pool.submit([&] { ran = true; });
  EXPECT_TRUE(victim.cancel());
  release.count_down();
  pool.shutdown(true);
  EXPECT_FALSE(ran.load());
  EXPECT_TRUE(victim.cancelled());
}

TEST(ThreadPoolExecutor, ShutdownFromAWorkerDoesNotWaitForItself) {
  auto pool = std::make_shared<ThreadPoolExecutor>(1);
  auto f = pool->submit([pool] {
    pool->shutdown(true);
    return 3;
  });
  EXPECT_EQ(f.result(), 3);
}

TEST(ThreadPoolExecutor, MapReturnsTheResultsInTheOrderOfTheItems) {
  ThreadPoolExecutor pool(4);
  std::vector<int> items;
  for (int i = 0; i < 100; ++i) items.push_back(i);
  auto results = pool.map([](int x) { return x * x; }, items);
  EXPECT_EQ(results.size(), 100u);
  int i = 0;
  for (int sq : results) {
    EXPECT_EQ(sq, i * i);
    ++i;
  }
  EXPECT_EQ(i, 100);
}

TEST(ThreadPoolExecutor, MapRaisesTheFirstFailureWhenItsResultIsReached) {
  ThreadPoolExecutor pool(2);
  auto results = pool.map(
      [](int x) {
        if (x == 3) throw std::domain_error("three");
        return x;
      },
      std::vector<int>{1, 2, 3, 4});
  auto it = results.begin();
  EXPECT_EQ(*it, 1);
  ++it;
  EXPECT_EQ(*it, 2);
  ++it;
  EXPECT_THROW(*it, std::domain_error);
  EXPECT_THROW(results.results(), std::domain_error);
}

TEST(ThreadPoolExecutor, ManyThreadsSubmitAtOnce) {
  ThreadPoolExecutor pool(4);
  std::vector<std::thread> submitters;
  std::atomic<long> total{0};
  for (int t = 0; t < 4; ++t) {
    submitters.emplace_back([&, t] {
      std::vector<concurrent::Future<long>> fs;
      for (long i = 0; i < 500; ++i) fs.push_back(pool.submit([t, i] { return t * 1000L + i; }));
      for (auto& f : fs) total += f.result();
    });
  }
  for (auto& t : submitters) t.join();
  long expect = 0;
  for (long t = 0; t < 4; ++t) {
    for (long i = 0; i < 500; ++i) expect += t * 1000 + i;
  }
  EXPECT_EQ(total.load(), expect);
}

}  // namespace
}  // namespace corio
