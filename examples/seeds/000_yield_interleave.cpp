// Seed 000, example 1 (also seed 003, example 13): two functions A and B that should
// print "1 2 x y 3 z" between them.
//
//   def A(): print('1'); yield None; print('2'); yield None; print('3')
//   def B(): print('x'); yield None; print('y'); yield None; print('z')
//   genA = A(); genB = B()
//   next(genA); next(genA); next(genB); next(genB)
//   try: next(genA)
//   except StopIteration as e: pass        # e.value holds the return value
//   try: next(genB)
//   except StopIteration as e: pass
//
// Shows: a generator stops at each yield and keeps its state, so the caller decides who
// runs next; two of them interleave in one thread with no threads and no locks. This is
// the seed's first step from generators towards coroutines.
#include <corio/corio.hpp>

#include <cstddef>
#include <cstdio>

#include "tour.hpp"

namespace seed000 {
namespace {

corio::Generator<std::nullptr_t> A() {
  std::printf("1\n");
  co_yield nullptr;  // yield None
  std::printf("2\n");
  co_yield nullptr;
  std::printf("3\n");
}

corio::Generator<std::nullptr_t> B() {
  std::printf("x\n");
  co_yield nullptr;
  std::printf("y\n");
  co_yield nullptr;
  std::printf("z\n");
}

}  // namespace

int yield_interleave_main() {
  auto genA = A();
  auto genB = B();
  genA.next();
  genA.next();
  genB.next();
  genB.next();
  // A generator that returns raises StopIteration; what it returned is then in
  // return_value() (Python's StopIteration.value).
  try {
    genA.next();
  } catch (const corio::StopIteration&) {
  }
  try {
    genB.next();
  } catch (const corio::StopIteration&) {
  }
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 1,
    .name = "yield_interleave",
    .title = "two generators stepped by hand print 1 2 x y 3 z",
    .python = "genA = A(); genB = B(); next(genA); next(genA); next(genB); next(genB); next(genA) -> StopIteration ...",
    .shows = "a generator pauses at each yield and keeps its state: the caller interleaves A and B in one thread",
    .run = &seed000::yield_interleave_main,
    .check = [](corio::tour::Check& c) { c.lines({"1", "2", "x", "y", "3", "z"}); },
});
