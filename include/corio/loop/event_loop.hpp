// EventLoop: one thread's scheduler (asyncio's BaseEventLoop).
//
// Each iteration (run_once): wait in the I/O driver until the nearest timer (or not at
// all if work is ready), move due timers to the ready queue, then run exactly the batch
// that was ready at that moment; what that batch schedules runs next iteration.
// Everything here is single-threaded except call_soon_threadsafe, which goes through a
// mutex-protected inbox and an eventfd that wakes the driver.
//
// Testing hooks (LoopOptions): a virtual clock that jumps to the next timer whenever
// nothing is ready, and a seeded shuffle of each ready batch to flush out code that
// depends on an unspecified order.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/core/detail/chunked_queue.hpp"
#include "corio/core/future.hpp"
#include "corio/core/task.hpp"
#include "corio/loop/handle.hpp"

namespace corio {

namespace detail {
class Driver;
class TimerQueue;
struct LoopIo;
}  // namespace detail

/// How a loop is built. The defaults are what production code wants.
struct LoopOptions {
  enum class Driver { Auto, Uring, Epoll };
  /// The I/O backend (overridden by the CORIO_DRIVER environment variable).
  Driver driver = Driver::Auto;
  /// Virtual time: when nothing is ready, time jumps to the next timer instead of
  /// sleeping. For tests; I/O still works (the driver is polled without blocking).
  bool virtual_clock = false;
  /// When set, each ready batch runs in a random order drawn from this seed.
  std::optional<std::uint64_t> shuffle_seed;
  /// Raise the soft RLIMIT_NOFILE to the hard limit when the loop starts, so that a
  /// server or scanner can hold tens of thousands of sockets (Python's select() limit
  /// of 1024 descriptors, which the seeds run into, does not exist here).
  bool raise_fd_limit = true;
  /// The loop is created, run and closed on one thread, and no other thread ever runs
  /// it. corio::run, web::run_app, LoopThread and MultiLoop set this (each does all
  /// three inside one call). It lets the io_uring driver tie its ring to that thread
  /// and run the kernel's completion work inside the loop's own waits, in one batch
  /// (IORING_SETUP_DEFER_TASKRUN), instead of on the way out of every system call the
  /// thread makes: a few percent less CPU per I/O. Running such a loop on another
  /// thread fails.
  bool single_thread = false;
};

class EventLoop final : public detail::LoopCore {
 public:
  using Callback = std::function<void()>;
  using ExceptionHandler = std::function<void(EventLoop&, const ExceptionContext&)>;

  explicit EventLoop(LoopOptions options = {});
  ~EventLoop() override;
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // ---- running ----

  /// Runs the loop until `coro` (wrapped in a task) finishes; returns its result.
  template <class T>
  T run_until_complete(Coro<T> coro, std::source_location loc = std::source_location::current()) {
    Task<T> t = create_task(std::move(coro), {}, loc);
    run_until_done(t.state());
    t.state()->check_result();
    if constexpr (!std::is_void_v<T>) return std::move(*detail::value_box<T>(t.state()).value);
  }
  /// Runs the loop until `fut` is done; returns its result (or rethrows).
  template <class T>
  T run_until_complete(const Future<T>& fut) {
    run_until_done(fut.state());
    if constexpr (std::is_void_v<T>) fut.result(); else return fut.result();
  }
  /// Runs until stop() is called.
  void run_forever();
  /// Ends run_forever after the current batch of callbacks.
  void stop() noexcept { stopping_ = true; }
  /// Cancels and finishes leftover tasks, drops pending callbacks, releases the driver.
  void close();
  bool is_running() const noexcept { return running_; }
  bool is_closed() const noexcept { return closed_; }
  /// Runs `fn` once when the loop closes: after the leftover tasks were cancelled, while
  /// the loop can still run and call_soon_threadsafe still accepts callbacks (the exec
  /// layer shuts the loop's default executor down there).
  void add_close_callback(Callback fn) { close_callbacks_.push_back(std::move(fn)); }

  // ---- scheduling ----

  Handle call_soon(Callback fn);
  TimerHandle call_later(std::chrono::nanoseconds delay, Callback fn);
  TimerHandle call_later(double seconds, Callback fn);
  TimerHandle call_at(double when, Callback fn);
  /// May be called from any thread; wakes the loop if it is waiting for I/O.
  Handle call_soon_threadsafe(Callback fn);
  /// The loop's clock in seconds (monotonic; virtual under LoopOptions::virtual_clock).
  double time() const noexcept { return static_cast<double>(time_ns()) / 1e9; }
  std::int64_t time_ns() const noexcept;

  template <class T>
  Task<T> create_task(Coro<T> coro, std::string_view name = {},
                      std::source_location loc = std::source_location::current()) {
    check_open();
    return detail::spawn(this, std::move(coro), name, loc);
  }
  template <class T = void>
  Future<T> create_future() {
    check_open();
    return Future<T>::adopt(new detail::FutureState<T>(this));
  }

  // ---- file descriptors and signals ----

  /// Calls fn whenever fd is readable, until remove_reader (replaces an earlier reader).
  void add_reader(int fd, Callback fn);
  bool remove_reader(int fd);
  void add_writer(int fd, Callback fn);
  bool remove_writer(int fd);
  /// Runs fn on the loop when `sig` arrives (through a signalfd; the signal is blocked
  /// for this thread while a handler is installed).
  void add_signal_handler(int sig, Callback fn);
  bool remove_signal_handler(int sig);

  // ---- errors and debugging ----

  void set_exception_handler(ExceptionHandler handler) { handler_ = std::move(handler); }
  const ExceptionHandler& get_exception_handler() const noexcept { return handler_; }
  void call_exception_handler(const ExceptionContext& ctx) noexcept;
  void default_exception_handler(const ExceptionContext& ctx) noexcept;
  void set_debug(bool on) noexcept { debug_ = on; }
  bool get_debug() const noexcept { return debug_; }
  /// Callbacks running longer than this are reported in debug mode (default 100 ms).
  std::chrono::nanoseconds slow_callback_duration = std::chrono::milliseconds(100);

  /// Name of the I/O backend in use: "uring" or "epoll".
  const char* driver_name() const noexcept;
  /// Every task of this loop that has not finished.
  std::vector<TaskRef> all_tasks() const;

  // ---- for awaitables of other layers ----

  void add_task_timer(std::int64_t when_ns, detail::TaskBase* t, std::uint32_t gen);
  void note_timer_cancelled() noexcept;
  detail::Driver& driver() noexcept { return *driver_; }
  /// False once close() has released the driver (late destructors must not touch it).
  bool has_driver() const noexcept { return driver_ != nullptr; }
  void report(const ExceptionContext& ctx) noexcept override { call_exception_handler(ctx); }
  void register_task(detail::TaskBase* t) noexcept override;
  void unregister_task(detail::TaskBase* t) noexcept override;

  /// Runs the loop until `fut` is done (the engine of run_until_complete).
  void run_until_done(detail::FutureStateBase* fut);

 private:
  void run_once();
  void run_batch(detail::ReadyEntry head);
  void run_one(detail::ReadyEntry e);  // in debug mode: timed, slow steps reported
  void drain_threadsafe() noexcept;
  void check_open() const {
    if (closed_) [[unlikely]] throw_closed();
  }
  [[noreturn]] static void throw_closed();
  void cancel_leftover_tasks();
  void drop_ready() noexcept;

  std::unique_ptr<detail::Driver> driver_;
  std::unique_ptr<detail::TimerQueue> timers_;
  std::unique_ptr<detail::LoopIo> io_;  // threadsafe inbox, fd watches, signals
  // The live tasks that have parked at least once, for all_tasks() and close() (see
  // LoopCore::register_task and unregister_task).
  detail::ChunkedQueue<detail::TaskBase*> tasks_;
  std::uint32_t task_base_ = 0;  // the loop_index of tasks_[0]
  // The part of the batch being run that has not run yet (all_tasks looks there).
  detail::ReadyEntry batch_rest_;
  std::vector<detail::ReadyEntry>* shuffled_batch_ = nullptr;
  std::size_t shuffled_pos_ = 0;
  ExceptionHandler handler_;
  std::vector<Callback> close_callbacks_;
  std::int64_t virtual_now_ = 0;
  bool virtual_clock_ = false;
  bool running_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  std::optional<std::uint64_t> shuffle_seed_;
  std::uint64_t shuffle_state_ = 0;
};

namespace detail {
inline EventLoop& running_loop_ref() {
  if (!tls_running_loop) throw RuntimeError("no running event loop");
  return static_cast<EventLoop&>(*tls_running_loop);
}
}  // namespace detail

}  // namespace corio
