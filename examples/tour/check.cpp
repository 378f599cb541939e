// The registry of stops and the invariants a finished stop is judged by.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <tuple>

#include "tour.hpp"

namespace corio::tour {

namespace {

std::vector<Stop>& registry() {
  static std::vector<Stop> all;
  return all;
}

bool whole_match(const std::string& text, std::string_view pattern, std::smatch* m = nullptr) {
  std::regex re{std::string(pattern)};
  std::smatch local;
  return std::regex_match(text, m ? *m : local, re);
}

std::string fmt(const char* f, double a, double b = 0, double c = 0) {
  char buf[160];
  std::snprintf(buf, sizeof buf, f, a, b, c);
  return buf;
}

}  // namespace

// ---- registry ----

std::string Stop::id() const { return std::string(seed) + "." + std::to_string(index); }
std::string Stop::full_name() const { return std::string(seed) + "_" + name; }

Registration::Registration(const Stop& s) {
  auto& all = registry();
  all.push_back(s);
  std::sort(all.begin(), all.end(), [](const Stop& a, const Stop& b) {
    return std::forward_as_tuple(std::string_view(a.seed), a.index) <
           std::forward_as_tuple(std::string_view(b.seed), b.index);
  });
}

const std::vector<Stop>& stops() { return registry(); }

// ---- Check ----

bool Check::expect(bool ok, std::string what) {
  if (!ok) failures_.push_back(std::move(what));
  return ok;
}

void Check::lines(std::initializer_list<std::string_view> expected) {
  std::size_t i = 0;
  for (std::string_view want : expected) {
    if (i >= t_.out.size()) {
      expect(false, "line " + std::to_string(i + 1) + ": expected \"" + std::string(want) + "\", got nothing");
      return;
    }
    const std::string& got = t_.out[i].text;
    if (!expect(got == want, "line " + std::to_string(i + 1) + ": expected \"" + std::string(want) +
                                 "\", got \"" + got + "\""))
      return;
    ++i;
  }
  expect(i == t_.out.size(), "expected " + std::to_string(expected.size()) + " lines, got " +
                                 std::to_string(t_.out.size()));
}

void Check::lines_match(std::initializer_list<std::string_view> patterns) {
  std::size_t i = 0;
  for (std::string_view p : patterns) {
    if (i >= t_.out.size()) {
      expect(false, "line " + std::to_string(i + 1) + ": expected /" + std::string(p) + "/, got nothing");
      return;
    }
    const std::string& got = t_.out[i].text;
    if (!expect(whole_match(got, p), "line " + std::to_string(i + 1) + ": expected /" + std::string(p) +
                                         "/, got \"" + got + "\""))
      return;
    ++i;
  }
  expect(i == t_.out.size(), "expected " + std::to_string(patterns.size()) + " lines, got " +
                                 std::to_string(t_.out.size()));
}

const Line* Check::find(std::string_view pattern) const {
  for (const Line& l : t_.out) {
    if (whole_match(l.text, pattern)) return &l;
  }
  return nullptr;
}

void Check::appears_at(std::string_view pattern, double lo, double hi) {
  const Line* l = find(pattern);
  if (!expect(l != nullptr, "no line matches /" + std::string(pattern) + "/")) return;
  expect(l->at >= lo && l->at <= hi,
         "\"" + l->text + "\"" + fmt(" appeared at +%.3f s, expected between %.2f and %.2f s", l->at, lo, hi));
}

void Check::number(std::string_view pattern, double lo, double hi) {
  for (const Line& l : t_.out) {
    std::smatch m;
    if (!whole_match(l.text, pattern, &m)) continue;
    double v = m.size() > 1 ? std::strtod(m[1].str().c_str(), nullptr) : 0;
    expect(v >= lo && v <= hi, "\"" + l.text + "\"" + fmt(": %g is not in [%.2f, %.2f]", v, lo, hi));
    return;
  }
  expect(false, "no line matches /" + std::string(pattern) + "/");
}

std::size_t Check::count(std::string_view pattern) const {
  return static_cast<std::size_t>(
      std::count_if(t_.out.begin(), t_.out.end(), [&](const Line& l) { return whole_match(l.text, pattern); }));
}

// ---- judge ----

std::vector<std::string> judge(const Stop& stop, const Transcript& t) {
  Check c(t);
  c.expect(t.error.empty(), "escaped exception: " + t.error);
  c.expect(t.status == 0, "returned " + std::to_string(t.status));
  if (!stop.allow_stderr) {
    for (const Line& l : t.err) c.expect(false, "stderr: " + l.text);
  }
  if (stop.expect_seconds >= 0) {
    // Timers never fire early; the upper bound leaves room for a loaded machine while
    // still telling "concurrent" (1 s) from "sequential" (2 s).
    double lo = stop.expect_seconds - 0.005, hi = stop.expect_seconds + 0.5;
    c.expect(t.seconds >= lo && t.seconds < hi,
             fmt("took %.3f s, the seed expects %.1f s", t.seconds, stop.expect_seconds) + " (" +
                 stop.expect_why + ")");
  }
  if (stop.check && t.error.empty()) stop.check(c);
  return c.failures();
}

}  // namespace corio::tour
