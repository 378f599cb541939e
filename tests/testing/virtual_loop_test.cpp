// corio::testing::run_virtual: the public virtual-clock runner tests are built on.
#include <chrono>
#include <stdexcept>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;
using corio::testing::VirtualOptions;

TEST(RunVirtual, ReturnsTheResultWithoutSleepingInRealTime) {
  auto t0 = std::chrono::steady_clock::now();
  double t = corio::testing::run_virtual([]() -> Coro<double> {
    co_await sleep(24h);
    co_return get_running_loop().time();
  }());
  EXPECT_DOUBLE_EQ(t, 86400.0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
}

TEST(RunVirtual, RethrowsTheException) {
  EXPECT_THROW(corio::testing::run_virtual([]() -> Coro<void> {
                 co_await sleep(1s);
                 throw std::domain_error("failed");
               }()),
               std::domain_error);
}

TEST(RunVirtual, EachRunStartsAtTimeZero) {
  auto now = []() -> Coro<double> {
    co_await sleep(5s);
    co_return get_running_loop().time();
  };
  EXPECT_DOUBLE_EQ(corio::testing::run_virtual(now()), 5.0);
  EXPECT_DOUBLE_EQ(corio::testing::run_virtual(now()), 5.0);
}

TEST(RunVirtual, CancelsLeftoverTasksAndClosesTheLoop) {
  bool cancelled = false;
  corio::testing::run_virtual([](bool& c) -> Coro<void> {
    create_task([](bool& c) -> Coro<void> {
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        c = true;
        throw;
      }
    }(c));
    co_await sleep(0s);
  }(cancelled));
  EXPECT_TRUE(cancelled);
  EXPECT_THROW(get_event_loop(), RuntimeError) << "the loop is no longer current after the run";
}

TEST(RunVirtual, DebugOptionTurnsOnDebugMode) {
  VirtualOptions opts;
  opts.debug = true;
  EXPECT_TRUE(corio::testing::run_virtual([]() -> Coro<bool> { co_return get_running_loop().get_debug(); }(), opts));
  EXPECT_FALSE(corio::testing::run_virtual([]() -> Coro<bool> { co_return get_running_loop().get_debug(); }()));
}

std::vector<int> order_with(std::optional<std::uint64_t> seed) {
  VirtualOptions opts;
  opts.shuffle_seed = seed;
  return corio::testing::run_virtual([]() -> Coro<std::vector<int>> {
    std::vector<int> order;
    std::vector<Task<void>> ts;
    for (int i = 0; i < 16; ++i) {
      ts.push_back(create_task([](std::vector<int>& order, int i) -> Coro<void> {
        co_await sleep(1s);
        order.push_back(i);
      }(order, i)));
    }
    for (auto& t : ts) co_await t;
    co_return order;
  }(), opts);
}

TEST(RunVirtual, AShuffleSeedReordersReadyWorkReproducibly) {
  std::vector<int> fifo = order_with(std::nullopt);
  std::vector<int> expected;
  for (int i = 0; i < 16; ++i) expected.push_back(i);
  EXPECT_EQ(fifo, expected);
  EXPECT_NE(order_with(11), expected);
  EXPECT_EQ(order_with(11), order_with(11));
}

}  // namespace
}  // namespace corio
