// The loop's exception handler and debug mode: errors in callbacks are routed to the
// handler (and the loop keeps running), slow callbacks are reported in debug mode.
#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

class ExceptionHandlerTest : public test::VirtualLoopTest {
 protected:
  void run_until_idle() {
    loop.call_later(1h, [this] { loop.stop(); });
    loop.run_forever();
  }
};

/// Burns CPU for `d` of real (steady_clock) time: what a slow callback does.
void busy_wait(std::chrono::nanoseconds d) {
  auto until = std::chrono::steady_clock::now() + d;
  while (std::chrono::steady_clock::now() < until) {
  }
}

TEST_F(ExceptionHandlerTest, AnExceptionInACallbackGoesToTheHandlerAndTheLoopGoesOn) {
  bool after = false;
  loop.call_soon([] { throw std::runtime_error("callback failed"); });
  loop.call_soon([&] { after = true; });
  run_until_idle();
  EXPECT_TRUE(after);
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_NE(reports[0].message.find("exception in callback"), std::string::npos) << reports[0].message;
  CORIO_EXPECT_THROW_MSG(std::rethrow_exception(reports[0].exception), std::runtime_error, "callback failed");
}

TEST_F(ExceptionHandlerTest, AnExceptionInATimerCallbackGoesToTheHandler) {
  loop.call_later(5s, [] { throw std::logic_error("timer failed"); });
  run_until_idle();
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THROW(std::rethrow_exception(reports[0].exception), std::logic_error);
}

TEST_F(ExceptionHandlerTest, ANonStdExceptionInACallbackIsReportedToo) {
  loop.call_soon([] { throw 42; });
  run_until_idle();
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THROW(std::rethrow_exception(reports[0].exception), int);
}

TEST_F(ExceptionHandlerTest, TheHandlerReceivesTheLoop) {
  EventLoop* seen = nullptr;
  loop.set_exception_handler([&](EventLoop& l, const ExceptionContext&) { seen = &l; });
  loop.call_soon([] { throw std::runtime_error("x"); });
  run_until_idle();
  EXPECT_EQ(seen, &loop);
}

TEST_F(ExceptionHandlerTest, CallExceptionHandlerUsesTheInstalledHandler) {
  loop.call_exception_handler(ExceptionContext{"custom report", nullptr, "T", {}});
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].message, "custom report");
  EXPECT_EQ(reports[0].task_name, "T");
}

TEST_F(ExceptionHandlerTest, GetExceptionHandlerReturnsWhatWasSet) {
  EXPECT_TRUE(static_cast<bool>(loop.get_exception_handler()));
  loop.set_exception_handler(nullptr);
  EXPECT_FALSE(static_cast<bool>(loop.get_exception_handler()));
  errors.attach(loop);
}

TEST_F(ExceptionHandlerTest, WithoutAHandlerTheDefaultOneWritesToStderr) {
  loop.set_exception_handler(nullptr);
  ::testing::internal::CaptureStderr();
  loop.call_soon([] { throw std::runtime_error("to stderr"); });
  run_until_idle();
  std::string err = ::testing::internal::GetCapturedStderr();
  errors.attach(loop);
  EXPECT_NE(err.find("exception in callback"), std::string::npos) << err;
  EXPECT_NE(err.find("to stderr"), std::string::npos) << err;
}

TEST_F(ExceptionHandlerTest, AHandlerThatThrowsFallsBackToTheDefaultHandler) {
  loop.set_exception_handler([](EventLoop&, const ExceptionContext&) { throw std::runtime_error("handler broke"); });
  ::testing::internal::CaptureStderr();
  loop.call_soon([] { throw std::runtime_error("original"); });
  run_until_idle();
  std::string err = ::testing::internal::GetCapturedStderr();
  errors.attach(loop);
  EXPECT_NE(err.find("handler broke"), std::string::npos) << err;
  EXPECT_NE(err.find("original"), std::string::npos) << err;
}

/// The durations (seconds) of the slow-callback reports whose message contains `what`.
std::vector<double> slow_reports(const std::vector<ExceptionContext>& reports, const std::string& what) {
  std::vector<double> out;
  for (const auto& r : reports) {
    auto at = r.message.find(" took ");
    if (r.message.find(what) == std::string::npos || at == std::string::npos) continue;
    out.push_back(std::stod(r.message.substr(at + 6)));
  }
  return out;
}

// A 1 ms threshold could also catch a fast callback that the OS preempted, so the
// tests look for the slow one's report rather than counting reports.
TEST_F(ExceptionHandlerTest, DebugModeReportsASlowCallback) {
  loop.set_debug(true);
  EXPECT_TRUE(loop.get_debug());
  loop.slow_callback_duration = 1ms;
  loop.call_soon([] { busy_wait(5ms); });
  run_until_idle();
  auto reports = errors.take();
  auto slow = slow_reports(reports, "Executing callback took");
  ASSERT_FALSE(slow.empty());
  EXPECT_GE(*std::max_element(slow.begin(), slow.end()), 0.005);
}

TEST_F(ExceptionHandlerTest, DebugModeReportsASlowTaskStepWithTheTaskName) {
  loop.set_debug(true);
  loop.slow_callback_duration = 1ms;
  run([]() -> Coro<void> {
    Task<void> t = create_task([]() -> Coro<void> {
      busy_wait(5ms);
      co_return;
    }(), "slowpoke");
    co_await t;
  }());
  auto slow = slow_reports(errors.take(), "Executing Task 'slowpoke' took");
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_GE(slow[0], 0.005);
}

TEST_F(ExceptionHandlerTest, SlowCallbacksAreNotReportedOutsideDebugMode) {
  loop.set_debug(false);
  loop.slow_callback_duration = 1ms;
  loop.call_soon([] { busy_wait(5ms); });
  run_until_idle();
  EXPECT_TRUE(errors.empty()) << errors.messages();
}

TEST_F(ExceptionHandlerTest, CallbacksUnderTheThresholdAreNotReported) {
  loop.set_debug(true);
  loop.slow_callback_duration = 10s;
  loop.call_soon([] { busy_wait(2ms); });
  run_until_idle();
  EXPECT_TRUE(errors.empty()) << errors.messages();
}

TEST(DebugEnvironment, CorioDebugTurnsDebugModeOn) {
  const char* old = std::getenv("CORIO_DEBUG");
  std::string saved = old ? old : "";
  ::setenv("CORIO_DEBUG", "1", 1);
  EventLoop on(test::virtual_options());
  ::setenv("CORIO_DEBUG", "0", 1);
  EventLoop off(test::virtual_options());
  if (old) ::setenv("CORIO_DEBUG", saved.c_str(), 1); else ::unsetenv("CORIO_DEBUG");
  EXPECT_TRUE(on.get_debug());
  EXPECT_FALSE(off.get_debug());
}

}  // namespace
}  // namespace corio
