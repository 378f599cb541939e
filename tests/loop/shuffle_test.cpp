// Shuffle mode (LoopOptions::shuffle_seed): each ready batch runs in an order drawn
// from the seed — the same seed gives the same order, no seed gives FIFO.
#include <algorithm>
#include <numeric>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

/// The order in which `n` callbacks queued together, then `n` tasks each stepping
/// three times, ran on a loop built with `options`.
std::vector<int> observed_order(LoopOptions options, int n = 20) {
  EventLoop loop(test::virtual_options(options));
  std::vector<int> order;
  for (int i = 0; i < n; ++i) loop.call_soon([&order, i] { order.push_back(i); });
  loop.run_until_complete([](std::vector<int>& order, int n) -> Coro<void> {
    std::vector<Task<void>> tasks;
    for (int i = 0; i < n; ++i) {
      tasks.push_back(create_task([](std::vector<int>& order, int id) -> Coro<void> {
        for (int step = 0; step < 3; ++step) {
          order.push_back(1000 * (step + 1) + id);
          co_await sleep(0s);
        }
      }(order, i)));
    }
    for (auto& t : tasks) co_await t;
  }(order, n));
  return order;
}

TEST(Shuffle, WithoutASeedBatchesRunInFifoOrder) {
  std::vector<int> order = observed_order({});
  std::vector<int> expected(20);
  std::iota(expected.begin(), expected.end(), 0);
  for (int step = 1; step <= 3; ++step) {
    for (int id = 0; id < 20; ++id) expected.push_back(1000 * step + id);
  }
  EXPECT_EQ(order, expected);
}

TEST(Shuffle, TheSameSeedGivesTheSameOrder) {
  auto a = observed_order(LoopOptions{.shuffle_seed = 42});
  auto b = observed_order(LoopOptions{.shuffle_seed = 42});
  EXPECT_EQ(a, b);
}

TEST(Shuffle, ASeedShufflesWithinABatchButNotAcrossBatches) {
  auto order = observed_order(LoopOptions{.shuffle_seed = 7});
  auto fifo = observed_order({});
  ASSERT_EQ(order.size(), fifo.size());
  EXPECT_NE(order, fifo) << "20 callbacks in FIFO order by chance has odds 1/20!";
  // Every element ran exactly once...
  auto sorted = order;
  std::sort(sorted.begin(), sorted.end());
  auto fifo_sorted = fifo;
  std::sort(fifo_sorted.begin(), fifo_sorted.end());
  EXPECT_EQ(sorted, fifo_sorted);
  // ...and a task's step k+1 never runs before its step k.
  for (int id = 0; id < 20; ++id) {
    auto pos = [&](int v) { return std::find(order.begin(), order.end(), v) - order.begin(); };
    EXPECT_LT(pos(1000 + id), pos(2000 + id));
    EXPECT_LT(pos(2000 + id), pos(3000 + id));
  }
}

TEST(Shuffle, DifferentSeedsGiveDifferentOrders) {
  auto a = observed_order(LoopOptions{.shuffle_seed = 1});
  auto b = observed_order(LoopOptions{.shuffle_seed = 2});
  EXPECT_NE(a, b);
}

TEST(Shuffle, TimersDueTogetherAreShuffledToo) {
  auto timer_order = [](std::optional<std::uint64_t> seed) {
    EventLoop loop(test::virtual_options(LoopOptions{.shuffle_seed = seed}));
    std::vector<int> order;
    for (int i = 0; i < 20; ++i) loop.call_later(1s, [&order, i] { order.push_back(i); });
    loop.call_later(2s, [&loop] { loop.stop(); });
    loop.run_forever();
    return order;
  };
  std::vector<int> fifo(20);
  std::iota(fifo.begin(), fifo.end(), 0);
  EXPECT_EQ(timer_order(std::nullopt), fifo);
  EXPECT_NE(timer_order(3), fifo);
  EXPECT_EQ(timer_order(3), timer_order(3));
}

}  // namespace
}  // namespace corio
