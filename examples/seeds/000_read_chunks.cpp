// Seed 000, example 2: a generator that reads a file in chunks of 1024 bytes.
//
//   def test():
//       with open("TTTT.exe", "rb") as f:
//           while True:
//               lineContent = f.read(1024)
//               if lineContent:
//                   print(lineContent)
//                   yield lineContent
//   gen = test()
//   print(next(gen)); print(next(gen)); print(next(gen))
//
// Shows: "with yield we no longer need to write an iterator class for reading a file":
// the generator's frame keeps the open file and its position between next() calls.
// Each chunk is printed twice, once inside the generator and once by the caller.
//
// Differences: the file is this program itself (/proc/self/exe) instead of TTTT.exe;
// a chunk is printed as Python's bytes repr cut to its first 16 bytes plus its length;
// the seed's loop spins forever at end of file (it never yields b'' nor breaks), this
// one returns there.
#include <corio/corio.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "tour.hpp"

namespace seed000 {
namespace {

/// Python's repr of a bytes object, abridged: b'\x7fELF\x02...' (1024 bytes)
std::string bytes_repr(const std::string& b, std::size_t keep = 16) {
  std::string r = "b'";
  for (std::size_t i = 0; i < b.size() && i < keep; ++i) {
    auto c = static_cast<unsigned char>(b[i]);
    if (c == '\\' || c == '\'') {
      r += '\\';
      r += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      r += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      r += hex;
    }
  }
  if (b.size() > keep) r += "...";
  return r + "' (" + std::to_string(b.size()) + " bytes)";
}

corio::Generator<std::string> test() {
  std::ifstream f("/proc/self/exe", std::ios::binary);  // with open(...) as f: closed with the frame
  while (true) {
    std::string lineContent(1024, '\0');
    f.read(lineContent.data(), static_cast<std::streamsize>(lineContent.size()));
    lineContent.resize(static_cast<std::size_t>(f.gcount()));
    if (!lineContent.empty()) {
      std::printf("%s\n", bytes_repr(lineContent).c_str());
      co_yield lineContent;
    } else {
      co_return;  // end of file
    }
  }
}

}  // namespace

int read_chunks_main() {
  auto gen = test();
  std::printf("%s\n", bytes_repr(gen.next()).c_str());
  std::printf("%s\n", bytes_repr(gen.next()).c_str());
  std::printf("%s\n", bytes_repr(gen.next()).c_str());
  return 0;
}

}  // namespace seed000

CORIO_TOUR_STOP({
    .seed = "000",
    .index = 2,
    .name = "read_chunks",
    .title = "a generator reads a file 1024 bytes at a time",
    .python = "def test(): with open('TTTT.exe','rb') as f: while True: c = f.read(1024); print(c); yield c",
    .shows = "the generator keeps the open file between next() calls; each chunk printed inside and by the caller",
    .run = &seed000::read_chunks_main,
    .check =
        [](corio::tour::Check& c) {
          const auto& out = c.transcript().out;
          c.lines_match({R"(b'\\x7fELF.*' \(1024 bytes\))", R"(b'\\x7fELF.*' \(1024 bytes\))",
                         R"(b'.*' \(1024 bytes\))", R"(b'.*' \(1024 bytes\))", R"(b'.*' \(1024 bytes\))",
                         R"(b'.*' \(1024 bytes\))"});
          if (out.size() == 6) {
            for (std::size_t i = 0; i < 6; i += 2) {
              c.expect(out[i].text == out[i + 1].text, "the caller printed another chunk than the generator");
            }
          }
        },
});
