// `corio fetch URL... [-c N] [-o DIR] [-q]`: downloads every URL with at most N
// connections at once (the ClientSession's TCPConnector limit), streaming each body to
// DIR/<last path segment> in 64 KiB pieces, with a progress bar on stderr (redrawn at
// most ten times a second, only when stderr is a terminal unless --progress). Exit status
// 0 when every download succeeded, 1 otherwise (each failure is named on stderr).
#include "fetch.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <corio/corio.hpp>
#include <corio/http/client.hpp>

namespace corio::fetch {

namespace {

struct Progress {
  std::size_t files = 0, done = 0, failed = 0;
  std::size_t bytes = 0, expected = 0;  // expected: the sum of the Content-Lengths seen
  bool show = false;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), drawn{};

  void draw(bool force = false) {
    if (!show) return;
    auto now = std::chrono::steady_clock::now();
    if (!force && now - drawn < std::chrono::milliseconds(100)) return;
    drawn = now;
    double secs = std::chrono::duration<double>(now - start).count();
    double fraction = files == 0 ? 1.0 : static_cast<double>(done + failed) / static_cast<double>(files);
    if (expected > 0 && done + failed < files) fraction = std::min(1.0, static_cast<double>(bytes) / static_cast<double>(expected));
    int filled = static_cast<int>(fraction * 30);
    std::fprintf(stderr, "\r[%.*s%.*s] %zu/%zu files  %.1f MiB  %.1f MiB/s ", filled,
                 "##############################", 30 - filled, "------------------------------", done, files,
                 static_cast<double>(bytes) / (1 << 20), secs > 0 ? static_cast<double>(bytes) / (1 << 20) / secs : 0.0);
    std::fflush(stderr);
  }
};

std::string file_name_for(const http::URL& url) {
  std::string path = url.path();
  std::string name = path.substr(path.rfind('/') + 1);
  return name.empty() ? "index.html" : name;
}

Coro<void> download(http::ClientSession& session, std::string url, std::filesystem::path dir, Progress& p) {
  try {
    auto resp = co_await session.get(url);
    resp.raise_for_status();
    if (auto n = resp.content_length()) p.expected += *n;
    std::filesystem::path target = dir / file_name_for(resp.url());
    std::ofstream out(target, std::ios::binary);
    if (!out) throw std::runtime_error("cannot write " + target.string());
    for (;;) {
      std::string chunk = co_await resp.content().read(64 * 1024);
      if (chunk.empty()) break;
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      p.bytes += chunk.size();
      p.draw();
    }
    ++p.done;
  } catch (const std::exception& e) {
    ++p.failed;
    if (p.show) std::fprintf(stderr, "\n");
    std::fprintf(stderr, "corio fetch: %s: %s\n", url.c_str(), e.what());
  }
  p.draw();
}

Coro<void> fetch_all(std::vector<std::string> urls, std::size_t concurrency, std::filesystem::path dir, Progress& p) {
  http::ClientSession session({.connector = http::TCPConnector({.limit = concurrency})});
  std::vector<Coro<void>> downloads;
  for (const auto& url : urls) downloads.push_back(download(session, url, dir, p));
  co_await gather(std::move(downloads));
  co_await session.close();
}

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: corio fetch URL... [-c N] [-o DIR] [-q] [--progress]\n"
               "  download the URLs concurrently (at most N connections, default 10) into DIR\n"
               "  (default: the current directory), each to the last segment of its path\n");
}

}  // namespace

int fetch_main(int argc, char** argv) {
  std::vector<std::string> urls;
  std::size_t concurrency = 10;
  std::filesystem::path dir = ".";
  bool quiet = false, force_progress = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "-c" || a == "--concurrency") && i + 1 < argc) {
      concurrency = static_cast<std::size_t>(std::strtoul(argv[++i], nullptr, 10));
    } else if ((a == "-o" || a == "--output") && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "-q" || a == "--quiet") {
      quiet = true;
    } else if (a == "--progress") {
      force_progress = true;
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "corio fetch: unknown option %s\n", a.c_str());
      usage(stderr);
      return 2;
    } else {
      urls.push_back(a);
    }
  }
  if (urls.empty() || concurrency == 0) {
    usage(stderr);
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  Progress p;
  p.files = urls.size();
  p.show = !quiet && (force_progress || ::isatty(STDERR_FILENO) != 0);
  corio::run(fetch_all(urls, concurrency, dir, p));
  p.draw(true);
  if (p.show) std::fprintf(stderr, "\n");
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.start).count();
  if (!quiet) {
    std::printf("%zu of %zu downloaded, %zu bytes in %.3f s\n", p.done, p.files, p.bytes, secs);
  }
  return p.failed == 0 ? 0 : 1;
}

}  // namespace corio::fetch
