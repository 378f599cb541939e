// ResolverCore: one c-ares channel driven by one EventLoop, and the lookups in flight.
//
// The channel reports the sockets it wants watched through its socket-state callback;
// each becomes an add_reader/add_writer watch whose callback runs ares_process_fd. After
// every call into c-ares the single call_later timer is re-armed at ares_timeout(), so
// retransmissions and timeouts happen without polling.
//
// A Lookup is heap-allocated and shared by the c-ares callback and the awaiting
// coroutine: whichever lets go last deletes it. A coroutine that goes away first (its
// task was cancelled, or its loop closed) marks the lookup abandoned; when every
// pending lookup is abandoned the channel is told to drop them all (ares_cancel),
// which also closes its sockets. After a lookup is done it never touches the core again,
// so a core may be destroyed while finished lookups still wait to be collected.
//
// Invariant: idle() (no pending lookup, no watch, no timer) means the core holds nothing
// of its loop, so an idle core may outlive its loop or be handed to a new one.
#pragma once

#include <ares.h>

#include <coroutine>
#include <string>
#include <unordered_map>

#include "corio/core/detail/task_state.hpp"
#include "corio/loop/handle.hpp"
#include "corio/net/dns.hpp"

namespace corio {
class EventLoop;
}

namespace corio::detail {

class ResolverCore;

struct Lookup {
  explicit Lookup(ResolverCore* c) noexcept : core(c) {}
  virtual ~Lookup() = default;
  ResolverCore* core;
  TaskBase* task = nullptr;  // the waiting task, while it waits
  bool done = false;
  bool abandoned = false;
  int status = ARES_SUCCESS;
  /// Called from the c-ares callback: records the end and wakes (or frees) the lookup.
  void finish(int st) noexcept;
};

/// The coroutine's side of a Lookup: `co_await` it; its destructor lets go of the lookup.
class LookupWait : private WaitHook {
 public:
  explicit LookupWait(Lookup* q) noexcept : q_(q) {}
  LookupWait(const LookupWait&) = delete;
  LookupWait& operator=(const LookupWait&) = delete;
  ~LookupWait();

  bool await_ready() const noexcept { return q_->done; }
  void await_suspend(std::coroutine_handle<> h);
  void await_resume();

 private:
  static bool cancel(WaitHook* self, TaskBase* task, const std::string* msg);
  Lookup* q_;
  bool suspended_ = false;
};

class ResolverCore {
 public:
  /// Creates the channel; throws gaierror if c-ares refuses the settings.
  ResolverCore(EventLoop& loop, const ResolverOptions& options);
  ~ResolverCore();
  ResolverCore(const ResolverCore&) = delete;
  ResolverCore& operator=(const ResolverCore&) = delete;

  EventLoop* loop() const noexcept { return loop_; }
  /// Rebinds an idle core to another loop (the default core of a loop that reuses the
  /// address of a closed one).
  void rebind(EventLoop& loop) noexcept { loop_ = &loop; }
  ares_channel channel() const noexcept { return channel_; }
  bool idle() const noexcept { return pending_ == 0 && socks_.empty() && !timer_armed_; }
  int pending() const noexcept { return pending_; }

  /// Bookkeeping around a lookup: started() before handing it to c-ares, after_call()
  /// once c-ares returned, finished()/abandoned() as the two sides let go.
  void started() noexcept { ++pending_; }
  void after_call() noexcept;
  void finished(bool was_abandoned) noexcept;
  void abandoned() noexcept;

 private:
  static void sock_state(void* data, ares_socket_t fd, int readable, int writable) noexcept;
  void watch(int fd, bool readable, bool writable) noexcept;
  void process(int read_fd, int write_fd) noexcept;

  EventLoop* loop_;
  ares_channel channel_ = nullptr;
  struct Interest {
    bool read = false;
    bool write = false;
  };
  std::unordered_map<int, Interest> socks_;
  TimerHandle timer_;
  bool timer_armed_ = false;
  bool in_process_ = false;
  int pending_ = 0;
  int abandoned_ = 0;
};

/// The default core of `loop` (created on first use; one per loop and thread).
ResolverCore& default_resolver(EventLoop& loop);

}  // namespace corio::detail
