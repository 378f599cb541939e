// W10 threads: two threads each doing a CPU loop vs one thread doing both.
//
// usage: w10_threads [N=200000000] [THREADS=2] [REPS=5]
//
// The loop is the seeds' `x = x ^ 1` (003.8), N iterations, kept from being optimized
// away by an empty asm statement. "one thread" runs THREADS loops one after another on
// one worker; "threads" runs them at once on THREADS workers of a corio
// ThreadPoolExecutor (started before timing). Each is timed REPS times, interleaved; the
// medians are reported, and speedup = one_thread_s / threads_s (ideal: THREADS). Do not
// pin the process to one CPU (bench/run.py: taskset -c 0,1).
//
// Prints one JSON line with one_thread_s, threads_s, speedup, and the CPU usage of the
// parallel phase (CPU time / wall time, 2.0 = two cores busy).
#include <sys/resource.h>

#include <algorithm>
#include <sched.h>
#include <vector>

#include "bench_common.hpp"
#include "corio/exec/thread_pool_executor.hpp"

namespace {

long spin(long n) {
  long x = 0;
  for (long i = 0; i < n; ++i) {
    x = x ^ 1;
    asm volatile("" : "+r"(x));
  }
  return x;
}

double cpu_seconds() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const long n = bench::arg_count(argc, argv, 1, 200'000'000);
  const long threads = bench::arg_count(argc, argv, 2, 2);
  const long reps = bench::arg_count(argc, argv, 3, 5);

  corio::ThreadPoolExecutor pool(static_cast<std::size_t>(threads), "w10");
  {
    std::vector<corio::concurrent::Future<long>> warm;
    for (long t = 0; t < threads; ++t) warm.push_back(pool.submit(spin, n / 100));
    for (auto& f : warm) f.result();
  }

  std::vector<double> one, par, usage;
  for (long r = 0; r < reps; ++r) {
    auto t0 = bench::Clock::now();
    pool.submit([n, threads] {
      for (long t = 0; t < threads; ++t) spin(n);
    }).result();
    one.push_back(bench::ns_since(t0) / 1e9);

    double cpu0 = cpu_seconds();
    t0 = bench::Clock::now();
    std::vector<corio::concurrent::Future<long>> fs;
    for (long t = 0; t < threads; ++t) fs.push_back(pool.submit(spin, n));
    for (auto& f : fs) f.result();
    double wall = bench::ns_since(t0) / 1e9;
    par.push_back(wall);
    usage.push_back((cpu_seconds() - cpu0) / wall);
  }

  cpu_set_t set;
  CPU_ZERO(&set);
  int cpus = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
  double one_s = median(one), par_s = median(par);
  bench::Json("w10")
      .str("impl", "corio ThreadPoolExecutor (" + bench::compiler() + ")")
      .integer("n", n)
      .integer("threads", threads)
      .integer("reps", reps)
      .integer("cpus", cpus)
      .num("one_thread_s", one_s)
      .num("threads_s", par_s)
      .num("speedup", one_s / par_s)
      .num("cpu_usage", median(usage))
      .print();
  return 0;
}
