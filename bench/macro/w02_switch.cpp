// W2 switch: the cost of handing control from one coroutine to another.
//
// usage: w02_switch MODE [N=1000000]
//
//   sleep0           one task does `co_await corio::sleep(0s)` N times     unit: one sleep(0)
//   event            two tasks ping-pong N round trips through two           unit: one hand-off
//                    corio::Events, set / wait / clear, as the asyncio peer  (= round trip / 2)
//                    does
//   future-pingpong  the same through a pair of corio::Future<void>: each
//                    side awaits its future, then replaces it with a fresh
//                    one, the way Event.clear() would
//   gen              the seeds' producer/consumer on corio::Generator:      unit: one send
//                    `gen.send(n)` into `n = co_yield r`, N times, no loop; the
//                    median of 5 timed rounds
//
// The unit and the warm-up (N/20) are the same as in bench/peers/python/w02_switch.py.
// Prints one JSON line with ns_per_switch.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bench_common.hpp"
#include "corio/core/coro.hpp"
#include "corio/core/future.hpp"
#include "corio/core/generator.hpp"
#include "corio/loop/runner.hpp"
#include "corio/sync/event.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/sleep.hpp"

using namespace std::chrono_literals;

namespace {

corio::Coro<void> sleep0(long n) {
  for (long i = 0; i < n; ++i) co_await corio::sleep(0s);
}

struct PingPong {
  corio::Future<void> ping, pong;
};

corio::Coro<void> side_a(PingPong& s, long n) {
  auto& loop = corio::get_running_loop();
  for (long i = 0; i < n; ++i) {
    s.ping.set_result();
    co_await s.pong;
    s.pong = loop.create_future<void>();
  }
}

corio::Coro<void> side_b(PingPong& s, long n) {
  auto& loop = corio::get_running_loop();
  for (long i = 0; i < n; ++i) {
    co_await s.ping;
    s.ping = loop.create_future<void>();
    s.pong.set_result();
  }
}

corio::Coro<void> future_pingpong(long n) {
  auto& loop = corio::get_running_loop();
  PingPong s{loop.create_future<void>(), loop.create_future<void>()};
  auto a = corio::create_task(side_a(s, n));
  auto b = corio::create_task(side_b(s, n));
  co_await a;
  co_await b;
}

corio::Coro<void> event_a(corio::Event& ping, corio::Event& pong, long n) {
  for (long i = 0; i < n; ++i) {
    ping.set();
    co_await pong.wait();
    pong.clear();
  }
}

corio::Coro<void> event_b(corio::Event& ping, corio::Event& pong, long n) {
  for (long i = 0; i < n; ++i) {
    co_await ping.wait();
    ping.clear();
    pong.set();
  }
}

corio::Coro<void> event_pingpong(long n) {
  corio::Event ping, pong;
  auto a = corio::create_task(event_a(ping, pong, n));
  auto b = corio::create_task(event_b(ping, pong, n));
  co_await a;
  co_await b;
}

template <class F>
corio::Coro<double> timed(F body, long n) {
  co_await body(n / 20 > 0 ? n / 20 : 1);  // warm-up
  auto t0 = bench::Clock::now();
  co_await body(n);
  co_return bench::ns_since(t0);
}

// The seeds' consumer: `n = yield r; if not n: return; r = '200 OK'`. A string_view
// plays the part of Python's reference to an immutable str.
corio::Generator<std::string_view, long> consumer() {
  std::string_view r = "";
  while (true) {
    std::optional<long> n = co_yield r;
    if (!n || !*n) co_return;
    r = "200 OK";
  }
}

std::string_view produce(corio::Generator<std::string_view, long> c, long count) {
  c.next();  // c.send(None)
  long n = 0;
  std::string_view r;
  while (n < count) {
    n = n + 1;
    r = c.send(n);
  }
  c.close();
  return r;
}

// One round of N sends takes a few milliseconds, short enough for one interruption
// to add half to it: kGenRounds timed rounds run and the median counts (as W4 does).
// A Python round takes about 80 ms and is timed once.
constexpr int kGenRounds = 5;

double run_gen(long n) {
  produce(consumer(), n / 20 > 0 ? n / 20 : 1);  // warm-up
  std::vector<double> rounds;
  for (int i = 0; i < kGenRounds; ++i) {
    auto t0 = bench::Clock::now();
    std::string_view r = produce(consumer(), n);
    rounds.push_back(bench::ns_since(t0));
    if (r != "200 OK") std::abort();
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds[rounds.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "sleep0";
  const long n = bench::arg_count(argc, argv, 2, 1'000'000);
  double ns = 0, per = 0;
  if (mode == "sleep0") {
    ns = corio::run(timed(sleep0, n));
    per = ns / n;
  } else if (mode == "future-pingpong") {
    ns = corio::run(timed(future_pingpong, n));
    per = ns / n / 2;
  } else if (mode == "event") {
    ns = corio::run(timed(event_pingpong, n));
    per = ns / n / 2;
  } else if (mode == "gen") {
    ns = run_gen(n);
    per = ns / n;
  } else {
    std::fprintf(stderr, "usage: w02_switch sleep0|event|future-pingpong|gen [N]\n");
    return 2;
  }
  bench::Json("w2")
      .str("impl", "corio (" + bench::compiler() + ")")
      .str("mode", mode)
      .integer("n", n)
      .num("total_s", ns / 1e9)
      .num("ns_per_switch", per)
      .print();
}
