// SocketAddress: an IPv4, IPv6 or Unix socket address (what Python spells as a tuple
// ("127.0.0.1", 80), ("::1", 80, 0, 0) or a path).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace corio {

class SocketAddress {
 public:
  SocketAddress() noexcept;
  /// From a numeric IPv4 or IPv6 address and a port; throws std::invalid_argument if
  /// `ip` is not numeric (names go through getaddrinfo).
  SocketAddress(std::string_view ip, std::uint16_t port);
  /// A Unix socket path (a leading '@' means the abstract namespace).
  static SocketAddress unix_path(std::string_view path);
  /// From a raw sockaddr (as accept or recvfrom return it).
  static SocketAddress from_raw(const sockaddr* sa, socklen_t len) noexcept;

  int family() const noexcept { return storage_.ss_family; }
  /// The numeric host ("127.0.0.1", "::1") or the Unix path.
  std::string host() const;
  std::uint16_t port() const noexcept;
  /// "127.0.0.1:80", "[::1]:80" or the Unix path.
  std::string to_string() const;

  const sockaddr* raw() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* raw() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return len_; }
  socklen_t* size_ptr() noexcept { return &len_; }
  /// Prepares the object to receive an address (as accept's out-parameter).
  void reset_for_output() noexcept { len_ = sizeof storage_; }

  friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

 private:
  sockaddr_storage storage_;
  socklen_t len_;
};

}  // namespace corio
