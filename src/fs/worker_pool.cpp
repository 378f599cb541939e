#include "fs/worker_pool.hpp"

#include <cerrno>
#include <exception>

#include "corio/core/exceptions.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio::fs::detail {

WorkerPool& WorkerPool::instance() {
  // Immortal: at exit a worker may still be inside a call that never returns (a read of
  // an idle FIFO), which a join would wait for forever; exit() ends the threads instead.
  static WorkerPool* pool = new WorkerPool;
  return *pool;
}

void WorkerPool::submit(PoolJob* job) {
  std::unique_lock lock(mu_);
  job->state = PoolJob::State::Queued;
  job->next = nullptr;
  job->prev = tail_;
  if (tail_) tail_->next = job; else head_ = job;
  tail_ = job;
  if (idle_ == 0 && static_cast<int>(threads_.size()) < kMaxThreads) {
    threads_.emplace_back([this] { work(); });
    return;  // the new thread finds the job without being notified
  }
  lock.unlock();
  work_cv_.notify_one();
}

bool WorkerPool::unqueue(PoolJob* job) noexcept {
  std::lock_guard lock(mu_);
  if (job->state != PoolJob::State::Queued) return false;
  if (job->prev) job->prev->next = job->next; else head_ = job->next;
  if (job->next) job->next->prev = job->prev; else tail_ = job->prev;
  job->next = job->prev = nullptr;
  job->state = PoolJob::State::Unqueued;
  return true;
}

void WorkerPool::wait_done(PoolJob* job) noexcept {
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [job] { return job->state != PoolJob::State::Running; });
}

void WorkerPool::work() {
  std::unique_lock lock(mu_);
  for (;;) {
    ++idle_;
    work_cv_.wait(lock, [this] { return head_ != nullptr; });
    --idle_;
    PoolJob* job = head_;
    head_ = job->next;
    if (head_) head_->prev = nullptr; else tail_ = nullptr;
    job->next = nullptr;
    job->state = PoolJob::State::Running;
    lock.unlock();

    job->result = job->run(job->ctx);
    Handle posted;
    try {
      posted = job->loop->call_soon_threadsafe([job] {
        if (job->task) job->task->wake();
      });
    } catch (...) {
      // The loop is closed: the task is being destroyed and its awaiter waits for Done.
    }

    lock.lock();
    job->posted = std::move(posted);
    job->state = PoolJob::State::Done;
    done_cv_.notify_all();
  }
}

PoolAwait::~PoolAwait() {
  auto st = job_.state.load();
  if (st == PoolJob::State::Queued || st == PoolJob::State::Running) {
    // The frame is destroyed while parked (its loop is closing).
    auto& pool = WorkerPool::instance();
    if (!pool.unqueue(&job_)) pool.wait_done(&job_);
  }
  job_.posted.cancel();  // it would wake a task that is gone
}

void PoolAwait::await_suspend(std::coroutine_handle<> h) {
  job_.task = corio::detail::tls_current_task;
  if (!job_.task) throw RuntimeError("file operations must be awaited inside a running task");
  job_.loop = &corio::detail::running_loop_ref();
  WorkerPool::instance().submit(&job_);
  on_cancel = &PoolAwait::cancel;
  job_.task->park(h, this);
}

bool PoolAwait::cancel(corio::detail::WaitHook* self, corio::detail::TaskBase* task, const std::string*) {
  auto* me = static_cast<PoolAwait*>(self);
  if (WorkerPool::instance().unqueue(&me->job_)) task->wake();
  return false;  // CancelledError at the await point (or at the next one, if the call ran)
}

std::int64_t PoolAwait::await_resume() {
  if (job_.state.load() == PoolJob::State::Unqueued) {
    job_.task->throw_if_cancel_requested();
    return -ECANCELED;  // uncancel() was called in between
  }
  // Woken by the posted callback, possibly before the worker marked the job Done.
  WorkerPool::instance().wait_done(&job_);
  return job_.result;
}

}  // namespace corio::fs::detail
