// Seed 003, examples 6 and 7: two threads change one bank balance; without a lock
// updates are lost, with threading.Lock none are.
//
//   balance = 0
//   def change_it(n):
//       global balance
//       balance = balance + n          # x = balance + n; balance = x: two steps
//       balance = balance - n
//   def run_thread(n):
//       for i in range(100000):
//           change_it(n)               # example 7: lock.acquire(); try: change_it(n)
//                                      #            finally: lock.release()
//   t1 = threading.Thread(target=run_thread, args=(5,))
//   t2 = threading.Thread(target=run_thread, args=(8,))
//   t1.start(); t2.start(); t1.join(); t2.join()
//   print balance
//
// Shows: `balance = balance + n` is a read and a write; when the two threads interleave
// between them, one thread's update overwrites the other's and the balance drifts from
// 0. A lock makes change_it whole: the balance ends at exactly 0.
//
// Differences: in C++ two threads writing a plain variable is undefined behaviour, not
// just a wrong number; the unlocked version therefore reads and writes an atomic in two
// separate steps (relaxed load, then store), which is exactly the seed's two steps, well
// defined, and still loses updates. Each thread makes 1,000,000 changes and both start
// together (a latch): C++ runs the seed's 100,000 in well under a millisecond, often
// before the second thread has even started. A run takes a few milliseconds, so on a
// busy machine the two threads may not overlap at all: the unlocked run is repeated (up
// to 100 times, as one would rerun the seed) until a balance is off, and the round is
// printed. threading.Lock is std::mutex.
#include <atomic>
#include <cstdio>
#include <latch>
#include <mutex>
#include <thread>

#include "tour.hpp"

namespace seed003 {
namespace {

constexpr long kChanges = 1'000'000;
constexpr int kMaxRounds = 100;

std::atomic<long> racy_balance{0};
long balance = 0;
std::mutex lock;

void change_it_racy(long n) {
  long x = racy_balance.load(std::memory_order_relaxed) + n;  // x = balance + n
  racy_balance.store(x, std::memory_order_relaxed);           // balance = x
  x = racy_balance.load(std::memory_order_relaxed) - n;
  racy_balance.store(x, std::memory_order_relaxed);
}

void change_it(long n) {
  balance = balance + n;
  balance = balance - n;
}

template <class Body>
void two_threads(Body body) {
  std::latch start(2);
  auto run_thread = [&](long n) {
    start.arrive_and_wait();
    for (long i = 0; i < kChanges; ++i) body(n);
  };
  std::thread t1(run_thread, 5), t2(run_thread, 8);
  t1.join();
  t2.join();
}

}  // namespace

int threads_balance_main() {
  int round = 0;
  while (round < kMaxRounds && racy_balance.load() == 0) {
    ++round;
    two_threads(change_it_racy);
  }
  std::printf("without a lock: balance = %ld (round %d)\n", racy_balance.load(), round);
  two_threads([](long n) {
    std::lock_guard guard(lock);  // lock.acquire() ... finally: lock.release()
    change_it(n);
  });
  std::printf("with a lock:    balance = %ld\n", balance);
  return 0;
}

}  // namespace seed003

CORIO_TOUR_STOP({
    .seed = "003",
    .index = 6,
    .name = "threads_balance",
    .title = "the bank balance: two threads without a lock lose updates; with a lock it ends at 0 (also 003.7)",
    .python = "def change_it(n): balance = balance + n; balance = balance - n  "
              "(example 7: lock.acquire(); try: change_it(n) finally: lock.release())",
    .shows = "a read-modify-write is two steps that threads interleave; a lock makes it one",
    .run = &seed003::threads_balance_main,
    .check =
        [](corio::tour::Check& c) {
          // How many updates the unlocked run loses depends on the scheduler (on one
          // core it may lose none): only its shape is checked. The locked run is exact.
          c.lines_match({R"(without a lock: balance = -?\d+ \(round \d+\))", R"(with a lock:    balance = 0)"});
        },
});
