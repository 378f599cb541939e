#include "net/dns_resolver.hpp"

#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "corio/loop/event_loop.hpp"
#include "net/dns_results.hpp"

namespace corio::detail {

// ---- lookups ----

void Lookup::finish(int st) noexcept {
  done = true;
  status = st;
  bool was_abandoned = abandoned;
  core->finished(was_abandoned);
  if (was_abandoned) {
    delete this;
  } else if (task) {
    task->wake();
  }
}

void LookupWait::await_suspend(std::coroutine_handle<> h) {
  TaskBase* t = tls_current_task;
  if (!t) throw RuntimeError("name lookups must be awaited inside a running task");
  q_->task = t;
  suspended_ = true;
  on_cancel = &LookupWait::cancel;
  t->park(h, this);
}

bool LookupWait::cancel(WaitHook* self, TaskBase* task, const std::string*) {
  static_cast<LookupWait*>(self)->q_->task = nullptr;
  task->wake();
  return false;  // the task raises CancelledError at the await point
}

void LookupWait::await_resume() {
  // Woken by the answer or by a cancellation (the lookup may still be running); a
  // cancellation requested meanwhile wins either way, as for sleep().
  q_->task = nullptr;
  if (suspended_) tls_current_task->throw_if_cancel_requested();
}

LookupWait::~LookupWait() {
  if (q_->done) {
    delete q_;
    return;
  }
  q_->task = nullptr;
  q_->abandoned = true;
  q_->core->abandoned();
}

// ---- the channel ----

ResolverCore::ResolverCore(EventLoop& loop, const ResolverOptions& opts) : loop_(&loop) {
  static std::once_flag once;
  std::call_once(once, [] { ::ares_library_init(ARES_LIB_INIT_ALL); });

  ares_options o{};
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_LOOKUPS;
  o.sock_state_cb = &ResolverCore::sock_state;
  o.sock_state_cb_data = this;
  std::string lookups = opts.use_hosts_file ? "fb" : "b";
  o.lookups = lookups.data();
  if (opts.timeout.count() > 0) {
    o.timeout = static_cast<int>(opts.timeout.count());
    mask |= ARES_OPT_TIMEOUTMS;
  }
  if (opts.tries > 0) {
    o.tries = opts.tries;
    mask |= ARES_OPT_TRIES;
  }
  std::vector<char*> domains;
  if (opts.search) {
    for (const std::string& d : *opts.search) domains.push_back(const_cast<char*>(d.c_str()));
    o.domains = domains.data();
    o.ndomains = static_cast<int>(domains.size());
    mask |= ARES_OPT_DOMAINS;
  }
  int rc = ::ares_init_options(&channel_, &o, mask);
  if (rc != ARES_SUCCESS) {
    channel_ = nullptr;
    throw_gaierror(rc, "cannot set up the DNS resolver");
  }
  if (!opts.nameservers.empty()) {
    std::string csv;
    for (const std::string& s : opts.nameservers) {
      if (!csv.empty()) csv += ',';
      csv += s;
    }
    rc = ::ares_set_servers_ports_csv(channel_, csv.c_str());
    if (rc != ARES_SUCCESS) {
      ::ares_destroy(channel_);
      channel_ = nullptr;
      throw_gaierror(rc, "bad name server list '" + csv + "'");
    }
  }
}

ResolverCore::~ResolverCore() {
  // Lookups still pending end with ARES_EDESTRUCTION (their tasks get a gaierror); the
  // channel's sockets are unwatched through sock_state as it closes them.
  if (channel_) ::ares_destroy(channel_);
  if (timer_armed_) timer_.cancel();
}

void ResolverCore::sock_state(void* data, ares_socket_t fd, int readable, int writable) noexcept {
  static_cast<ResolverCore*>(data)->watch(fd, readable != 0, writable != 0);
}

void ResolverCore::watch(int fd, bool readable, bool writable) noexcept {
  Interest& cur = socks_[fd];
  bool live = !loop_->is_closed();  // a closed loop drops its watches by itself
  try {
    if (readable != cur.read && live) {
      if (readable) loop_->add_reader(fd, [this, fd] { process(fd, ARES_SOCKET_BAD); });
      else loop_->remove_reader(fd);
    }
    if (writable != cur.write && live) {
      if (writable) loop_->add_writer(fd, [this, fd] { process(ARES_SOCKET_BAD, fd); });
      else loop_->remove_writer(fd);
    }
  } catch (...) {
    // The socket stays unwatched; the query it carries ends at its timeout.
    loop_->call_exception_handler(
        ExceptionContext{"cannot watch a DNS socket", std::current_exception(), {}, {}});
  }
  cur.read = readable;
  cur.write = writable;
  if (!readable && !writable) socks_.erase(fd);
}

void ResolverCore::process(int read_fd, int write_fd) noexcept {
  in_process_ = true;
  ::ares_process_fd(channel_, read_fd, write_fd);
  in_process_ = false;
  after_call();
}

void ResolverCore::after_call() noexcept {
  // Nobody waits for any answer any more: drop the queries (their callbacks free the
  // lookups) and let c-ares close its sockets.
  if (channel_ && pending_ > 0 && abandoned_ == pending_) {
    in_process_ = true;
    ::ares_cancel(channel_);
    in_process_ = false;
  }
  if (timer_armed_) {
    timer_.cancel();
    timer_ = TimerHandle();
    timer_armed_ = false;
  }
  if (!channel_ || loop_->is_closed()) return;
  timeval tv{};
  if (!::ares_timeout(channel_, nullptr, &tv)) return;
  auto delay = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  try {
    timer_ = loop_->call_later(std::chrono::nanoseconds(delay), [this] {
      timer_armed_ = false;
      timer_ = TimerHandle();
      process(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    });
    timer_armed_ = true;
  } catch (...) {
    loop_->call_exception_handler(
        ExceptionContext{"cannot arm the DNS timer", std::current_exception(), {}, {}});
  }
}

void ResolverCore::finished(bool was_abandoned) noexcept {
  --pending_;
  if (was_abandoned) --abandoned_;
}

void ResolverCore::abandoned() noexcept {
  ++abandoned_;
  if (!in_process_) after_call();
}

ResolverCore& default_resolver(EventLoop& loop) {
  thread_local std::vector<std::unique_ptr<ResolverCore>> cores;
  for (auto& c : cores) {
    if (c->loop() == &loop) return *c;
  }
  // An idle core holds nothing of its loop; those of other (maybe closed) loops go.
  std::erase_if(cores, [](const std::unique_ptr<ResolverCore>& c) { return c->idle(); });
  cores.push_back(std::make_unique<ResolverCore>(loop, ResolverOptions{}));
  return *cores.back();
}

}  // namespace corio::detail
