#include "corio/exec/thread_name.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <optional>

namespace corio {

namespace {
thread_local std::optional<std::string> tls_name;
std::atomic<unsigned> g_unnamed{0};
}  // namespace

std::string current_thread_name() {
  if (!tls_name) {
    if (::getpid() == ::gettid()) {
      tls_name = "MainThread";
    } else {
      tls_name = "Thread-" + std::to_string(g_unnamed.fetch_add(1, std::memory_order_relaxed) + 1);
    }
  }
  return *tls_name;
}

void set_current_thread_name(std::string name) {
  std::string kernel = name.substr(0, 15);
  ::pthread_setname_np(::pthread_self(), kernel.c_str());
  tls_name = std::move(name);
}

}  // namespace corio
