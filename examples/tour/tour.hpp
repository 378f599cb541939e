// The tour: every example of the seeds as a "stop" that `corio tour` can run.
//
// An example file (examples/seeds/<seed>_<name>.cpp) defines `int <name>_main()` and
// registers it with one statement:
//
//   CORIO_TOUR_STOP({.seed = "000", .index = 1, .name = "yield_interleave",
//                    .title = "...", .python = "...", .shows = "...",
//                    .run = &yield_interleave_main, .check = &check});
//
// The runner calls `run` with the process's stdout and stderr captured through pipes:
// each line is echoed live, stamped with the time since the stop began, and recorded in
// a Transcript. The stop's `check` then states the seed's intent as invariants (exact
// lines, their order, when they appeared, numbers the example printed) and the runner
// adds the generic ones: `run` returned 0 and threw nothing, nothing was written to
// stderr (where the loop reports lost exceptions and never-awaited coroutines), and a
// timing stop took what the seed says, give or take scheduling noise.
//
// Registration is static, so the examples reach the corio command as a whole archive
// (examples/CMakeLists.txt); each example is also its own executable.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace corio::tour {

/// One line of output and when it arrived, in seconds since the stop began.
struct Line {
  std::string text;
  double at = 0;
};

/// Everything a stop did, as seen from outside.
struct Transcript {
  std::vector<Line> out;  // stdout, line by line
  std::vector<Line> err;  // stderr, line by line
  double seconds = 0;     // wall time of run()
  int status = 0;         // what run() returned
  std::string error;      // the exception that escaped run(), described; empty if none
};

/// What a stop's check states its invariants with. Every violated one is recorded.
class Check {
 public:
  explicit Check(const Transcript& t) : t_(t) {}

  const Transcript& transcript() const noexcept { return t_; }
  const std::vector<std::string>& failures() const noexcept { return failures_; }

  /// Records `what` as a failure unless `ok`; returns ok.
  bool expect(bool ok, std::string what);
  /// stdout is exactly these lines, in this order.
  void lines(std::initializer_list<std::string_view> expected);
  /// stdout has as many lines as patterns and each matches its pattern (ECMAScript
  /// regular expression, whole line).
  void lines_match(std::initializer_list<std::string_view> patterns);
  /// The first stdout line matching `pattern` appeared between lo and hi seconds.
  void appears_at(std::string_view pattern, double lo, double hi);
  /// The first stdout line matching `pattern` (one capture group holding a number)
  /// exists and its number lies in [lo, hi].
  void number(std::string_view pattern, double lo, double hi);
  /// How many stdout lines match `pattern`.
  std::size_t count(std::string_view pattern) const;

 private:
  const Line* find(std::string_view pattern) const;
  const Transcript& t_;
  std::vector<std::string> failures_;
};

/// A registered example.
struct Stop {
  const char* seed = "";    // "000" .. "004": the seed document it comes from
  int index = 0;            // its number in that seed (docs/seeds.md)
  const char* name = "";    // short name; the file is examples/seeds/<seed>_<name>.cpp
  const char* title = "";   // one line: what the example is
  const char* python = "";  // the seed's code it translates, abridged
  const char* shows = "";   // what it demonstrates
  /// What the seed says the example takes, in seconds; negative: not a timing stop.
  /// A timing stop must take between this and this + 0.5 s.
  double expect_seconds = -1;
  const char* expect_why = "";  // why it takes that long ("two 1 s sleeps overlap")
  int (*run)() = nullptr;
  void (*check)(Check&) = nullptr;
  bool allow_stderr = false;
  /// A runtime problem that makes this stop fail today (what and where it is reported).
  /// While set, a failing check is reported as KNOWN ISSUE and does not fail the tour;
  /// once the stop passes, the tour says so, and the field should go.
  const char* known_issue = nullptr;

  /// "000.1"
  std::string id() const;
  /// "000_yield_interleave", the file and executable name.
  std::string full_name() const;
};

/// Every registered stop, sorted by seed and index.
const std::vector<Stop>& stops();

/// Adds a stop to the registry; used through CORIO_TOUR_STOP.
struct Registration {
  explicit Registration(const Stop& s);
};

/// Runs one stop with its output captured (and echoed live when `echo`).
Transcript run_captured(const Stop& stop, bool echo);
/// The failures of a finished stop: its own check plus the generic invariants.
std::vector<std::string> judge(const Stop& stop, const Transcript& t);

/// `corio tour [--list] [--quick] [NAME...]`; returns the process exit code.
int tour_main(int argc, char** argv);
/// main() of a single-example executable: runs the registered stop (with --check, the
/// way the tour does).
int standalone_main(int argc, char** argv);

}  // namespace corio::tour

#define CORIO_TOUR_CAT2(a, b) a##b
#define CORIO_TOUR_CAT(a, b) CORIO_TOUR_CAT2(a, b)
/// Registers a stop: CORIO_TOUR_STOP({.seed = "000", .index = 1, ...});
#define CORIO_TOUR_STOP(...)                                                   \
  static const ::corio::tour::Registration CORIO_TOUR_CAT(corio_tour_stop_, \
                                                          __LINE__)(::corio::tour::Stop __VA_ARGS__)
