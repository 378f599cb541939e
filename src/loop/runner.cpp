#include "corio/loop/runner.hpp"

#include <signal.h>
#include <unistd.h>

#include "corio/core/detail/task_state.hpp"

namespace corio {

namespace {
thread_local EventLoop* tls_current_loop = nullptr;

bool on_main_thread() { return ::getpid() == ::gettid(); }

bool sigint_is_default() {
  struct sigaction sa {};
  return sigaction(SIGINT, nullptr, &sa) == 0 && sa.sa_handler == SIG_DFL;
}
}  // namespace

EventLoop& get_running_loop() { return detail::running_loop_ref(); }

EventLoop& get_event_loop() {
  if (detail::tls_running_loop) return static_cast<EventLoop&>(*detail::tls_running_loop);
  if (tls_current_loop) return *tls_current_loop;
  throw RuntimeError("There is no current event loop in this thread");
}

std::unique_ptr<EventLoop> new_event_loop(LoopOptions options) { return std::make_unique<EventLoop>(options); }

void set_event_loop(EventLoop* loop) noexcept { tls_current_loop = loop; }

Runner::Runner(LoopOptions options, std::optional<bool> debug) : loop_(new_event_loop(options)) {
  if (debug) loop_->set_debug(*debug);
  set_event_loop(loop_.get());
}

Runner::~Runner() { close(); }

void Runner::close() {
  if (!loop_ || loop_->is_closed()) return;
  loop_->close();
  if (tls_current_loop == loop_.get()) set_event_loop(nullptr);
}

void Runner::run_main(detail::TaskBase* main) {
  bool handle_sigint = on_main_thread() && sigint_is_default();
  if (handle_sigint) {
    main->add_ref();
    loop_->add_signal_handler(SIGINT, [this, main] {
      if (interrupted_ || main->done()) {
        // Second Ctrl-C: give up on a clean unwind, as asyncio does.
        loop_->remove_signal_handler(SIGINT);
        ::raise(SIGINT);
        return;
      }
      interrupted_ = true;
      main->cancel(nullptr);
    });
  }
  struct Cleanup {
    Runner* r;
    detail::TaskBase* main;
    bool sig;
    ~Cleanup() {
      if (sig) {
        r->loop_->remove_signal_handler(SIGINT);
        main->release();
      }
    }
  } cleanup{this, main, handle_sigint};
  loop_->run_until_done(main);
  if (interrupted_ && main->cancelled()) throw KeyboardInterrupt("interrupted by SIGINT");
}

}  // namespace corio
