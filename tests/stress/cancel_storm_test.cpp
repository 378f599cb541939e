// Stress: 100,000 tasks sleeping random virtual durations while random ones are
// cancelled at random points (before their first step, while sleeping, while woken but
// not yet run, twice). Every task must end, each either completed or cancelled, with
// nothing leaked (the ASan build runs this too) and nothing reported to the loop.
//
// Everything is drawn from a seeded std::mt19937, so a failure reproduces exactly.
#include <random>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

struct Counters {
  int started = 0;
  int returned = 0;   // bodies that ran to their co_return
  int swallowed = 0;  // bodies that caught CancelledError and returned -1
  int unwound = 0;    // bodies left by CancelledError
};

struct Plan {
  std::vector<std::chrono::milliseconds> sleeps;  // 0..3 sleeps, 0 ms allowed
  bool swallows = false;                          // catches CancelledError and returns
};

Coro<int> worker(int id, Plan plan, Counters& c) {
  ++c.started;
  try {
    for (auto d : plan.sleeps) co_await sleep(d);
  } catch (const CancelledError&) {
    if (!plan.swallows) {
      ++c.unwound;
      throw;
    }
    ++c.swallowed;
    co_return -1;
  }
  ++c.returned;
  co_return id;
}

/// Cancels random tasks at random moments: the "random points" that are not timers.
Coro<void> canceller(std::vector<Task<int>>& tasks, std::mt19937& rng, int rounds) {
  std::uniform_int_distribution<std::size_t> pick(0, tasks.size() - 1);
  std::uniform_int_distribution<int> pause_ms(0, 20);
  for (int i = 0; i < rounds; ++i) {
    co_await sleep(std::chrono::milliseconds(pause_ms(rng)));
    tasks[pick(rng)].cancel();
  }
}

struct StormResult {
  int completed = 0;
  int cancelled = 0;
  Counters counters;
};

StormResult storm(int n, std::uint32_t seed, LoopOptions options = {}) {
  test::ErrorLog errors;
  EventLoop loop(test::virtual_options(options));
  errors.attach(loop);
  std::mt19937 rng(seed);
  StormResult out;

  loop.run_until_complete([](int n, std::mt19937& rng, StormResult& out, EventLoop& loop) -> Coro<void> {
    std::uniform_int_distribution<int> nsleeps(0, 3), ms(0, 10'000), pct(0, 99);
    std::vector<Task<int>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      Plan plan;
      for (int k = nsleeps(rng); k > 0; --k) plan.sleeps.emplace_back(ms(rng));
      plan.swallows = pct(rng) < 10;
      tasks.push_back(create_task(worker(i, std::move(plan), out.counters)));
      int p = pct(rng);
      if (p < 5) {
        tasks.back().cancel();  // before its first step: the body never runs
      } else if (p < 35) {
        // At a random moment, possibly after it finished (then cancel() is a no-op).
        Task<int> t = tasks.back();
        int times = 1 + (pct(rng) < 20);
        loop.call_later(std::chrono::milliseconds(ms(rng) + 1), [t, times]() mutable {
          for (int k = 0; k < times; ++k) t.cancel("storm");
        });
      }
      if (i % 1000 == 999) co_await sleep(0s);  // let early tasks start while spawning
    }
    Task<void> chaos = create_task(canceller(tasks, rng, 2000));

    std::vector<Outcome<int>> outcomes = co_await gather(return_exceptions, tasks);
    co_await chaos;

    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const Task<int>& t = tasks[i];
      EXPECT_TRUE(t.done()) << "task " << i;
      if (t.cancelled()) {
        ++out.cancelled;
        EXPECT_FALSE(outcomes[i].has_value());
        EXPECT_TRUE(is_cancelled_error(outcomes[i].exception()));
      } else {
        ++out.completed;
        int v = outcomes[i].value();
        EXPECT_TRUE(v == static_cast<int>(i) || v == -1) << "task " << i << " returned " << v;
      }
    }
    // Only this task is left; every sleeping timer of a cancelled task is gone.
    EXPECT_EQ(all_tasks().size(), 1u);
  }(n, rng, out, loop));

  loop.close();
  EXPECT_TRUE(errors.empty()) << errors.messages();
  return out;
}

void check(const StormResult& r, int n) {
  EXPECT_EQ(r.completed + r.cancelled, n);
  const Counters& c = r.counters;
  EXPECT_EQ(c.returned + c.swallowed, r.completed) << "a completed task ran its body to a co_return";
  EXPECT_EQ(c.unwound + (n - c.started), r.cancelled)
      << "a cancelled task either unwound from an await or never started";
  EXPECT_GT(r.cancelled, n / 10) << "the storm must actually cancel a good share";
  EXPECT_GT(c.swallowed, 0);
  EXPECT_LT(c.started, n) << "some tasks must be cancelled before their first step";
}

TEST(CancelStorm, HundredThousandTasksEndEitherCompletedOrCancelled) {
  constexpr int kTasks = 100'000;
  StormResult r = storm(kTasks, 20261121);
  check(r, kTasks);
}

TEST(CancelStorm, TheSameSeedGivesTheSameOutcome) {
  StormResult a = storm(10'000, 7);
  StormResult b = storm(10'000, 7);
  EXPECT_EQ(a.completed, b.completed);
  EXPECT_EQ(a.cancelled, b.cancelled);
  EXPECT_EQ(a.counters.swallowed, b.counters.swallowed);
}

TEST(CancelStorm, HoldsUnderAShuffledReadyQueue) {
  constexpr int kTasks = 20'000;
  StormResult r = storm(kTasks, 99, LoopOptions{.shuffle_seed = 5});
  check(r, kTasks);
}

// Timeouts under load: each task waits for a random sleep under a random deadline; with
// the virtual clock, whether it times out is known in advance (durations never tie).
TEST(TimeoutStorm, TwentyThousandWaitForsTimeOutExactlyWhenTheirDeadlinePasses) {
  constexpr int kTasks = 20'000;
  test::ErrorLog errors;
  EventLoop loop(test::virtual_options());
  errors.attach(loop);
  std::mt19937 rng(424242);
  loop.run_until_complete([](std::mt19937& rng, EventLoop& loop) -> Coro<void> {
    std::uniform_int_distribution<int> ms(1, 5'000);
    struct Case {
      int sleep_ms, timeout_ms, outer_ms;
    };
    std::vector<Case> cases;
    std::vector<Task<int>> tasks;
    for (int i = 0; i < kTasks; ++i) {
      Case c{ms(rng), ms(rng), ms(rng)};
      while (c.timeout_ms == c.sleep_ms || c.outer_ms == c.sleep_ms || c.outer_ms == c.timeout_ms) {
        c = Case{ms(rng), ms(rng), ms(rng)};
      }
      cases.push_back(c);
      // wait_for inside an outer timeout: 0 = done, 1 = inner timeout, 2 = outer timeout.
      tasks.push_back(create_task([](Case c, EventLoop& loop) -> Coro<int> {
        Timeout outer = timeout(std::chrono::milliseconds(c.outer_ms));
        int kind = -1;
        try {
          kind = co_await outer.run([](Case c) -> Coro<int> {
            try {
              co_await wait_for([](int ms) -> Coro<void> { co_await sleep(std::chrono::milliseconds(ms)); }(c.sleep_ms),
                                std::chrono::milliseconds(c.timeout_ms));
            } catch (const TimeoutError&) {
              co_return 1;
            }
            co_return 0;
          }(c));
        } catch (const TimeoutError&) {
          kind = 2;
        }
        EXPECT_EQ(current_task().cancelling(), 0);
        (void)loop;
        co_return kind;
      }(c, loop)));
    }
    auto kinds = co_await gather(tasks);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      int first = std::min({c.sleep_ms, c.timeout_ms, c.outer_ms});
      int expected = first == c.sleep_ms ? 0 : first == c.timeout_ms ? 1 : 2;
      EXPECT_EQ(kinds[i], expected) << "sleep " << c.sleep_ms << " timeout " << c.timeout_ms << " outer "
                                    << c.outer_ms;
    }
  }(rng, loop));
  loop.close();
  EXPECT_TRUE(errors.empty()) << errors.messages();
}

}  // namespace
}  // namespace corio
