// Contexts are immutable sorted vectors of (variable id, value); set() builds a new one.
// Programs hold a handful of variables, so a flat copy beats a persistent tree here.
//
// Where the current context lives: a task's in its FutureExtra (TaskBase::context), a
// thread's in tls_context. ContextVar::get looks at the running task first, so stepping
// a task costs nothing; the one cost on the core's path is the hook that copies the
// creator's context into each new task, installed by the first set().
#include "corio/exec/context_var.hpp"

#include <algorithm>
#include <atomic>
#include <vector>

#include "corio/core/task.hpp"

namespace corio::detail {

namespace {

struct ContextMap {
  std::vector<std::pair<std::uint64_t, std::shared_ptr<const void>>> entries;  // sorted by id

  const std::shared_ptr<const void>* find(std::uint64_t id) const noexcept {
    auto it = std::lower_bound(entries.begin(), entries.end(), id,
                               [](const auto& e, std::uint64_t k) { return e.first < k; });
    return it != entries.end() && it->first == id ? &it->second : nullptr;
  }
};

thread_local std::shared_ptr<const void> tls_context;
std::atomic<std::uint64_t> g_var_ids{0};

void inherit_context(TaskBase* child) {
  TaskBase* creator = tls_current_task;
  std::shared_ptr<const void> ctx = creator ? creator->context() : tls_context;
  if (ctx) child->set_context(std::move(ctx));
}

const ContextMap* current_map() noexcept {
  if (TaskBase* t = tls_current_task) return static_cast<const ContextMap*>(t->context_ptr());
  return static_cast<const ContextMap*>(tls_context.get());
}

}  // namespace

std::uint64_t new_context_var_id() noexcept { return g_var_ids.fetch_add(1, std::memory_order_relaxed) + 1; }

std::shared_ptr<const void> capture_context() {
  if (TaskBase* t = tls_current_task) return t->context();
  return tls_context;
}

const void* context_lookup(std::uint64_t id) noexcept {
  const ContextMap* m = current_map();
  if (!m) return nullptr;
  const auto* v = m->find(id);
  return v ? v->get() : nullptr;
}

const void* context_owner() noexcept {
  if (TaskBase* t = tls_current_task) return t;
  return &tls_context;
}

std::pair<std::shared_ptr<const void>, const void*> context_set(std::uint64_t id, std::shared_ptr<const void> value) {
  if (!task_context_hook.load(std::memory_order_relaxed)) task_context_hook.store(&inherit_context, std::memory_order_relaxed);
  const ContextMap* old = current_map();
  auto next = std::make_shared<ContextMap>();
  std::shared_ptr<const void> previous;
  if (old) {
    next->entries.reserve(old->entries.size() + 1);
    for (const auto& e : old->entries) {
      if (e.first == id) {
        previous = e.second;
      } else {
        next->entries.push_back(e);
      }
    }
  }
  if (value) {
    auto it = std::lower_bound(next->entries.begin(), next->entries.end(), id,
                               [](const auto& e, std::uint64_t k) { return e.first < k; });
    next->entries.emplace(it, id, std::move(value));
  }
  std::shared_ptr<const void> ctx;
  if (!next->entries.empty()) ctx = std::move(next);
  if (TaskBase* t = tls_current_task) {
    t->set_context(std::move(ctx));
    return {std::move(previous), t};
  }
  tls_context = std::move(ctx);
  return {std::move(previous), &tls_context};
}

ContextScope::ContextScope(std::shared_ptr<const void> ctx) : task_(tls_current_task) {
  if (task_) {
    saved_ = task_->context();
    task_->set_context(std::move(ctx));
  } else {
    saved_ = std::exchange(tls_context, std::move(ctx));
  }
}

ContextScope::~ContextScope() {
  if (task_) {
    try {
      task_->set_context(std::move(saved_));  // its extra data exists already: no allocation
    } catch (...) {
    }
  } else {
    tls_context = std::move(saved_);
  }
}

std::shared_ptr<const void> ContextScope::current() const { return task_ ? task_->context() : tls_context; }

}  // namespace corio::detail
