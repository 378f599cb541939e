// Helpers shared by the corio macro benchmarks: a monotonic clock, /proc/self/status
// memory figures and the one-line JSON result every benchmark prints (the same shape
// as the Python peers in bench/peers/python/, collected by bench/run.py).
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace bench {

using Clock = std::chrono::steady_clock;

inline double ns_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

/// A "kB" field of /proc/self/status (VmRSS, VmHWM, ...) in KiB; -1 if absent.
inline long proc_status_kib(const char* field) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long value = -1;
  const std::size_t len = std::strlen(field);
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, field, len) == 0 && line[len] == ':') {
      value = std::strtol(line + len + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return value;
}

/// Parses argv[i] as a positive count, or returns `fallback` when absent.
inline long arg_count(int argc, char** argv, int i, long fallback) {
  if (argc <= i) return fallback;
  char* end = nullptr;
  long v = std::strtol(argv[i], &end, 10);
  if (!end || *end || v <= 0) {
    std::fprintf(stderr, "bad count '%s'\n", argv[i]);
    std::exit(2);
  }
  return v;
}

inline std::string compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "g++ " __VERSION__;
#else
  return "unknown compiler";
#endif
}

/// Builds the JSON line field by field: `Json j("w1"); j.num("n", 5); j.print();`.
class Json {
 public:
  explicit Json(const char* workload, const char* system = "corio") {
    str("workload", workload);
    str("system", system);
  }
  Json& str(const char* key, const std::string& v) {
    sep();
    out_ += '"';
    out_ += key;
    out_ += "\":\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out_ += '\\';
      out_ += c;
    }
    out_ += '"';
    return *this;
  }
  Json& num(const char* key, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    sep();
    out_ += '"';
    out_ += key;
    out_ += "\":";
    out_ += buf;
    return *this;
  }
  Json& integer(const char* key, long long v) {
    sep();
    out_ += '"';
    out_ += key;
    out_ += "\":";
    out_ += std::to_string(v);
    return *this;
  }
  Json& boolean(const char* key, bool v) {
    sep();
    out_ += '"';
    out_ += key;
    out_ += "\":";
    out_ += v ? "true" : "false";
    return *this;
  }
  void print() const {
    std::printf("{%s}\n", out_.c_str());
    std::fflush(stdout);
  }

 private:
  void sep() {
    if (!out_.empty()) out_ += ", ";
  }
  std::string out_;
};

}  // namespace bench
