// The core of corio in one include: coroutines, generators, futures, tasks, the event
// loop and the task helpers (DESIGN.md layers core, loop, tasks).
#pragma once

#include "corio/core/async_generator.hpp"
#include "corio/core/coro.hpp"
#include "corio/core/exceptions.hpp"
#include "corio/core/future.hpp"
#include "corio/core/generator.hpp"
#include "corio/core/task.hpp"
#include "corio/loop/event_loop.hpp"
#include "corio/loop/handle.hpp"
#include "corio/loop/runner.hpp"
#include "corio/tasks/as_completed.hpp"
#include "corio/tasks/create_task.hpp"
#include "corio/tasks/gather.hpp"
#include "corio/tasks/shield.hpp"
#include "corio/tasks/sleep.hpp"
#include "corio/tasks/task_group.hpp"
#include "corio/tasks/timeout.hpp"
#include "corio/tasks/wait.hpp"
