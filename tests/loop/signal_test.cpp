// add_signal_handler / remove_signal_handler: a signal raised on the loop thread runs
// its handler on the loop; removing the handler restores the thread's signal mask.
#include <pthread.h>
#include <signal.h>

#include <vector>

#include "corio_test.hpp"

namespace corio {
namespace {

using namespace std::chrono_literals;

bool blocked_here(int sig) {
  sigset_t cur;
  pthread_sigmask(SIG_BLOCK, nullptr, &cur);
  return sigismember(&cur, sig) == 1;
}

class SignalTest : public test::VirtualLoopTest {};

TEST_F(SignalTest, HandlerRunsOnTheLoopWhenTheSignalArrives) {
  std::vector<std::string> order;
  Future<void> got = loop.create_future<void>();
  loop.add_signal_handler(SIGUSR1, [&] {
    order.push_back("handler");
    EXPECT_TRUE(loop.is_running());
    got.set_result();
  });
  loop.call_soon([&] {
    ::raise(SIGUSR1);
    order.push_back("raised");  // the handler is not called inside raise()
  });
  loop.run_until_complete(got);
  EXPECT_EQ(order, (std::vector<std::string>{"raised", "handler"}));
  EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
}

TEST_F(SignalTest, EachSignalGoesToItsOwnHandler) {
  std::vector<int> seen;
  Future<void> done = loop.create_future<void>();
  loop.add_signal_handler(SIGUSR1, [&] { seen.push_back(1); });
  loop.add_signal_handler(SIGUSR2, [&] {
    seen.push_back(2);
    done.set_result();
  });
  loop.call_soon([] { ::raise(SIGUSR1); });
  loop.call_later(1s, [] { ::raise(SIGUSR2); });
  loop.run_until_complete(done);
  EXPECT_EQ(seen, (std::vector<int>{1, 2}));
  EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
  EXPECT_TRUE(loop.remove_signal_handler(SIGUSR2));
}

TEST_F(SignalTest, TheHandlerRunsAgainForEachDelivery) {
  int calls = 0;
  Future<void> done = loop.create_future<void>();
  loop.add_signal_handler(SIGUSR1, [&] {
    if (++calls == 3) done.set_result();
    else loop.call_soon([] { ::raise(SIGUSR1); });
  });
  loop.call_soon([] { ::raise(SIGUSR1); });
  loop.run_until_complete(done);
  EXPECT_EQ(calls, 3);
  loop.remove_signal_handler(SIGUSR1);
}

TEST_F(SignalTest, RemoveSignalHandlerUnblocksTheSignalAndReportsWhetherOneWasSet) {
  EXPECT_FALSE(blocked_here(SIGUSR1));
  loop.add_signal_handler(SIGUSR1, [] {});
  EXPECT_TRUE(blocked_here(SIGUSR1)) << "the signal is read through a signalfd";
  EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
  EXPECT_FALSE(blocked_here(SIGUSR1));
  EXPECT_FALSE(loop.remove_signal_handler(SIGUSR1));
  EXPECT_FALSE(loop.remove_signal_handler(SIGUSR2));
}

TEST_F(SignalTest, ARemovedHandlerIsNotCalledAndAnotherStillIs) {
  int usr1 = 0;
  Future<void> done = loop.create_future<void>();
  loop.add_signal_handler(SIGUSR1, [&] { ++usr1; });
  loop.add_signal_handler(SIGUSR2, [&] { done.set_result(); });
  EXPECT_TRUE(loop.remove_signal_handler(SIGUSR1));
  loop.call_soon([] { ::raise(SIGUSR2); });
  loop.run_until_complete(done);
  EXPECT_EQ(usr1, 0);
  loop.remove_signal_handler(SIGUSR2);
}

TEST_F(SignalTest, AddingAgainReplacesTheHandler) {
  std::vector<std::string> seen;
  Future<void> done = loop.create_future<void>();
  loop.add_signal_handler(SIGUSR1, [&] { seen.push_back("old"); });
  loop.add_signal_handler(SIGUSR1, [&] {
    seen.push_back("new");
    done.set_result();
  });
  loop.call_soon([] { ::raise(SIGUSR1); });
  loop.run_until_complete(done);
  EXPECT_EQ(seen, (std::vector<std::string>{"new"}));
  loop.remove_signal_handler(SIGUSR1);
}

TEST_F(SignalTest, InvalidSignalsAreRejected) {
  EXPECT_THROW(loop.add_signal_handler(SIGKILL, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.add_signal_handler(SIGSTOP, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.add_signal_handler(0, [] {}), std::invalid_argument);
  EXPECT_THROW(loop.add_signal_handler(NSIG, [] {}), std::invalid_argument);
}

TEST_F(SignalTest, CloseRemovesHandlersAndUnblocksSignals) {
  loop.add_signal_handler(SIGUSR1, [] {});
  EXPECT_TRUE(blocked_here(SIGUSR1));
  loop.close();
  EXPECT_FALSE(blocked_here(SIGUSR1));
}

TEST_F(SignalTest, AnExceptionInASignalHandlerGoesToTheExceptionHandler) {
  Future<void> done = loop.create_future<void>();
  loop.add_signal_handler(SIGUSR1, [&] { throw std::runtime_error("handler failed"); });
  loop.call_soon([] { ::raise(SIGUSR1); });
  loop.call_later(1s, [&] { done.set_result(); });
  loop.run_until_complete(done);
  loop.remove_signal_handler(SIGUSR1);
  auto reports = errors.take();
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_THROW(std::rethrow_exception(reports[0].exception), std::runtime_error);
}

}  // namespace
}  // namespace corio
