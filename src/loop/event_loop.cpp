#include "corio/loop/event_loop.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "corio/core/detail/task_state.hpp"
#include "loop/driver/driver.hpp"
#include "loop/timer_queue.hpp"

namespace corio {

namespace detail {

void run_handle(Runnable* r) noexcept {
  auto* h = static_cast<HandleImpl*>(r);
  if (!h->cancelled.load(std::memory_order_acquire)) {
    try {
      h->fn();
    } catch (...) {
      report_error(tls_running_loop, ExceptionContext{"exception in callback", std::current_exception(), {}, {}});
    }
  }
  h->release();
}

/// A reader or writer registered with add_reader/add_writer: a poll op that is re-armed
/// after each callback, giving asyncio's level-triggered behaviour.
struct FdWatch : Runnable {
  IoOp op;
  std::function<void()> fn;
  EventLoop* loop;
  bool active = true;
  bool queued = false;
  FdWatch(EventLoop* l, int fd, std::uint32_t mask, std::function<void()> f)
      : Runnable(&FdWatch::run), fn(std::move(f)), loop(l) {
    op.fd = fd;
    op.poll_mask = mask;
    op.on_complete = &FdWatch::completed;
    op.owner = this;
  }
  bool idle() const noexcept { return !op.pending && !queued; }
  static FdWatch* of(IoOp* op) noexcept { return static_cast<FdWatch*>(op->owner); }
  static void completed(IoOp* op) noexcept;
  static void run(Runnable* r) noexcept;
};

struct LoopIo {
  // call_soon_threadsafe inbox
  std::mutex mu;
  std::vector<HandleImpl*> inbox;
  bool wake_pending = false;
  int wake_fd = -1;
  IoOp wake_op;

  std::unordered_map<int, FdWatch*> readers, writers;
  std::vector<FdWatch*> retired;  // removed watches whose op has not completed yet

  // signals
  int sig_fd = -1;
  sigset_t sig_mask;
  std::unordered_map<int, std::function<void()>> sig_handlers;
  IoOp sig_op;

  LoopIo() { sigemptyset(&sig_mask); }
};

void FdWatch::completed(IoOp* op) noexcept {
  FdWatch* w = of(op);
  if (!w->active) return;  // retired; freed by the loop once idle
  w->queued = true;
  w->loop->schedule(w);
}

void FdWatch::run(Runnable* r) noexcept {
  auto* w = static_cast<FdWatch*>(r);
  if (!w->active) {
    w->queued = false;
    return;
  }
  try {
    w->fn();
  } catch (...) {
    report_error(w->loop, ExceptionContext{"exception in fd callback", std::current_exception(), {}, {}});
  }
  // Cleared only after fn: a remove_reader/remove_writer inside fn must see the watch
  // busy and retire it instead of freeing it under our feet.
  w->queued = false;
  if (w->active && !w->op.pending) {
    try {
      w->loop->driver().submit(&w->op);
    } catch (...) {
      report_error(w->loop, ExceptionContext{"cannot re-arm fd watch", std::current_exception(), {}, {}});
    }
  }
}

}  // namespace detail

using detail::FdWatch;
using detail::HandleImpl;
using detail::IoOp;

namespace {
void throw_errno(const char* what) { throw std::system_error(errno, std::generic_category(), what); }

detail::DriverKind to_kind(LoopOptions::Driver d) {
  switch (d) {
    case LoopOptions::Driver::Uring: return detail::DriverKind::Uring;
    case LoopOptions::Driver::Epoll: return detail::DriverKind::Epoll;
    default: return detail::DriverKind::Auto;
  }
}
}  // namespace

EventLoop::EventLoop(LoopOptions options)
    : driver_(detail::make_driver(to_kind(options.driver), options.single_thread)),
      timers_(std::make_unique<detail::TimerQueue>()),
      io_(std::make_unique<detail::LoopIo>()),
      virtual_clock_(options.virtual_clock),
      shuffle_seed_(options.shuffle_seed) {
  if (shuffle_seed_) shuffle_state_ = *shuffle_seed_;
  if (options.raise_fd_limit) {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
      rl.rlim_cur = rl.rlim_max;
      ::setrlimit(RLIMIT_NOFILE, &rl);  // best effort: failure leaves the old limit
    }
  }
  if (const char* d = std::getenv("CORIO_DEBUG"); d && *d && std::strcmp(d, "0") != 0) debug_ = true;
  io_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (io_->wake_fd < 0) throw_errno("eventfd");
  io_->wake_op.fd = io_->wake_fd;
  io_->wake_op.poll_mask = POLLIN;
  io_->wake_op.owner = io_.get();
  io_->wake_op.on_complete = [](IoOp* op) noexcept {
    auto* io = static_cast<detail::LoopIo*>(op->owner);
    std::uint64_t v;
    while (::read(io->wake_fd, &v, sizeof v) > 0) {
    }
    // Re-armed and drained by the loop itself (it knows which loop this is).
  };
  driver_->submit(&io_->wake_op);
}

EventLoop::~EventLoop() {
  try {
    close();
  } catch (...) {
  }
}

std::int64_t EventLoop::time_ns() const noexcept {
  if (virtual_clock_) return virtual_now_;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void EventLoop::throw_closed() { throw RuntimeError("Event loop is closed"); }

// ---- scheduling ----

Handle EventLoop::call_soon(Callback fn) {
  check_open();
  auto* h = new HandleImpl(std::move(fn), &detail::run_handle);
  h->add_ref();  // the ready queue's reference
  schedule(h);
  return Handle(h);
}

TimerHandle EventLoop::call_later(std::chrono::nanoseconds delay, Callback fn) {
  check_open();
  auto* h = new HandleImpl(std::move(fn), &detail::run_handle);
  h->when_ns = time_ns() + std::max<std::int64_t>(0, delay.count());
  h->add_ref();
  timers_->add_handle(h->when_ns, h);
  return TimerHandle(h);
}

TimerHandle EventLoop::call_later(double seconds, Callback fn) {
  return call_later(std::chrono::nanoseconds(static_cast<std::int64_t>(seconds * 1e9)), std::move(fn));
}

TimerHandle EventLoop::call_at(double when, Callback fn) {
  check_open();
  auto* h = new HandleImpl(std::move(fn), &detail::run_handle);
  h->when_ns = static_cast<std::int64_t>(when * 1e9);
  h->add_ref();
  timers_->add_handle(h->when_ns, h);
  return TimerHandle(h);
}

Handle EventLoop::call_soon_threadsafe(Callback fn) {
  auto* h = new HandleImpl(std::move(fn), &detail::run_handle);
  h->add_ref();
  bool wake;
  {
    std::lock_guard lock(io_->mu);
    if (closed_) {
      h->release();
      h->release();
      throw RuntimeError("Event loop is closed");
    }
    io_->inbox.push_back(h);
    wake = !io_->wake_pending;
    io_->wake_pending = true;
    // Written under the lock: close() sets closed_ under it before closing wake_fd, so
    // the descriptor cannot be closed (and its number reused) under this write.
    if (wake) {
      std::uint64_t one = 1;
      [[maybe_unused]] auto n = ::write(io_->wake_fd, &one, sizeof one);
    }
  }
  return Handle(h);
}

void EventLoop::drain_threadsafe() noexcept {
  std::vector<HandleImpl*> batch;
  {
    std::lock_guard lock(io_->mu);
    batch.swap(io_->inbox);
    io_->wake_pending = false;
  }
  for (HandleImpl* h : batch) schedule(h);
}

void EventLoop::add_task_timer(std::int64_t when_ns, detail::TaskBase* t, std::uint32_t gen) {
  timers_->add_task(when_ns, t, gen);
}

void EventLoop::note_timer_cancelled() noexcept { timers_->note_cancelled(); }

// ---- running ----

void EventLoop::run_forever() {
  check_open();
  if (running_) throw RuntimeError("This event loop is already running");
  if (detail::tls_running_loop) throw RuntimeError("Cannot run the event loop while another loop is running");
  running_ = true;
  // stopping_ is not reset here: a stop() before run_forever() makes it run one
  // iteration (asyncio). The Exit guard resets it.
  detail::tls_running_loop = this;
  struct Exit {
    EventLoop* l;
    ~Exit() {
      l->running_ = false;
      l->stopping_ = false;
      detail::tls_running_loop = nullptr;
    }
  } exit{this};
  do run_once(); while (!stopping_);  // at least one iteration, as asyncio
}

void EventLoop::run_until_done(detail::FutureStateBase* fut) {
  if (fut->done()) return;
  // As asyncio's _run_until_complete_cb, the stop is itself a scheduled callback, so
  // done-callbacks registered earlier run before run_until_complete returns.
  struct StopOnDone : detail::FutureCallback {
    EventLoop* loop;
  } cb;
  cb.loop = this;
  cb.fire = [](detail::FutureCallback* self, detail::FutureStateBase*) noexcept {
    EventLoop* loop = static_cast<StopOnDone*>(self)->loop;
    try {
      loop->call_soon([loop] { loop->stop(); });
    } catch (...) {
      loop->stop();
    }
  };
  fut->add_callback(&cb);
  try {
    run_forever();
  } catch (...) {
    fut->remove_callback(&cb);
    throw;
  }
  if (!fut->done()) {
    fut->remove_callback(&cb);
    throw RuntimeError("Event loop stopped before Future completed.");
  }
}

void EventLoop::run_once() {
  timers_->prune();
  std::int64_t timeout;
  if (!ready_.empty() || stopping_) {
    timeout = 0;
  } else if (!timers_->empty()) {
    timeout = virtual_clock_ ? 0 : std::max<std::int64_t>(0, timers_->next_when() - time_ns());
  } else {
    timeout = -1;
  }
  driver_->wait(timeout);
  if (!io_->wake_op.pending) {
    drain_threadsafe();
    driver_->submit(&io_->wake_op);
  }
  if (virtual_clock_ && ready_.empty() && !timers_->empty()) {
    virtual_now_ = std::max(virtual_now_, timers_->next_when());
  }
  // Reading the clock is not free (on some virtual machines it costs more than a task
  // switch), so it is only read when a timer could be due.
  if (!timers_->empty()) timers_->pop_expired(time_ns(), ready_);
  run_batch(ready_.take());
}

void EventLoop::drop_ready() noexcept {
  // Callbacks that never ran are dropped, not run (asyncio clears its ready queue):
  // handles are released, done-callbacks deleted; tasks and fd watches are owned
  // elsewhere.
  for (detail::ReadyEntry e = ready_.take(); e;) {
    detail::ReadyEntry next = e.next();
    if (e.is_task()) {
      // Listed so that close() finds it (a task that never ran is not in the table).
      auto* t = static_cast<detail::TaskBase*>(e.link());
      if (!t->done()) t->ensure_registered();
      e = next;
      continue;
    }
    auto* r = static_cast<detail::Runnable*>(e.link());
    if (r->run_fn == &detail::run_handle) {
      static_cast<HandleImpl*>(r)->release();
    } else if (r->run_fn == &detail::UserCallbackBase::run_any) {
      auto* u = static_cast<detail::UserCallbackBase*>(r);
      u->drop(u);
    }
    e = next;
  }
}

void EventLoop::close() {
  if (running_) throw RuntimeError("Cannot close a running event loop");
  if (closed_) return;
  if (live_tasks_ != 0) cancel_leftover_tasks();
  while (!close_callbacks_.empty()) {  // a callback may add another one
    for (Callback& fn : std::exchange(close_callbacks_, {})) {
      try {
        fn();
      } catch (...) {
        call_exception_handler(ExceptionContext{"exception in close callback", std::current_exception(), {}, {}});
      }
    }
  }
  {
    std::lock_guard lock(io_->mu);
    closed_ = true;
    for (HandleImpl* h : io_->inbox) {
      h->release();
    }
    io_->inbox.clear();
  }
  drop_ready();
  // Whatever still refuses to finish is destroyed: its frame is freed (running the
  // destructors of its locals) and it ends cancelled, as in asyncio's "Task was
  // destroyed but it is pending!" case, minus the leak. The references in `left` keep
  // every task alive until the callbacks their ends scheduled have been dropped.
  std::vector<TaskRef> left = all_tasks();
  for (TaskRef& ref : left) {
    detail::TaskBase* t = ref.base();
    call_exception_handler(ExceptionContext{"Task was destroyed but it is pending!", {}, t->get_name(), t->created_at()});
    t->abandon();
  }
  drop_ready();
  left.clear();
  timers_->clear();
  for (auto* m : {&io_->readers, &io_->writers}) {
    for (auto& [fd, w] : *m) {
      w->active = false;
      if (w->op.pending) driver_->cancel(&w->op);
      io_->retired.push_back(w);
    }
    m->clear();
  }
  for (auto& [sig, fn] : io_->sig_handlers) {
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, sig);
    pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  }
  io_->sig_handlers.clear();
  if (io_->wake_op.pending) driver_->cancel(&io_->wake_op);
  if (io_->sig_op.pending) driver_->cancel(&io_->sig_op);
  // Let cancelled ops complete so no kernel operation refers to freed memory.
  for (int i = 0; i < 100; ++i) {
    bool busy = io_->wake_op.pending || io_->sig_op.pending;
    for (FdWatch* w : io_->retired) busy = busy || w->op.pending;
    if (!busy) break;
    driver_->wait(1'000'000);
  }
  for (FdWatch* w : io_->retired) delete w;
  io_->retired.clear();
  driver_.reset();
  if (io_->wake_fd >= 0) ::close(io_->wake_fd);
  if (io_->sig_fd >= 0) ::close(io_->sig_fd);
  io_->wake_fd = io_->sig_fd = -1;
}

// ---- file descriptors ----

namespace {
void add_watch(EventLoop* loop, detail::Driver& drv, std::unordered_map<int, FdWatch*>& m,
               std::vector<FdWatch*>& retired, int fd, std::uint32_t mask, EventLoop::Callback fn) {
  if (fd < 0) throw std::system_error(EBADF, std::generic_category(), "add_reader/add_writer: bad fd");
  if (auto it = m.find(fd); it != m.end()) {
    it->second->fn = std::move(fn);
    return;
  }
  auto* w = new FdWatch(loop, fd, mask, std::move(fn));
  try {
    drv.submit(&w->op);
  } catch (...) {
    delete w;
    throw;
  }
  m.emplace(fd, w);
  // Free watches retired earlier whose op has completed by now.
  std::erase_if(retired, [](FdWatch* r) {
    if (!r->idle()) return false;
    delete r;
    return true;
  });
}

bool remove_watch(detail::Driver& drv, std::unordered_map<int, FdWatch*>& m, std::vector<FdWatch*>& retired, int fd) {
  auto it = m.find(fd);
  if (it == m.end()) return false;
  FdWatch* w = it->second;
  m.erase(it);
  w->active = false;
  if (w->op.pending) drv.cancel(&w->op);
  if (w->idle()) delete w; else retired.push_back(w);
  return true;
}
}  // namespace

void EventLoop::add_reader(int fd, Callback fn) {
  check_open();
  add_watch(this, *driver_, io_->readers, io_->retired, fd, POLLIN, std::move(fn));
}
bool EventLoop::remove_reader(int fd) { return !closed_ && remove_watch(*driver_, io_->readers, io_->retired, fd); }
void EventLoop::add_writer(int fd, Callback fn) {
  check_open();
  add_watch(this, *driver_, io_->writers, io_->retired, fd, POLLOUT, std::move(fn));
}
bool EventLoop::remove_writer(int fd) { return !closed_ && remove_watch(*driver_, io_->writers, io_->retired, fd); }

// ---- signals ----

void EventLoop::add_signal_handler(int sig, Callback fn) {
  check_open();
  if (sig <= 0 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP) {
    throw std::invalid_argument("invalid signal number " + std::to_string(sig));
  }
  detail::LoopIo& io = *io_;
  io.sig_handlers[sig] = std::move(fn);
  sigaddset(&io.sig_mask, sig);
  if (pthread_sigmask(SIG_BLOCK, &io.sig_mask, nullptr) != 0) throw_errno("pthread_sigmask");
  int fd = ::signalfd(io.sig_fd, &io.sig_mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) throw_errno("signalfd");
  if (io.sig_fd < 0) {
    io.sig_fd = fd;
    io.sig_op.fd = fd;
    io.sig_op.poll_mask = POLLIN;
    io.sig_op.owner = &io;
    io.sig_op.on_complete = [](IoOp* op) noexcept {
      auto* io = static_cast<detail::LoopIo*>(op->owner);
      signalfd_siginfo si;
      while (::read(io->sig_fd, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
        auto it = io->sig_handlers.find(static_cast<int>(si.ssi_signo));
        if (it == io->sig_handlers.end()) continue;
        auto* loop = static_cast<EventLoop*>(detail::tls_running_loop);
        if (loop && !loop->is_closed()) loop->call_soon(it->second);
      }
      if (!io->sig_handlers.empty() && detail::tls_running_loop) {
        static_cast<EventLoop*>(detail::tls_running_loop)->driver().submit(op);
      }
    };
  }
  if (!io.sig_op.pending) driver_->submit(&io.sig_op);
}

bool EventLoop::remove_signal_handler(int sig) {
  detail::LoopIo& io = *io_;
  if (io.sig_handlers.erase(sig) == 0) return false;
  sigdelset(&io.sig_mask, sig);
  if (io.sig_fd >= 0) ::signalfd(io.sig_fd, &io.sig_mask, SFD_NONBLOCK | SFD_CLOEXEC);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  return true;
}

// ---- errors ----

void EventLoop::call_exception_handler(const ExceptionContext& ctx) noexcept {
  if (handler_) {
    try {
      handler_(*this, ctx);
      return;
    } catch (...) {
      std::fprintf(stderr, "corio: unhandled error in exception handler: %s\n",
                   describe(std::current_exception()).c_str());
    }
  }
  default_exception_handler(ctx);
}

void EventLoop::default_exception_handler(const ExceptionContext& ctx) noexcept {
  std::string line = ctx.message;
  if (!ctx.task_name.empty() && ctx.message.find(ctx.task_name) == std::string::npos) {
    line += " [" + ctx.task_name + "]";
  }
  if (ctx.where.line()) {
    line += std::string("\n  created at ") + ctx.where.file_name() + ":" + std::to_string(ctx.where.line()) +
            " in " + ctx.where.function_name();
  }
  if (ctx.exception) line += "\n  exception: " + describe(ctx.exception);
  std::fprintf(stderr, "corio: %s\n", line.c_str());
}

const char* EventLoop::driver_name() const noexcept { return driver_ ? driver_->name() : "closed"; }

void Handle::cancel() noexcept {
  if (h_) h_->cancelled.store(true, std::memory_order_release);
}

}  // namespace corio
