// Test support: run coroutines on a virtual-clock loop and record what the loop reports.
//
// Tests never sleep in real time. run_virtual() (corio::testing's) and VirtualLoopTest
// build an EventLoop with LoopOptions::virtual_clock, so `co_await sleep(3600s)` returns at once with
// loop.time() advanced by exactly 3600 s, and the order of events is deterministic.
//
// ErrorLog replaces the loop's exception handler and keeps every report. The fixture
// fails a test whose loop reported anything the test did not look at (an unexpected
// "exception was never retrieved" is a bug too); a test that expects reports takes them
// with ErrorLog::take().
//
// Lifetime rule for tests: a Task or Future handle must not outlive its loop (the loop
// is declared before any handle, or the handle lives inside a coroutine).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "corio/corio.hpp"
#include "corio/testing/virtual_loop.hpp"

namespace corio::test {

/// Options for a loop with a virtual clock.
inline LoopOptions virtual_options(LoopOptions options = {}) {
  options.virtual_clock = true;
  return options;
}

/// Runs `coro` to completion on a fresh virtual-clock loop and returns its result
/// (the public corio::testing::run_virtual: leftover tasks are cancelled, the loop closed).
using corio::testing::run_virtual;

/// Every report a loop's exception handler received.
class ErrorLog {
 public:
  /// Routes `loop`'s exception handler here. The log must outlive the loop.
  void attach(EventLoop& loop) {
    loop.set_exception_handler([this](EventLoop&, const ExceptionContext& ctx) { entries_.push_back(ctx); });
  }
  const std::vector<ExceptionContext>& entries() const noexcept { return entries_; }
  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  /// Hands over the reports received so far (and forgets them).
  std::vector<ExceptionContext> take() { return std::exchange(entries_, {}); }
  /// True if some report's message contains `text`.
  bool contains(std::string_view text) const {
    for (const auto& e : entries_) {
      if (e.message.find(text) != std::string::npos) return true;
    }
    return false;
  }
  /// All messages, one a line (for assertion output).
  std::string messages() const {
    std::string out;
    for (const auto& e : entries_) {
      out += e.message;
      if (e.exception) out += " [" + describe(e.exception) + "]";
      out += "\n";
    }
    return out;
  }

 private:
  std::vector<ExceptionContext> entries_;
};

/// A fixture owning a virtual-clock loop whose reports go to `errors`. On tear-down
/// the loop is closed and any report the test did not take() fails the test.
class VirtualLoopTest : public ::testing::Test {
 protected:
  VirtualLoopTest() : loop(virtual_options()) { errors.attach(loop); }

  void TearDown() override {
    loop.close();
    EXPECT_TRUE(errors.empty()) << "unexpected loop reports:\n" << errors.messages();
  }

  /// Runs `coro` on the fixture's loop until it finishes.
  template <class T>
  T run(Coro<T> coro) {
    return loop.run_until_complete(std::move(coro));
  }

  ErrorLog errors;  // declared first: outlives the loop, which may report while closing
  EventLoop loop;
};

/// Expects `expr` (a statement) to throw exactly an exception of type E (which may be a
/// corio::BaseException, which EXPECT_THROW also handles) and returns nothing.
#define CORIO_EXPECT_THROW_MSG(stmt, E, text)                                   \
  do {                                                                          \
    bool corio_thrown_ = false;                                                 \
    try {                                                                       \
      stmt;                                                                     \
    } catch (const E& corio_e_) {                                               \
      corio_thrown_ = true;                                                     \
      EXPECT_NE(std::string(corio_e_.what()).find(text), std::string::npos)     \
          << "message: " << corio_e_.what();                                    \
    }                                                                           \
    EXPECT_TRUE(corio_thrown_) << #stmt " did not throw " #E;                   \
  } while (0)

}  // namespace corio::test
