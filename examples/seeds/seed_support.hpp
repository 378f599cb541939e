// Stand-ins for the few Python built-ins the seeds print with: repr() of
// threading.current_thread(), and time.time() for "elapsed" prints.
#pragma once

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace seeds {

/// The calling thread's name, as threading.Thread(name=...) gives it. Empty on the
/// main thread ("MainThread").
inline std::string& thread_name() {
  thread_local std::string name;
  return name;
}

/// repr(threading.current_thread()): "<_MainThread(MainThread, started 1403...)>" or
/// "<Thread(Thread-1, started 1403...)>"; the number is the thread's ident.
inline std::string current_thread() {
  bool main = ::getpid() == ::gettid();
  auto ident = static_cast<unsigned long>(::pthread_self());
  char buf[160];
  if (main) {
    std::snprintf(buf, sizeof buf, "<_MainThread(MainThread, started %lu)>", ident);
  } else {
    std::snprintf(buf, sizeof buf, "<Thread(%s, started %lu)>", thread_name().c_str(), ident);
  }
  return buf;
}

/// time.time() as the seeds use it, to measure elapsed time: seconds on the monotonic
/// clock (differences are what matter).
inline double time_time() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace seeds
