// Driver comparison: the I/O paths the loop itself uses, on io_uring and on epoll.
//  - "threadsafe": two loops on two threads ping-pong a counter with
//    call_soon_threadsafe; each hop is an eventfd write plus a driver wake-up.
//  - "reader": one loop, a pipe pair; add_reader callbacks bounce one byte back and
//    forth; each hop is a poll completion plus a re-arm.
// Prints one JSON line per mode with ns per hop and the driver used (CORIO_DRIVER).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "corio/corio.hpp"

namespace {

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void threadsafe_mode(long hops) {
  corio::EventLoop a, b;
  std::atomic<bool> b_ready{false};
  long count = 0;
  std::function<void()> to_a, to_b;
  to_b = [&] { b.call_soon_threadsafe(to_a); };
  to_a = [&] {
    if (++count >= hops) {
      a.stop();
      b.call_soon_threadsafe([&] { b.stop(); });
      return;
    }
    b.call_soon_threadsafe([&] { a.call_soon_threadsafe(to_a); });
  };
  std::thread tb([&] {
    b.call_soon([&] { b_ready = true; });
    b.run_forever();
  });
  while (!b_ready) std::this_thread::yield();
  double t0 = now_s();
  a.call_soon(to_a);
  a.run_forever();
  double dt = now_s() - t0;
  tb.join();
  std::printf("{\"workload\":\"driver\",\"mode\":\"threadsafe\",\"system\":\"corio\",\"driver\":\"%s\",\"n\":%ld,\"ns_per_hop\":%.1f}\n",
              a.driver_name(), hops, dt * 1e9 / (2.0 * static_cast<double>(hops)));
}

void reader_mode(long hops) {
  corio::EventLoop loop;
  int p1[2], p2[2];
  if (::pipe(p1) || ::pipe(p2)) std::abort();
  long count = 0;
  char c = 'x';
  loop.add_reader(p1[0], [&] {
    char x;
    if (::read(p1[0], &x, 1) != 1) std::abort();
    if (::write(p2[1], &x, 1) != 1) std::abort();
  });
  loop.add_reader(p2[0], [&] {
    char x;
    if (::read(p2[0], &x, 1) != 1) std::abort();
    if (++count >= hops) {
      loop.stop();
      return;
    }
    if (::write(p1[1], &x, 1) != 1) std::abort();
  });
  double t0 = now_s();
  if (::write(p1[1], &c, 1) != 1) std::abort();
  loop.run_forever();
  double dt = now_s() - t0;
  loop.remove_reader(p1[0]);
  loop.remove_reader(p2[0]);
  std::printf("{\"workload\":\"driver\",\"mode\":\"reader\",\"system\":\"corio\",\"driver\":\"%s\",\"n\":%ld,\"ns_per_hop\":%.1f}\n",
              loop.driver_name(), hops, dt * 1e9 / (2.0 * static_cast<double>(hops)));
}

}  // namespace

int main(int argc, char** argv) {
  long hops = argc > 1 ? std::atol(argv[1]) : 200000;
  threadsafe_mode(hops);
  reader_mode(hops);
}
