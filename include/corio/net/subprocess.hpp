// Subprocesses: create_subprocess_exec / create_subprocess_shell and Process
// (asyncio.subprocess).
//
//   using corio::subprocess::PIPE;
//   auto proc = co_await corio::create_subprocess_exec("sort", {"-r"}, {.stdin = PIPE, .stdout = PIPE});
//   auto [out, err] = co_await proc.communicate("b\na\n");    // out == "b\na\n"
//   int code = co_await proc.wait();                          // 0
//
// Design: the child is started with posix_spawn (vfork-like, so exec failures such as a
// missing program come back as errors of the call) and tracked through a pidfd that the
// loop watches for readability: when the child exits, the loop reaps it with
// waitid(P_PIDFD) at once, whether anybody waits or not (no zombies, no SIGCHLD handler,
// no polling). The child starts with an empty signal mask and SIGPIPE/SIGXFSZ at their
// defaults, and with no descriptor of the parent but 0, 1 and 2 (Python's close_fds and
// restore_signals).
//
// A Process is a cheap handle; copies refer to the same child. It belongs to the loop
// that created it. The pipes are PipeReader / PipeWriter (detail/pipe_stream.hpp), which
// offer StreamReader / StreamWriter's read, readline, write, drain and close.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <concepts>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corio/core/coro.hpp"
#include "corio/net/detail/pipe_stream.hpp"
#include "corio/net/errors.hpp"

namespace corio {

namespace subprocess {

/// Where a child's standard stream goes (Python passes PIPE, DEVNULL, STDOUT, None or a
/// file descriptor).
struct Redirect {
  enum class Kind : std::uint8_t { Inherit, Pipe, DevNull, Stdout, Fd };
  Kind kind = Kind::Inherit;
  int fd = -1;
  /// The child's stream is a duplicate of `fd` (which stays the caller's).
  static constexpr Redirect from_fd(int fd) noexcept { return Redirect{Kind::Fd, fd}; }
};

/// The arguments after the program: a braced list `{"-c", "exit 3"}` or a
/// std::vector<std::string>. (A class rather than a plain std::vector parameter so that
/// a braced list compiles inside `co_await` with GCC 12, which rejects the
/// initializer_list temporaries of an await expression.)
class Args {
 public:
  Args() = default;
  Args(std::vector<std::string> args) : v_(std::move(args)) {}  // NOLINT: implicit by design
  template <class... S>
    requires(sizeof...(S) > 0 && (std::convertible_to<S, std::string_view> && ...))
  Args(S&&... args) {  // NOLINT: implicit by design
    v_.reserve(sizeof...(S));
    (v_.emplace_back(std::string_view(args)), ...);
  }
  std::vector<std::string>& get() noexcept { return v_; }

 private:
  std::vector<std::string> v_;
};

/// A new pipe; the parent's end becomes Process::stdin / stdout / stderr.
inline constexpr Redirect PIPE{Redirect::Kind::Pipe};
/// /dev/null.
inline constexpr Redirect DEVNULL{Redirect::Kind::DevNull};
/// For stderr only: the same as the child's stdout.
inline constexpr Redirect STDOUT{Redirect::Kind::Stdout};
/// The parent's own stream (Python's None, the default).
inline constexpr Redirect INHERIT{Redirect::Kind::Inherit};

}  // namespace subprocess

/// The keyword arguments of create_subprocess_exec / _shell.
///
/// Every member is trivially destructible (views and a pointer) and is copied when
/// create_subprocess_exec is called, so what they refer to needs to live only for the
/// call expression. (GCC 12 destroys a braced aggregate temporary twice when the
/// co_await around it throws; with trivial members that is harmless.) On glibc
/// stdin/stdout/stderr are macros that expand to themselves, so they can name members
/// as they do in Python.
struct SubprocessOptions {
  subprocess::Redirect stdin{};
  subprocess::Redirect stdout{};
  subprocess::Redirect stderr{};
  /// Working directory of the child (empty: the parent's).
  std::string_view cwd{};
  /// The child's whole environment (null: the parent's). Its PATH, if any, is where a
  /// program named without a '/' is searched for, as in Python.
  const std::map<std::string, std::string>* env = nullptr;
};

namespace detail {
struct ProcessState;
}

namespace subprocess {

/// A child process (asyncio.subprocess.Process).
class Process {
 public:
  explicit Process(std::shared_ptr<detail::ProcessState> state) noexcept;

  /// The child's process id.
  pid_t pid() const noexcept;
  /// The exit status once the child has exited: its exit code, or -N if signal N killed
  /// it; nullopt while it runs.
  std::optional<int> returncode() const noexcept;

  /// Waits for the child to exit; returns returncode.
  /// Cancellation: only the wait ends; the child runs on.
  Coro<int> wait();
  /// Sends `input` (if any) to stdin and closes it, reads stdout and stderr to EOF (all
  /// at once, so no pipe fills up), waits for the exit; returns (stdout, stderr), empty
  /// for streams that are not pipes. A child that exits without reading its input is
  /// not an error (the BrokenPipeError is ignored, as in asyncio).
  /// Cancellation: the reads stop (what they received stays in the readers) and the
  /// child runs on.
  Coro<std::pair<std::string, std::string>> communicate(std::optional<std::string> input = std::nullopt);

  /// Sends signal `sig` (nothing once the child has been reaped: the pid may be reused,
  /// the pidfd may not).
  void send_signal(int sig);
  /// SIGTERM.
  void terminate() { send_signal(SIGTERM); }
  /// SIGKILL.
  void kill() { send_signal(SIGKILL); }

  /// The parent's ends of the pipes, for streams created with PIPE (else nullopt).
  std::optional<detail::PipeWriter> stdin;
  std::optional<detail::PipeReader> stdout;
  std::optional<detail::PipeReader> stderr;

 private:
  std::shared_ptr<detail::ProcessState> s_;
};

}  // namespace subprocess

/// Starts `program` with arguments `args` (argv[0] is `program`), searching PATH when
/// it has no '/'. Raises FileNotFoundError / PermissionError naming the program (or the
/// cwd) when it cannot be started.
///
///   auto p = co_await corio::create_subprocess_exec("ls", {"-l", "/tmp"}, {.stdout = corio::subprocess::PIPE});
Coro<subprocess::Process> create_subprocess_exec(std::string program, subprocess::Args args = {},
                                                  const SubprocessOptions& options = {});

/// Runs `cmd` with /bin/sh -c. A command the shell cannot find is exit code 127, not an
/// exception (as in Python).
Coro<subprocess::Process> create_subprocess_shell(std::string cmd, const SubprocessOptions& options = {});

}  // namespace corio
