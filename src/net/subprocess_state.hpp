// The shared states behind Process, PipeReader and PipeWriter (see their headers).
//
// Ownership: handles hold shared_ptrs; so does every operation in flight and every loop
// watch (the pidfd reader, a writer's flush callback), so a state outlives whatever the
// kernel or the loop may still do with its fd. A state closes its fd when it dies.
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "corio/sync/event.hpp"

namespace corio {
class EventLoop;
}

namespace corio::detail {

struct ProcessState : std::enable_shared_from_this<ProcessState> {
  ProcessState(EventLoop* l, pid_t p, int fd) noexcept : loop(l), pid(p), pidfd(fd) {}
  ~ProcessState();
  ProcessState(const ProcessState&) = delete;
  ProcessState& operator=(const ProcessState&) = delete;

  /// Starts watching the pidfd (the loop reaps the child as soon as it exits).
  void watch();
  /// Reaps the child if it has exited: sets returncode, stops watching, wakes waiters.
  void try_reap() noexcept;

  EventLoop* loop;
  pid_t pid;
  int pidfd;
  std::optional<int> returncode;
  Event exited;
};

struct PipeReaderState {
  explicit PipeReaderState(int f) noexcept : fd(f) {}
  ~PipeReaderState() {
    if (fd >= 0) ::close(fd);
  }
  PipeReaderState(const PipeReaderState&) = delete;
  PipeReaderState& operator=(const PipeReaderState&) = delete;

  static constexpr std::size_t kChunk = 64 * 1024;
  int fd;
  std::string buf;    // received, not yet returned: [pos, size)
  std::size_t pos = 0;
  bool eof = false;
  bool reading = false;  // a receive is in flight (one at a time)
  std::unique_ptr<char[]> chunk;  // the kernel's target, allocated on first receive

  std::size_t available() const noexcept { return buf.size() - pos; }
  /// Removes and returns the first `n` buffered bytes.
  std::string take(std::size_t n);
};

struct PipeWriterState : std::enable_shared_from_this<PipeWriterState> {
  explicit PipeWriterState(int f) noexcept : fd(f) { drained.set(); }
  ~PipeWriterState() {
    if (fd >= 0) ::close(fd);
  }
  PipeWriterState(const PipeWriterState&) = delete;
  PipeWriterState& operator=(const PipeWriterState&) = delete;

  void write(const char* data, std::size_t n);
  void close();
  /// The flush callback (the loop calls it while the pipe is writable).
  void on_writable() noexcept;

  int fd;
  EventLoop* loop = nullptr;  // while watching
  std::string buf;            // not yet written: [pos, size)
  std::size_t pos = 0;
  bool closing = false;
  bool watching = false;
  std::exception_ptr error;  // the write failure (BrokenPipeError, ...)
  Event drained;             // set while nothing is buffered
  Event closed;

 private:
  void start_watch();
  void stop_watch() noexcept;
  void fail(int err) noexcept;
  void finish_close() noexcept;
};

/// pidfd_open / pidfd_send_signal through syscall(2): glibc 2.36's <sys/pidfd.h>
/// declares them without C linkage, so C++ cannot link against it.
int pidfd_open(pid_t pid) noexcept;
int pidfd_send_signal(int pidfd, int sig) noexcept;

/// write(2) that cannot raise SIGPIPE: a broken pipe is only -1/EPIPE.
ssize_t write_no_sigpipe(int fd, const void* data, std::size_t n) noexcept;

}  // namespace corio::detail
