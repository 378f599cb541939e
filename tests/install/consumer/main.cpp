// The installed headers and library are enough to run a coroutine on a loop: run()
// returns the value of a coroutine that sleeps for a millisecond.
#include <chrono>
#include <cstdio>

#include "corio/loop/runner.hpp"
#include "corio/tasks/sleep.hpp"

namespace {

corio::Coro<int> answer_after_a_nap() {
  co_await corio::sleep(std::chrono::milliseconds(1));
  co_return 42;
}

}  // namespace

int main() {
  const int answer = corio::run(answer_after_a_nap());
  if (answer != 42) {
    std::fprintf(stderr, "corio::run returned %d, expected 42\n", answer);
    return 1;
  }
  std::puts("corio::run returned 42");
  return 0;
}
