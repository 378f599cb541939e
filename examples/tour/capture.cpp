// run_captured: runs a stop with stdout and stderr redirected into pipes.
//
// A reader thread drains both pipes while the stop runs (so a chatty stop never blocks
// on a full pipe), splits them into lines, stamps each line with the time since the
// stop began and, when echoing, writes it at once to the real stdout: the pauses the
// seeds describe ("(暂停约1秒)", a 1 s pause) show up live and in the time stamps.
// Threads the stop starts write through the same descriptors and are captured too.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "corio/core/exceptions.hpp"
#include "tour.hpp"

namespace corio::tour {

namespace {

using Clock = std::chrono::steady_clock;

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    ssize_t n = ::write(fd, s.data() + off, s.size() - off);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

struct Pump {
  int fds[2];             // read ends: stdout, stderr
  int echo_fd;            // the real stdout, or -1
  Clock::time_point t0;
  Transcript* tr;

  void emit(int which, std::string text) {
    double at = std::chrono::duration<double>(Clock::now() - t0).count();
    if (echo_fd >= 0) {
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "  +%.3fs %s ", at, which == 0 ? "|" : "!");
      write_all(echo_fd, stamp + text + "\n");
    }
    (which == 0 ? tr->out : tr->err).push_back(Line{std::move(text), at});
  }

  void operator()() {
    std::string partial[2];
    bool open[2] = {true, true};
    char buf[4096];
    while (open[0] || open[1]) {
      pollfd p[2] = {{open[0] ? fds[0] : -1, POLLIN, 0}, {open[1] ? fds[1] : -1, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (!open[i] || !(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(fds[i], buf, sizeof buf);
        if (n <= 0) {
          open[i] = false;
          if (!partial[i].empty()) emit(i, std::move(partial[i]));
          continue;
        }
        partial[i].append(buf, static_cast<std::size_t>(n));
        std::size_t nl;
        while ((nl = partial[i].find('\n')) != std::string::npos) {
          emit(i, partial[i].substr(0, nl));
          partial[i].erase(0, nl + 1);
        }
      }
    }
  }
};

void flush_all() {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(stdout);
  std::fflush(stderr);
}

}  // namespace

Transcript run_captured(const Stop& stop, bool echo) {
  Transcript tr;
  flush_all();
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    tr.error = "cannot create pipes";
    return tr;
  }
  int saved_out = ::fcntl(1, F_DUPFD_CLOEXEC, 3);
  int saved_err = ::fcntl(2, F_DUPFD_CLOEXEC, 3);
  ::dup2(out[1], 1);
  ::dup2(err[1], 2);
  ::close(out[1]);
  ::close(err[1]);

  auto t0 = Clock::now();
  std::thread reader(Pump{{out[0], err[0]}, echo ? saved_out : -1, t0, &tr});
  try {
    tr.status = stop.run();
  } catch (const std::exception&) {
    tr.error = describe(std::current_exception());
  } catch (const BaseException&) {
    tr.error = describe(std::current_exception());
  } catch (...) {
    tr.error = "unknown exception";
  }
  tr.seconds = std::chrono::duration<double>(Clock::now() - t0).count();

  flush_all();
  ::dup2(saved_out, 1);  // closes the last write ends: the reader sees end of file
  ::dup2(saved_err, 2);
  reader.join();
  ::close(saved_out);
  ::close(saved_err);
  ::close(out[0]);
  ::close(err[0]);
  return tr;
}

}  // namespace corio::tour
