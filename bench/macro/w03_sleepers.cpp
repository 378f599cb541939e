// W3 sleepers: N tasks each doing `co_await corio::sleep(1s)`, all gathered.
//
// usage: w03_sleepers [N=100000]
//
// wall_s: from creating the first task to the end of the gather (ideal: 1 s).
// bytes_per_task: (VmHWM at the end - VmRSS just before the tasks are created) / N,
// both from /proc/self/status: the peak memory one sleeping task costs, everything
// included (task state, coroutine frame, timer entry, the handle vector, gather).
#include <chrono>
#include <vector>

#include "bench_common.hpp"
#include "corio/core/coro.hpp"
#include "corio/loop/runner.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/sleep.hpp"
#include "corio/tasks/gather.hpp"

using namespace std::chrono_literals;

namespace {

struct Result {
  long base_kib = 0;
  double wall_ns = 0;
};

corio::Coro<void> sleeper() { co_await corio::sleep(1s); }

corio::Coro<Result> bench_main(int n) {
  co_await corio::sleep(0s);
  Result r;
  r.base_kib = bench::proc_status_kib("VmRSS");
  auto t0 = bench::Clock::now();
  std::vector<corio::Task<void>> tasks;
  tasks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) tasks.push_back(corio::create_task(sleeper()));
  co_await corio::gather(std::move(tasks));
  r.wall_ns = bench::ns_since(t0);
  co_return r;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = static_cast<int>(bench::arg_count(argc, argv, 1, 100'000));
  std::string driver;
  const Result r = corio::run([](int n, std::string& driver) -> corio::Coro<Result> {
    driver = corio::get_running_loop().driver_name();
    co_return co_await bench_main(n);
  }(n, driver));
  const long hwm = bench::proc_status_kib("VmHWM");
  bench::Json("w3")
      .str("impl", "corio (" + bench::compiler() + ", " + driver + ")")
      .integer("n", n)
      .num("wall_s", r.wall_ns / 1e9)
      .integer("base_rss_kib", r.base_kib)
      .integer("hwm_kib", hwm)
      .num("bytes_per_task", static_cast<double>(hwm - r.base_kib) * 1024.0 / n)
      .print();
}
