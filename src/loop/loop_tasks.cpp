// EventLoop's tasks: the table behind all_tasks() and close(), and the running of a
// ready batch, which is where tasks that never parked are found.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "corio/core/detail/task_state.hpp"
#include "corio/loop/event_loop.hpp"

namespace corio {

void EventLoop::register_task(detail::TaskBase* t) noexcept {
  t->loop_index = task_base_ + static_cast<std::uint32_t>(tasks_.size());
  tasks_.push_back(t);  // a failure to grow a 2 MiB chunk ends the process
}

// The table holds exactly the listed live tasks, in no particular order (asyncio's
// all_tasks is a set). loop_index counts from the first task ever listed (modulo
// 2^32), so dropping the front entry renumbers nobody. A finished task's slot is
// filled with the front entry, then the front is dropped: one task is renumbered, and
// when tasks finish in the order they were listed (a wave of sleepers) behind a
// long-lived one, that is always the same, cached task.
void EventLoop::unregister_task(detail::TaskBase* t) noexcept {
  std::uint32_t i = t->loop_index - task_base_;
  if (i >= tasks_.size() || tasks_[i] != t) return;
  if (i + 1 == tasks_.size()) {
    tasks_.pop_back();
    return;
  }
  if (i != 0) {
    detail::TaskBase* front = tasks_.front();
    front->loop_index = task_base_ + i;
    tasks_[i] = front;
  }
  tasks_.pop_front();
  ++task_base_;
}

std::vector<TaskRef> EventLoop::all_tasks() const {
  std::vector<TaskRef> out;
  out.reserve(live_tasks_);
  for (std::size_t k = 0; k < tasks_.size(); ++k) out.emplace_back(tasks_[k]);
  // The tasks that never parked are not listed: they wait in the ready queue or in
  // the rest of the batch being run, or are running now.
  detail::TaskBase* cur = detail::tls_current_task;
  if (cur && cur->loop() == this && !cur->registered() && !cur->done()) out.emplace_back(cur);
  auto unlisted = [&](detail::ReadyEntry e) {
    if (!e.is_task()) return;
    auto* t = static_cast<detail::TaskBase*>(e.link());
    if (t != cur && !t->registered() && !t->done()) out.emplace_back(t);
  };
  for (detail::ReadyEntry e = ready_.peek(); e; e = e.next()) unlisted(e);
  if (shuffled_batch_) {
    for (std::size_t k = shuffled_pos_; k < shuffled_batch_->size(); ++k) unlisted((*shuffled_batch_)[k]);
  } else {
    for (detail::ReadyEntry e = batch_rest_; e; e = e.next()) unlisted(e);
  }
  return out;
}

namespace {
inline void dispatch(detail::ReadyEntry e) noexcept {
  if (e.is_task()) {
    detail::TaskBase::step(e.link());
  } else {
    static_cast<detail::Runnable*>(e.link())->run();
  }
}
}  // namespace

void EventLoop::run_one(detail::ReadyEntry e) {
  auto t0 = std::chrono::steady_clock::now();
  bool is_task = e.is_task();
  auto* task = is_task ? static_cast<detail::TaskBase*>(e.link()) : nullptr;
  std::string what = is_task ? task->describe_self() : "callback";
  if (is_task) task->add_ref();
  std::source_location where = is_task ? task->coro_where() : std::source_location{};
  dispatch(e);
  if (is_task) task->release();
  auto took = std::chrono::steady_clock::now() - t0;
  if (took > slow_callback_duration) {
    char buf[64];
    std::snprintf(buf, sizeof buf, " took %.3f seconds",
                  std::chrono::duration<double>(took).count());
    call_exception_handler(ExceptionContext{"Executing " + what + buf, {}, {}, where});
  }
}

void EventLoop::run_batch(detail::ReadyEntry head) {
  std::vector<detail::ReadyEntry> batch;  // shuffled order (outlives `rest`)
  // The rest of the batch stays where all_tasks() can see it; if an entry throws, the
  // tasks of the rest that were never listed are listed, so that close() still finds
  // them.
  struct Rest {
    EventLoop* loop;
    ~Rest() {
      auto list = [](detail::ReadyEntry e) {
        if (e.is_task()) {
          auto* t = static_cast<detail::TaskBase*>(e.link());
          if (!t->done()) t->ensure_registered();
        }
      };
      for (detail::ReadyEntry e = loop->batch_rest_; e; e = e.next()) list(e);
      if (loop->shuffled_batch_) {
        for (std::size_t k = loop->shuffled_pos_; k < loop->shuffled_batch_->size(); ++k) list((*loop->shuffled_batch_)[k]);
      }
      loop->batch_rest_ = {};
      loop->shuffled_batch_ = nullptr;
    }
  } rest{this};
  if (!shuffle_seed_) {
    batch_rest_ = head;
    while (batch_rest_) {
      detail::ReadyEntry e = batch_rest_;
      batch_rest_ = e.next();
      if (!debug_) [[likely]] {
        dispatch(e);
      } else {
        run_one(e);
      }
    }
    return;
  }
  for (; head; head = head.next()) batch.push_back(head);
  std::mt19937_64 rng(shuffle_state_++);
  std::shuffle(batch.begin(), batch.end(), rng);
  shuffled_batch_ = &batch;
  for (shuffled_pos_ = 0; shuffled_pos_ < batch.size();) {
    detail::ReadyEntry e = batch[shuffled_pos_++];
    if (!debug_) {
      dispatch(e);
    } else {
      run_one(e);
    }
  }
}

void EventLoop::cancel_leftover_tasks() {
  // Like asyncio.Runner.close: cancel what is left and let it unwind, a bounded number
  // of rounds (a task may catch CancelledError and keep going). This may happen inside
  // a callback of another loop on this thread: that loop's thread-local state is set
  // aside meanwhile and restored after.
  detail::LoopCore* prev_loop = detail::tls_running_loop;
  detail::TaskBase* prev_task = detail::tls_current_task;
  detail::tls_running_loop = this;
  detail::tls_current_task = nullptr;
  running_ = true;
  for (int round = 0; round < 100 && live_tasks_ != 0; ++round) {
    for (TaskRef& t : all_tasks()) t.cancel();
    for (int i = 0; i < 1000 && live_tasks_ != 0; ++i) {
      try {
        run_once();
      } catch (...) {
        call_exception_handler(ExceptionContext{"error while cancelling leftover tasks", std::current_exception(), {}, {}});
        break;
      }
    }
  }
  running_ = false;
  stopping_ = false;
  detail::tls_running_loop = prev_loop;
  detail::tls_current_task = prev_task;
}

}  // namespace corio
