// ContextVar<T>: values that follow the task, not the thread (contextvars).
//
// Every task has a context: an immutable map from variables to values, copied (shared,
// it is immutable) from its creator when the task is created, as asyncio's tasks copy
// contextvars.copy_context(). set() inside a task replaces the task's map with a new one
// (copy-on-write), so a task created earlier or later, or the creator, never sees it.
// Outside any task, code uses its thread's context. to_thread() and
// run_coroutine_threadsafe() carry the caller's context to the other thread, as Python
// does; a callback scheduled with call_soon sees its thread's context (a difference).
//
// Cost: a program that never sets a ContextVar pays one relaxed atomic load per
// create_task (the hook that copies contexts is installed by the first set()).
//
//   corio::ContextVar<std::string> request_id("request_id", "-");
//   corio::Coro<void> handle(std::string id) {
//     auto token = request_id.set(id);      // this task only
//     co_await work();                      // work() and the tasks it creates see `id`
//     request_id.reset(token);
//   }
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "corio/core/exceptions.hpp"
#include "corio/sync/exceptions.hpp"

namespace corio {

/// A ContextVar without a value and without a default (Python's LookupError).
class LookupError : public Error {
 public:
  using Error::Error;
};

namespace detail {

/// The current context as an opaque snapshot (the running task's, else the thread's).
std::shared_ptr<const void> capture_context();
/// The value of variable `id` in the current context, or null.
const void* context_lookup(std::uint64_t id) noexcept;
/// Sets variable `id` in the current context (null: removes it). Returns the previous
/// value (null if none) and the identity of the context changed.
std::pair<std::shared_ptr<const void>, const void*> context_set(std::uint64_t id, std::shared_ptr<const void> value);
/// The identity of the current context (the task, or the thread).
const void* context_owner() noexcept;
std::uint64_t new_context_var_id() noexcept;

class TaskBase;

/// Makes `ctx` the current context for the scope: the running task's if there is one,
/// else the calling thread's.
class ContextScope {
 public:
  explicit ContextScope(std::shared_ptr<const void> ctx);
  ~ContextScope();
  ContextScope(const ContextScope&) = delete;
  ContextScope& operator=(const ContextScope&) = delete;
  /// The current context as the code inside the scope left it.
  std::shared_ptr<const void> current() const;

 private:
  TaskBase* task_;
  std::shared_ptr<const void> saved_;
};

}  // namespace detail

template <class T>
class ContextVar;

/// What ContextVar::set returns: restores the previous value with ContextVar::reset
/// (contextvars.Token). Usable once, in the context that made it.
template <class T>
class Token {
 public:
  /// True if the variable had a value before the set() (else Python's Token.MISSING).
  bool has_old_value() const noexcept { return old_ != nullptr; }
  /// The value before the set(). Precondition: has_old_value().
  const T& old_value() const noexcept { return *static_cast<const T*>(old_.get()); }

 private:
  friend class ContextVar<T>;
  Token(std::uint64_t id, std::shared_ptr<const void> old, const void* owner) noexcept
      : id_(id), old_(std::move(old)), owner_(owner) {}
  std::uint64_t id_;
  std::shared_ptr<const void> old_;
  const void* owner_;
  bool used_ = false;
};

/// A context variable (contextvars.ContextVar). The object itself is immutable and may be
/// shared by every thread; its values live in the contexts.
template <class T>
class ContextVar {
  static_assert(std::is_copy_constructible_v<T>, "get() returns a copy of the value");

 public:
  explicit ContextVar(std::string name) : name_(std::move(name)), id_(detail::new_context_var_id()) {}
  ContextVar(std::string name, T default_value)
      : name_(std::move(name)), default_(std::move(default_value)), id_(detail::new_context_var_id()) {}
  ContextVar(const ContextVar&) = delete;
  ContextVar& operator=(const ContextVar&) = delete;

  const std::string& name() const noexcept { return name_; }

  /// The value in the current context, else the variable's default; LookupError if
  /// neither exists.
  T get() const {
    if (const void* v = detail::context_lookup(id_)) return *static_cast<const T*>(v);
    if (default_) return *default_;
    throw LookupError("<ContextVar name='" + name_ + "'>");
  }
  /// The value in the current context, else `fallback`.
  T get(T fallback) const {
    if (const void* v = detail::context_lookup(id_)) return *static_cast<const T*>(v);
    return fallback;
  }
  /// Sets the value in the current context (the running task's, else the thread's).
  Token<T> set(T value) {
    auto [old, owner] = detail::context_set(id_, std::make_shared<const T>(std::move(value)));
    return Token<T>(id_, std::move(old), owner);
  }
  /// Restores the value the variable had before the set() that made `token`.
  /// ValueError if the token belongs to another variable or context, RuntimeError if it
  /// was used already.
  void reset(Token<T>& token) {
    if (token.id_ != id_) throw ValueError("Token was created by a different ContextVar");
    if (token.used_) throw RuntimeError("Token has already been used once");
    if (token.owner_ != detail::context_owner()) throw ValueError("Token was created in a different Context");
    detail::context_set(id_, token.old_);
    token.used_ = true;
  }

 private:
  std::string name_;
  std::optional<T> default_;
  std::uint64_t id_;
};

/// A snapshot of a context that code can run in (contextvars.Context).
class Context {
 public:
  /// An empty context.
  Context() = default;
  /// Runs fn() with this context current; what fn sets stays in this Context (and is
  /// not seen by the caller), as Context.run does.
  template <class F>
  decltype(auto) run(F&& fn) {
    struct Keep {
      Context& self;
      detail::ContextScope& scope;
      ~Keep() { self.map_ = scope.current(); }
    };
    detail::ContextScope scope(map_);
    Keep keep{*this, scope};
    return std::forward<F>(fn)();
  }

 private:
  friend Context copy_context();
  std::shared_ptr<const void> map_;
};

/// The current context (contextvars.copy_context()): O(1), contexts are immutable.
inline Context copy_context() {
  Context c;
  c.map_ = detail::capture_context();
  return c;
}

}  // namespace corio
