// create_task, ensure_future, all_tasks: the module-level helpers of asyncio.tasks.
#pragma once

#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "corio/loop/event_loop.hpp"

namespace corio {

/// Schedules `coro` on the running loop as a task (asyncio.create_task).
///
///   corio::Task<int> t = corio::create_task(func1(), "func1");
template <class T>
Task<T> create_task(Coro<T> coro, std::string_view name = {},
                    std::source_location loc = std::source_location::current()) {
  return detail::running_loop_ref().create_task(std::move(coro), name, loc);
}

/// A Coro becomes a task on the running loop; a Future or Task is returned as is.
template <class T>
Task<T> ensure_future(Coro<T> coro, std::source_location loc = std::source_location::current()) {
  return create_task(std::move(coro), {}, loc);
}
template <class T>
Task<T> ensure_future(Task<T> t) noexcept { return t; }
template <class T>
Future<T> ensure_future(Future<T> f) noexcept { return f; }

/// The unfinished tasks of the running loop (asyncio.all_tasks).
inline std::vector<TaskRef> all_tasks() { return detail::running_loop_ref().all_tasks(); }

}  // namespace corio
