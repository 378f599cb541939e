// A real nginx on loopback for the client tests: started once per test suite from a
// temporary directory (config, document root, logs) on a free port, stopped after.
//
// nginx runs in the foreground without a master process (`daemon off; master_process
// off`), so the fixture owns one process and stops it with SIGQUIT. Readiness is
// waited for by connecting until the port answers (bounded to 5 s). Tests skip with a
// message when /usr/sbin/nginx is missing.
#pragma once

#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "corio/net/socket.hpp"
#include "corio/net/socket_address.hpp"

namespace corio::test {

class Nginx {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nginx";

  static bool available() { return ::access(kBinary, X_OK) == 0; }

  /// Writes the config (`locations` go into the server block; `$ROOT` is the document
  /// root) and starts nginx. Throws std::runtime_error if it does not come up.
  /// With `tls`, the server also listens with TLS on tls_port(), with a self-signed
  /// certificate for localhost and 127.0.0.1 (cert_file()).
  explicit Nginx(const std::string& locations, bool tls = false) {
    char tmpl[] = "/tmp/corio-nginx-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    root_ = dir_ / "root";
    std::filesystem::create_directories(root_);
    port_ = free_port();
    std::string tls_conf;
    if (tls) {
      tls_port_ = free_port();
      std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost"
                        " -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout " +
                        (dir_ / "key.pem").string() + " -out " + cert_file() + " 2>/dev/null";
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate");
      tls_conf = "    listen 127.0.0.1:" + std::to_string(tls_port_) + " ssl;\n    ssl_certificate " + cert_file() +
                 ";\n    ssl_certificate_key " + (dir_ / "key.pem").string() + ";\n";
    }
    std::string locs = locations;
    for (std::size_t at; (at = locs.find("$ROOT")) != std::string::npos;) locs.replace(at, 5, root_.string());
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
        << "pid " << (dir_ / "nginx.pid").string() << ";\n"
        << "error_log " << (dir_ / "error.log").string() << " warn;\n"
        << "events { worker_connections 1024; }\n"
        << "http {\n  access_log off;\n  default_type application/octet-stream;\n"
        << "  client_body_temp_path " << (dir_ / "body").string() << ";\n"
        << "  proxy_temp_path " << (dir_ / "proxy").string() << ";\n"
        << "  fastcgi_temp_path " << (dir_ / "fastcgi").string() << ";\n"
        << "  uwsgi_temp_path " << (dir_ / "uwsgi").string() << ";\n"
        << "  scgi_temp_path " << (dir_ / "scgi").string() << ";\n"
        << "  keepalive_requests 100000;\n"
        << "  server {\n    listen 127.0.0.1:" << port_ << ";\n" << tls_conf << "    root " << root_.string() << ";\n"
        << locs << "\n  }\n}\n";
  }

  void start() {
    std::string conf = (dir_ / "nginx.conf").string();
    std::string prefix = dir_.string() + "/";
    std::string error_log = (dir_ / "error.log").string();
    const char* argv[] = {kBinary, "-p", prefix.c_str(), "-e", error_log.c_str(), "-c", conf.c_str(), nullptr};
    if (::posix_spawn(&pid_, kBinary, nullptr, nullptr, const_cast<char* const*>(argv), environ) != 0) {
      throw std::runtime_error("cannot start nginx");
    }
    // Wait until it accepts (a readiness probe, not a race fix).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port_);
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      if (ok) return;
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("nginx exited: " + log());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("nginx did not come up: " + log());
  }

  ~Nginx() {
    if (pid_ > 0) {
      ::kill(pid_, SIGQUIT);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::uint16_t port() const noexcept { return port_; }
  std::uint16_t tls_port() const noexcept { return tls_port_; }
  std::string cert_file() const { return (dir_ / "cert.pem").string(); }
  const std::filesystem::path& root() const noexcept { return root_; }
  std::string url(const std::string& path, const std::string& host = "127.0.0.1") const {
    return "http://" + host + ":" + std::to_string(port_) + path;
  }
  std::string log() const {
    std::ifstream in(dir_ / "error.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  static std::uint16_t free_port() {
    Socket s(AF_INET, SOCK_STREAM);
    s.bind(SocketAddress("127.0.0.1", 0));
    return s.getsockname().port();
  }

  std::filesystem::path dir_, root_;
  std::uint16_t port_ = 0;
  std::uint16_t tls_port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace corio::test
