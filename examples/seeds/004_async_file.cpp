// Seed 004, section 一.2 item 3: asynchronous file reads and writes.
//
// The seed names the technique without code: "for file reads and writes, use an async
// I/O library such as aiofiles and await the I/O, so the program does not block". In
// Python that is:
//
//   async def write_lines(path):
//       async with aiofiles.open(path, "w") as f:
//           for i in range(1, 6):
//               await f.write(f"line {i}\n")
//
//   async def chunks(path, size):                     # seed 000's generator, async
//       async with aiofiles.open(path, "rb") as f:
//           while chunk := await f.read(size):
//               yield chunk
//
//   async def main():
//       await write_lines(path)
//       async for chunk in chunks(path, 16): print(chunk)
//       async with aiofiles.open(path) as f:
//           async for line in f: print(line, end="")
//       a, b = await asyncio.gather(count(exe, 1024), count(exe, 1024))
//
// Shows: the file is written and read back chunk by chunk with `await` (async with
// becomes an explicit close()), an async generator hands out the chunks (seed 000.2's
// generator, made asynchronous), lines come with `async for`, and two tasks read the
// same 1 MiB-plus program concurrently, 1024 bytes at a time, each with its own File.
//
// Differences: the file lives in a fresh temporary directory, removed at the end; the
// program reads itself (/proc/self/exe) as seed 000.2 does; bytes print as Python's
// repr. On io_uring every read is a kernel operation the loop waits for; on epoll a
// page-cached read is done at once on the loop thread and the rest go to worker threads.
#include <corio/corio.hpp>
#include <corio/fs/file.hpp>
#include <corio/fs/stat.hpp>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <utility>

#include "tour.hpp"

namespace seed004 {
namespace {

/// Python's repr of a bytes object.
std::string bytes_repr(const std::string& b) {
  std::string r = "b'";
  for (char ch : b) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      r += "\\n";
    } else if (c == '\\' || c == '\'') {
      r += '\\';
      r += ch;
    } else if (c >= 0x20 && c < 0x7f) {
      r += ch;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      r += hex;
    }
  }
  return r + "'";
}

corio::Coro<void> write_lines(std::string path) {
  corio::fs::File f = co_await corio::fs::open(path, "w");  // async with aiofiles.open(path, "w")
  for (int i = 1; i <= 5; ++i) co_await f.write("line " + std::to_string(i) + "\n");
  co_await f.close();
}

corio::AsyncGenerator<std::string> chunks(std::string path, std::ptrdiff_t size) {
  corio::fs::File f = co_await corio::fs::open(path, "rb");
  while (true) {
    std::string chunk = co_await f.read(size);
    if (chunk.empty()) break;
    co_yield std::move(chunk);
  }
  co_await f.close();
}

struct Count {
  std::size_t bytes = 0;
  std::size_t chunks = 0;
};

corio::Coro<Count> count(std::string path, std::ptrdiff_t size) {
  Count c;
  auto gen = chunks(std::move(path), size);
  while (auto chunk = co_await gen.next()) {
    c.bytes += chunk->size();
    ++c.chunks;
  }
  co_return c;
}

corio::Coro<void> main_coro(std::string path) {
  co_await write_lines(path);
  auto st = co_await corio::fs::stat(path);
  std::printf("wrote 5 lines (%lld bytes)\n", static_cast<long long>(st.st_size));

  auto gen = chunks(path, 16);
  while (auto chunk = co_await gen.next()) std::printf("%s (%zu bytes)\n", bytes_repr(*chunk).c_str(), chunk->size());

  corio::fs::File f = co_await corio::fs::open(path);
  auto lines = f.lines();
  while (auto line = co_await lines.next()) std::printf("%s", line->c_str());
  co_await f.close();

  const std::string exe = "/proc/self/exe";
  auto [a, b] = co_await corio::gather(count(exe, 1024), count(exe, 1024));
  auto size = (co_await corio::fs::stat(exe)).st_size;
  std::printf("task 1: %zu bytes in %zu chunks\n", a.bytes, a.chunks);
  std::printf("task 2: %zu bytes in %zu chunks\n", b.bytes, b.chunks);
  std::printf("stat: %lld bytes; both read it all: %s\n", static_cast<long long>(size),
              a.bytes == static_cast<std::size_t>(size) && b.bytes == a.bytes ? "True" : "False");
}

}  // namespace

int async_file_main() {
  char tmpl[] = "/tmp/corio-seed004-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  const std::string path = dir + "/seed004.txt";
  int status = 0;
  try {
    corio::run(main_coro(path));
  } catch (...) {
    status = 1;
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
    throw;
  }
  ::unlink(path.c_str());
  ::rmdir(dir.c_str());
  return status;
}

}  // namespace seed004

CORIO_TOUR_STOP({
    .seed = "004",
    .index = 12,
    .name = "async_file",
    .title = "async file reads and writes (aiofiles): write lines, read them back in chunks",
    .python = "async with aiofiles.open(p, 'w') as f: await f.write(...);  "
              "async with aiofiles.open(p, 'rb') as f: while chunk := await f.read(16): yield chunk",
    .shows = "file I/O awaited like any other: chunks from an async generator, async for over lines, "
             "two tasks reading one file concurrently",
    .run = &seed004::async_file_main,
    .check =
        [](corio::tour::Check& c) {
          c.lines_match({
              R"(wrote 5 lines \(35 bytes\))",
              R"(b'line 1\\nline 2\\nli' \(16 bytes\))",
              R"(b'ne 3\\nline 4\\nline' \(16 bytes\))",
              R"(b' 5\\n' \(3 bytes\))",
              "line 1", "line 2", "line 3", "line 4", "line 5",
              R"(task 1: \d+ bytes in \d+ chunks)",
              R"(task 2: \d+ bytes in \d+ chunks)",
              R"(stat: \d+ bytes; both read it all: True)",
          });
          const auto& out = c.transcript().out;
          if (out.size() == 12) {
            unsigned long bytes = 0, chunks = 0;
            c.expect(std::sscanf(out[9].text.c_str(), "task 1: %lu bytes in %lu chunks", &bytes, &chunks) == 2 &&
                         chunks == (bytes + 1023) / 1024,
                     "task 1 did not read 1024-byte chunks");
            c.expect(out[9].text.substr(6) == out[10].text.substr(6), "the two tasks read different amounts");
          }
        },
});
