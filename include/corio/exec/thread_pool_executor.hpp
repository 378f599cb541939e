// ThreadPoolExecutor: a pool of worker threads (concurrent.futures.ThreadPoolExecutor).
//
// Workers start lazily, one per submit while no worker is idle, up to max_workers (the
// default is Python's: min(32, cores + 4)), and take jobs from one FIFO. Each worker is
// named "<prefix>_<i>" (prefix: thread_name_prefix, else "ThreadPoolExecutor-<n>"), see
// current_thread_name(). A job's exception is stored in its future and rethrown by
// result() on whichever thread asks. shutdown(wait, cancel_futures) is Python's; the
// destructor is shutdown(wait=true) (the `with` block's exit).
//
// C++ has no GIL: N workers running CPU-bound functions use N cores.
//
//   corio::ThreadPoolExecutor pool(4, "io");
//   auto f = pool.submit(read_config, "/etc/app.conf");
//   std::string text = f.result();
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "corio/exec/executor.hpp"

namespace corio {

class ThreadPoolExecutor final : public Executor {
 public:
  /// `max_workers` 0: min(32, std::thread::hardware_concurrency() + 4).
  explicit ThreadPoolExecutor(std::size_t max_workers = 0, std::string thread_name_prefix = {});
  /// Waits for the queued work (shutdown(wait=true)).
  ~ThreadPoolExecutor() override;

  /// See Executor::shutdown. May be called again (e.g. wait=false, then wait=true) and
  /// from any thread; a worker calling it with wait does not wait for itself.
  void shutdown(bool wait = true, bool cancel_futures = false) override;
  void execute(std::unique_ptr<detail::Job> job) override;

  std::size_t max_workers() const noexcept;
  /// Worker threads started so far (they live until shutdown).
  std::size_t num_threads() const;

 private:
  struct Pool;
  std::shared_ptr<Pool> pool_;
};

}  // namespace corio
