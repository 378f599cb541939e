// Event: set/clear/wait/is_set, broadcast wake-up, cancellation.
#include "sync_test_util.hpp"

namespace sync_test {
namespace {

corio::Coro<void> wait_and_log(corio::Event& ev, std::vector<int>& log, int id) {
  EXPECT_TRUE(co_await ev.wait());
  log.push_back(id);
}

TEST(Event, StartsClearAndSetClearToggleTheFlag) {
  corio::Event ev;
  EXPECT_FALSE(ev.is_set());
  ev.set();
  EXPECT_TRUE(ev.is_set());
  ev.set();
  EXPECT_TRUE(ev.is_set());
  ev.clear();
  EXPECT_FALSE(ev.is_set());
}

TEST(Event, WaitOnASetEventReturnsAtOnce) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Event ev;
    ev.set();
    EXPECT_TRUE(co_await ev.wait());
  }());
}

TEST(Event, SetWakesEveryWaiterInArrivalOrder) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Event ev;
    std::vector<int> log;
    std::vector<corio::Task<void>> tasks;
    for (int i = 0; i < 4; ++i) tasks.push_back(corio::create_task(wait_and_log(ev, log, i)));
    co_await yield();
    EXPECT_EQ(ev.waiters(), 4u);
    EXPECT_TRUE(log.empty());
    ev.set();
    EXPECT_EQ(ev.waiters(), 0u);
    co_await corio::gather(tasks);
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{0, 1, 2, 3}));
}

TEST(Event, AWaiterWokenBeforeAClearStillReturnsTrue) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Event ev;
    std::vector<int> log;
    auto t = corio::create_task(wait_and_log(ev, log, 1));
    co_await yield();
    ev.set();
    ev.clear();
    co_await t;
    EXPECT_FALSE(ev.is_set());
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{1}));
}

TEST(Event, CancellingAWaiterRaisesAndLeavesTheOthersWaiting) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Event ev;
    std::vector<int> log;
    auto a = corio::create_task(wait_and_log(ev, log, 1));
    auto b = corio::create_task(wait_and_log(ev, log, 2));
    co_await yield();
    a.cancel();
    EXPECT_TRUE(co_await ends_cancelled(a));
    EXPECT_EQ(ev.waiters(), 1u);
    ev.set();
    co_await b;
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{2}));
}

TEST(Event, AWaiterCancelledAfterTheSetRaisesCancelledError) {
  auto log = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Event ev;
    std::vector<int> log;
    auto a = corio::create_task(wait_and_log(ev, log, 1));
    auto b = corio::create_task(wait_and_log(ev, log, 2));
    co_await yield();
    ev.set();
    a.cancel();  // woken, not yet running
    EXPECT_TRUE(co_await ends_cancelled(a));
    co_await b;
    co_return log;
  }());
  EXPECT_EQ(log, (std::vector<int>{2}));
}

TEST(Event, WaitForWithATimeoutRaisesTimeoutErrorAndLeavesNoWaiter) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Event ev;
    auto wait = [](corio::Event& e) -> corio::Coro<bool> { co_return co_await e.wait(); };
    const double t0 = corio::get_running_loop().time();
    EXPECT_THROW(co_await corio::wait_for(wait(ev), 5s), corio::TimeoutError);
    EXPECT_DOUBLE_EQ(corio::get_running_loop().time() - t0, 5.0);
    EXPECT_EQ(ev.waiters(), 0u);
  }());
}

}  // namespace
}  // namespace sync_test
