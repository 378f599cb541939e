// Coro<T>: lazy, move-only, awaited once; results and exceptions come out of co_await;
// any depth of nesting uses constant stack.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using test::run_virtual;
using test::VirtualLoopTest;

Coro<void> set_flag(bool& flag) {
  flag = true;
  co_return;
}

Coro<int> forty_two() { co_return 42; }

Coro<int> add_one(Coro<int> inner) { co_return 1 + co_await std::move(inner); }

Coro<int> throws_runtime_error(std::string msg) {
  throw std::runtime_error(msg);
  co_return 0;
}

TEST(Coro, BodyDoesNotRunUntilAwaited) {
  bool ran = false;
  Coro<void> c = set_flag(ran);
  EXPECT_FALSE(ran);
  EXPECT_TRUE(static_cast<bool>(c));
  EXPECT_FALSE(c.done());
  run_virtual([](Coro<void> c, bool& ran) -> Coro<void> {
    EXPECT_FALSE(ran);
    co_await std::move(c);
    EXPECT_TRUE(ran);
  }(std::move(c), ran));
  EXPECT_TRUE(ran);
}

TEST(Coro, ACoroDestroyedWithoutBeingAwaitedNeverRunsItsBody) {
  bool ran = false;
  { Coro<void> c = set_flag(ran); }
  EXPECT_FALSE(ran);
}

TEST(Coro, ResultComesOutOfCoAwait) {
  EXPECT_EQ(run_virtual(forty_two()), 42);
  EXPECT_EQ(run_virtual(add_one(add_one(forty_two()))), 44);
}

TEST(Coro, ExceptionPropagatesThroughNestedCoros) {
  auto outer = []() -> Coro<std::string> {
    try {
      co_await add_one(add_one(throws_runtime_error("deep")));
    } catch (const std::runtime_error& e) {
      co_return std::string("caught ") + e.what();
    }
    co_return "not caught";
  };
  EXPECT_EQ(run_virtual(outer()), "caught deep");
}

TEST(Coro, ExceptionEscapingTheMainCoroIsRethrownByRunUntilComplete) {
  EXPECT_THROW(run_virtual(add_one(throws_runtime_error("boom"))), std::runtime_error);
}

TEST(Coro, ExceptionPropagatesThroughTasksAndCoros) {
  auto via_task = []() -> Coro<int> {
    Task<int> t = create_task(add_one(throws_runtime_error("in task")));
    co_return co_await t;  // a task's failure comes out of co_await task
  };
  auto outer = [&]() -> Coro<std::string> {
    try {
      co_await add_one(via_task());
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "";
  };
  EXPECT_EQ(run_virtual(outer()), "in task");
}

TEST(Coro, IsMoveOnly) {
  static_assert(!std::is_copy_constructible_v<Coro<int>>);
  static_assert(!std::is_copy_assignable_v<Coro<int>>);
  static_assert(std::is_nothrow_move_constructible_v<Coro<int>>);
  static_assert(std::is_nothrow_move_assignable_v<Coro<int>>);

  Coro<int> a = forty_two();
  Coro<int> b = std::move(a);
  EXPECT_FALSE(static_cast<bool>(a));  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_TRUE(static_cast<bool>(b));
  Coro<int> c;
  c = std::move(b);
  EXPECT_EQ(run_virtual(std::move(c)), 42);
}

TEST(Coro, CarriesAMoveOnlyResult) {
  auto make = []() -> Coro<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
  auto outer = [&]() -> Coro<int> {
    std::unique_ptr<int> p = co_await make();
    co_return *p;
  };
  EXPECT_EQ(run_virtual(outer()), 7);
}

TEST(Coro, DoneOnceTheBodyHasReturned) {
  auto outer = []() -> Coro<void> {
    Coro<int> c = forty_two();
    EXPECT_FALSE(c.done());
    // The Awaiter keeps the frame owned by `c`; after co_await it has finished.
    int v = co_await std::move(c);
    EXPECT_EQ(v, 42);
    EXPECT_TRUE(c.done());  // NOLINT(bugprone-use-after-move)
  };
  run_virtual(outer());
}

// A loop of a million awaits of Coros that finish without suspending: each transfer
// must return to the awaiting frame without growing the stack.
TEST(Coro, AwaitingAMillionFinishedCorosUsesConstantStack) {
  auto outer = []() -> Coro<long> {
    long sum = 0;
    for (int i = 0; i < 1'000'000; ++i) sum += co_await forty_two();
    co_return sum;
  };
  EXPECT_EQ(run_virtual(outer()), 42'000'000L);
}

Coro<int> nested(int depth) {
  if (depth == 0) co_return 0;
  co_return 1 + co_await nested(depth - 1);
}

Coro<int> nested_throw(int depth) {
  if (depth == 0) throw std::out_of_range("bottom");
  co_return 1 + co_await nested_throw(depth - 1);
}

/// The range of stack addresses seen by note(): how deep the machine stack went.
struct StackSpan {
  std::uintptr_t lo = UINTPTR_MAX, hi = 0;
  [[gnu::noinline]] void note() {
    auto p = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    lo = std::min(lo, p);
    hi = std::max(hi, p);
  }
  std::size_t size() const { return hi >= lo ? hi - lo : 0; }
};

Coro<int> probe(StackSpan& s) {
  s.note();
  co_return 1;
}

Coro<int> deep_probe(int depth, StackSpan& s) {
  s.note();
  if (depth == 0) co_return 0;
  int r = co_await deep_probe(depth - 1, s);
  s.note();
  co_return r + 1;
}

// The overflow tests above need a deep enough chain to crash; these measure the stack
// directly, so a transfer that nests (a resume() inside await_suspend, or a symmetric
// transfer the compiler did not turn into a tail call) fails at any depth.
TEST(Coro, ALoopOfFinishedAwaitsKeepsTheStackFlat) {
  StackSpan s;
  auto outer = [](StackSpan& s) -> Coro<int> {
    int sum = 0;
    for (int i = 0; i < 10'000; ++i) sum += co_await probe(s);
    co_return sum;
  };
  EXPECT_EQ(run_virtual(outer(s)), 10'000);
  EXPECT_LT(s.size(), 16u * 1024) << "the stack grew by " << s.size() << " bytes";
}

TEST(Coro, ANestedChainKeepsTheStackFlat) {
  StackSpan s;
  EXPECT_EQ(run_virtual(deep_probe(2'000, s)), 2'000);
  EXPECT_LT(s.size(), 16u * 1024) << "the stack grew by " << s.size() << " bytes";
}

TEST(Coro, AChainOfTenThousandNestedAwaitsDoesNotOverflowTheStack) {
  EXPECT_EQ(run_virtual(nested(10'000)), 10'000);
}

TEST(Coro, AnExceptionUnwindsATenThousandDeepChain) {
  EXPECT_THROW(run_virtual(nested_throw(10'000)), std::out_of_range);
}

Coro<int> nested_sleeping(int depth) {
  if (depth == 0) {
    co_await sleep(std::chrono::seconds(1));
    co_return 0;
  }
  co_return 1 + co_await nested_sleeping(depth - 1);
}

TEST(Coro, ADeepChainSuspendsAndResumesAtItsBottom) {
  EXPECT_EQ(run_virtual(nested_sleeping(10'000)), 10'000);
}

class CoroDebug : public VirtualLoopTest {};

Coro<int> never_awaited_child() { co_return 1; }

TEST_F(CoroDebug, ACoroNeverAwaitedIsReportedInDebugMode) {
  loop.set_debug(true);
  run([]() -> Coro<void> {
    { Coro<int> dropped = never_awaited_child(); }
    co_return;
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("was never awaited"), std::string::npos) << reports[0].message;
}

// Regression: the location was taken in an inherited constructor, which named
// CoroPromise's constructor in coro.hpp instead of the coroutine function.
TEST_F(CoroDebug, TheNeverAwaitedReportNamesTheCoroutineFunction) {
  loop.set_debug(true);
  run([]() -> Coro<void> {
    { Coro<int> dropped = never_awaited_child(); }
    co_return;
  }());
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("never_awaited_child"), std::string::npos) << reports[0].message;
  EXPECT_NE(std::string(reports[0].where.file_name()).find("coro_test.cpp"), std::string::npos)
      << reports[0].where.file_name();
}

TEST_F(CoroDebug, ACoroNeverAwaitedIsNotReportedOutsideDebugMode) {
  loop.set_debug(false);
  run([]() -> Coro<void> {
    { Coro<int> dropped = never_awaited_child(); }
    co_return;
  }());
  EXPECT_TRUE(errors.empty()) << errors.messages();
}

TEST_F(CoroDebug, AnAwaitedCoroOrOneHandedToATaskIsNotReported) {
  loop.set_debug(true);
  run([]() -> Coro<void> {
    co_await never_awaited_child();
    Task<int> t = create_task(never_awaited_child());
    co_await t;
    Coro<int> moved = never_awaited_child();
    Coro<int> target = std::move(moved);  // moving is not dropping
    co_await std::move(target);
  }());
  EXPECT_TRUE(errors.empty()) << errors.messages();
}

}  // namespace
}  // namespace corio
