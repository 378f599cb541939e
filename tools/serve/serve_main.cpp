// `corio serve DIR`: a static file server on corio::web (python -m http.server's job).
//
//   corio serve DIR [--host H] [--port P] [--workers N] [--cert FILE --key FILE]
//   corio serve --hello [--port P] [--workers N]     W6's handler: GET / -> "Hello, World!"
//
// Files are sent with FileResponse (sendfile); a directory answers its index.html. The
// path is decoded and any ".." segment is refused (403), so nothing outside DIR is
// served. --workers N serves on N loops sharing the port (SO_REUSEPORT). --cert and
// --key (PEM) serve https instead of http.
#include "serve.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "corio/net/ssl.hpp"
#include "corio/web/web.hpp"

namespace corio::serve {

namespace {
void usage(std::FILE* to) {
  std::fprintf(to,
               "usage: corio serve DIR [--host H] [--port P] [--workers N] [--cert FILE --key FILE]\n"
               "       corio serve --hello [--host H] [--port P] [--workers N] [--cert FILE --key FILE]\n"
               "Serves the files under DIR over HTTP/1.1 (default 0.0.0.0:8080) until Ctrl-C;\n"
               "--hello answers GET / with \"Hello, World!\" instead (the W6 benchmark's handler).\n"
               "--cert/--key: the server's certificate chain and private key (PEM): serve https.\n");
}
}  // namespace

int serve_main(int argc, char** argv) {
  web::RunAppOptions opts;
  std::string dir;
  std::string cert, key;
  bool hello = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "corio serve: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    } else if (a == "--host") {
      opts.host = value();
    } else if (a == "--port") {
      opts.port = static_cast<std::uint16_t>(std::stoi(value()));
    } else if (a == "--workers") {
      opts.workers = static_cast<std::size_t>(std::stoul(value()));
    } else if (a == "--cert") {
      cert = value();
    } else if (a == "--key") {
      key = value();
    } else if (a == "--hello") {
      hello = true;
    } else if (dir.empty() && a.front() != '-') {
      dir = a;
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (dir.empty() && !hello) {
    usage(stderr);
    return 2;
  }
  if (cert.empty() != key.empty()) {
    std::fprintf(stderr, "corio serve: --cert and --key go together\n");
    return 2;
  }
  std::optional<SSLContext> tls;
  if (!cert.empty()) {
    try {
      tls.emplace(PROTOCOL_TLS_SERVER);
      tls->load_cert_chain(cert, key);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "corio serve: %s\n", e.what());
      return 1;
    }
    opts.ssl = &*tls;
  }
  web::Application app;
  if (hello) {
    app.add_get("/", [](web::Request&) -> Coro<web::Response> { co_return web::Response("Hello, World!"); });
  } else {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    app.add_get("/{path:.*}", [dir](web::Request& req) -> Coro<web::Response> {
      std::string_view path = req.path();
      if (path.find('\0') != std::string_view::npos) throw web::HTTPBadRequest();
      for (std::size_t pos = 0; pos <= path.size();) {
        std::size_t end = path.find('/', pos);
        if (end == std::string_view::npos) end = path.size();
        if (path.substr(pos, end - pos) == "..") throw web::HTTPForbidden();
        pos = end + 1;
      }
      std::string file = dir + std::string(path);
      struct stat st{};
      if (::stat(file.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        if (file.back() != '/') throw web::HTTPMovedPermanently(std::string(req.path()) + "/");
        file += "index.html";
      }
      co_return web::FileResponse(file);
    });
  }
  web::run_app(app, opts);
  return 0;
}

}  // namespace corio::serve
