#include "corio/exec/loop_thread.hpp"

#include <exception>
#include <latch>

#include "corio/exec/thread_name.hpp"
#include "corio/loop/runner.hpp"

namespace corio {

LoopThread::LoopThread(std::string name, LoopOptions options) {
  std::latch ready(1);
  std::exception_ptr failed;
  thread_ = std::thread([this, &ready, &failed, name = std::move(name), options]() mutable {
    set_current_thread_name(std::move(name));
    try {
      options.single_thread = true;     // made, run and closed on this thread
      loop_ = new_event_loop(options);  // made here: its allocations belong to this thread
    } catch (...) {
      failed = std::current_exception();
      ready.count_down();
      return;
    }
    EventLoop& loop = *loop_;
    set_event_loop(&loop);
    ready.count_down();  // from here on `ready` and `failed` may be gone
    try {
      loop.run_forever();
    } catch (...) {
      loop.call_exception_handler(ExceptionContext{"LoopThread: run_forever failed", std::current_exception(), {}, {}});
    }
    try {
      loop.close();
    } catch (...) {
    }
    set_event_loop(nullptr);
  });
  id_ = thread_.get_id();
  ready.wait();
  if (failed) {
    thread_.join();
    std::rethrow_exception(failed);
  }
}

LoopThread::~LoopThread() {
  stop();
  if (thread_.joinable()) thread_.join();  // stop() called from the loop thread itself
}

void LoopThread::stop() {
  if (!thread_.joinable()) return;
  EventLoop* loop = loop_.get();
  if (std::this_thread::get_id() == id_) {
    loop->stop();
    return;
  }
  try {
    loop->call_soon_threadsafe([loop] { loop->stop(); });
  } catch (const RuntimeError&) {
    // closed already: the thread is on its way out
  }
  thread_.join();
}

}  // namespace corio
