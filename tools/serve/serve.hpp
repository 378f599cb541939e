// `corio serve`: the static file server command (serve_main.cpp).
#pragma once

namespace corio::serve {

/// `corio serve DIR [--host H] [--port P] [--workers N]`; argv[0] is "serve".
int serve_main(int argc, char** argv);

}  // namespace corio::serve
