#include "corio/net/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>
#include <stdexcept>

namespace corio {

SocketAddress::SocketAddress() noexcept : len_(0) { std::memset(&storage_, 0, sizeof storage_); }

SocketAddress::SocketAddress(std::string_view ip, std::uint16_t port) : SocketAddress() {
  std::string s(ip);
  if (!s.empty() && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage_);
  if (::inet_pton(AF_INET, s.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len_ = sizeof(sockaddr_in);
    return;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage_);
  if (::inet_pton(AF_INET6, s.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len_ = sizeof(sockaddr_in6);
    return;
  }
  throw std::invalid_argument("not a numeric IP address: '" + s + "'");
}

SocketAddress SocketAddress::unix_path(std::string_view path) {
  SocketAddress a;
  auto* un = reinterpret_cast<sockaddr_un*>(&a.storage_);
  if (path.size() >= sizeof un->sun_path) {
    throw std::invalid_argument("Unix socket path too long: '" + std::string(path) + "'");
  }
  un->sun_family = AF_UNIX;
  std::memcpy(un->sun_path, path.data(), path.size());
  if (!path.empty() && path.front() == '@') un->sun_path[0] = '\0';  // abstract namespace
  a.len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() + (path.front() == '@' ? 0 : 1));
  return a;
}

SocketAddress SocketAddress::from_raw(const sockaddr* sa, socklen_t len) noexcept {
  SocketAddress a;
  if (len > sizeof a.storage_) len = sizeof a.storage_;
  std::memcpy(&a.storage_, sa, len);
  a.len_ = len;
  return a;
}

std::string SocketAddress::host() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (storage_.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage_)->sin_addr, buf, sizeof buf);
    return buf;
  }
  if (storage_.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_addr, buf, sizeof buf);
    return buf;
  }
  if (storage_.ss_family == AF_UNIX) {
    const auto* un = reinterpret_cast<const sockaddr_un*>(&storage_);
    std::size_t n = len_ > offsetof(sockaddr_un, sun_path) ? len_ - offsetof(sockaddr_un, sun_path) : 0;
    if (n == 0) return {};
    if (un->sun_path[0] == '\0') {
      // Built by append: g++ 12 -O3 flags `"@" + std::string(...)` with a false -Wrestrict.
      std::string s = "@";
      s.append(un->sun_path + 1, n - 1);
      return s;
    }
    return std::string(un->sun_path, strnlen(un->sun_path, n));
  }
  return {};
}

std::uint16_t SocketAddress::port() const noexcept {
  if (storage_.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (storage_.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::to_string() const {
  if (storage_.ss_family == AF_INET) return host() + ":" + std::to_string(port());
  if (storage_.ss_family == AF_INET6) {
    std::string s = "[";  // append, not `"[" + host()`: see host()
    s += host();
    s += "]:";
    s += std::to_string(port());
    return s;
  }
  return host();
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
  return a.len_ == b.len_ && std::memcmp(&a.storage_, &b.storage_, a.len_) == 0;
}

}  // namespace corio
