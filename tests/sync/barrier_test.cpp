// Barrier: arrival indices, trip and reuse, draining, reset, abort, and a cancelled
// party breaking the barrier.
#include "sync_test_util.hpp"

namespace sync_test {
namespace {

enum Outcome : int { kBroken = -1, kCancelled = -2 };

corio::Coro<void> party(corio::Barrier& b, std::vector<int>& out, int slot) {
  try {
    out[static_cast<std::size_t>(slot)] = static_cast<int>(co_await b.wait());
  } catch (const corio::BrokenBarrierError&) {
    out[static_cast<std::size_t>(slot)] = kBroken;
  } catch (const corio::CancelledError&) {
    out[static_cast<std::size_t>(slot)] = kCancelled;
    throw;
  }
}

TEST(Barrier, ZeroPartiesRaiseValueError) { EXPECT_THROW(corio::Barrier(0), corio::ValueError); }

TEST(Barrier, ReleasesEveryPartyOnceTheLastArrivesWithArrivalIndices) {
  auto out = run_virtual([]() -> corio::Coro<std::vector<int>> {
    corio::Barrier b(3);
    std::vector<int> out(3, 99);
    EXPECT_EQ(b.parties(), 3u);
    auto t0 = corio::create_task(party(b, out, 0));
    co_await yield();
    auto t1 = corio::create_task(party(b, out, 1));
    co_await yield();
    EXPECT_EQ(b.n_waiting(), 2u);
    EXPECT_EQ(out, (std::vector<int>{99, 99, 99}));
    out[2] = static_cast<int>(co_await b.wait());  // the last party trips it at once
    EXPECT_EQ(b.n_waiting(), 0u);
    co_await corio::gather(t0, t1);
    EXPECT_FALSE(b.broken());
    co_return out;
  }());
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
}

TEST(Barrier, IsReusableRoundAfterRound) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Barrier b(2);
    for (int round = 0; round < 3; ++round) {
      std::vector<int> out(2, 99);
      auto t = corio::create_task(party(b, out, 0));
      co_await yield();
      out[1] = static_cast<int>(co_await b.wait());
      co_await t;
      EXPECT_EQ(out, (std::vector<int>{0, 1}));
    }
  }());
}

TEST(Barrier, ArrivalsWhileDrainingWaitForTheNextRound) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Barrier b(2);
    std::vector<int> out(3, 99);
    auto a = corio::create_task(party(b, out, 0));
    co_await yield();
    out[1] = static_cast<int>(co_await b.wait());  // trip; `a` has not left yet
    auto c = corio::create_task(party(b, out, 2));
    co_await yield(3);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(out[2], 99);         // c arrived in the new round ...
    EXPECT_EQ(b.n_waiting(), 1u);  // ... and waits there as index 0
    co_await b.wait();
    co_await corio::gather(a, c);
    EXPECT_EQ(out[2], 0);
  }());
}

TEST(Barrier, AbortBreaksWaitersAndLaterCallsUntilReset) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Barrier b(3);
    std::vector<int> out(2, 99);
    auto t0 = corio::create_task(party(b, out, 0));
    auto t1 = corio::create_task(party(b, out, 1));
    co_await yield();
    co_await b.abort();
    EXPECT_TRUE(b.broken());
    co_await corio::gather(t0, t1);
    EXPECT_EQ(out, (std::vector<int>{kBroken, kBroken}));
    EXPECT_THROW(co_await b.wait(), corio::BrokenBarrierError);
    co_await b.reset();
    EXPECT_FALSE(b.broken());
    EXPECT_EQ(b.n_waiting(), 0u);
  }());
}

TEST(Barrier, ResetBreaksTheCurrentWaitersAndStartsAfresh) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Barrier b(2);
    std::vector<int> out(3, 99);
    auto t0 = corio::create_task(party(b, out, 0));
    co_await yield();
    b.reset();  // not awaited: takes effect at once all the same
    auto t1 = corio::create_task(party(b, out, 1));  // blocked until t0 has left
    co_await t0;
    EXPECT_EQ(out[0], kBroken);
    co_await yield();
    EXPECT_EQ(b.n_waiting(), 1u);
    out[2] = static_cast<int>(co_await b.wait());
    co_await t1;
    EXPECT_EQ(out[1], 0);
    EXPECT_EQ(out[2], 1);
    EXPECT_FALSE(b.broken());
  }());
}

TEST(Barrier, ACancelledWaitingPartyBreaksTheBarrier) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Barrier b(3);
    std::vector<int> out(2, 99);
    auto t0 = corio::create_task(party(b, out, 0));
    auto t1 = corio::create_task(party(b, out, 1));
    co_await yield();
    t0.cancel();
    EXPECT_TRUE(b.broken());
    EXPECT_TRUE(co_await ends_cancelled(t0));
    co_await t1;
    EXPECT_EQ(out, (std::vector<int>{kCancelled, kBroken}));
    EXPECT_THROW(co_await b.wait(), corio::BrokenBarrierError);
  }());
}

TEST(Barrier, APartyCancelledAfterTheTripOnlyCancelsItself) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Barrier b(3);
    std::vector<int> out(2, 99);
    auto t0 = corio::create_task(party(b, out, 0));
    auto t1 = corio::create_task(party(b, out, 1));
    co_await yield();
    EXPECT_EQ(co_await b.wait(), 2u);  // trip: t0 and t1 are woken ...
    t0.cancel();                      // ... and t0 is cancelled before it runs
    EXPECT_TRUE(co_await ends_cancelled(t0));
    co_await t1;
    EXPECT_EQ(out, (std::vector<int>{kCancelled, 1}));
    EXPECT_FALSE(b.broken());
    // The barrier drained and is usable again.
    std::vector<int> again(1, 99);
    auto t2 = corio::create_task(party(b, again, 0));
    co_await yield();
    EXPECT_EQ(b.n_waiting(), 1u);
    t2.cancel();
    EXPECT_TRUE(co_await ends_cancelled(t2));
  }());
}

TEST(Barrier, ACancelledArrivalBlockedByDrainingJustWithdraws) {
  run_virtual([]() -> corio::Coro<void> {
    corio::Barrier b(2);
    std::vector<int> out(3, 99);
    auto a = corio::create_task(party(b, out, 0));
    co_await yield();
    auto tripper = corio::create_task(party(b, out, 1));
    auto late = corio::create_task(party(b, out, 2));  // runs right after the trip
    co_await yield();
    EXPECT_EQ(out[0], 99);  // a was released but has not left: draining
    EXPECT_EQ(out[2], 99);  // so `late` is blocked before arriving
    late.cancel();
    EXPECT_TRUE(co_await ends_cancelled(late));
    co_await corio::gather(a, tripper);
    EXPECT_EQ(out[0], 0);
    EXPECT_EQ(out[1], 1);
    EXPECT_FALSE(b.broken());
    EXPECT_EQ(b.n_waiting(), 0u);
  }());
}

}  // namespace
}  // namespace sync_test
