// Workers wait on one condition variable for the FIFO of jobs. A new worker starts when
// a job is queued while more jobs are waiting than workers are idle, up to max_workers
// (Python's _adjust_thread_count without its idle semaphore: the count of workers
// blocked in the wait is exact here, under the same mutex).
#include "corio/exec/thread_pool_executor.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "corio/exec/thread_name.hpp"

namespace corio {

namespace {
std::atomic<unsigned> g_pool_counter{0};
}  // namespace

struct ThreadPoolExecutor::Pool {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::unique_ptr<detail::Job>> jobs;
  std::vector<std::thread> threads;
  std::size_t started = 0;
  std::size_t idle = 0;
  std::size_t max_workers = 0;
  std::string prefix;
  bool shutdown = false;
  std::mutex join_mu;  // serializes joiners (shutdown may be called from several threads)

  void work(std::size_t index) {
    set_current_thread_name(prefix + "_" + std::to_string(index));
    std::unique_lock lock(mu);
    for (;;) {
      while (jobs.empty() && !shutdown) {
        ++idle;
        cv.wait(lock);
        --idle;
      }
      if (jobs.empty()) return;  // shut down and nothing left to run
      std::unique_ptr<detail::Job> job = std::move(jobs.front());
      jobs.pop_front();
      lock.unlock();
      job->run();
      job.reset();  // the job's captures are destroyed outside the lock
      lock.lock();
    }
  }
};

ThreadPoolExecutor::ThreadPoolExecutor(std::size_t max_workers, std::string thread_name_prefix)
    : pool_(std::make_shared<Pool>()) {
  if (max_workers == 0) max_workers = std::min<std::size_t>(32, std::thread::hardware_concurrency() + 4);
  pool_->max_workers = max_workers;
  pool_->prefix = thread_name_prefix.empty()
                      ? "ThreadPoolExecutor-" + std::to_string(g_pool_counter.fetch_add(1, std::memory_order_relaxed))
                      : std::move(thread_name_prefix);
}

ThreadPoolExecutor::~ThreadPoolExecutor() { shutdown(true); }

std::size_t ThreadPoolExecutor::max_workers() const noexcept { return pool_->max_workers; }

std::size_t ThreadPoolExecutor::num_threads() const {
  std::lock_guard lock(pool_->mu);
  return pool_->started;
}

void ThreadPoolExecutor::execute(std::unique_ptr<detail::Job> job) {
  Pool& p = *pool_;
  std::lock_guard lock(p.mu);
  if (p.shutdown) throw RuntimeError("cannot schedule new futures after shutdown");
  p.jobs.push_back(std::move(job));
  if (p.jobs.size() > p.idle && p.started < p.max_workers) {
    std::size_t index = p.started;
    // The worker holds the pool, so a pool shut down without waiting outlives the
    // executor object until its last worker exits.
    p.threads.emplace_back([pool = pool_, index] { pool->work(index); });
    ++p.started;
  } else {
    p.cv.notify_one();
  }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
  Pool& p = *pool_;
  std::deque<std::unique_ptr<detail::Job>> dropped;
  {
    std::lock_guard lock(p.mu);
    p.shutdown = true;
    if (cancel_futures) dropped.swap(p.jobs);
  }
  p.cv.notify_all();
  for (auto& job : dropped) job->cancel();
  dropped.clear();
  if (!wait) return;
  std::lock_guard join_lock(p.join_mu);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(p.mu);
    threads.swap(p.threads);
  }
  for (std::thread& t : threads) {
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // a worker shutting its own pool down: it exits when its job returns
    } else {
      t.join();
    }
  }
}

}  // namespace corio
