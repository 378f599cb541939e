// shield: protect an awaitable from the cancellation of its awaiter (asyncio.shield).
#pragma once

#include "corio/core/task.hpp"
#include "corio/tasks/create_task.hpp"

namespace corio {

/// Returns an outer future that mirrors `inner`. Cancelling the outer one (for example
/// by cancelling the task that awaits it) leaves `inner` running.
///
///   auto r = co_await corio::shield(task);
template <class T>
Future<T> shield(Future<T> inner) {
  if (inner.done()) return inner;
  Future<T> outer = detail::running_loop_ref().template create_future<T>();
  inner.add_done_callback([outer](Future<T>& in) mutable {
    if (outer.cancelled()) {
      if (!in.cancelled()) in.exception();  // mark retrieved: nobody else will look
      return;
    }
    if (in.cancelled()) {
      outer.cancel();
    } else if (auto e = in.exception()) {
      outer.set_exception(e);
    } else if constexpr (std::is_void_v<T>) {
      outer.set_result();
    } else {
      outer.set_result(in.result());
    }
  });
  return outer;
}
template <class T>
Future<T> shield(Coro<T> inner) {
  return shield(Future<T>(create_task(std::move(inner))));
}

}  // namespace corio
