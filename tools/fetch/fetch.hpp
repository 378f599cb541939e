// `corio fetch`: download URLs concurrently with corio::http::ClientSession (fetch_main.cpp).
#pragma once

namespace corio::fetch {

/// `corio fetch URL... [-c N] [-o DIR] [-q]`; argv[0] is "fetch".
int fetch_main(int argc, char** argv);

}  // namespace corio::fetch
