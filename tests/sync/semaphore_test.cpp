// Semaphore and BoundedSemaphore: counting, FIFO permits, no barging, cancellation.
#include "sync_test_util.hpp"

namespace sync_test {
namespace {

corio::Coro<void> hold(corio::Semaphore& sem, std::vector<int>& log, int id, int rounds) {
  co_await sem.acquire();
  log.push_back(id);
  co_await yield(rounds);
  sem.release();
}

TEST(Semaphore, ANegativeInitialValueRaisesValueError) {
  EXPECT_THROW(corio::Semaphore(-1), corio::ValueError);
  EXPECT_THROW(corio::BoundedSemaphore(-1), corio::ValueError);
}

TEST(Semaphore, CountsPermitsAndLocksAtZero) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Semaphore sem(2);
    EXPECT_FALSE(sem.locked());
    co_await sem.acquire();
    co_await sem.acquire();
    EXPECT_TRUE(sem.locked());
    EXPECT_EQ(sem.value(), 0);
    sem.release();
    sem.release();
    sem.release();  // a plain Semaphore may go above its initial value
    EXPECT_EQ(sem.value(), 3);
  }());
}

TEST(Semaphore, AtMostValueHoldersAtATime) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Semaphore sem(3);
    int inside = 0, peak = 0;
    auto worker = [](corio::Semaphore& s, int& in, int& pk, int i) -> corio::Coro<void> {
      auto permit = co_await s.scoped();
      pk = std::max(pk, ++in);
      co_await corio::sleep(std::chrono::milliseconds(1 + i % 7));
      --in;
    };
    std::vector<corio::Task<void>> tasks;
    for (int i = 0; i < 50; ++i) tasks.push_back(corio::create_task(worker(sem, inside, peak, i)));
    co_await corio::gather(tasks);
    EXPECT_EQ(peak, 3);
    EXPECT_EQ(sem.value(), 3);
  }());
}

TEST(Semaphore, PermitsGoToWaitersInArrivalOrderWithoutBarging) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Semaphore sem(1);
    std::vector<int> log;
    co_await sem.acquire();
    std::vector<corio::Task<void>> tasks;
    for (int i = 0; i < 3; ++i) {
      tasks.push_back(corio::create_task(hold(sem, log, i, 1)));
      co_await yield();
    }
    sem.release();  // handed to task 0, which has not run yet
    EXPECT_TRUE(sem.locked());
    tasks.push_back(corio::create_task(hold(sem, log, 9, 1)));  // a late comer queues
    co_await corio::gather(tasks);
    EXPECT_EQ(sem.value(), 1);
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 9}));
}

TEST(Semaphore, CancellingAWaitingAcquireKeepsThePermitCount) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Semaphore sem(0);
    std::vector<int> log;
    auto a = corio::create_task(hold(sem, log, 1, 1));
    co_await yield();
    a.cancel();
    EXPECT_TRUE(co_await ends_cancelled(a));
    EXPECT_EQ(sem.waiters(), 0u);
    EXPECT_EQ(sem.value(), 0);
    sem.release();
    EXPECT_EQ(sem.value(), 1);
  }());
}

TEST(Semaphore, AWaiterCancelledAfterItsWakeUpPassesThePermitOn) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Semaphore sem(0);
    std::vector<int> log;
    auto a = corio::create_task(hold(sem, log, 1, 1));
    auto b = corio::create_task(hold(sem, log, 2, 1));
    co_await yield();
    sem.release();  // to a
    a.cancel();     // before a runs: the permit moves on to b
    EXPECT_TRUE(co_await ends_cancelled(a));
    co_await b;
    EXPECT_EQ(sem.value(), 1);
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{2}));
}

TEST(Semaphore, AWaiterCancelledAfterItsWakeUpReturnsThePermitWhenNobodyWaits) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Semaphore sem(0);
    std::vector<int> log;
    auto a = corio::create_task(hold(sem, log, 1, 1));
    co_await yield();
    sem.release();
    a.cancel();
    EXPECT_TRUE(co_await ends_cancelled(a));
    EXPECT_EQ(sem.value(), 1);
    EXPECT_FALSE(sem.locked());
  }());
}

TEST(BoundedSemaphore, ReleasingMoreThanAcquiredRaisesValueError) {
  run_virtual([]() -> corio::Coro<void> {
    corio::BoundedSemaphore sem(2);
    EXPECT_THROW(sem.release(), corio::ValueError);
    co_await sem.acquire();
    sem.release();
    EXPECT_THROW(sem.release(), corio::ValueError);
    EXPECT_EQ(sem.value(), 2);
    {
      auto permit = co_await sem.scoped();
      EXPECT_EQ(sem.value(), 1);
    }
    EXPECT_EQ(sem.value(), 2);
  }());
}

TEST(BoundedSemaphore, HandsPermitsToWaitersWithinItsBound) {
  run_virtual([]() -> corio::Coro<void> {
    corio::BoundedSemaphore sem(1);
    std::vector<int> log;
    co_await sem.acquire();
    auto a = corio::create_task(hold(sem, log, 1, 1));
    co_await yield();
    sem.release();  // handed to a: not above the bound
    co_await a;
    EXPECT_EQ(sem.value(), 1);
    EXPECT_THROW(sem.release(), corio::ValueError);
    EXPECT_EQ(log, (std::vector<int>{1}));
  }());
}

}  // namespace
}  // namespace sync_test
