// W4 queue: Queue(maxsize=1024), 1 producer putting N ints, 4 consumers doing get() +
// task_done(); the producer then awaits join(). Timed from the first put to the return
// of join(); a warm-up round of N/20 items runs first (as the Python peer does).
//
// usage: w04_queue [N=1000000] [CONSUMERS=4]
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
  std::string driver;
  const Result r = corio::run([](long n, int consumers, std::string& driver) -> corio::Coro<Result> {
    driver = corio::get_running_loop().driver_name();
    co_await round(n / 20 > 0 ? n / 20 : 1, consumers);  // warm-up
    co_return co_await round(n, consumers);
  }(n, consumers, driver));
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
      .num("total_s", r.ns / 1e9)
      .num("items_per_s", static_cast<double>(n) / (r.ns / 1e9))
      .num("ns_per_item", r.ns / static_cast<double>(n))
      .str("per_consumer", per)
      .print();
}
