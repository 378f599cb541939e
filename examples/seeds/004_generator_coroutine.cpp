// Seed 004, example 8: a coroutine written as a generator ("value = yield").
//
//   def coroutine():
//       print("Coroutine started")
//       value = yield
//       print("Coroutine received:", value)
//   c = coroutine()
//   next(c)             # start the coroutine
//   c.send("Hello")     # send data into it
//
// Shows: next() runs the generator to its first yield, where it pauses; send() resumes
// it with a value, which becomes the value of the yield expression.
//
// As in Python, the send makes the generator return, so send() raises StopIteration
// (the seed's script ends there with that traceback); here it is caught and printed.
#include <corio/corio.hpp>

#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>

#include "tour.hpp"

namespace seed004 {
namespace {

corio::Generator<std::nullptr_t, std::string> coroutine() {
  std::printf("Coroutine started\n");
  std::optional<std::string> value = co_yield nullptr;  // value = yield
  std::printf("Coroutine received: %s\n", value ? value->c_str() : "None");
}

}  // namespace

int generator_coroutine_main() {
  auto c = coroutine();
  c.next();  // 启动协程: start the coroutine
  try {
    c.send("Hello");  // 发送数据给协程: send data into it
  } catch (const corio::StopIteration&) {
    std::printf("StopIteration\n");
  }
  return 0;
}

}  // namespace seed004

CORIO_TOUR_STOP({
    .seed = "004",
    .index = 8,
    .name = "generator_coroutine",
    .title = "value = yield: next(c) starts it, c.send('Hello') delivers a value",
    .python = "def coroutine(): print('Coroutine started'); value = yield; print('Coroutine received:', value)",
    .shows = "the generator pauses at yield; send() resumes it and becomes the yield's value",
    .run = &seed004::generator_coroutine_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"Coroutine started", "Coroutine received: Hello", "StopIteration"});
        },
});
