// Process: the pidfd watch that reaps the child, wait, communicate and signals.
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "corio/loop/event_loop.hpp"
#include "corio/net/subprocess.hpp"
#include "corio/tasks/gather.hpp"
#include "net/subprocess_state.hpp"

namespace corio {

namespace detail {

namespace {
// waitid's idtype for a pidfd (Linux 5.4; <linux/wait.h> names it, glibc may not).
constexpr idtype_t kPidfd = static_cast<idtype_t>(3);
}  // namespace

int pidfd_open(pid_t pid) noexcept { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_send_signal(int pidfd, int sig) noexcept {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

ProcessState::~ProcessState() {
  if (pidfd >= 0) ::close(pidfd);
}

void ProcessState::watch() {
  loop->add_reader(pidfd, [self = shared_from_this()] { self->try_reap(); });
}

void ProcessState::try_reap() noexcept {
  if (returncode) return;
  siginfo_t info{};
  int rc;
  do {
    rc = ::waitid(kPidfd, static_cast<id_t>(pidfd), &info, WEXITED | WNOHANG);
  } while (rc < 0 && errno == EINTR);
  if (rc < 0) {
    // ECHILD: someone else reaped it (a SIGCHLD handler with waitpid(-1)); the status is
    // lost, as Python reports it: returncode 255.
    if (errno != ECHILD) return;
    returncode = 255;
  } else if (info.si_pid == 0) {
    return;  // not exited yet (a spurious wake-up)
  } else if (info.si_code == CLD_EXITED) {
    returncode = info.si_status;
  } else {
    returncode = -info.si_status;  // CLD_KILLED / CLD_DUMPED: the signal
  }
  loop->remove_reader(pidfd);  // the watch is idle while its callback runs
  ::close(pidfd);
  pidfd = -1;
  exited.set();
}

namespace {

Coro<int> process_wait(std::shared_ptr<ProcessState> s) {
  if (!s->returncode) co_await s->exited.wait();
  co_return *s->returncode;
}

Coro<void> feed_stdin(std::optional<PipeWriter> in, std::optional<std::string> input) {
  if (!in) co_return;
  if (input) in->write(*input);
  try {
    co_await in->drain();
  } catch (const BrokenPipeError&) {
  } catch (const ConnectionResetError&) {
  }
  in->close();
}

Coro<std::string> read_all(std::optional<PipeReader> r) {
  if (!r) co_return std::string();
  co_return co_await r->read(-1);
}

Coro<std::pair<std::string, std::string>> process_communicate(std::shared_ptr<ProcessState> s,
                                                              std::optional<PipeWriter> in,
                                                              std::optional<PipeReader> out,
                                                              std::optional<PipeReader> err,
                                                              std::optional<std::string> input) {
  auto [fed, stdout_data, stderr_data] =
      co_await gather(feed_stdin(std::move(in), std::move(input)), read_all(std::move(out)), read_all(std::move(err)));
  (void)fed;
  co_await process_wait(std::move(s));
  co_return std::pair<std::string, std::string>(std::move(stdout_data), std::move(stderr_data));
}

}  // namespace
}  // namespace detail

namespace subprocess {

Process::Process(std::shared_ptr<detail::ProcessState> state) noexcept : s_(std::move(state)) {}

pid_t Process::pid() const noexcept { return s_->pid; }
std::optional<int> Process::returncode() const noexcept { return s_->returncode; }

Coro<int> Process::wait() { return detail::process_wait(s_); }

Coro<std::pair<std::string, std::string>> Process::communicate(std::optional<std::string> input) {
  return detail::process_communicate(s_, stdin, stdout, stderr, std::move(input));
}

void Process::send_signal(int sig) {
  if (s_->returncode || s_->pidfd < 0) return;
  if (detail::pidfd_send_signal(s_->pidfd, sig) < 0 && errno != ESRCH) {
    throw_os_error(errno, "send signal " + std::to_string(sig) + " to process " + std::to_string(s_->pid));
  }
}

}  // namespace subprocess

}  // namespace corio
