#include <algorithm>

#include "corio/sync/detail/basic_queue.hpp"

namespace corio::detail {

void QueueCore::shutdown_core(bool immediate, std::size_t drained) noexcept {
  shutdown_ = true;
  if (immediate) {
    immediate_ = true;
    // Dropped items count as done, so that join() can return (Python 3.13).
    const bool had_unfinished = unfinished_ > 0;
    unfinished_ -= std::min(drained, unfinished_);
    if (had_unfinished && unfinished_ == 0) joiners_.wake_all();
  }
  // Every blocked getter re-checks (raises QueueShutDown if nothing is left for it) and
  // every blocked putter raises QueueShutDown. Waiting getters imply an empty queue.
  getters_.wake_all(kShutdown);
  putters_.wake_all(kShutdown);
}

void QueueCore::raise_put_nowait() const {
  if (shutdown_) throw QueueShutDown();
  throw QueueFull();
}

void QueueCore::raise_get_nowait() const {
  if (shutdown_) throw QueueShutDown();
  throw QueueEmpty();
}

void QueueCore::raise_task_done() { throw ValueError("task_done() called too many times"); }

}  // namespace corio::detail
