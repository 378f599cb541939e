// The name of the calling thread (threading.current_thread().name).
//
// Threads started by corio (ThreadPoolExecutor workers, LoopThread, MultiLoop) are named
// here; the main thread is "MainThread"; any other thread is "Thread-<n>" (n counts the
// threads that asked, from 1) until it names itself. The kernel's thread name (what
// `top -H` and debuggers show) gets the first 15 characters.
#pragma once

#include <string>

namespace corio {

/// The calling thread's name.
std::string current_thread_name();
/// Names the calling thread (also its kernel name, cut to 15 characters).
void set_current_thread_name(std::string name);

}  // namespace corio
