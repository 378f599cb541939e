// corio: the command-line companion of the library.
//
//   corio tour [--list] [--quick] [NAME...]   the seeds' examples, one after another
//   corio fetch URL... [-c N] [-o DIR]        concurrent downloads with the HTTP client
//
// One subcommand per capability; adding one is a line in kCommands (scan, fetch, serve,
// ps and bench will join as the net, http and debug layers land).
#include <cstdio>
#include <cstring>

#include "fetch.hpp"
#include "scanner.hpp"
#include "serve.hpp"
#include "tour.hpp"

namespace {

struct Command {
  const char* name;
  const char* summary;
  int (*main)(int argc, char** argv);  // argv[0] is the subcommand's name
};

constexpr Command kCommands[] = {
    {"tour", "run the seeds' examples one after another, each checked against the seed",
     &corio::tour::tour_main},
    {"scan", "TCP connect scan of a host's ports (the seed's port scanner)", &corio::scan::scan_main},
    {"serve", "serve a directory's files over HTTP (or --hello: W6's handler)", &corio::serve::serve_main},
    {"fetch", "download URLs concurrently with the HTTP client, with a progress bar", &corio::fetch::fetch_main},
};

void usage(std::FILE* to) {
  std::fprintf(to, "usage: corio <command> [args]\n\ncommands:\n");
  for (const Command& c : kCommands) std::fprintf(to, "  %-8s %s\n", c.name, c.summary);
  std::fprintf(to, "\n`corio <command> --help` describes a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.main(argc - 1, argv + 1);
  }
  std::fprintf(stderr, "corio: unknown command %s\n\n", argv[1]);
  usage(stderr);
  return 2;
}
