// Queue, PriorityQueue, LifoQueue: order, capacity, *_nowait, FIFO service of getters
// and putters, no barging, cancellation at every state, task_done/join.
#include <memory>

#include "sync_test_util.hpp"

namespace sync_test {
namespace {

corio::Coro<void> get_into(corio::Queue<int>& q, std::vector<int>& got) {
  got.push_back(co_await q.get());
}

corio::Coro<void> put_one(corio::Queue<int>& q, int x) { co_await q.put(x); }

TEST(Queue, IsFirstInFirstOutAndReportsItsSize) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q(3);
    EXPECT_EQ(q.maxsize(), 3);
    EXPECT_TRUE(q.empty());
    for (int i = 1; i <= 3; ++i) co_await q.put(i);
    EXPECT_EQ(q.qsize(), 3u);
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait(4), corio::QueueFull);
    EXPECT_EQ(co_await q.get(), 1);
    EXPECT_EQ(q.get_nowait(), 2);
    EXPECT_EQ(co_await q.get(), 3);
    EXPECT_THROW(q.get_nowait(), corio::QueueEmpty);
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(q.full());
  }());
}

TEST(Queue, ZeroOrNegativeMaxsizeIsUnbounded) {
  corio::Queue<int> a, b(-1);
  for (int i = 0; i < 10000; ++i) {
    a.put_nowait(i);
    b.put_nowait(i);
  }
  EXPECT_FALSE(a.full());
  EXPECT_FALSE(b.full());
  EXPECT_EQ(b.maxsize(), -1);
  for (int i = 0; i < 10000; ++i) ASSERT_EQ(a.get_nowait(), i);
  EXPECT_EQ(b.qsize(), 10000u);
}

TEST(Queue, KeepsOrderAcrossRingBufferGrowthAndWrapAround) {
  corio::Queue<int> q;
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < round * 3 + 1; ++i) q.put_nowait(next_in++);
    for (int i = 0; i < round * 2 + 1; ++i) ASSERT_EQ(q.get_nowait(), next_out++);
  }
  while (!q.empty()) ASSERT_EQ(q.get_nowait(), next_out++);
  EXPECT_EQ(next_in, next_out);
}

TEST(Queue, HoldsMoveOnlyItems) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<std::unique_ptr<int>> q(1);
    co_await q.put(std::make_unique<int>(7));
    auto p = co_await q.get();
    EXPECT_EQ(*p, 7);
    q.put_nowait(std::make_unique<int>(8));
    EXPECT_EQ(*q.get_nowait(), 8);
  }());
}

TEST(PriorityQueue, ReturnsTheSmallestItemFirst) {
  corio::PriorityQueue<std::pair<int, std::string>> q;
  q.put_nowait({3, "c"});
  q.put_nowait({1, "a"});
  q.put_nowait({2, "b"});
  EXPECT_EQ(q.get_nowait().second, "a");
  EXPECT_EQ(q.get_nowait().second, "b");
  EXPECT_EQ(q.get_nowait().second, "c");
}

TEST(PriorityQueue, TakesACustomComparison) {
  corio::PriorityQueue<int, std::greater<int>> q(0, std::greater<int>());
  for (int x : {5, 1, 9, 3}) q.put_nowait(x);
  std::vector<int> out;
  while (!q.empty()) out.push_back(q.get_nowait());
  EXPECT_EQ(out, (std::vector<int>{9, 5, 3, 1}));
}

TEST(LifoQueue, ReturnsTheLastItemFirst) {
  run_virtual([]() -> corio::Coro<void> {
    corio::LifoQueue<int> q(3);
    for (int i = 1; i <= 3; ++i) co_await q.put(i);
    EXPECT_TRUE(q.full());
    EXPECT_EQ(co_await q.get(), 3);
    EXPECT_EQ(co_await q.get(), 2);
    EXPECT_EQ(q.get_nowait(), 1);
  }());
}

TEST(Queue, WaitingGettersAreServedInArrivalOrder) {
  auto got = run_virtual([]() -> corio::Coro<std::vector<std::vector<int>>> {
    corio::Queue<int> q;
    std::vector<std::vector<int>> got(3);
    std::vector<corio::Task<void>> tasks;
    for (int i = 0; i < 3; ++i) {
      tasks.push_back(corio::create_task(get_into(q, got[static_cast<std::size_t>(i)])));
      co_await yield();
    }
    for (int i = 0; i < 3; ++i) co_await q.put(10 + i);
    co_await corio::gather(tasks);
    co_return got;
  }());
  EXPECT_EQ(got, (std::vector<std::vector<int>>{{10}, {11}, {12}}));
}

TEST(Queue, WaitingPuttersAreServedInArrivalOrder) {
  auto got = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Queue<int> q(1);
    co_await q.put(0);
    std::vector<corio::Task<void>> tasks;
    for (int i = 1; i <= 3; ++i) {
      tasks.push_back(corio::create_task(put_one(q, i)));
      co_await yield();
    }
    std::vector<int> got;
    for (int i = 0; i <= 3; ++i) got.push_back(co_await q.get());
    co_await corio::gather(tasks);
    co_return got;
  }());
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3}));
}

TEST(Queue, AnItemPromisedToAWokenGetterCannotBeTakenByAnother) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    std::vector<int> got;
    auto getter = corio::create_task(get_into(q, got));
    co_await yield();
    q.put_nowait(1);  // promised to `getter`, which has not run yet
    EXPECT_EQ(q.qsize(), 0u);
    EXPECT_TRUE(q.empty());
    EXPECT_THROW(q.get_nowait(), corio::QueueEmpty);
    q.put_nowait(2);
    EXPECT_EQ(q.get_nowait(), 2);
    co_await getter;
    EXPECT_EQ(got, (std::vector<int>{1}));
  }());
}

TEST(Queue, ASlotPromisedToAWokenPutterCannotBeTakenByAnother) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto putter = corio::create_task(put_one(q, 2));
    co_await yield();
    EXPECT_EQ(q.get_nowait(), 1);  // frees the slot, promised to `putter`
    EXPECT_TRUE(q.full());
    EXPECT_THROW(q.put_nowait(3), corio::QueueFull);
    co_await putter;
    EXPECT_EQ(q.get_nowait(), 2);
  }());
}

TEST(Queue, ACancelledWaitingGetterTakesNothing) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    std::vector<int> got_a, got_b;
    auto a = corio::create_task(get_into(q, got_a));
    auto b = corio::create_task(get_into(q, got_b));
    co_await yield();
    a.cancel();
    EXPECT_TRUE(co_await ends_cancelled(a));
    q.put_nowait(5);
    co_await b;
    EXPECT_TRUE(got_a.empty());
    EXPECT_EQ(got_b, (std::vector<int>{5}));
  }());
}

TEST(Queue, AGetterCancelledAfterItsWakeUpPassesTheItemToTheNextGetter) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    std::vector<int> got_a, got_b;
    auto a = corio::create_task(get_into(q, got_a));
    auto b = corio::create_task(get_into(q, got_b));
    co_await yield();
    q.put_nowait(5);  // promised to a
    a.cancel();       // before a runs
    EXPECT_TRUE(co_await ends_cancelled(a));
    co_await b;
    EXPECT_TRUE(got_a.empty());
    EXPECT_EQ(got_b, (std::vector<int>{5}));
  }());
}

TEST(Queue, AGetterCancelledAfterItsWakeUpLeavesTheItemInTheQueue) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    std::vector<int> got;
    auto a = corio::create_task(get_into(q, got));
    co_await yield();
    q.put_nowait(5);
    a.cancel();
    EXPECT_EQ(q.qsize(), 0u);
    EXPECT_TRUE(co_await ends_cancelled(a));
    EXPECT_EQ(q.qsize(), 1u);  // never lost
    EXPECT_EQ(q.get_nowait(), 5);
  }());
}

TEST(Queue, ACancelledWaitingPutterInsertsNothing) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto p = corio::create_task(put_one(q, 2));
    co_await yield();
    p.cancel();
    EXPECT_TRUE(co_await ends_cancelled(p));
    EXPECT_EQ(q.get_nowait(), 1);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.unfinished_tasks(), 1u);
  }());
}

TEST(Queue, APutterCancelledAfterItsWakeUpInsertsNothingAndPassesTheSlotOn) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto p2 = corio::create_task(put_one(q, 2));
    auto p3 = corio::create_task(put_one(q, 3));
    co_await yield();
    EXPECT_EQ(q.get_nowait(), 1);  // the slot is promised to p2 ...
    p2.cancel();                   // ... which is cancelled before it runs
    EXPECT_TRUE(co_await ends_cancelled(p2));
    co_await p3;
    EXPECT_EQ(q.get_nowait(), 3);
    EXPECT_TRUE(q.empty());
  }());
}

TEST(Queue, APutterCancelledAfterItsWakeUpWithNobodyBehindFreesTheSlot) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    auto p = corio::create_task(put_one(q, 2));
    co_await yield();
    EXPECT_EQ(q.get_nowait(), 1);
    p.cancel();
    EXPECT_TRUE(q.full());
    EXPECT_TRUE(co_await ends_cancelled(p));
    EXPECT_FALSE(q.full());
    EXPECT_TRUE(q.empty());
    q.put_nowait(4);
  }());
}

TEST(Queue, AGetUnderWaitForThatTimesOutLosesNoItem) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    auto get = [](corio::Queue<int>& q) -> corio::Coro<int> { co_return co_await q.get(); };
    EXPECT_THROW(co_await corio::wait_for(get(q), 2s), corio::TimeoutError);
    q.put_nowait(1);
    EXPECT_EQ(co_await corio::wait_for(get(q), 2s), 1);
  }());
}

TEST(Queue, TaskDoneCalledTooOftenRaisesValueError) {
  corio::Queue<int> q;
  EXPECT_THROW(q.task_done(), corio::ValueError);
  q.put_nowait(1);
  q.get_nowait();
  q.task_done();
  EXPECT_THROW(q.task_done(), corio::ValueError);
}

TEST(Queue, JoinReturnsOnceEveryItemIsMarkedDone) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    co_await q.join();  // nothing unfinished: at once
    for (int i = 0; i < 3; ++i) q.put_nowait(i);
    bool joined = false;
    auto joiner = corio::create_task([](corio::Queue<int>& q, bool& joined) -> corio::Coro<void> {
      co_await q.join();
      joined = true;
    }(q, joined));
    auto second = corio::create_task([](corio::Queue<int>& q) -> corio::Coro<void> { co_await q.join(); }(q));
    for (int i = 0; i < 3; ++i) {
      co_await q.get();
      co_await yield();
      EXPECT_FALSE(joined);  // taken is not done
    }
    EXPECT_EQ(q.unfinished_tasks(), 3u);
    q.task_done();
    q.task_done();
    co_await yield();
    EXPECT_FALSE(joined);
    q.task_done();
    co_await corio::gather(joiner, second);
    EXPECT_TRUE(joined);
  }());
}

TEST(Queue, ACancelledJoinLeavesTheOtherJoinersWaiting) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    q.put_nowait(1);
    auto join = [](corio::Queue<int>& q) -> corio::Coro<void> { co_await q.join(); };
    auto a = corio::create_task(join(q));
    auto b = corio::create_task(join(q));
    co_await yield();
    a.cancel();
    EXPECT_TRUE(co_await ends_cancelled(a));
    q.get_nowait();
    q.task_done();
    co_await b;
  }());
}

TEST(Queue, WorkersDrainAQueueAndJoinReturns) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    long sum = 0;
    for (int i = 0; i < 50; ++i) co_await q.put(i);
    auto worker = [](corio::Queue<int>& q, long& sum) -> corio::Coro<void> {
      for (;;) {
        int x = co_await q.get();
        co_await corio::sleep(1s);
        sum += x;
        q.task_done();
      }
    };
    std::vector<corio::Task<void>> workers;
    for (int i = 0; i < 5; ++i) workers.push_back(corio::create_task(worker(q, sum)));
    const double t0 = corio::get_running_loop().time();
    co_await q.join();
    EXPECT_DOUBLE_EQ(corio::get_running_loop().time() - t0, 10.0);
    EXPECT_EQ(sum, 49 * 50 / 2);
    for (auto& w : workers) w.cancel();
    auto outcomes = co_await corio::gather(corio::return_exceptions, workers);
    for (auto& o : outcomes) EXPECT_TRUE(corio::is_cancelled_error(o.exception()));
  }());
}

// Seed 000's worker pool at scale: 100,000 items, 500 workers, 1 s of (virtual) work per
// item. join() must return after exactly 100,000 / 500 = 200 s, every item handled once,
// and the workers share the work evenly (FIFO getters: each takes 200 items).
TEST(Queue, FiveHundredWorkersDrainAHundredThousandItemsInTwoHundredVirtualSeconds) {
  run_virtual([]() -> corio::Coro<void> {
    constexpr int kItems = 100'000, kWorkers = 500;
    corio::Queue<int> q;
    for (int i = 0; i < kItems; ++i) co_await q.put(i);
    std::vector<char> seen(kItems, 0);
    std::vector<int> handled(kWorkers, 0);
    auto worker = [](corio::Queue<int>& q, std::vector<char>& seen, int& handled) -> corio::Coro<void> {
      for (;;) {
        int x = co_await q.get();
        co_await corio::sleep(1s);
        ++seen[static_cast<std::size_t>(x)];
        ++handled;
        q.task_done();
      }
    };
    std::vector<corio::Task<void>> workers;
    for (int w = 0; w < kWorkers; ++w)
      workers.push_back(corio::create_task(worker(q, seen, handled[static_cast<std::size_t>(w)])));
    const double t0 = corio::get_running_loop().time();
    co_await q.join();
    EXPECT_DOUBLE_EQ(corio::get_running_loop().time() - t0, kItems / kWorkers);
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), kItems);
    EXPECT_EQ(*std::min_element(handled.begin(), handled.end()), kItems / kWorkers);
    EXPECT_EQ(*std::max_element(handled.begin(), handled.end()), kItems / kWorkers);
    for (auto& w : workers) w.cancel();
    auto outcomes = co_await corio::gather(corio::return_exceptions, workers);
    for (auto& o : outcomes) EXPECT_TRUE(corio::is_cancelled_error(o.exception()));
  }());
}

}  // namespace
}  // namespace sync_test
