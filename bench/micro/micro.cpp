// Micro benchmarks (Google Benchmark) of the operations the macro workloads are made
// of: a pooled frame allocation, awaiting a Coro inline, create_task + await,
// Future set_result + await, and a sleep(0) round through the loop.
//
// usage: corio_micro [--benchmark_filter=REGEX] (see --help)
#include <benchmark/benchmark.h>

#include <chrono>

#include "corio/core/coro.hpp"
#include "corio/core/frame_allocator.hpp"
#include "corio/core/future.hpp"
#include "corio/loop/runner.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/sleep.hpp"

using namespace std::chrono_literals;

namespace {

corio::Coro<int> identity(int x) { co_return x; }

void BM_FrameAllocate(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    void* p = corio::detail::frame_allocate(size);
    benchmark::DoNotOptimize(p);
    corio::detail::frame_deallocate(p, size);
  }
}
BENCHMARK(BM_FrameAllocate)->Arg(64)->Arg(256)->Arg(1024);

void BM_CoroAwaitInline(benchmark::State& state) {
  corio::run([](benchmark::State& st) -> corio::Coro<void> {
    int i = 0;
    for (auto _ : st) benchmark::DoNotOptimize(co_await identity(i++));
  }(state));
}
BENCHMARK(BM_CoroAwaitInline);

void BM_CreateTaskAwait(benchmark::State& state) {
  corio::run([](benchmark::State& st) -> corio::Coro<void> {
    int i = 0;
    for (auto _ : st) benchmark::DoNotOptimize(co_await corio::create_task(identity(i++)));
  }(state));
}
BENCHMARK(BM_CreateTaskAwait);

void BM_FutureSetAwait(benchmark::State& state) {
  corio::run([](benchmark::State& st) -> corio::Coro<void> {
    auto& loop = corio::get_running_loop();
    for (auto _ : st) {
      corio::Future<int> f = loop.create_future<int>();
      f.set_result(1);
      benchmark::DoNotOptimize(co_await f);
    }
  }(state));
}
BENCHMARK(BM_FutureSetAwait);

void BM_Sleep0(benchmark::State& state) {
  corio::run([](benchmark::State& st) -> corio::Coro<void> {
    for (auto _ : st) co_await corio::sleep(0s);
  }(state));
}
BENCHMARK(BM_Sleep0);

}  // namespace

BENCHMARK_MAIN();
