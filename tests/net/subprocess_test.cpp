// create_subprocess_exec / _shell and Process: exit codes and signals, pipes in both
// directions (10 MiB at once on stdout and stderr), cancellation of wait, spawn errors.
// Real children (sh, cat, sleep) on real-time loops, except where a deadline is the
// point: those run on the virtual clock, so no test sleeps.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "corio_test.hpp"
#include "corio/net/subprocess.hpp"

using namespace std::chrono_literals;
using corio::Coro;
using corio::create_subprocess_exec;
using corio::create_subprocess_shell;
using corio::subprocess::DEVNULL;
using corio::subprocess::PIPE;
using corio::subprocess::Process;
using corio::subprocess::STDOUT;

namespace {
constexpr std::size_t kTenMiB = 10u << 20;
}

TEST(Subprocess, ExecReportsTheExitCode) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_exec("sh", {"-c", "exit 3"});
    EXPECT_GT(p.pid(), 0);
    EXPECT_EQ(co_await p.wait(), 3);
    EXPECT_EQ(p.returncode(), 3);
    EXPECT_EQ(co_await p.wait(), 3);  // again: at once

    Process t = co_await create_subprocess_exec("true");
    EXPECT_EQ(co_await t.wait(), 0);
  }());
}

TEST(Subprocess, ShellRunsACommandWithBothPipes) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_shell("echo hello; echo oops >&2; exit 7", {.stdout = PIPE, .stderr = PIPE});
    EXPECT_FALSE(p.stdin);
    auto [out, err] = co_await p.communicate();
    EXPECT_EQ(out, "hello\n");
    EXPECT_EQ(err, "oops\n");
    EXPECT_EQ(p.returncode(), 7);

    Process missing = co_await create_subprocess_shell("no-such-command-corio 2>/dev/null");
    EXPECT_EQ(co_await missing.wait(), 127);  // the shell's answer, not an exception
  }());
}

TEST(Subprocess, StderrToStdoutAndDevnull) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_shell("echo one; echo two >&2", {.stdout = PIPE, .stderr = STDOUT});
    EXPECT_FALSE(p.stderr);
    auto [out, err] = co_await p.communicate();
    EXPECT_EQ(out, "one\ntwo\n");
    EXPECT_EQ(err, "");

    Process cat = co_await create_subprocess_exec("cat", {}, {.stdin = DEVNULL, .stdout = PIPE});
    auto [nothing, _] = co_await cat.communicate();
    EXPECT_EQ(nothing, "");
    EXPECT_EQ(cat.returncode(), 0);
  }());
}

TEST(Subprocess, RedirectToADescriptor) {
  corio::run([]() -> Coro<void> {
    char path[] = "/tmp/corio-subprocess-out-XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    Process p = co_await create_subprocess_shell("echo to the file; echo also >&2",
                                                 {.stdout = corio::subprocess::Redirect::from_fd(fd), .stderr = STDOUT});
    EXPECT_EQ(co_await p.wait(), 0);
    char buf[64] = {};
    EXPECT_EQ(::pread(fd, buf, sizeof buf - 1, 0), 17);
    EXPECT_STREQ(buf, "to the file\nalso\n");
    ::close(fd);  // still the caller's
    ::unlink(path);
  }());
}

TEST(Subprocess, CatRoundTripsStdinToStdout) {
  corio::run([]() -> Coro<void> {
    // Line by line: write + drain, readline, close for EOF.
    Process p = co_await create_subprocess_exec("cat", {}, {.stdin = PIPE, .stdout = PIPE});
    p.stdin->write("first line\nsecond ");
    co_await p.stdin->drain();
    EXPECT_EQ(co_await p.stdout->readline(), "first line\n");
    p.stdin->write("line\nno newline");
    p.stdin->close();
    co_await p.stdin->wait_closed();
    EXPECT_EQ(co_await p.stdout->readline(), "second line\n");
    EXPECT_EQ(co_await p.stdout->readline(), "no newline");
    EXPECT_EQ(co_await p.stdout->readline(), "");
    EXPECT_TRUE(p.stdout->at_eof());
    EXPECT_EQ(co_await p.wait(), 0);

    // 10 MiB through communicate: the input is written while the output is read (cat
    // would block on a full stdout pipe long before taking all of it).
    std::string input(kTenMiB, '\0');
    for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<char>('a' + i % 26);
    Process big = co_await create_subprocess_exec("cat", {}, {.stdin = PIPE, .stdout = PIPE});
    auto [out, err] = co_await big.communicate(input);
    EXPECT_EQ(out.size(), input.size());
    EXPECT_TRUE(out == input);
    EXPECT_EQ(err, "");
    EXPECT_EQ(big.returncode(), 0);
  }());
}

TEST(Subprocess, TenMebibytesOnStdoutAndStderrAtOnceDoNotDeadlock) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_shell(
        "head -c 10485760 /dev/zero | tr '\\0' o & head -c 10485760 /dev/zero | tr '\\0' e >&2 & wait",
        {.stdout = PIPE, .stderr = PIPE});
    auto [out, err] = co_await p.communicate();
    EXPECT_EQ(out.size(), kTenMiB);
    EXPECT_EQ(err.size(), kTenMiB);
    EXPECT_EQ(out.find_first_not_of('o'), std::string::npos);
    EXPECT_EQ(err.find_first_not_of('e'), std::string::npos);
    EXPECT_EQ(p.returncode(), 0);
  }());
}

TEST(Subprocess, ReadInChunksUntilEof) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_shell("printf abcdef", {.stdout = PIPE});
    std::string got;
    for (;;) {
      std::string chunk = co_await p.stdout->read(4);
      if (chunk.empty()) break;
      EXPECT_LE(chunk.size(), 4u);
      got += chunk;
    }
    EXPECT_EQ(got, "abcdef");
    EXPECT_EQ(co_await p.wait(), 0);
  }());
}

TEST(Subprocess, KilledChildHasANegativeReturncode) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_exec("sleep", {"30"});
    EXPECT_EQ(p.returncode(), std::nullopt);
    p.kill();
    EXPECT_EQ(co_await p.wait(), -SIGKILL);
    p.kill();  // reaped: nothing to signal, no error

    Process q = co_await create_subprocess_exec("sleep", {"30"});
    q.terminate();
    EXPECT_EQ(co_await q.wait(), -SIGTERM);

    Process r = co_await create_subprocess_exec("sleep", {"30"});
    r.send_signal(SIGINT);  // the loop may block SIGINT for itself; the child must not
    EXPECT_EQ(co_await r.wait(), -SIGINT);
  }());
}

TEST(Subprocess, WaitIsCancellableAndTheChildRunsOn) {
  corio::testing::run_virtual([]() -> Coro<void> {
    Process p = co_await create_subprocess_exec("sleep", {"30"});
    EXPECT_THROW(co_await corio::wait_for(p.wait(), 5s), corio::TimeoutError);  // virtual 5 s
    auto waiter = corio::create_task(p.wait());
    co_await corio::sleep(0s);
    waiter.cancel();
    EXPECT_THROW(co_await waiter, corio::CancelledError);
    EXPECT_EQ(p.returncode(), std::nullopt);
    EXPECT_EQ(::kill(p.pid(), 0), 0);  // still running
    p.kill();
    EXPECT_EQ(co_await p.wait(), -SIGKILL);
  }());
}

TEST(Subprocess, MissingProgramIsFileNotFoundErrorNamingIt) {
  corio::run([]() -> Coro<void> {
    CORIO_EXPECT_THROW_MSG(co_await create_subprocess_exec("no-such-program-corio", {"x"}), corio::FileNotFoundError,
                           "no-such-program-corio");
    CORIO_EXPECT_THROW_MSG(co_await create_subprocess_exec("/nonexistent/corio/prog"), corio::FileNotFoundError,
                           "/nonexistent/corio/prog");
    CORIO_EXPECT_THROW_MSG(co_await create_subprocess_exec("true", {}, {.cwd = "/nonexistent-corio-dir"}),
                           corio::FileNotFoundError, "/nonexistent-corio-dir");
    // A file without execute permission (even root needs one x bit to exec).
    char path[] = "/tmp/corio-not-executable-XXXXXX";
    int fd = ::mkstemp(path);
    EXPECT_GE(fd, 0);
    ::close(fd);
    CORIO_EXPECT_THROW_MSG(co_await create_subprocess_exec(path), corio::PermissionError, path);
    ::unlink(path);
  }());
}

TEST(Subprocess, CwdAndEnvironment) {
  corio::run([]() -> Coro<void> {
    std::map<std::string, std::string> env{{"CORIO_TEST_VAR", "forty two"}, {"PATH", "/usr/bin:/bin"}};
    Process p = co_await create_subprocess_exec("sh", {"-c", "echo \"$CORIO_TEST_VAR\"; pwd; echo \"${HOME-unset}\""},
                                                {.stdout = PIPE, .cwd = "/tmp", .env = &env});
    auto [out, err] = co_await p.communicate();
    EXPECT_EQ(out, "forty two\n/tmp\nunset\n");
  }());
}

TEST(Subprocess, AChildThatClosesStdinEarlyIsNotAnError) {
  corio::run([]() -> Coro<void> {
    // communicate ignores the broken pipe (and SIGPIPE must not kill this program).
    Process p = co_await create_subprocess_exec("sh", {"-c", "exec 0<&-; exit 0"}, {.stdin = PIPE});
    co_await p.wait();
    co_await p.communicate(std::string(1 << 20, 'x'));
    EXPECT_EQ(p.returncode(), 0);

    // drain reports it.
    Process q = co_await create_subprocess_exec("true", {}, {.stdin = PIPE});
    co_await q.wait();
    q.stdin->write(std::string(1 << 20, 'x'));
    EXPECT_THROW(co_await q.stdin->drain(), corio::BrokenPipeError);
    q.stdin->write("dropped");  // after the failure: dropped, as asyncio does
    q.stdin->close();
  }());
}

TEST(Subprocess, TheLoopReapsAChildNobodyWaitsFor) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_exec("true");
    pid_t pid = p.pid();
    for (int i = 0; i < 5000 && !p.returncode(); ++i) co_await corio::sleep(1ms);
    EXPECT_EQ(p.returncode(), 0);
    errno = 0;
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1);  // no zombie left to collect
    EXPECT_EQ(errno, ECHILD);
  }());
}

TEST(Subprocess, ChildrenDoNotInheritEachOthersPipes) {
  corio::run([]() -> Coro<void> {
    Process a = co_await create_subprocess_exec("cat", {}, {.stdin = PIPE, .stdout = PIPE});
    Process b = co_await create_subprocess_exec("sleep", {"30"}, {.stdin = PIPE, .stdout = PIPE});
    // If b held a copy of a's stdin, a would never see EOF.
    a.stdin->write("to a");
    a.stdin->close();
    EXPECT_EQ(co_await a.stdout->read(), "to a");
    EXPECT_EQ(co_await a.wait(), 0);
    b.kill();
    EXPECT_EQ(co_await b.wait(), -SIGKILL);
  }());
}

TEST(Subprocess, ConcurrentReadsOnOnePipeAreRefused) {
  corio::run([]() -> Coro<void> {
    Process p = co_await create_subprocess_exec("sleep", {"30"}, {.stdout = PIPE});
    auto first = corio::create_task(p.stdout->read(10));
    co_await corio::sleep(0s);
    EXPECT_THROW(co_await p.stdout->read(10), corio::RuntimeError);
    first.cancel();
    EXPECT_THROW(co_await first, corio::CancelledError);
    p.kill();
    co_await p.wait();
  }());
}
