// Seed 004, example 10: "write a coroutine library": a class wrapping a generator, with
// start / send / throw / join, and a main that drives two such coroutines.
//
//   class Coroutine:
//       def __init__(self, func): self.func = func; self.queue = queue.Queue()
//       def start(self): self._step()
//       def _step(self, value=None, exc=None):
//           try:
//               if exc: result = self.func.throw(exc)
//               else:   result = self.func.send(value)
//               if isinstance(result, Coroutine):
//                   result.queue = self.queue; result._step()
//               else:
//                   self.queue.put(result)
//           except StopIteration as e: self.queue.put(e.value)
//           except Exception as e:     self.queue.put(e)
//           finally:
//               if not self.queue.empty(): self.queue.get_nowait()._step()
//       def send(self, value=None): self._step(value)
//       def throw(self, exc): self._step(exc=exc)
//       def join(self): return self.queue.get()
//
//   def coroutine1():
//       while True:
//           value = yield "coroutine1"
//           print("coroutine1 received:", value)
//   (coroutine2 alike)
//   def main():
//       coro1 = Coroutine(coroutine1()); coro2 = Coroutine(coroutine2())
//       coro1.start(); coro2.start()
//       for i in range(5):
//           print("Sending value:", i)
//           result1 = coro1.join(); print("Result from coroutine1:", result1)
//           result2 = coro2.join(); print("Result from coroutine2:", result2)
//
// Shows: the generator is the coroutine and the class is its driver: send() resumes it
// with a value, throw() raises inside it, and what it yields, returns (StopIteration)
// or raises comes out of join(); a generator that yields another Coroutine hands
// control to it. "They keep receiving values and printing them."
//
// The seed's code does not run as written, and this translation repairs it:
//  - the `finally` clause takes the next item out of the result queue and calls
//    _step() on it: start() queues the string "coroutine1" and at once fails with
//    AttributeError: 'str' object has no attribute '_step'. The clause is dropped.
//  - main() prints "Sending value: i" but never sends, so the coroutines would never
//    print "received" and the second join() would block forever. Here each round sends
//    i after taking the result.
//  - join() on an empty queue blocks forever in the seed (queue.get() in one thread);
//    here it raises.
// Beyond the seed, the end shows throw() and a finished generator: the error, then
// None (StopIteration's value), come out of join().
#include <corio/corio.hpp>

#include <cstdio>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "tour.hpp"

namespace seed004 {
namespace {

class Coroutine;
/// What a wrapped generator yields: a value, or another Coroutine to hand control to.
using Yielded = std::variant<std::string, Coroutine*>;
/// What join() returns: a yielded value, None (the generator returned) or an error.
using Result = std::variant<std::string, std::monostate, std::exception_ptr>;

class Coroutine {
 public:
  using Func = corio::Generator<Yielded, int>;

  explicit Coroutine(Func func) : func_(std::move(func)), queue_(std::make_shared<std::deque<Result>>()) {}

  void start() { step(); }
  void send(std::optional<int> value = std::nullopt) { step(value); }
  void throw_(std::exception_ptr exc) { step(std::nullopt, std::move(exc)); }
  Result join() {
    if (queue_->empty()) throw corio::RuntimeError("join(): nothing queued, it would wait forever");
    Result r = std::move(queue_->front());
    queue_->pop_front();
    return r;
  }

 private:
  void step(std::optional<int> value = std::nullopt, std::exception_ptr exc = nullptr) {
    try {
      Yielded result = exc ? func_.throw_(exc) : func_.send(value);
      if (auto* sub = std::get_if<Coroutine*>(&result)) {
        (*sub)->queue_ = queue_;
        (*sub)->step();
      } else {
        queue_->push_back(std::get<std::string>(std::move(result)));
      }
    } catch (const corio::StopIteration&) {
      queue_->push_back(std::monostate{});  // e.value: the generator returned None
    } catch (const std::exception&) {
      queue_->push_back(std::current_exception());
    }
  }

  Func func_;
  std::shared_ptr<std::deque<Result>> queue_;
};

/// print()'s rendering of a result.
std::string str(const Result& r) {
  if (auto* s = std::get_if<std::string>(&r)) return *s;
  if (std::holds_alternative<std::monostate>(r)) return "None";
  try {
    std::rethrow_exception(std::get<std::exception_ptr>(r));
  } catch (const std::exception& e) {
    return std::string("Exception('") + e.what() + "')";
  }
}

Coroutine::Func coroutine1() {
  while (true) {
    std::optional<int> value = co_yield std::string("coroutine1");
    std::printf("coroutine1 received: %s\n", value ? std::to_string(*value).c_str() : "None");
  }
}

Coroutine::Func coroutine2() {
  while (true) {
    std::optional<int> value = co_yield std::string("coroutine2");
    std::printf("coroutine2 received: %s\n", value ? std::to_string(*value).c_str() : "None");
  }
}

}  // namespace

int coroutine_library_main() {
  Coroutine coro1(coroutine1());
  Coroutine coro2(coroutine2());

  coro1.start();
  coro2.start();

  for (int i = 0; i < 5; ++i) {
    std::printf("Sending value: %d\n", i);
    Result result1 = coro1.join();
    std::printf("Result from coroutine1: %s\n", str(result1).c_str());
    coro1.send(i);
    Result result2 = coro2.join();
    std::printf("Result from coroutine2: %s\n", str(result2).c_str());
    coro2.send(i);
  }

  // Beyond the seed: throw() raises inside coroutine1, which does not catch it, so the
  // error is its result; after that the generator is finished and send() yields None.
  std::printf("Result from coroutine1: %s\n", str(coro1.join()).c_str());
  coro1.throw_(std::make_exception_ptr(corio::Error("enough")));
  std::printf("Result from coroutine1: %s\n", str(coro1.join()).c_str());
  coro1.send(5);
  std::printf("Result from coroutine1: %s\n", str(coro1.join()).c_str());
  return 0;
}

}  // namespace seed004

CORIO_TOUR_STOP({
    .seed = "004",
    .index = 10,
    .name = "coroutine_library",
    .title = "a Coroutine class driving generators with send/throw/join (repaired)",
    .python = "class Coroutine: start/_step/send/throw/join over self.func.send(value) / self.func.throw(exc)",
    .shows = "a generator is a coroutine its driver resumes with send() and interrupts with throw(); "
             "yields, returns and errors come back through join()",
    .run = &seed004::coroutine_library_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({
              "Sending value: 0", "Result from coroutine1: coroutine1", "coroutine1 received: 0",
              "Result from coroutine2: coroutine2", "coroutine2 received: 0",  //
              "Sending value: 1", "Result from coroutine1: coroutine1", "coroutine1 received: 1",
              "Result from coroutine2: coroutine2", "coroutine2 received: 1",  //
              "Sending value: 2", "Result from coroutine1: coroutine1", "coroutine1 received: 2",
              "Result from coroutine2: coroutine2", "coroutine2 received: 2",  //
              "Sending value: 3", "Result from coroutine1: coroutine1", "coroutine1 received: 3",
              "Result from coroutine2: coroutine2", "coroutine2 received: 3",  //
              "Sending value: 4", "Result from coroutine1: coroutine1", "coroutine1 received: 4",
              "Result from coroutine2: coroutine2", "coroutine2 received: 4",  //
              "Result from coroutine1: coroutine1",
              "Result from coroutine1: Exception('enough')",
              "Result from coroutine1: None",
          });
        },
});
