// Condition: wait/notify(n)/notify_all/wait_for, the lock around them, cancellation in
// every state (waiting, notified and queued for the lock, woken but not yet running).
#include "sync_test_util.hpp"

namespace sync_test {
namespace {

struct Log {
  std::vector<int> woke;            // ids in the order they returned from wait()
  std::vector<int> cancelled_held;  // ids cancelled, if they held the lock when raising
  int cancelled = 0;
};

corio::Coro<void> waiter(corio::Condition& c, Log& log, int id) {
  auto guard = co_await c.scoped();
  try {
    EXPECT_TRUE(co_await c.wait());
    EXPECT_TRUE(c.locked());
    log.woke.push_back(id);
  } catch (const corio::CancelledError&) {
    ++log.cancelled;
    if (c.locked()) log.cancelled_held.push_back(id);
    throw;
  }
}

/// Starts `n` waiters (ids 0..n-1), each waiting before the next starts.
corio::Coro<std::vector<corio::Task<void>>> start_waiters(corio::Condition& c, Log& log, int n) {
  std::vector<corio::Task<void>> tasks;
  for (int i = 0; i < n; ++i) {
    tasks.push_back(corio::create_task(waiter(c, log, i)));
    co_await yield();
  }
  co_return tasks;
}

TEST(Condition, WaitAndNotifyWithoutTheLockRaiseRuntimeError) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Condition c;
    EXPECT_THROW(co_await c.wait(), corio::RuntimeError);
    EXPECT_THROW(c.notify(), corio::RuntimeError);
    EXPECT_THROW(c.notify_all(), corio::RuntimeError);
  }());
}

TEST(Condition, NotifyWakesOneWaiterAtATimeInArrivalOrder) {
  auto log = run_virtual([]() -> corio::Coro<Log> {
    corio::Condition c;
    Log log;
    auto tasks = co_await start_waiters(c, log, 3);
    EXPECT_EQ(c.waiters(), 3u);
    EXPECT_FALSE(c.locked());  // every waiter released the lock
    for (int i = 0; i < 3; ++i) {
      {
        auto g = co_await c.scoped();
        c.notify();
      }
      co_await yield();
      EXPECT_EQ(log.woke.size(), static_cast<std::size_t>(i + 1));
    }
    co_await corio::gather(tasks);
    co_return log;
  }());
  EXPECT_EQ(log.woke, (std::vector<int>{0, 1, 2}));
}

TEST(Condition, NotifyNWakesTheFirstNAndNotifyAllTheRest) {
  auto log = run_virtual([]() -> corio::Coro<Log> {
    corio::Condition c;
    Log log;
    auto tasks = co_await start_waiters(c, log, 5);
    {
      auto g = co_await c.scoped();
      c.notify(2);
      EXPECT_EQ(c.waiters(), 3u);
      co_await yield();  // notified waiters cannot run while we hold the lock
      EXPECT_TRUE(log.woke.empty());
    }
    co_await yield(3);
    EXPECT_EQ(log.woke, (std::vector<int>{0, 1}));
    {
      auto g = co_await c.scoped();
      c.notify_all();
    }
    co_await corio::gather(tasks);
    co_return log;
  }());
  EXPECT_EQ(log.woke, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Condition, NotifiedWaitersQueueForTheLockBehindEarlierAcquirers) {
  auto order = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Condition c;
    Log log;
    std::vector<int> order;
    auto tasks = co_await start_waiters(c, log, 1);
    co_await c.acquire();
    auto acquirer = corio::create_task([](corio::Condition& c, std::vector<int>& order) -> corio::Coro<void> {
      auto g = co_await c.scoped();
      order.push_back(100);
    }(c, order));
    co_await yield();  // the acquirer waits for the lock first
    c.notify();
    c.release();
    co_await corio::gather(tasks);
    co_await acquirer;
    order.insert(order.end(), log.woke.begin(), log.woke.end());
    co_return order;
  }());
  EXPECT_EQ(order, (std::vector<int>{100, 0}));
}

TEST(Condition, WaitForReturnsThePredicateOnceTrue) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Condition c;
    int value = 0;
    auto consumer = corio::create_task([](corio::Condition& c, int& value) -> corio::Coro<int> {
      auto g = co_await c.scoped();
      bool ok = co_await c.wait_for([&value] { return value >= 3; });
      EXPECT_TRUE(ok);
      co_return value;
    }(c, value));
    for (int i = 0; i < 5; ++i) {
      co_await yield();
      auto g = co_await c.scoped();
      ++value;
      c.notify_all();
    }
    EXPECT_GE(co_await consumer, 3);
    auto g = co_await c.scoped();
    EXPECT_TRUE(co_await c.wait_for([] { return true; }));  // true at once: no wait
  }());
}

TEST(Condition, TwoConditionsCanShareOneLock) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Lock lock;
    corio::Condition not_empty(lock), not_full(lock);
    EXPECT_EQ(&not_empty.lock(), &lock);
    Log log;
    auto t = corio::create_task(waiter(not_empty, log, 7));
    co_await yield();
    EXPECT_FALSE(lock.locked());
    co_await lock.acquire();
    EXPECT_TRUE(not_full.locked());
    not_full.notify_all();  // nobody waits on this one
    not_empty.notify();
    lock.release();
    co_await t;
    EXPECT_EQ(log.woke, (std::vector<int>{7}));
  }());
}

TEST(Condition, AWaiterCancelledBeforeNotificationRaisesWithTheLockHeld) {
  auto log = run_virtual([]() -> corio::Coro<Log> {
    corio::Condition c;
    Log log;
    auto tasks = co_await start_waiters(c, log, 2);
    co_await c.acquire();
    tasks[0].cancel();
    co_await yield(2);
    EXPECT_FALSE(tasks[0].done());  // it must re-take the lock before raising
    c.release();
    EXPECT_TRUE(co_await ends_cancelled(tasks[0]));
    EXPECT_EQ(c.waiters(), 1u);
    {
      auto g = co_await c.scoped();
      c.notify();
    }
    co_await tasks[1];
    co_return log;
  }());
  EXPECT_EQ(log.cancelled_held, (std::vector<int>{0}));
  EXPECT_EQ(log.woke, (std::vector<int>{1}));
}

TEST(Condition, AWaiterCancelledWithTheLockFreeRaisesAtOnce) {
  auto log = run_virtual([]() -> corio::Coro<Log> {
    corio::Condition c;
    Log log;
    auto tasks = co_await start_waiters(c, log, 1);
    tasks[0].cancel();
    EXPECT_TRUE(c.locked());  // taken on its behalf, so it can raise holding it
    EXPECT_TRUE(co_await ends_cancelled(tasks[0]));
    EXPECT_FALSE(c.locked());
    co_return log;
  }());
  EXPECT_EQ(log.cancelled_held, (std::vector<int>{0}));
}

TEST(Condition, ANotifiedWaiterCancelledWhileQueuedForTheLockPassesTheNotificationOn) {
  auto log = run_virtual([]() -> corio::Coro<Log> {
    corio::Condition c;
    Log log;
    auto tasks = co_await start_waiters(c, log, 3);
    {
      auto g = co_await c.scoped();
      c.notify();        // 0 is notified and queued for the lock
      tasks[0].cancel();  // ... and cancelled before it gets it
    }
    EXPECT_TRUE(co_await ends_cancelled(tasks[0]));
    co_await yield(2);
    EXPECT_EQ(log.woke, (std::vector<int>{1}));  // 1 received the notification instead
    EXPECT_EQ(c.waiters(), 1u);
    {
      auto g = co_await c.scoped();
      c.notify();
    }
    co_await corio::gather(tasks[1], tasks[2]);
    co_return log;
  }());
  EXPECT_EQ(log.cancelled_held, (std::vector<int>{0}));
  EXPECT_EQ(log.woke, (std::vector<int>{1, 2}));
}

TEST(Condition, ANotifiedWaiterCancelledAfterItsWakeUpPassesTheNotificationOn) {
  auto log = run_virtual([]() -> corio::Coro<Log> {
    corio::Condition c;
    Log log;
    auto tasks = co_await start_waiters(c, log, 2);
    co_await c.acquire();
    c.notify();
    c.release();        // 0 now holds the lock and is scheduled ...
    tasks[0].cancel();  // ... and cancelled before it runs
    EXPECT_TRUE(co_await ends_cancelled(tasks[0]));
    co_await tasks[1];
    co_return log;
  }());
  EXPECT_EQ(log.cancelled_held, (std::vector<int>{0}));
  EXPECT_EQ(log.woke, (std::vector<int>{1}));
}

TEST(Condition, AnUnnotifiedCancelledWaiterDoesNotWakeAnother) {
  auto log = run_virtual([]() -> corio::Coro<Log> {
    corio::Condition c;
    Log log;
    auto tasks = co_await start_waiters(c, log, 2);
    tasks[0].cancel();
    EXPECT_TRUE(co_await ends_cancelled(tasks[0]));
    co_await yield(2);
    EXPECT_TRUE(log.woke.empty());
    EXPECT_EQ(c.waiters(), 1u);
    tasks[1].cancel();
    EXPECT_TRUE(co_await ends_cancelled(tasks[1]));
    EXPECT_FALSE(c.locked());
    co_return log;
  }());
  EXPECT_EQ(log.cancelled, 2);
}

}  // namespace
}  // namespace sync_test
