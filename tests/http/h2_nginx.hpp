// A real nginx for the HTTP/2 tests: one instance (daemon off, a master and one worker
// running as root, in a process group of their own) per test, on loopback ports with a configuration, logs and temporary files in a directory
// of its own, and certificates made at run time (tests/net/ssl_test_certs.hpp).
//
// No race on ports or readiness: the test binds and listens on the two sockets itself
// (port 0: the kernel picks) and hands them to nginx as inherited sockets (the NGINX
// environment variable of its binary upgrade), so a connection made right after start
// waits in the backlog until nginx accepts it. If nginx fails to start, its end of the
// sockets closes and the connection is reset: the test fails at once, and error_log()
// says why. (nginx 1.22 crashes with inherited sockets under master_process off, hence
// the master; killing the group stops both.)
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <memory>

#include "corio_test.hpp"
#include "ssl_test_certs.hpp"

extern char** environ;

namespace corio::test::h2 {

inline constexpr const char* kNginx = "/usr/sbin/nginx";

/// `n` bytes of a pattern in which a shifted or dropped chunk shows.
inline std::string h2_pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 4093) % 26);
  return s;
}

/// The document root shared by every nginx of the process: big.bin (8 MiB of
/// h2_pattern) and dav/ for uploads.
inline const std::string& nginx_www() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/corio-h2-www-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    std::string d = tmpl;
    std::ofstream(d + "/big.bin", std::ios::binary) << h2_pattern(8u << 20);
    std::ofstream(d + "/small.txt") << "hello over h2\n";
    std::filesystem::create_directory(d + "/dav");
    ::chmod(d.c_str(), 0755);
    // The handler runs after `dir` is destroyed (it was registered first): it keeps its
    // own copy.
    static char removed_at_exit[sizeof tmpl];
    std::memcpy(removed_at_exit, tmpl, sizeof tmpl);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(removed_at_exit, ec);
    });
    return d;
  }();
  return dir;
}

class H2Nginx {
 public:
  /// Starts nginx with `extra` added to its http block and `locations` to its server
  /// block. (Named apart from the client tests' Nginx fixture: both are inline classes
  /// in one test binary.)
  explicit H2Nginx(const std::string& extra = "", const std::string& locations = "") {
    char tmpl[] = "/tmp/corio-h2-nginx-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    int tls_fd = listen_socket(tls_port);
    int plain_fd = listen_socket(plain_port);
    const corio::test::TestCerts& certs = corio::test::test_certs();
    std::ofstream conf(dir + "/nginx.conf");
    conf << "daemon off;\nmaster_process on;\nuser root;\nworker_processes 1;\n"
         << "pid " << dir << "/nginx.pid;\nerror_log " << dir << "/error.log notice;\n"
         << "events { worker_connections 1024; }\n"
         << "http {\n  access_log off;\n  default_type application/octet-stream;\n"
         << "  client_body_temp_path " << dir << "/body;\n  proxy_temp_path " << dir << "/proxy;\n"
         << "  fastcgi_temp_path " << dir << "/fastcgi;\n  uwsgi_temp_path " << dir << "/uwsgi;\n"
         << "  scgi_temp_path " << dir << "/scgi;\n"
         << extra << "\n"
         << "  server {\n"
         << "    listen 127.0.0.1:" << tls_port << " ssl http2;\n"
         << "    listen 127.0.0.1:" << plain_port << " http2;\n"
         << "    server_name localhost;\n"
         << "    ssl_certificate " << certs.server_cert << ";\n"
         << "    ssl_certificate_key " << certs.server_key << ";\n"
         << "    root " << nginx_www() << ";\n"
         << "    location = /conn { default_type text/plain;"
         << " return 200 \"$connection $connection_requests $server_protocol\"; }\n"
         << "    location = /echo-headers { default_type text/plain;"
         << " return 200 \"$http_x_test|$http_host|$scheme|$http_connection\"; }\n"
         << "    location /dav/ { dav_methods PUT DELETE; create_full_put_path on;"
         << " client_max_body_size 64m; }\n"
         << locations << "\n"
         << "  }\n}\n";
    conf.close();
    std::string inherited = "NGINX=" + std::to_string(tls_fd) + ";" + std::to_string(plain_fd) + ";";
    std::vector<std::string> env_strings{inherited};
    for (char** e = environ; *e; ++e) {
      if (std::string_view(*e).rfind("NGINX=", 0) != 0) env_strings.emplace_back(*e);
    }
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string conf_path = dir + "/nginx.conf", log_path = dir + "/error.log";
    std::vector<std::string> args{kNginx, "-p", dir, "-c", conf_path, "-e", log_path};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawnattr_t attr;
    ::posix_spawnattr_init(&attr);
    ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // group id = nginx's pid
    ::posix_spawnattr_setpgroup(&attr, 0);
    // Its output goes to error.log; a test's pipes must not stay open in nginx.
    posix_spawn_file_actions_t files;
    ::posix_spawn_file_actions_init(&files);
    for (int fd = 0; fd <= 2; ++fd) ::posix_spawn_file_actions_addopen(&files, fd, "/dev/null", O_RDWR, 0);
    int rc = ::posix_spawn(&pid_, kNginx, &files, &attr, argv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&files);
    ::posix_spawnattr_destroy(&attr);
    ::close(tls_fd);  // nginx holds them now
    ::close(plain_fd);
    if (rc != 0) throw std::runtime_error("posix_spawn nginx failed: " + std::to_string(rc));
  }
  H2Nginx(const H2Nginx&) = delete;
  H2Nginx& operator=(const H2Nginx&) = delete;
  ~H2Nginx() {
    kill();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  /// Stops nginx at once (SIGKILL to its master and worker): the kernel closes its
  /// connections.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  /// What nginx logged (for failure messages).
  std::string error_log() const {
    std::ifstream in(dir + "/error.log");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

  std::string dir;
  std::uint16_t tls_port = 0;
  std::uint16_t plain_port = 0;

 private:
  static int listen_socket(std::uint16_t& port) {
    // No SOCK_CLOEXEC: nginx inherits it.
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 511) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(fd);
      throw std::runtime_error("cannot listen on loopback");
    }
    port = ntohs(addr.sin_port);
    return fd;
  }

  pid_t pid_ = -1;
};

/// A test that starts its own nginx (skipped when nginx is not installed), runs its
/// coroutines on its own loop, and fails on any report of that loop; on failure it
/// prints nginx's error.log.
class H2NginxTest : public ::testing::Test {
 protected:
  H2NginxTest() { errors.attach(loop); }
  void SetUp() override {
    if (::access(kNginx, X_OK) != 0) GTEST_SKIP() << kNginx << " is not installed: the HTTP/2 tests need nginx";
  }
  void TearDown() override {
    loop.close();
    EXPECT_TRUE(errors.empty()) << "unexpected loop reports:\n" << errors.messages();
    if (HasFailure() && nginx) std::cerr << "nginx error.log:\n" << nginx->error_log();
  }
  /// Starts nginx (once per test) with `extra` in its http block and `locations` in its
  /// server blocks.
  H2Nginx& start_nginx(const std::string& extra = "", const std::string& locations = "") {
    nginx = std::make_unique<H2Nginx>(extra, locations);
    return *nginx;
  }
  template <class T>
  T run(Coro<T> coro, std::chrono::nanoseconds limit = std::chrono::seconds(30)) {
    return loop.run_until_complete(wait_for(std::move(coro), limit));
  }

  std::unique_ptr<H2Nginx> nginx;
  ErrorLog errors;
  EventLoop loop;
};

}  // namespace corio::test::h2
