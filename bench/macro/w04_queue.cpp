// W4 queue: Queue(maxsize=1024), 1 producer putting N ints, 4 consumers doing get() +
// task_done(); the producer then awaits join(). Timed from the first put to the return
// of join(); a warm-up round of N/20 items runs first (as the Python peer does).
// A round of 1,000,000 items takes ~10 ms here, so one preemption by another process
// can halve a single round's figure: ROUNDS timed rounds run and the median is
// reported (with min and max). The Python peers run ~1 s per round, which averages
// such noise out by itself.
//
// usage: w04_queue [N=1000000] [CONSUMERS=4] [ROUNDS=5]
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "corio/core/coro.hpp"
#include "corio/loop/runner.hpp"
#include "corio/sync/queue.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/gather.hpp"

namespace {

struct Result {
  double ns = 0;
  std::vector<long> counts;
};

corio::Coro<void> consumer(corio::Queue<long>& q, long& count, long& sum) {
  for (;;) {
    const long item = co_await q.get();
    ++count;
    sum += item;
    q.task_done();
  }
}

corio::Coro<Result> round(long n, int consumers) {
  corio::Queue<long> q(1024);
  std::vector<long> counts(static_cast<std::size_t>(consumers)), sums(counts.size());
  std::vector<corio::Task<void>> workers;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    workers.push_back(corio::create_task(consumer(q, counts[k], sums[k])));
  }
  const auto t0 = bench::Clock::now();
  for (long i = 0; i < n; ++i) co_await q.put(i);
  co_await q.join();
  Result r;
  r.ns = bench::ns_since(t0);
  for (auto& w : workers) w.cancel();
  co_await corio::gather(corio::return_exceptions, workers);
  long total = 0, sum = 0;
  for (std::size_t k = 0; k < counts.size(); ++k) {
    total += counts[k];
    sum += sums[k];
  }
  if (total != n || sum != n * (n - 1) / 2) {
    std::fprintf(stderr, "w04_queue: lost or duplicated items (%ld of %ld)\n", total, n);
    std::exit(1);
  }
  r.counts = counts;
  co_return r;
}

}  // namespace

int main(int argc, char** argv) {
  const long n = bench::arg_count(argc, argv, 1, 1'000'000);
  const int consumers = static_cast<int>(bench::arg_count(argc, argv, 2, 4));
  const int rounds = static_cast<int>(bench::arg_count(argc, argv, 3, 5));
  std::string driver;
  std::vector<Result> results = corio::run(
      [](long n, int consumers, int rounds, std::string& driver) -> corio::Coro<std::vector<Result>> {
        driver = corio::get_running_loop().driver_name();
        co_await round(n / 20 > 0 ? n / 20 : 1, consumers);  // warm-up
        std::vector<Result> out;
        for (int i = 0; i < rounds; ++i) out.push_back(co_await round(n, consumers));
        co_return out;
      }(n, consumers, rounds, driver));
  std::sort(results.begin(), results.end(), [](const Result& a, const Result& b) { return a.ns < b.ns; });
  const Result& r = results[results.size() / 2];
  std::string per = "[";
  for (std::size_t k = 0; k < r.counts.size(); ++k) {
    if (k) per += ',';
    per += std::to_string(r.counts[k]);
  }
  per += "]";
  bench::Json("w4")
      .str("impl", "corio (" + bench::compiler() + ", " + driver + ")")
      .integer("n", n)
      .integer("consumers", consumers)
      .integer("rounds", rounds)
      .num("total_s", r.ns / 1e9)
      .num("items_per_s", static_cast<double>(n) / (r.ns / 1e9))
      .num("items_per_s_min", static_cast<double>(n) / (results.back().ns / 1e9))
      .num("items_per_s_max", static_cast<double>(n) / (results.front().ns / 1e9))
      .num("ns_per_item", r.ns / static_cast<double>(n))
      .str("per_consumer", per)
      .print();
}
