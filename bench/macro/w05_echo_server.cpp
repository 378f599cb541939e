// W5 echo: a TCP echo server written the way a corio user would write it, for the load
// generator w05_echo_client (bench/run.py runs the pair; see BENCH.md W5).
//
// usage: w05_echo_server streams|protocol PORT [LOOPS=1]
//
//   streams    start_server + a task per connection: `read(65536)`, `write`, `drain`
//              (the asyncio documentation's echo server, as in the asyncio peer)
//   protocol   create_server + a Protocol whose data_received writes the data back
//              (asyncio's Protocol echo server)
//   LOOPS      1: one loop (corio::run). N > 1: serve_multicore(N, ...), a
//              SO_REUSEPORT listener per loop, each loop on its own thread.
//
// Listens on 127.0.0.1:PORT (0: any free port), then prints one JSON line with the
// port and the pid, and serves until SIGTERM or SIGINT. CPU time is read by the client
// from /proc/PID/stat.
#include <corio/corio.hpp>
#include <corio/exec/multi_loop.hpp>
#include <corio/net/create_connection.hpp>
#include <corio/net/server.hpp>
#include <corio/net/streams.hpp>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "bench_common.hpp"

namespace {

corio::Coro<void> handle_echo(corio::StreamReader reader, corio::StreamWriter writer) {
  while (true) {
    std::string data = co_await reader.read(65536);
    if (data.empty()) break;
    writer.write(data);
    co_await writer.drain();
  }
  writer.close();
}

struct Echo : corio::Protocol {
  corio::Transport* transport = nullptr;
  void connection_made(corio::Transport& t) override { transport = &t; }
  void data_received(std::string_view data) override { transport->write(data); }
  void connection_lost(std::exception_ptr) override { transport = nullptr; }
};

std::atomic<long> listening{0};

void ready(const std::string& mode, long loops, std::uint16_t port) {
  bench::Json("w05")
      .str("impl", "corio " + mode + " (" + bench::compiler() + ", " +
                       corio::get_running_loop().driver_name() + (loops > 1 ? ", " + std::to_string(loops) + " loops" : "") + ")")
      .str("mode", mode)
      .integer("loops", loops)
      .integer("port", port)
      .integer("pid", ::getpid())
      .print();
}

corio::Coro<void> serve(std::string mode, std::uint16_t port, long loops) {
  corio::ServerOptions opts;
  opts.reuse_port = loops > 1;
  opts.backlog = 1024;
  corio::Server server;
  if (mode == "streams") {
    server = co_await corio::start_server(handle_echo, "127.0.0.1", port, opts);
  } else {
    server = co_await corio::create_server([] { return std::make_shared<Echo>(); }, "127.0.0.1", port, opts);
  }
  if (++listening == loops) ready(mode, loops, server.sockets()[0].getsockname().port());
  co_await server.serve_forever();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || (std::strcmp(argv[1], "streams") != 0 && std::strcmp(argv[1], "protocol") != 0)) {
    std::fprintf(stderr, "usage: w05_echo_server streams|protocol PORT [LOOPS=1]\n");
    return 2;
  }
  const std::string mode = argv[1];
  const auto port = static_cast<std::uint16_t>(std::atoi(argv[2]));
  const long loops = bench::arg_count(argc, argv, 3, 1);
  if (loops > 1 && port == 0) {
    std::fprintf(stderr, "w05_echo_server: several loops need a fixed PORT\n");
    return 2;
  }
  if (loops == 1) {
    try {
      corio::run(serve(mode, port, 1));
    } catch (const corio::KeyboardInterrupt&) {
    }
  } else {
    corio::serve_multicore(static_cast<std::size_t>(loops),
                           [&](std::size_t) -> corio::Coro<void> { return serve(mode, port, loops); });
  }
  return 0;
}
