// W1 spawn: create N tasks of a coroutine that returns its argument, gather them all.
//
// usage: w01_spawn [N=1000000]
//
// Timed, as in bench/peers/python/w01_spawn.py: creating the N tasks
// (corio::create_task of each Coro), running them, and collecting the N results with
// corio::gather into a std::vector<int>. A warm-up of 10,000 tasks runs first on the
// same loop. Prints one JSON line with ns_per_task.
#include <cstdint>
#include <vector>

#include "bench_common.hpp"
#include "corio/core/coro.hpp"
#include "corio/loop/runner.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/gather.hpp"

namespace {

corio::Coro<int> f(int x) { co_return x; }

corio::Coro<std::int64_t> spawn_gather(int n) {
  std::vector<corio::Task<int>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) tasks.push_back(corio::create_task(f(i)));
  std::int64_t sum = 0;
  std::vector<int> res = co_await corio::gather(std::move(tasks));
  if (res.size() != static_cast<std::size_t>(n)) std::abort();
  for (int v : res) sum += v;
  co_return sum;
}

corio::Coro<double> bench_main(int n) {
  co_await spawn_gather(10'000);  // warm-up
  auto t0 = bench::Clock::now();
  std::int64_t sum = co_await spawn_gather(n);
  double ns = bench::ns_since(t0);
  if (sum != static_cast<std::int64_t>(n) * (n - 1) / 2) std::abort();
  co_return ns;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = static_cast<int>(bench::arg_count(argc, argv, 1, 1'000'000));
  const double ns = corio::run(bench_main(n));
  bench::Json("w1")
      .str("impl", "corio (" + bench::compiler() + ")")
      .integer("n", n)
      .num("total_s", ns / 1e9)
      .num("ns_per_task", ns / n)
      .print();
}
