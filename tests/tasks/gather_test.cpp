// gather: a tuple (void -> monostate) or a vector of results; return_exceptions
// collects Outcomes; the first failure is raised at once and the others keep running;
// cancelling the gather (or its awaiter) cancels the children.
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class Gather : public test::VirtualLoopTest {};

Coro<int> after(std::chrono::nanoseconds d, int v) {
  co_await sleep(d);
  co_return v;
}

Coro<void> nothing_after(std::chrono::nanoseconds d) { co_await sleep(d); }

Coro<int> fail_after(std::chrono::nanoseconds d, std::string msg) {
  co_await sleep(d);
  throw std::runtime_error(msg);
}

TEST_F(Gather, ReturnsATupleOfResultsInArgumentOrder) {
  auto [a, b, c] = run([]() -> Coro<std::tuple<int, std::string, int>> {
    auto s = []() -> Coro<std::string> {
      co_await sleep(2s);
      co_return "two";
    };
    co_return co_await gather(after(3s, 1), s(), after(1s, 3));
  }());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, "two");
  EXPECT_EQ(c, 3);
  EXPECT_DOUBLE_EQ(loop.time(), 3.0) << "children run concurrently";
}

TEST_F(Gather, VoidResultsBecomeMonostate) {
  run([]() -> Coro<void> {
    auto r = co_await gather(nothing_after(1s), after(1s, 5));
    static_assert(std::is_same_v<decltype(r), std::tuple<std::monostate, int>>);
    EXPECT_EQ(std::get<1>(r), 5);
  }());
}

TEST_F(Gather, AcceptsTasksAndFutures) {
  run([](EventLoop& loop) -> Coro<void> {
    Task<int> t = create_task(after(2s, 20));
    Future<int> f = loop.create_future<int>();
    loop.call_later(1s, [f]() mutable { f.set_result(10); });
    auto [x, y, z] = co_await gather(t, f, after(1s, 1));
    EXPECT_EQ(x + y + z, 31);
  }(loop));
}

TEST_F(Gather, OverAVectorReturnsAVectorInOrder) {
  auto r = run([]() -> Coro<std::vector<int>> {
    std::vector<Coro<int>> cs;
    for (int i = 0; i < 5; ++i) cs.push_back(after(std::chrono::seconds(5 - i), i));
    co_return co_await gather(std::move(cs));
  }());
  EXPECT_EQ(r, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_DOUBLE_EQ(loop.time(), 5.0);
}

TEST_F(Gather, OverAVectorOfTasks) {
  auto r = run([]() -> Coro<std::vector<int>> {
    std::vector<Task<int>> ts;
    for (int i = 0; i < 3; ++i) ts.push_back(create_task(after(1s, i * 10)));
    co_return co_await gather(ts);
  }());
  EXPECT_EQ(r, (std::vector<int>{0, 10, 20}));
}

TEST_F(Gather, AnRvalueVectorOfTasksHandsItsHandlesOver) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts;
    for (int i = 0; i < 3; ++i) ts.push_back(create_task(after(1s, i)));
    auto g = gather(std::move(ts));
    for (const Task<int>& t : ts) EXPECT_FALSE(t.valid()) << "moved-from handles are empty";
    std::vector<int> r = co_await g;
    EXPECT_EQ(r, (std::vector<int>{0, 1, 2}));
  }());
}

TEST_F(Gather, AnLvalueVectorOrASpanKeepsItsHandles) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts;
    for (int i = 0; i < 3; ++i) ts.push_back(create_task(after(1s, i)));
    auto a = co_await gather(ts);
    auto b = co_await gather(std::span<Task<int>>(ts));
    for (const Task<int>& t : ts) EXPECT_TRUE(t.valid() && t.done());
    EXPECT_EQ(a, b);
    EXPECT_EQ(ts[2].result(), 2);
  }());
}

Coro<std::shared_ptr<int>> share_after(std::chrono::nanoseconds d, std::shared_ptr<int> p) {
  co_await sleep(d);
  co_return p;
}

TEST_F(Gather, AFinishedChildTaskIsLetGoBeforeTheOthersFinish) {
  run([]() -> Coro<void> {
    auto token = std::make_shared<int>(7);
    std::vector<Task<std::shared_ptr<int>>> ts;
    ts.push_back(create_task(share_after(1s, token)));
    ts.push_back(create_task(share_after(3s, nullptr)));
    auto g = gather(std::move(ts));
    co_await sleep(2s);
    // Held by us and by the gather's result; the first task (and the copy of its
    // value it kept) is already gone.
    EXPECT_EQ(token.use_count(), 2);
    auto r = co_await g;
    EXPECT_EQ(r[0], token);
    EXPECT_EQ(r[1], nullptr);
  }());
}

TEST_F(Gather, ATaskAlsoHeldElsewhereKeepsItsResultAfterTheGather) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts;
    for (int i = 0; i < 3; ++i) ts.push_back(create_task(after(std::chrono::seconds(i), i * 2)));
    std::vector<Task<int>> mine = ts;
    auto r = co_await gather(std::move(ts));
    EXPECT_EQ(r, (std::vector<int>{0, 2, 4}));
    for (int i = 0; i < 3; ++i) EXPECT_EQ(mine[i].result(), i * 2);
  }());
}

TEST_F(Gather, AnRvalueVectorOfTasksThatAreAllDoneAlready) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts;
    for (int i = 0; i < 4; ++i) ts.push_back(create_task(after(0s, i)));
    co_await sleep(1s);  // every child finished before the gather is made
    std::vector<int> r = co_await gather(std::move(ts));
    EXPECT_EQ(r, (std::vector<int>{0, 1, 2, 3}));
  }());
}

TEST_F(Gather, AnRvalueVectorWithAFailureThatHappenedAlready) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts;
    ts.push_back(create_task(after(0s, 1)));
    ts.push_back(create_task(fail_after(0s, "early")));
    ts.push_back(create_task(after(2s, 3)));
    co_await sleep(1s);
    bool caught = false;
    try {
      co_await gather(std::move(ts));
    } catch (const std::runtime_error& e) {
      caught = std::string(e.what()) == "early";
    }
    EXPECT_TRUE(caught);
    co_await sleep(2s);  // the pending child still runs to its end
  }());
}

TEST_F(Gather, AnRvalueVectorOfFuturesSomeDoneAlready) {
  run([](EventLoop& loop) -> Coro<void> {
    std::vector<Future<int>> fs;
    for (int i = 0; i < 3; ++i) fs.push_back(loop.create_future<int>());
    fs[1].set_result(11);
    Future<int> first = fs[0], last = fs[2];
    loop.call_later(1s, [first, last]() mutable {
      first.set_result(10);
      last.set_result(12);
    });
    std::vector<int> r = co_await gather(std::move(fs));
    EXPECT_EQ(r, (std::vector<int>{10, 11, 12}));
    EXPECT_EQ(first.result(), 10) << "a future is not let go of early: its holder may still read it";
  }(loop));
}

TEST_F(Gather, ReturnExceptionsOverAnRvalueVectorOfDoneTasks) {
  run([]() -> Coro<void> {
    std::vector<Task<int>> ts;
    ts.push_back(create_task(after(0s, 5)));
    ts.push_back(create_task(fail_after(0s, "bad")));
    co_await sleep(1s);
    auto r = co_await gather(return_exceptions, std::move(ts));
    EXPECT_EQ(r.size(), 2u);
    if (r.size() != 2) co_return;
    EXPECT_EQ(r[0].value(), 5);
    EXPECT_FALSE(r[1].has_value());
  }());
}

TEST_F(Gather, OverAVectorOfVoidCoros) {
  run([]() -> Coro<void> {
    std::vector<Coro<void>> cs;
    cs.push_back(nothing_after(1s));
    cs.push_back(nothing_after(2s));
    auto r = co_await gather(std::move(cs));
    static_assert(std::is_same_v<decltype(r), std::vector<std::monostate>>);
    EXPECT_EQ(r.size(), 2u);
  }());
}

TEST_F(Gather, OfNothingIsDoneAtOnce) {
  run([](EventLoop& loop) -> Coro<void> {
    auto t = co_await gather();
    static_assert(std::is_same_v<decltype(t), std::tuple<>>);
    std::vector<Coro<int>> none;
    auto v = co_await gather(std::move(none));
    EXPECT_TRUE(v.empty());
    EXPECT_DOUBLE_EQ(loop.time(), 0.0);
  }(loop));
}

TEST_F(Gather, TheFirstFailureIsRaisedAtOnceAndTheOthersKeepRunning) {
  run([](EventLoop& loop) -> Coro<void> {
    Task<int> slow = create_task(after(3s, 3));
    bool caught = false;
    try {
      co_await gather(slow, fail_after(1s, "first"), fail_after(2s, "second"));
    } catch (const std::runtime_error& e) {
      caught = true;
      EXPECT_STREQ(e.what(), "first");
      EXPECT_DOUBLE_EQ(loop.time(), 1.0) << "raised as soon as the first child failed";
    }
    EXPECT_TRUE(caught);
    EXPECT_FALSE(slow.done());
    EXPECT_EQ(co_await slow, 3) << "gather does not cancel the others";
    EXPECT_FALSE(slow.cancelled());
    co_await sleep(5s);  // the second failure happens and is not reported as lost
  }(loop));
}

TEST_F(Gather, ReturnExceptionsCollectsOutcomesInATuple) {
  run([]() -> Coro<void> {
    auto [a, b, c] = co_await gather(return_exceptions, after(1s, 1), fail_after(2s, "bad"), nothing_after(3s));
    EXPECT_TRUE(a.has_value());
    EXPECT_EQ(a.value(), 1);
    EXPECT_FALSE(b.has_value());
    EXPECT_THROW(b.value(), std::runtime_error);
    EXPECT_THROW(std::rethrow_exception(b.exception()), std::runtime_error);
    EXPECT_TRUE(c.has_value());
  }());
  EXPECT_DOUBLE_EQ(loop.time(), 3.0) << "every child is waited for";
}

TEST_F(Gather, ReturnExceptionsOverAVector) {
  run([]() -> Coro<void> {
    std::vector<Coro<int>> cs;
    cs.push_back(after(1s, 1));
    cs.push_back(fail_after(1s, "x"));
    cs.push_back(after(2s, 3));
    std::vector<Outcome<int>> r = co_await gather(return_exceptions, std::move(cs));
    EXPECT_EQ(r.size(), 3u);
    EXPECT_EQ(r[0].value(), 1);
    EXPECT_NE(r[1].exception(), nullptr);
    EXPECT_EQ(r[2].value(), 3);
  }());
}

TEST_F(Gather, ReturnExceptionsReportsACancelledChildAsCancelledError) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(after(1h, 0));
    Task<int> canceller = create_task([](Task<int> t) -> Coro<int> {
      co_await sleep(1s);
      t.cancel("nope");
      co_return 0;
    }(t));
    auto [a, b] = co_await gather(return_exceptions, t, canceller);
    EXPECT_FALSE(a.has_value());
    bool is_cancel = false;
    try {
      std::rethrow_exception(a.exception());
    } catch (const CancelledError& e) {
      is_cancel = e.message() == "nope";
    } catch (...) {
    }
    EXPECT_TRUE(is_cancel);
    EXPECT_TRUE(b.has_value());
  }());
}

TEST_F(Gather, ACancelledChildFailsTheGatherWithCancelledError) {
  run([]() -> Coro<void> {
    Task<int> t = create_task(after(1h, 0));
    Task<int> other = create_task(after(2s, 2));
    auto g = gather(t, other);
    co_await sleep(1s);
    t.cancel();
    bool cancelled = false;
    try {
      co_await g;
    } catch (const CancelledError&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_FALSE(g.cancelled()) << "asyncio: the gather fails with CancelledError, it is not itself cancelled";
    EXPECT_EQ(co_await other, 2);
  }());
}

TEST_F(Gather, CancellingTheGatherCancelsEveryChild) {
  run([]() -> Coro<void> {
    Task<int> a = create_task(after(1h, 1));
    Task<int> b = create_task(after(1h, 2));
    auto g = gather(a, b);
    co_await sleep(1s);
    EXPECT_TRUE(g.cancel());
    bool raised = false;
    try {
      co_await g;
    } catch (const CancelledError&) {
      raised = true;
    }
    EXPECT_TRUE(raised);
    EXPECT_TRUE(g.done());
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.cancelled());
  }());
}

TEST_F(Gather, CancellingTheTaskAwaitingAGatherCancelsTheChildren) {
  std::vector<std::string> log;
  run([](std::vector<std::string>& log) -> Coro<void> {
    auto child = [](std::vector<std::string>& log, std::string name) -> Coro<void> {
      try {
        co_await sleep(1h);
      } catch (const CancelledError&) {
        log.push_back(name + " cancelled");
        throw;
      }
    };
    Task<void> parent = create_task([child](std::vector<std::string>& log) -> Coro<void> {
      try {
        co_await gather(child(log, "a"), child(log, "b"));
      } catch (const CancelledError&) {
        log.push_back("parent cancelled");
        throw;
      }
    }(log));
    co_await sleep(1s);
    parent.cancel();
    try {
      co_await parent;
    } catch (const CancelledError&) {
    }
    EXPECT_TRUE(parent.cancelled());
  }(log));
  EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b cancelled", "parent cancelled"}));
}

TEST_F(Gather, CancellingAFinishedGatherReturnsFalse) {
  run([]() -> Coro<void> {
    auto g = gather(after(1s, 1));
    co_await g;
    EXPECT_FALSE(g.cancel());
  }());
}

TEST_F(Gather, DroppingTheGatherFutureEarlyIsSafe) {
  run([]() -> Coro<void> {
    { auto g = gather(after(1s, 1), after(2s, 2)); }
    co_await sleep(3s);  // the children finish after the gather handle is gone
  }());
}

TEST_F(Gather, AThousandChildren) {
  auto r = run([]() -> Coro<long> {
    std::vector<Coro<int>> cs;
    for (int i = 0; i < 1000; ++i) cs.push_back(after(std::chrono::milliseconds(i % 17), i));
    auto v = co_await gather(std::move(cs));
    long sum = 0;
    for (int x : v) sum += x;
    co_return sum;
  }());
  EXPECT_EQ(r, 999L * 1000 / 2);
}

}  // namespace
}  // namespace corio
