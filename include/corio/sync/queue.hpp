// Queue, PriorityQueue, LifoQueue: queues between tasks of one loop (asyncio.Queue,
// asyncio.PriorityQueue, asyncio.LifoQueue), with task_done/join and Python 3.13's
// shutdown. The logic and its invariants are in detail/basic_queue.hpp; the storage
// orders in detail/queue_buffers.hpp. Not thread-safe.
#pragma once

#include <cstddef>
#include <functional>

#include "corio/sync/detail/basic_queue.hpp"
#include "corio/sync/detail/queue_buffers.hpp"

namespace corio {

/// A first-in first-out queue; `maxsize` <= 0 means unbounded.
///
///   corio::Queue<int> q(1024);
///   co_await q.put(1);                 // waits while the queue is full
///   int x = co_await q.get();          // waits while it is empty
///   q.task_done();                     // lets q.join() return when all are done
template <class T>
class Queue : public detail::QueueImpl<T, detail::FifoBuffer<T>> {
 public:
  /// A queue holding at most `maxsize` items (0 or less: unbounded).
  explicit Queue(std::ptrdiff_t maxsize = 0)
      : detail::QueueImpl<T, detail::FifoBuffer<T>>(maxsize) {}
};

/// A queue that returns the smallest item first by `Compare` (as asyncio's heapq-based
/// PriorityQueue does; typically T is a pair or tuple (priority, data)).
template <class T, class Compare = std::less<T>>
class PriorityQueue : public detail::QueueImpl<T, detail::HeapBuffer<T, Compare>> {
 public:
  /// A queue holding at most `maxsize` items (0 or less: unbounded), ordered by `comp`.
  explicit PriorityQueue(std::ptrdiff_t maxsize = 0, Compare comp = Compare())
      : detail::QueueImpl<T, detail::HeapBuffer<T, Compare>>(
            maxsize, detail::HeapBuffer<T, Compare>(std::move(comp))) {}
};

/// A last-in first-out queue (a stack).
template <class T>
class LifoQueue : public detail::QueueImpl<T, detail::LifoBuffer<T>> {
 public:
  /// A queue holding at most `maxsize` items (0 or less: unbounded).
  explicit LifoQueue(std::ptrdiff_t maxsize = 0)
      : detail::QueueImpl<T, detail::LifoBuffer<T>>(maxsize) {}
};

}  // namespace corio
