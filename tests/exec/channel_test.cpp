// Channel<T>: a bounded channel between tasks on any loops and plain threads.
//
// Single-loop behaviour runs on a virtual-clock loop; the cross-thread tests count every
// item (none lost, none received twice) and end by closing the channel, not by time.
#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "corio_test.hpp"
#include "corio/exec/exec.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;
using test::VirtualLoopTest;

class ChannelTest : public VirtualLoopTest {};

TEST_F(ChannelTest, ItemsComeOutInTheOrderTheyWentIn) {
  Channel<int> ch(4);
  run([&]() -> Coro<void> {
    co_await ch.send(1);
    co_await ch.send(2);
    co_await ch.send(3);
    EXPECT_EQ(ch.size(), 3u);
    EXPECT_EQ(*co_await ch.receive(), 1);
    EXPECT_EQ(*co_await ch.receive(), 2);
    EXPECT_EQ(*co_await ch.receive(), 3);
    EXPECT_TRUE(ch.empty());
  }());
}

TEST_F(ChannelTest, ACapacityOfZeroIsAValueError) { EXPECT_THROW(Channel<int>(0), ValueError); }

Coro<void> produce(Channel<int>& ch, int n, std::vector<int>& log) {
  for (int i = 0; i < n; ++i) {
    co_await ch.send(i);
    log.push_back(i);
  }
}

TEST_F(ChannelTest, ASenderWaitsWhileTheChannelIsFull) {
  Channel<int> ch(2);
  std::vector<int> sent;
  run([&]() -> Coro<void> {
    auto producer = create_task(produce(ch, 5, sent));
    co_await sleep(0s);
    co_await sleep(0s);
    EXPECT_EQ(sent, (std::vector<int>{0, 1})) << "the third send waits for room";
    EXPECT_TRUE(ch.full());
    EXPECT_FALSE(producer.done());
    std::vector<int> got;
    for (int i = 0; i < 5; ++i) got.push_back(*co_await ch.receive());
    EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
    co_await producer;
  }());
}

TEST_F(ChannelTest, AReceiverWaitsForTheNextItem) {
  Channel<std::string> ch(1);
  run([&]() -> Coro<void> {
    auto receiver = create_task([](Channel<std::string>& c) -> Coro<std::string> { co_return *co_await c.receive(); }(ch));
    co_await sleep(0s);
    EXPECT_FALSE(receiver.done());
    co_await ch.send("hello");
    EXPECT_EQ(co_await receiver, "hello");
  }());
}

TEST_F(ChannelTest, CloseLetsReceiversDrainThenGivesNullopt) {
  Channel<int> ch(3);
  run([&]() -> Coro<void> {
    co_await ch.send(1);
    co_await ch.send(2);
    ch.close();
    EXPECT_TRUE(ch.is_closed());
    EXPECT_THROW(co_await ch.send(3), ChannelClosed);
    EXPECT_THROW(ch.send_nowait(3), ChannelClosed);
    EXPECT_EQ(co_await ch.receive(), std::optional<int>(1));
    EXPECT_EQ(co_await ch.receive(), std::optional<int>(2));
    EXPECT_EQ(co_await ch.receive(), std::nullopt);
    EXPECT_EQ(ch.receive_nowait(), std::nullopt);
  }());
}

TEST_F(ChannelTest, CloseWakesWaitingReceiversAndSenders) {
  Channel<int> empty(1), full(1);
  run([&]() -> Coro<void> {
    co_await full.send(0);
    auto receiver = create_task([](Channel<int>& c) -> Coro<std::optional<int>> { co_return co_await c.receive(); }(empty));
    auto sender = create_task([](Channel<int>& c) -> Coro<void> { co_await c.send(1); }(full));
    co_await sleep(0s);
    empty.close();
    full.close();
    EXPECT_EQ(co_await receiver, std::nullopt);
    EXPECT_THROW(co_await sender, ChannelClosed);
    EXPECT_EQ(full.receive_nowait(), std::optional<int>(0)) << "the waiting sender's item was not sent";
    EXPECT_EQ(full.receive_nowait(), std::nullopt);
  }());
}

TEST_F(ChannelTest, NowaitVariantsRaiseInsteadOfWaiting) {
  Channel<int> ch(1);
  EXPECT_THROW(ch.receive_nowait(), QueueEmpty);
  ch.send_nowait(1);
  EXPECT_THROW(ch.send_nowait(2), QueueFull);
  EXPECT_EQ(ch.receive_nowait(), std::optional<int>(1));
}

TEST_F(ChannelTest, ACancelledReceiverTakesNothing) {
  Channel<int> ch(1);
  run([&]() -> Coro<void> {
    auto receiver = create_task([](Channel<int>& c) -> Coro<std::optional<int>> { co_return co_await c.receive(); }(ch));
    co_await sleep(0s);
    receiver.cancel();
    EXPECT_THROW(co_await receiver, CancelledError);
    co_await ch.send(7);
    EXPECT_EQ(ch.receive_nowait(), std::optional<int>(7)) << "the item waited for the next receiver";
  }());
}

TEST_F(ChannelTest, ACancelledSenderSendsNothing) {
  Channel<int> ch(1);
  run([&]() -> Coro<void> {
    co_await ch.send(1);
    auto sender = create_task([](Channel<int>& c) -> Coro<void> { co_await c.send(2); }(ch));
    co_await sleep(0s);
    sender.cancel();
    EXPECT_THROW(co_await sender, CancelledError);
    EXPECT_EQ(ch.receive_nowait(), std::optional<int>(1));
    EXPECT_THROW(ch.receive_nowait(), QueueEmpty) << "2 was not sent";
  }());
}

Coro<void> receive_then_await(Channel<int>& ch, std::optional<int>& got) {
  got = co_await ch.receive();
  co_await sleep(0s);  // the pending cancellation is raised here
  ADD_FAILURE() << "not cancelled";
}

TEST_F(ChannelTest, AReceiverCancelledAfterItWasHandedAnItemKeepsIt) {
  Channel<int> ch(1);
  std::optional<int> got;
  run([&]() -> Coro<void> {
    auto receiver = create_task(receive_then_await(ch, got));
    co_await sleep(0s);
    ch.send_nowait(5);  // handed straight to the waiting receiver, which is now scheduled
    receiver.cancel();  // before it ran
    EXPECT_THROW(co_await receiver, CancelledError);
    EXPECT_EQ(got, std::optional<int>(5)) << "the item was returned, not lost";
    EXPECT_TRUE(ch.empty());
  }());
}

Coro<void> send_then_await(Channel<int>& ch, bool& returned) {
  co_await ch.send(2);
  returned = true;
  co_await sleep(0s);
}

TEST_F(ChannelTest, ASenderCancelledAfterItsItemWasTakenReturnsNormally) {
  Channel<int> ch(1);
  bool returned = false;
  run([&]() -> Coro<void> {
    co_await ch.send(1);
    auto sender = create_task(send_then_await(ch, returned));
    co_await sleep(0s);
    EXPECT_EQ(ch.receive_nowait(), std::optional<int>(1));  // 2 moves into the freed slot
    sender.cancel();
    EXPECT_THROW(co_await sender, CancelledError);
    EXPECT_TRUE(returned) << "send() reported the item as sent";
    EXPECT_EQ(ch.receive_nowait(), std::optional<int>(2)) << "and it was sent exactly once";
    EXPECT_TRUE(ch.empty());
  }());
}

TEST(Channel, BlockingCallsTimeOut) {
  Channel<int> ch(1);
  EXPECT_THROW(ch.receive_blocking(1ms), TimeoutError);
  ch.send_blocking(1);
  EXPECT_THROW(ch.send_blocking(2, 1ms), TimeoutError);
  EXPECT_EQ(ch.receive_blocking(1ms), std::optional<int>(1));
  EXPECT_TRUE(ch.empty());
}

TEST(Channel, BlockedThreadsAreWokenByClose) {
  Channel<int> ch(1);
  std::optional<int> got = 0;
  std::thread receiver([&] { got = ch.receive_blocking(); });
  // Wait until the receiver has had time to block is not needed: close() before or
  // after it blocks gives the same answer.
  ch.close();
  receiver.join();
  EXPECT_EQ(got, std::nullopt);
}

// Many producers and consumers of both kinds: every item arrives exactly once.
struct Tally {
  explicit Tally(int n) : seen(static_cast<std::size_t>(n)) {}
  std::vector<std::atomic<int>> seen;
  std::atomic<int> total{0};
  void record(int v) {
    seen[static_cast<std::size_t>(v)].fetch_add(1, std::memory_order_relaxed);
    total.fetch_add(1, std::memory_order_relaxed);
  }
  void expect_each_once() const {
    for (std::size_t i = 0; i < seen.size(); ++i) {
      ASSERT_EQ(seen[i].load(), 1) << "item " << i;
    }
  }
};

Coro<void> consume_all(Channel<int>& ch, Tally& tally) {
  while (auto v = co_await ch.receive()) tally.record(*v);
}

Coro<void> produce_range(Channel<int>& ch, int from, int to) {
  for (int i = from; i < to; ++i) co_await ch.send(i);
}

TEST(Channel, PlainThreadsAndLoopsOnBothEndsLoseAndDuplicateNothing) {
  constexpr int kPerProducer = 3000, kThreadProducers = 3, kLoopProducers = 2;
  constexpr int kN = kPerProducer * (kThreadProducers + kLoopProducers);
  Channel<int> ch(8);
  Tally tally(kN);
  {
    LoopThread c1("consumer-1"), c2("consumer-2"), p1("producer-1"), p2("producer-2");
    auto r1 = run_coroutine_threadsafe(consume_all(ch, tally), c1.loop());
    auto r2 = run_coroutine_threadsafe(consume_all(ch, tally), c2.loop());
    std::thread blocking_consumer([&] {
      while (auto v = ch.receive_blocking()) tally.record(*v);
    });
    std::vector<std::thread> producers;
    for (int p = 0; p < kThreadProducers; ++p) {
      producers.emplace_back([&ch, p] {
        for (int i = p * kPerProducer; i < (p + 1) * kPerProducer; ++i) ch.send_blocking(i);
      });
    }
    int base = kThreadProducers * kPerProducer;
    auto s1 = run_coroutine_threadsafe(produce_range(ch, base, base + kPerProducer), p1.loop());
    auto s2 = run_coroutine_threadsafe(produce_range(ch, base + kPerProducer, kN), p2.loop());
    for (auto& t : producers) t.join();
    s1.result();
    s2.result();
    ch.close();
    r1.result();
    r2.result();
    blocking_consumer.join();
  }
  EXPECT_EQ(tally.total.load(), kN);
  tally.expect_each_once();
}

Coro<void> receive_one_in_time(Channel<int>& ch, Tally& tally, std::atomic<bool>& closed) {
  auto v = co_await ch.receive();
  if (v) {
    tally.record(*v);
  } else {
    closed = true;
  }
}

Coro<void> impatient_consumer(Channel<int>& ch, Tally& tally, std::atomic<int>& timeouts) {
  std::atomic<bool> closed{false};
  while (!closed) {
    try {
      // Short real-time deadlines: the cancellations land before, during and after
      // the hand-over of an item from another thread.
      co_await wait_for(receive_one_in_time(ch, tally, closed), std::chrono::microseconds(50));
    } catch (const TimeoutError&) {
      ++timeouts;
    }
  }
}

TEST(Channel, ReceiversCancelledByTimeoutsLoseAndDuplicateNothing) {
  constexpr int kN = 6000;
  Channel<int> ch(4);
  Tally tally(kN);
  std::atomic<int> timeouts{0};
  {
    LoopThread consumers("consumers");
    std::vector<concurrent::Future<void>> done;
    for (int i = 0; i < 4; ++i) done.push_back(run_coroutine_threadsafe(impatient_consumer(ch, tally, timeouts), consumers.loop()));
    std::thread a([&] {
      for (int i = 0; i < kN / 2; ++i) ch.send_blocking(i);
    });
    std::thread b([&] {
      for (int i = kN / 2; i < kN; ++i) ch.send_blocking(i);
    });
    a.join();
    b.join();
    ch.close();
    for (auto& f : done) f.result();
  }
  EXPECT_EQ(tally.total.load(), kN);
  tally.expect_each_once();
  RecordProperty("timeouts", timeouts.load());
}

Coro<void> echo(Channel<int>& in, Channel<int>& out) {
  while (auto v = co_await in.receive()) co_await out.send(*v + 1);
  out.close();
}

Coro<int> ping(Channel<int>& out, Channel<int>& in, int rounds) {
  int v = 0;
  for (int i = 0; i < rounds; ++i) {
    co_await out.send(v);
    v = *co_await in.receive();
  }
  out.close();
  co_return v;
}

TEST(Channel, TwoLoopsOnTwoThreadsPlayPingPong) {
  Channel<int> there(1), back(1);
  LoopThread a("A"), b("B");
  auto echoed = run_coroutine_threadsafe(echo(there, back), b.loop());
  auto result = run_coroutine_threadsafe(ping(there, back, 2000), a.loop());
  EXPECT_EQ(result.result(), 2000);
  echoed.result();
}

}  // namespace
}  // namespace corio
