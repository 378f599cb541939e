// W12 file-read: read a page-cached file (1 GiB in BENCH.md) in 1 MiB chunks with
// corio::fs, and print one JSON line (GB/s, decimal, like dd).
//
// usage: w12_file_read PATH [uring|epoll|epoll-pool] [read|readinto] [CHUNK_KIB=1024]
//
//   uring       the io_uring driver: every chunk is an io_uring read
//   epoll       the epoll driver: page-cached chunks are read on the loop thread with
//               preadv2(RWF_NOWAIT); others would go to the worker pool
//   epoll-pool  the epoll driver with RWF_NOWAIT off (CORIO_FS_NOWAIT=0): every chunk
//               goes through the worker pool, as every aiofiles read does
//   read        `co_await f.read(chunk)`: a new std::string per chunk (aiofiles' read)
//   readinto    `co_await f.readinto(buf)`: one page-aligned buffer reused (dd's way)
//
// Timed: open, the reads to EOF, close. The file must exist and should be in the page
// cache (`cat PATH > /dev/null` first); the size read is reported and checked against
// stat. A cheap checksum (the first 8 bytes of every chunk) keeps the data observed.
#include <corio/corio.hpp>
#include <corio/fs/file.hpp>
#include <corio/fs/stat.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>

#include "bench_common.hpp"

namespace {

struct Result {
  std::uint64_t bytes = 0;
  std::uint64_t chunks = 0;
  std::uint64_t checksum = 0;
  std::int64_t size = 0;
  double ns = 0;
};

std::uint64_t head8(const char* p, std::size_t n) {
  std::uint64_t v = 0;
  std::memcpy(&v, p, n < 8 ? n : 8);
  return v;
}

corio::Coro<Result> read_all(std::string path, bool into, std::size_t chunk) {
  Result r;
  r.size = (co_await corio::fs::stat(path)).st_size;
  // Page-aligned, as dd's buffer: the kernel's copy to a destination 16 bytes off a
  // 64-byte boundary measured ~20% slower here (std::string's buffer is malloc's).
  const std::size_t cap = (chunk + 4095) / 4096 * 4096;
  std::unique_ptr<char, decltype(&std::free)> mem(into ? static_cast<char*>(std::aligned_alloc(4096, cap)) : nullptr,
                                                  &std::free);
  std::span<char> buf(mem.get(), into ? chunk : 0);
  auto t0 = bench::Clock::now();
  corio::fs::File f = co_await corio::fs::open(path, "rb");
  for (;;) {
    std::size_t n;
    if (into) {
      n = co_await f.readinto(buf);
      if (n) r.checksum ^= head8(mem.get(), n);
    } else {
      std::string data = co_await f.read(static_cast<std::ptrdiff_t>(chunk));
      n = data.size();
      if (n) r.checksum ^= head8(data.data(), n);
    }
    if (n == 0) break;
    r.bytes += n;
    ++r.chunks;
  }
  co_await f.close();
  r.ns = bench::ns_since(t0);
  co_return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s PATH [uring|epoll|epoll-pool] [read|readinto] [CHUNK_KIB]\n", argv[0]);
    return 2;
  }
  const std::string path = argv[1];
  const std::string mode = argc > 2 ? argv[2] : "uring";
  const std::string api = argc > 3 ? argv[3] : "read";
  const std::size_t chunk = static_cast<std::size_t>(bench::arg_count(argc, argv, 4, 1024)) * 1024;
  if ((mode != "uring" && mode != "epoll" && mode != "epoll-pool") || (api != "read" && api != "readinto")) {
    std::fprintf(stderr, "bad mode '%s' or api '%s'\n", mode.c_str(), api.c_str());
    return 2;
  }
  if (std::getenv("CORIO_DRIVER")) {
    std::fprintf(stderr, "w12_file_read: unset CORIO_DRIVER; the mode argument picks the driver\n");
    return 2;
  }
  if (mode == "epoll-pool") ::setenv("CORIO_FS_NOWAIT", "0", 1);

  corio::LoopOptions opts;
  opts.driver = mode == "uring" ? corio::LoopOptions::Driver::Uring : corio::LoopOptions::Driver::Epoll;
  corio::EventLoop loop(opts);
  const std::string driver = loop.driver_name();
  Result r;
  try {
    r = loop.run_until_complete(read_all(path, api == "readinto", chunk));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "w12_file_read: %s\n", e.what());
    return 1;
  }
  loop.close();
  if (static_cast<std::int64_t>(r.bytes) != r.size) {
    std::fprintf(stderr, "w12_file_read: read %llu bytes of %lld\n", static_cast<unsigned long long>(r.bytes),
                 static_cast<long long>(r.size));
    return 1;
  }
  const double seconds = r.ns / 1e9;
  bench::Json j("w12");
  j.str("driver", driver)
      .str("mode", mode)
      .str("api", api)
      .str("path", path)
      .integer("bytes", static_cast<long long>(r.bytes))
      .integer("chunk", static_cast<long long>(chunk))
      .integer("chunks", static_cast<long long>(r.chunks))
      .num("seconds", seconds)
      .num("bytes_per_s", static_cast<double>(r.bytes) / seconds)
      .num("gb_per_s", static_cast<double>(r.bytes) / seconds / 1e9)
      .num("gib_per_s", static_cast<double>(r.bytes) / seconds / (1024.0 * 1024 * 1024))
      .str("checksum", std::to_string(r.checksum))
      .str("compiler", bench::compiler())
      .print();
  return 0;
}
