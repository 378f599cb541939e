// Future and Task state: the reference-counted objects behind Future<T> and Task<T>.
//
// Not thread-safe: a state belongs to its loop's thread. Completion fires the callback
// list in registration order; firing only schedules (pushes onto the ready queue), so
// no user code runs inside set_result. Waiters are intrusive (a FutureCallback lives in
// the awaiting coroutine's frame), so awaiting a pending future allocates nothing.
#pragma once

#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <utility>
#include <variant>

#include "corio/core/detail/loop_core.hpp"
#include "corio/core/detail/result.hpp"
#include "corio/core/exceptions.hpp"
#include "corio/core/frame_allocator.hpp"

namespace corio {
namespace detail {

class FutureStateBase;

/// A node in a future's done-callback list. `fire` is called once when the future
/// completes (or at once, when added to a finished future).
class TaskBase;

/// How Task::cancel interrupts a wait. The awaiter that parks a task owns the hook
/// (usually as a base class; waits that need no state point at a static one), so the
/// task itself stores one pointer for it instead of a function and a context.
/// `on_cancel` must unregister the waiter and either cancel a future the wait depends on
/// (return true: that future's completion wakes the task) or wake the task (false).
struct WaitHook {
  using CancelFn = bool (*)(WaitHook* hook, TaskBase* task, const std::string* msg);
  CancelFn on_cancel = nullptr;
};

struct FutureCallback {
  using FireFn = void (*)(FutureCallback*, FutureStateBase*) noexcept;
  FutureCallback* next = nullptr;
  FireFn fire = nullptr;
};

/// Rarely used per-future data, allocated on first use so that the common future or
/// task stays small (a Task<int> is 80 bytes). A failed future keeps its exception
/// here too: failures are rare, and cost far more than this allocation anyway.
struct FutureExtra {
  std::exception_ptr exc;
  std::string cancel_msg;
  std::unique_ptr<std::string> name;   // tasks: set_name / create_task(name)
  std::source_location created_at{};   // tasks: recorded in debug mode
  std::source_location coro_where{};   // tasks: the coroutine function, in debug mode
  std::shared_ptr<const void> context;  // tasks: contextvars values (exec/context_var.hpp)
};

class FutureStateBase : public PooledObject {
 public:
  enum class Status : std::uint8_t { Pending, Finished, Cancelled };

  explicit FutureStateBase(LoopCore* loop) noexcept : loop_(loop) {}
  FutureStateBase(const FutureStateBase&) = delete;
  FutureStateBase& operator=(const FutureStateBase&) = delete;
  // Inline, as is ~TaskBase: a finished task is destroyed by the million.
  virtual ~FutureStateBase() {
    // Tasks report from ~TaskBase, where describe_self() still names the task.
    if (extra_ && extra_->exc && !retrieved_) [[unlikely]] report_never_retrieved();
  }

  void add_ref() noexcept { ++refs_; }
  /// True when exactly one handle refers to this state.
  bool unique() const noexcept { return refs_ == 1; }
  void release() noexcept {
    if (--refs_ == 0) delete this;
  }

  Status status() const noexcept { return status_; }
  bool done() const noexcept { return status_ != Status::Pending; }
  bool cancelled() const noexcept { return status_ == Status::Cancelled; }
  bool is_task() const noexcept { return is_task_; }
  LoopCore* loop() const noexcept { return loop_; }

  /// asyncio.Future.cancel / Task.cancel (overridden by Task and gather).
  virtual bool cancel(const std::string* msg);

  /// Marks done with an exception and fires callbacks. Precondition: pending.
  void finish_exception(std::exception_ptr e) noexcept;
  /// Marks cancelled and fires callbacks. Precondition: pending.
  void finish_cancelled(const std::string* msg) noexcept;
  /// Marks finished (the value was stored by the typed state) and fires callbacks.
  void finish_value() noexcept;

  /// The stored exception; throws CancelledError if cancelled, InvalidStateError if
  /// pending. Marks the exception as retrieved.
  std::exception_ptr exception();
  /// Throws what result() must throw when no value is available, and marks retrieval.
  void check_result();
  /// True when finished with an exception (does not count as retrieving it).
  bool has_exception() const noexcept { return extra_ && extra_->exc; }
  /// The message given to cancel(), or empty.
  std::string cancel_message() const { return extra_ ? extra_->cancel_msg : std::string(); }

  void add_callback(FutureCallback* cb) noexcept;
  void remove_callback(FutureCallback* cb) noexcept;
  /// Removes the user callbacks with this id; returns how many were removed.
  std::size_t remove_callback_id(std::uint64_t id) noexcept;
  /// Calls fn(node) for every registered callback (no removal inside).
  template <class F>
  void for_each_callback(F fn) const {
    if (!cb_tail_) return;
    FutureCallback* c = cb_tail_;
    do {
      c = c->next;
      fn(c);
    } while (c != cb_tail_);
  }

  /// Name used in reports ("Future" or the task's name).
  virtual std::string describe_self() const { return "Future"; }
  virtual std::source_location created_at() const noexcept { return {}; }

 protected:
  void report_never_retrieved() noexcept;
  /// The exception (null if none), without marking it retrieved.
  std::exception_ptr stored_exception() const noexcept { return extra_ ? extra_->exc : nullptr; }
  /// Stores the exception the future finished with (allocates the extra part: an
  /// allocation failure here ends the process, as on any noexcept completion path).
  void store_exception(std::exception_ptr e) noexcept { extra().exc = std::move(e); }
  void fire_callbacks() noexcept;
  void set_cancel_message(const std::string* msg);
  FutureExtra& extra();

  LoopCore* loop_;
  std::unique_ptr<FutureExtra> extra_;
  // Callbacks form a circular singly-linked list, entered at the tail (cb_tail_->next
  // is the head): appending and firing in order are O(1) per node. Removing a node
  // walks to its predecessor, O(its position); lists are short (one awaiter, or one
  // gather/wait node per future), and removal in registration order (a closing loop
  // abandoning its tasks) always finds the node at the head. A singly-linked node
  // keeps every gather child, wait node and awaiter 8 bytes smaller.
  FutureCallback* cb_tail_ = nullptr;
  std::uint32_t refs_ = 1;
  Status status_ = Status::Pending;
  // TaskBase's fields are kept here too, where they fill the word with the others.
  std::uint8_t task_flags_ : 6 = 0;
  bool retrieved_ : 1 = false;
  bool is_task_ : 1 = false;
  std::uint16_t num_cancels_requested_ = 0;
};

/// Storage for a value constructed in place later, which its owner destroys: it holds
/// a value exactly when the owning state finished without an exception, so it needs no
/// flag of its own (a Task<int> stays within a 96-byte block).
template <class V>
class ValueSlot {
 public:
  ValueSlot() noexcept {}
  ~ValueSlot() {}
  ValueSlot(const ValueSlot&) = delete;
  ValueSlot& operator=(const ValueSlot&) = delete;
  template <class... A>
  void emplace(A&&... a) { ::new (static_cast<void*>(&v_)) V(std::forward<A>(a)...); }
  void destroy() noexcept { v_.~V(); }
  V& operator*() noexcept { return v_; }
  const V& operator*() const noexcept { return v_; }

 private:
  union {
    V v_;
  };
};

/// Holds the value of a finished Future<T> (or Task<T>).
template <class T>
struct ValueBox {
  ValueSlot<result_value_t<T>> value;
  /// Destroys the value if the state holds one (see ValueSlot).
  void destroy_value(const FutureStateBase& s) noexcept {
    if (s.status() == FutureStateBase::Status::Finished && !s.has_exception()) value.destroy();
  }
};
/// void needs no storage; this keeps the same interface at zero size.
template <>
struct ValueBox<void> {
  struct Unit {
    void emplace() const noexcept {}
    void reset() const noexcept {}
    const std::monostate& operator*() const noexcept {
      static constexpr std::monostate unit{};
      return unit;
    }
  };
  [[no_unique_address]] Unit value;
  void destroy_value(const FutureStateBase&) noexcept {}
};

template <class T>
class FutureState : public FutureStateBase, public ValueBox<T> {
 public:
  using FutureStateBase::FutureStateBase;
  ~FutureState() override { this->destroy_value(*this); }
};

/// A done-callback registered by the user: scheduled on the ready queue when fired.
/// All of them share one fire function, which is how remove_done_callback finds them.
struct UserCallbackBase : FutureCallback, Runnable, PooledObject {
  using DropFn = void (*)(UserCallbackBase*) noexcept;
  std::uint64_t id = 0;
  FutureStateBase* fut = nullptr;
  RunFn invoke;  // runs the concrete callback, then deletes it
  DropFn drop;   // deletes the concrete object without running it (loop close, removal)
  UserCallbackBase(RunFn run, DropFn d) noexcept : Runnable(&run_any), invoke(run), drop(d) { fire = &fire_cb; }
  /// The run function of every user callback (lets the loop recognise them).
  static void run_any(Runnable* self) noexcept { static_cast<UserCallbackBase*>(self)->invoke(self); }
  static void fire_cb(FutureCallback* self, FutureStateBase* f) noexcept {
    auto* me = static_cast<UserCallbackBase*>(self);
    f->add_ref();
    me->fut = f;
    f->loop()->schedule(me);
  }
};

template <class Handle, class F>
struct UserCallback final : UserCallbackBase {
  F fn;
  explicit UserCallback(F f) : UserCallbackBase(&run_cb, &drop_cb), fn(std::move(f)) {}
  static void drop_cb(UserCallbackBase* self) noexcept {
    if (self->fut) self->fut->release();  // dropped after firing: the reference it took
    delete static_cast<UserCallback*>(self);
  }
  static void run_cb(Runnable* self) noexcept {
    auto* me = static_cast<UserCallback*>(static_cast<UserCallbackBase*>(self));
    Handle h = Handle::adopt(me->fut);
    try {
      me->fn(h);
    } catch (...) {
      report_error(h.state()->loop(), ExceptionContext{"exception in done callback of " +
                                                           h.state()->describe_self(),
                                                       std::current_exception(), {}, {}});
    }
    delete me;
  }
};

std::uint64_t next_callback_id() noexcept;

/// Suspends the current task until a future is done (the leaf of `co_await future`).
struct FutureWait : FutureCallback, WaitHook {
  FutureStateBase* fut;
  TaskBase* task = nullptr;
  explicit FutureWait(FutureStateBase* f) noexcept : fut(f) {}
  FutureWait(const FutureWait&) = delete;
  FutureWait& operator=(const FutureWait&) = delete;
  // A frame destroyed while waiting (its loop closed under it) must not leave its node
  // in the future's list.
  ~FutureWait() {
    if (next) fut->remove_callback(this);
  }
  bool await_ready() const noexcept { return fut->done(); }
  void await_suspend(std::coroutine_handle<> h);
  /// Rethrows a pending cancellation of the task or the future's failure.
  void finish_wait();
};


}  // namespace detail
}  // namespace corio
