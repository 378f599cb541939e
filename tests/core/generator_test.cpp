// Generator<T, Send, R>: Python's generators — next, send, throw, close, yield from,
// range-for, the return value carried by StopIteration, and the seeds' examples.
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

Generator<int> count_to(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

TEST(Generator, BodyDoesNotRunUntilTheFirstNext) {
  bool started = false;
  auto gen = [](bool& started) -> Generator<int> {
    started = true;
    co_yield 1;
  }(started);
  EXPECT_FALSE(started);
  EXPECT_FALSE(gen.done());
  EXPECT_EQ(gen.next(), 1);
  EXPECT_TRUE(started);
}

TEST(Generator, NextYieldsEachValueThenRaisesStopIteration) {
  auto gen = count_to(3);
  EXPECT_EQ(gen.next(), 0);
  EXPECT_EQ(gen.next(), 1);
  EXPECT_EQ(gen.next(), 2);
  EXPECT_THROW(gen.next(), StopIteration);
  EXPECT_TRUE(gen.done());
  EXPECT_THROW(gen.next(), StopIteration) << "a finished generator stays finished";
}

TEST(Generator, RangeForIteratesEveryValue) {
  std::vector<int> seen;
  for (int v : count_to(5)) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<int>{0, 1, 2, 3, 4}));
  int n = 0;
  for ([[maybe_unused]] int v : count_to(0)) ++n;
  EXPECT_EQ(n, 0);
}

TEST(Generator, RangeForOverAMoveOnlyValue) {
  auto gen = []() -> Generator<std::unique_ptr<int>> {
    for (int i = 1; i <= 3; ++i) co_yield std::make_unique<int>(i);
  }();
  int sum = 0;
  for (auto& p : gen) sum += *p;
  EXPECT_EQ(sum, 6);
}

TEST(Generator, ReturnValueIsAvailableAfterStopIteration) {
  auto gen = []() -> Generator<int, void, std::string> {
    co_yield 1;
    co_return "finished";
  }();
  EXPECT_EQ(gen.next(), 1);
  EXPECT_THROW(gen.next(), StopIteration);
  EXPECT_EQ(gen.return_value(), "finished");
}

TEST(Generator, SendDeliversTheValueOfThePendingYield) {
  auto acc = []() -> Generator<int, int> {
    int total = 0;
    while (true) {
      std::optional<int> n = co_yield total;
      if (!n) co_return;
      total += *n;
    }
  }();
  EXPECT_EQ(acc.next(), 0);  // Python: gen.send(None) starts it
  EXPECT_EQ(acc.send(5), 5);
  EXPECT_EQ(acc.send(10), 15);
  EXPECT_EQ(acc.send(1), 16);
  EXPECT_THROW(acc.next(), StopIteration) << "next() sends None, which ends this generator";
}

TEST(Generator, ThrowRaisesAtTheYieldAndTheBodyMayCatchIt) {
  auto gen = []() -> Generator<std::string> {
    std::string caught;  // C++ cannot co_yield inside a handler: yield after it
    try {
      co_yield "first";
    } catch (const std::invalid_argument& e) {
      caught = std::string("caught ") + e.what();
    }
    co_yield caught;
    co_yield "after";
  }();
  EXPECT_EQ(gen.next(), "first");
  EXPECT_EQ(gen.throw_(std::invalid_argument("x")), "caught x");
  EXPECT_EQ(gen.next(), "after");
  EXPECT_THROW(gen.next(), StopIteration);
}

TEST(Generator, ThrowThatTheBodyDoesNotCatchPropagatesAndFinishesIt) {
  bool cleaned_up = false;
  auto gen = [](bool& cleaned) -> Generator<int> {
    struct Guard {
      bool& b;
      ~Guard() { b = true; }
    } g{cleaned};
    co_yield 1;
    co_yield 2;
  }(cleaned_up);
  EXPECT_EQ(gen.next(), 1);
  EXPECT_THROW(gen.throw_(std::range_error("r")), std::range_error);
  EXPECT_TRUE(gen.done());
  EXPECT_TRUE(cleaned_up);
  EXPECT_THROW(gen.next(), StopIteration);
}

TEST(Generator, ThrowIntoAFinishedGeneratorRaisesTheException) {
  auto gen = count_to(0);
  EXPECT_THROW(gen.next(), StopIteration);
  EXPECT_THROW(gen.throw_(std::range_error("late")), std::range_error);
}

TEST(Generator, ThrowAfterWhichTheBodyReturnsRaisesStopIteration) {
  auto gen = []() -> Generator<int> {
    try {
      co_yield 1;
    } catch (const std::exception&) {
    }
  }();
  gen.next();
  EXPECT_THROW(gen.throw_(std::runtime_error("stop")), StopIteration);
}

TEST(Generator, CloseRaisesGeneratorExitAtTheYieldAndRunsCleanup) {
  std::vector<std::string> log;
  auto gen = [](std::vector<std::string>& log) -> Generator<int> {
    try {
      co_yield 1;
      co_yield 2;
    } catch (const GeneratorExit&) {
      log.push_back("GeneratorExit");
      throw;
    }
  }(log);
  EXPECT_EQ(gen.next(), 1);
  gen.close();
  EXPECT_TRUE(gen.done());
  EXPECT_EQ(log, (std::vector<std::string>{"GeneratorExit"}));
  EXPECT_THROW(gen.next(), StopIteration);
  EXPECT_NO_THROW(gen.close()) << "closing twice is harmless";
}

TEST(Generator, CloseBeforeStartingOrAfterFinishingDoesNothing) {
  bool started = false;
  auto gen = [](bool& s) -> Generator<int> {
    s = true;
    co_yield 1;
  }(started);
  gen.close();
  EXPECT_FALSE(started);
  EXPECT_TRUE(gen.done());

  auto finished = count_to(1);
  finished.next();
  EXPECT_THROW(finished.next(), StopIteration);
  EXPECT_NO_THROW(finished.close());
}

TEST(Generator, CloseWhenTheBodyReturnsOnGeneratorExitIsClean) {
  auto gen = []() -> Generator<int> {
    try {
      co_yield 1;
    } catch (const GeneratorExit&) {
      co_return;  // swallowing GeneratorExit by returning is allowed
    }
  }();
  gen.next();
  EXPECT_NO_THROW(gen.close());
  EXPECT_TRUE(gen.done());
}

TEST(Generator, GeneratorIgnoringGeneratorExitIsARuntimeError) {
  auto gen = []() -> Generator<int> {
    while (true) {
      try {
        co_yield 1;
      } catch (const GeneratorExit&) {
        // keeps yielding: Python raises RuntimeError("generator ignored GeneratorExit")
      }
    }
  }();
  gen.next();
  CORIO_EXPECT_THROW_MSG(gen.close(), RuntimeError, "generator ignored GeneratorExit");
}

TEST(Generator, CloseLetsAnotherExceptionRaisedByCleanupPropagate) {
  auto gen = []() -> Generator<int> {
    try {
      co_yield 1;
    } catch (const GeneratorExit&) {
      throw std::logic_error("cleanup failed");
    }
  }();
  gen.next();
  EXPECT_THROW(gen.close(), std::logic_error);
}

TEST(Generator, AnExceptionInTheBodyComesOutOfNext) {
  auto gen = []() -> Generator<int> {
    co_yield 1;
    throw std::overflow_error("body failed");
  }();
  EXPECT_EQ(gen.next(), 1);
  EXPECT_THROW(gen.next(), std::overflow_error);
  EXPECT_TRUE(gen.done());
  EXPECT_THROW(gen.next(), StopIteration);
}

Generator<int, void, int> inner_gen(int from, int n) {
  for (int i = 0; i < n; ++i) co_yield from + i;
  co_return n * 100;
}

TEST(Generator, YieldFromDelegatesAndEvaluatesToTheSubGeneratorsReturnValue) {
  std::vector<int> returns;
  auto outer = [](std::vector<int>& returns) -> Generator<int> {
    co_yield 0;
    int r1 = co_yield yield_from(inner_gen(10, 2));
    returns.push_back(r1);
    auto sub = inner_gen(20, 3);
    int r2 = co_yield yield_from(sub);
    returns.push_back(r2);
    co_yield 99;
  }(returns);
  std::vector<int> seen;
  for (int v : outer) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<int>{0, 10, 11, 20, 21, 22, 99}));
  EXPECT_EQ(returns, (std::vector<int>{200, 300}));
}

TEST(Generator, YieldFromAnEmptySubGeneratorYieldsNothing) {
  auto outer = []() -> Generator<int> {
    int r = co_yield yield_from(inner_gen(0, 0));
    co_yield r;
  }();
  EXPECT_EQ(outer.next(), 0);  // the sub-generator's return value (0 * 100)
  EXPECT_THROW(outer.next(), StopIteration);
}

TEST(Generator, YieldFromNestsSeveralLevels) {
  auto level2 = []() -> Generator<int, void, int> {
    co_yield 3;
    co_return 30;
  };
  auto level1 = [&]() -> Generator<int, void, int> {
    co_yield 2;
    int r = co_yield yield_from(level2());
    co_yield r;
    co_return 20;
  };
  auto level0 = [&]() -> Generator<int> {
    co_yield 1;
    int r = co_yield yield_from(level1());
    co_yield r;
  };
  std::vector<int> seen;
  for (int v : level0()) seen.push_back(v);
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 30, 20}));
}

TEST(Generator, SendPassesThroughYieldFromToTheSubGenerator) {
  auto echo = []() -> Generator<std::string, std::string, int> {
    int count = 0;
    std::string last = "ready";
    while (true) {
      std::optional<std::string> in = co_yield last;
      if (!in) co_return count;
      ++count;
      last = "echo " + *in;
    }
  };
  std::vector<int> results;
  auto outer = [&](std::vector<int>& results) -> Generator<std::string, std::string> {
    int n = co_yield yield_from(echo());
    results.push_back(n);
    co_yield "outer done";
  }(results);
  EXPECT_EQ(outer.next(), "ready");
  EXPECT_EQ(outer.send("a"), "echo a");
  EXPECT_EQ(outer.send("b"), "echo b");
  EXPECT_EQ(outer.next(), "outer done");  // None ends the sub-generator
  EXPECT_EQ(results, (std::vector<int>{2}));
}

TEST(Generator, ThrowPassesThroughYieldFromAndMayBeCaughtBySubGenerator) {
  auto sub = []() -> Generator<int, void, int> {
    bool caught = false;
    try {
      co_yield 1;
    } catch (const std::invalid_argument&) {
      caught = true;
    }
    if (caught) co_yield -1;
    co_return 7;
  };
  auto outer = [&]() -> Generator<int> {
    int r = co_yield yield_from(sub());
    co_yield r;
  }();
  EXPECT_EQ(outer.next(), 1);
  EXPECT_EQ(outer.throw_(std::invalid_argument("in")), -1);
  EXPECT_EQ(outer.next(), 7);
}

TEST(Generator, AnExceptionFromTheSubGeneratorIsRaisedAtYieldFrom) {
  auto g = []() -> Generator<int, void, int> {
    co_yield 1;
    throw std::length_error("sub failed");
  };
  auto outer = [&]() -> Generator<int> {
    bool caught = false;
    try {
      co_yield yield_from(g());
    } catch (const std::length_error&) {
      caught = true;
    }
    if (caught) co_yield 42;
  }();
  EXPECT_EQ(outer.next(), 1);
  EXPECT_EQ(outer.next(), 42);
  EXPECT_THROW(outer.next(), StopIteration);
}

TEST(Generator, CloseDuringYieldFromClosesTheSubGenerator) {
  std::vector<std::string> log;
  auto sub = [](std::vector<std::string>& log) -> Generator<int, void, int> {
    try {
      co_yield 1;
      co_yield 2;
    } catch (const GeneratorExit&) {
      log.push_back("sub exit");
      throw;
    }
    co_return 0;
  };
  auto outer = [&](std::vector<std::string>& log) -> Generator<int> {
    try {
      co_yield yield_from(sub(log));
    } catch (const GeneratorExit&) {
      log.push_back("outer exit");
      throw;
    }
  }(log);
  EXPECT_EQ(outer.next(), 1);
  outer.close();
  EXPECT_EQ(log, (std::vector<std::string>{"sub exit", "outer exit"}));
  EXPECT_TRUE(outer.done());
}

// The seeds' producer/consumer (Liao Xuefeng's tutorial): the consumer is a generator
// receiving each item with `n = yield r` and answering "200 OK".
Generator<std::string, int> consumer(std::vector<std::string>& out) {
  std::string r;
  while (true) {
    std::optional<int> n = co_yield r;
    if (!n || *n == 0) co_return;
    out.push_back("[CONSUMER] Consuming " + std::to_string(*n) + "...");
    r = "200 OK";
  }
}

void produce(Generator<std::string, int>& c, std::vector<std::string>& out) {
  c.next();  // c.send(None)
  int n = 0;
  while (n < 5) {
    n = n + 1;
    out.push_back("[PRODUCER] Producing " + std::to_string(n) + "...");
    std::string r = c.send(n);
    out.push_back("[PRODUCER] Consumer return: " + r);
  }
  c.close();
}

TEST(Generator, SeedsProducerConsumer) {
  std::vector<std::string> out;
  auto c = consumer(out);
  produce(c, out);
  std::vector<std::string> expected;
  for (int n = 1; n <= 5; ++n) {
    expected.push_back("[PRODUCER] Producing " + std::to_string(n) + "...");
    expected.push_back("[CONSUMER] Consuming " + std::to_string(n) + "...");
    expected.push_back("[PRODUCER] Consumer return: 200 OK");
  }
  EXPECT_EQ(out, expected);
  EXPECT_TRUE(c.done());
}

// The seeds' A/B interleaving: two generators stepped by hand print 1 2 x y 3 z.
TEST(Generator, SeedsTwoGeneratorsInterleave) {
  std::string out;
  auto A = [](std::string& out) -> Generator<int> {
    out += '1';
    co_yield 0;
    out += '2';
    co_yield 0;
    out += '3';
  };
  auto B = [](std::string& out) -> Generator<int> {
    out += 'x';
    co_yield 0;
    out += 'y';
    co_yield 0;
    out += 'z';
  };
  auto genA = A(out);
  auto genB = B(out);
  genA.next();
  genA.next();
  genB.next();
  genB.next();
  EXPECT_THROW(genA.next(), StopIteration);
  EXPECT_THROW(genB.next(), StopIteration);
  EXPECT_EQ(out, "12xy3z");
}

TEST(Generator, IsMoveOnlyAndDestroyingASuspendedGeneratorRunsDestructors) {
  static_assert(!std::is_copy_constructible_v<Generator<int>>);
  static_assert(std::is_nothrow_move_constructible_v<Generator<int>>);
  bool destroyed = false;
  {
    auto gen = [](bool& d) -> Generator<int> {
      struct Guard {
        bool& b;
        ~Guard() { b = true; }
      } g{d};
      co_yield 1;
      co_yield 2;
    }(destroyed);
    auto moved = std::move(gen);
    EXPECT_EQ(moved.next(), 1);
    EXPECT_FALSE(destroyed);
  }
  EXPECT_TRUE(destroyed);
}

// Counts the copies and moves a yielded value goes through on its way to the caller.
struct Tally {
  int copies = 0, moves = 0;
  std::string text;
  explicit Tally(std::string t) : text(std::move(t)) {}
  Tally(const Tally& o) : copies(o.copies + 1), moves(o.moves), text(o.text) {}
  Tally(Tally&& o) noexcept : copies(o.copies), moves(o.moves + 1), text(std::move(o.text)) {}
  Tally& operator=(const Tally&) = delete;
  Tally& operator=(Tally&&) = delete;
};

TEST(Generator, AYieldedLvalueReachesTheCallerAsOneCopyAndStaysIntactInTheBody) {
  std::vector<std::string> seen_in_body;
  auto gen = [](std::vector<std::string>& seen) -> Generator<Tally, int> {
    Tally mine("kept");
    while (true) {
      std::optional<int> n = co_yield mine;
      seen.push_back(mine.text);  // a copy went out: the body's own object is untouched
      if (!n) co_return;
    }
  }(seen_in_body);
  Tally first = gen.next();
  EXPECT_EQ(first.text, "kept");
  EXPECT_EQ(first.copies, 1);
  Tally second = gen.send(1);
  EXPECT_EQ(second.copies, 1);
  EXPECT_EQ(second.text, "kept");
  EXPECT_THROW(gen.next(), StopIteration);
  EXPECT_EQ(seen_in_body, (std::vector<std::string>{"kept", "kept"}));
}

TEST(Generator, AYieldedRvalueIsMovedNotCopied) {
  auto gen = []() -> Generator<Tally> {
    co_yield Tally("temporary");
    Tally local("local");
    co_yield std::move(local);
  }();
  Tally a = gen.next();
  EXPECT_EQ(a.text, "temporary");
  EXPECT_EQ(a.copies, 0);
  Tally b = gen.next();
  EXPECT_EQ(b.text, "local");
  EXPECT_EQ(b.copies, 0);
}

TEST(Generator, AYieldOfAnotherTypeIsConvertedAndMovedOut) {
  auto gen = []() -> Generator<std::string> {
    co_yield "literal";
    const char* p = "pointer";
    co_yield p;
  }();
  EXPECT_EQ(gen.next(), "literal");
  EXPECT_EQ(gen.next(), "pointer");
}

TEST(Generator, RangeForSeesEachLvalueYieldOnceWithoutEmptyingTheBodysObject) {
  std::string after;
  auto gen = [](std::string& after) -> Generator<std::string> {
    std::string word = "a";
    for (int i = 0; i < 3; ++i) {
      co_yield word;
      word += "b";
    }
    after = word;
  }(after);
  std::vector<std::string> got;
  for (std::string& s : gen) got.push_back(std::move(s));  // moving from *it takes the generator's copy only
  EXPECT_EQ(got, (std::vector<std::string>{"a", "ab", "abb"}));
  EXPECT_EQ(after, "abbb");
}

TEST(Generator, ThrowIntoAGeneratorThatReceivesValuesStillRaisesAtTheYield) {
  auto gen = []() -> Generator<int, int> {
    int total = 0;
    while (true) {
      try {
        std::optional<int> n = co_yield total;
        if (n) total += *n;
      } catch (const std::runtime_error&) {
        total = -1;
      }
    }
  }();
  EXPECT_EQ(gen.next(), 0);
  EXPECT_EQ(gen.send(5), 5);
  EXPECT_EQ(gen.throw_(std::runtime_error("x")), -1);
  EXPECT_EQ(gen.send(2), 1);
  EXPECT_EQ(gen.next(), 1);
}

}  // namespace
}  // namespace corio
