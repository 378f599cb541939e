// Seed 000, example 4 (the same code is seed 003, example 14, with its output):
// producer and consumer handing work to each other with send().
//
//   def consumer():
//       r = ''
//       while True:
//           n = yield r
//           if not n: return
//           print('[CONSUMER] Consuming %s...' % n)
//           r = '200 OK'
//   def produce(c):
//       c.send(None)
//       n = 0
//       while n < 5:
//           n = n + 1
//           print('[PRODUCER] Producing %s...' % n)
//           r = c.send(n)
//           print('[PRODUCER] Consumer return: %s' % r)
//       c.close()
//   c = consumer(); produce(c)
//
// Shows: a generator is a coroutine. send(None) starts it, send(n) switches to the
// consumer, which gets n out of its yield, works, and yields the answer back; close()
// ends it. No thread, no lock, no queue: "the whole flow is lock-free, in one thread".
#include <corio/corio.hpp>

#include <cstdio>
#include <optional>
#include <string>

#include "tour.hpp"

namespace seed000 {
namespace {

corio::Generator<std::string, int> consumer() {
  std::string r = "";
  while (true) {
    std::optional<int> n = co_yield r;  // n = yield r (nullopt is None)
    if (!n || *n == 0) co_return;       // if not n: return
    std::printf("[CONSUMER] Consuming %d...\n", *n);
    r = "200 OK";
  }
}

void produce(corio::Generator<std::string, int>& c) {
  c.send(std::nullopt);  // c.send(None): run to the first yield
  int n = 0;
  while (n < 5) {
    n = n + 1;
    std::printf("[PRODUCER] Producing %d...\n", n);
    std::string r = c.send(n);
    std::printf("[PRODUCER] Consumer return: %s\n", r.c_str());
  }
  c.close();  // GeneratorExit at the consumer's yield
}

}  // namespace

int producer_consumer_main() {
  auto c = consumer();
  produce(c);
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 4,
    .name = "producer_consumer",
    .title = "producer and consumer switch with c.send(n) (seeds 000 and 003)",
    .python = "def consumer(): ... n = yield r ...;  def produce(c): c.send(None); ... r = c.send(n) ...; c.close()",
    .shows = "send() passes a value into the paused generator and takes the next yielded one back: a coroutine",
    .run = &seed000::producer_consumer_main,
    .check =
        [](corio::tour::Check& c) {
          // Seed 003 prints this output.
          c.lines({
              "[PRODUCER] Producing 1...", "[CONSUMER] Consuming 1...", "[PRODUCER] Consumer return: 200 OK",
              "[PRODUCER] Producing 2...", "[CONSUMER] Consuming 2...", "[PRODUCER] Consumer return: 200 OK",
              "[PRODUCER] Producing 3...", "[CONSUMER] Consuming 3...", "[PRODUCER] Consumer return: 200 OK",
              "[PRODUCER] Producing 4...", "[CONSUMER] Consuming 4...", "[PRODUCER] Consumer return: 200 OK",
              "[PRODUCER] Producing 5...", "[CONSUMER] Consuming 5...", "[PRODUCER] Consumer return: 200 OK",
          });
        },
});
