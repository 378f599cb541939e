// Lock: mutual exclusion, FIFO hand-over, cancellation at every state.
#include "sync_test_util.hpp"

namespace sync_test {
namespace {

corio::Coro<void> take_and_log(corio::Lock& lock, std::vector<int>& log, int id) {
  co_await lock.acquire();
  log.push_back(id);
  co_await yield();
  lock.release();
}

TEST(Lock, AcquireAndReleaseWithoutContentionDoNotSuspend) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Lock lock;
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(co_await lock.acquire());
    EXPECT_TRUE(lock.locked());
    lock.release();
    EXPECT_FALSE(lock.locked());
  }());
}

TEST(Lock, ReleasingAnUnlockedLockRaisesRuntimeError) {
  corio::Lock lock;
  EXPECT_THROW(lock.release(), corio::RuntimeError);
}

TEST(Lock, WaitersAcquireInArrivalOrder) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Lock lock;
    std::vector<int> log;
    co_await lock.acquire();
    std::vector<corio::Task<void>> tasks;
    for (int i = 0; i < 5; ++i) {
      tasks.push_back(corio::create_task(take_and_log(lock, log, i)));
      co_await yield();  // each starts waiting before the next
    }
    EXPECT_EQ(lock.waiters(), 5u);
    lock.release();
    co_await corio::gather(tasks);
    EXPECT_FALSE(lock.locked());
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Lock, ReleaseHandsTheLockOverSoALateComerCannotBarge) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Lock lock;
    std::vector<int> log;
    co_await lock.acquire();
    auto waiter = corio::create_task(take_and_log(lock, log, 1));
    co_await yield();
    lock.release();               // handed to `waiter`, which has not run yet
    EXPECT_TRUE(lock.locked());
    auto late = corio::create_task(take_and_log(lock, log, 2));
    co_await corio::gather(waiter, late);
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{1, 2}));
}

TEST(Lock, CancellingAWaitingAcquireRemovesItFromTheQueue) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Lock lock;
    std::vector<int> log;
    co_await lock.acquire();
    auto a = corio::create_task(take_and_log(lock, log, 1));
    auto b = corio::create_task(take_and_log(lock, log, 2));
    co_await yield();
    a.cancel();
    EXPECT_EQ(lock.waiters(), 1u);
    EXPECT_TRUE(co_await ends_cancelled(a));
    lock.release();
    co_await b;
    EXPECT_FALSE(lock.locked());
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{2}));
}

TEST(Lock, AWaiterCancelledAfterItsWakeUpPassesTheLockOn) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Lock lock;
    std::vector<int> log;
    co_await lock.acquire();
    auto a = corio::create_task(take_and_log(lock, log, 1));
    auto b = corio::create_task(take_and_log(lock, log, 2));
    co_await yield();
    lock.release();  // handed to a ...
    a.cancel();      // ... which is cancelled before it runs
    EXPECT_TRUE(co_await ends_cancelled(a));
    co_await b;
    EXPECT_FALSE(lock.locked());
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{2}));
}

TEST(Lock, AWaiterCancelledAfterItsWakeUpWithNobodyBehindUnlocks) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Lock lock;
    std::vector<int> log;
    co_await lock.acquire();
    auto a = corio::create_task(take_and_log(lock, log, 1));
    co_await yield();
    lock.release();
    a.cancel();
    EXPECT_TRUE(co_await ends_cancelled(a));
    EXPECT_FALSE(lock.locked());
    EXPECT_TRUE(log.empty());
  }());
}

TEST(Lock, ACancellationWithdrawnByUncancelStillEndsTheAbandonedWait) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Lock lock;
    std::vector<int> log;
    co_await lock.acquire();
    auto a = corio::create_task(take_and_log(lock, log, 1));
    co_await yield();
    a.cancel();
    a.uncancel();
    EXPECT_TRUE(co_await ends_cancelled(a));
    EXPECT_TRUE(lock.locked());  // still ours: the abandoned wait did not take it
    lock.release();
    EXPECT_FALSE(lock.locked());
  }());
}

corio::Coro<void> cancel_self_then_acquire(corio::Lock& lock, bool& acquired) {
  corio::current_task().cancel();
  co_await lock.acquire();  // a pending cancellation is delivered here, at once
  acquired = true;
}

TEST(Lock, APendingCancellationIsDeliveredAtTheAcquireAtOnce) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Lock lock;
    bool acquired = false;
    co_await lock.acquire();
    auto t = corio::create_task(cancel_self_then_acquire(lock, acquired));
    co_await yield(2);
    EXPECT_TRUE(t.done());
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(lock.waiters(), 0u);
    lock.release();
    EXPECT_FALSE(acquired);
  }());
}

corio::Coro<void> guarded(corio::Lock& lock, bool fail) {
  auto guard = co_await lock.scoped();
  EXPECT_TRUE(guard.owns_lock());
  EXPECT_TRUE(lock.locked());
  co_await yield();
  if (fail) throw corio::ValueError("boom");
}

TEST(Lock, ScopedGuardReleasesAtScopeExitAndOnExceptions) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Lock lock;
    co_await guarded(lock, false);
    EXPECT_FALSE(lock.locked());
    EXPECT_THROW(co_await guarded(lock, true), corio::ValueError);
    EXPECT_FALSE(lock.locked());
    {
      auto g = co_await lock.scoped();
      g.unlock();
      EXPECT_FALSE(lock.locked());
    }
    EXPECT_FALSE(lock.locked());
  }());
}

TEST(Lock, ACancelledScopedAcquireLeavesNothingHeld) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Lock lock;
    co_await lock.acquire();
    auto t = corio::create_task(guarded(lock, false));
    co_await yield();
    t.cancel();
    EXPECT_TRUE(co_await ends_cancelled(t));
    lock.release();
    EXPECT_FALSE(lock.locked());
  }());
}


}  // namespace
}  // namespace sync_test
