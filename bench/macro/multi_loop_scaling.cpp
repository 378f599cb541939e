// Multi-loop scaling: W1-like throughput (spawn + gather of tasks of `f(x) -> x`) on
// one loop and on a MultiLoop of LOOPS loops, each loop on its own thread doing the same
// work with nothing shared (DESIGN.md §4's way to use several cores).
//
// usage: multi_loop_scaling [LOOPS=2] [TASKS_PER_LOOP=2000000] [REPS=5] [BATCH=100000]
//
// Each of the LOOPS loops spawns and gathers TASKS_PER_LOOP tasks in batches of BATCH
// (so that memory per loop stays small). The MultiLoop is timed REPS times from run()
// to its return (loop and thread start-up included, well under a millisecond), after
// one untimed round; the median aggregate rate is reported:
// tasks_per_s = LOOPS * TASKS_PER_LOOP / wall. bench/run.py runs it with LOOPS=1 and
// LOOPS=2 and prints the ratio (ideal: 2 when both CPUs are free). Do not pin the
// process to one CPU.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <sched.h>
#include <string>
#include <vector>

#include "bench_common.hpp"
#include "corio/core/coro.hpp"
#include "corio/exec/multi_loop.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/gather.hpp"

namespace {

corio::Coro<int> f(int x) { co_return x; }

corio::Coro<void> spawn_gather_all(long total, long batch) {
  for (long done = 0; done < total; done += batch) {
    const int n = static_cast<int>(std::min(batch, total - done));
    std::vector<corio::Task<int>> tasks;
    tasks.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) tasks.push_back(corio::create_task(f(i)));
    std::vector<int> res = co_await corio::gather(std::move(tasks));
    std::int64_t sum = 0;
    for (int v : res) sum += v;
    if (sum != static_cast<std::int64_t>(n) * (n - 1) / 2) std::abort();
  }
}

double run_loops(std::size_t loops, long per_loop, long batch) {
  corio::MultiLoop ml(loops);
  std::atomic<std::size_t> finished{0};
  auto t0 = bench::Clock::now();
  ml.run([&](std::size_t) -> corio::Coro<void> {
    co_await spawn_gather_all(per_loop, batch);
    if (++finished == loops) ml.stop();
  });
  return bench::ns_since(t0) / 1e9;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const long loops = bench::arg_count(argc, argv, 1, 2);
  const long per_loop = bench::arg_count(argc, argv, 2, 2'000'000);
  const long reps = bench::arg_count(argc, argv, 3, 5);
  const long batch = bench::arg_count(argc, argv, 4, 100'000);

  run_loops(static_cast<std::size_t>(loops), batch, batch);  // warm-up: threads, pools
  std::vector<double> rates;
  for (long r = 0; r < reps; ++r) {
    rates.push_back(static_cast<double>(loops * per_loop) /
                    run_loops(static_cast<std::size_t>(loops), per_loop, batch));
  }
  cpu_set_t set;
  CPU_ZERO(&set);
  const int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
  const double rate = median(rates);
  bench::Json("multiloop")
      .str("impl", "corio MultiLoop(" + std::to_string(loops) + ") (" + bench::compiler() + ")")
      .integer("loops", loops)
      .integer("tasks_per_loop", per_loop)
      .integer("reps", reps)
      .integer("cpus", cpus)
      .num("tasks_per_s", rate)
      .num("ns_per_task_per_loop", 1e9 * static_cast<double>(loops) / rate)
      .print();
  return 0;
}
