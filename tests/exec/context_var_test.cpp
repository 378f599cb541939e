// ContextVar: values that follow tasks (contextvars, as asyncio's tasks use them).
//
// A task starts with a copy of its creator's context; what either sets afterwards is
// invisible to the other. Single-loop tests run on a virtual-clock loop.
#include <string>
#include <thread>
#include <vector>

#include "corio_test.hpp"
#include "corio/exec/exec.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;
using test::VirtualLoopTest;

class ContextVarTest : public VirtualLoopTest {};

ContextVar<std::string> user("user", "anonymous");
ContextVar<int> depth("depth");

TEST_F(ContextVarTest, WithoutAValueGetGivesTheDefaultOrRaisesLookupError) {
  run([]() -> Coro<void> {
    EXPECT_EQ(user.get(), "anonymous");
    EXPECT_THROW(depth.get(), LookupError);
    EXPECT_EQ(depth.get(-1), -1);
    EXPECT_EQ(user.name(), "user");
    co_return;
  }());
}

Coro<std::string> read_user_later() {
  co_await sleep(1s);
  co_return user.get();
}

Coro<std::string> set_user(std::string name) {
  user.set(std::move(name));
  co_await sleep(0s);
  co_return user.get();
}

TEST_F(ContextVarTest, AChildSeesItsCreatorsValuesAsTheyWereAtCreation) {
  run([]() -> Coro<void> {
    user.set("alice");
    auto child = create_task(read_user_later());
    user.set("bob");  // after the child was created: invisible to it
    EXPECT_EQ(co_await child, "alice");
    EXPECT_EQ(user.get(), "bob");
  }());
}

TEST_F(ContextVarTest, WhatATaskSetsIsInvisibleToItsCreatorAndToOtherTasks) {
  run([]() -> Coro<void> {
    user.set("parent");
    auto a = create_task(set_user("a"));
    auto b = create_task(set_user("b"));
    EXPECT_EQ(co_await a, "a");
    EXPECT_EQ(co_await b, "b");
    EXPECT_EQ(user.get(), "parent");
  }());
}

TEST_F(ContextVarTest, AnAwaitedCoroutineSharesItsTasksContext) {
  run([]() -> Coro<void> {
    co_await set_user("inline");  // not a new task: the same context, as `await coro()`
    EXPECT_EQ(user.get(), "inline");
  }());
}

TEST_F(ContextVarTest, GatherAndTaskGroupChildrenInheritToo) {
  run([]() -> Coro<void> {
    user.set("group");
    auto [x, y] = co_await gather(read_user_later(), read_user_later());
    EXPECT_EQ(x, "group");
    EXPECT_EQ(y, "group");
    TaskGroup tg;
    auto t = tg.create_task(read_user_later());
    co_await tg.join();
    EXPECT_EQ(t.result(), "group");
  }());
}

TEST_F(ContextVarTest, ResetRestoresThePreviousValueOrNone) {
  run([]() -> Coro<void> {
    auto t1 = depth.set(1);
    EXPECT_FALSE(t1.has_old_value());
    auto t2 = depth.set(2);
    EXPECT_TRUE(t2.has_old_value());
    EXPECT_EQ(t2.old_value(), 1);
    depth.reset(t2);
    EXPECT_EQ(depth.get(), 1);
    EXPECT_THROW(depth.reset(t2), RuntimeError) << "a token is used once";
    depth.reset(t1);
    EXPECT_THROW(depth.get(), LookupError);
    co_return;
  }());
}

Coro<void> reset_elsewhere(Token<int>& token) {
  EXPECT_THROW(depth.reset(token), ValueError);
  co_return;
}

TEST_F(ContextVarTest, ATokenBelongsToItsVariableAndItsContext) {
  run([]() -> Coro<void> {
    auto token = depth.set(5);
    co_await create_task(reset_elsewhere(token));
    ContextVar<int> other("other");
    Token<int> theirs = other.set(1);
    EXPECT_THROW(depth.reset(theirs), ValueError);
    depth.reset(token);
  }());
}

TEST_F(ContextVarTest, EachThreadHasItsOwnContext) {
  auto token = user.set("main");
  std::string seen;
  std::thread([&] {
    seen = user.get();
    user.set("other thread");
  }).join();
  EXPECT_EQ(seen, "anonymous");
  EXPECT_EQ(user.get(), "main");
  user.reset(token);
}

TEST_F(ContextVarTest, TheMainTaskStartsWithTheThreadsContext) {
  auto token = user.set("before run");
  EXPECT_EQ(run([]() -> Coro<std::string> { co_return user.get(); }()), "before run");
  user.reset(token);
}

TEST_F(ContextVarTest, CopyContextRunKeepsItsChangesToItself) {
  auto token = user.set("outside");
  Context ctx = copy_context();
  std::string inside = ctx.run([] {
    std::string before = user.get();
    user.set("inside");
    return before;
  });
  EXPECT_EQ(inside, "outside");
  EXPECT_EQ(user.get(), "outside");
  EXPECT_EQ(ctx.run([] { return user.get(); }), "inside");
  user.reset(token);
}

}  // namespace
}  // namespace corio
