// Seed 000, example 3: one generator walks several iterables of different kinds.
//
//   astr = 'ABC'; alist = [1, 2, 3]; adict = {"name": "wangbm", "age": 18}
//   agen = (i for i in range(4, 8))
//   def test(*args, **kwargs):
//       for item in args:
//           for i in item:
//               yield i
//   gen = test(astr, alist, adict, agen)
//   a = list(gen)
//   for i in a: print(i)
//
// Shows: "turning iterables into one iterable": a string yields its characters, a list
// its elements, a dict its keys (in insertion order), a generator its values; list()
// drains the generator in one go. Prints A B C 1 2 3 name age 4 5 6 7.
//
// In C++ an item is a string or an int (std::variant), the dict keeps insertion order
// as Python's does, and test() takes its arguments as a pack, each turned into a
// generator of items.
#include <corio/corio.hpp>

#include <iostream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tour.hpp"

namespace seed000 {
namespace {

using Item = std::variant<std::string, int>;
using Dict = std::vector<std::pair<std::string, Item>>;  // a dict: ordered by insertion

// `for i in item` for each kind of argument.
corio::Generator<Item> iterate(std::string s) {
  for (char ch : s) co_yield std::string(1, ch);
}
corio::Generator<Item> iterate(std::vector<int> l) {
  for (int x : l) co_yield x;
}
corio::Generator<Item> iterate(Dict d) {
  for (auto& [key, value] : d) co_yield key;  // iterating a dict yields its keys
}
corio::Generator<Item> iterate(corio::Generator<int> g) {
  for (int x : g) co_yield x;
}

template <class... Args>
corio::Generator<Item> test(Args... args) {
  corio::Generator<Item> items[] = {iterate(std::move(args))...};
  for (auto& item : items) {
    for (auto& i : item) co_yield i;
  }
}

corio::Generator<int> range(int from, int to) {
  for (int i = from; i < to; ++i) co_yield i;
}

}  // namespace

int chain_iterables_main() {
  std::string astr = "ABC";
  std::vector<int> alist = {1, 2, 3};
  Dict adict = {{"name", "wangbm"}, {"age", 18}};
  corio::Generator<int> agen = range(4, 8);  // (i for i in range(4, 8))

  auto gen = test(astr, alist, adict, std::move(agen));
  std::vector<Item> a;  // a = list(gen)
  for (auto& i : gen) a.push_back(i);
  for (auto& i : a) {
    std::visit([](const auto& v) { std::cout << v << '\n'; }, i);
  }
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 3,
    .name = "chain_iterables",
    .title = "test(*args) yields from a str, a list, a dict and a generator",
    .python = "def test(*args): for item in args: for i in item: yield i;  a = list(test(astr, alist, adict, agen))",
    .shows = "one generator flattens iterables of any kind; list() drains it; dict keys keep insertion order",
    .run = &seed000::chain_iterables_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines({"A", "B", "C", "1", "2", "3", "name", "age", "4", "5", "6", "7"});
        },
});
