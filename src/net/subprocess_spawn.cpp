// create_subprocess_exec / _shell: pipes, posix_spawn, pidfd.
//
// posix_spawn (glibc: clone(CLONE_VFORK) + exec) reports a failed exec as its return
// value, so a missing program is an exception of the call, not an exit code. Every fd
// made here is O_CLOEXEC, and the child additionally closes everything above 2
// (closefrom), so concurrent spawns never leak each other's pipe ends: a pipe's EOF
// arrives when its own child exits.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <optional>
#include <vector>

#include "corio/loop/event_loop.hpp"
#include "corio/net/subprocess.hpp"
#include "net/subprocess_state.hpp"

extern char** environ;  // NOLINT: POSIX

namespace corio {

namespace {

using subprocess::Redirect;

/// Closes the fds it holds unless released.
struct FdList {
  std::vector<int> fds;
  ~FdList() {
    for (int fd : fds) ::close(fd);
  }
  int add(int fd) {
    fds.push_back(fd);
    return fd;
  }
  void release(int fd) { std::erase(fds, fd); }
};

[[noreturn]] void fail(int err, const std::string& what) { throw_os_error(err, what); }

void check(int rc, const char* what) {
  if (rc != 0) fail(rc, what);
}

/// What create_subprocess_exec was given, owned by the lazily started coroutine.
struct SpawnRequest {
  std::string program;
  std::vector<std::string> args;
  Redirect stdin, stdout, stderr;
  std::optional<std::string> cwd;
  std::optional<std::map<std::string, std::string>> env;
};

/// A program named without '/' is searched in the child's PATH (Python's
/// os.get_exec_path(env)); with the parent's environment posix_spawnp does that.
std::string find_program(const std::string& program, const SpawnRequest& o, bool& search) {
  search = false;
  if (program.find('/') != std::string::npos) return program;
  if (!o.env) {
    search = true;
    return program;
  }
  auto it = o.env->find("PATH");
  std::string path = it != o.env->end() ? it->second : "/bin:/usr/bin";
  std::size_t start = 0;
  for (;;) {
    std::size_t end = path.find(':', start);
    std::string dir = path.substr(start, end == std::string::npos ? std::string::npos : end - start);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  fail(ENOENT, "cannot execute '" + program + "'");
}

Coro<subprocess::Process> spawn(SpawnRequest o) {
  EventLoop& loop = detail::running_loop_ref();
  std::string& program = o.program;
  if (o.stdin.kind == Redirect::Kind::Stdout || o.stdout.kind == Redirect::Kind::Stdout) {
    throw std::invalid_argument("STDOUT can only redirect stderr");
  }

  FdList owned;     // every fd made here; the parent's pipe ends are released to readers
  int child_fd[3];  // what becomes the child's 0, 1, 2 (-1: inherit)
  int parent_fd[3] = {-1, -1, -1};
  int devnull = -1;
  const Redirect* redirects[3] = {&o.stdin, &o.stdout, &o.stderr};
  for (int i = 0; i < 3; ++i) {
    const Redirect& r = *redirects[i];
    child_fd[i] = -1;
    switch (r.kind) {
      case Redirect::Kind::Inherit: break;
      case Redirect::Kind::Stdout: child_fd[i] = 1; break;  // dup2(1, 2) after stdout is in place
      case Redirect::Kind::Fd: child_fd[i] = r.fd; break;
      case Redirect::Kind::DevNull:
        if (devnull < 0) {
          devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
          if (devnull < 0) fail(errno, "open /dev/null");
          owned.add(devnull);
        }
        child_fd[i] = devnull;
        break;
      case Redirect::Kind::Pipe: {
        int p[2];
        if (::pipe2(p, O_CLOEXEC) < 0) fail(errno, "pipe2");
        owned.add(p[0]);
        owned.add(p[1]);
        child_fd[i] = i == 0 ? p[0] : p[1];
        parent_fd[i] = i == 0 ? p[1] : p[0];
        break;
      }
    }
  }

  posix_spawn_file_actions_t fa;
  check(::posix_spawn_file_actions_init(&fa), "posix_spawn_file_actions_init");
  posix_spawnattr_t attr;
  if (int rc = ::posix_spawnattr_init(&attr)) {
    ::posix_spawn_file_actions_destroy(&fa);
    fail(rc, "posix_spawnattr_init");
  }
  struct Cleanup {
    posix_spawn_file_actions_t* fa;
    posix_spawnattr_t* attr;
    ~Cleanup() {
      ::posix_spawn_file_actions_destroy(fa);
      ::posix_spawnattr_destroy(attr);
    }
  } cleanup{&fa, &attr};

  for (int i = 0; i < 3; ++i) {
    if (child_fd[i] >= 0) check(::posix_spawn_file_actions_adddup2(&fa, child_fd[i], i), "posix_spawn dup2");
  }
  check(::posix_spawn_file_actions_addclosefrom_np(&fa, 3), "posix_spawn closefrom");
  if (o.cwd) check(::posix_spawn_file_actions_addchdir_np(&fa, o.cwd->c_str()), "posix_spawn chdir");

  // The loop blocks the signals it handles through a signalfd; the child must not
  // inherit that mask, nor an ignored SIGPIPE.
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGXFSZ);
  check(::posix_spawnattr_setsigmask(&attr, &empty), "posix_spawnattr_setsigmask");
  check(::posix_spawnattr_setsigdefault(&attr, &defaults), "posix_spawnattr_setsigdefault");
  check(::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF), "posix_spawnattr_setflags");

  std::vector<char*> argv;
  argv.push_back(program.data());
  for (std::string& a : o.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_strings;
  std::vector<char*> envp;
  if (o.env) {
    for (const auto& [k, v] : *o.env) env_strings.push_back(k + "=" + v);
    for (std::string& e : env_strings) envp.push_back(e.data());
    envp.push_back(nullptr);
  }

  bool search = false;
  std::string path = find_program(program, o, search);
  pid_t pid = -1;
  char** env = o.env ? envp.data() : environ;
  int rc = search ? ::posix_spawnp(&pid, path.c_str(), &fa, &attr, argv.data(), env)
                  : ::posix_spawn(&pid, path.c_str(), &fa, &attr, argv.data(), env);
  if (rc != 0) {
    if (o.cwd && ::access(o.cwd->c_str(), X_OK) != 0) fail(errno, "cannot change directory to '" + *o.cwd + "'");
    fail(rc, "cannot execute '" + program + "'");
  }

  int pidfd = detail::pidfd_open(pid);
  if (pidfd < 0) {
    int err = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    fail(err, "pidfd_open");
  }
  auto state = std::make_shared<detail::ProcessState>(&loop, pid, pidfd);
  state->watch();
  subprocess::Process proc(state);
  // The parent's ends go to the readers/writer; the rest closes when `owned` goes.
  for (int i = 0; i < 3; ++i) {
    if (parent_fd[i] < 0) continue;
    owned.release(parent_fd[i]);
    if (i == 0) proc.stdin.emplace(parent_fd[i]);
    else if (i == 1) proc.stdout.emplace(parent_fd[i]);
    else proc.stderr.emplace(parent_fd[i]);
  }
  co_return proc;
}

}  // namespace

Coro<subprocess::Process> create_subprocess_exec(std::string program, subprocess::Args args,
                                                  const SubprocessOptions& options) {
  SpawnRequest r{std::move(program), std::move(args.get()), options.stdin, options.stdout, options.stderr, {}, {}};
  if (!options.cwd.empty()) r.cwd.emplace(options.cwd);
  if (options.env) r.env.emplace(*options.env);
  return spawn(std::move(r));
}

Coro<subprocess::Process> create_subprocess_shell(std::string cmd, const SubprocessOptions& options) {
  return create_subprocess_exec("/bin/sh", std::vector<std::string>{"-c", std::move(cmd)}, options);
}

}  // namespace corio
