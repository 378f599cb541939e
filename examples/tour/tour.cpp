// `corio tour`: runs the registered stops one after another and judges each one.
#include "tour.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace corio::tour {

namespace {

struct SeedInfo {
  const char* id;
  const char* title;
};
// The five seed documents (docs/seeds.md).
constexpr SeedInfo kSeeds[] = {
    {"000", "关于协程,yield,多线程,GIL,异步 (coroutines, yield, threads, the GIL, async)"},
    {"001", "并发编程与异步IO-Python (concurrent programming and async IO)"},
    {"002", "Python进阶之协程详解 (coroutines in depth)"},
    {"003", "[记录]Python高并发编程 (notes on high-concurrency programming)"},
    {"004", "【Python】协程以及多进程+协程的使用 (coroutines, and processes full of coroutines)"},
};

const char* seed_title(const char* id) {
  for (const SeedInfo& s : kSeeds) {
    if (std::strcmp(s.id, id) == 0) return s.title;
  }
  return "";
}

void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: corio tour [--list] [--quick] [NAME...]\n"
               "\n"
               "Runs the examples of the seed documents, translated to corio, one after another:\n"
               "for each, what it translates and shows, its output (each line stamped with the\n"
               "time since the example began), how long it took against what the seed expects,\n"
               "and whether its output holds the seed's invariants.\n"
               "\n"
               "  NAME      run only these stops: an id (000.1), a name (yield_interleave),\n"
               "            a file name (000_yield_interleave) or a whole seed (000)\n"
               "  --list    list the stops and exit\n"
               "  --quick   one line per stop; the output is shown only when a check fails\n"
               "\n"
               "Exit status: 0 when every stop ran and held its invariants, 1 otherwise. A stop\n"
               "that fails because of a known runtime issue is reported as KNOWN and does not\n"
               "change the exit status.\n");
}

bool selected(const Stop& s, const std::vector<std::string>& names) {
  if (names.empty()) return true;
  for (const std::string& n : names) {
    if (n == s.id() || n == s.name || n == s.full_name() || n == s.seed) return true;
  }
  return false;
}

void list(const std::vector<const Stop*>& chosen) {
  const char* seed = "";
  for (const Stop* s : chosen) {
    if (std::strcmp(seed, s->seed) != 0) {
      seed = s->seed;
      std::printf("seed %s: %s\n", seed, seed_title(seed));
    }
    std::printf("  %-6s %-28s %s\n", s->id().c_str(), s->name, s->title);
  }
}

void print_header(const Stop& s) {
  std::printf("\n== %s  %s: %s\n", s.id().c_str(), s.name, s.title);
  std::printf("   python: %s\n", s.python);
  std::printf("   shows:  %s\n", s.shows);
  std::fflush(stdout);
}

enum class Verdict { Ok, Failed, Known, Fixed };

Verdict verdict_of(const Stop& s, const std::vector<std::string>& failures) {
  if (failures.empty()) return s.known_issue ? Verdict::Fixed : Verdict::Ok;
  return s.known_issue ? Verdict::Known : Verdict::Failed;
}

const char* verdict_word(Verdict v) {
  switch (v) {
    case Verdict::Ok: return "ok";
    case Verdict::Failed: return "FAIL";
    case Verdict::Known: return "KNOWN";
    case Verdict::Fixed: return "FIXED";
  }
  return "?";
}

void print_verdict(const Stop& s, const Transcript& t, const std::vector<std::string>& failures) {
  if (s.expect_seconds >= 0) {
    std::printf("   time:   %.3f s; the seed expects ~%g s (%s)\n", t.seconds, s.expect_seconds, s.expect_why);
  } else {
    std::printf("   time:   %.3f s\n", t.seconds);
  }
  Verdict v = verdict_of(s, failures);
  if (v == Verdict::Ok) std::printf("   check:  ok\n");
  if (v == Verdict::Fixed) std::printf("   check:  ok, and the known issue is gone: drop .known_issue (%s)\n", s.known_issue);
  const char* tag = v == Verdict::Known ? "KNOWN:  " : "FAIL:   ";
  for (const std::string& f : failures) std::printf("   %s%s\n", tag, f.c_str());
  if (v == Verdict::Known) std::printf("   known runtime issue, not counted as a failure: %s\n", s.known_issue);
}

void print_transcript(const Transcript& t) {
  for (const Line& l : t.out) std::printf("  +%.3fs | %s\n", l.at, l.text.c_str());
  for (const Line& l : t.err) std::printf("  +%.3fs ! %s\n", l.at, l.text.c_str());
}

}  // namespace

int tour_main(int argc, char** argv) {
  bool quick = false, show_list = false;
  std::vector<std::string> names;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--list") {
      show_list = true;
    } else if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "corio tour: unknown option %s\n", a.c_str());
      usage(stderr);
      return 2;
    } else {
      names.push_back(a);
    }
  }
  std::vector<const Stop*> chosen;
  for (const Stop& s : stops()) {
    if (selected(s, names)) chosen.push_back(&s);
  }
  for (const std::string& n : names) {
    bool any = false;
    for (const Stop* s : chosen) any = any || selected(*s, {n});
    if (!any) {
      std::fprintf(stderr, "corio tour: no stop named %s (corio tour --list)\n", n.c_str());
      return 2;
    }
  }
  if (show_list) {
    list(chosen);
    return 0;
  }

  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int failed = 0, known = 0;
  double total = 0, expected = 0;
  const char* seed = "";
  for (const Stop* s : chosen) {
    if (!quick && std::strcmp(seed, s->seed) != 0) {
      seed = s->seed;
      std::printf("\n######## seed %s: %s\n", seed, seed_title(seed));
    }
    if (!quick) print_header(*s);
    Transcript t = run_captured(*s, !quick);
    std::vector<std::string> failures = judge(*s, t);
    total += t.seconds;
    if (s->expect_seconds > 0) expected += s->expect_seconds;
    Verdict v = verdict_of(*s, failures);
    if (v == Verdict::Failed) ++failed;
    if (v == Verdict::Known) ++known;
    if (quick) {
      std::printf("%-5s  %-6s %-28s %7.3f s\n", verdict_word(v), s->id().c_str(), s->name, t.seconds);
      if (v != Verdict::Ok) {
        print_transcript(t);
        print_verdict(*s, t, failures);
      }
    } else {
      print_verdict(*s, t, failures);
    }
  }
  std::printf("\n== tour: %zu stops, %zu ok, %d failed, %d known runtime issues; %.2f s in all "
              "(the seeds' sleeps add up to %g s)\n",
              chosen.size(), chosen.size() - static_cast<std::size_t>(failed + known), failed, known, total,
              expected);
  return failed ? 1 : 0;
}

int standalone_main(int argc, char** argv) {
  bool check = argc > 1 && std::strcmp(argv[1], "--check") == 0;
  if (argc > 1 && !check) {
    std::printf("usage: %s [--check]\n\nRuns one example of the seeds (corio tour --list shows them all);\n"
                "with --check, the way `corio tour` does: output captured and judged.\n",
                argv[0]);
    return std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0 ? 0 : 2;
  }
  if (check) {
    char* args[] = {argv[0], nullptr};
    return tour_main(1, args);
  }
  int rc = 0;
  for (const Stop& s : stops()) rc |= s.run();
  return rc;
}

}  // namespace corio::tour
