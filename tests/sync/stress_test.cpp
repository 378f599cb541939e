// Randomized stress: many producers and consumers on bounded queues and contended locks,
// with random cancellations and timeouts, seeded (each seed also shuffles the loop's
// ready batches). Checks that no queue item is lost or duplicated, that a cancelled put
// inserted nothing, that join() accounting balances, and that mutual exclusion and
// permit counts hold throughout.
#include <map>
#include <random>
#include <set>

#include "sync_test_util.hpp"

namespace sync_test {
namespace {

struct World {
  explicit World(std::uint64_t seed) : rng(seed) {}
  std::mt19937_64 rng;
  std::multiset<long> put_ok;    // items whose put() returned
  std::multiset<long> received;  // items a get() returned
  int cancellations = 0;
  bool producers_done = false;
  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }
};

template <class Q>
corio::Coro<void> producer(Q& q, World& w, int id, int n) {
  for (int k = 0; k < n; ++k) {
    const long item = id * 1'000'000L + k;
    try {
      switch (w.uniform(0, 3)) {
        case 0:
          co_await corio::wait_for(
              [](Q& q, long item) -> corio::Coro<void> { co_await q.put(item); }(q, item),
              std::chrono::microseconds(w.uniform(1, 400)));
          break;
        case 1:
          if (q.full()) {
            co_await q.put(item);
          } else {
            q.put_nowait(item);  // full() <=> put_nowait() would raise QueueFull
          }
          break;
        default:
          co_await q.put(item);
      }
      w.put_ok.insert(item);
    } catch (const corio::CancelledError&) {
      corio::current_task().uncancel();
      ++w.cancellations;
    } catch (const corio::TimeoutError&) {
    }
    if (w.uniform(0, 4) == 0) co_await corio::sleep(std::chrono::microseconds(w.uniform(0, 50)));
  }
}

template <class Q>
corio::Coro<void> consumer(Q& q, World& w) {
  for (;;) {
    long item = 0;
    try {
      if (w.uniform(0, 5) == 0) {
        item = co_await corio::wait_for(
            [](Q& q) -> corio::Coro<long> { co_return co_await q.get(); }(q),
            std::chrono::microseconds(w.uniform(1, 300)));
      } else {
        item = co_await q.get();
      }
    } catch (const corio::CancelledError&) {
      if (w.producers_done && q.unfinished_tasks() == 0) throw;  // the end
      corio::current_task().uncancel();
      ++w.cancellations;
      continue;
    } catch (const corio::TimeoutError&) {
      continue;
    }
    w.received.insert(item);
    try {
      if (w.uniform(0, 2) == 0) co_await corio::sleep(std::chrono::microseconds(w.uniform(0, 80)));
    } catch (const corio::CancelledError&) {
      corio::current_task().uncancel();
      ++w.cancellations;
    }
    q.task_done();
  }
}

/// Runs one seeded round; returns how many operations were cancelled.
template <class Q>
int run_queue_stress(std::uint64_t seed, bool shuffle) {
  return run_virtual([](std::uint64_t seed) -> corio::Coro<int> {
    World w(seed);
    Q q(static_cast<std::ptrdiff_t>(w.uniform(1, 16)));
    std::vector<corio::Task<void>> producers, consumers;
    const int n_prod = w.uniform(1, 8), n_cons = w.uniform(1, 8), per = w.uniform(200, 600);
    for (int i = 0; i < n_prod; ++i) producers.push_back(corio::create_task(producer(q, w, i, per)));
    for (int i = 0; i < n_cons; ++i) consumers.push_back(corio::create_task(consumer(q, w)));
    // Chaos: cancel a random producer or consumer now and then, until producers finish.
    auto all_done = [&] {
      for (auto& p : producers) if (!p.done()) return false;
      return true;
    };
    while (!all_done()) {
      co_await corio::sleep(std::chrono::microseconds(w.uniform(0, 100)));
      const int pick = w.uniform(0, n_prod + n_cons - 1);
      auto& t = pick < n_prod ? producers[static_cast<std::size_t>(pick)]
                              : consumers[static_cast<std::size_t>(pick - n_prod)];
      if (!t.done()) t.cancel();
    }
    w.producers_done = true;
    co_await q.join();
    EXPECT_TRUE(q.empty());
    for (auto& c : consumers) c.cancel();
    co_await corio::gather(corio::return_exceptions, consumers);
    EXPECT_EQ(w.received, w.put_ok) << "seed " << seed;
    EXPECT_EQ(std::set<long>(w.received.begin(), w.received.end()).size(), w.received.size())
        << "duplicates, seed " << seed;
    EXPECT_EQ(q.unfinished_tasks(), 0u);
    co_return w.cancellations;
  }(seed), shuffle ? std::optional<std::uint64_t>(seed) : std::nullopt);
}

TEST(Stress, QueueLosesAndDuplicatesNothingUnderRandomCancellation) {
  int cancellations = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    cancellations += run_queue_stress<corio::Queue<long>>(seed, seed % 2 == 0);
  }
  EXPECT_GT(cancellations, 100);
}

TEST(Stress, PriorityAndLifoQueuesLoseAndDuplicateNothingUnderRandomCancellation) {
  int cancellations = 0;
  for (std::uint64_t seed = 100; seed <= 105; ++seed) {
    cancellations += run_queue_stress<corio::PriorityQueue<long>>(seed, seed % 2 == 0);
    cancellations += run_queue_stress<corio::LifoQueue<long>>(seed, seed % 2 == 1);
  }
  EXPECT_GT(cancellations, 50);
}

/// Counts the tasks inside a section; the decrement also runs when a cancellation
/// unwinds the section.
struct Inside {
  Inside(int& n, int limit, int& violations) : n(n) {
    if (++n > limit) ++violations;
  }
  ~Inside() { --n; }
  int& n;
};

struct Shared {
  corio::Lock lock;
  corio::Semaphore sem{3};
  corio::Condition cond{lock};
  int in_lock = 0, in_sem = 0, lock_entries = 0, violations = 0;
  long counter = 0;
};

corio::Coro<void> contender(Shared& s, World& w, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    try {
      switch (w.uniform(0, 2)) {
        case 0: {
          auto g = co_await s.lock.scoped();
          Inside inside(s.in_lock, 1, s.violations);
          ++s.lock_entries;
          co_await corio::sleep(std::chrono::microseconds(w.uniform(0, 20)));
          break;
        }
        case 1: {
          auto g = co_await s.sem.scoped();
          Inside inside(s.in_sem, 3, s.violations);
          co_await corio::sleep(std::chrono::microseconds(w.uniform(0, 20)));
          break;
        }
        default: {
          auto g = co_await s.cond.scoped();
          if (w.uniform(0, 1) == 0) {
            ++s.counter;
            s.cond.notify(static_cast<std::size_t>(w.uniform(1, 3)));
          } else {
            const long seen = s.counter;
            co_await corio::wait_for(s.cond.wait_for([&s, seen] { return s.counter != seen; }),
                                     std::chrono::microseconds(w.uniform(1, 200)));
          }
          if (!s.lock.locked()) ++s.violations;  // wait() always returns holding the lock
          break;
        }
      }
    } catch (const corio::CancelledError&) {
      corio::current_task().uncancel();
      ++w.cancellations;
    } catch (const corio::TimeoutError&) {
    }
  }
}

TEST(Stress, LocksSemaphoresAndConditionsKeepTheirInvariantsUnderRandomCancellation) {
  for (std::uint64_t seed = 7; seed <= 14; ++seed) {
    run_virtual([](std::uint64_t seed) -> corio::Coro<void> {
      World w(seed);
      Shared s;
      std::vector<corio::Task<void>> tasks;
      for (int i = 0; i < 20; ++i) tasks.push_back(corio::create_task(contender(s, w, 200)));
      auto all_done = [&] {
        for (auto& t : tasks) if (!t.done()) return false;
        return true;
      };
      while (!all_done()) {
        co_await corio::sleep(std::chrono::microseconds(w.uniform(0, 30)));
        auto& t = tasks[static_cast<std::size_t>(w.uniform(0, 19))];
        if (!t.done()) t.cancel();
      }
      co_await corio::gather(corio::return_exceptions, tasks);
      EXPECT_EQ(s.violations, 0) << "seed " << seed;
      EXPECT_FALSE(s.lock.locked()) << "seed " << seed;
      EXPECT_EQ(s.sem.value(), 3) << "seed " << seed;
      EXPECT_EQ(s.lock.waiters() + s.sem.waiters() + s.cond.waiters(), 0u);
      EXPECT_GT(s.lock_entries, 0);
      EXPECT_GT(w.cancellations, 0);
    }(seed), seed % 2 ? std::optional<std::uint64_t>(seed) : std::nullopt);
  }
}

}  // namespace
}  // namespace sync_test
