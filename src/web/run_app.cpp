// run_app: one loop (Runner) or several (serve_multicore), each with its own AppRunner.
#include "corio/web/run_app.hpp"

#include <csignal>
#include <cstdio>

#include "corio/exec/multi_loop.hpp"
#include "corio/loop/runner.hpp"
#include "corio/sync/event.hpp"
#include "web/server_state.hpp"

namespace corio::web {

namespace {
// Serves on the running loop until `stop` is set, then cleans up.
Coro<void> serve(Application& app, RunAppOptions opts, bool own_signals, bool banner) {
  AppRunner runner(app, opts.settings);
  co_await runner.setup();
  TCPSite site(runner, opts.host, opts.port, opts.ssl);
  co_await site.start();
  if (banner) {
    std::printf("======== Running on %s ========\n(Press CTRL+C to quit)\n", site.name().c_str());
    std::fflush(stdout);
  }
  Event stop;
  EventLoop& loop = get_running_loop();
  if (own_signals) {
    loop.add_signal_handler(SIGINT, [&stop] { stop.set(); });
    loop.add_signal_handler(SIGTERM, [&stop] { stop.set(); });
  }
  try {
    co_await stop.wait();
  } catch (const CancelledError&) {
    // serve_multicore cancels the setup tasks when the loops stop.
  }
  if (own_signals) {
    loop.remove_signal_handler(SIGINT);
    loop.remove_signal_handler(SIGTERM);
  }
  co_await runner.cleanup();
}
}  // namespace

void run_app(Application& app, RunAppOptions options) {
  app.freeze();
  // Once here, before the workers' sites read the context from their threads.
  if (options.ssl) detail::prepare_site_context(*options.ssl);
  if (options.workers <= 1) {
    LoopOptions loop_options;
    loop_options.single_thread = true;  // made, run and closed right here
    Runner runner(loop_options);
    runner.run(serve(app, options, true, options.print_banner));
    return;
  }
  options.settings.reuse_port = true;
  serve_multicore(options.workers, [&app, options](std::size_t i) -> Coro<void> {
    Coro<void> c = serve(app, options, false, options.print_banner && i == 0);
    co_await std::move(c);
  });
}

void run_app(Application& app, std::string host, std::uint16_t port) {
  RunAppOptions opts;
  opts.host = std::move(host);
  opts.port = port;
  run_app(app, opts);
}

}  // namespace corio::web
