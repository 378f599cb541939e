// Queue.shutdown (Python 3.13), both ways: putters always raise QueueShutDown; getters
// drain what is left (or, when immediate, nothing) and then raise it; join accounting.
#include "sync_test_util.hpp"

namespace sync_test {
namespace {

enum : int { kShutDown = -1, kCancelled = -2 };

corio::Coro<void> getter(corio::Queue<int>& q, int& out) {
  try {
    out = co_await q.get();
  } catch (const corio::QueueShutDown&) {
    out = kShutDown;
  }
}

corio::Coro<void> putter(corio::Queue<int>& q, int x, int& out) {
  try {
    co_await q.put(x);
    out = x;
  } catch (const corio::QueueShutDown&) {
    out = kShutDown;
  }
}

TEST(QueueShutdown, PutsRaiseAndGetsDrainTheRestThenRaise) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    q.put_nowait(1);
    q.put_nowait(2);
    q.shutdown();
    EXPECT_TRUE(q.is_shutdown());
    EXPECT_THROW(q.put_nowait(3), corio::QueueShutDown);
    EXPECT_THROW(co_await q.put(3), corio::QueueShutDown);
    EXPECT_EQ(co_await q.get(), 1);
    EXPECT_EQ(q.get_nowait(), 2);
    EXPECT_THROW(co_await q.get(), corio::QueueShutDown);
    EXPECT_THROW(q.get_nowait(), corio::QueueShutDown);
    EXPECT_EQ(q.unfinished_tasks(), 2u);  // not immediate: nothing is discounted
  }());
}

TEST(QueueShutdown, WakesBlockedGettersAndPuttersToRaise) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> empty_q, full_q(1);
    full_q.put_nowait(0);
    int g1 = 0, g2 = 0, p1 = 0;
    auto tg1 = corio::create_task(getter(empty_q, g1));
    auto tg2 = corio::create_task(getter(empty_q, g2));
    auto tp1 = corio::create_task(putter(full_q, 5, p1));
    co_await yield();
    empty_q.shutdown();
    full_q.shutdown();
    co_await corio::gather(tg1, tg2, tp1);
    EXPECT_EQ(g1, kShutDown);
    EXPECT_EQ(g2, kShutDown);
    EXPECT_EQ(p1, kShutDown);
    EXPECT_EQ(full_q.qsize(), 1u);  // the blocked put inserted nothing
    EXPECT_EQ(full_q.get_nowait(), 0);
  }());
}

TEST(QueueShutdown, AGetterPromisedAnItemBeforeAShutdownStillGetsIt) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    int g = 0;
    auto t = corio::create_task(getter(q, g));
    co_await yield();
    q.put_nowait(7);  // promised to t
    q.shutdown();
    co_await t;
    EXPECT_EQ(g, 7);
  }());
}

TEST(QueueShutdown, APutterPromisedASlotBeforeAShutdownRaisesAndInsertsNothing) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q(1);
    q.put_nowait(1);
    int p = 0;
    auto t = corio::create_task(putter(q, 2, p));
    co_await yield();
    EXPECT_EQ(q.get_nowait(), 1);  // slot promised to t
    q.shutdown();
    co_await t;
    EXPECT_EQ(p, kShutDown);
    EXPECT_TRUE(q.empty());
    EXPECT_FALSE(q.full());
  }());
}

TEST(QueueShutdown, ImmediateDrainsTheQueueAndLetsJoinReturn) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    for (int i = 0; i < 3; ++i) q.put_nowait(i);
    EXPECT_EQ(q.get_nowait(), 0);  // taken, not yet done
    auto joiner = corio::create_task([](corio::Queue<int>& q) -> corio::Coro<void> { co_await q.join(); }(q));
    co_await yield();
    q.shutdown(/*immediate=*/true);
    EXPECT_TRUE(q.empty());
    EXPECT_EQ(q.unfinished_tasks(), 1u);  // the two dropped items count as done
    EXPECT_THROW(q.get_nowait(), corio::QueueShutDown);
    co_await yield();
    EXPECT_FALSE(joiner.done());
    q.task_done();  // the item taken before the shutdown
    co_await joiner;
    EXPECT_THROW(q.task_done(), corio::ValueError);
  }());
}

TEST(QueueShutdown, ImmediateWithNothingTakenReleasesJoinAtOnce) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q(2);
    q.put_nowait(1);
    q.put_nowait(2);
    int p = 0;
    auto blocked = corio::create_task(putter(q, 3, p));
    auto joiner = corio::create_task([](corio::Queue<int>& q) -> corio::Coro<void> { co_await q.join(); }(q));
    co_await yield();
    q.shutdown(true);
    co_await corio::gather(blocked, joiner);
    EXPECT_EQ(p, kShutDown);
    EXPECT_EQ(q.unfinished_tasks(), 0u);
  }());
}

TEST(QueueShutdown, ImmediateRevokesAnItemPromisedToAWokenGetter) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    int g = 0;
    auto t = corio::create_task(getter(q, g));
    co_await yield();
    q.put_nowait(7);  // promised to t, which has not run yet
    q.shutdown(true);
    co_await t;
    EXPECT_EQ(g, kShutDown);
    EXPECT_EQ(q.unfinished_tasks(), 0u);
  }());
}

TEST(QueueShutdown, AGetterCancelledAfterItsWakeUpDuringShutdownLeavesTheItem) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Queue<int> q;
    int g = 0;
    auto t = corio::create_task(getter(q, g));
    co_await yield();
    q.put_nowait(7);
    q.shutdown();
    t.cancel();
    EXPECT_TRUE(co_await ends_cancelled(t));
    EXPECT_EQ(q.get_nowait(), 7);  // still there for a later get
    EXPECT_THROW(q.get_nowait(), corio::QueueShutDown);
  }());
}

TEST(QueueShutdown, WorksForPriorityAndLifoQueues) {
  run_virtual([]() -> corio::Coro<void> {
    corio::PriorityQueue<int> pq;
    corio::LifoQueue<int> lq;
    for (int x : {3, 1, 2}) {
      pq.put_nowait(x);
      lq.put_nowait(x);
    }
    pq.shutdown();
    lq.shutdown(true);
    EXPECT_EQ(co_await pq.get(), 1);
    EXPECT_THROW(co_await lq.get(), corio::QueueShutDown);
    EXPECT_THROW(pq.put_nowait(0), corio::QueueShutDown);
  }());
}

}  // namespace
}  // namespace sync_test
