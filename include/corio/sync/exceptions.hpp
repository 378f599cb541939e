// The exceptions of the sync layer, with asyncio's names (asyncio.QueueEmpty, ...).
//
// All derive from corio::Error, so ordinary error handling catches them; none is a
// CancelledError.
#pragma once

#include <string>

#include "corio/core/exceptions.hpp"

namespace corio {

/// A value that is not acceptable, e.g. a semaphore released too many times or
/// task_done() called too often (Python's ValueError).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// get_nowait() on an empty queue (asyncio.QueueEmpty).
class QueueEmpty : public Error {
 public:
  explicit QueueEmpty(std::string message = "queue is empty") : Error(std::move(message)) {}
};

/// put_nowait() on a full queue (asyncio.QueueFull).
class QueueFull : public Error {
 public:
  explicit QueueFull(std::string message = "queue is full") : Error(std::move(message)) {}
};

/// put() or get() on a queue that was shut down (asyncio.QueueShutDown, Python 3.13).
class QueueShutDown : public Error {
 public:
  explicit QueueShutDown(std::string message = "queue is shut down") : Error(std::move(message)) {}
};

/// wait() on a barrier that is broken, or was reset or aborted while waiting
/// (asyncio.BrokenBarrierError).
class BrokenBarrierError : public Error {
 public:
  explicit BrokenBarrierError(std::string message = "barrier is broken") : Error(std::move(message)) {}
};

}  // namespace corio
